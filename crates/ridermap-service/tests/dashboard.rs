//! The grid worker's dashboard on fixed data: the route cases (compounds built to test one rule
//! of routes each) put in one grid, with gates whose hours or e-bike rule are unknown, checks on
//! site of known age, reports and visits at known times around the city's midnight, all asked
//! as of Monday 2026-11-30 12:00 in Shanghai.

mod common;

use chrono::{DateTime, Utc};
use common::{Want::*, array, check, empty_device, fixture, ok};
use ridermap_core::{Indicator, Outcome, Rating, Review, StatusReport, Visit};
use ridermap_service::api::ErrorCode::Invalid;
use ridermap_store::{Actor, Store};
use serde_json::{Value, json};

const AT: &str = "2026-11-30T04:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The route cases in grid `t-1`; `edits` set properties of features by (name, compound) —
/// the compound's own name for itself — and `extra` features are added.
fn grid_file(edits: &[(&str, &str, &str, Value)], extra: Vec<Value>) -> Value {
    let text = std::fs::read_to_string(fixture("route-cases.geojson")).unwrap();
    let mut file: Value = serde_json::from_str(&text).unwrap();
    let features = file["features"].as_array_mut().unwrap();
    for f in features.iter_mut() {
        let p = f["properties"].as_object_mut().unwrap();
        p.insert("grid".into(), "t-1".into());
        let compound = p.get("compound").or(p.get("name")).and_then(Value::as_str).unwrap().to_string();
        let name = p["name"].as_str().unwrap().to_string();
        for (n, c, key, value) in edits {
            if name == *n && compound == *c {
                p.insert(key.to_string(), value.clone());
            }
        }
    }
    features.insert(
        0,
        json!({"type": "Feature", "geometry": null, "properties": {"kind": "grid", "code": "t-1", "name": "测试网格"}}),
    );
    features.extend(extra);
    file
}

