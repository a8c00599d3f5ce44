//! Searching the network: points joined to it where they stand (a gate, a unit door, a rider),
//! then Dijkstra or A* (the `pathfinding` crate) over travel time for the vehicle. The network
//! itself is never changed by a query: the joins live in an overlay of virtual nodes.

use std::collections::HashMap;

use geo::{Contains, Coord, LineString, Point, Polygon};
use pathfinding::prelude::{astar, build_path, dijkstra_partial};
use ridermap_core::route::{Path, Piece};

use crate::graph::{Mode, Network, TOP_SPEED, Vehicle, WayClass, crosses, dist, haversine, nearest_on, speed};

/// A point a route starts or ends at.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// `[lon, lat]`.
    pub at: [f64; 2],
    /// How far the point may be from the network and still be joined to it.
    pub reach_m: f64,
    /// Prefer joining inside this ring (a gate joins its compound's lanes, not the street
    /// outside it), falling back to anywhere within reach.
    pub inside: Option<Vec<[f64; 2]>>,
}

impl Stop {
    pub fn at(at: [f64; 2]) -> Stop {
        Stop { at, reach_m: 150.0, inside: None }
    }
}

/// How a stop joins the network: at a point of segment `seg`, `t` along it.
#[derive(Debug, Clone, Copy)]
struct Join {
    seg: u32,
    t: f64,
    /// Where, in the plane.
    q: [f64; 2],
}

/// One link of the overlay: between two nodes (virtual or not), along part of a segment or as a
/// join off the network.
#[derive(Debug, Clone, Copy)]
struct Link {
    to: u32,
    /// Part of segment `seg` (going a→b when `forward`), or a join (None).
    seg: Option<(u32, bool)>,
    len: f64,
}

/// A search set up: the overlay, where it starts, and the goals (node → which destination).
struct Search<'n> {
    o: Overlay<'n>,
    start: u32,
    goals: HashMap<u32, usize>,
}

/// Virtual nodes and links for one query.
struct Overlay<'n> {
    net: &'n Network,
    /// Positions of virtual nodes, `[lon, lat]`, numbered from the network's node count.
    points: Vec<[f64; 2]>,
    links: HashMap<u32, Vec<Link>>,
    /// Mode a join is travelled in, per vehicle: that of the segment it joins.
    join_mode: HashMap<(u32, u32), (Option<Mode>, Option<Mode>)>,
    /// Where the search sets out from: a gate there is where the rider is, not in the way.
    exempt: std::collections::HashSet<u32>,
    /// Per stop joined: the node of the network (or the cut) it joined at.
    joined: Vec<Option<u32>>,
}

