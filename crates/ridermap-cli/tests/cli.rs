//! The `ridermap` binary end to end, on real SQLite files: what only the CLI does — parsing flags,
//! exit codes, one-line errors, tables in the user's language, a closed pipe, JSON that is exactly
//! the service's reply (the same `ridermap web` and the app give), and the server side (`serve`,
//! `admin`). What each command answers is tested once, in `ridermap-service`'s tests.

use std::{
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use serde_json::{Value, json};

struct Env {
    dir: tempfile::TempDir,
    lang: &'static str,
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
        Env { dir: tempfile::tempdir().unwrap(), lang: "en" }
    }

    fn zh() -> Env {
        Env { dir: tempfile::tempdir().unwrap(), lang: "zh" }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("store.sqlite")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ridermap"));
        c.args(args).env("RIDERMAP_DB", self.db()).env("RIDERMAP_LANG", self.lang).env_remove("RIDERMAP_USER");
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = self.command(args).output().unwrap();
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
        assert!(export.len() > 10_000 && changes.len() > 10_000, "a snapshot of nothing proves nothing");
        format!("{export}\n{changes}\n{reports}")
    }

    /// A background `ridermap` whose first line on stdout is `listening on URL`.
    fn listening(&self, args: &[&str]) -> (Child, String) {
        let mut child = self.command(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let url = first.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{first}")).to_string();
        (child, url)
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

#[test]
fn the_readme_tour_prints_tables_in_chinese() {
    let env = Env::zh();
    let gate = env.ok(&["gate", "--compound", "开鲁六村", "--building", "12", "--at", "2026-11-27 22:30"]).stdout;
    let lines: Vec<&str> = gate.lines().collect();
    assert_eq!(lines[0], "开鲁六村 · 12");
    assert_eq!(lines[1], "★ 1. 2号门（侧门）");
    assert_eq!(
        lines[2],
        "     全天开放 · 电动车需推行 · 扫码进入 · 经小区内道路到12号楼 455 米，约 8 分钟 · 其中推车步行 455 米"
    );
    assert!(gate.contains("✗ 2. 1号门（正门）\n     现在关闭 — 11-28 06:00 开门"), "{gate}");
    // The way in, by the lanes, at the same hour: the README's route.
    let route = env
        .ok(&["route", "--compound", "开鲁六村", "--building", "12", "--unit", "3", "--at", "2026-11-28 22:30"])
        .stdout;
    assert!(route.starts_with("开鲁六村 · 12号楼 3单元\n★ 2号门（侧门）"), "{route}");
    assert!(route.contains("全程 455 米 · 约 8 分钟"), "{route}");
    assert!(route.contains("12号楼在左手边") && route.ends_with("3单元门在楼北侧\n"), "{route}");
    let json = env.ok(&["route", "--compound", "开鲁六村", "--building", "12", "--unit", "3", "--json"]).json();
    for key in ["length_m", "duration_s", "gate", "steps", "line"] {
        assert!(!json[key].is_null(), "{key}: {json}");
    }
    assert!(json["steps"][0]["text"].is_string() && json["steps"][1]["distance_m"].is_number(), "{json}");
    let feature = env
        .ok(&[
            "route",
            "--from",
            "31.3386,121.5350",
            "--to",
            "31.3340,121.5400",
            "--vehicle",
            "foot",
            "--format",
            "geojson",
        ])
        .json();
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["geometry"]["type"], "LineString");
    assert!(feature["properties"]["length_m"].as_f64().unwrap() > 600.0, "{feature}");
    let stats = env.ok(&["stats"]).stdout;
    assert!(stats.contains("驿站") && stats.contains("小区") && !stats.contains("rest_stop"), "{stats}");
    let near =
        env.ok(&["nearby", "--lat", "31.3376", "--lon", "121.5382", "--kind", "charger", "--volts", "48"]).stdout;
    assert!(near.lines().nth(1).unwrap().contains("换电/充电"), "{near}");
    assert!(near.contains(" 米"), "distances carry their unit: {near}");
}

#[test]
fn bad_arguments_get_one_line_errors_and_change_nothing() {
    let env = Env::new();
    // (args, message expected in the last stderr line): flags the CLI parses, then what the
    // service refuses, told in one line either way.
    let cases: &[(&[&str], &str)] = &[
        (&["gate", "--compound", "开鲁六村", "--at", "tonight"], "--at: `tonight` is not a time"),
        (&["gate", "--compound", "开鲁六村", "--vehicle", "car"], "--vehicle: `car` is not ebike or foot"),
        (&["nearby", "--lat", "31.3", "--lon", "121.5", "--amenity", "sauna"], "--amenity: `sauna` is not one of"),
        (&["nearby", "--lat", "31.3", "--lon", "121.5", "--kind", "toilet"], "--kind: `toilet` is not"),
        (&["nearby", "--lat", "31.3", "--lon", "121.5", "--volts", "lots"], "--volts: `lots` is not a battery voltage"),
        (
            &["report", "add", "--outcome", "exploded", "--lat", "31.3", "--lon", "121.5"],
            "--outcome: `exploded` is not one of",
        ),
        (
            &["place", "add", "--kind", "charger", "--name", "x", "--lat", "31.3", "--lon", "121.5", "--set", "slots"],
            "--set: `slots` is not field=value",
        ),
        (&["sync", "--follow", "everything"], "--follow: `everything` is not `all`"),
        (&["outbox", "--dismiss", "nope"], "--dismiss: `nope` is not a change id"),
        (&["--lang", "fr", "stats"], "--lang: `fr` is not zh or en"),
        (
            &["gate", "--compound", "开鲁六村", "--building", "99"],
            "compound `开鲁六村` has no building `99` (known: 1, 2,",
        ),
        (&["gate", "--compound", "开鲁", "--building", "1"], "`开鲁` matches"),
        (&["nearby", "--lat", "95", "--lon", "121.5"], "lat/lon: latitude 95 is outside -90..90"),
        (&["report", "add", "--outcome", "broken"], "lat/lon: a report without a place needs a location"),
        (
            &["place", "edit", "开鲁六村", "--set", "opening_hours=6am till late"],
            "field `opening_hours`: `6am till late` is not valid",
        ),
        (&["place", "delete", "开鲁六村"], "places (gates, chargers, rest stops) belong to it"),
        (&["export", "--format", "xlsx"], "format: `xlsx` is not geojson or csv"),
        (&["sync"], "not enrolled: run `ridermap login --server URL --invite CODE` first"),
        (&["route", "--from", "31.3", "--to", "31.3,121.5"], "--from: `31.3` is not LAT,LON"),
        (&["route", "--from", "95,121.5", "--to", "31.3,121.5"], "from: latitude 95 is outside -90..90"),
        (&["route", "--compound", "开鲁六村", "--building", "12", "--unit", "9"], "has no unit `9` (units: 1, 2, 3)"),
        (&["route", "--compound", "开鲁六村", "--building", "12", "--gate", "后门"], "no gate `后门` (gates:"),
        (&["route", "--compound", "开鲁六村"], "building: say which building"),
        (&["route", "--from", "31.3,121.5", "--to", "31.3,121.5", "--format", "kml"], "--format: `kml` is not geojson"),
        (&["report", "add", "--outcome", "got-in", "--lat", "31.3", "--lon", "121.5", "--waited", "500"], "waited_min"),
        (&["sign", "--compound", "开鲁六村", "--paper", "letter", "--out", "x.pdf"], "paper: `letter` is not a4 or a3"),
        (&["sign", "--compound", "无此村", "--out", "x.pdf"], "无此村"),
        (
            &["sign", "--compound", "开鲁六村", "--font", "/no/such/font.ttc", "--out", "x.pdf"],
            "font /no/such/font.ttc",
        ),
        (&["sign", "--compound", "开鲁六村", "--out", "/no/such/dir/x.pdf"], "cannot write /no/such/dir/x.pdf"),
    ];
    let before = env.snapshot();
    for (args, want) in cases {
        let o = env.run(args);
        assert_eq!(o.code, 1, "{args:?} should fail: {}", o.stdout);
        let lines: Vec<&str> = o.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line, not {:?}", o.stderr);
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(want),
            "{args:?}: wanted `{want}` in `{}`",
            lines[0]
        );
    }
    // A refused import lists each problem on a line of its own, then says what failed.
    let bad = env.write(
        "rows.csv",
        "kind,name,lat,lon,slots\ncharger,甲,31.33,121.53,many\ncharger,乙,95,121.53,2\n".as_bytes(),
    );
    let o = env.run(&["import", &bad]);
    assert_eq!(o.code, 1);
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", o.stderr);
    assert!(
        lines[0].contains("rows.csv:2: field `slots`") && lines[1].contains("rows.csv:3: field `lat`"),
        "{}",
        o.stderr
    );
    assert_eq!(lines[2], "error: import refused, nothing was written: 2 problems");
    assert_eq!(env.snapshot(), before, "a failed command changed the store");
}

#[test]
fn json_is_the_reply_ridermap_web_gives() {
    let env = Env::new();
    let ui = env.dir.path().join("dist");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html>").unwrap();
    env.ok(&["stats"]); // the store exists before two processes open it
    let (mut web, url) = env.listening(&["web", "--listen", "127.0.0.1:0", "--ui", ui.to_str().unwrap()]);
    // As the page would: load it (it hands out this launch's key), then send commands with it.
    let page = ureq::get(&url).call().unwrap();
    let key = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let post = |name: &str, body: Value| -> Value {
        let mut res = ureq::post(&format!("{url}/api/{name}"))
            .header("content-type", "application/json")
            .header("cookie", &key)
            .send_json(&body)
            .unwrap();
        serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap()
    };
    let refused =
        ureq::post(&format!("{url}/api/stats")).config().http_status_as_error(false).build().send_json(json!({}));
    assert_eq!(refused.unwrap().status().as_u16(), 403, "without the key");
    let gate_at = "2026-11-27T14:30:00Z";
    let cases: Vec<(Vec<&str>, &str, Value)> = vec![
        (
            vec!["gate", "--compound", "开鲁六村", "--building", "12", "--at", gate_at, "--json"],
            "gate",
            json!({"compound": "开鲁六村", "building": "12", "at": gate_at}),
        ),
        (
            vec![
                "nearby", "--lat", "31.3376", "--lon", "121.5382", "--kind", "charger", "--volts", "60", "--limit",
                "5", "--json",
            ],
            "nearby",
            json!({"lat": 31.3376, "lon": 121.5382, "kind": "charger", "volts": 60, "limit": 5}),
        ),
        (vec!["search", "开鲁", "--json"], "search", json!({"text": "开鲁", "limit": 20})),
        (
            vec!["building", "--compound", "开鲁6村", "--number", "12号楼", "--json"],
            "building",
            json!({"compound": "开鲁6村", "number": "12号楼"}),
        ),
        (vec!["stats", "--grid", "yinhang-1", "--json"], "stats", json!({"grid": "yinhang-1"})),
        (vec!["sync", "--status", "--json"], "sync_status", json!({})),
    ];
    for (args, name, body) in cases {
        let cli = env.ok(&args).json();
        assert!(cli.is_object() || cli.as_array().is_some_and(|a| !a.is_empty()), "{args:?}: {cli}");
        assert_eq!(cli, post(name, body), "{args:?}");
    }
    // A dashboard panel as CSV: the same text the web host's download gives.
    let csv = env.ok(&["stats", "--grid", "yinhang-1", "--csv", "visits"]).stdout;
    assert!(csv.starts_with("day,visits,headcount\n") && csv.lines().count() == 15, "{csv}");
    let web_csv = post("dashboard_csv", json!({"grid": "yinhang-1", "panel": "visits"}));
    assert_eq!(csv.trim_end(), web_csv.as_str().unwrap().trim_end());
    web.kill().unwrap();
    web.wait().unwrap();
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::new();
    env.ok(&["stats"]);
    let mut child =
        env.command(&["export", "--format", "geojson"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut head = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut head).unwrap();
    drop(child.stdout.take()); // `| head -c 64`
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert_eq!(stderr, "", "no panic, no backtrace");
}

#[test]
fn files_photos_and_the_base_map_go_through_the_cli() {
    let env = Env::new();
    let out = env.dir.path().join("chargers.csv");
    env.ok(&["export", "--format", "csv", "--kind", "charger", "--out", out.to_str().unwrap()]);
    let o = env.ok(&["import", out.to_str().unwrap()]);
    assert!(o.stdout.contains("0 inserted, 0 updated, 25 unchanged, 0 skipped"), "{}", o.stdout);
    let other = Env::new();
    let osm = fixture("yinhang-mini.osm.pbf");
    let o = other.ok(&["--no-demo", "import", osm.to_str().unwrap(), "--json"]).json();
    assert_eq!(o["inserted"], 8, "{o}");

    let png = env.dir.path().join("pit.png");
    image::ImageBuffer::from_fn(1600, 900, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 40]))
        .save(&png)
        .unwrap();
    let hash = env.ok(&["photo", "add", png.to_str().unwrap()]).stdout.trim().to_string();
    let back = env.dir.path().join("back.jpg");
    env.ok(&["photo", "get", &hash, "--out", back.to_str().unwrap()]);
    assert_eq!(image::open(&back).unwrap().width(), 1280);
    let r = env
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
            png.to_str().unwrap(),
            "--json",
        ])
        .json();
    assert_eq!(r["photo"], hash.as_str());
    let o = env.run(&["photo", "get", &"0".repeat(64), "--out", back.to_str().unwrap()]);
    assert!(o.stderr.contains("no photo"), "{}", o.stderr);

    let o = env.run(&["basemap", "show"]);
    assert!(o.code != 0 && o.stderr.contains("basemap import"), "{}", o.stderr);
    assert_eq!(env.ok(&["basemap", "show", "--json"]).json(), Value::Null);
    let map = env.dir.path().join("yinhang.mbtiles");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/make_basemap.py");
    assert!(Command::new("python3").arg(script).arg(&map).arg("--datum").arg("gcj02").status().unwrap().success());
    env.ok(&["basemap", "import", map.to_str().unwrap()]);
    let shown = env.ok(&["basemap", "show"]).stdout;
    assert!(shown.contains("png · zoom 14–17 · GCJ-02"), "{shown}");
}

