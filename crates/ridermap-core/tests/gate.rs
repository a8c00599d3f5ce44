//! Data-driven best-gate cases: one compound, a few gates, a question, the expected ranking.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use ridermap_core::{
    AccessMethod, Building, Compound, Detail, EbikeAccess, Entrance, Id, Lang, Outcome, Place, PlaceKind, StatusReport,
    hours::{DEFAULT_TZ, local_to_utc},
    rank::{GateQuery, Vehicle, rank_gates},
};

struct Gate {
    name: &'static str,
    hours: Option<&'static str>,
    ebike: EbikeAccess,
    access: AccessMethod,
    /// Metres north of building 12.
    north_m: f64,
    serves: &'static [&'static str],
}

const MAIN: Gate = Gate {
    name: "正门",
    hours: Some("06:00-22:00"),
    ebike: EbikeAccess::Allowed,
    access: AccessMethod::Open,
    north_m: 150.0,
    serves: &[],
};
const SIDE: Gate = Gate {
    name: "侧门",
    hours: Some("24/7"),
    ebike: EbikeAccess::Push,
    access: AccessMethod::Open,
    north_m: 60.0,
    serves: &[],
};

struct Case<'a> {
    gates: &'static [Gate],
    at: &'static str,
    building: Option<&'static str>,
    vehicle: Vehicle,
    /// (gate name, outcome, hours before `at`)
    reports: &'static [(&'static str, Outcome, f64)],
    /// One line per gate in ranked order: "name usable|unusable [warning codes]".
    expect: &'a [&'a str],
    /// English reason or warning texts that must appear, as "gate: text".
    texts: &'static [&'static str],
}

const B12: (f64, f64) = (31.3000, 121.5300);

fn local(s: &str) -> DateTime<Utc> {
    local_to_utc(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(), DEFAULT_TZ).unwrap()
}

fn compound() -> Place {
    let mut c = Place::new(PlaceKind::Compound, "开鲁六村", B12.0, B12.1);
    c.detail = Detail::Compound(Compound {
        buildings: vec![Building::new("12", B12.0, B12.1), Building::new("3", B12.0 + 0.001, B12.1)],
        outline: None,
        rules: None,
    });
    c
}

fn gate(c: &Place, g: &Gate, i: u128) -> Place {
    let mut p = Place::new(PlaceKind::Entrance, g.name, B12.0 + g.north_m / 111_195.0, B12.1);
    p.id = Id::from_u128(i + 100);
    p.compound = Some(c.id);
    p.opening_hours = g.hours.map(str::to_string);
    p.detail = Detail::Entrance(Entrance {
        ebike: g.ebike,
        access_method: g.access,
        buildings_served: g.serves.iter().map(|s| s.to_string()).collect(),
        ..Entrance::default()
    });
    p
}

fn check(case: Case) {
    let c = compound();
    let gates: Vec<Place> = case.gates.iter().enumerate().map(|(i, g)| gate(&c, g, i as u128)).collect();
    let at = local(case.at);
    let reports: Vec<StatusReport> = case
        .reports
        .iter()
        .map(|(name, outcome, h)| {
            let g = gates.iter().find(|g| g.name == *name).unwrap();
            let t = at - Duration::seconds((h * 3600.0) as i64);
            let mut r = StatusReport::new(*outcome, g.lat, g.lon, t);
            r.target = Some(g.id);
            r
        })
        .collect();
    let q = GateQuery { building: case.building.map(str::to_string), at, vehicle: case.vehicle };
    let ranked = rank_gates(&c, &gates, &reports, &q, None).unwrap();
    let lines: Vec<String> = ranked
        .iter()
        .map(|g| {
            let mut s = format!("{} {}", g.name, if g.usable { "usable" } else { "unusable" });
            for w in &g.warnings {
                let v = serde_json::to_value(w).unwrap();
                s += &format!(" {}", v["code"].as_str().unwrap());
            }
            s
        })
        .collect();
    assert_eq!(lines, case.expect, "at {} building {:?}", case.at, case.building);
    for t in case.texts {
        let (name, text) = t.split_once(": ").unwrap();
        let g = ranked.iter().find(|g| g.name == name).unwrap();
        let all: Vec<String> = g.reasons.iter().chain(&g.warnings).map(|r| r.text(Lang::En)).collect();
        assert!(all.iter().any(|a| a == text), "{name}: wanted `{text}` in {all:?}");
    }
}

const BOTH: &[Gate] = &[MAIN, SIDE];

