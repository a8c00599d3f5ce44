//! Finding places (nearby, search, one place, compounds as one types, buildings, the best gate,
//! what the map draws) and the grid worker's edits of places.

use chrono::{DateTime, Utc};
use ridermap_core::{
    Amenity, Building, ChargerKind, Id, Lang, Note, Place, PlaceKind, StatusReport,
    rank::{GateChoice, Vehicle},
    status::Condition,
};
use serde::{Deserialize, Serialize};

/// Places around a point, nearest first; or, given `text`, the places matching it (name, alias or
/// address; best match first), each with its distance from the point, open state and condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NearbyReq {
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default)]
    pub kind: Option<PlaceKind>,
    /// Only places open now.
    #[serde(default)]
    pub open_now: bool,
    /// Only places open at this time (wins over `open_now`).
    #[serde(default)]
    pub open_at: Option<DateTime<Utc>>,
    /// Gates an e-bike gets through.
    #[serde(default)]
    pub ebike: bool,
    /// Chargers not reported broken or empty.
    #[serde(default)]
    pub working: bool,
    #[serde(default)]
    pub charger_kind: Option<ChargerKind>,
    /// Chargers for this battery voltage (48, 60, …).
    #[serde(default)]
    pub volts: Option<u32>,
    #[serde(default)]
    pub amenities: Vec<Amenity>,
    /// Default 20, at most 500.
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyItem {
    pub place: Place,
    pub distance_m: f64,
    /// Open at the time asked (now by default); None when its hours are unknown.
    pub open: Option<bool>,
    pub condition: Condition,
}

/// Whether an opening-hours value reads (as typed in a form): the problem, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckHoursReq {
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchReq {
    pub text: String,
    #[serde(default)]
    pub kind: Option<PlaceKind>,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One place by what a person types: its id, its source (`osm:way/123`), or its name (exact, or
/// the only match).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindPlaceReq {
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceReq {
    pub id: Id,
}

/// Everything the place screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceView {
    pub place: Place,
    /// Open now, unless a fresh report says it is closed; None when its hours are unknown.
    pub open: Option<bool>,
    pub condition: Condition,
    /// The newest report of any kind, for "last confirmed 2 h ago".
    pub last_report_at: Option<DateTime<Utc>>,
    /// Reports of the last 30 days, newest first.
    pub reports: Vec<StatusReport>,
    pub notes: Vec<Note>,
    /// For a compound: its gates; for a gate: its compound.
    pub related: Vec<Place>,
    /// When the service answered (freshness is measured against it).
    pub now: DateTime<Utc>,
}

/// Compounds whose name, alias or address matches, as the user types; a building number typed
/// after the name ("开鲁六村 12", "开鲁六村12号楼") picks that building of the compounds that have it.
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
    /// Where each of `buildings` is (`[lon, lat]`, its footprint's centre): a footprint tapped on
    /// the map is one of this compound's when it stands there.
    #[serde(default)]
    pub centres: Vec<[f64; 2]>,
    /// How many unit doors of each of `buildings` are mapped (a grid worker's list of what is
    /// missing).
    #[serde(default)]
    pub doors: Vec<usize>,
    /// Where it is (its point), to show it on the map before a building is picked.
    #[serde(default)]
    pub lat: f64,
    #[serde(default)]
    pub lon: f64,
    /// The building typed after its name, as the compound numbers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
}

/// Where a building of a compound is (compound by id, name or alias; number as `12`, `12号`,
/// `12号楼`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildingReq {
    pub compound: String,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildingAnswer {
    pub compound_id: Id,
    pub compound_name: String,
    pub building: Building,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReq {
    /// Compound id, name or alias.
    pub compound: String,
    #[serde(default)]
    pub building: Option<String>,
    /// Default now.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub vehicle: Vehicle,
    /// When given, the answer also says each gate's reasons in this language (`said`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
}

/// A gate's reasons and warnings in words, besides its e-bike rule and access method (which the
/// choice carries as values, for icons).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateSaid {
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateAnswer {
    pub compound: Place,
    /// The building asked for, as the compound numbers it.
    #[serde(default)]
    pub building: Option<String>,
    /// Best first.
    pub choices: Vec<GateChoice>,
    pub at: DateTime<Utc>,
    pub vehicle: Vehicle,
    /// One per choice, in the language asked for (none when none was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub said: Vec<GateSaid>,
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
    /// A compound path's line, WGS-84 [lon, lat] pairs, and whether it is a wall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Vec<[f64; 2]>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wall: bool,
}

/// A new place from a kind, a name, a position and `field=value` settings (as `place edit` takes
/// them; `compound` may name the compound instead of giving its id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddPlaceReq {
    pub kind: PlaceKind,
    pub name: String,
    /// Required, except for a path: by default the middle of its `line`.
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub sets: Vec<(String, String)>,
}

/// A whole place as the add form makes it (created, or replaced when its id exists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavePlaceReq {
    pub place: Place,
}

/// `field=value` edits, as the edit form sends them (`compound` may be a name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditPlaceReq {
    pub id: Id,
    pub sets: Vec<(String, String)>,
}

/// Checked on site today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyPlaceReq {
    pub id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletePlaceReq {
    pub id: Id,
}