fn fixed_grid() -> common::Device {
    let d = empty_device();
    let never = Value::Null;
    let file = grid_file(
        &[
            ("南门", "推车村", "opening_hours", never.clone()),
            ("南门", "台阶村", "ebike", json!("unknown")),
            ("墙村", "墙村", "verified_at", json!("2026-06-01T00:00:00Z")),
            ("南门", "墙村", "verified_at", json!("2026-06-02T00:00:00Z")),
            ("双门楼村", "双门楼村", "verified_at", json!("2026-11-01T00:00:00Z")),
            ("南门", "双门楼村", "verified_at", json!("2026-11-01T00:00:00Z")),
            ("夜门村", "夜门村", "verified_at", json!("2026-11-02T00:00:00Z")),
            ("近门", "夜门村", "verified_at", json!("2026-11-02T00:00:00Z")),
            ("远门", "夜门村", "verified_at", json!("2026-11-02T00:00:00Z")),
            ("单行村", "单行村", "verified_at", json!("2026-11-03T00:00:00Z")),
            ("南门", "单行村", "verified_at", json!("2026-07-01T00:00:00Z")),
        ],
        vec![
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.49, 31.29]},
                   "properties": {"kind": "compound", "name": "空村", "grid": "t-1"}}),
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4995, 31.2995]},
                   "properties": {"kind": "rest_stop", "name": "测试驿站", "grid": "t-1", "stop_kind": "love_station"}}),
        ],
    );
    let path = d.write("grid.geojson", file.to_string().as_bytes());
    let r = ok(&d.svc, "import", json!({"path": path}));
    assert_eq!(r["inserted"], 18, "{r}");
    ok(&d.svc, "import", json!({"path": fixture("route-cases.osm")}));

    // Reports and visits at fixed times go straight into the store: the commands take only
    // times of the last week, by the real clock.
    let mut store = Store::open(d.path()).unwrap();
    let actor = Actor { name: Some("测试".into()) };
    let gate = common::gate_of(&d.svc, "夜门村", "近门").parse().unwrap();
    let on_gate = |outcome, at: &str, review| {
        let mut r = StatusReport::new(outcome, 31.3, 121.54, t(at));
        r.target = Some(gate);
        r.review = review;
        r
    };
    let bare = |outcome, at: &str, review| {
        let mut r = StatusReport::new(outcome, 31.3001, 121.5001, t(at));
        r.grid = Some("t-1".into());
        r.note = Some("井盖缺失".into());
        r.review = review;
        r
    };
    for r in [
        on_gate(Outcome::GotIn, "2026-11-30T01:00:00Z", Review::Pending),
        // Monday 01:00 in the city, Sunday in UTC: this week.
        bare(Outcome::Hazard, "2026-11-29T17:00:00Z", Review::Pending),
        // Sunday 23:00 in the city: the week before.
        on_gate(Outcome::Refused, "2026-11-29T15:00:00Z", Review::Accepted),
        bare(Outcome::Hazard, "2026-11-20T03:00:00Z", Review::Rejected),
        bare(Outcome::Hazard, "2026-10-20T03:00:00Z", Review::Accepted),
        // Before the eight weeks, and after the time asked about.
        on_gate(Outcome::Closed, "2026-10-01T03:00:00Z", Review::Pending),
        on_gate(Outcome::Closed, "2026-12-01T03:00:00Z", Review::Pending),
    ] {
        store.add_report(&r, &actor).unwrap();
    }
    // Riders' ratings: 推车村 by three riders, badly on getting e-bikes in; 墙村 by one, well.
    let rate = |compound: &str, at: &str, taps: &[(Indicator, bool)]| {
        let c = common::id_of(&d.svc, compound);
        let mut r = StatusReport::new(Outcome::Rated, 31.3, 121.5, t(at));
        r.target = Some(c.parse().unwrap());
        r.ratings = taps.iter().map(|&(indicator, good)| Rating { indicator, good }).collect();
        r
    };
    for r in [
        rate("推车村", "2026-11-30T01:00:00Z", &[(Indicator::EbikeIn, false), (Indicator::GuardFriendly, true)]),
        rate("推车村", "2026-11-25T01:00:00Z", &[(Indicator::EbikeIn, false)]),
        rate("推车村", "2026-10-31T04:00:00Z", &[(Indicator::EbikeIn, true)]),
        rate("墙村", "2026-11-29T01:00:00Z", &[(Indicator::EbikeIn, true), (Indicator::NumbersClear, true)]),
    ] {
        store.add_report(&r, &actor).unwrap();
    }
    let station = common::id_of(&d.svc, "测试驿站").parse().unwrap();
    for (at, headcount) in [("2026-11-30T02:00:00Z", 3), ("2026-11-29T16:30:00Z", 2), ("2026-11-16T10:00:00Z", 9)] {
        let v = Visit {
            id: ridermap_core::Id::new(),
            station,
            at: t(at),
            headcount,
            services: vec![],
            supplies: vec![],
            station_open: Some(true),
            note: None,
            volunteer: None,
            created_at: t(at),
        };
        store.add_visit(&v, &actor).unwrap();
    }
    d
}

