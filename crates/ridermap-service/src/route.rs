//! Routes: the network of an area assembled from the store — the base layer's streets, lanes,
//! walls and footprints, the compound paths and walls grid workers drew, compounds' building
//! footprints, and every gate with its state at the asked time — searched by `ridermap-route`,
//! and told in words. The best gate ranks by these routes (`gate_routes`).

use chrono::{DateTime, Utc};
use ridermap_api::{BaseLayerReq, BaseLayerSource, Route, RouteGate, RouteReq};
use ridermap_core::{
    ApiError, Building, Detail, EbikeAccess, LatLon, Place,
    base::Layer,
    rank::{self, GateChoice, GateQuery, GateRoute, GateRoutes, Vehicle},
    route::{self as words, Arrival, Mode, Path, Start, WayClass, speed},
};
use ridermap_route::{Checkpoint, Network, Ride, Stop, Way, wall_of};
use ridermap_store::{Band, GateInputs, Store};

use crate::{Ctx, Handle, invalid};

/// How far around what a route joins the network is loaded (a lane that leaves the compound
/// and comes back through another gate is still found).
pub(crate) const MARGIN_M: f64 = 250.0;
/// How far a gate, a door or a point may be from the nearest way and still be joined to it.
const REACH_M: f64 = 120.0;

/// `[min_lon, min_lat, max_lon, max_lat]` around `points`, `margin_m` wider on every side.
pub(crate) fn bbox_around(points: impl Iterator<Item = [f64; 2]>, margin_m: f64) -> [f64; 4] {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in points {
        b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
    }
    let dlat = margin_m / 111_320.0;
    let dlon = dlat / ((b[1] + b[3]) / 2.0).to_radians().cos().max(0.01);
    [b[0] - dlon, b[1] - dlat, b[2] + dlon, b[3] + dlat]
}

/// The routable network inside `bbox`, with every gate in it as it stands at `at`.
pub(crate) fn network(store: &Store, bbox: [f64; 4], at: DateTime<Utc>) -> Result<Network, ApiError> {
    let base = store.base_features(bbox, &[Layer::Way, Layer::Barrier, Layer::Building, Layer::Gate], Band::Full)?;
    let mut ways: Vec<Way> = base.iter().filter_map(Way::from_base).collect();
    let mut fences: Vec<Vec<[f64; 2]>> =
        base.iter().filter(|f| f.layer == Layer::Barrier).map(|f| f.line.clone()).collect();
    let mut outlines: Vec<Vec<[f64; 2]>> =
        base.iter().filter(|f| f.layer == Layer::Building).map(|f| f.line.clone()).collect();
    let places = store.in_box(bbox, 50_000)?;
    let mut gates: Vec<&Place> = vec![];
    for p in &places {
        match &p.detail {
            Detail::Path(_) => {
                ways.extend(Way::from_path(p));
                fences.extend(wall_of(p));
            }
            Detail::Compound(c) => outlines.extend(c.buildings.iter().filter_map(|b| b.footprint.clone())),
            Detail::Entrance(_) => gates.push(p),
            _ => {}
        }
    }
    let ids: Vec<_> = gates.iter().map(|g| g.id).collect();
    let window = ridermap_core::status::MAX_AGE_H;
    let reports = store.reports_for_all(&ids, at - chrono::Duration::hours(window))?;
    // OSM's gates and bollards on the ways, exactly on their nodes.
    let mut checkpoints: Vec<Checkpoint> = base
        .iter()
        .filter(|f| f.layer == Layer::Gate)
        .filter_map(|f| {
            let r = f.rules?;
            Some(Checkpoint { at: *f.line.first()?, open: true, foot: r.foot, ebike: r.ebike, snap_m: 0.5 })
        })
        .collect();
    checkpoints.extend(gates.iter().map(|g| {
        let mine: Vec<_> = reports.iter().filter(|r| r.target == Some(g.id)).cloned().collect();
        let e = g.entrance().expect("an entrance");
        Checkpoint {
            at: [g.lon, g.lat],
            open: rank::gate_open(g, &mine, at),
            foot: e.foot,
            ebike: match e.ebike {
                EbikeAccess::Refused => Ride::No,
                EbikeAccess::Push => Ride::Push,
                EbikeAccess::Allowed | EbikeAccess::Unknown => Ride::Ride,
            },
            // A gate placed by hand stands near the vertex of its lane.
            snap_m: 8.0,
        }
    }));
    Ok(Network::build(&ways, &fences, &outlines, &checkpoints))
}

