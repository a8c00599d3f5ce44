//! The `ridermap` binary end to end, on real SQLite files in a temporary directory.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::{Value, json};

struct Env {
    dir: tempfile::TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("store.sqlite")
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_ridermap"))
            .args(args)
            .env("RIDERMAP_DB", self.db())
            .env("RIDERMAP_LANG", "en")
            .env_remove("RIDERMAP_USER")
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 0, "ridermap {args:?} failed: {}", o.stderr);
        o
    }

    fn write(&self, name: &str, content: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }

    /// Everything the store holds that a user can see, to prove a failed command changed nothing.
    fn snapshot(&self) -> String {
        let export = self.ok(&["export", "--format", "geojson"]).stdout;
        let changes = self.ok(&["changes", "--limit", "100000", "--json"]).stdout;
        let reports = self.ok(&["report", "list", "--json"]).stdout;
        format!("{export}\n{changes}\n{reports}")
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

#[test]
fn best_gate_before_and_after_closing_on_demo_data() {
    let env = Env::new();
    let gate = |at: &str| env.ok(&["gate", "--compound", "开鲁六村", "--building", "12", "--at", at, "--json"]).json();
    let before = gate("2026-11-27 21:45");
    let first = &before["gates"][0];
    assert_eq!(first["name"], "1号门（正门）");
    assert_eq!(first["open"], true);
    let warnings: Vec<&str> =
        first["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(warnings.contains(&"closes_soon"), "{warnings:?}");
    assert_eq!(first["warnings"][0]["text"], "closes at 22:00 — in 15 min");
    for key in ["id", "kind", "name", "lat", "lon", "open", "reasons"] {
        assert!(!first[key].is_null(), "missing {key}");
    }

    let after = gate("2026-11-27T22:30:00+08:00");
    assert_eq!(after["gates"][0]["name"], "2号门（侧门）");
    let main = after["gates"].as_array().unwrap().iter().find(|g| g["name"] == "1号门（正门）").unwrap();
    assert_eq!(main["open"], false);
    assert_eq!(main["reasons"][0]["text"], "closed now — opens at 11-28 06:00");
}

#[test]
fn buildings_are_found_by_compound_name_or_alias() {
    let env = Env::new();
    for (compound, number) in [("开鲁六村", "12"), ("开鲁6村", "12号"), ("开鲁六村", "12号楼")] {
        let b = env.ok(&["building", "--compound", compound, "--number", number, "--json"]).json();
        assert_eq!(
            (b["compound"]["name"].as_str(), b["number"].as_str()),
            (Some("开鲁六村"), Some("12")),
            "{compound} {number}"
        );
        assert!(b["lat"].as_f64().unwrap() > 31.0);
    }
    let o = env.run(&["building", "--compound", "开鲁六村", "--number", "99"]);
    assert!(o.stderr.contains("has no building `99`"), "{}", o.stderr);
}

#[test]
fn bad_arguments_get_one_line_errors() {
    let env = Env::new();
    // (args, message expected in the last stderr line)
    let cases: &[(&[&str], &str)] = &[
        (
            &["gate", "--compound", "开鲁六村", "--building", "99"],
            "compound `开鲁六村` has no building `99` (known: 1, 2,",
        ),
        (&["gate", "--compound", "没有这个村"], "no compound named `没有这个村`"),
        (&["gate", "--compound", "开鲁", "--building", "1"], "`开鲁` matches"),
        (&["gate", "--compound", "开鲁六村", "--at", "tonight"], "--at: `tonight` is not a time"),
        (&["gate", "--compound", "开鲁六村", "--vehicle", "car"], "--vehicle: `car` is not ebike or foot"),
        (&["nearby", "--lat", "95", "--lon", "121.5"], "--lat/--lon: latitude 95 is outside -90..90"),
        (&["nearby", "--lat", "31.3", "--lon", "121.5", "--amenity", "sauna"], "--amenity: `sauna` is not one of"),
        (&["nearby", "--lat", "31.3", "--lon", "121.5", "--kind", "toilet"], "--kind: `toilet` is not"),
        (&["report", "add", "--outcome", "broken"], "--lat/--lon: a report without --target needs a location"),
        (
            &["report", "add", "--outcome", "exploded", "--lat", "31.3", "--lon", "121.5"],
            "--outcome: `exploded` is not one of",
        ),
        (
            &["report", "add", "--outcome", "broken", "--lat", "31.3", "--lon", "121.5"],
            "field `target`: a `broken` report needs a target place",
        ),
        (
            &[
                "place",
                "add",
                "--kind",
                "charger",
                "--name",
                "x",
                "--lat",
                "31.3",
                "--lon",
                "121.5",
                "--set",
                "slots=many",
            ],
            "field `slots`: `many` does not fit",
        ),
        (
            &[
                "place",
                "add",
                "--kind",
                "charger",
                "--name",
                "x",
                "--lat",
                "31.3",
                "--lon",
                "121.5",
                "--set",
                "grid=nowhere",
            ],
            "field `grid`: no grid with code `nowhere`",
        ),
        (
            &["place", "edit", "开鲁六村", "--set", "opening_hours=6am till late"],
            "field `opening_hours`: `6am till late` is not valid opening_hours syntax",
        ),
        (&["place", "delete", "开鲁六村"], "places (gates, chargers, rest stops) belong to it"),
        (&["export", "--format", "xlsx"], "--format: `xlsx` is not geojson or csv"),
    ];
    let before = env.snapshot();
    for (args, want) in cases {
        let o = env.run(args);
        assert_eq!(o.code, 1, "{args:?} should fail: {}", o.stdout);
        let last = o.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: ") && last.contains(want), "{args:?}: wanted `{want}` in `{last}`");
    }
    assert_eq!(env.snapshot(), before, "a failed command changed the store");
}

/// Import `content` as file `name`; expect failure with every `want` in stderr and no change.
fn check_bad_import(name: &str, content: &[u8], extra: &[&str], wants: &[&str]) {
    let env = Env::new();
    let before = env.snapshot();
    let path = env.write(name, content);
    let mut args = vec!["import", path.as_str()];
    args.extend(extra);
    let o = env.run(&args);
    assert_eq!(o.code, 1, "{name}: import should fail: {}", o.stdout);
    for want in wants {
        assert!(o.stderr.contains(want), "{name}: wanted `{want}` in:\n{}", o.stderr);
    }
    assert!(o.stderr.lines().last().unwrap().starts_with("error: "), "{}", o.stderr);
    assert_eq!(env.snapshot(), before, "{name}: a refused import changed the store");
}

fn feature(props: &str, lon: f64, lat: f64) -> String {
    format!(r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{props}}}"#)
}

fn collection(features: &[String]) -> Vec<u8> {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")).into_bytes()
}

#[test]
fn malformed_imports_change_nothing_and_name_the_place() {
    let good = feature(r#"{"kind":"charger","name":"好柜","source":"t:good"}"#, 121.53, 31.33);
    check_bad_import(
        "bad.geojson",
        b"{\"type\":\"FeatureCollection\",\n\"features\":[",
        &[],
        &["bad.geojson:2:", "bad JSON"],
    );
    check_bad_import(
        "range.geojson",
        &collection(&[good.clone(), feature(r#"{"kind":"charger","name":"远柜"}"#, 121.5, 95.0)]),
        &[],
        &["range.geojson feature 1: field `lat`: latitude 95 is outside -90..90"],
    );
    check_bad_import(
        "kind.geojson",
        &collection(&[feature(r#"{"kind":"toilet","name":"厕所"}"#, 121.5, 31.3), good.clone()]),
        &[],
        &["kind.geojson feature 0: field `kind`: unknown kind `toilet`"],
    );
    check_bad_import(
        "hours.geojson",
        &collection(&[
            good.clone(),
            feature(r#"{"kind":"entrance","name":"坏门","opening_hours":"6am till late"}"#, 121.5, 31.3),
        ]),
        &[],
        &["hours.geojson feature 1: field `opening_hours`: `6am till late` is not valid opening_hours syntax"],
    );
    check_bad_import(
        "field.geojson",
        &collection(&[feature(r#"{"kind":"charger","name":"柜","volts":"48"}"#, 121.5, 31.3)]),
        &[],
        &["field.geojson feature 0: field `volts`: is not a field of a charger"],
    );
    let line = r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":[[121.5,31.3],[121.6,31.3]]},"properties":{"kind":"charger","name":"线"}}"#;
    check_bad_import(
        "line.geojson",
        &collection(&[line.to_string()]),
        &[],
        &["line.geojson feature 0: field `geometry`: LineString geometry is not supported"],
    );
    let polygon = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.5,31.3],[121.6,31.3],[121.6,31.4],[121.5,31.3]]]},"properties":{"kind":"entrance","name":"面"}}"#;
    check_bad_import(
        "polygon.geojson",
        &collection(&[polygon.to_string()]),
        &[],
        &[
            "polygon.geojson feature 0: field `outline`: only compounds have an outline (Polygon geometry); an entrance is a Point",
        ],
    );
    check_bad_import(
        "enum.geojson",
        &collection(&[feature(r#"{"kind":"entrance","name":"门","ebike":"sometimes"}"#, 121.5, 31.3)]),
        &[],
        &["enum.geojson feature 0: field `ebike`: unknown variant `sometimes`"],
    );
    check_bad_import(
        "rows.csv",
        "kind,name,lat,lon,slots,compound\ncharger,甲,31.33,121.53,4,\ncharger,乙,31.33,121.53,many,\ncharger,丙,31.33,121.53,2,无此村\n".as_bytes(),
        &[],
        &["rows.csv:3: field `slots`", "rows.csv:4: field `compound`: no compound named `无此村`"],
    );
    check_bad_import("nokind.csv", b"name,lat,lon\nx,31.3,121.5\n", &[], &["nokind.csv:1: no `kind` column"]);
    let truncated = std::fs::read(fixture("truncated.osm.pbf")).unwrap();
    check_bad_import("cut.osm.pbf", &truncated, &[], &["cut.osm.pbf: truncated or corrupt OSM PBF"]);
    let bad_hours = std::fs::read(fixture("bad-hours.osm")).unwrap();
    check_bad_import("hours.osm", &bad_hours, &[], &["hours.osm node/40: field `opening_hours`"]);
}

#[test]
fn skip_invalid_writes_the_good_rows() {
    let env = Env::new();
    let path = env.write(
        "mixed.geojson",
        &collection(&[
            feature(r#"{"kind":"charger","name":"好柜","source":"t:good","grid":"yinhang-1"}"#, 121.53, 31.33),
            feature(r#"{"kind":"charger","name":"坏柜"}"#, 121.5, 95.0),
        ]),
    );
    let o = env.ok(&["import", &path, "--skip-invalid"]);
    assert!(o.stdout.contains("1 inserted, 0 updated, 0 unchanged, 1 skipped"), "{}", o.stdout);
    assert!(o.stderr.contains("feature 1: field `lat`"), "{}", o.stderr);
    let found = env.ok(&["search", "好柜", "--json"]).json();
    assert_eq!(found[0]["source"], "t:good");
    assert_eq!(found[0]["grid"], "yinhang-1");
}

#[test]
fn osm_imports_map_tags_and_reimports_update() {
    for file in ["yinhang-mini.osm", "yinhang-mini.osm.pbf"] {
        let env = Env::new();
        let path = fixture(file).display().to_string();
        let o = env.ok(&["--no-demo", "import", &path, "--json"]).json();
        assert_eq!(o["inserted"], 8, "{file}: {o}");
        let again = env.ok(&["import", &path, "--json"]).json();
        assert_eq!((again["inserted"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(8)), "{file}: {again}");

        let gate = env
            .ok(&["gate", "--compound", "测试1村", "--building", "1号", "--at", "2026-11-27 12:00", "--json"])
            .json();
        let names: Vec<&str> = gate["gates"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 3, "{file}: {names:?}");
        for n in ["1号门", "北侧门", "东南门"] {
            assert!(names.contains(&n), "{file}: {names:?}");
        }
        let main = env.ok(&["place", "show", "osm:node/10", "--json"]).json();
        assert_eq!(
            (main["ebike"].as_str(), main["access_method"].as_str(), main["gate_kind"].as_str()),
            (Some("allowed"), Some("guard"), Some("main"))
        );
        let north = env.ok(&["place", "show", "osm:node/11", "--json"]).json();
        assert_eq!(north["ebike"], "push");
        assert_eq!(north["buildings_served"], serde_json::json!(["1", "2"]));
        let cab = env.ok(&["place", "show", "osm:node/20", "--json"]).json();
        assert_eq!(cab["charger_kind"], "swap_cabinet");
        assert_eq!(cab["battery_standards"], serde_json::json!(["48V", "60V"]));
        assert_eq!(cab["slots"], 12);
        let shelter = env.ok(&["place", "show", "osm:node/30", "--json"]).json();
        assert_eq!(shelter["amenities"], serde_json::json!(["seating", "toilet"]));
        assert!(env.ok(&["place", "show", "osm:way/300", "--json"]).json()["name"] == "充电桩B");
        assert!(env.run(&["place", "show", "osm:node/12"]).code != 0, "{file}: a building door became a gate");
    }
}

#[test]
fn export_then_import_is_lossless() {
    for format in ["geojson", "csv"] {
        let a = Env::new();
        let out = a.dir.path().join(format!("all.{format}"));
        let out = out.display().to_string();
        a.ok(&["export", "--format", format, "--out", &out]);
        let b = Env::new();
        let o = b.ok(&["--no-demo", "import", &out, "--json"]).json();
        assert_eq!(o["inserted"].as_u64().unwrap(), 162, "{format}: {o}");
        assert_eq!(
            a.ok(&["export", "--format", "geojson"]).stdout,
            b.ok(&["export", "--format", "geojson"]).stdout,
            "{format}"
        );
        // Importing it again into the store it came from changes nothing.
        let again = a.ok(&["import", &out, "--json"]).json();
        assert_eq!(again["unchanged"].as_u64(), Some(162), "{format}: {again}");
    }
}

#[test]
fn reports_change_what_nearby_shows() {
    let env = Env::new();
    let cab = env.ok(&["search", "铁塔换电柜·民京路站", "--json"]).json()[0].clone();
    let (id, lat, lon) = (cab["id"].as_str().unwrap(), cab["lat"].to_string(), cab["lon"].to_string());
    let near = |extra: &[&str]| {
        let mut args = vec!["nearby", "--lat", &lat, "--lon", &lon, "--kind", "charger", "--limit", "3", "--json"];
        args.extend(extra);
        env.ok(&args).json()
    };
    let first = near(&[]);
    assert_eq!(first[0]["id"], id);
    assert_eq!(first[0]["condition"], "ok");
    for key in ["id", "kind", "name", "lat", "lon", "source", "distance_m"] {
        assert!(!first[0][key].is_null(), "missing {key}");
    }
    let d: Vec<f64> = first.as_array().unwrap().iter().map(|p| p["distance_m"].as_f64().unwrap()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");

    env.ok(&["report", "add", "--target", id, "--outcome", "broken", "--note", "屏幕黑了"]);
    assert_eq!(near(&[])[0]["condition"], "likely_broken");
    assert_ne!(near(&["--working"])[0]["id"], id);
    // An old report fades; a later "works" clears a fresh one.
    env.ok(&["report", "add", "--target", id, "--outcome", "works"]);
    assert_eq!(near(&[])[0]["condition"], "ok");

    let queue = env.ok(&["report", "list", "--grid", cab["grid"].as_str().unwrap(), "--json"]).json();
    assert_eq!(queue.as_array().unwrap().len(), 2);
    let rid = queue[0]["id"].as_str().unwrap().to_string();
    let o = env.run(&["report", "reject", &rid, "--reason", " "]);
    assert!(o.stderr.contains("field `reason`: a rejection needs a reason"), "{}", o.stderr);
    env.ok(&["report", "reject", &rid, "--reason", "现场核实正常"]);
    assert_eq!(env.ok(&["report", "list", "--json"]).json().as_array().unwrap().len(), 1);
}

#[test]
fn hazard_at_a_bare_location_waits_for_review() {
    let env = Env::new();
    let r = env
        .ok(&[
            "report",
            "add",
            "--outcome",
            "hazard",
            "--lat",
            "31.331",
            "--lon",
            "121.531",
            "--note",
            "路灯坏了",
            "--json",
        ])
        .json();
    assert!(r["target"].is_null());
    let queue = env.ok(&["report", "list", "--json"]).json();
    assert_eq!(queue[0]["note"], "路灯坏了");
    assert_eq!(queue[0]["review"], "pending");
}

#[test]
fn places_are_added_edited_verified_and_deleted() {
    let env = Env::new();
    let id = env
        .ok(&[
            "--as",
            "网格员小王",
            "place",
            "add",
            "--kind",
            "charger",
            "--name",
            "新换电柜",
            "--lat",
            "31.332",
            "--lon",
            "121.532",
            "--set",
            "battery_standards=48V,60V",
            "--set",
            "grid=yinhang-2",
            "--set",
            "opening_hours=24/7",
        ])
        .stdout
        .trim()
        .to_string();
    let p = env.ok(&["--as", "网格员小王", "place", "edit", &id, "--set", "slots=8", "--json"]).json();
    assert_eq!(p["slots"], 8);
    assert_eq!(p["updated_by"], "网格员小王");
    env.ok(&["place", "verify", &id]);
    assert!(!env.ok(&["place", "show", &id, "--json"]).json()["verified_at"].is_null());
    let changes = env.ok(&["changes", "--since", "162", "--json"]).json();
    let fields: Vec<Vec<String>> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["fields"].as_object().unwrap().keys().cloned().collect())
        .collect();
    assert_eq!(fields.len(), 3);
    assert!(fields[1].contains(&"slots".to_string()) && !fields[1].contains(&"name".to_string()), "{fields:?}");
    assert!(changes.as_array().unwrap().windows(2).all(|w| w[0]["hlc"].as_str() < w[1]["hlc"].as_str()));
    env.ok(&["place", "delete", &id]);
    assert_ne!(env.run(&["place", "show", &id]).code, 0);
    assert_eq!(env.ok(&["changes", "--since", "165", "--json"]).json()[0]["op"], "delete");
}

#[test]
fn volunteers_log_visits_and_see_the_tally() {
    let env = Env::new();
    for (n, services) in [("2", "hot-water"), ("3", "rest")] {
        env.ok(&[
            "visit",
            "add",
            "--station",
            "奉献园爱心驿站",
            "--headcount",
            n,
            "--service",
            services,
            "--at",
            "2026-11-27 12:00",
        ]);
    }
    let o = env.run(&["visit", "add", "--station", "开鲁六村", "--headcount", "1"]);
    assert!(o.stderr.contains("not a rest stop"), "{}", o.stderr);
    let day = env.ok(&["visit", "list", "--station", "奉献园爱心驿站", "--day", "2026-11-27", "--json"]).json();
    assert_eq!(day["headcount"], 5);
    assert_eq!(day["visits"].as_array().unwrap().len(), 2);
}

#[test]
fn serve_login_and_sync_through_the_cli() {
    for backend in ridermap_server::scratch::backends() {
        eprintln!("--- {backend}");
        serve_login_and_sync_on(backend);
    }
}

fn serve_login_and_sync_on(backend: &str) {
    use std::io::{BufRead, BufReader};
    let env = Env::new();
    let pg = (backend == "postgres").then(|| ridermap_server::scratch::ScratchDb::create().unwrap());
    let store = match &pg {
        None => ["--db".to_string(), env.dir.path().join("server.sqlite").display().to_string()],
        Some(pg) => ["--database-url".to_string(), pg.url.clone()],
    };
    let [flag, server_db] = &store;
    let mut server = Command::new(env!("CARGO_BIN_EXE_ridermap"))
        .args([flag, server_db, "serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("listening on ").unwrap().to_string();

    let invite = |role: &str| env.ok(&[flag, server_db, "admin", "invite", "--role", role]).stdout.trim().to_string();
    let code = invite("rider");
    let o = env.run(&[flag, server_db, "admin", "invite", "--role", "grid-worker"]);
    assert!(o.stderr.contains("a grid worker invite needs --grid"), "{}", o.stderr);

    env.ok(&["login", "--server", &url, "--invite", &code]);
    let status = env.ok(&["sync", "--status", "--json"]).json();
    assert_eq!(
        (status["enrolled"].as_bool(), status["pending"].as_i64()),
        (Some(true), Some(0)),
        "demo data is not for the server"
    );
    env.ok(&["report", "add", "--outcome", "hazard", "--lat", "31.331", "--lon", "121.531", "--note", "井盖缺失"]);
    assert_eq!(env.ok(&["sync", "--status", "--json"]).json()["pending"], 1);
    let outbox = env.ok(&["outbox", "--json"]).json();
    assert_eq!(outbox["pending"][0]["entity"], "report");
    // A rider may not add places: after sync the change is listed as refused, with the reason.
    env.ok(&["place", "add", "--kind", "charger", "--name", "私加换电柜", "--lat", "31.33", "--lon", "121.53"]);
    let r = env.ok(&["sync", "--verify", "--json"]).json();
    assert_eq!((r["pushed"].as_u64(), r["refused"].as_u64()), (Some(1), Some(1)), "{r}");
    let outbox = env.ok(&["outbox", "--json"]).json();
    assert_eq!(outbox["pending"].as_array().unwrap().len(), 0);
    assert_eq!(outbox["refused"][0]["reason"], "only grid workers change places");
    assert!(env.ok(&["outbox"]).stdout.contains("only grid workers change places"));
    // The refused place is no longer shown as if it existed.
    assert_eq!(env.ok(&["search", "私加换电柜", "--json"]).json().as_array().unwrap().len(), 0);
    let refused_id = outbox["refused"][0]["change"]["id"].as_str().unwrap().to_string();
    env.ok(&["outbox", "--dismiss", &refused_id]);
    assert_eq!(env.ok(&["outbox", "--json"]).json()["refused"].as_array().unwrap().len(), 0);
    let r = env.ok(&["sync", "--verify", "--json"]).json();
    assert_eq!((r["pushed"].as_u64(), r["refused"].as_u64()), (Some(0), Some(0)), "{r}");
    assert!(r["verified"].as_object().unwrap().values().all(|v| v == true), "{r}");
    assert_eq!(env.ok(&["sync", "--status", "--json"]).json()["pending"], 0);
    let o = env.run(&["login", "--server", &url, "--invite", &code]);
    assert!(o.stderr.contains("this invite code is unknown or already used"), "{}", o.stderr);
    server.kill().unwrap();
    let _ = server.wait();
    // With the server gone, writes still work and wait.
    env.ok(&["report", "add", "--outcome", "hazard", "--lat", "31.331", "--lon", "121.531"]);
    let o = env.run(&["sync"]);
    assert!(o.stderr.contains("cannot reach"), "{}", o.stderr);
    let s = env.ok(&["sync", "--status", "--json"]).json();
    assert_eq!(s["pending"], 1);
    assert!(s["last_error"].as_str().unwrap().contains("cannot reach"));
}

#[test]
fn conflicts_list_local_edits_that_lost() {
    let env = Env::new();
    let gate = env.ok(&["search", "1号门（正门）", "--json"]).json()[0]["id"].as_str().unwrap().to_string();
    env.ok(&["place", "edit", &gate, "--set", "opening_hours=05:00-23:00"]);
    // Another device's later edit of the same field arrives.
    {
        let mut store = ridermap_store::Store::open(env.db()).unwrap();
        let hlc = ridermap_core::Hlc { ms: chrono::Utc::now().timestamp_millis() + 10_000, counter: 0 };
        let mut fields = serde_json::Map::new();
        fields.insert("opening_hours".into(), serde_json::json!("06:00-22:00"));
        let change = ridermap_sync::WireChange::new(
            ridermap_sync::Entity::Place,
            gate.parse().unwrap(),
            ridermap_sync::Op::Put,
            fields,
            hlc,
            "网格员的平板",
        );
        store.apply_remote(&[change], None).unwrap();
    }
    let list = env.ok(&["conflicts", "--json"]).json();
    assert_eq!(list[0]["field"], "opening_hours");
    assert_eq!(list[0]["lost"], "05:00-23:00");
    assert_eq!(list[0]["kept"], "06:00-22:00");
    assert_eq!(list[0]["kept_version"]["device"], "网格员的平板");
    assert!(env.ok(&["conflicts"]).stdout.contains("网格员的平板"));
    assert_eq!(env.ok(&["place", "show", &gate, "--json"]).json()["opening_hours"], "06:00-22:00");
}

#[test]
fn photos_are_downscaled_kept_and_attached() {
    let env = Env::new();
    let big = env.dir.path().join("pit.png");
    image::ImageBuffer::from_fn(2600, 1300, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 40]))
        .save(&big)
        .unwrap();
    let hash = env.ok(&["photo", "add", big.to_str().unwrap()]).stdout.trim().to_string();
    assert_eq!(hash.len(), 64);
    let out = env.dir.path().join("back.jpg");
    env.ok(&["photo", "get", &hash, "--out", out.to_str().unwrap()]);
    let back = image::open(&out).unwrap();
    assert_eq!((back.width(), back.height()), (1280, 640));
    let report = env
        .ok(&[
            "report",
            "add",
            "--outcome",
            "hazard",
            "--lat",
            "31.33",
            "--lon",
            "121.53",
            "--photo",
            big.to_str().unwrap(),
            "--json",
        ])
        .json();
    assert_eq!(report["photo"], hash.as_str(), "the same photo, kept once");
    let gate = env.ok(&["search", "1号门（正门）", "--json"]).json()[0]["id"].as_str().unwrap().to_string();
    env.ok(&["place", "edit", &gate, "--set", &format!("photo={hash}")]);
    assert_eq!(env.ok(&["place", "show", &gate, "--json"]).json()["photo"], hash.as_str());

    let text = env.dir.path().join("notes.txt");
    std::fs::write(&text, "not a photo").unwrap();
    let o = env.run(&[
        "report",
        "add",
        "--outcome",
        "hazard",
        "--lat",
        "31.33",
        "--lon",
        "121.53",
        "--photo",
        text.to_str().unwrap(),
    ]);
    assert!(o.stderr.contains("notes.txt: not a photo"), "{}", o.stderr);
    let o = env.run(&["place", "edit", &gate, "--set", "photo=abc"]);
    assert!(o.stderr.contains("photo"), "{}", o.stderr);
    let o = env.run(&["photo", "get", &"0".repeat(64), "--out", out.to_str().unwrap()]);
    assert!(o.stderr.contains("no photo"), "{}", o.stderr);
}

#[test]
fn a_base_map_is_imported_beside_the_store() {
    let env = Env::new();
    let o = env.run(&["basemap", "show"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("basemap import"), "{}", o.stderr);
    assert_eq!(env.ok(&["basemap", "show", "--json"]).json(), Value::Null);
    // The synthetic fixture the browser and window tests use.
    let map = env.dir.path().join("yinhang.mbtiles");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/make_basemap.py");
    assert!(Command::new("python3").arg(script).arg(&map).arg("--datum").arg("gcj02").status().unwrap().success());
    let info = env.ok(&["basemap", "import", map.to_str().unwrap(), "--json"]).json();
    assert_eq!((&info["min_zoom"], &info["max_zoom"], &info["datum"]), (&json!(14), &json!(17), &json!("gcj02")));
    assert!(env.db().with_extension("basemap.mbtiles").is_file());
    let shown = env.ok(&["basemap", "show"]).stdout;
    assert!(shown.contains("png · zoom 14–17 · GCJ-02"), "{shown}");
    // A file that is not a base map names itself and leaves the one held alone.
    let bad = env.write("photo.mbtiles", b"\xff\xd8 not sqlite");
    let o = env.run(&["basemap", "import", &bad]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("photo.mbtiles"), "{}", o.stderr);
    assert!(env.ok(&["basemap", "show"]).stdout.contains("GCJ-02"));
}
