//! The illustrative Yinhang demo data shipped in `assets/`, loaded into new stores: places
//! (GeoJSON) and a base layer of streets, lanes, fences and footprints (OSM XML).

use ridermap_store::{Actor, ImportOptions, ImportReport, Store};

/// The demo FeatureCollection (illustrative, not surveyed).
pub const DEMO_GEOJSON: &str = include_str!("../../../assets/yinhang-demo.geojson");
/// The demo's base layer (illustrative, not surveyed).
pub const DEMO_OSM: &str = include_str!("../../../assets/yinhang-demo.osm");

pub fn load(store: &mut Store) -> ridermap_store::Result<ImportReport> {
    let rows = crate::geo_json::read("assets/yinhang-demo.geojson", DEMO_GEOJSON.as_bytes())
        .map_err(|e| ridermap_store::Error::Io(e.to_string()))?;
    let before = store.last_change_seq()?;
    let actor = Actor { name: Some("demo".into()) };
    let report = store.import(&rows, ImportOptions::default(), &actor)?;
    let read = |sink: &mut dyn ridermap_core::base::BaseSink| {
        crate::osm::read_with("assets/yinhang-demo.osm", DEMO_OSM.as_bytes(), sink).map_err(|e| e.to_string())
    };
    store.import_with_base("yinhang-demo.osm", read, ImportOptions::default(), &actor)?;
    // Illustrative data stays on this device: it is never sent to a sync server.
    store.keep_local(before)?;
    Ok(report)
}
