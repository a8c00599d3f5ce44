//! Files on the device: imports (all or nothing, every problem named with file, line / feature /
//! OSM element and field), exports (whole or not at all), the offline base map.

mod common;

use common::{Want::*, array, check, device, empty_device, fixture, ok, snapshot};
use ridermap_service::{Demo, Service, api::ErrorCode::*};
use ridermap_store::Actor;
use serde_json::{Value, json};

fn feature(props: &str, lon: f64, lat: f64) -> String {
    format!(r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{props}}}"#)
}

fn collection(features: &[String]) -> Vec<u8> {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")).into_bytes()
}

#[test]
fn malformed_imports_change_nothing_and_name_the_place() {
    let good = feature(r#"{"kind":"charger","name":"好柜","source":"t:good"}"#, 121.53, 31.33);
    let line = r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":[[121.5,31.3],[121.6,31.3]]},"properties":{"kind":"charger","name":"线"}}"#;
    let polygon = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.5,31.3],[121.6,31.3],[121.6,31.4],[121.5,31.3]]]},"properties":{"kind":"entrance","name":"面"}}"#;
    // (file, content, what the error must say)
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("bad.geojson", b"{\"type\":\"FeatureCollection\",\n\"features\":[".to_vec(), vec!["bad.geojson:2:", "bad JSON"]),
        (
            "range.geojson",
            collection(&[good.clone(), feature(r#"{"kind":"charger","name":"远柜"}"#, 121.5, 95.0)]),
            vec!["range.geojson feature 1: field `lat`: latitude 95 is outside -90..90"],
        ),
        (
            "kind.geojson",
            collection(&[feature(r#"{"kind":"toilet","name":"厕所"}"#, 121.5, 31.3), good.clone()]),
            vec!["kind.geojson feature 0: field `kind`: unknown kind `toilet`"],
        ),
        (
            "hours.geojson",
            collection(&[good.clone(), feature(r#"{"kind":"entrance","name":"坏门","opening_hours":"6am till late"}"#, 121.5, 31.3)]),
            vec!["hours.geojson feature 1: field `opening_hours`: `6am till late` is not valid opening_hours syntax"],
        ),
        (
            "field.geojson",
            collection(&[feature(r#"{"kind":"charger","name":"柜","volts":"48"}"#, 121.5, 31.3)]),
            vec!["field.geojson feature 0: field `volts`: is not a field of a charger"],
        ),
        (
            "line.geojson",
            collection(&[line.to_string()]),
            vec!["line.geojson feature 0: field `line`: only compound paths have a line (LineString geometry); a charger is a Point"],
        ),
        (
            "polygon.geojson",
            collection(&[polygon.to_string()]),
            vec!["polygon.geojson feature 0: field `outline`: only compounds have an outline (Polygon geometry); an entrance is a Point"],
        ),
        (
            "enum.geojson",
            collection(&[feature(r#"{"kind":"entrance","name":"门","ebike":"sometimes"}"#, 121.5, 31.3)]),
            vec!["enum.geojson feature 0: field `ebike`: unknown variant `sometimes`"],
        ),
        (
            "rows.csv",
            "kind,name,lat,lon,slots,compound\ncharger,甲,31.33,121.53,4,\ncharger,乙,31.33,121.53,many,\ncharger,丙,31.33,121.53,2,无此村\n".as_bytes().to_vec(),
            vec!["rows.csv:3: field `slots`", "rows.csv:4: field `compound`: no compound named `无此村`"],
        ),
        ("nokind.csv", b"name,lat,lon\nx,31.3,121.5\n".to_vec(), vec!["nokind.csv:1: no `kind` column"]),
        ("cut.osm.pbf", std::fs::read(fixture("truncated.osm.pbf")).unwrap(), vec!["cut.osm.pbf: truncated or corrupt OSM PBF"]),
        // Cut after its first ways: what was streamed into the base layer goes with the rest.
        ("cut.osm", cut(&std::fs::read(fixture("route-cases.osm")).unwrap(), 0.8), vec!["cut.osm:", "bad OSM XML"]),
        // Cut between two elements: well-formed so far, but not a whole file.
        ("short.osm", cut_after_way(&std::fs::read(fixture("route-cases.osm")).unwrap()), vec!["short.osm:", "cut short"]),
        ("hours.osm", std::fs::read(fixture("bad-hours.osm")).unwrap(), vec!["hours.osm node/40: field `opening_hours`"]),
        ("notes.txt", b"hello".to_vec(), vec!["notes.txt: cannot tell the format from the name"]),
    ];
    let d = device();
    let before = snapshot(&d.svc);
    for (name, content, wants) in cases {
        let path = d.write(name, &content);
        let e = d.svc.dispatch("import", json!({"path": path})).unwrap_err();
        assert!(matches!(e.code, Invalid | Import), "{name}: {e:?}");
        for want in wants {
            assert!(e.message.contains(want), "{name}: wanted `{want}` in:\n{}", e.message);
        }
    }
    check(&d.svc, "import", json!({"path": "/nowhere/x.geojson"}), Error(Invalid, "/nowhere/x.geojson: cannot read"));
    assert_eq!(snapshot(&d.svc), before, "a refused import changed the store");
}

/// The first `share` of `bytes` (a file cut short by a full disk or a broken download).
fn cut(bytes: &[u8], share: f64) -> Vec<u8> {
    bytes[..(bytes.len() as f64 * share) as usize].to_vec()
}

/// An OSM XML file cut right after its tenth `</way>`.
fn cut_after_way(bytes: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).unwrap();
    let end = text.match_indices("</way>").nth(9).map(|(i, m)| i + m.len()).unwrap();
    bytes[..end].to_vec()
}

#[test]
fn skip_invalid_writes_the_good_rows_and_lists_the_bad() {
    let d = device();
    let path = d.write(
        "mixed.geojson",
        &collection(&[
            feature(r#"{"kind":"charger","name":"好柜","source":"t:good","grid":"yinhang-1"}"#, 121.53, 31.33),
            feature(r#"{"kind":"charger","name":"坏柜"}"#, 121.5, 95.0),
        ]),
    );
    check(
        &d.svc,
        "import",
        json!({"path": path, "skip_invalid": true}),
        Reply(|v| {
            assert_eq!((v["inserted"].as_u64(), v["skipped"].as_u64()), (Some(1), Some(1)), "{v}");
            assert!(v["problems"][0].as_str().unwrap().contains("feature 1: field `lat`"), "{v}");
        }),
    );
    let p = ok(&d.svc, "find_place", json!({"key": "t:good"}));
    assert_eq!((p["name"].as_str(), p["grid"].as_str()), (Some("好柜"), Some("yinhang-1")));
}

#[test]
fn osm_imports_map_tags_and_reimports_update() {
    for file in ["yinhang-mini.osm", "yinhang-mini.osm.pbf"] {
        let d = empty_device();
        let path = fixture(file).display().to_string();
        let first = ok(&d.svc, "import", json!({"path": path}));
        assert_eq!(first["inserted"], 8, "{first}");
        assert!(first["base_features"].as_u64().unwrap() >= 3, "the compound, its buildings: {first}");
        check(
            &d.svc,
            "import",
            json!({"path": path}),
            Reply(|v| assert_eq!((v["inserted"].as_u64(), v["unchanged"].as_u64()), (Some(0), Some(8)), "{v}")),
        );
        // Imported again, the file's base layer replaces itself: one source, as many features.
        let sources = ok(&d.svc, "base_layer", json!({}));
        assert_eq!(array(&sources).len(), 1, "{sources}");
        assert_eq!(sources[0]["name"], file);
        assert_eq!(sources[0]["features"], first["base_features"], "{sources}");
        let at = "2026-11-27T04:00:00Z";
        let gate = ok(&d.svc, "gate", json!({"compound": "测试1村", "building": "1号", "at": at}));
        let mut names: Vec<&str> = array(&gate["choices"]).iter().map(|g| g["name"].as_str().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["1号门", "东南门", "北侧门"], "{file}");
        let place = |source: &str| ok(&d.svc, "find_place", json!({"key": source}));
        let main = place("osm:node/10");
        assert_eq!(
            (main["ebike"].as_str(), main["access_method"].as_str(), main["gate_kind"].as_str()),
            (Some("allowed"), Some("guard"), Some("main"))
        );
        let north = place("osm:node/11");
        assert_eq!((&north["ebike"], &north["buildings_served"]), (&json!("push"), &json!(["1", "2"])));
        let cab = place("osm:node/20");
        assert_eq!(
            (&cab["charger_kind"], &cab["battery_standards"], &cab["slots"]),
            (&json!("swap_cabinet"), &json!(["48V", "60V"]), &json!(12))
        );
        assert_eq!(place("osm:node/30")["amenities"], json!(["seating", "toilet"]));
        assert_eq!(place("osm:way/300")["name"], "充电桩B");
        check(&d.svc, "find_place", json!({"key": "osm:node/12"}), Error(NotFound, "no place named"));
    }
}

#[test]
fn export_then_import_is_lossless() {
    for format in ["geojson", "csv"] {
        let a = device();
        let out = a.dir.path().join(format!("all.{format}"));
        check(
            &a.svc,
            "export",
            json!({"format": format, "out": out}),
            Reply(|v| assert_eq!((v["records"].as_u64(), &v["text"]), (Some(162), &Value::Null), "{v}")),
        );
        assert!(!out.with_extension("partial").exists());
        let b = empty_device();
        check(&b.svc, "import", json!({"path": out}), Reply(|v| assert_eq!(v["inserted"], 162, "{v}")));
        let text = |d: &common::Device| {
            ok(&d.svc, "export", json!({"format": "geojson"}))["text"].as_str().unwrap().to_string()
        };
        assert_eq!(text(&a), text(&b), "{format}");
        check(&a.svc, "import", json!({"path": out}), Reply(|v| assert_eq!(v["unchanged"], 162, "{v}")));
    }
    let d = device();
    let chargers = ok(&d.svc, "export", json!({"format": "csv", "kind": "charger"}));
    assert_eq!(chargers["records"], 25);
    let nowhere = d.dir.path().join("no/such/dir/x.csv");
    check(&d.svc, "export", json!({"format": "csv", "out": nowhere}), Error(Io, "cannot write"));
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
    let d = device();
    let s = &d.svc;
    check(s, "basemap", json!({}), Reply(|v| assert_eq!(v, &Value::Null, "none yet")));
    let good = d.dir.path().join("yinhang.mbtiles");
    let meta = [("name", "殷行"), ("format", "png"), ("bounds", "121.52,31.32,121.56,31.35"), ("minzoom", "15")];
    mbtiles(&good, &meta, &[(16, 54897, 26743), (17, 109794, 53486)]);
    let info = ok(s, "import_basemap", json!({"path": good}));
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
    let again = Service::open(&d.path(), Demo::Load, Actor::default()).unwrap();
    assert_eq!(ok(&again, "basemap", json!({}))["name"], "殷行");

    // Bad files are refused with the file and what is wrong; the map held stays as it was.
    type Meta<'a> = &'a [(&'a str, &'a str)];
    type Tiles<'a> = &'a [(u8, u32, u32)];
    let cases: [(&str, Meta, Tiles, &str); 6] = [
        ("vector.mbtiles", &[("format", "pbf")], &[(14, 1, 1)], "vector tiles"),
        ("noformat.mbtiles", &[("name", "x")], &[(14, 1, 1)], "no `format`"),
        ("empty.mbtiles", &[("format", "jpg")], &[], "no tiles"),
        ("zoom.mbtiles", &[("format", "jpg"), ("maxzoom", "high")], &[(14, 1, 1)], "`maxzoom`"),
        ("bounds.mbtiles", &[("format", "jpg"), ("bounds", "1,2,3")], &[(14, 1, 1)], "`bounds`"),
        ("datum.mbtiles", &[("format", "jpg"), ("datum", "bd09")], &[(14, 1, 1)], "`datum`"),
    ];
    for (name, meta, tiles, expect) in cases {
        let file = d.dir.path().join(name);
        mbtiles(&file, meta, tiles);
        let e = s.dispatch("import_basemap", json!({"path": file})).unwrap_err();
        assert_eq!(e.code, Invalid, "{name}: {e:?}");
        assert!(e.message.contains(name) && e.message.contains(expect), "{name}: {}", e.message);
    }
    let text = d.write("notes.mbtiles", b"not a database");
    check(s, "import_basemap", json!({"path": text}), Error(Invalid, "notes.mbtiles"));
    check(s, "import_basemap", json!({"path": d.dir.path().join("missing.mbtiles")}), Error(Invalid, "no such file"));
    check(s, "import_basemap", json!({"path": " "}), Error(Invalid, "path: give the .mbtiles file"));
    assert_eq!(ok(s, "basemap", json!({}))["name"], "殷行", "the held map is untouched");
    assert!(s.tile(17, 109794, 53486).unwrap().is_some());

    // A GCJ-02 map replaces it; its tiles, not the old ones, are served.
    let gcj = d.dir.path().join("gaode.mbtiles");
    mbtiles(&gcj, &[("name", "高德"), ("format", "webp"), ("datum", "GCJ-02")], &[(17, 109795, 53487)]);
    let info = ok(s, "import_basemap", json!({"path": gcj}));
    assert_eq!((&info["datum"], &info["min_zoom"]), (&json!("gcj02"), &json!(17)));
    assert_eq!(s.tile(17, 109794, 53486).unwrap(), None);
    assert_eq!(s.tile(17, 109795, 53487).unwrap().unwrap().1, "image/webp");
}

/// A file sent from a browser or the app's file picker (no path on this device): imported as if
/// it were read from disk, its problems named after the file as sent, nothing left behind.
#[test]
fn an_uploaded_file_is_imported_by_its_name() {
    use base64::Engine;
    let d = device();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let good = collection(&[feature(
        r#"{"kind":"charger","name":"上传柜","source":"t:up","grid":"yinhang-1"}"#,
        121.53,
        31.33,
    )]);
    let r = ok(&d.svc, "import", json!({"path": "", "upload": {"name": "new.geojson", "base64": b64(&good)}}));
    assert_eq!(r["inserted"], 1, "{r}");
    assert_eq!(ok(&d.svc, "find_place", json!({"key": "t:up"}))["name"], "上传柜");
    let before = snapshot(&d.svc);
    let bad = collection(&[feature(r#"{"kind":"charger","name":"远柜"}"#, 121.5, 95.0)]);
    let cases = [
        (json!({"name": "far.geojson", "base64": b64(&bad)}), Import, "\nfar.geojson feature 0: field `lat`"),
        (json!({"name": "../x.geojson", "base64": b64(&good)}), Invalid, "upload: `../x.geojson` is not a file name"),
        (json!({"name": "x.geojson", "base64": "not base64!"}), Invalid, "upload: x.geojson is not base64"),
        (json!({"name": "x.txt", "base64": b64(&good)}), Invalid, "x.txt: cannot tell the format from the name"),
    ];
    for (upload, code, want) in cases {
        check(&d.svc, "import", json!({"path": "", "upload": upload}), Error(code, want));
    }
    assert_eq!(snapshot(&d.svc), before, "a refused upload changes nothing");
    let kept: Vec<_> = std::fs::read_dir(d.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(kept.iter().all(|n| !n.to_string_lossy().contains("uploads")), "no copy left behind: {kept:?}");
}
