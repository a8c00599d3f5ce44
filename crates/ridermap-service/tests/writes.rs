//! Writes, command by command: what they change, what they refuse (naming the field) and that a
//! refused write changes nothing — on a real store file with the demo data.

mod common;

use base64::Engine;
use common::{Want::*, array, check, device, gate_of, id_of, image_png, ok, snapshot};
use ridermap_service::api::ErrorCode::*;
use serde_json::json;

#[test]
fn refused_writes_name_the_field_and_change_nothing() {
    let d = device();
    let compound = id_of(&d.svc, "开鲁六村");
    let charger =
        |sets: serde_json::Value| json!({"kind": "charger", "name": "x", "lat": 31.3, "lon": 121.5, "sets": sets});
    let cases = [
        ("add_report", json!({"outcome": "broken"}), Invalid, "lat/lon: a report without a place needs a location"),
        ("add_report", json!({"outcome": "broken", "lat": 31.3}), Invalid, "lat and lon go together"),
        (
            "add_report",
            json!({"outcome": "exploded", "lat": 31.3, "lon": 121.5}),
            Invalid,
            "bad request for `add_report`",
        ),
        (
            "add_report",
            json!({"outcome": "broken", "lat": 31.3, "lon": 121.5}),
            Invalid,
            "field `target`: a `broken` report needs a target place",
        ),
        (
            "add_report",
            json!({"outcome": "hazard", "lat": 31.3, "lon": 121.5, "observed_at": "2099-01-01T00:00:00Z"}),
            Invalid,
            "observed_at: 2099-01-01 00:00:00 UTC is in the future",
        ),
        ("add_report", json!({"outcome": "hazard", "lat": 31.3, "lon": 121.5, "photo": "ab"}), Invalid, "no photo ab"),
        ("add_place", charger(json!([["slots", "many"]])), Invalid, "field `slots`: `many` does not fit"),
        ("add_place", charger(json!([["grid", "nowhere"]])), Invalid, "field `grid`: no grid with code `nowhere`"),
        ("add_place", charger(json!([["compound", "没有这个村"]])), NotFound, "no compound named `没有这个村`"),
        (
            "edit_place",
            json!({"id": compound, "sets": [["opening_hours", "6am till late"]]}),
            Invalid,
            "field `opening_hours`: `6am till late` is not valid opening_hours syntax",
        ),
        ("delete_place", json!({"id": compound}), Invalid, "places (gates, chargers, rest stops) belong to it"),
        ("add_visit", json!({"station": compound, "headcount": 1}), Invalid, "is not a rest stop"),
        ("add_note", json!({"target": compound, "text": " "}), Invalid, "field `text`: is empty"),
        ("review", json!({"id": compound, "accept": false}), NotFound, ""),
        ("export", json!({"format": "xlsx"}), Invalid, "format: `xlsx` is not geojson or csv"),
        ("add_grid", json!({"code": "有 空格", "name": "x"}), Invalid, "field `code`"),
    ];
    let before = snapshot(&d.svc);
    for (name, body, code, text) in cases {
        check(&d.svc, name, body, Error(code, text));
    }
    assert_eq!(snapshot(&d.svc), before, "a refused write changed the store");
}