#[test]
fn serve_login_and_sync_through_the_cli() {
    for backend in ridermap_server::scratch::backends() {
        eprintln!("--- {backend}");
        serve_login_and_sync_on(backend);
    }
}

#[test]
fn serve_https_and_log_in_with_the_citys_ca() {
    let env = Env::new();
    let ca = ridermap_server::scratch::TestCa::new();
    let (cert, key, ca_file) = (
        env.write("cert.pem", ca.cert_pem.as_bytes()),
        env.write("key.pem", ca.key_pem.as_bytes()),
        env.write("ca.pem", ca.ca_pem.as_bytes()),
    );
    let server_db = env.dir.path().join("server.sqlite").display().to_string();
    let o = env.run(&["--db", &server_db, "serve", "--listen", "127.0.0.1:0", "--tls-cert", &cert]);
    assert!(o.stderr.contains("--tls-key"), "{}", o.stderr);
    let o = env.run(&[
        "--db",
        &server_db,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &ca_file,
        "--tls-key",
        &ca_file,
    ]);
    assert!(o.stderr.contains("--tls-cert/--tls-key"), "a CA certificate is no key: {}", o.stderr);
    let (mut server, url) = env.listening(&[
        "--db",
        &server_db,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let code = env.ok(&["--db", &server_db, "admin", "invite", "--role", "rider"]).stdout.trim().to_string();

    let o = env.run(&["login", "--server", &url, "--invite", &code]);
    assert!(o.stderr.contains("certificate is not trusted") && o.stderr.contains("--ca FILE"), "{}", o.stderr);
    let o = env.run(&["login", "--server", "http://192.0.2.1:8477", "--invite", &code]);
    assert!(o.stderr.contains("in clear"), "{}", o.stderr);
    let o = env.run(&["login", "--server", &url, "--invite", &code, "--ca", &cert.replace("cert", "missing")]);
    assert!(o.stderr.contains("--ca: cannot read"), "{}", o.stderr);
    env.ok(&["login", "--server", &url, "--invite", &code, "--ca", &ca_file]);
    env.ok(&["report", "add", "--outcome", "hazard", "--lat", "31.331", "--lon", "121.531"]);
    let r = env.ok(&["sync", "--json"]).json();
    assert_eq!((r["pushed"].as_u64(), r["refused"].as_u64()), (Some(1), Some(0)), "{r}");
    // The status says the city's CA is trusted and where the token is kept.
    let st = env.ok(&["sync", "--status", "--json"]).json();
    assert_eq!(st["own_ca"], true, "{st}");
    assert!(matches!(st["token_in"].as_str(), Some("keyring" | "store")), "{st}");
    let text = env.ok(&["--lang", "en", "sync", "--status"]).stdout;
    assert!(text.contains("the server's own CA") && text.contains("token in"), "{text}");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// The server's store on `backend`: the flag that names it and its value (a scratch PostgreSQL
/// database lives as long as the first of the pair).
fn server_store(env: &Env, backend: &str) -> (Option<ridermap_server::scratch::ScratchDb>, [String; 2]) {
    let pg = (backend == "postgres").then(|| ridermap_server::scratch::ScratchDb::create().unwrap());
    let store = match &pg {
        None => ["--db".to_string(), env.dir.path().join("server.sqlite").display().to_string()],
        Some(pg) => ["--database-url".to_string(), pg.url.clone()],
    };
    (pg, store)
}

fn serve_login_and_sync_on(backend: &str) {
    let env = Env::new();
    let (_pg, store) = server_store(&env, backend);
    let [flag, server_db] = &store;
    let (mut server, url) = env.listening(&[flag, server_db, "serve", "--listen", "127.0.0.1:0"]);
    let invite = |role: &str| env.ok(&[flag, server_db, "admin", "invite", "--role", role]).stdout.trim().to_string();
    let code = invite("rider");
    let o = env.run(&[flag, server_db, "admin", "invite", "--role", "grid-worker"]);
    assert!(o.stderr.contains("a grid worker invite needs --grid"), "{}", o.stderr);

    let o = env.ok(&["login", "--server", &url, "--invite", &code]);
    assert!(o.stdout.contains("rider"), "{}", o.stdout);
    let status = env.ok(&["sync", "--status", "--json"]).json();
    assert_eq!(
        (status["enrolled"].as_bool(), status["pending"].as_i64()),
        (Some(true), Some(0)),
        "demo data is not for the server"
    );
    env.ok(&["report", "add", "--outcome", "hazard", "--lat", "31.331", "--lon", "121.531", "--note", "井盖缺失"]);
    let outbox = env.ok(&["outbox", "--json"]).json();
    assert_eq!(
        (outbox["items"][0]["change"]["entity"].as_str(), &outbox["items"][0]["refusal"]),
        (Some("report"), &Value::Null)
    );
    // A rider may not add places: after sync the change is listed as refused, with the reason.
    env.ok(&["place", "add", "--kind", "charger", "--name", "私加换电柜", "--lat", "31.33", "--lon", "121.53"]);
    let r = env.ok(&["sync", "--verify", "--json"]).json();
    assert_eq!((r["pushed"].as_u64(), r["refused"].as_u64()), (Some(1), Some(1)), "{r}");
    assert!(!r["verified"].as_object().unwrap().is_empty(), "{r}");
    assert!(
        r["verified"].as_object().unwrap().values().all(|v| v == true),
        "a refused creation does not spoil the checksum: {r}"
    );
    let items = env.ok(&["outbox", "--json"]).json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        (items[0]["refusal"].as_str(), items[0]["label"].as_str()),
        (Some("only grid workers change places"), Some("私加换电柜"))
    );
    assert!(env.ok(&["outbox"]).stdout.contains("only grid workers change places"));
    assert_eq!(env.ok(&["search", "私加换电柜", "--json"]).json(), json!([]), "the refused place is not shown");
    env.ok(&["outbox", "--dismiss", items[0]["change"]["id"].as_str().unwrap()]);
    assert_eq!(env.ok(&["outbox", "--json"]).json()["items"], json!([]));
    // Used: another device cannot log in with it; this one may again (its answer may have been lost).
    let other = env.dir.path().join("other.sqlite").display().to_string();
    let o = env.run(&["--db", &other, "login", "--server", &url, "--invite", &code]);
    assert!(o.stderr.contains("this invite code is unknown or already used"), "{}", o.stderr);
    env.ok(&["login", "--server", &url, "--invite", &code]);
    env.ok(&["sync"]);
    server.kill().unwrap();
    server.wait().unwrap();
    // With the server gone, writes still work and wait.
    env.ok(&["report", "add", "--outcome", "hazard", "--lat", "31.331", "--lon", "121.531"]);
    let o = env.run(&["sync"]);
    assert!(o.stderr.contains("cannot reach"), "{}", o.stderr);
    let s = env.ok(&["sync", "--status", "--json"]).json();
    assert_eq!(s["pending"], 1);
    assert!(s["last_error"].as_str().unwrap().contains("cannot reach"));
}

#[test]
fn a_published_base_layer_reaches_devices_and_routes_offline() {
    for backend in ridermap_server::scratch::backends() {
        eprintln!("--- {backend}");
        published_base_layer_on(backend);
    }
}

fn published_base_layer_on(backend: &str) {
    let env = Env::new();
    let (_pg, store) = server_store(&env, backend);
    let [flag, server_db] = &store;
    let osm = fixture("route-cases.osm");
    let publish =
        |file: &str| env.ok(&[flag, server_db, "admin", "basemap", "publish", file, "--grid", "G-7", "--json"]).json();
    let first = publish(osm.to_str().unwrap());
    assert!(first["features"].as_u64().unwrap() > 15, "{first}");
    let (mut server, url) = env.listening(&[flag, server_db, "serve", "--listen", "127.0.0.1:0"]);
    let code = env.ok(&[flag, server_db, "admin", "invite", "--role", "rider"]).stdout.trim().to_string();
    // From one end of 测试路 to the other (about 400 m): before the device has the layer, a
    // straight line, said as such.
    let walk =
        ["route", "--from", "31.2999096,121.4978974", "--to", "31.2999096,121.5021026", "--vehicle", "foot", "--json"];
    assert_eq!(env.ok(&walk).json()["measured"], false);
    env.ok(&["login", "--server", &url, "--invite", &code]);
    let r = env.ok(&["sync", "--json"]).json();
    assert_eq!(r["base_packs"], 1, "{r}");
    // Published again unchanged: the same pack, nothing to download.
    assert_eq!(publish(osm.to_str().unwrap())["hash"], first["hash"]);
    assert_eq!(env.ok(&["sync", "--json"]).json()["base_packs"], 0);
    // A changed file: downloaded once.
    let changed = std::fs::read_to_string(&osm).unwrap().replace("测试路", "测试新路");
    let changed = env.write("route-cases-2.osm", changed.as_bytes());
    assert_ne!(publish(&changed)["hash"], first["hash"]);
    assert_eq!(env.ok(&["sync", "--json"]).json()["base_packs"], 1);
    assert_eq!(env.ok(&["sync", "--json"]).json()["base_packs"], 0);
    server.kill().unwrap();
    server.wait().unwrap();
    // The server is gone: the route is over the layer the device keeps.
    let v = env.ok(&walk).json();
    assert_eq!(v["measured"], true, "{v}");
    let len = v["length_m"].as_f64().unwrap();
    assert!((395.0..=410.0).contains(&len), "{len}");
    // Along the street as the changed file names it.
    assert!(v["steps"].to_string().contains("测试新路"), "{v}");
}

/// The signboard a grid worker prints for 开鲁六村: its text holds every gate, its hours and the
/// building numbers; A3 is A3; a rendering is kept for review (docs/screenshots).
#[test]
fn a_signboard_prints_the_way_in() {
    let env = Env::zh();
    let pdf = env.dir.path().join("kailu6.pdf");
    let out = env.ok(&["sign", "--compound", "开鲁六村", "--out", pdf.to_str().unwrap()]).stdout;
    assert!(out.contains("开鲁六村"), "{out}");
    let text = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    let place = env.ok(&["gate", "--compound", "开鲁六村", "--json"]).json();
    let gates: Vec<&str> = place["choices"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(gates.len(), 3, "{place}");
    let mut wanted: Vec<String> = gates.iter().map(|g| g.to_string()).collect();
    wanted.extend(["开放 06:00-22:00", "电动车需推行", "奉献园爱心驿站", "单元门", "骑手停车"].map(String::from));
    for want in wanted {
        assert!(text.contains(&want), "`{want}` is not on the sign:\n{text}");
    }
    // Every building's number, as a word of its own.
    let words: Vec<&str> = text.split_whitespace().collect();
    for n in 1..=40 {
        assert!(words.contains(&n.to_string().as_str()), "building {n} is not on the sign:\n{text}");
    }
    // Only this compound's unit doors: none of the neighbours' door numbers beside building 1's.
    assert_eq!(words.iter().filter(|w| **w == "1").count(), 1, "one `1`, building 1:\n{text}");
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("Pages:           1") && info.contains("595 x 842 pts (A4)"), "{info}");
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(fonts.lines().skip(2).all(|l| l.contains("yes yes")), "fonts embedded and subset: {fonts}");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots/signboard-kailu6-a4");
    tool("pdftoppm", &["-png", "-r", "110", "-singlefile", pdf.to_str().unwrap(), shots.to_str().unwrap()]);
    let a3 = env.dir.path().join("kailu6-a3.pdf");
    env.ok(&["--lang", "en", "sign", "--compound", "开鲁六村", "--paper", "a3", "--out", a3.to_str().unwrap()]);
    let info = tool("pdfinfo", &[a3.to_str().unwrap()]);
    assert!(info.contains("842 x 1191 pts (A3)"), "{info}");
    let text = tool("pdftotext", &[a3.to_str().unwrap(), "-"]);
    assert!(text.contains("Rider guide") && text.contains("e-bikes must be pushed"), "{text}");
}

/// What a poppler tool prints (scripts/setup.sh installs poppler-utils).
fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("{name}: {e} (install poppler-utils)"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