/// Where a route to `building` may end: the asked unit's door, else any of its doors, else the
/// corners of its footprint (the building itself: a join from inside would cross its walls), else
/// its point. With each, the door it is (when it is one).
fn destinations<'b>(building: &'b Building, unit: Option<&str>) -> Vec<(Stop, Option<&'b ridermap_core::UnitDoor>)> {
    let stop = |at: [f64; 2]| Stop { at, reach_m: REACH_M, inside: None };
    if let Some(u) = unit
        && let Some(d) = building.door(u)
    {
        return vec![(stop([d.lon, d.lat]), Some(d))];
    }
    if !building.doors.is_empty() {
        return building.doors.iter().map(|d| (stop([d.lon, d.lat]), Some(d))).collect();
    }
    match &building.footprint {
        Some(ring) if ring.len() >= 3 => ring.iter().map(|p| (stop(*p), None)).collect(),
        _ => vec![(stop([building.lon, building.lat]), None)],
    }
}

/// For each of `compound`'s buildings, which of `gates` serve it and reach it on foot over the
/// ways mapped around the compound at `at` (one flag per gate); `None` when no ways are mapped
/// there (a route would be a straight line, which tells a rider nothing about the way in).
pub(crate) fn reached_by(
    store: &Store,
    compound: &Place,
    gates: &[Place],
    at: DateTime<Utc>,
) -> Result<Option<Vec<Vec<bool>>>, ApiError> {
    let Some(info) = compound.compound_info() else { return Ok(Some(vec![])) };
    let mut points: Vec<[f64; 2]> = gates.iter().map(|g| [g.lon, g.lat]).collect();
    points.push([compound.lon, compound.lat]);
    for b in &info.buildings {
        points.push([b.lon, b.lat]);
        points.extend(b.footprint.iter().flatten().copied());
    }
    points.extend(info.outline.iter().flatten().copied());
    let net = network(store, bbox_around(points.into_iter(), MARGIN_M), at)?;
    if net.is_empty() {
        return Ok(None);
    }
    let starts: Vec<Stop> =
        gates.iter().map(|g| Stop { at: [g.lon, g.lat], reach_m: REACH_M, inside: info.outline.clone() }).collect();
    let reached = info
        .buildings
        .iter()
        .map(|b| {
            let ends: Vec<Stop> = destinations(b, None).into_iter().map(|(s, _)| s).collect();
            let paths = if gates.is_empty() { vec![] } else { net.routes_to(&starts, &ends, Vehicle::Foot) };
            gates.iter().zip(paths).map(|(g, p)| p.is_some() && rank::serves(g, &b.number)).collect()
        })
        .collect();
    Ok(Some(reached))
}

/// `path` walked beside the e-bike all the way (a gate that says e-bikes are pushed inside).
fn pushed(path: Path) -> Path {
    let pieces = path
        .pieces
        .into_iter()
        .map(|mut p| {
            if p.mode == Mode::Ride {
                p.mode = Mode::Push;
                p.secs = p.len_m / speed(Mode::Push, WayClass::Lane);
            }
            p
        })
        .collect();
    Path::new(pieces, path.reached, path.left)
}

/// One gate's way to the building, as found.
pub(crate) struct Found {
    path: Option<Path>,
    parked: bool,
}