#[test]
fn the_dashboard_reads_a_grid_as_of_a_time() {
    let d = fixed_grid();
    let v = ok(&d.svc, "dashboard", json!({"grid": "t-1", "at": AT}));
    let gaps = |name: &str| {
        let c = array(&v["way_in"]["gaps"]).iter().find(|c| c["name"] == name);
        c.map(|c| c["gaps"].clone()).unwrap_or(Value::Null)
    };
    let week = |monday: &str| {
        let w = array(&v["weeks"]).iter().find(|w| w["week"] == monday);
        w.map(|w| w["counts"].clone()).unwrap_or_else(|| panic!("no week {monday}: {}", v["weeks"]))
    };
    let day = |d: &str| array(&v["visits_per_day"]).iter().find(|x| x[0] == d).cloned().unwrap_or(Value::Null);
    let cases: Vec<(&str, Value, Value)> = vec![
        ("compounds", v["way_in"]["compounds"].clone(), json!(8)),
        // 墙村 (round the wall), 单行村 (one-way is for vehicles), 双门楼村, 夜门村 (both gates open by day).
        ("compounds whose way in is known", v["way_in"]["known"].clone(), json!(4)),
        (
            "in order: most buildings unreached first, then by name",
            json!(array(&v["way_in"]["gaps"]).iter().map(|c| c["name"].clone()).collect::<Vec<_>>()),
            json!(["台阶村", "推车村", "无路村", "空村"]),
        ),
        (
            "a gate's unknown e-bike rule",
            gaps("台阶村"),
            json!([{"ebike": {"gate": "南门"}}, {"unreached": {"building": "3"}}]),
        ),
        (
            "a gate's unknown hours",
            gaps("推车村"),
            json!([{"hours": {"gate": "南门"}}, {"unreached": {"building": "2"}}]),
        ),
        ("no ways mapped", gaps("无路村"), json!(["no_ways"])),
        ("nothing recorded", gaps("空村"), json!(["no_gate", "no_buildings"])),
        ("places (no paths)", v["verified"]["places"].clone(), json!(17)),
        ("verified within 90 days", v["verified"]["verified"].clone(), json!(6)),
        (
            "stalest: never first, then the oldest of a compound and its gates",
            json!(
                array(&v["verified"]["stalest"])
                    .iter()
                    .map(|c| json!([c["name"], c["verified_at"]]))
                    .collect::<Vec<_>>()
            ),
            json!([
                ["台阶村", null],
                ["推车村", null],
                ["无路村", null],
                ["空村", null],
                ["墙村", "2026-06-01T00:00:00Z"]
            ]),
        ),
        ("eight weeks", json!(array(&v["weeks"]).len()), json!(8)),
        ("the first week", v["weeks"][0]["week"].clone(), json!("2026-10-12")),
        ("this week, by the city's days", week("2026-11-30"), json!([["got_in", 1], ["hazard", 1]])),
        ("last week", week("2026-11-23"), json!([["refused", 1]])),
        ("a rejected report still counts", week("2026-11-16"), json!([["hazard", 1]])),
        ("an old week", week("2026-10-19"), json!([["hazard", 1]])),
        ("a quiet week", week("2026-11-09"), json!([])),
        (
            "open hazards: not rejected, 30 days",
            json!(
                array(&v["hazards"])
                    .iter()
                    .map(|h| json!([h["observed_at"], h["review"], h["note"]]))
                    .collect::<Vec<_>>()
            ),
            json!([["2026-11-29T17:00:00Z", "pending", "井盖缺失"]]),
        ),
        ("visits today, by the city's day", day("2026-11-30"), json!(["2026-11-30", 2, 5])),
        ("no visits on Sunday in the city", day("2026-11-29"), json!(["2026-11-29", 0, 0])),
        ("14 days from", v["visits_per_day"][0].clone(), json!(["2026-11-17", 0, 0])),
        // The review queue as it stands, whatever time is asked about.
        ("open reports", v["open_reports"].clone(), json!(4)),
    ];
    for (what, got, want) in cases {
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn each_panel_downloads_as_csv() {
    let d = fixed_grid();
    let csv = |panel: &str| {
        ok(&d.svc, "dashboard_csv", json!({"grid": "t-1", "at": AT, "panel": panel})).as_str().unwrap().to_string()
    };
    let cases = [
        (
            "reports",
            "week,got_in,refused,ebike_banned,cabinet_empty,broken,works,closed,hazard,confirmed\n",
            "2026-11-30,1,0,0,0,0,0,0,1,0\n",
        ),
        (
            "way_in",
            "compound,buildings,reached,missing\n",
            "台阶村,1,0,e-bike rule of 南门 unknown; buildings not reached: 3\n",
        ),
        ("verified", "compound,verified_at\n", "墙村,2026-06-01 08:00\n"),
        ("hazards", "observed_at,lat,lon,review,note\n", "2026-11-30 01:00,31.300100,121.500100,pending,井盖缺失\n"),
        ("visits", "day,visits,headcount\n", "2026-11-30,2,5\n"),
        ("places", "what,count\n", "compound,8\n"),
    ];
    for (panel, header, row) in cases {
        let text = csv(panel);
        assert!(text.starts_with(header), "{panel}: {text}");
        assert!(text.contains(row), "{panel}: wanted {row:?} in {text}");
    }
    // Saved to a file the user picked: the same text, written whole; a folder that is not there is
    // named and leaves nothing behind.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("visits.csv");
    let said = ok(&d.svc, "dashboard_csv", json!({"grid": "t-1", "at": AT, "panel": "visits", "out": out}));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), said.as_str().unwrap());
    let nowhere = dir.path().join("gone/visits.csv");
    let failed = d.svc.dispatch("dashboard_csv", json!({"panel": "visits", "out": nowhere})).unwrap_err();
    assert!(failed.message.starts_with(&format!("cannot write {}", nowhere.display())), "{failed:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only visits.csv");
    check(
        &d.svc,
        "dashboard_csv",
        json!({"panel": "pie"}),
        Error(Invalid, "panel: `pie` is not places, way_in, verified, reports, hazards or visits"),
    );
}