impl<'n> Overlay<'n> {
    fn new(net: &'n Network) -> Overlay<'n> {
        Overlay {
            net,
            points: vec![],
            links: HashMap::new(),
            join_mode: HashMap::new(),
            exempt: Default::default(),
            joined: vec![],
        }
    }

    fn add_point(&mut self, p: [f64; 2]) -> u32 {
        self.points.push(p);
        (self.net.nodes.len() + self.points.len() - 1) as u32
    }

    fn point(&self, n: u32) -> [f64; 2] {
        let base = self.net.nodes.len();
        if (n as usize) < base { self.net.nodes[n as usize] } else { self.points[n as usize - base] }
    }

    fn link(&mut self, a: u32, b: u32, seg: Option<(u32, bool)>, len: f64) {
        self.links.entry(a).or_default().push(Link { to: b, seg, len });
        self.links.entry(b).or_default().push(Link { to: a, seg: seg.map(|(s, f)| (s, !f)), len });
    }

    /// Join each stop to the network; the node each stop is at (None: too far from any way).
    fn join_all(&mut self, stops: &[Stop], vehicle: Vehicle) -> Vec<Option<u32>> {
        let joins: Vec<Option<Join>> = stops.iter().map(|s| self.net.join(s, vehicle)).collect();
        // Cut each joined segment at its joins, in order along it.
        let mut by_seg: HashMap<u32, Vec<(f64, usize)>> = HashMap::new();
        for (i, j) in joins.iter().enumerate() {
            if let Some(j) = j {
                by_seg.entry(j.seg).or_default().push((j.t, i));
            }
        }
        let mut at_q: Vec<Option<u32>> = vec![None; stops.len()];
        let mut segs: Vec<_> = by_seg.into_iter().collect();
        segs.sort_by_key(|(s, _)| *s);
        for (seg, mut cuts) in segs {
            cuts.sort_by(|x, y| x.0.total_cmp(&y.0));
            let s = &self.net.segs[seg as usize];
            let (a, b, len) = (s.a, s.b, s.len);
            let mut prev = (a, 0.0);
            for (t, i) in cuts {
                let q = self.net.plane.lonlat(joins[i].expect("cut from a join").q);
                let n = if t <= 1e-6 {
                    a
                } else if t >= 1.0 - 1e-6 {
                    b
                } else if prev.1 == t {
                    prev.0
                } else {
                    let n = self.add_point(q);
                    self.link(prev.0, n, Some((seg, true)), (t - prev.1) * len);
                    prev = (n, t);
                    n
                };
                at_q[i] = Some(n);
            }
            if prev.0 != a && prev.0 != b {
                self.link(prev.0, b, Some((seg, true)), (1.0 - prev.1) * len);
            }
        }
        // Then each stop to its point on the segment, unless it stands on it.
        let mut out = vec![None; stops.len()];
        for (i, stop) in stops.iter().enumerate() {
            let (Some(j), Some(q)) = (joins[i], at_q[i]) else { continue };
            let off = haversine(stop.at, self.point(q));
            if off < 0.5 {
                out[i] = Some(q);
                continue;
            }
            let p = self.add_point(stop.at);
            self.link(p, q, None, off);
            let s = &self.net.segs[j.seg as usize];
            let best = |v: Vehicle| {
                let (f, b) = (s.mode(true, v), s.mode(false, v));
                match (f, b) {
                    (Some(Mode::Ride), _) | (_, Some(Mode::Ride)) => Some(Mode::Ride),
                    (Some(m), _) | (_, Some(m)) => Some(m),
                    _ => None,
                }
            };
            self.join_mode.insert((p.min(q), p.max(q)), (best(Vehicle::Ebike), best(Vehicle::Foot)));
            out[i] = Some(p);
        }
        self.joined = at_q;
        out
    }

    /// The cost (milliseconds) of going `from` → `link.to`, if `vehicle` may.
    fn link_cost(&self, from: u32, link: &Link, vehicle: Vehicle) -> Option<(u64, Mode)> {
        let (mode, class) = match link.seg {
            Some((s, fwd)) => {
                let seg = &self.net.segs[s as usize];
                (seg.mode(fwd, vehicle)?, self.net.ways[seg.way as usize].class)
            }
            None => {
                let (e, f) = self.join_mode.get(&(from.min(link.to), from.max(link.to))).copied().unwrap_or_default();
                (if vehicle == Vehicle::Foot { f } else { e }?, WayClass::Lane)
            }
        };
        Some((ms(link.len / speed(mode, class)), mode))
    }

    /// Let the search set out from stop `i` (joined as node `at`) even through a gate that is
    /// closed to others.
    fn set_out_from(&mut self, i: usize, at: Option<u32>) {
        self.exempt.extend(at);
        self.exempt.extend(self.joined.get(i).copied().flatten());
    }

    /// Whether a route may go on from `n`: a gate closed to `vehicle` can be reached (a route may
    /// end there) but not passed.
    fn passable(&self, n: u32, vehicle: Vehicle) -> bool {
        (n as usize) >= self.net.nodes.len() || self.exempt.contains(&n) || self.net.passable(n, vehicle)
    }

    /// Neighbours of `n` and what reaching them costs; `backwards` gives the cost of coming
    /// from each neighbour to `n` instead (a search from the destination).
    fn successors(&self, n: u32, vehicle: Vehicle, backwards: bool) -> Vec<(u32, u64)> {
        let mut out = vec![];
        if !self.passable(n, vehicle) {
            return out;
        }
        if (n as usize) < self.net.nodes.len() {
            for &(s, fwd) in self.net.edges(n) {
                let seg = &self.net.segs[s as usize];
                let other = if fwd { seg.b } else { seg.a };
                let dir = if backwards { !fwd } else { fwd };
                if let Some(mode) = seg.mode(dir, vehicle) {
                    out.push((other, ms(seg.len / speed(mode, self.net.ways[seg.way as usize].class))));
                }
            }
        }
        if let Some(links) = self.links.get(&n) {
            for l in links {
                let cost = if backwards {
                    let back = Link { to: n, seg: l.seg.map(|(s, f)| (s, !f)), len: l.len };
                    self.link_cost(l.to, &back, vehicle)
                } else {
                    self.link_cost(n, l, vehicle)
                };
                if let Some((c, _)) = cost {
                    out.push((l.to, c));
                }
            }
        }
        out
    }

    /// The pieces of the node path `nodes`, each step by its cheapest link.
    fn pieces(&self, nodes: &[u32], vehicle: Vehicle) -> Vec<Piece> {
        let mut out = vec![];
        for w in nodes.windows(2) {
            let (u, v) = (w[0], w[1]);
            let mut best: Option<(u64, Piece)> = None;
            let mut consider = |cost: u64, piece: Piece| {
                if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                    best = Some((cost, piece));
                }
            };
            if (u as usize) < self.net.nodes.len() {
                for &(s, fwd) in self.net.edges(u) {
                    let seg = &self.net.segs[s as usize];
                    if (if fwd { seg.b } else { seg.a }) != v {
                        continue;
                    }
                    if let Some(mode) = seg.mode(fwd, vehicle) {
                        let class = self.net.ways[seg.way as usize].class;
                        let secs = seg.len / speed(mode, class);
                        consider(ms(secs), self.piece(u, v, seg.len, secs, mode, Some(seg.way)));
                    }
                }
            }
            for l in self.links.get(&u).into_iter().flatten().filter(|l| l.to == v) {
                if let Some((c, mode)) = self.link_cost(u, l, vehicle) {
                    let way = l.seg.map(|(s, _)| self.net.segs[s as usize].way);
                    let secs = c as f64 / 1000.0;
                    consider(c, self.piece(u, v, l.len, secs, mode, way));
                }
            }
            if let Some((_, p)) = best {
                out.push(p);
            }
        }
        out
    }