/// The ways from every gate of `inputs` to `building` (its `unit`'s door when given), on
/// `vehicle`: one search backwards from the building per vehicle. An e-bike that cannot pass a
/// gate, or reach the building from it, is left at the gate: the walk from there counts.
fn ways_in(
    net: &Network,
    inputs: &GateInputs,
    building: &Building,
    unit: Option<&str>,
    vehicle: Vehicle,
) -> Vec<Found> {
    let outline = inputs.compound.compound_info().and_then(|c| c.outline.clone());
    let starts: Vec<Stop> =
        inputs.gates.iter().map(|g| Stop { at: [g.lon, g.lat], reach_m: REACH_M, inside: outline.clone() }).collect();
    let ends: Vec<Stop> = destinations(building, unit).into_iter().map(|(s, _)| s).collect();
    let on_foot = net.routes_to(&starts, &ends, Vehicle::Foot);
    if vehicle == Vehicle::Foot {
        return on_foot.into_iter().map(|path| Found { path, parked: false }).collect();
    }
    let riding = net.routes_to(&starts, &ends, Vehicle::Ebike);
    inputs
        .gates
        .iter()
        .zip(riding.into_iter().zip(on_foot))
        .map(|(g, (ride, walk))| {
            let rule = g.entrance().map(|e| e.ebike).unwrap_or_default();
            match (rule, ride) {
                (EbikeAccess::Refused, _) | (_, None) => Found { parked: walk.is_some(), path: walk },
                (EbikeAccess::Push, Some(p)) => Found { path: Some(pushed(p)), parked: false },
                (_, Some(p)) => Found { path: Some(p), parked: false },
            }
        })
        .collect()
}

fn gate_route(found: &Found) -> Option<GateRoute> {
    let p = found.path.as_ref()?;
    Some(GateRoute {
        length_m: (p.len_m * 10.0).round() / 10.0,
        duration_s: p.secs.round(),
        measured: true,
        parked: found.parked,
        push_m: (p.metres(Mode::Push) * 10.0).round() / 10.0,
    })
}

/// A compound's gates ranked, with the way from each (in the order of `GateInputs::gates`) and
/// the building asked for.
pub(crate) struct Ranked {
    pub choices: Vec<GateChoice>,
    pub found: Vec<Found>,
    pub building: Option<Building>,
}

/// The compound's gates ranked by the routes from each to `building` at `q.at`.
pub(crate) fn ranked(
    store: &Store,
    inputs: &GateInputs,
    q: &GateQuery,
    unit: Option<&str>,
) -> Result<Ranked, ApiError> {
    let Some(number) = &q.building else {
        let choices = rank::rank_gates(&inputs.compound, &inputs.gates, &inputs.reports, q, None)
            .map_err(ridermap_store::Error::from)?;
        return Ok(Ranked { choices, found: vec![], building: None });
    };
    let building = rank::find_building(&inputs.compound, number).map_err(ridermap_store::Error::from)?.clone();
    if let Some(u) = unit
        && building.door(u).is_none()
    {
        let units: Vec<&str> = building.doors.iter().map(|d| d.unit.as_str()).collect();
        let known = if units.is_empty() {
            "no unit doors are recorded for it".to_string()
        } else {
            format!("units: {}", units.join(", "))
        };
        return Err(ApiError::new(
            ridermap_core::ErrorCode::NotFound,
            format!("building {} of {} has no unit `{}` ({known})", building.number, inputs.compound.name, u.trim()),
        ));
    }
    let mut points: Vec<[f64; 2]> = inputs.gates.iter().map(|g| [g.lon, g.lat]).collect();
    points.push([building.lon, building.lat]);
    points.extend(building.footprint.iter().flatten().copied());
    points.extend(inputs.compound.compound_info().and_then(|c| c.outline.clone()).into_iter().flatten());
    let net = network(store, bbox_around(points.into_iter(), MARGIN_M), q.at)?;
    let found = ways_in(&net, inputs, &building, unit, q.vehicle);
    let routes: GateRoutes =
        inputs.gates.iter().zip(&found).filter_map(|(g, f)| gate_route(f).map(|r| (g.id, r))).collect();
    let choices = rank::rank_gates(&inputs.compound, &inputs.gates, &inputs.reports, q, Some(&routes))
        .map_err(ridermap_store::Error::from)?;
    Ok(Ranked { choices, found, building: Some(building) })
}