#[test]
fn compounds_are_ranked_by_their_riders_ratings() {
    let d = fixed_grid();
    let v = ok(&d.svc, "scorecard", json!({"grid": "t-1", "at": AT}));
    let ranked: Vec<(&str, Value)> =
        array(&v).iter().map(|c| (c["name"].as_str().unwrap(), c["score"]["overall"].clone())).collect();
    // 推车村: e-bikes in 0.5/(1 + 0.9+0.5) weighted by age, guards 1.0 → the mean; 墙村: all good;
    // the unrated after, by name.
    assert_eq!(ranked[0].0, "推车村", "{v}");
    assert_eq!(ranked[1], ("墙村", json!(1.0)));
    assert!(ranked[2..].iter().all(|(_, o)| o.is_null()), "{ranked:?}");
    let worst = &v[0]["score"];
    let ebike = array(&worst["indicators"]).iter().find(|i| i["indicator"] == "ebike_in").unwrap().clone();
    let cases = [
        ("ratings counted", worst["ratings"].clone(), json!(3)),
        ("e-bike taps", ebike["ratings"].clone(), json!(3)),
        ("e-bike share, weighed by age", ebike["share"].clone(), json!(0.21)),
        ("overall: the mean of the rated indicators", worst["overall"].clone(), json!(0.61)),
        ("this week's share of good taps", worst["weeks"][7].clone(), json!(["2026-11-30", 0.5])),
        ("last week's", worst["weeks"][6].clone(), json!(["2026-11-23", 0.0])),
    ];
    for (what, got, want) in cases {
        assert_eq!(got, want, "{what}");
    }
    // Ratings wait in no review queue and are not charted as reports.
    let queue = ok(&d.svc, "review_queue", json!({"grid": "t-1"}));
    assert!(array(&queue).iter().all(|i| i["report"]["outcome"] != "rated"), "{queue}");
    let dash = ok(&d.svc, "dashboard", json!({"grid": "t-1", "at": AT}));
    assert_eq!(dash["weeks"][7]["counts"], json!([["got_in", 1], ["hazard", 1]]));
}

#[test]
fn a_rating_rates_a_compound_one_tap_per_indicator() {
    let d = fixed_grid();
    let compound = common::id_of(&d.svc, "墙村");
    let gate = common::gate_of(&d.svc, "夜门村", "近门");
    let taps = json!([{"indicator": "ebike_in", "good": true}]);
    let r = ok(&d.svc, "add_report", json!({"target": compound, "outcome": "rated", "ratings": taps}));
    assert_eq!(r["ratings"], taps);
    let cases = [
        (json!({"target": gate, "outcome": "rated", "ratings": taps}), "a rating rates a compound"),
        (json!({"target": compound, "outcome": "rated"}), "ratings"),
        (json!({"target": compound, "outcome": "got_in", "ratings": taps}), "only a `rated` report carries ratings"),
        (
            json!({"target": compound, "outcome": "rated", "ratings": [{"indicator": "quick_in", "good": true}, {"indicator": "quick_in", "good": false}]}),
            "rates an indicator twice",
        ),
    ];
    for (body, want) in cases {
        check(&d.svc, "add_report", body, Error(Invalid, want));
    }
}
