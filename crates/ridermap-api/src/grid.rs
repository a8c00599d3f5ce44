//! A grid worker's overview and bulk work: stale places, the dashboard, counts, grids, import and
//! export.

use chrono::NaiveDate;
use ridermap_core::{Id, PlaceKind};
use serde::{Deserialize, Serialize};

/// Places of a grid not verified on site for `days` (default 90).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaleReq {
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub days: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardReq {
    #[serde(default)]
    pub grid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub grid: Option<String>,
    /// Count per kind, in kind order.
    pub places: Vec<(PlaceKind, i64)>,
    pub stale: i64,
    pub open_reports: i64,
    /// (local day, visits, headcount), oldest first, the last 14 days.
    pub visits_per_day: Vec<(NaiveDate, i64, i64)>,
}

/// Counts for a grid, or for everything on this device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsReq {
    #[serde(default)]
    pub grid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub grid: Option<String>,
    /// Count per kind, in kind order.
    pub places: Vec<(PlaceKind, i64)>,
    /// Places not verified on site for 90 days.
    pub stale: i64,
    pub pending_reports: i64,
    pub visits_7d: i64,
    pub headcount_7d: i64,
    /// Entries in the local change log.
    pub changes_logged: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridsReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridInfo {
    pub id: Id,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddGridReq {
    pub code: String,
    pub name: String,
}

/// Import a GeoJSON, CSV or OpenStreetMap (`.osm` / `.osm.pbf`) file on the device: all or
/// nothing, unless `skip_invalid` writes the good records and reports the bad ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReq {
    pub path: String,
    /// `geojson`, `csv` or `osm`; default from the file's name.
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub skip_invalid: bool,
    /// Kind for CSV rows without a `kind` column.
    #[serde(default)]
    pub kind: Option<PlaceKind>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Records left out because they were invalid (only with `skip_invalid`).
    pub skipped: usize,
    /// What was wrong with each record left out: file, line / feature / OSM element, field.
    pub problems: Vec<String>,
    /// Base-layer features an OpenStreetMap file brought (streets, footprints, doors, walls,
    /// water, green), replacing what the same file brought before.
    #[serde(default)]
    pub base_features: usize,
    /// Bytes of geometry they take in the store (all zoom bands).
    #[serde(default)]
    pub base_bytes: usize,
}

/// Export places (and grids) as `geojson` or `csv`: to a file on the device when `out` is given
/// (written whole or not at all), else as text in the reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportReq {
    pub format: String,
    #[serde(default)]
    pub kind: Option<PlaceKind>,
    #[serde(default)]
    pub out: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exported {
    /// Records written.
    pub records: usize,
    /// The export itself, when no `out` file was given.
    pub text: Option<String>,
}