#[test]
fn main_gate_before_closing_and_side_gate_after() {
    check(Case {
        gates: BOTH,
        at: "2026-11-27 21:45",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[],
        expect: &["正门 usable closes_soon", "侧门 usable"],
        texts: &[
            "正门: closes at 22:00 — in 15 min",
            "正门: e-bikes allowed",
            "侧门: e-bikes must be pushed",
            "正门: 150 m to building 12",
        ],
    });
    check(Case {
        gates: BOTH,
        at: "2026-11-27 22:30",
        building: Some("12号"),
        vehicle: Vehicle::Ebike,
        reports: &[],
        expect: &["侧门 usable", "正门 unusable"],
        texts: &["正门: closed now — opens at 11-28 06:00", "侧门: open 24/7"],
    });
    // On foot, pushing is no cost: the nearer side gate wins even before closing.
    check(Case {
        gates: BOTH,
        at: "2026-11-27 21:45",
        building: Some("12"),
        vehicle: Vehicle::Foot,
        reports: &[],
        expect: &["侧门 usable", "正门 usable closes_soon"],
        texts: &[],
    });
}

#[test]
fn reported_closures_fade() {
    check(Case {
        gates: BOTH,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[("正门", Outcome::Closed, 1.0)],
        expect: &["侧门 usable", "正门 unusable"],
        texts: &["正门: reported closed 1 h ago"],
    });
    check(Case {
        gates: BOTH,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[("正门", Outcome::Closed, 72.0)],
        expect: &["正门 usable", "侧门 usable"],
        texts: &[],
    });
    check(Case {
        gates: BOTH,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[("正门", Outcome::Closed, 30.0)],
        expect: &["正门 usable reported_closed_earlier", "侧门 usable"],
        texts: &["正门: reported closed yesterday (no longer counts)"],
    });
    // A later "got in" overrides a closure.
    check(Case {
        gates: BOTH,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[("正门", Outcome::Closed, 3.0), ("正门", Outcome::GotIn, 1.0)],
        expect: &["正门 usable", "侧门 usable"],
        texts: &["正门: a rider got in 1 h ago"],
    });
}

#[test]
fn refusals_weigh_by_age() {
    let gates: &[Gate] = &[MAIN, Gate { name: "北门", north_m: 170.0, ..MAIN }];
    check(Case {
        gates,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[("正门", Outcome::Refused, 20.0), ("正门", Outcome::Refused, 22.0)],
        expect: &["北门 usable", "正门 usable refusals"],
        texts: &["正门: 2 riders refused here yesterday"],
    });
    check(Case {
        gates,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[("正门", Outcome::Refused, 70.0)],
        expect: &["正门 usable refusals", "北门 usable"],
        texts: &["正门: 1 rider refused here 3 days ago"],
    });
}

#[test]
fn hours_across_midnight() {
    let gates: &[Gate] =
        &[Gate { name: "夜门", hours: Some("22:00-06:00"), north_m: 10.0, ..MAIN }, Gate { name: "正门", ..MAIN }];
    for (at, expect) in [
        ("2026-11-27 23:30", ["夜门 usable", "正门 unusable"]),
        ("2026-11-28 05:00", ["夜门 usable", "正门 unusable"]),
        ("2026-11-28 12:00", ["正门 usable", "夜门 unusable"]),
    ] {
        check(Case {
            gates,
            at,
            building: Some("12"),
            vehicle: Vehicle::Ebike,
            reports: &[],
            expect: &expect,
            texts: &[],
        });
    }
}

#[test]
fn closed_or_refusing_gates_rank_after_every_usable_one() {
    let gates: &[Gate] = &[
        Gate { name: "禁车门", ebike: EbikeAccess::Refused, north_m: 5.0, ..SIDE },
        Gate { name: "远门", access: AccessMethod::Intercom, north_m: 900.0, ..SIDE },
        Gate { name: "近门", north_m: 20.0, ..SIDE },
    ];
    check(Case {
        gates,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[],
        expect: &["近门 usable", "远门 usable", "禁车门 unusable"],
        texts: &["禁车门: e-bikes refused", "远门: call on the intercom"],
    });
    // On foot the e-bike ban does not matter.
    check(Case {
        gates,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Foot,
        reports: &[],
        expect: &["禁车门 usable", "近门 usable", "远门 usable"],
        texts: &[],
    });
}

