//! Crashes in the middle of sync lose nothing and apply nothing twice: the client killed (SIGKILL)
//! while it pushes, and the server killed while it receives pushes. Afterwards a clean sync puts
//! every acknowledged write on the server exactly once and the device's checksums match. The server
//! runs on its SQLite store and on PostgreSQL (`RIDERMAP_TEST_PG`).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use ridermap_server::{Db, scratch::ScratchDb};
use serde_json::Value;

/// The server's store, as the CLI names it, and a handle to count what it holds.
struct ServerStore {
    args: Vec<String>,
    db: Db,
    _pg: Option<ScratchDb>,
}

impl ServerStore {
    fn new(backend: &str, dir: &Path) -> ServerStore {
        match backend {
            "sqlite" => {
                let path = dir.join("server.sqlite");
                let db = Db::open(&path).unwrap();
                ServerStore { args: vec!["--db".into(), path.display().to_string()], db, _pg: None }
            }
            _ => {
                let pg = ScratchDb::create().unwrap();
                let db = pg.open().unwrap();
                ServerStore { args: vec!["--database-url".into(), pg.url.clone()], db, _pg: Some(pg) }
            }
        }
    }

    /// How many changes the server has stored (read while it runs).
    fn changes(&self) -> i64 {
        self.db.change_count().unwrap()
    }

    fn admin(&self, args: &[&str]) -> String {
        let o = Command::new(env!("CARGO_BIN_EXE_ridermap")).args(&self.args).args(args).output().unwrap();
        assert!(o.status.success(), "ridermap {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

/// Each test, once per server backend.
mod on_every_backend {
    ridermap_server::on_every_backend!(
        killing_the_client_mid_sync_loses_and_duplicates_nothing,
        killing_the_server_mid_push_loses_and_duplicates_nothing,
        sync_watch_keeps_sending_new_writes,
    );
}

fn ridermap(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ridermap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RIDERMAP_LANG", "en")
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let o = ridermap(db, args);
    assert!(o.status.success(), "ridermap {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `ridermap --db DB ARGS` running on its own, output discarded.
fn background(db: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ridermap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn serve(store: &ServerStore) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ridermap"))
        .args(&store.args)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().trim_start_matches("listening on ").to_string())
}

/// Wait (bounded) until `cond` holds; the processes involved run on their own.
fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10)); // polling a condition, not ordering by time
    }
}

/// A device enrolled as a rider with `n` hazard reports waiting to be pushed.
fn device_with_reports(dir: &Path, url: &str, server: &ServerStore, n: usize) -> std::path::PathBuf {
    let device = dir.join("device.sqlite");
    let code = server.admin(&["admin", "invite", "--role", "rider"]).trim().to_string();
    ok(&device, &["login", "--server", url, "--invite", &code]);
    let mut store = ridermap_store::Store::open(&device).unwrap();
    for i in 0..n {
        let r = ridermap_core::StatusReport::new(
            ridermap_core::Outcome::Hazard,
            31.33,
            121.53 + i as f64 * 1e-5,
            chrono::Utc::now(),
        );
        store.add_report(&r, &ridermap_store::Actor::default()).unwrap();
    }
    device
}

fn status(device: &Path) -> Value {
    serde_json::from_str(&ok(device, &["sync", "--status", "--json"])).unwrap()
}

fn killing_the_client_mid_sync_loses_and_duplicates_nothing(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server_db = ServerStore::new(backend, dir.path());
    let (mut server, url) = serve(&server_db);
    // Twelve batches: the kill lands after the first, long before the last.
    let n = 6000;
    let device = device_with_reports(dir.path(), &url, &server_db, n);
    assert_eq!(status(&device)["pending"], n as i64);

    let mut client = background(&device, &["sync"]);
    until("the first pushed batch", || server_db.changes() > 0);
    client.kill().unwrap(); // SIGKILL
    client.wait().unwrap();
    let landed = server_db.changes();
    assert!(landed < n as i64, "the sync had already finished ({landed} of {n}): nothing was interrupted");

    ok(&device, &["sync", "--verify"]);
    assert_eq!(status(&device)["pending"], 0);
    assert_eq!(server_db.changes(), n as i64, "every report exactly once");
    server.kill().unwrap();
    server.wait().unwrap();
}

fn killing_the_server_mid_push_loses_and_duplicates_nothing(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server_db = ServerStore::new(backend, dir.path());
    let (mut server, url) = serve(&server_db);
    let n = 6000;
    let device = device_with_reports(dir.path(), &url, &server_db, n);
    let mut client = background(&device, &["sync"]);
    until("the first pushed batch", || server_db.changes() > 0);
    server.kill().unwrap(); // SIGKILL, possibly inside a push transaction
    server.wait().unwrap();
    let landed = server_db.changes();
    assert!(landed < n as i64, "the sync had already finished ({landed} of {n}): nothing was interrupted");
    assert!(!client.wait().unwrap().success(), "the client saw its server go");

    // The server comes back on the same store (a new port); the device syncs again.
    let (mut server, url) = serve(&server_db);
    ok(&device, &["sync", "--server", &url, "--verify"]);
    assert_eq!(status(&device)["pending"], 0);
    assert_eq!(server_db.changes(), n as i64, "every report exactly once");
    server.kill().unwrap();
    server.wait().unwrap();
}

fn sync_watch_keeps_sending_new_writes(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server_db = ServerStore::new(backend, dir.path());
    let (mut server, url) = serve(&server_db);
    let device = device_with_reports(dir.path(), &url, &server_db, 1);
    let mut watcher = background(&device, &["sync", "--watch", "--every", "1"]);
    until("the first report", || server_db.changes() == 1);
    ok(&device, &["report", "add", "--outcome", "hazard", "--lat", "31.33", "--lon", "121.53"]);
    until("the report written while watching", || server_db.changes() == 2);
    watcher.kill().unwrap();
    watcher.wait().unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
}
