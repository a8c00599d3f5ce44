//! The network a route runs over: ways (streets and lanes of the base layer, compound paths) cut
//! into segments between their vertices, joined where they share a vertex; walls and fences that
//! no segment may cross; gates on the network whose hours and rules apply as a route passes.
//!
//! Geometry runs in a local plane in metres (an equirectangular projection about the network's
//! centre: under 0.1% off across a city), lengths on the sphere (haversine, as `geo` gives them).

use std::collections::HashMap;

use geo::{Closest, ClosestPoint, Distance, Haversine, Line, Point, line_intersection::LineIntersection};
use rstar::{
    AABB, RTree,
    primitives::{GeomWithData, Line as RLine},
};

pub use ridermap_core::{
    rank::Vehicle,
    route::{Mode, Oneway, Ride, WayClass, speed},
};

/// A line people move along.
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    /// `[lon, lat]` vertices, WGS-84.
    pub line: Vec<[f64; 2]>,
    pub name: Option<String>,
    pub class: WayClass,
    pub foot: bool,
    pub ebike: Ride,
    pub oneway: Oneway,
    pub lit: Option<bool>,
    /// On a bridge or in a tunnel: walls on the ground do not cut it.
    pub elevated: bool,
}

/// A gate on the network at the asked time: a route passing it obeys it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub at: [f64; 2],
    pub open: bool,
    pub foot: bool,
    pub ebike: Ride,
    /// How far from a vertex of the network it may stand and still be on it: a gate a grid
    /// worker placed by hand is near its lane; an OSM barrier node is one of the way's own.
    pub snap_m: f64,
}

/// The fastest any vehicle goes: A*'s estimate may never exceed the truth.
pub(crate) const TOP_SPEED: f64 = 4.2;

/// A piece of a way between two vertices.
#[derive(Debug, Clone)]
pub(crate) struct Seg {
    pub a: u32,
    pub b: u32,
    pub way: u32,
    pub len: f64,
    /// E-bike along a→b and b→a.
    pub ebike: [Option<Mode>; 2],
    pub foot: bool,
}

impl Seg {
    /// How `vehicle` goes along this segment, `forward` meaning a→b; None where it may not.
    pub fn mode(&self, forward: bool, vehicle: Vehicle) -> Option<Mode> {
        match vehicle {
            Vehicle::Foot => self.foot.then_some(Mode::Walk),
            Vehicle::Ebike => self.ebike[usize::from(!forward)],
        }
    }
}

/// A way's facts the words and the answer need.
#[derive(Debug, Clone)]
pub(crate) struct WayInfo {
    pub name: Option<String>,
    pub class: WayClass,
}

/// The local plane: metres east and north of an origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plane {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl Plane {
    fn around(points: impl Iterator<Item = [f64; 2]>) -> Plane {
        let (mut n, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for p in points {
            n += 1.0;
            sx += p[0];
            sy += p[1];
        }
        let (lon0, lat0) = if n > 0.0 { (sx / n, sy / n) } else { (0.0, 0.0) };
        Plane { lon0, lat0, kx: 111_320.0 * lat0.to_radians().cos(), ky: 110_574.0 }
    }

    pub fn xy(&self, p: [f64; 2]) -> [f64; 2] {
        [(p[0] - self.lon0) * self.kx, (p[1] - self.lat0) * self.ky]
    }

    pub fn lonlat(&self, q: [f64; 2]) -> [f64; 2] {
        [q[0] / self.kx + self.lon0, q[1] / self.ky + self.lat0]
    }
}

pub(crate) fn haversine(p: [f64; 2], q: [f64; 2]) -> f64 {
    Haversine.distance(Point::new(p[0], p[1]), Point::new(q[0], q[1]))
}

/// Where `line` (a→b) crosses any of `fences` other than at its ends. A path that meets a wall
/// at a vertex they share goes through an opening there (OSM draws gates so); one that cuts
/// through the middle of a segment does not.
pub(crate) fn crosses(fences: &RTree<GeomWithData<RLine<[f64; 2]>, ()>>, a: [f64; 2], b: [f64; 2]) -> bool {
    let env = AABB::from_corners([a[0].min(b[0]), a[1].min(b[1])], [a[0].max(b[0]), a[1].max(b[1])]);
    let path = Line::new(a, b);
    fences.locate_in_envelope_intersecting(&env).any(|f| {
        let wall = Line::new(f.geom().from, f.geom().to);
        match geo::algorithm::line_intersection::line_intersection(path, wall) {
            Some(LineIntersection::SinglePoint { intersection, .. }) => {
                let at = [intersection.x, intersection.y];
                dist(at, a) > 0.05 && dist(at, b) > 0.05
            }
            // Along a wall is not through it.
            Some(LineIntersection::Collinear { .. }) | None => false,
        }
    })
}