#[test]
fn gates_meant_for_other_buildings_rank_lower() {
    let gates: &[Gate] =
        &[Gate { name: "3号楼门", north_m: 10.0, serves: &["3"], ..SIDE }, Gate { name: "正门", ..SIDE }];
    check(Case {
        gates,
        at: "2026-11-27 12:00",
        building: Some("12"),
        vehicle: Vehicle::Ebike,
        reports: &[],
        expect: &["正门 usable", "3号楼门 usable not_for_building"],
        texts: &[],
    });
}

#[test]
fn unknown_building_is_an_error_not_a_guess() {
    let c = compound();
    let gates = vec![gate(&c, &MAIN, 0)];
    let q = GateQuery { building: Some("99".into()), at: local("2026-11-27 12:00"), vehicle: Vehicle::Ebike };
    let e = rank_gates(&c, &gates, &[], &q, None).unwrap_err().to_string();
    assert_eq!(e, "compound `开鲁六村` has no building `99` (known: 12, 3)");
}

/// With routes (what the router found from each gate) and riders' reported waits, ranking goes
/// by the time the way in takes and the wait, not by the straight line.
#[test]
fn routes_and_waits_decide_when_given() {
    use ridermap_core::rank::{GateRoute, GateRoutes};
    let open = Gate { ebike: EbikeAccess::Allowed, hours: Some("24/7"), ..MAIN };
    let gates_spec = [Gate { name: "近门", north_m: 20.0, ..open }, Gate { name: "远门", north_m: 300.0, ..open }];
    let c = compound();
    let gates: Vec<Place> = gates_spec.iter().enumerate().map(|(i, g)| gate(&c, g, i as u128)).collect();
    let at = local("2026-11-27 12:00");
    let q = GateQuery { building: Some("12".into()), at, vehicle: Vehicle::Ebike };
    let route = |length_m: f64, duration_s: f64, parked: bool| GateRoute {
        length_m,
        duration_s,
        measured: true,
        parked,
        push_m: 0.0,
    };
    let waited = |g: &Place, minutes: u32, hours_ago: i64| {
        let mut r = StatusReport::new(Outcome::GotIn, g.lat, g.lon, at - Duration::hours(hours_ago));
        r.target = Some(g.id);
        r.waited_min = Some(minutes);
        r
    };
    let check = |routes: &GateRoutes, reports: &[StatusReport], want: &[&str], texts: &[&str]| {
        let ranked = rank_gates(&c, &gates, reports, &q, Some(routes)).unwrap();
        let got: Vec<String> =
            ranked.iter().map(|g| format!("{} {}", g.name, if g.usable { "usable" } else { "unusable" })).collect();
        assert_eq!(got, want);
        for t in texts {
            let (name, text) = t.split_once(": ").unwrap();
            let g = ranked.iter().find(|g| g.name == name).unwrap();
            let all: Vec<String> = g.reasons.iter().chain(&g.warnings).map(|r| r.text(Lang::En)).collect();
            assert!(all.iter().any(|a| a == text), "{name}: wanted `{text}` in {all:?}");
        }
    };
    let (near, far) = (gates[0].id, gates[1].id);
    // The near gate's lanes go round a wall (400 m); the far gate's run straight in (310 m).
    let by_lanes: GateRoutes = [(near, route(400.0, 200.0, false)), (far, route(310.0, 110.0, false))].into();
    check(
        &by_lanes,
        &[],
        &["远门 usable", "近门 usable"],
        &[
            "远门: 310 m to building 12 by the lanes, about 2 min",
            "近门: 400 m to building 12 by the lanes, about 3 min",
        ],
    );
    // Riders waited 9 minutes an hour ago and 5 four days ago at the far gate: about 8 on
    // average, the recent wait weighing more (7 unweighted). The near gate goes first.
    let reports = [waited(&gates[1], 9, 1), waited(&gates[1], 5, 100)];
    check(
        &by_lanes,
        &reports,
        &["近门 usable", "远门 usable"],
        &["远门: riders report waiting 8 min on average (2 reports)"],
    );
    // No lanes known from the far gate: its straight line counts, and says so.
    let near_only: GateRoutes = [(near, route(400.0, 200.0, false))].into();
    check(
        &near_only,
        &[],
        &["远门 usable", "近门 usable"],
        &["远门: 300 m to building 12 in a straight line; no path surveyed"],
    );
    // An e-bike cannot get from the near gate to the building: it ranks after the usable one.
    let parked: GateRoutes = [(near, route(60.0, 46.0, true)), (far, route(310.0, 110.0, false))].into();
    check(
        &parked,
        &[],
        &["远门 usable", "近门 unusable"],
        &["近门: an e-bike cannot reach building 12: park at the gate and walk 60 m"],
    );
}
