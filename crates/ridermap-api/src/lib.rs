//! The app's command surface. Each request type names its command (`Call::NAME`) and its reply
//! type; the UI sends one through whichever transport it runs on — Tauri IPC in the app,
//! `POST /api/{NAME}` with a JSON body under `ridermap web` — and both ends share these types.
//! No I/O here: this crate builds for wasm32 with the UI.

use chrono::{DateTime, NaiveDate, Utc};
use ridermap_core::{
    Amenity, ChargerKind, Id, Note, Outcome, Place, PlaceKind, Service, StatusReport, Visit,
    rank::{GateChoice, Vehicle},
    status::Condition,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The one error that crosses the IPC/HTTP boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// Stable, for code: `invalid`, `not_found`, `offline`, `refused`, `internal`, …
    pub code: String,
    /// For people, in the language asked for where the source speaks it.
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError { code: code.into(), message: message.into() }
    }
}

/// A request: its command name and the type of its reply.
pub trait Call: Serialize + DeserializeOwned {
    const NAME: &'static str;
    type Reply: Serialize + DeserializeOwned;
}

macro_rules! calls {
    ($($req:ty => $name:literal, $reply:ty;)*) => {
        $(impl Call for $req {
            const NAME: &'static str = $name;
            type Reply = $reply;
        })*
        /// Every command name, for dispatch tables and their tests.
        pub const COMMANDS: &[&str] = &[$($name),*];
    };
}

calls! {
    NearbyReq => "nearby", Vec<NearbyItem>;
    SearchReq => "search", Vec<Place>;
    PlaceReq => "place", PlaceView;
    CompoundsReq => "compounds", Vec<CompoundHit>;
    GateReq => "gate", GateAnswer;
    MapReq => "map", Vec<MapPoint>;
    AddReportReq => "add_report", StatusReport;
    ConfirmReq => "confirm", StatusReport;
    ReviewQueueReq => "review_queue", Vec<StatusReport>;
    ReviewReq => "review", StatusReport;
    AddVisitReq => "add_visit", Visit;
    StationDayReq => "station_day", StationDay;
    SavePlaceReq => "save_place", Place;
    EditPlaceReq => "edit_place", Place;
    VerifyPlaceReq => "verify_place", Place;
    DeletePlaceReq => "delete_place", ();
    StaleReq => "stale", Vec<Place>;
    DashboardReq => "dashboard", Dashboard;
    ExportReq => "export", String;
    GridsReq => "grids", Vec<GridInfo>;
    SyncStatusReq => "sync_status", SyncStatus;
    SyncNowReq => "sync_now", SyncOutcome;
    OutboxReq => "outbox", Outbox;
    DismissReq => "dismiss", ();
    EnrolReq => "enrol", SyncStatus;
    BaseMapReq => "basemap", Option<BaseMap>;
    ImportBaseMapReq => "import_basemap", BaseMap;
}

// ---- places -------------------------------------------------------------------------------------