fn gate_of<'g>(gates: &'g [Place], asked: &str) -> Result<&'g Place, ApiError> {
    let key = asked.trim();
    gates.iter().find(|g| g.id.to_string() == key || g.name == key).ok_or_else(|| {
        let names: Vec<&str> = gates.iter().map(|g| g.name.as_str()).collect();
        ApiError::new(ridermap_core::ErrorCode::NotFound, format!("no gate `{key}` (gates: {})", names.join(", ")))
    })
}

/// The pace a straight line is told at when no path is known.
fn pace(v: Vehicle) -> f64 {
    match v {
        Vehicle::Ebike => speed(Mode::Ride, WayClass::Lane),
        Vehicle::Foot => speed(Mode::Walk, WayClass::Footway),
    }
}

impl Handle for RouteReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Route, ApiError> {
        let at = self.at.unwrap_or_else(Utc::now);
        let store = cx.store();
        match (&self.compound, self.from, self.to) {
            (Some(compound), None, None) => compound_route(store, compound, &self, at),
            (None, Some(from), Some(to)) => point_route(store, from, to, &self, at),
            (None, Some(_), None) | (None, None, Some(_)) => Err(invalid("give both from and to")),
            _ => Err(invalid("give a compound and a building, or from and to")),
        }
    }
}

fn compound_route(store: &Store, compound: &str, req: &RouteReq, at: DateTime<Utc>) -> Result<Route, ApiError> {
    let number = req
        .building
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .ok_or_else(|| invalid("building: say which building of the compound to go to"))?;
    let inputs = store.gate_inputs(compound, at)?;
    if inputs.gates.is_empty() {
        return Err(ridermap_store::Error::from(rank::GateError::NoGates(inputs.compound.name.clone())).into());
    }
    let unit = req.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let q = GateQuery { building: Some(number.to_string()), at, vehicle: req.vehicle };
    let Ranked { choices, found, building } = ranked(store, &inputs, &q, unit)?;
    let building = building.expect("a building was asked for");
    let gate = match &req.gate {
        Some(asked) => gate_of(&inputs.gates, asked)?,
        None => {
            let best = choices.first().expect("a compound with gates ranks them");
            inputs.gates.iter().find(|g| g.id == best.id).expect("ranked from these gates")
        }
    };
    let i = inputs.gates.iter().position(|g| g.id == gate.id).expect("one of the gates");
    let choice = choices.iter().find(|c| c.id == gate.id).expect("every gate is ranked");
    let dests = destinations(&building, unit);
    let centre = building.centre();
    let door_of = |reached: usize| {
        dests.get(reached).and_then(|(_, d)| *d).map(|d| {
            let side = words::door_side(building.footprint.as_deref(), [centre.lon, centre.lat], [d.lon, d.lat]);
            (d.unit.clone(), side)
        })
    };
    let arrival = |reached: usize| Arrival {
        building: Some((building.number.clone(), [centre.lon, centre.lat])),
        door: door_of(reached),
    };
    let f = &found[i];
    let start = Start::Gate { name: gate.name.clone(), parked: f.parked };
    let (length_m, duration_s, steps, line, measured, push_m) = match &f.path {
        Some(p) => {
            let steps = words::steps(p, &start, &arrival(p.reached), req.lang);
            let mut line = vec![[gate.lon, gate.lat]];
            line.extend(p.line().into_iter().filter(|q| *q != [gate.lon, gate.lat]));
            (p.len_m, p.secs, steps, line, true, p.metres(Mode::Push))
        }
        None => {
            let end = dests.first().map(|(s, _)| s.at).unwrap_or([centre.lon, centre.lat]);
            let d = LatLon::new(gate.lat, gate.lon).distance_m(&LatLon::new(end[1], end[0]));
            let steps = words::straight(d, &start, &arrival(0), req.lang);
            (d, d / pace(req.vehicle), steps, vec![[gate.lon, gate.lat], end], false, 0.0)
        }
    };
    Ok(Route {
        length_m: (length_m * 10.0).round() / 10.0,
        duration_s: duration_s.round(),
        vehicle: req.vehicle,
        measured,
        parked: f.parked,
        push_m: (push_m * 10.0).round() / 10.0,
        gate: Some(RouteGate {
            id: gate.id,
            name: gate.name.clone(),
            lat: gate.lat,
            lon: gate.lon,
            usable: choice.usable,
            reasons: choice.reasons.clone(),
            warnings: choice.warnings.clone(),
        }),
        compound: Some(inputs.compound.name.clone()),
        building: Some(building.number.clone()),
        unit: unit.map(|u| door_of(0).map(|d| d.0).unwrap_or_else(|| u.to_string())),
        summary: words::sentence(&steps, req.lang),
        steps,
        line,
        at,
    })
}