pub(crate) fn dist(p: [f64; 2], q: [f64; 2]) -> f64 {
    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
}

/// The point of segment a→b nearest `p` and how far along it lies (0 at a, 1 at b).
pub(crate) fn nearest_on(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> ([f64; 2], f64) {
    let q = match Line::new(a, b).closest_point(&Point::new(p[0], p[1])) {
        Closest::Intersection(q) | Closest::SinglePoint(q) => [q.x(), q.y()],
        Closest::Indeterminate => a,
    };
    let len = dist(a, b);
    let t = if len > 0.0 { (dist(a, q) / len).clamp(0.0, 1.0) } else { 0.0 };
    (q, t)
}

/// The routable network of an area.
pub struct Network {
    pub(crate) plane: Plane,
    /// Vertices, `[lon, lat]`.
    pub(crate) nodes: Vec<[f64; 2]>,
    /// The same in the plane.
    pub(crate) xy: Vec<[f64; 2]>,
    pub(crate) segs: Vec<Seg>,
    pub(crate) ways: Vec<WayInfo>,
    /// Per node: (segment, whether leaving this node goes a→b), in CSR form.
    pub(crate) adj_start: Vec<u32>,
    pub(crate) adj: Vec<(u32, bool)>,
    /// Distinct neighbours per node: 3 or more is a junction.
    pub(crate) degree: Vec<u8>,
    pub(crate) seg_tree: RTree<GeomWithData<RLine<[f64; 2]>, u32>>,
    /// Walls and fences, and (for joining points to the network only) building outlines.
    pub(crate) fences: RTree<GeomWithData<RLine<[f64; 2]>, ()>>,
    pub(crate) outlines: RTree<GeomWithData<RLine<[f64; 2]>, ()>>,
    pub(crate) checkpoints: HashMap<u32, Checkpoint>,
    /// Segments cut because they crossed a wall (for the record: tests and benchmarks read it).
    pub blocked: usize,
}

/// Vertices closer than this are one (OSM's own precision is 1e-7 degrees, about a centimetre).
fn key(p: [f64; 2]) -> (i64, i64) {
    ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64)
}

