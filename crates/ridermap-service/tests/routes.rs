//! Route cases on hand-made compounds (`tests/fixtures/make_route_fixtures.py` draws them and
//! says what each is for): one `check(command, body, want)` per case, through `Service::dispatch`
//! on a real store file into which the fixtures were imported as a user imports files.

mod common;

use common::{Want::*, check, empty_device, ok};
use ridermap_service::api::ErrorCode::*;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    root.join(name).display().to_string()
}

/// Shanghai wall time → the instant, as requests carry it.
fn at(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    ridermap_core::hours::local_to_utc(t, ridermap_core::hours::DEFAULT_TZ).unwrap().to_rfc3339()
}

fn cases() -> common::Device {
    let d = empty_device();
    let r = ok(&d.svc, "import", json!({"path": fixture("route-cases.geojson")}));
    assert_eq!(r["inserted"], 15, "{r}");
    let r = ok(&d.svc, "import", json!({"path": fixture("route-cases.osm")}));
    assert_eq!(r["base_features"], 19, "every way of the file is in the base layer: {r}");
    d
}

fn length(v: &Value) -> f64 {
    v["length_m"].as_f64().unwrap()
}

fn texts(v: &Value) -> Vec<String> {
    v["steps"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap().to_string()).collect()
}

fn near(got: f64, want: f64, tolerance: f64) -> bool {
    (got - want).abs() <= tolerance
}

/// The local plane of the fixtures (metres east and north of case `case`'s origin).
fn xy(case: f64, p: &Value) -> (f64, f64) {
    let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
    ((lon - 121.5) * 111_320.0 * 0.854_459 - case * 800.0, (lat - 31.3) * 110_574.0)
}

