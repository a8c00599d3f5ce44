//! Every command through `Service::dispatch`, the entry point `ridermap web` uses (the Tauri
//! commands call the same handlers typed), on a real store file with the demo data.

use base64::Engine;
use ridermap_service::{Service, api};
use ridermap_store::Actor;
use serde_json::{Value, json};

fn service() -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = Service::open(
        &dir.path().join("app.sqlite"),
        ridermap_service::Demo::Load,
        Actor { name: Some("测试".into()) },
    )
    .unwrap();
    (s, dir)
}

/// Run `name` with `body`; hand the reply (or the error as `{code, message}`) to `expect`.
fn check(s: &Service, name: &str, body: Value, expect: impl FnOnce(&Value)) -> Value {
    let out = match s.dispatch(name, body.clone()) {
        Ok(v) => v,
        Err(e) => json!({"error": e}),
    };
    expect(&out);
    out
}

fn ok(s: &Service, name: &str, body: Value) -> Value {
    check(s, name, body.clone(), |v| assert!(v.get("error").is_none(), "{name} {body}: {v}"))
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn id_of(s: &Service, name: &str) -> String {
    let found = ok(s, "search", json!({"text": name}));
    found.as_array().unwrap().iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name}: {found}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn finding_places_and_gates() {
    let (s, _d) = service();
    check(&s, "nearby", json!({"lat": 31.3376, "lon": 121.5382, "kind": "charger", "limit": 5}), |v| {
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 5, "{v}");
        assert!(items.iter().all(|i| i["place"]["kind"] == "charger"));
        let d: Vec<f64> = items.iter().map(|i| i["distance_m"].as_f64().unwrap()).collect();
        assert!(d.windows(2).all(|w| w[0] <= w[1]), "nearest first: {d:?}");
    });
    check(&s, "nearby", json!({"lat": 95.0, "lon": 121.5}), |v| assert_eq!(error_code(v), "invalid"));
    check(&s, "search", json!({"text": "开鲁"}), |v| {
        assert!(v.as_array().unwrap().iter().any(|p| p["name"] == "开鲁六村"), "{v}")
    });
    check(&s, "search", json!({"text": "  "}), |v| assert_eq!(v, &json!([])));
    check(&s, "compounds", json!({"text": "开鲁6村"}), |v| {
        let hit = &v[0];
        assert_eq!(hit["name"], "开鲁六村", "aliases count: {v}");
        assert!(hit["buildings"].as_array().unwrap().iter().any(|b| b == "12"));
    });
    // 22:30 in Shanghai: the main gate is closed, the side gate is the answer.
    check(&s, "gate", json!({"compound": "开鲁六村", "building": "12", "at": "2026-11-27T14:30:00Z"}), |v| {
        assert_eq!(v["choices"][0]["name"], "2号门（侧门）", "{v}");
        assert_eq!(v["compound"]["name"], "开鲁六村");
    });
    check(&s, "gate", json!({"compound": "开鲁六村", "building": "999"}), |v| {
        assert_eq!(error_code(v), "gate");
        assert!(v["error"]["message"].as_str().unwrap().contains("999"), "{v}");
    });
    let gate = id_of(&s, "2号门（侧门）");
    check(&s, "place", json!({"id": gate}), |v| {
        assert_eq!(v["place"]["kind"], "entrance");
        assert_eq!(v["related"][0]["name"], "开鲁六村", "a gate shows its compound: {v}");
        assert_eq!(v["open"], true, "24/7");
    });
    check(&s, "place", json!({"id": "0190f0f0-0000-7000-8000-000000000000"}), |v| {
        assert_eq!(error_code(v), "not_found")
    });
    check(&s, "map", json!({"bbox": [121.52, 31.32, 121.56, 31.36]}), |v| {
        let points = v.as_array().unwrap();
        assert!(points.len() > 50, "{}", points.len());
        assert!(points.iter().any(|p| p["kind"] == "compound" && p["outline"].is_array()));
    });
    check(&s, "map", json!({"bbox": [121.56, 31.32, 121.52, 31.36]}), |v| assert_eq!(error_code(v), "invalid"));
}

