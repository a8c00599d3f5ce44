//! A grid worker's overview and bulk work: stale places, the dashboard, counts, grids, import and
//! export.

use chrono::{DateTime, NaiveDate, Utc};
use ridermap_core::{Id, Lang, Outcome, PlaceKind, Review};
use serde::{Deserialize, Serialize};

/// Places of a grid not verified on site for `days` (default 90).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaleReq {
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub days: Option<i64>,
}

/// A grid's state as its grid worker is accountable for it (everything on this device when no
/// grid is given), as of `at` (default now).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardReq {
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub grid: Option<String>,
    pub at: DateTime<Utc>,
    /// Count per kind, in kind order.
    pub places: Vec<(PlaceKind, i64)>,
    pub stale: i64,
    pub open_reports: i64,
    pub way_in: WayIn,
    pub verified: Freshness,
    /// Reports per local week (Monday first), the last 8 weeks, oldest first.
    pub weeks: Vec<WeekReports>,
    /// Hazards reported and not rejected or resolved, newest first.
    pub hazards: Vec<HazardPin>,
    /// (local day, visits, headcount), oldest first, the last 14 days.
    pub visits_per_day: Vec<(NaiveDate, i64, i64)>,
}

/// Whether riders can be told the way in: a compound counts when each of its buildings is
/// served by a gate whose hours and e-bike rule are known, and reached from one on foot by the
/// compound's mapped ways.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WayIn {
    pub compounds: i64,
    pub known: i64,
    /// The compounds that do not count, with what is missing, the most buildings unreached first.
    pub gaps: Vec<CompoundGaps>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundGaps {
    pub id: Id,
    pub name: String,
    pub buildings: i64,
    /// Buildings reached from a known gate.
    pub reached: i64,
    pub gaps: Vec<Gap>,
}

/// What keeps a compound's way in from being known: `"no_gate"`, `{"hours": {"gate": "1号门"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    NoGate,
    NoBuildings,
    /// No mapped way leads from a gate to any building: routes would be straight lines.
    NoWays,
    Hours {
        gate: String,
    },
    Ebike {
        gate: String,
    },
    Unreached {
        building: String,
    },
}

/// Places verified on site within `days`, and the compounds checked longest ago.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Freshness {
    pub days: i64,
    pub places: i64,
    pub verified: i64,
    /// At most five compounds, never verified first, then the longest ago; a compound is as
    /// fresh as the least fresh of itself and its gates.
    pub stalest: Vec<StaleCompound>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleCompound {
    pub id: Id,
    pub name: String,
    pub verified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekReports {
    /// The week's Monday.
    pub week: NaiveDate,
    /// Outcomes seen that week, in `Outcome::ALL` order, zero counts left out.
    pub counts: Vec<(Outcome, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardPin {
    pub id: Id,
    pub lat: f64,
    pub lon: f64,
    pub observed_at: DateTime<Utc>,
    pub note: Option<String>,
    pub review: Review,
}

/// One dashboard panel's numbers as CSV (UTF-8, header row first), in the reply and, when `out`
/// is given, also in that file on the device (written whole or not at all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardCsvReq {
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// `places`, `way_in`, `verified`, `reports`, `hazards` or `visits`.
    pub panel: String,
    #[serde(default)]
    pub out: Option<String>,
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
    /// The file itself, sent from a browser or the app's file picker (then `path` is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<Upload>,
}

/// A file's name (its format and its source are read from it) and bytes (base64).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub name: String,
    pub base64: String,
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

/// A compound's signboard for its entrance, as a one-page PDF: to a file on the device when
/// `out` is given (written whole or not at all), else in the reply (base64).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignReq {
    /// The compound: name, alias or id.
    pub compound: String,
    /// `a4` (default) or `a3`.
    #[serde(default)]
    pub paper: Option<String>,
    #[serde(default)]
    pub out: Option<String>,
    /// A TrueType/OpenType font file (or collection) with Chinese glyphs; default: the first of
    /// `RIDERMAP_SIGN_FONT` and the system's known CJK fonts that exists.
    #[serde(default)]
    pub font: Option<String>,
    #[serde(default)]
    pub lang: Lang,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signed {
    pub compound: String,
    pub bytes: usize,
    /// The font the page embeds a subset of.
    pub font: String,
    /// What the QR code holds.
    pub qr: String,
    /// The PDF, when no `out` file was given.
    pub pdf_base64: Option<String>,
}

/// Compounds ranked by how friendly riders rate them, the worst first (unrated last), as of
/// `at` (default now); only `grid`'s when given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScorecardReq {
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundScore {
    pub id: Id,
    pub name: String,
    pub score: ridermap_core::score::Score,
}
