//! Routes for riders: from a gate (or where a rider stands) to a building's unit door, over
//! compound paths and the base layer's streets and lanes, on an e-bike (riding only where e-bikes
//! may ride, pushing at walking pace where they must be pushed) or on foot, by the rules of the
//! asked hour (closed gates on the way block it). Pure: the caller hands in an area's ways,
//! walls, building outlines and gates; nothing here reads a file or a database.
//!
//! `graph` builds the network (segments between shared vertices, cut where they cross a wall);
//! `search` joins points to it and searches it with the `pathfinding` crate (A* for one route,
//! one backwards Dijkstra for the routes from every gate to one building). The pieces a route is
//! made of and the words to follow are `ridermap_core::route`, shared with the UI.

mod graph;
mod search;

pub use graph::{Checkpoint, Network, Way};
pub use ridermap_core::route::{Mode, Oneway, Path, Piece, Ride, WayClass};
pub use search::Stop;

use ridermap_core::{
    Detail, EbikeAccess, PathKind, Place,
    base::{BaseFeature, Layer},
};

impl Way {
    /// A base-layer street, lane or path (None for other features).
    pub fn from_base(f: &BaseFeature) -> Option<Way> {
        let r = f.rules.filter(|_| f.layer == Layer::Way)?;
        Some(Way {
            line: f.line.clone(),
            name: f.name.clone(),
            class: r.class,
            foot: r.foot,
            ebike: r.ebike,
            oneway: r.oneway,
            lit: r.lit,
            elevated: r.elevated,
        })
    }

    /// A compound path a grid worker drew (None for a wall, and for other kinds of place).
    pub fn from_path(p: &Place) -> Option<Way> {
        let Detail::Path(info) = &p.detail else { return None };
        let (class, unknown) = match info.path_kind {
            PathKind::Lane => (WayClass::Lane, Ride::Ride),
            PathKind::Footway => (WayClass::Footway, Ride::Push),
            PathKind::Steps => (WayClass::Steps, Ride::No),
            PathKind::Wall => return None,
        };
        let ebike = match info.ebike {
            EbikeAccess::Allowed => Ride::Ride,
            EbikeAccess::Push => Ride::Push,
            EbikeAccess::Refused => Ride::No,
            EbikeAccess::Unknown => unknown,
        };
        Some(Way {
            line: info.line.clone(),
            name: Some(p.name.clone()).filter(|n| !n.trim().is_empty()),
            class,
            foot: info.foot,
            ebike,
            oneway: if info.oneway { Oneway::Forward } else { Oneway::No },
            lit: info.lit,
            elevated: false,
        })
    }
}

/// The line of a wall a grid worker drew (None for other places).
pub fn wall_of(p: &Place) -> Option<Vec<[f64; 2]>> {
    match &p.detail {
        Detail::Path(info) if info.path_kind == PathKind::Wall => Some(info.line.clone()),
        _ => None,
    }
}