#[test]
fn places_are_added_edited_verified_and_deleted_with_every_change_logged() {
    let d = device();
    let logged = ok(&d.svc, "changes", json!({"limit": 1_000_000}));
    let since = array(&logged).last().unwrap()["seq"].as_i64().unwrap();
    let p = ok(
        &d.svc,
        "add_place",
        json!({"kind": "charger", "name": "新换电柜", "lat": 31.332, "lon": 121.532, "sets": [
            ["battery_standards", "48V,60V"], ["grid", "yinhang-2"], ["opening_hours", "24/7"], ["compound", "开鲁六村"]
        ]}),
    );
    let id = p["id"].as_str().unwrap().to_string();
    assert_eq!(
        (p["updated_by"].as_str(), p["compound"].as_str()),
        (Some("测试"), Some(id_of(&d.svc, "开鲁六村").as_str()))
    );
    let p = ok(&d.svc, "edit_place", json!({"id": id, "sets": [["slots", "8"]]}));
    assert_eq!(p["slots"], 8);
    let p = ok(&d.svc, "verify_place", json!({"id": id}));
    assert!(p["verified_at"].is_string());
    let changes = ok(&d.svc, "changes", json!({"since": since}));
    let fields: Vec<Vec<String>> =
        array(&changes).iter().map(|c| c["fields"].as_object().unwrap().keys().cloned().collect()).collect();
    assert_eq!(fields.len(), 3, "{changes}");
    assert!(fields[1].contains(&"slots".to_string()) && !fields[1].contains(&"name".to_string()), "{fields:?}");
    let hlcs: Vec<&str> = array(&changes).iter().map(|c| c["hlc"].as_str().unwrap()).collect();
    assert!(hlcs.windows(2).all(|w| w[0] < w[1]), "clocks only go up: {hlcs:?}");
    ok(&d.svc, "delete_place", json!({"id": id}));
    check(&d.svc, "place", json!({"id": id}), Error(NotFound, "no place with id"));
    let last = ok(&d.svc, "changes", json!({"since": since + 3}));
    assert_eq!((last[0]["op"].as_str(), last[0]["entity"].as_str()), (Some("delete"), Some("place")));

    let g = ok(&d.svc, "add_grid", json!({"code": "yinhang-6", "name": "第六网格"}));
    assert_eq!(g["code"], "yinhang-6");
    assert!(array(&ok(&d.svc, "grids", json!({}))).iter().any(|x| x["code"] == "yinhang-6"));
}

#[test]
fn reports_change_what_nearby_shows_and_wait_for_review() {
    let d = device();
    let cab = ok(&d.svc, "find_place", json!({"key": "铁塔换电柜·民京路站"}));
    let (id, grid) = (cab["id"].as_str().unwrap().to_string(), cab["grid"].as_str().unwrap().to_string());
    let near = |working: bool| {
        let body = json!({"lat": cab["lat"], "lon": cab["lon"], "kind": "charger", "limit": 3, "working": working});
        ok(&d.svc, "nearby", body)
    };
    assert_eq!(
        (near(false)[0]["place"]["id"].as_str(), near(false)[0]["condition"].as_str()),
        (Some(id.as_str()), Some("ok"))
    );
    let png = base64::engine::general_purpose::STANDARD.encode(image_png(1600, 1200));
    let r =
        ok(&d.svc, "add_report", json!({"target": id, "outcome": "broken", "note": "屏幕黑了", "photo_base64": png}));
    assert_eq!(
        (r["reporter"].as_str(), r["reporter_role"].as_str(), r["review"].as_str()),
        (Some("测试"), Some("rider"), Some("pending"))
    );
    assert_eq!(r["photo"].as_str().unwrap().len(), 64);
    assert_eq!(near(false)[0]["condition"], "likely_broken");
    let working = near(true);
    assert!(
        !array(&working).is_empty() && array(&working).iter().all(|i| i["place"]["id"] != id.as_str()),
        "working ones only: {working}"
    );
    check(&d.svc, "place", json!({"id": id}), Reply(|v| assert_eq!(v["reports"][0]["note"], "屏幕黑了")));
    // A later "works" clears it.
    ok(&d.svc, "add_report", json!({"target": id, "outcome": "works"}));
    assert_eq!(near(false)[0]["condition"], "ok");
    let hazard =
        ok(&d.svc, "add_report", json!({"outcome": "hazard", "lat": 31.331, "lon": 121.531, "note": "路灯坏了"}));
    assert!(hazard["target"].is_null());
    let reports = ok(&d.svc, "reports", json!({"target": id}));
    assert_eq!(names(&reports), ["works", "broken"], "newest first");

    let queue = ok(&d.svc, "review_queue", json!({"grid": grid}));
    assert_eq!(array(&queue).len(), 2, "{queue}");
    assert_eq!(queue[0]["target_name"], "铁塔换电柜·民京路站");
    // With what judging it needs: where the place is, and its other recent reports (newest first).
    assert_eq!((&queue[0]["lat"], &queue[0]["lon"]), (&cab["lat"], &cab["lon"]));
    let others: Vec<&str> = array(&queue[0]["others"]).iter().map(|o| o["outcome"].as_str().unwrap()).collect();
    assert_eq!(others, ["works"], "{}", queue[0]);
    let all = ok(&d.svc, "review_queue", json!({}));
    let bare = array(&all).iter().find(|i| i["report"]["id"] == hazard["id"]).unwrap();
    assert_eq!((bare["target_name"].as_str(), bare["report"]["note"].as_str()), (None, Some("路灯坏了")));
    // A hazard at a bare location is shown where it was reported.
    assert_eq!((bare["lat"].as_f64(), bare["lon"].as_f64()), (Some(31.331), Some(121.531)));
    assert!(bare["others"].is_null() && bare["compound"].is_null(), "{bare}");
    let rid = queue[0]["report"]["id"].clone();
    check(
        &d.svc,
        "review",
        json!({"id": rid, "accept": false, "reason": " "}),
        Error(Invalid, "field `reason`: a rejection needs a reason"),
    );
    let done = ok(&d.svc, "review", json!({"id": rid, "accept": false, "reason": "现场核实正常"}));
    assert_eq!((done["review"].as_str(), done["resolution"].as_str()), (Some("rejected"), Some("现场核实正常")));
    assert_eq!(array(&ok(&d.svc, "review_queue", json!({"grid": grid}))).len(), 1);
    let c = ok(&d.svc, "confirm", json!({"id": id}));
    assert_eq!(c["outcome"], "confirmed");
    assert_eq!(ok(&d.svc, "sync_status", json!({}))["pending"], 5, "every write waits to be synced");
}

