//! The base layer: what OpenStreetMap says about the streets, lanes, buildings, walls, water and
//! green around the places — routed over and drawn under them, replaced whole when its source is
//! imported again, never edited feature by feature (a grid worker draws a compound path instead,
//! which is a synced place; see `Detail::Path`).

use serde::{Deserialize, Serialize};

use crate::route::{Oneway, Ride, WayClass};

/// What a base-layer feature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// A street, lane, path or steps (`highway=*`).
    Way,
    /// A building's footprint.
    Building,
    /// A unit door on a building's outline (a point).
    Door,
    /// A wall, fence or other line nothing passes (`barrier=*`).
    Barrier,
    Water,
    Green,
    /// A residential compound's outline (`landuse=residential`).
    Compound,
    /// A gate, bollard or stile on a way (a point): who may pass it is in `rules`.
    Gate,
}

impl Layer {
    pub const ALL: [Layer; 8] = [
        Layer::Way,
        Layer::Building,
        Layer::Door,
        Layer::Barrier,
        Layer::Water,
        Layer::Green,
        Layer::Compound,
        Layer::Gate,
    ];

    pub fn code(self) -> i64 {
        Layer::ALL.iter().position(|l| *l == self).expect("in ALL") as i64
    }

    pub fn from_code(c: i64) -> Option<Layer> {
        Layer::ALL.get(usize::try_from(c).ok()?).copied()
    }
}

/// Who may use a way, and how: what routes need of a `highway=*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WayRules {
    pub class: WayClass,
    pub foot: bool,
    pub ebike: Ride,
    pub oneway: Oneway,
    pub lit: Option<bool>,
    /// On a bridge, in a tunnel or on another layer: walls on the ground do not cut it.
    #[serde(default)]
    pub elevated: bool,
}

/// One feature of the base layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseFeature {
    pub layer: Layer,
    /// Where it came from: `osm:way/123`, `osm:relation/45`, `osm:node/6`.
    pub source: String,
    #[serde(default)]
    pub name: Option<String>,
    /// A building's number (`addr:housenumber`, else a trailing number of its name or ref), or a
    /// door's unit (`ref`, `addr:unit`).
    #[serde(default)]
    pub number: Option<String>,
    /// The flats a door serves (`addr:flats`).
    #[serde(default)]
    pub flats: Option<String>,
    /// `[lon, lat]` vertices; an area's ring is closed (its first point repeated last); a door
    /// is one point.
    pub line: Vec<[f64; 2]>,
    /// For ways people move along, and for gates on them (`foot` and `ebike` only).
    #[serde(default)]
    pub rules: Option<WayRules>,
}

/// Where a reader puts the base-layer features it finds, as it finds them (a city's file does
/// not fit in memory as records).
pub trait BaseSink {
    /// Keep `feature`; an error stops the reading (and the import).
    fn put(&mut self, feature: BaseFeature) -> Result<(), String>;
}

/// A sink that keeps everything (tests, small files).
impl BaseSink for Vec<BaseFeature> {
    fn put(&mut self, feature: BaseFeature) -> Result<(), String> {
        self.push(feature);
        Ok(())
    }
}
