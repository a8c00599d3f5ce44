//! `cargo run --release -p ridermap-bench --bin feed-bench -- [--places N] [--requests R]`
//!
//! The open feed (`GET /v1/feed?grid=…`) of a grid of N verified places, over loopback against a
//! real server on its embedded SQLite store: requests per second when nothing changed between
//! them (answered from the cache: with the ETag, 304; without, the cached body), and when one
//! place changed before each (the feed is built again). The baseline, in the same run, is what
//! every request cost before the cache: building the feed from the places (`Db::feed`) and
//! serialising it. Prints a Markdown table for BENCHMARKS.md.

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::Utc;
use ridermap_core::{Grid, Hlc, Id, Place, PlaceKind, Role, Stamp};
use ridermap_server::{Db, Limits, Rate};
use ridermap_sync::{Entity, Op, WireChange};
use serde_json::Value;

fn change(entity: Entity, id: Id, value: Value, ms: i64) -> WireChange {
    let Value::Object(fields) = value else { unreachable!("records serialize to objects") };
    WireChange::new(entity, id, Op::Put, fields, Hlc { ms, counter: 0 }, "bench")
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (n, requests) = (arg("--places", 5000), arg("--requests", 2000));
    let dir = tempfile::tempdir()?;
    let db = Db::open(dir.path().join("server.sqlite"))?;
    let admin = db.account(&db.login(&db.create_invite(Role::Admin, &[], &[])?, "bench")?.token)?.expect("enrolled");
    let now = Utc::now().timestamp_millis();
    let grid = Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() };
    db.push(&admin, &[change(Entity::Grid, grid.id, serde_json::to_value(&grid)?, now)])?;
    let mut first = None;
    let places: Vec<WireChange> = (0..n)
        .map(|i| {
            let mut p = Place::new(PlaceKind::Charger, format!("换电柜{i}"), 31.30 + (i % 100) as f64 * 1e-4, 121.5);
            p.grid = Some("g1".into());
            p.stamp.verified_at = Some(Utc::now());
            first.get_or_insert(p.id);
            change(Entity::Place, p.id, serde_json::to_value(&p).expect("places serialize"), now)
        })
        .collect();
    for batch in places.chunks(500) {
        db.push(&admin, batch)?;
    }
    let first = first.expect("at least one place");

    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let served = db.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("a runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
            addr_tx.send(listener.local_addr().expect("an address")).expect("main waits");
            // One client on loopback asks thousands of times: the per-address limit is not measured.
            let feed = Rate { every: Duration::from_micros(1), burst: 10_000_000 };
            let limits = Limits { feed, ..Limits::default() };
            ridermap_server::serve(listener, served, &limits, std::future::pending()).await.expect("serves");
        });
    });
    let url = format!("http://{}/v1/feed?grid=g1", addr_rx.recv()?);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let get = |etag: Option<&str>| -> Result<(u16, String)> {
        let mut req = agent.get(&url);
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        let mut res = req.call()?;
        let tag = res.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        res.body_mut().with_config().limit(64 << 20).read_to_vec()?;
        Ok((res.status().as_u16(), tag))
    };
    let (_, etag) = get(None)?;
    let rate = |count: usize, t: Instant| count as f64 / t.elapsed().as_secs_f64();

    // Baseline: what each request did before the cache.
    let t = Instant::now();
    let builds = (requests / 20).max(5);
    for _ in 0..builds {
        let features = db.feed(Some("g1"), None)?;
        std::hint::black_box(serde_json::json!({"type": "FeatureCollection", "features": features}).to_string());
    }
    let baseline = rate(builds, t);

    let t = Instant::now();
    for _ in 0..requests {
        assert_eq!(get(Some(&etag))?.0, 304);
    }
    let not_modified = rate(requests, t);
    let t = Instant::now();
    for _ in 0..requests {
        assert_eq!(get(None)?.0, 200);
    }
    let cached = rate(requests, t);

    // A change before each request: the feed is built again every time.
    let before = db.feed_stats();
    let changed_requests = builds;
    let t = Instant::now();
    for i in 0..changed_requests {
        let fields = serde_json::json!({"name": format!("换电柜0-{i}")});
        db.push(&admin, &[change(Entity::Place, first, fields, now + 1 + i as i64)])?;
        assert_eq!(get(Some(&etag))?.0, 200);
    }
    let changed = rate(changed_requests, t);
    assert_eq!(db.feed_stats().builds - before.builds, changed_requests as u64, "built once per change");

    println!("| measure | requests/s | vs building per request |");
    println!("|---|---|---|");
    println!("| building the feed per request (before; baseline) | {baseline:.0} | 1× |");
    println!("| unchanged, with its ETag (304) | {not_modified:.0} | {:.0}× |", not_modified / baseline);
    println!("| unchanged, without an ETag (cached body) | {cached:.0} | {:.0}× |", cached / baseline);
    println!("| one place changed before each (push, then build) | {changed:.0} | {:.2}× |", changed / baseline);
    println!("\n{n} verified places in the grid; {requests} requests per unchanged row, one client.");
    Ok(())
}