#[test]
fn reports_confirmations_and_review() {
    let (s, _d) = service();
    let charger = ok(&s, "nearby", json!({"lat": 31.3376, "lon": 121.5382, "kind": "charger", "limit": 1}))[0]["place"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = ok(&s, "sync_status", json!({}))["pending"].as_i64().unwrap();
    let png = {
        let img = image_png(1600, 1200);
        base64::engine::general_purpose::STANDARD.encode(img)
    };
    let r =
        ok(&s, "add_report", json!({"target": charger, "outcome": "broken", "note": "屏幕黑了", "photo_base64": png}));
    assert_eq!(r["outcome"], "broken");
    assert_eq!(r["photo"].as_str().unwrap().len(), 64);
    assert_eq!(r["reporter"], "测试");
    check(&s, "place", json!({"id": charger}), |v| {
        assert_eq!(v["condition"], "likely_broken", "{v}");
        assert_eq!(v["reports"][0]["note"], "屏幕黑了");
    });
    check(&s, "add_report", json!({"target": charger, "outcome": "broken", "photo_base64": "!!"}), |v| {
        assert!(v["error"]["message"].as_str().unwrap().contains("base64"), "{v}")
    });
    check(&s, "add_report", json!({"outcome": "hazard"}), |v| assert_eq!(error_code(v), "invalid"));
    let hazard =
        ok(&s, "add_report", json!({"outcome": "hazard", "lat": 31.3371, "lon": 121.5361, "note": "井盖缺失"}));
    let c = ok(&s, "confirm", json!({"id": charger}));
    assert_eq!(c["outcome"], "confirmed");
    assert_eq!(ok(&s, "sync_status", json!({}))["pending"].as_i64().unwrap(), before + 3, "pending until synced");

    let queue = ok(&s, "review_queue", json!({}));
    assert!(queue.as_array().unwrap().iter().any(|r| r["id"] == hazard["id"]), "{queue}");
    check(&s, "review", json!({"id": hazard["id"], "accept": false}), |v| {
        assert_eq!(error_code(v), "invalid", "a rejection needs a reason: {v}")
    });
    let done = ok(&s, "review", json!({"id": hazard["id"], "accept": false, "reason": "已修复"}));
    assert_eq!((done["review"].as_str(), done["resolution"].as_str()), (Some("rejected"), Some("已修复")));
    let queue = ok(&s, "review_queue", json!({}));
    assert!(!queue.as_array().unwrap().iter().any(|r| r["id"] == hazard["id"]));
}

fn image_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn volunteers_log_visits_and_see_the_day() {
    let (s, _d) = service();
    let station = id_of(&s, "奉献园爱心驿站");
    ok(
        &s,
        "add_visit",
        json!({"station": station, "headcount": 3, "services": ["hot_water", "rest"], "station_open": true, "supplies": ["矿泉水 "]}),
    );
    ok(
        &s,
        "add_visit",
        json!({"station": station, "headcount": 2, "services": ["hot_water"], "supplies": ["矿泉水", "口罩"]}),
    );
    check(&s, "station_day", json!({"station": station}), |v| {
        assert_eq!(v["headcount"], 5, "{v}");
        assert_eq!(v["services"], json!([["hot_water", 5], ["rest", 3]]));
        assert_eq!(v["open"], true);
        assert_eq!(v["supplies"], json!(["矿泉水", "口罩"]));
        assert_eq!(v["visits"].as_array().unwrap().len(), 2);
    });
    let gate = id_of(&s, "2号门（侧门）");
    check(&s, "add_visit", json!({"station": gate, "headcount": 1}), |v| {
        assert!(v["error"]["message"].as_str().unwrap().contains("not a rest stop"), "{v}")
    });
}

#[test]
fn grid_work_edits_lists_and_exports() {
    let (s, _d) = service();
    let gate = id_of(&s, "2号门（侧门）");
    check(&s, "edit_place", json!({"id": gate, "sets": [["opening_hours", "Mo-Fr 25:00-26:00"]]}), |v| {
        assert_eq!(error_code(v), "invalid");
        assert!(v["error"]["message"].as_str().unwrap().contains("opening_hours"), "{v}");
    });
    let edited = ok(&s, "edit_place", json!({"id": gate, "sets": [["opening_hours", "06:00-23:00"]]}));
    assert_eq!(edited["opening_hours"], "06:00-23:00");
    let verified = ok(&s, "verify_place", json!({"id": gate}));
    assert!(verified["verified_at"].is_string());
    let stale = ok(&s, "stale", json!({"grid": "yinhang-1"}));
    assert!(stale.as_array().unwrap().iter().all(|p| p["id"] != gate.as_str() && p["grid"] == "yinhang-1"));
    let mut new_place =
        serde_json::to_value(ridermap_core::Place::new(ridermap_core::PlaceKind::Charger, "新换电柜", 31.336, 121.537))
            .unwrap();
    new_place["grid"] = json!("yinhang-1");
    let saved = ok(&s, "save_place", json!({"place": new_place}));
    assert_eq!(saved["name"], "新换电柜");
    ok(&s, "delete_place", json!({"id": saved["id"]}));
    check(&s, "place", json!({"id": saved["id"]}), |v| assert_eq!(error_code(v), "not_found"));
    check(&s, "dashboard", json!({"grid": "yinhang-1"}), |v| {
        assert_eq!(v["visits_per_day"].as_array().unwrap().len(), 14, "{v}");
        assert!(v["places"].as_array().unwrap().iter().any(|k| k[1].as_i64().unwrap() > 0));
    });
    check(&s, "grids", json!({}), |v| assert_eq!(v.as_array().unwrap().len(), 5, "{v}"));
    check(&s, "export", json!({"format": "geojson"}), |v| {
        let fc: Value = serde_json::from_str(v.as_str().unwrap()).unwrap();
        assert!(fc["features"].as_array().unwrap().len() > 100);
    });
    check(&s, "export", json!({"format": "pdf"}), |v| assert_eq!(error_code(v), "invalid"));
}

#[test]
fn sync_commands_without_a_server_explain_themselves() {
    let (s, _d) = service();
    check(&s, "sync_status", json!({}), |v| {
        assert_eq!((v["enrolled"].as_bool(), v["pending"].as_i64()), (Some(false), Some(0)))
    });
    check(&s, "sync_now", json!({}), |v| assert_eq!(error_code(v), "not_enrolled", "{v}"));
    check(&s, "enrol", json!({"server": "ftp://x", "invite": "abc"}), |v| assert_eq!(error_code(v), "invalid"));
    check(&s, "enrol", json!({"server": "http://127.0.0.1:9", "invite": "abc"}), |v| {
        assert_eq!(error_code(v), "offline", "{v}")
    });
    check(&s, "outbox", json!({}), |v| assert_eq!(v["items"], json!([])));
}

#[test]
fn every_command_is_dispatched_and_bad_bodies_are_named() {
    let (s, _d) = service();
    for name in api::COMMANDS {
        let e = s.dispatch(name, json!("not an object")).unwrap_err();
        assert_eq!(e.code, api::ErrorCode::Invalid, "{name}: {e:?}");
        assert!(e.message.contains(name), "{name}: {}", e.message);
    }
    assert_eq!(s.dispatch("launch_rockets", json!({})).unwrap_err().code, api::ErrorCode::UnknownCommand);
}

/// An MBTiles file with one tile per (z, x, y) given (XYZ), each tile's bytes naming it.
fn mbtiles(path: &std::path::Path, meta: &[(&str, &str)], tiles: &[(u8, u32, u32)]) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE metadata (name TEXT, value TEXT);
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )
    .unwrap();
    for (k, v) in meta {
        db.execute("INSERT INTO metadata VALUES (?1, ?2)", [k, v]).unwrap();
    }
    for &(z, x, y) in tiles {
        let row = (1u32 << z) - 1 - y; // MBTiles rows count from the south
        db.execute(
            "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![z, x, row, format!("{z}/{x}/{y}").into_bytes()],
        )
        .unwrap();
    }
}