    fn piece(&self, u: u32, v: u32, len_m: f64, secs: f64, mode: Mode, way: Option<u32>) -> Piece {
        let info = way.map(|w| &self.net.ways[w as usize]);
        let junction = (v as usize) < self.net.nodes.len() && self.net.degree[v as usize] >= 3;
        Piece {
            from: self.point(u),
            to: self.point(v),
            len_m,
            secs,
            mode,
            name: info.and_then(|i| i.name.clone()),
            way,
            junction,
        }
    }
}

fn ms(secs: f64) -> u64 {
    (secs * 1000.0).round().max(1.0) as u64
}

impl Network {
    /// Where `stop` joins the network for `vehicle`: the nearest segment it may use within
    /// reach whose join line crosses no wall, fence or building; inside `stop.inside` if any
    /// such is.
    fn join(&self, stop: &Stop, vehicle: Vehicle) -> Option<Join> {
        let p = self.plane.xy(stop.at);
        let ring: Option<Polygon> = stop.inside.as_ref().map(|r| {
            Polygon::new(LineString::from(r.iter().map(|q| Coord::from(self.plane.xy(*q))).collect::<Vec<_>>()), vec![])
        });
        let mut fallback = None;
        for (cand, d2) in self.seg_tree.nearest_neighbor_iter_with_distance_2(&p) {
            if d2.sqrt() > stop.reach_m {
                break;
            }
            let s = &self.segs[cand.data as usize];
            if s.mode(true, vehicle).is_none() && s.mode(false, vehicle).is_none() {
                continue;
            }
            let (q, t) = nearest_on(self.xy[s.a as usize], self.xy[s.b as usize], p);
            if dist(p, q) > 0.5 && (crosses(&self.fences, p, q) || crosses(&self.outlines, p, q)) {
                continue;
            }
            let join = Join { seg: cand.data, t, q };
            match &ring {
                Some(r) if !r.contains(&Point::new(q[0], q[1])) && !near_ring(r, q) => {
                    fallback.get_or_insert(join);
                }
                _ => return Some(join),
            }
        }
        fallback
    }