#[test]
fn routes_follow_the_rules_of_the_ways() {
    let d = cases();
    let route = |body: Value, want| check(&d.svc, "route", body, want);

    // A wall stands between the gate and building 1: the straight line (70 m) crosses it, the
    // footway through it is cut, and the route goes round the wall's east end.
    route(
        json!({"compound": "墙村", "building": "1", "vehicle": "foot"}),
        Reply(|v| {
            assert!(near(length(v), 310.0, 3.0), "{}", length(v));
            assert_eq!(v["measured"], true);
            assert_eq!(v["gate"]["name"], "南门");
            // No stretch of the line crosses y = 40 m between x = -100 and 100 (the wall).
            let line = v["line"].as_array().unwrap();
            for w in line.windows(2) {
                let ((x0, y0), (x1, y1)) = (xy(0.0, &w[0]), xy(0.0, &w[1]));
                if (y0 - 40.0) * (y1 - 40.0) < 0.0 {
                    let x = x0 + (x1 - x0) * (40.0 - y0) / (y1 - y0);
                    assert!(x > 100.0, "crosses the wall at x = {x:.1}: {line:?}");
                }
            }
            let all = texts(v).join("，");
            assert!(all.starts_with("从南门进"), "{all}");
            assert!(all.contains("1号楼") && all.contains("1单元门在楼南侧"), "{all}");
        }),
    );

    // A footway where e-bikes are pushed (95 m, and 5 m on to the door) beats riding the lane
    // round (495 m): the e-bike is pushed, and the steps say so.
    route(
        json!({"compound": "推车村", "building": "2", "vehicle": "ebike"}),
        Reply(|v| {
            assert!(near(length(v), 100.0, 3.0), "{}", length(v));
            assert!(near(v["push_m"].as_f64().unwrap(), 100.0, 3.0), "{v}");
            assert!(texts(v).iter().any(|t| t.starts_with("推车步行")), "{:?}", texts(v));
        }),
    );
    // Steps: feet take them (75 m at a stair pace), e-bikes go round by the lane (195 m).
    route(
        json!({"compound": "台阶村", "building": "3", "vehicle": "foot"}),
        Reply(|v| assert!(near(length(v), 80.0, 3.0), "{}", length(v))),
    );
    route(
        json!({"compound": "台阶村", "building": "3", "vehicle": "ebike"}),
        Reply(|v| {
            assert!(near(length(v), 200.0, 3.0), "{}", length(v));
            assert_eq!(v["push_m"], 0.0);
        }),
    );
    // A one-way lane against the rider: riding round (275 m) beats pushing against it (115 m at
    // walking pace); on foot the one-way lane is just a lane.
    route(
        json!({"compound": "单行村", "building": "4", "vehicle": "ebike"}),
        Reply(|v| assert!(near(length(v), 280.0, 3.0), "{}", length(v))),
    );
    route(
        json!({"compound": "单行村", "building": "4", "vehicle": "foot"}),
        Reply(|v| assert!(near(length(v), 120.0, 3.0), "{}", length(v))),
    );
    // A building with doors on opposite sides: each unit's door, and the words say which side.
    route(
        json!({"compound": "双门楼村", "building": "5", "unit": "2", "vehicle": "foot"}),
        Reply(|v| {
            assert!(near(length(v), 60.0, 3.0), "{}", length(v));
            assert!(texts(v).iter().any(|t| t == "2单元门在楼南侧"), "{:?}", texts(v));
        }),
    );
    route(
        json!({"compound": "双门楼村", "building": "5号", "unit": "1单元", "vehicle": "foot"}),
        Reply(|v| {
            assert!(near(length(v), 150.0, 3.0), "{}", length(v));
            assert_eq!(v["unit"], "1");
            assert!(texts(v).iter().any(|t| t == "1单元门在楼北侧"), "{:?}", texts(v));
            assert!(texts(v).iter().any(|t| t.contains("左转") || t.contains("右转")), "{:?}", texts(v));
        }),
    );
    // English words.
    route(
        json!({"compound": "双门楼村", "building": "5", "unit": "1", "vehicle": "foot", "lang": "en"}),
        Reply(|v| {
            let s = v["summary"].as_str().unwrap();
            assert!(s.starts_with("enter by 南门") && s.contains("the door of unit 1 is on the north side"), "{s}");
        }),
    );
    // No ways: the straight line, said as such.
    route(
        json!({"compound": "无路村", "building": "7", "vehicle": "ebike"}),
        Reply(|v| {
            assert_eq!(v["measured"], false);
            assert!(texts(v).iter().any(|t| t.contains("直线距离") && t.contains("未测路径")), "{:?}", texts(v));
            assert_eq!(v["line"].as_array().unwrap().len(), 2);
        }),
    );
    // What does not exist is named with what does.
    route(json!({"compound": "双门楼村", "building": "9"}), Error(NotFound, "has no building `9` (known: 5)"));
    route(json!({"compound": "双门楼村", "building": "5", "unit": "3"}), Error(NotFound, "no unit `3` (units: 1, 2)"));
    route(json!({"compound": "无路村", "building": "7", "unit": "1"}), Error(NotFound, "no unit doors are recorded"));
    route(
        json!({"compound": "双门楼村", "building": "5", "gate": "西门"}),
        Error(NotFound, "no gate `西门` (gates: 南门)"),
    );
    route(json!({"compound": "双门楼村"}), Error(Invalid, "building"));
    route(json!({"from": {"lat": 31.3, "lon": 121.5}}), Error(Invalid, "give both from and to"));
}