#[test]
fn an_offline_base_map_is_imported_checked_and_served() {
    let (s, dir) = service();
    check(&s, "basemap", json!({}), |v| assert_eq!(v, &Value::Null, "none yet"));
    let good = dir.path().join("yinhang.mbtiles");
    let meta = [("name", "殷行"), ("format", "png"), ("bounds", "121.52,31.32,121.56,31.35"), ("minzoom", "15")];
    mbtiles(&good, &meta, &[(16, 54897, 26743), (17, 109794, 53486)]);
    let info = ok(&s, "import_basemap", json!({"path": good.to_str().unwrap()}));
    assert_eq!(
        (&info["name"], &info["format"], &info["min_zoom"], &info["max_zoom"], &info["datum"]),
        (&json!("殷行"), &json!("png"), &json!(15), &json!(17), &json!("wgs84")),
        "{info}"
    );
    assert_eq!(info["bounds"], json!([121.52, 31.32, 121.56, 31.35]));
    // XYZ in, TMS rows in the file: the flip is the service's.
    let (bytes, kind) = s.tile(16, 54897, 26743).unwrap().unwrap();
    assert_eq!((String::from_utf8(bytes).unwrap().as_str(), kind), ("16/54897/26743", "image/png"));
    assert_eq!(s.tile(16, 54897, 26744).unwrap(), None);
    assert_eq!(s.tile(16, 1 << 16, 0).unwrap(), None, "outside the world");
    // It lives beside the store: a service opened later on the same store has it.
    drop(s);
    let s = Service::open(&dir.path().join("app.sqlite"), ridermap_service::Demo::Load, Actor::default()).unwrap();
    assert_eq!(ok(&s, "basemap", json!({}))["name"], "殷行");

    // Bad files are refused with the file and what is wrong; the map held stays as it was.
    let case = |name: &str, meta: &[(&str, &str)], tiles: &[(u8, u32, u32)], expect: &str| {
        let file = dir.path().join(name);
        mbtiles(&file, meta, tiles);
        check(&s, "import_basemap", json!({"path": file.to_str().unwrap()}), |v| {
            assert_eq!(error_code(v), "invalid_basemap", "{name}: {v}");
            let message = v["error"]["message"].as_str().unwrap();
            assert!(message.contains(name) && message.contains(expect), "{name}: {message}");
        });
    };
    case("vector.mbtiles", &[("format", "pbf")], &[(14, 1, 1)], "vector tiles");
    case("noformat.mbtiles", &[("name", "x")], &[(14, 1, 1)], "no `format`");
    case("empty.mbtiles", &[("format", "jpg")], &[], "no tiles");
    case("zoom.mbtiles", &[("format", "jpg"), ("maxzoom", "high")], &[(14, 1, 1)], "`maxzoom`");
    case("bounds.mbtiles", &[("format", "jpg"), ("bounds", "1,2,3")], &[(14, 1, 1)], "`bounds`");
    case("datum.mbtiles", &[("format", "jpg"), ("datum", "bd09")], &[(14, 1, 1)], "`datum`");
    let text = dir.path().join("notes.mbtiles");
    std::fs::write(&text, "not a database").unwrap();
    check(&s, "import_basemap", json!({"path": text.to_str().unwrap()}), |v| {
        assert_eq!(error_code(v), "invalid_basemap", "{v}")
    });
    check(&s, "import_basemap", json!({"path": dir.path().join("missing.mbtiles").to_str().unwrap()}), |v| {
        assert!(v["error"]["message"].as_str().unwrap().contains("no such file"), "{v}")
    });
    check(&s, "import_basemap", json!({"path": " "}), |v| assert_eq!(error_code(v), "invalid"));
    assert_eq!(ok(&s, "basemap", json!({}))["name"], "殷行", "the held map is untouched");
    assert!(s.tile(17, 109794, 53486).unwrap().is_some());

    // A GCJ-02 map replaces it; its tiles, not the old ones, are served.
    let gcj = dir.path().join("gaode.mbtiles");
    mbtiles(&gcj, &[("name", "高德"), ("format", "webp"), ("datum", "GCJ-02")], &[(17, 109795, 53487)]);
    let info = ok(&s, "import_basemap", json!({"path": gcj.to_str().unwrap()}));
    assert_eq!((&info["datum"], &info["min_zoom"]), (&json!("gcj02"), &json!(17)));
    assert_eq!(s.tile(17, 109794, 53486).unwrap(), None);
    assert_eq!(s.tile(17, 109795, 53487).unwrap().unwrap().1, "image/webp");
}