/// Places around a point, nearest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NearbyReq {
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub kind: Option<PlaceKind>,
    #[serde(default)]
    pub open_now: bool,
    /// Gates an e-bike gets through.
    #[serde(default)]
    pub ebike: bool,
    /// Chargers not reported broken or empty.
    #[serde(default)]
    pub working: bool,
    #[serde(default)]
    pub charger_kind: Option<ChargerKind>,
    #[serde(default)]
    pub amenities: Vec<Amenity>,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyItem {
    pub place: Place,
    pub distance_m: f64,
    /// Open now; None when its hours are unknown.
    pub open: Option<bool>,
    pub condition: Condition,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchReq {
    pub text: String,
    #[serde(default)]
    pub kind: Option<PlaceKind>,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceReq {
    pub id: Id,
}

/// Everything the place screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceView {
    pub place: Place,
    pub open: Option<bool>,
    pub condition: Condition,
    /// The newest report of any kind, for "last confirmed 2 h ago".
    pub last_report_at: Option<DateTime<Utc>>,
    /// Reports of the last 30 days, newest first.
    pub reports: Vec<StatusReport>,
    pub notes: Vec<Note>,
    /// For a compound: its gates; for a gate: its compound.
    pub related: Vec<Place>,
    /// When the server answered (the UI measures freshness against it).
    pub now: DateTime<Utc>,
}

/// Compounds whose name, alias or address matches, as the user types.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompoundsReq {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundHit {
    pub id: Id,
    pub name: String,
    pub address: Option<String>,
    /// Building numbers, in the compound's order.
    pub buildings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReq {
    /// Compound id or name.
    pub compound: String,
    #[serde(default)]
    pub building: Option<String>,
    /// Default now.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub vehicle: Vehicle,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateAnswer {
    pub compound: Place,
    /// Best first.
    pub choices: Vec<GateChoice>,
    pub at: DateTime<Utc>,
}

/// What the map draws inside a box (min_lon, min_lat, max_lon, max_lat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapReq {
    pub bbox: [f64; 4],
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPoint {
    pub id: Id,
    pub kind: PlaceKind,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// A compound's outline, WGS-84 [lon, lat] pairs.
    #[serde(default)]
    pub outline: Option<Vec<[f64; 2]>>,
}

// ---- reports and visits -------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddReportReq {
    #[serde(default)]
    pub target: Option<Id>,
    pub outcome: Outcome,
    #[serde(default)]
    pub note: Option<String>,
    /// A photo's bytes, base64 (standard alphabet); downscaled and kept on the device.
    #[serde(default)]
    pub photo_base64: Option<String>,
    /// Where the reporter is; default the target's position.
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

/// "Still true": a one-tap confirmation of a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfirmReq {
    pub id: Id,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueReq {
    #[serde(default)]
    pub grid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewReq {
    pub id: Id,
    pub accept: bool,
    /// Needed to reject; reaches the reporter.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddVisitReq {
    pub station: Id,
    pub headcount: u32,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub supplies: Vec<String>,
    #[serde(default)]
    pub station_open: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDayReq {
    pub station: Id,
    /// Local day (Asia/Shanghai); default today.
    #[serde(default)]
    pub day: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDay {
    pub station: Place,
    pub day: NaiveDate,
    pub headcount: u32,
    /// Per service, how often it was used.
    pub services: Vec<(Service, u32)>,
    pub visits: Vec<Visit>,
    /// The latest open/closed the volunteers said today.
    pub open: Option<bool>,
    /// Supplies noted today, latest first, without repeats.
    pub supplies: Vec<String>,
}

// ---- grid work ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavePlaceReq {
    pub place: Place,
}

/// `field=value` edits, as the edit form sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditPlaceReq {
    pub id: Id,
    pub sets: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyPlaceReq {
    pub id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletePlaceReq {
    pub id: Id,
}

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
    /// (kind, count)
    pub places: Vec<(String, i64)>,
    pub stale: i64,
    pub open_reports: i64,
    /// Visits and headcount per local day, oldest first, the last 14 days.
    pub visits_per_day: Vec<(NaiveDate, i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportReq {
    /// `geojson` or `csv`: every place on this device.
    pub format: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridsReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridInfo {
    pub code: String,
    pub name: String,
}

// ---- sync ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatusReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub enrolled: bool,
    pub pending: i64,
    pub refused: usize,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// The role the server gave this device at enrolment; the UI shows the screens it may use.
    #[serde(default)]
    pub role: Option<ridermap_core::Role>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncNowReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncOutcome {
    pub pushed: usize,
    pub refused: usize,
    pub pulled: usize,
    pub status: SyncStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub change: ridermap_sync::WireChange,
    /// Why the server refused it; None while it waits to be sent.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    pub items: Vec<OutboxItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DismissReq {
    pub id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolReq {
    pub server: String,
    pub invite: String,
}

// ---- base map -----------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_snake_case() {
        let mut names = COMMANDS.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
        assert!(COMMANDS.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn the_error_crosses_as_code_and_message() {
        let e = ApiError::new("not_found", "no place 1");
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"code":"not_found","message":"no place 1"}"#);
    }
}