fn point_route(store: &Store, from: LatLon, to: LatLon, req: &RouteReq, at: DateTime<Utc>) -> Result<Route, ApiError> {
    for (name, p) in [("from", from), ("to", to)] {
        if let Some(why) = p.problem() {
            return Err(invalid(format!("{name}: {why}")));
        }
    }
    let d = from.distance_m(&to);
    if d > 50_000.0 {
        return Err(invalid(format!("from and to are {:.0} km apart; routes go up to 50 km", d / 1000.0)));
    }
    let (a, b) = ([from.lon, from.lat], [to.lon, to.lat]);
    let path = widening_route(store, a, b, d, req.vehicle, at)?;
    let arrival = Arrival { building: None, door: None };
    let (length_m, duration_s, steps, line, measured, push_m) = match &path {
        Some(p) => {
            (p.len_m, p.secs, words::steps(p, &Start::Point, &arrival, req.lang), p.line(), true, p.metres(Mode::Push))
        }
        None => {
            (d, d / pace(req.vehicle), words::straight(d, &Start::Point, &arrival, req.lang), vec![a, b], false, 0.0)
        }
    };
    Ok(Route {
        length_m: (length_m * 10.0).round() / 10.0,
        duration_s: duration_s.round(),
        vehicle: req.vehicle,
        measured,
        parked: false,
        push_m: (push_m * 10.0).round() / 10.0,
        gate: None,
        compound: None,
        building: None,
        unit: None,
        summary: words::sentence(&steps, req.lang),
        steps,
        line,
        at,
    })
}

/// The fastest way from `a` to `b` (`d` metres apart), over the ways around them loaded with a
/// margin that grows until the route found is provably the fastest: a way leaving the loaded box
/// is at least twice the margin long, so once even the fastest vehicle would need longer for that
/// than the route takes, nothing outside could beat it. Gives up past `MAX_MARGIN_M`.
fn widening_route(
    store: &Store,
    a: [f64; 2],
    b: [f64; 2],
    d: f64,
    vehicle: Vehicle,
    at: DateTime<Utc>,
) -> Result<Option<Path>, ApiError> {
    const MAX_MARGIN_M: f64 = 20_000.0;
    let top = match vehicle {
        Vehicle::Ebike => speed(Mode::Ride, WayClass::Street),
        Vehicle::Foot => speed(Mode::Walk, WayClass::Footway),
    };
    let mut margin = MARGIN_M.max(d * 0.5);
    loop {
        let net = network(store, bbox_around([a, b].into_iter(), margin), at)?;
        let stop = |at: [f64; 2]| Stop { at, reach_m: REACH_M, inside: None };
        let found = net.route(&stop(a), &[stop(b)], vehicle);
        let wanted = match &found {
            // Metres a way would have to go out of the box and back to take as long.
            Some(p) => p.secs * top / 2.0,
            None => margin * 3.0,
        };
        if wanted <= margin || margin >= MAX_MARGIN_M {
            return Ok(found);
        }
        margin = (wanted * 1.1).min(MAX_MARGIN_M);
    }
}

impl Handle for BaseLayerReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<BaseLayerSource>, ApiError> {
        Ok(cx
            .store()
            .base_sources()?
            .into_iter()
            .map(|s| BaseLayerSource { name: s.name, imported_at: s.imported_at, features: s.features, bytes: s.bytes })
            .collect())
    }
}