    /// A search from `from` to `to`: the overlay with both joined, the start node and the goal
    /// nodes (with which stop of `to` each is); `Err` holds the answer when there is nothing to
    /// search (no way near, or the start is a goal).
    fn one_to_many(&self, from: &Stop, to: &[Stop], vehicle: Vehicle) -> Result<Search<'_>, Option<Path>> {
        let mut o = Overlay::new(self);
        let mut stops = vec![from.clone()];
        stops.extend(to.iter().cloned());
        let at = o.join_all(&stops, vehicle);
        o.set_out_from(0, at[0]);
        let start = at[0].ok_or(None)?;
        let goals: HashMap<u32, usize> = at[1..].iter().enumerate().filter_map(|(i, n)| n.map(|n| (n, i))).collect();
        if goals.is_empty() {
            return Err(None);
        }
        if let Some(&i) = goals.get(&start) {
            return Err(Some(Path { pieces: vec![], len_m: 0.0, secs: 0.0, reached: i, left: 0 }));
        }
        Ok(Search { o, start, goals })
    }

    /// The fastest route from `from` to whichever of `to` is nearest in time (A*).
    pub fn route(&self, from: &Stop, to: &[Stop], vehicle: Vehicle) -> Option<Path> {
        let Search { o, start, goals } = match self.one_to_many(from, to, vehicle) {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        let goal_xy: Vec<[f64; 2]> = goals.keys().map(|g| self.plane.xy(o.point(*g))).collect();
        let top = if vehicle == Vehicle::Foot { speed(Mode::Walk, WayClass::Footway) } else { TOP_SPEED };
        let (nodes, _) = astar(
            &start,
            |n| o.successors(*n, vehicle, false),
            |n| {
                let p = self.plane.xy(o.point(*n));
                let d = goal_xy.iter().map(|g| dist(p, *g)).fold(f64::INFINITY, f64::min);
                // Floor, so the estimate stays below the true cost despite rounding.
                ((d / top) * 1000.0 * 0.999).floor() as u64
            },
            |n| goals.contains_key(n),
        )?;
        let reached = goals[nodes.last().expect("a path has an end")];
        Some(finish(o.pieces(&nodes, vehicle), reached, 0))
    }

    /// The same with plain Dijkstra (no estimate): the baseline the benchmarks compare A* with.
    pub fn route_dijkstra(&self, from: &Stop, to: &[Stop], vehicle: Vehicle) -> Option<Path> {
        let Search { o, start, goals } = match self.one_to_many(from, to, vehicle) {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        let (nodes, _) =
            pathfinding::prelude::dijkstra(&start, |n| o.successors(*n, vehicle, false), |n| goals.contains_key(n))?;
        let reached = goals[nodes.last().expect("a path has an end")];
        Some(finish(o.pieces(&nodes, vehicle), reached, 0))
    }

    /// The fastest route from each of `froms` to whichever of `to` is nearest in time: one
    /// search, backwards from `to`, that stops once every start is settled.
    pub fn routes_to(&self, froms: &[Stop], to: &[Stop], vehicle: Vehicle) -> Vec<Option<Path>> {
        let mut o = Overlay::new(self);
        let mut stops: Vec<Stop> = to.to_vec();
        stops.extend(froms.iter().cloned());
        let at = o.join_all(&stops, vehicle);
        for (i, n) in at.iter().enumerate().take(to.len()) {
            o.set_out_from(i, *n);
        }
        let (ends, starts) = at.split_at(to.len());
        // One source behind every destination, at no cost.
        let source = o.add_point(to.first().map(|s| s.at).unwrap_or_default());
        let mut ends_at: HashMap<u32, usize> = HashMap::new();
        for (i, n) in ends.iter().enumerate() {
            if let Some(n) = n {
                o.links.entry(source).or_default().push(Link { to: *n, seg: None, len: 0.0 });
                ends_at.entry(*n).or_insert(i);
            }
        }
        let mut left: std::collections::HashSet<u32> = starts.iter().flatten().copied().collect();
        let (parents, _): (HashMap<u32, (u32, u64)>, _) = dijkstra_partial(
            &source,
            |n| {
                if *n == source {
                    return ends_at.keys().map(|e| (*e, 0u64)).collect::<Vec<_>>();
                }
                o.successors(*n, vehicle, true)
            },
            |n| {
                left.remove(n);
                left.is_empty()
            },
        );
        starts
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let n = (*n)?;
                if let Some(&j) = ends_at.get(&n) {
                    return Some(Path { pieces: vec![], len_m: 0.0, secs: 0.0, reached: j, left: i });
                }
                if !parents.contains_key(&n) {
                    return None;
                }
                // build_path runs source → n; the route runs n → source.
                let mut nodes = build_path(&n, &parents);
                nodes.reverse();
                nodes.pop(); // the virtual source
                let reached = ends_at[nodes.last()?];
                Some(finish(o.pieces(&nodes, vehicle), reached, i))
            })
            .collect()
    }
}

fn near_ring(r: &Polygon, q: [f64; 2]) -> bool {
    r.exterior().lines().any(|l| {
        let (p, _) = nearest_on([l.start.x, l.start.y], [l.end.x, l.end.y], q);
        dist(p, q) < 1.0
    })
}

fn finish(pieces: Vec<Piece>, reached: usize, left: usize) -> Path {
    Path::new(pieces, reached, left)
}