impl Network {
    /// Build the network of `ways`, cut where they cross `fences` (walls, fences), with
    /// `outlines` (building footprints) kept out of the way of points joining the network, and
    /// `checkpoints` (gates with their state at the asked time) on the vertices nearest them.
    pub fn build(
        ways: &[Way],
        fences: &[Vec<[f64; 2]>],
        outlines: &[Vec<[f64; 2]>],
        checkpoints: &[Checkpoint],
    ) -> Network {
        let plane = Plane::around(ways.iter().flat_map(|w| w.line.iter().copied()));
        let lines = |rings: &[Vec<[f64; 2]>]| -> RTree<GeomWithData<RLine<[f64; 2]>, ()>> {
            let mut v = vec![];
            for r in rings {
                for w in r.windows(2) {
                    v.push(GeomWithData::new(RLine::new(plane.xy(w[0]), plane.xy(w[1])), ()));
                }
            }
            RTree::bulk_load(v)
        };
        let fence_tree = lines(fences);
        let outline_tree = lines(outlines);

        let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
        let mut nodes: Vec<[f64; 2]> = vec![];
        let mut node = |p: [f64; 2], nodes: &mut Vec<[f64; 2]>| -> u32 {
            *ids.entry(key(p)).or_insert_with(|| {
                nodes.push(p);
                (nodes.len() - 1) as u32
            })
        };
        let mut segs = vec![];
        let mut infos = vec![];
        let mut blocked = 0;
        for w in ways {
            let way = infos.len() as u32;
            infos.push(WayInfo { name: w.name.clone(), class: w.class });
            let ebike = if w.class == WayClass::Steps { Ride::No } else { w.ebike };
            let along = |with_flow: bool| -> Option<Mode> {
                match ebike {
                    Ride::No => None,
                    // Against a one-way lane an e-bike is walked (its rider is then a pedestrian).
                    Ride::Ride if !with_flow => w.foot.then_some(Mode::Push),
                    Ride::Ride => Some(Mode::Ride),
                    Ride::Push => w.foot.then_some(Mode::Push),
                }
            };
            let ebike_modes = match w.oneway {
                Oneway::No => [along(true), along(true)],
                Oneway::Forward => [along(true), along(false)],
                Oneway::Backward => [along(false), along(true)],
            };
            for pair in w.line.windows(2) {
                let (a, b) = (node(pair[0], &mut nodes), node(pair[1], &mut nodes));
                if a == b {
                    continue;
                }
                if !w.elevated && crosses(&fence_tree, plane.xy(pair[0]), plane.xy(pair[1])) {
                    blocked += 1;
                    continue;
                }
                segs.push(Seg { a, b, way, len: haversine(pair[0], pair[1]), ebike: ebike_modes, foot: w.foot });
            }
        }
        let xy: Vec<[f64; 2]> = nodes.iter().map(|p| plane.xy(*p)).collect();

        // Adjacency, CSR.
        let mut count = vec![0u32; nodes.len() + 1];
        for s in &segs {
            count[s.a as usize] += 1;
            count[s.b as usize] += 1;
        }
        let mut adj_start = vec![0u32; nodes.len() + 1];
        for i in 0..nodes.len() {
            adj_start[i + 1] = adj_start[i] + count[i];
        }
        let mut fill = adj_start.clone();
        let mut adj = vec![(0u32, false); adj_start[nodes.len()] as usize];
        for (i, s) in segs.iter().enumerate() {
            adj[fill[s.a as usize] as usize] = (i as u32, true);
            fill[s.a as usize] += 1;
            adj[fill[s.b as usize] as usize] = (i as u32, false);
            fill[s.b as usize] += 1;
        }
        let mut degree = vec![0u8; nodes.len()];
        for (n, d) in degree.iter_mut().enumerate() {
            let mut seen: Vec<u32> = adj[adj_start[n] as usize..adj_start[n + 1] as usize]
                .iter()
                .map(|&(s, fwd)| if fwd { segs[s as usize].b } else { segs[s as usize].a })
                .collect();
            seen.sort_unstable();
            seen.dedup();
            *d = seen.len().min(255) as u8;
        }
        let seg_tree = RTree::bulk_load(
            segs.iter()
                .enumerate()
                .map(|(i, s)| GeomWithData::new(RLine::new(xy[s.a as usize], xy[s.b as usize]), i as u32))
                .collect(),
        );

        let mut net = Network {
            plane,
            nodes,
            xy,
            segs,
            ways: infos,
            adj_start,
            adj,
            degree,
            seg_tree,
            fences: fence_tree,
            outlines: outline_tree,
            checkpoints: HashMap::new(),
            blocked,
        };
        for c in checkpoints {
            if let Some(n) = net.nearest_node(c.at, c.snap_m) {
                // Two gates on one vertex: the stricter rules.
                let merged = match net.checkpoints.get(&n) {
                    Some(old) => Checkpoint {
                        open: old.open && c.open,
                        foot: old.foot && c.foot,
                        ebike: old.ebike.min_with(c.ebike),
                        ..c.clone()
                    },
                    None => c.clone(),
                };
                net.checkpoints.insert(n, merged);
            }
        }
        net
    }

    /// Whether the network has any segment at all.
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn segment_count(&self) -> usize {
        self.segs.len()
    }

    /// The vertex nearest `p` within `max_m`, if any.
    pub(crate) fn nearest_node(&self, p: [f64; 2], max_m: f64) -> Option<u32> {
        let q = self.plane.xy(p);
        let seg = self.seg_tree.nearest_neighbor(&q)?;
        let s = &self.segs[seg.data as usize];
        [s.a, s.b]
            .into_iter()
            .map(|n| (n, dist(self.xy[n as usize], q)))
            .filter(|(_, d)| *d <= max_m)
            .min_by(|x, y| x.1.total_cmp(&y.1))
            .map(|(n, _)| n)
    }

    pub(crate) fn edges(&self, n: u32) -> &[(u32, bool)] {
        &self.adj[self.adj_start[n as usize] as usize..self.adj_start[n as usize + 1] as usize]
    }

    /// Whether `vehicle` may pass node `n` (a gate on the network, at the asked time).
    pub(crate) fn passable(&self, n: u32, vehicle: Vehicle) -> bool {
        match self.checkpoints.get(&n) {
            None => true,
            Some(c) => c.open && if vehicle == Vehicle::Foot { c.foot } else { c.ebike != Ride::No },
        }
    }
}