fn names(reports: &serde_json::Value) -> Vec<&str> {
    array(reports).iter().map(|r| r["outcome"].as_str().unwrap()).collect()
}

#[test]
fn volunteers_log_visits_and_see_the_day() {
    let d = device();
    let station = id_of(&d.svc, "奉献园爱心驿站");
    // Yesterday's noon in the city, so both visits fall on one local day whatever the clock says.
    let tz = ridermap_core::hours::DEFAULT_TZ;
    let yesterday = (chrono::Utc::now().with_timezone(&tz) - chrono::Duration::days(1)).date_naive();
    let noon = yesterday.and_hms_opt(12, 0, 0).unwrap().and_local_timezone(tz).unwrap().to_utc();
    ok(
        &d.svc,
        "add_visit",
        json!({"station": station, "headcount": 3, "services": ["hot_water", "rest"], "station_open": true, "supplies": ["矿泉水 "], "at": noon}),
    );
    ok(
        &d.svc,
        "add_visit",
        json!({"station": station, "headcount": 2, "services": ["hot_water"], "supplies": ["矿泉水", "口罩"], "at": noon + chrono::Duration::minutes(30)}),
    );
    let day = yesterday;
    check(
        &d.svc,
        "station_day",
        json!({"station": station, "day": day}),
        Reply(|v| {
            assert_eq!(v["headcount"], 5, "{v}");
            assert_eq!(v["services"], json!([["hot_water", 5], ["rest", 3]]));
            assert_eq!(v["open"], true);
            assert_eq!(v["supplies"], json!(["矿泉水", "口罩"]));
            assert_eq!(array(&v["visits"]).len(), 2);
        }),
    );
    check(
        &d.svc,
        "add_visit",
        json!({"station": station, "headcount": 1, "at": "2020-01-01T00:00:00Z"}),
        Error(Invalid, "more than 7 days ago"),
    );
    let note = ok(&d.svc, "add_note", json!({"target": station, "text": "周末九点开门"}));
    assert_eq!(note["author"], "测试");
    check(&d.svc, "place", json!({"id": station}), Reply(|v| assert_eq!(v["notes"][0]["text"], "周末九点开门")));
}

