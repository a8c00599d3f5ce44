//! Finding things, command by command, through `Service::dispatch` on a real store file with the
//! demo data: one `check(command, body, want)` per case. What the CLI prints with `--json` and
//! what `ridermap web` and the app answer is exactly these replies.

mod common;

use common::{Want::*, array, check, device, gate_of, ok};
use ridermap_service::api::{self, ErrorCode::*};
use serde_json::{Value, json};

/// Shanghai wall time → the instant, as requests carry it.
fn at(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    ridermap_core::hours::local_to_utc(t, ridermap_core::hours::DEFAULT_TZ).unwrap().to_rfc3339()
}

fn names(v: &Value, path: &str) -> Vec<String> {
    array(v).iter().map(|i| i.pointer(path).and_then(Value::as_str).unwrap_or("?").to_string()).collect()
}

#[test]
fn nearby_filters_and_orders() {
    let d = device();
    let here = |extra: Value| {
        let mut body = json!({"lat": 31.3376, "lon": 121.5382, "kind": "charger", "limit": 50});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cases: Vec<(Value, common::Want)> = vec![
        (
            here(json!({})),
            Reply(|v| {
                let d: Vec<f64> = array(v).iter().map(|i| i["distance_m"].as_f64().unwrap()).collect();
                assert!(d.len() > 20 && d.windows(2).all(|w| w[0] <= w[1]), "nearest first: {d:?}");
                assert!(array(v).iter().all(|i| i["place"]["kind"] == "charger"));
            }),
        ),
        (
            // Only 60 V batteries: the 48V-only cabinets drop out.
            here(json!({"volts": 60})),
            Reply(|v| {
                let names = names(v, "/place/name");
                assert!(!names.is_empty() && !names.iter().any(|n| n == "铁塔换电柜·民京路站"), "{names:?}");
                assert!(names.iter().any(|n| n == "铁塔换电柜·市光路站"), "{names:?}");
                for i in array(v) {
                    let volts = i["place"]["battery_standards"].as_array().unwrap();
                    assert!(volts.iter().any(|s| s == "60V"), "{i}");
                }
            }),
        ),
        (
            // 23:30: the sockets (05:30-23:00) are closed; the 24/7 cabinets are not.
            here(json!({"open_at": at("2026-11-27 23:30"), "charger_kind": "socket"})),
            Reply(|v| assert_eq!(array(v).len(), 0, "{v}")),
        ),
        (
            here(json!({"open_at": at("2026-11-27 12:00"), "charger_kind": "socket"})),
            Reply(|v| {
                assert_eq!(names(v, "/place/name").len(), 2, "{v}");
                assert!(array(v).iter().all(|i| i["open"] == true));
            }),
        ),
        (json!({"lat": 95.0, "lon": 121.5}), Error(Invalid, "lat/lon: latitude 95 is outside -90..90")),
        (json!({"lat": 31.3, "lon": 121.5, "amenities": ["sauna"]}), Error(Invalid, "bad request for `nearby`")),
        (
            json!({"lat": 31.3376, "lon": 121.5382, "kind": "rest_stop", "amenities": ["toilet", "first_aid"]}),
            Reply(|v| {
                let names = names(v, "/place/name");
                assert!(names.contains(&"殷行街道户外职工爱心接力站".to_string()), "{names:?}");
                assert!(!names.contains(&"奉献园爱心驿站".to_string()), "{names:?}");
            }),
        ),
    ];
    for (body, want) in cases {
        check(&d.svc, "nearby", body, want);
    }
}

#[test]
fn places_are_found_by_what_people_type() {
    let d = device();
    let gate = gate_of(&d.svc, "开鲁六村", "2号门（侧门）");
    let cases: Vec<(&str, Value, common::Want)> = vec![
        ("search", json!({"text": "开鲁"}), Reply(|v| assert!(names(v, "/name").contains(&"开鲁六村".into()), "{v}"))),
        ("search", json!({"text": "  "}), Reply(|v| assert_eq!(v, &json!([])))),
        // Search results as the nearby list shows them: distance from the point, open, condition.
        (
            "nearby",
            json!({"lat": 31.3376, "lon": 121.5382, "text": "开鲁", "kind": "compound"}),
            Reply(|v| {
                let six = array(v).iter().find(|i| i["place"]["name"] == "开鲁六村").expect("开鲁六村 found");
                // 开鲁六村's point is about 160 m from here.
                assert!((100.0..250.0).contains(&six["distance_m"].as_f64().unwrap()), "{six}");
                assert!(array(v).iter().all(|i| i["condition"].is_string() && i["place"]["kind"] == "compound"));
            }),
        ),
        (
            "check_hours",
            json!({"text": "Mo-Fr 06:00-22:00; Sa,Su 08:00-20:00"}),
            Reply(|v| assert_eq!(v, &json!(null))),
        ),
        ("check_hours", json!({"text": " "}), Reply(|v| assert_eq!(v, &json!(null)))),
        ("check_hours", json!({"text": "Mo-Fr 06:00-"}), Reply(|v| assert!(v.is_string(), "{v}"))),
        ("check_hours", json!({"text": "whenever"}), Reply(|v| assert!(v.is_string(), "{v}"))),
        (
            "search",
            json!({"text": "开鲁", "kind": "charger"}),
            Reply(|v| assert!(!array(v).is_empty() && array(v).iter().all(|p| p["kind"] == "charger"), "{v}")),
        ),
        ("find_place", json!({"key": "开鲁六村"}), Reply(|v| assert_eq!(v["kind"], "compound"))),
        (
            "find_place",
            json!({"key": "开鲁6村"}),
            Reply(|v| assert_eq!(v["name"], "开鲁六村", "an alias, the only match")),
        ),
        ("find_place", json!({"key": "开鲁"}), Error(Ambiguous, "`开鲁` matches several places")),
        ("find_place", json!({"key": "没有这个村"}), Error(NotFound, "no place named `没有这个村`")),
        (
            "compounds",
            json!({"text": "开鲁6村"}),
            Reply(|v| {
                assert_eq!(v[0]["name"], "开鲁六村", "aliases count: {v}");
                assert!(array(&v[0]["buildings"]).iter().any(|b| b == "12"));
                // Each building's mapped unit doors, in the same order.
                let (buildings, doors) = (array(&v[0]["buildings"]), array(&v[0]["doors"]));
                assert_eq!(buildings.len(), doors.len(), "{v}");
                let twelve = buildings.iter().position(|b| b == "12").unwrap();
                assert!(doors[twelve].as_u64().unwrap() > 0, "building 12's doors are mapped: {v}");
            }),
        ),
        (
            "building",
            json!({"compound": "开鲁六村", "number": "12"}),
            Reply(|v| {
                assert_eq!(
                    (v["compound_name"].as_str(), v["building"]["number"].as_str()),
                    (Some("开鲁六村"), Some("12"))
                );
                assert!(v["building"]["lat"].as_f64().unwrap() > 31.0);
            }),
        ),
        (
            "building",
            json!({"compound": "开鲁6村", "number": "12号"}),
            Reply(|v| assert_eq!(v["building"]["number"], "12")),
        ),
        (
            "building",
            json!({"compound": "开鲁六村", "number": "12号楼"}),
            Reply(|v| assert_eq!(v["building"]["number"], "12")),
        ),
        (
            "building",
            json!({"compound": "开鲁六村", "number": "99"}),
            Error(NotFound, "has no building `99` (known: 1, 2,"),
        ),
        (
            "map",
            json!({"bbox": [121.52, 31.32, 121.56, 31.36]}),
            Reply(|v| {
                assert!(array(v).len() > 50, "{}", array(v).len());
                assert!(array(v).iter().any(|p| p["kind"] == "compound" && p["outline"].is_array()));
            }),
        ),
        (
            "map",
            json!({"bbox": [121.56, 31.32, 121.52, 31.36]}),
            Error(Invalid, "is not min_lon,min_lat,max_lon,max_lat"),
        ),
        ("place", json!({"id": "0190f0f0-0000-7000-8000-000000000000"}), Error(NotFound, "no place with id")),
    ];
    for (name, body, want) in cases {
        check(&d.svc, name, body, want);
    }
    check(&d.svc, "find_place", json!({"key": gate}), Reply(|v| assert_eq!(v["name"], "2号门（侧门）")));
    check(
        &d.svc,
        "place",
        json!({"id": gate}),
        Reply(|v| {
            assert_eq!(v["place"]["kind"], "entrance");
            assert_eq!(v["related"][0]["name"], "开鲁六村", "a gate shows its compound: {v}");
            assert_eq!(v["open"], true, "24/7");
        }),
    );
}

#[test]
fn the_best_gate_follows_the_hour_and_the_reports() {
    let d = device();
    let gate = |local: &str| json!({"compound": "开鲁六村", "building": "12", "at": at(local)});
    // 21:45: the main gate is open, closing soon.
    check(
        &d.svc,
        "gate",
        gate("2026-11-27 21:45"),
        Reply(|v| {
            let first = &v["choices"][0];
            assert_eq!((first["name"].as_str(), first["open"].as_bool()), (Some("1号门（正门）"), Some(true)), "{v}");
            assert_eq!(first["warnings"][0], json!({"code": "closes_soon", "at": "22:00", "minutes": 15}));
            assert_eq!((v["compound"]["name"].as_str(), v["building"].as_str()), (Some("开鲁六村"), Some("12")));
        }),
    );
    // 22:30: it is closed; the side gate is the answer.
    let main = gate_of(&d.svc, "开鲁六村", "1号门（正门）");
    check(
        &d.svc,
        "gate",
        gate("2026-11-27 22:30"),
        Reply(|v| {
            assert_eq!(v["choices"][0]["name"], "2号门（侧门）", "{v}");
            let main = array(&v["choices"]).iter().find(|g| g["name"] == "1号门（正门）").unwrap();
            assert_eq!(main["open"], false);
            assert_eq!(main["reasons"][0], json!({"code": "closed_now", "opens": "11-28 06:00"}));
        }),
    );
    let errors = [
        (json!({"compound": "开鲁六村", "building": "999"}), NotFound, "has no building `999`"),
        (json!({"compound": "没有这个村"}), NotFound, "no compound named `没有这个村`"),
        (json!({"compound": "开鲁", "building": "1"}), Ambiguous, "`开鲁` matches"),
        (json!({"compound": "开鲁六村", "vehicle": "car"}), Invalid, "bad request for `gate`"),
    ];
    for (body, code, text) in errors {
        check(&d.svc, "gate", body, Error(code, text));
    }
    // A fresh "closed" report on the main gate closes it, in the gate answer and on its page alike:
    // seen at 11:30 of the last noon that has passed, asked about at that noon.
    let tz = ridermap_core::hours::DEFAULT_TZ;
    let now = chrono::Utc::now().with_timezone(&tz);
    let mut noon = now.date_naive().and_hms_opt(12, 0, 0).unwrap();
    if noon > now.naive_local() {
        noon -= chrono::Duration::days(1);
    }
    let noon = ridermap_core::hours::local_to_utc(noon, tz).unwrap();
    let at_noon = json!({"compound": "开鲁六村", "building": "12", "at": noon});
    check(&d.svc, "gate", at_noon.clone(), Reply(|v| assert_eq!(v["choices"][0]["name"], "1号门（正门）", "{v}")));
    let seen = noon - chrono::Duration::minutes(30);
    ok(&d.svc, "add_report", json!({"target": main, "outcome": "closed", "observed_at": seen}));
    check(
        &d.svc,
        "gate",
        at_noon,
        Reply(|v| {
            let main = array(&v["choices"]).iter().find(|g| g["name"] == "1号门（正门）").unwrap();
            let codes: Vec<&str> = array(&main["reasons"]).iter().map(|r| r["code"].as_str().unwrap()).collect();
            assert_eq!(main["open"], false, "{v}");
            assert!(codes.contains(&"reported_closed"), "{codes:?}");
            assert_eq!(v["choices"][0]["name"], "2号门（侧门）", "{v}");
        }),
    );
    // The side gate is open all day; a "closed" report just now shuts it on its page.
    let side = gate_of(&d.svc, "开鲁六村", "2号门（侧门）");
    ok(&d.svc, "add_report", json!({"target": side, "outcome": "closed"}));
    check(
        &d.svc,
        "place",
        json!({"id": side}),
        Reply(|v| {
            assert_eq!((v["open"].as_bool(), v["condition"].as_str()), (Some(false), Some("likely_closed")), "{v}")
        }),
    );
}

#[test]
fn every_command_is_dispatched_and_bad_bodies_are_named() {
    let d = device();
    assert!(api::COMMANDS.len() > 30);
    for name in api::COMMANDS {
        let e = d.svc.dispatch(name, json!("not an object")).unwrap_err();
        assert_eq!(e.code, Invalid, "{name}: {e:?}");
        assert!(e.message.contains(&format!("bad request for `{name}`")), "{name}: {}", e.message);
    }
    let e = d.svc.dispatch("launch_rockets", json!({})).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (UnknownCommand, "no command `launch_rockets`"));
}
