//! Routes: from a compound's gate to a building and its unit door, or between two points, over
//! the compound paths and the base layer; and what base layer this device holds.

use chrono::{DateTime, Utc};
use ridermap_core::{
    Id, Lang, LatLon,
    base::Layer,
    rank::{Reason, Vehicle},
    route::{Ride, Step, WayClass},
};
use serde::{Deserialize, Serialize};

/// A route. Either `compound` + `building` (+ `unit`, + `gate`: without it, the best gate by the
/// lanes), or `from` + `to`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteReq {
    /// Compound id, name or alias.
    #[serde(default)]
    pub compound: Option<String>,
    #[serde(default)]
    pub building: Option<String>,
    /// The unit whose door to end at ("3", "3单元").
    #[serde(default)]
    pub unit: Option<String>,
    /// A gate of the compound by name or id; default the best one.
    #[serde(default)]
    pub gate: Option<String>,
    #[serde(default)]
    pub from: Option<LatLon>,
    #[serde(default)]
    pub to: Option<LatLon>,
    #[serde(default)]
    pub vehicle: Vehicle,
    /// Default now (gates' hours are read at this time).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// The language of the steps' `text` (each step also says what it is, for any language).
    #[serde(default)]
    pub lang: Lang,
}

/// The gate a route enters by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteGate {
    pub id: Id,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// Open at the asked time and passable on the asked vehicle.
    pub usable: bool,
    /// Why this gate (or what to know about it), as ranked.
    pub reasons: Vec<Reason>,
    pub warnings: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub length_m: f64,
    pub duration_s: f64,
    pub vehicle: Vehicle,
    /// Over surveyed ways; false: no path is known, the figures are a straight line.
    pub measured: bool,
    /// The e-bike cannot get there: the route is on foot from where it is left (the gate).
    pub parked: bool,
    /// Metres the e-bike is pushed.
    pub push_m: f64,
    /// The gate it enters by (a route from a compound's gate).
    #[serde(default)]
    pub gate: Option<RouteGate>,
    /// The compound, building and unit it ends at.
    #[serde(default)]
    pub compound: Option<String>,
    #[serde(default)]
    pub building: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    pub steps: Vec<Step>,
    /// The steps as one sentence.
    pub summary: String,
    /// `[lon, lat]` points, WGS-84.
    pub line: Vec<[f64; 2]>,
    pub at: DateTime<Utc>,
}

/// What base layer this device holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaseLayerReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseLayerSource {
    pub name: String,
    pub imported_at: DateTime<Utc>,
    pub features: i64,
    pub bytes: i64,
}

/// What the map draws under the places in `bbox` (`[min_lon, min_lat, max_lon, max_lat]`): the
/// base layer at the detail the view's scale can show, with the footprints and unit doors grid
/// workers drew on compounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MapLayerReq {
    pub bbox: [f64; 4],
    /// Metres per pixel of the view.
    pub m_per_px: f64,
}

/// How much of the base layer a scale shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerDetail {
    /// Street zoom: every feature as read.
    Full,
    /// Neighbourhood zoom: simplified to about 1.5 m.
    Mid,
    /// District zoom: streets, water and green only, simplified to about 6 m.
    Low,
    /// Farther out: nothing is drawn (a city's every street would hide the places).
    None,
}

/// One feature to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drawn {
    pub layer: Layer,
    /// A way's class (its width on the map).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<WayClass>,
    /// Whether an e-bike may ride a way (foot-only lanes are drawn dashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebike: Option<Ride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A building's number, a door's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// `[lon, lat]` points to 1e-6 degrees (about 10 cm); a door is one point.
    pub line: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapLayer {
    pub detail: LayerDetail,
    pub features: Vec<Drawn>,
    /// The box held more than one answer may carry: the rest is left out.
    pub more: bool,
}
