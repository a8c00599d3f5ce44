//! `cargo run --release -p ridermap-bench --bin ridermap-bench -- [--places N] [--queries Q]`
//!
//! Builds a store of N places spread over a Shanghai-sized area (seeded), then measures each goal
//! of the foundation issue as a median and as a ratio against a baseline measured in the same run.
//! Prints a Markdown table for BENCHMARKS.md.

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use ridermap_core::{
    Id, LatLon, PlaceKind,
    rank::{GateQuery, Vehicle},
};
use ridermap_store::{Actor, ImportOptions, NearbyQuery, Store};
use serde_json::json;

const SYLLABLES: &[&str] = &[
    "开", "鲁", "民", "星", "国", "和", "市", "光", "殷", "行", "政", "立", "工", "农", "嫩", "江", "新", "村", "苑",
    "城",
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn name(rng: &mut StdRng, i: usize) -> String {
    let n = rng.random_range(3..7);
    let s: String = (0..n).map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())]).collect();
    format!("{s}{}号", i % 997)
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
    let n = arg("--places", 1_000_000);
    let queries = arg("--queries", 1000);
    let mut rng = StdRng::seed_from_u64(42);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.sqlite");
    let mut rows = vec![];

    // 1. Import from GeoJSON (parse + import), Shanghai-sized box (~80 km x 80 km).
    let mut features = Vec::with_capacity(n);
    for i in 0..n {
        let kind = ["entrance", "charger", "rest_stop"][i % 3];
        let (lat, lon) = (30.90 + rng.random::<f64>() * 0.72, 121.10 + rng.random::<f64>() * 0.84);
        features.push(json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": kind, "name": name(&mut rng, i), "opening_hours": "06:00-22:00"}}));
    }
    let text = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features}))?;
    drop(features);
    let mut store = Store::open(&path)?;
    let t = Instant::now();
    let parsed = ridermap_exchange::geo_json::read("bench.geojson", &text)?;
    let parse_s = t.elapsed().as_secs_f64();
    let report = store.import(&parsed, ImportOptions::default(), &Actor::default())?;
    let import_s = t.elapsed().as_secs_f64();
    assert_eq!(report.inserted, n);
    drop(parsed);
    rows.push((
        "import from GeoJSON",
        format!("{:.0} places/s", n as f64 / import_s),
        format!("{n} places in {import_s:.1} s: parse {parse_s:.1} s, store {:.1} s", import_s - parse_s),
        "≥ 50,000 places/s".to_string(),
    ));
    drop(store);

    // 2. Open time and size.
    let t = Instant::now();
    let store = Store::open(&path)?;
    let open = t.elapsed();
    store.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let bytes = std::fs::metadata(&path)?.len();
    rows.push((
        "open a store",
        format!("{:.1} ms", open.as_secs_f64() * 1e3),
        format!("{n} places"),
        "≤ 200 ms".into(),
    ));
    rows.push((
        "bytes per place",
        format!("{}", bytes / n as u64),
        format!("{:.0} MB file incl. change log and indexes", bytes as f64 / 1e6),
        "—".into(),
    ));

    // 3. Nearest 10: store vs linear scan of the same table vs in-memory rstar.
    let points: Vec<LatLon> = (0..queries)
        .map(|_| LatLon::new(30.95 + rng.random::<f64>() * 0.62, 121.15 + rng.random::<f64>() * 0.74))
        .collect();
    let mut store_answers = vec![];
    let store_times: Vec<Duration> = points
        .iter()
        .map(|p| {
            let mut q = NearbyQuery::new(*p);
            q.limit = 10;
            let t = Instant::now();
            let r = store.nearby(&q).unwrap();
            let took = t.elapsed();
            assert_eq!(r.len(), 10);
            store_answers.push(r.into_iter().map(|n| n.place.id).collect::<Vec<_>>());
            took
        })
        .collect();
    let mut all: Vec<(f64, f64, i64)> = vec![];
    {
        let mut stmt = store.connection().prepare("SELECT lat, lon, rid FROM places")?;
        for r in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            all.push(r?);
        }
    }
    let mut scan_answers: Vec<Vec<(f64, i64)>> = vec![];
    let scan_times: Vec<Duration> = points
        .iter()
        .take(20.min(queries))
        .map(|p| {
            let t = Instant::now();
            let mut stmt = store.connection().prepare_cached("SELECT lat, lon, rid FROM places").unwrap();
            let mut best: Vec<(f64, i64)> = stmt
                .query_map([], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?, r.get::<_, i64>(2)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .map(|(lat, lon, rid)| (p.distance_m(&LatLon::new(lat, lon)), rid))
                .collect();
            best.select_nth_unstable_by(9, |a, b| a.0.total_cmp(&b.0));
            let took = t.elapsed();
            best.truncate(10);
            best.sort_by(|a, b| a.0.total_cmp(&b.0));
            scan_answers.push(best);
            took
        })
        .collect();
    // The store's answer is the scan's: the same ten places.
    for (i, scan) in scan_answers.iter().enumerate() {
        let ids_of = |rids: Vec<i64>| -> Vec<Id> {
            let mut stmt = store.connection().prepare_cached("SELECT id FROM places WHERE rid = ?1").unwrap();
            rids.into_iter()
                .map(|rid| stmt.query_row([rid], |r| r.get::<_, String>(0)).unwrap().parse().unwrap())
                .collect()
        };
        let mut want = ids_of(scan.iter().map(|(_, rid)| *rid).collect());
        let mut got = store_answers[i].clone();
        want.sort();
        got.sort();
        assert_eq!(got, want, "query {i}: the store's nearest 10 are not the scan's");
    }
    let tree = rstar::RTree::bulk_load(
        all.iter().map(|(lat, lon, rid)| rstar::primitives::GeomWithData::new([*lon, *lat], *rid)).collect(),
    );
    let tree_times: Vec<Duration> = points
        .iter()
        .map(|p| {
            let t = Instant::now();
            let got: Vec<_> = tree.nearest_neighbor_iter(&[p.lon, p.lat]).take(10).collect();
            assert_eq!(got.len(), 10);
            t.elapsed()
        })
        .collect();
    let (ms, mscan, mtree) = (median(store_times), median(scan_times), median(tree_times));
    rows.push((
        "nearest 10 (store, R*Tree)",
        us(ms),
        format!(
            "{:.0}× faster than a linear scan ({}); {:.1}× the in-memory rstar tree ({})",
            mscan.as_secs_f64() / ms.as_secs_f64(),
            us(mscan),
            ms.as_secs_f64() / mtree.as_secs_f64(),
            us(mtree)
        ),
        "≤ 0.5 ms; ≥ 200× scan; ≤ 10× rstar".into(),
    ));

    // 4. Text search: 3-character substrings of existing names.
    let names: Vec<String> = {
        let mut stmt = store.connection().prepare("SELECT name FROM places WHERE rid % 997 = 1 LIMIT 500")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    let search_times: Vec<Duration> = names
        .iter()
        .take(queries.min(300))
        .map(|nm| {
            let q: String = nm.chars().skip(1).take(3).collect();
            let t = Instant::now();
            let r = store.search(&q, None, 20).unwrap();
            assert!(!r.is_empty(), "{q}");
            t.elapsed()
        })
        .collect();
    let like_times: Vec<Duration> = names
        .iter()
        .take(5)
        .map(|nm| {
            let q: String = nm.chars().skip(1).take(3).collect();
            let t = Instant::now();
            let c: i64 = store
                .connection()
                .query_row("SELECT count(*) FROM places WHERE name LIKE '%' || ?1 || '%'", [&q], |r| r.get(0))
                .unwrap();
            assert!(c > 0);
            t.elapsed()
        })
        .collect();
    let (msearch, mlike) = (median(search_times), median(like_times));
    rows.push((
        "text search (FTS5 trigram)",
        us(msearch),
        format!("{:.0}× faster than LIKE over the table ({})", mlike.as_secs_f64() / msearch.as_secs_f64(), us(mlike)),
        "≤ 5 ms".into(),
    ));

    // 5. Best gate: a compound with 50 gates and 200 reports, in a store of its own.
    let gdir = tempfile::tempdir()?;
    let mut gstore = Store::open(gdir.path().join("gate.sqlite"))?;
    let mut f = vec![
        json!({"type":"Feature","geometry":{"type":"Point","coordinates":[121.53,31.33]},"properties":{"kind":"compound","name":"基准村","buildings":(1..=40).map(|b| json!({"number": b.to_string(), "lat": 31.33 + b as f64 * 1e-5, "lon": 121.53})).collect::<Vec<_>>()}}),
    ];
    for g in 0..50 {
        let hours = ["24/7", "06:00-22:00", "22:00-06:00", "Mo-Fr 07:00-19:00"][g % 4];
        let ebike = ["allowed", "push", "refused"][g % 3];
        f.push(json!({"type":"Feature","geometry":{"type":"Point","coordinates":[121.53 + g as f64 * 1e-4, 31.329]},"properties":{"kind":"entrance","name":format!("{g}号门"),"compound":"基准村","opening_hours":hours,"ebike":ebike,"source":format!("g{g}")}}));
    }
    let rows_in = ridermap_exchange::geo_json::read(
        "gate.geojson",
        &serde_json::to_vec(&json!({"type":"FeatureCollection","features":f}))?,
    )?;
    gstore.import(&rows_in, ImportOptions::default(), &Actor::default())?;
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 13, 0, 0).unwrap();
    let gates = gstore.places(Some(PlaceKind::Entrance))?;
    for i in 0..200 {
        let g = &gates[i % gates.len()];
        let outcome =
            [ridermap_core::Outcome::Refused, ridermap_core::Outcome::Closed, ridermap_core::Outcome::GotIn][i % 3];
        let mut r =
            ridermap_core::StatusReport::new(outcome, g.lat, g.lon, now - chrono::Duration::minutes(i as i64 * 17));
        r.target = Some(g.id);
        gstore.add_report(&r, &Actor::default())?;
    }
    let gq = GateQuery { building: Some("12".into()), at: now, vehicle: Vehicle::Ebike };
    let gate_times: Vec<Duration> = (0..queries.min(300))
        .map(|_| {
            let t = Instant::now();
            let (_, ranked) = gstore.best_gate("基准村", &gq).unwrap();
            assert_eq!(ranked.len(), 50);
            t.elapsed()
        })
        .collect();
    rows.push((
        "best gate, 50 gates + 200 reports",
        us(median(gate_times)),
        "store lookup + ranking".into(),
        "≤ 1 ms".into(),
    ));

    // 6. One report saved, durable across a power cut (synchronous=FULL, the store's setting)
    //    against the same write that may roll back (synchronous=NORMAL), same file, same run.
    // One report on the i-th gate, timed, with the statement `then` after it (if any).
    let write_report = |store: &mut Store, i: usize, then: Option<&str>| {
        let g = &gates[i % gates.len()];
        let mut r = ridermap_core::StatusReport::new(ridermap_core::Outcome::GotIn, g.lat, g.lon, Utc::now());
        r.target = Some(g.id);
        let t = Instant::now();
        store.add_report(&r, &Actor::default()).unwrap();
        if let Some(sql) = then {
            store.connection().execute_batch(sql).unwrap();
        }
        t.elapsed()
    };
    let writes = queries.clamp(20, 200);
    let durable: Vec<Duration> = (0..writes).map(|i| write_report(&mut gstore, i, None)).collect();
    let mut normal_store = Store::open(gdir.path().join("gate.sqlite"))?;
    normal_store.connection().pragma_update(None, "synchronous", "NORMAL")?;
    let normal: Vec<Duration> = (0..writes).map(|i| write_report(&mut normal_store, i, None)).collect();
    // The other durable choice: NORMAL, then a checkpoint (which syncs) before "saved" is shown.
    let checkpointed: Vec<Duration> =
        (0..writes).map(|i| write_report(&mut normal_store, i, Some("PRAGMA wal_checkpoint(FULL)"))).collect();
    let (md, mn, mc) = (median(durable), median(normal), median(checkpointed));
    rows.push((
        "a report saved (durable)",
        us(md),
        format!(
            "synchronous=FULL, {writes} writes; {:.1}× the same write with synchronous=NORMAL ({}), which a power cut can roll back; NORMAL plus a checkpoint before \"saved\", the other durable way: {} ({:.1}×)",
            md.as_secs_f64() / mn.as_secs_f64(),
            us(mn),
            us(mc),
            mc.as_secs_f64() / mn.as_secs_f64(),
        ),
        "durable; cost reported".into(),
    ));

    println!("| measure | median / rate | context (same run) | goal |\n|---|---|---|---|");
    for (m, v, c, g) in rows {
        println!("| {m} | {v} | {c} | {g} |");
    }
    Ok(())
}
