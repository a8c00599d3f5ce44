//! The offline raster base map kept beside the store.

use serde::{Deserialize, Serialize};

/// The offline base map this device holds, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaseMapReq {}

/// Import a raster MBTiles file (a path on the device) as the base map, replacing the one held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportBaseMapReq {
    pub path: String,
}

/// The datum a base map's tiles are drawn in. Maps made for mainland China (Amap/Gaode-style
/// tiles) are usually GCJ-02; OpenStreetMap renderings are WGS-84.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datum {
    #[default]
    Wgs84,
    Gcj02,
}

/// A base map as the UI needs it: tiles are fetched by `z/x/y` (XYZ scheme).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseMap {
    pub name: String,
    /// png, jpg or webp.
    pub format: String,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// min_lon, min_lat, max_lon, max_lat, when the file says.
    pub bounds: Option<[f64; 4]>,
    pub datum: Datum,
    /// Changes with every import, so the UI does not show tiles of the map it replaced.
    pub version: String,
}
