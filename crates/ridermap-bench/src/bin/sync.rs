//! `cargo run --release -p ridermap-bench --bin sync-bench -- [--places N] [--devices D] [--postgres]`
//!
//! Sync over loopback against a real server (axum on 127.0.0.1:0, on its embedded SQLite store, or
//! with `--postgres` on a scratch database of the PostgreSQL server named by RIDERMAP_TEST_PG, as
//! `bash scripts/postgres.sh` prints it): server ingest,
//! a new device's initial sync of a region (N places + N reports) and its apply rate against a raw
//! bulk insert of the same rows, an incremental sync of 10 edits, bytes on the wire per field edit
//! and for an idle pull, and D devices in pull loops. Prints a Markdown table for BENCHMARKS.md.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Result;
use chrono::Utc;
use ridermap_core::{Grid, Id, Outcome, Role, Stamp, StatusReport};
use ridermap_device::{Checksums, login, sync_once};
use ridermap_server::Db;
use ridermap_store::{Actor, ImportOptions, Store};
use ridermap_sync::protocol::{PROTOCOL_VERSION, PullRequest};
use serde_json::json;

fn gz(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
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
    let n = arg("--places", 100_000);
    let devices = arg("--devices", 1000);
    let dir = tempfile::tempdir()?;
    let pg = match args.iter().any(|a| a == "--postgres") {
        true => Some(ridermap_server::scratch::ScratchDb::create()?),
        false => None,
    };
    let db = match &pg {
        Some(pg) => pg.open()?,
        None => Db::open(dir.path().join("server.sqlite"))?,
    };

    // The server on loopback.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let served = db.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            // Every simulated device logs in from this one address: logins are not what is measured.
            let login = ridermap_server::Rate { every: std::time::Duration::from_micros(1), burst: 1_000_000 };
            let limits = ridermap_server::Limits { login, ..Default::default() };
            ridermap_server::serve(listener, served, &limits, std::future::pending()).await.unwrap();
        });
    });
    let url = format!("http://{}", addr_rx.recv()?);
    let enrol = |role: Role, grids: &[String]| -> Result<Store> {
        let mut s = Store::open(dir.path().join(format!("{}.sqlite", Id::new())))?;
        login(&mut s, &url, &db.create_invite(role, grids, &[])?, None)?;
        Ok(s)
    };
    let mut rows = vec![];

    // 1. A grid worker's device writes N places and N reports, then pushes them: server ingest.
    let g = vec!["g1".to_string()];
    let mut writer = enrol(Role::GridWorker, &g)?;
    writer.put_grid(
        &Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() },
        &Actor::default(),
    )?;
    let features: Vec<_> = (0..n)
        .map(|i| {
            let (lat, lon) = (31.30 + (i % 1000) as f64 * 1e-4, 121.50 + (i / 1000) as f64 * 1e-4);
            let kind = ["entrance", "charger", "rest_stop"][i % 3];
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                   "properties": {"kind": kind, "name": format!("地点{i}"), "grid": "g1", "opening_hours": "24/7"}})
        })
        .collect();
    let text = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features}))?;
    writer.import(
        &ridermap_exchange::geo_json::read("sync.geojson", &text)?,
        ImportOptions::default(),
        &Actor::default(),
    )?;
    let places = writer.places(None)?;
    // As the app files them: by the enrolled account, in its role (the server keeps exactly these).
    let account = writer.setting("sync_account")?;
    for (i, p) in places.iter().enumerate().take(n) {
        let mut r =
            StatusReport::new([Outcome::Refused, Outcome::GotIn, Outcome::Broken][i % 3], p.lat, p.lon, Utc::now());
        r.target = Some(p.id);
        r.reporter = account.clone();
        r.reporter_role = Role::GridWorker;
        writer.add_report(&r, &Actor::default())?;
    }
    let total = writer.pending_count()? as usize;
    let t = Instant::now();
    let pushed = sync_once(&mut writer, Checksums::Skip)?.pushed;
    let ingest = t.elapsed().as_secs_f64();
    assert_eq!(pushed, total);
    rows.push((
        "server ingest (push over loopback)",
        format!("{:.0} changes/s", total as f64 / ingest),
        format!("{total} changes in {ingest:.1} s, batches of 500"),
        "≥ 5,000 changes/s",
    ));

    // 2. A new rider device's initial sync of the region, and a raw bulk insert of the same rows.
    let mut reader = enrol(Role::Rider, &[])?;
    let t = Instant::now();
    let pulled = sync_once(&mut reader, Checksums::Skip)?.pulled;
    let initial = t.elapsed().as_secs_f64();
    assert_eq!(pulled, total, "the new device pulled everything the writer pushed");
    let bodies: Vec<String> = {
        let code = db.create_invite(Role::Admin, &[], &[])?;
        let admin = db.account(&db.login(&code, "bench")?.token)?.expect("just enrolled");
        let mut req = PullRequest {
            protocol: PROTOCOL_VERSION,
            cursors: Default::default(),
            regions: None,
            bbox: None,
            limit: 5000,
        };
        let mut out = vec![];
        loop {
            let page = db.pull_raw(&admin, &req)?;
            out.extend(page.changes.iter().map(|c| c.get().to_string()));
            req.cursors = page.cursors;
            if !page.more {
                break out;
            }
        }
    };
    let raw = {
        let mut conn = rusqlite::Connection::open(dir.path().join("raw.sqlite"))?;
        conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE raw(id TEXT PRIMARY KEY, body TEXT NOT NULL);")?;
        let t = Instant::now();
        let tx = conn.transaction()?;
        for b in &bodies {
            let id = serde_json::from_str::<serde_json::Value>(b)?["id"].as_str().unwrap_or_default().to_string();
            tx.execute("INSERT INTO raw(id, body) VALUES (?1, ?2)", rusqlite::params![id, b])?;
        }
        tx.commit()?;
        t.elapsed().as_secs_f64()
    };
    rows.push((
        "initial sync of a region",
        format!("{initial:.1} s"),
        format!("{pulled} changes ({n} places + {n} reports); apply {:.0} changes/s = {:.0}% of a raw bulk insert ({:.0}/s)", pulled as f64 / initial, 100.0 * raw / initial, bodies.len() as f64 / raw),
        "≤ 10 s; ≥ 25%",
    ));

    // 3. Incremental: 10 edits on the writer, pushed; the reader's round that brings them.
    let ids: Vec<Id> = places.iter().take(10).map(|p| p.id).collect();
    for id in &ids {
        writer.edit_place(*id, &[("name".into(), format!("改{id}"))], &Actor::default())?;
    }
    let edits = writer.outbox(10)?;
    let body = serde_json::to_vec(&json!({"protocol": PROTOCOL_VERSION, "changes": edits}))?;
    let per_edit = gz(&body) as f64 / edits.len() as f64;
    sync_once(&mut writer, Checksums::Skip)?;
    let t = Instant::now();
    let got = sync_once(&mut reader, Checksums::Skip)?.pulled;
    let incr = t.elapsed();
    assert_eq!(got, 10);
    rows.push((
        "incremental sync of 10 changes",
        format!("{:.1} ms", incr.as_secs_f64() * 1e3),
        "the reader's whole round: push (empty) + pull + apply".into(),
        "≤ 50 ms",
    ));
    rows.push((
        "bytes per field edit",
        format!("{per_edit:.0} B"),
        "10 one-field edits in one gzip push body".into(),
        "≤ 80 B",
    ));

    // 4. Idle pull on the wire.
    let token = ridermap_device::token(&reader)?.unwrap_or_default();
    let cursors = reader.setting("pull_cursor")?.unwrap_or_default();
    let req = format!(r#"{{"protocol":1,"cursors":{cursors},"limit":1000}}"#);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut res = agent
        .post(&format!("{url}/v1/pull"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept-Encoding", "gzip")
        .header("Content-Encoding", "gzip")
        .send(
            &{
                let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
                e.write_all(req.as_bytes())?;
                e.finish()?
            }[..],
        )?;
    assert_eq!(res.status().as_u16(), 200, "an idle pull measured on an error reply measures nothing");
    let idle = res.body_mut().read_to_vec()?;
    let down = idle.len();
    let page: ridermap_sync::protocol::PullResponse = serde_json::from_slice(&idle).or_else(|_| -> Result<_> {
        let mut inflated = vec![];
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&idle[..]), &mut inflated)?;
        Ok(serde_json::from_slice(&inflated)?)
    })?;
    assert!(page.changes.is_empty() && !page.more, "an idle pull brings nothing");
    rows.push((
        "idle pull on the wire",
        format!("{} B", gz(req.as_bytes()) + down),
        "request + response bodies, gzip".into(),
        "≤ 1 KB",
    ));

    // 5. D devices in pull loops (idle pulls), 5 rounds each, over 32 client threads.
    let tokens: Vec<String> = (0..devices)
        .map(|_| {
            let code = db.create_invite(Role::Rider, &[], &[]).unwrap();
            db.login(&code, &Id::new().to_string()).unwrap().token
        })
        .collect();
    let cursors: std::collections::BTreeMap<String, i64> = serde_json::from_str(&cursors).unwrap_or_default();
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(devices * 5)));
    let t = Instant::now();
    std::thread::scope(|s| {
        for chunk in tokens.chunks(devices.div_ceil(32).max(1)) {
            let (latencies, url, cursors) = (latencies.clone(), url.clone(), cursors.clone());
            s.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                for _ in 0..5 {
                    for tok in chunk {
                        let body = PullRequest {
                            protocol: PROTOCOL_VERSION,
                            cursors: cursors.clone(),
                            regions: None,
                            bbox: None,
                            limit: 100,
                        };
                        let t = Instant::now();
                        let mut r = agent
                            .post(&format!("{url}/v1/pull"))
                            .header("Authorization", &format!("Bearer {tok}"))
                            .send_json(&body)
                            .unwrap();
                        let page = r.body_mut().read_to_vec().unwrap();
                        latencies.lock().unwrap().push(t.elapsed());
                        assert_eq!(r.status().as_u16(), 200, "{}", String::from_utf8_lossy(&page));
                    }
                }
            });
        }
    });
    let wall = t.elapsed();
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let p = |q: f64| l[((l.len() as f64 * q) as usize).min(l.len() - 1)];
    rows.push((
        "devices in pull loops",
        format!("p99 {:.1} ms", p(0.99).as_secs_f64() * 1e3),
        format!(
            "{devices} devices × 5 idle pulls over 32 threads in {:.1} s; median {:.1} ms",
            wall.as_secs_f64(),
            p(0.5).as_secs_f64() * 1e3
        ),
        "p99 ≤ 200 ms",
    ));
    let _ = Duration::ZERO;

    println!("Server store: {}\n", db.backend_name());
    println!("| measure | result | context (same run) | goal |\n|---|---|---|---|");
    for (m, v, c, g) in rows {
        println!("| {m} | {v} | {c} | {g} |");
    }
    Ok(())
}