#[test]
fn gates_closed_at_the_hour_are_routed_round() {
    let d = cases();
    let gate = |local: &str, want| {
        check(&d.svc, "gate", json!({"compound": "夜门村", "building": "6", "vehicle": "ebike", "at": at(local)}), want)
    };
    // By day the near gate, 50 m by the lane. From the far one it is quicker to ride out along
    // the street and in through the near gate (220 m, 150 of them at street pace) than to take
    // the inner lane (200 m).
    gate(
        "2026-11-28 12:00",
        Reply(|v| {
            let c = v["choices"].as_array().unwrap();
            assert_eq!(c[0]["name"], "近门");
            assert!(near(c[0]["route"]["length_m"].as_f64().unwrap(), 50.0, 3.0), "{}", c[0]);
            assert!(near(c[1]["route"]["length_m"].as_f64().unwrap(), 220.0, 3.0), "{}", c[1]);
            let reasons: Vec<&str> =
                c[0]["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
            assert!(reasons.contains(&"route"), "{reasons:?}");
        }),
    );
    // At 22:30 the near gate is closed: the far one first.
    gate(
        "2026-11-28 22:30",
        Reply(|v| {
            let c = v["choices"].as_array().unwrap();
            assert_eq!((c[0]["name"].as_str(), c[0]["usable"].as_bool()), (Some("远门"), Some(true)));
            // The near gate closed, the far gate's way in is the inner lane.
            assert!(near(c[0]["route"]["length_m"].as_f64().unwrap(), 200.0, 3.0), "{}", c[0]);
            assert_eq!((c[1]["name"].as_str(), c[1]["usable"].as_bool()), (Some("近门"), Some(false)));
        }),
    );
    // Asked for by name, the closed gate still gets its route, and the answer says it is closed.
    check(
        &d.svc,
        "route",
        json!({"compound": "夜门村", "building": "6", "gate": "近门", "at": at("2026-11-28 22:30")}),
        Reply(|v| {
            assert_eq!(v["gate"]["usable"], false);
            let codes: Vec<&str> =
                v["gate"]["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
            assert!(codes.contains(&"closed_now"), "{codes:?}");
        }),
    );
    // A rider reports waiting 12 minutes at the near gate: the answer says so, and by day the far
    // gate (200 s more by its lanes) now comes first.
    let near_gate = common::id_of(&d.svc, "近门");
    // Asked at the last noon that has passed, so the near gate is open whatever the clock says.
    let tz = ridermap_core::hours::DEFAULT_TZ;
    let local = chrono::Utc::now().with_timezone(&tz);
    let mut noon = local.date_naive().and_hms_opt(12, 0, 0).unwrap();
    if noon > local.naive_local() {
        noon -= chrono::Duration::days(1);
    }
    let noon = ridermap_core::hours::local_to_utc(noon, tz).unwrap();
    let seen = noon - chrono::Duration::minutes(10);
    ok(&d.svc, "add_report", json!({"target": near_gate, "outcome": "got_in", "waited_min": 12, "observed_at": seen}));
    let v = ok(&d.svc, "gate", json!({"compound": "夜门村", "building": "6", "vehicle": "ebike", "at": noon}));
    let c = v["choices"].as_array().unwrap();
    assert_eq!(c[0]["name"], "远门", "{v}");
    let texts: Vec<String> = c[1]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_value::<ridermap_core::rank::Reason>(r.clone()).unwrap().text(ridermap_core::Lang::Zh)
        })
        .collect();
    assert!(texts.iter().any(|t| t == "骑手反馈平均等候 12 分钟（1 条）"), "{texts:?}");
    // Asked with a language, the answer says the same, one entry per gate (what the app shows).
    let said = ok(
        &d.svc,
        "gate",
        json!({"compound": "夜门村", "building": "6", "vehicle": "ebike", "at": noon, "lang": "zh"}),
    );
    assert_eq!(said["said"].as_array().unwrap().len(), c.len(), "{said}");
    assert!(
        said["said"][1]["reasons"].as_array().unwrap().iter().any(|t| t == "骑手反馈平均等候 12 分钟（1 条）"),
        "{said}"
    );
    assert!(v.get("said").is_none(), "no words unless asked for: {v}");
    // From the street to the building's door: through the near gate by day (60 m); at night it
    // is closed, so round by the far gate (360 m).
    let street = json!({"lat": 31.3 - 10.0 / 110_574.0, "lon": 121.5 + 4000.0 / (111_320.0 * 0.854_459)});
    let door = json!({"lat": 31.3 + 50.0 / 110_574.0, "lon": 121.5 + 4000.0 / (111_320.0 * 0.854_459)});
    for (local, want) in [("2026-11-28 12:00", 60.0), ("2026-11-28 22:30", 360.0)] {
        let v = ok(&d.svc, "route", json!({"from": street, "to": door, "vehicle": "foot", "at": at(local)}));
        assert!(near(length(&v), want, 3.0), "{local}: {}", length(&v));
        assert_eq!(v["measured"], true);
    }
}

/// `[lon, lat]` of x metres east, y north of case `case`'s origin, as the fixture script draws it.
fn at_xy(case: f64, x: f64, y: f64) -> [f64; 2] {
    let r = |v: f64| (v * 1e7).round() / 1e7;
    [r(121.5 + (case * 800.0 + x) / (111_320.0 * 0.854_459)), r(31.3 + y / 110_574.0)]
}