#[test]
fn photos_are_downscaled_kept_once_and_attached() {
    let d = device();
    let big = d.dir.path().join("pit.png");
    std::fs::write(&big, image_png(2600, 1300)).unwrap();
    let kept = ok(&d.svc, "add_photo", json!({"path": big}));
    let hash = kept["hash"].as_str().unwrap().to_string();
    let bytes = d.svc.photo(&hash).unwrap().unwrap();
    assert_eq!(bytes.len(), kept["bytes"].as_u64().unwrap() as usize);
    let back = image::load_from_memory(&bytes).unwrap();
    assert_eq!((back.width(), back.height()), (1280, 640));
    let again = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&big).unwrap());
    assert_eq!(ok(&d.svc, "add_photo", json!({"base64": again}))["hash"], hash.as_str(), "the same photo, kept once");
    let r = ok(&d.svc, "add_report", json!({"outcome": "hazard", "lat": 31.33, "lon": 121.53, "photo": hash}));
    assert_eq!(r["photo"], hash.as_str());
    let gate = gate_of(&d.svc, "开鲁六村", "1号门（正门）");
    assert_eq!(ok(&d.svc, "edit_place", json!({"id": gate, "sets": [["photo", hash]]}))["photo"], hash.as_str());
    let text = d.write("notes.txt", b"not a photo");
    check(&d.svc, "add_photo", json!({"path": text}), Error(Invalid, "notes.txt: not a photo"));
    check(&d.svc, "add_photo", json!({"path": "/nowhere/x.jpg"}), Error(Io, "cannot read the photo /nowhere/x.jpg"));
    check(&d.svc, "add_photo", json!({}), Error(Invalid, "give the photo's path or its bytes"));
    check(&d.svc, "edit_place", json!({"id": gate, "sets": [["photo", "abc"]]}), Error(Invalid, "photo"));
    assert_eq!(d.svc.photo(&"0".repeat(64)).unwrap(), None);
    assert!(d.svc.photo("../../etc/passwd").is_err());
}

#[test]
fn stats_count_by_kind() {
    let d = device();
    check(
        &d.svc,
        "stats",
        json!({}),
        Reply(|v| {
            let kinds: Vec<&str> = array(&v["places"]).iter().map(|k| k[0].as_str().unwrap()).collect();
            assert_eq!(kinds, ["compound", "entrance", "charger", "rest_stop", "path"]);
            let total: i64 = array(&v["places"]).iter().map(|k| k[1].as_i64().unwrap()).sum();
            assert_eq!(total, 157, "{v}");
            assert!(v["changes_logged"].as_i64().unwrap() >= total);
        }),
    );
    check(
        &d.svc,
        "dashboard",
        json!({"grid": "yinhang-1"}),
        Reply(|v| {
            assert_eq!(array(&v["visits_per_day"]).len(), 14, "{v}");
            assert!(array(&v["places"]).iter().any(|k| k[1].as_i64().unwrap() > 0));
        }),
    );
    check(
        &d.svc,
        "stale",
        json!({"grid": "yinhang-1"}),
        Reply(|v| {
            assert!(!array(v).is_empty());
            assert!(array(v).iter().all(|p| p["grid"] == "yinhang-1"));
        }),
    );
}

#[test]
fn a_review_item_names_its_compound() {
    let d = device();
    let kailu = ok(&d.svc, "find_place", json!({"key": "开鲁六村"}));
    let gates = ok(&d.svc, "gate", json!({"compound": "开鲁六村"}));
    let gate = gates["choices"][0]["id"].as_str().unwrap().to_string();
    let on_gate = ok(&d.svc, "add_report", json!({"target": gate, "outcome": "refused", "note": "保安不让进"}));
    let on_compound = ok(&d.svc, "add_report", json!({"target": kailu["id"], "outcome": "hazard"}));
    let queue = ok(&d.svc, "review_queue", json!({"grid": kailu["grid"]}));
    for report in [&on_gate, &on_compound] {
        let item = array(&queue).iter().find(|i| i["report"]["id"] == report["id"]).expect("in the queue");
        assert_eq!(item["compound"], "开鲁六村", "{item}");
    }
}