#[test]
fn a_path_a_grid_worker_draws_changes_the_route() {
    let d = cases();
    let ebike = json!({"compound": "台阶村", "building": "3", "vehicle": "ebike"});
    assert!(near(length(&ok(&d.svc, "route", ebike.clone())), 200.0, 3.0), "round by the lane before");
    // A ramp beside the steps, e-bikes allowed: drawn from the gate to where the steps end.
    let ramp = ok(
        &d.svc,
        "add_place",
        json!({"kind": "path", "name": "无障碍坡道", "sets": [
            ["line", json!([at_xy(2.0, 0.0, 0.0), at_xy(2.0, 0.0, 75.0)]).to_string()],
            ["ebike", "allowed"],
        ]}),
    );
    assert_eq!(ramp["kind"], "path");
    assert!((ramp["lat"].as_f64().unwrap() - at_xy(2.0, 0.0, 75.0)[1]).abs() < 1e-9, "labelled mid-line: {ramp}");
    let v = ok(&d.svc, "route", ebike.clone());
    assert!(near(length(&v), 80.0, 3.0), "{}", length(&v));
    assert!(v["summary"].as_str().unwrap().contains("沿无障碍坡道"), "{}", v["summary"]);
    // A wall drawn across it closes it again.
    ok(
        &d.svc,
        "add_place",
        json!({"kind": "path", "name": "新砌围墙", "sets": [
            ["line", json!([at_xy(2.0, -10.0, 40.0), at_xy(2.0, 10.0, 40.0)]).to_string()],
            ["path_kind", "wall"],
        ]}),
    );
    assert!(near(length(&ok(&d.svc, "route", ebike)), 200.0, 3.0), "the wall cuts the ramp");
    // A path needs a line.
    check(
        &d.svc,
        "add_place",
        json!({"kind": "path", "name": "空", "sets": []}),
        Error(Invalid, "field `line`: needs at least 2 points"),
    );
}

/// What the map draws of the base layer: the detail follows the scale, compounds' own footprints
/// are drawn where the base layer has none, and a box that is no view is refused.
#[test]
fn the_map_layer_follows_the_scale() {
    let d = common::device();
    // Around 开鲁六村 (the demo's base layer and its compounds).
    let bbox = json!([121.535, 31.333, 121.543, 31.340]);
    let cases: Vec<(Value, common::Want)> = vec![
        (
            json!({"bbox": bbox, "m_per_px": 0.8}),
            Reply(|v| {
                assert_eq!(v["detail"], "full");
                let ways = v["features"].as_array().unwrap().iter().filter(|f| f["layer"] == "way").count();
                assert!(ways > 10, "{ways} ways");
                let numbered = v["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["layer"] == "building" && f["number"].is_string())
                    .count();
                assert!(numbered >= 40, "开鲁六村 alone has 40 numbered footprints: {numbered}");
                assert!(v["features"].as_array().unwrap().iter().any(|f| f["layer"] == "door"), "doors at street zoom");
                // Coordinates cut to 1e-6 degrees.
                let p = &v["features"][0]["line"][0][0];
                assert_eq!(p.as_f64().map(|x| (x * 1e6).round() / 1e6), p.as_f64());
            }),
        ),
        (
            json!({"bbox": bbox, "m_per_px": 20.0}),
            Reply(|v| {
                assert_eq!(v["detail"], "low");
                assert!(
                    v["features"].as_array().unwrap().iter().all(|f| f["layer"] != "building" && f["layer"] != "door")
                );
            }),
        ),
        (
            json!({"bbox": bbox, "m_per_px": 100.0}),
            Reply(|v| assert_eq!((&v["detail"], &v["features"]), (&json!("none"), &json!([])))),
        ),
        (json!({"bbox": [121.5, 31.3, 123.0, 31.4], "m_per_px": 1.0}), Error(Invalid, "wider than 1°")),
        (
            json!({"bbox": [121.6, 31.3, 121.5, 31.4], "m_per_px": 1.0}),
            Error(Invalid, "is not min_lon,min_lat,max_lon,max_lat"),
        ),
        (json!({"bbox": bbox, "m_per_px": 0.0}), Error(Invalid, "m_per_px 0 is not a positive number")),
    ];
    for (body, want) in cases {
        check(&d.svc, "map_layer", body, want);
    }
}
