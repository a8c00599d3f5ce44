//! `cargo run --release -p ridermap-bench --bin route-bench -- [--queries N] [--demo] [--import FILE.osm.pbf]…`
//!
//! Routes, measured against baselines in the same run (BENCHMARKS.md has the figures):
//! - inside a compound whose lanes have about 2,000 nodes: one route (A*), median; and the best
//!   gate's routes for 50 gates by one backwards search from the building, against 50 searches;
//! - across a 10 km × 10 km street grid: A* against plain Dijkstra on the same graph;
//! - `--demo`: what routes are for — on the demo data, every building of the compounds with lanes
//!   × 4 times of day × e-bike and foot, the way in through the gate Ridermap picks against the
//!   gate nearest in a straight line (what a rider without it tries first; a closed or refusing
//!   one sends them round to the next);
//! - `--import FILE`: importing an OSM file's base layer into a fresh store (ways per second,
//!   bytes per way, the importing process's peak memory), in a child process of its own; and the
//!   region's base-layer pack made from it (bytes on the wire, time to install on a device); with
//!   `--osm2pgsql DB`, Debian's osm2pgsql importing the same file into PostgreSQL database DB
//!   (PostGIS and hstore in it; PGHOST, PGUSER, PGPASSWORD from the environment) right after.
//!
//! Prints Markdown tables.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng, rngs::StdRng};
use ridermap_core::rank::Vehicle;
use ridermap_route::{Network, Oneway, Ride, Stop, Way, WayClass};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p95(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

/// `[lon, lat]` of x metres east, y north of 121.5 E, 31.3 N.
fn at(x: f64, y: f64) -> [f64; 2] {
    [121.5 + x / (111_320.0 * 0.854_459), 31.3 + y / 110_574.0]
}

fn lane(points: Vec<[f64; 2]>, class: WayClass) -> Way {
    Way {
        line: points,
        name: None,
        class,
        foot: true,
        ebike: Ride::Ride,
        oneway: Oneway::No,
        lit: None,
        elevated: false,
    }
}

/// A lattice of `n` × `n` lanes `step` metres apart: every crossing a node.
fn lattice(n: usize, step: f64, class: WayClass) -> Vec<Way> {
    let mut ways = vec![];
    for i in 0..n {
        let c = i as f64 * step;
        ways.push(lane((0..n).map(|j| at(j as f64 * step, c)).collect(), class));
        ways.push(lane((0..n).map(|j| at(c, j as f64 * step)).collect(), class));
    }
    ways
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn compound(queries: usize, rng: &mut StdRng) -> Vec<(String, String, String, &'static str)> {
    // 45 × 45 lanes 9 m apart: 2,025 nodes in about 400 m × 400 m, a large old compound's paths.
    let (n, step) = (45, 9.0);
    let ways = lattice(n, step, WayClass::Lane);
    let t = Instant::now();
    let net = Network::build(&ways, &[], &[], &[]);
    let build = ms(t);
    let size = (n - 1) as f64 * step;
    let point = |rng: &mut StdRng| at(rng.random::<f64>() * size, rng.random::<f64>() * size);
    let mut one = vec![];
    for _ in 0..queries {
        let (a, b) = (point(rng), point(rng));
        let t = Instant::now();
        let r = net.route(&Stop::at(a), &[Stop::at(b)], Vehicle::Ebike);
        one.push(ms(t));
        assert!(r.is_some(), "a lattice connects every point");
    }
    // 50 gates round the edge, one building inside: one backwards search against 50 A*s.
    let gates: Vec<Stop> = (0..50)
        .map(|i| {
            let s = i as f64 / 50.0 * 4.0;
            let (x, y) = match s as usize {
                0 => (s.fract() * size, 0.0),
                1 => (size, s.fract() * size),
                2 => ((1.0 - s.fract()) * size, size),
                _ => (0.0, (1.0 - s.fract()) * size),
            };
            Stop::at(at(x, y))
        })
        .collect();
    let (mut once, mut each) = (vec![], vec![]);
    for _ in 0..queries.min(200) {
        let door = [Stop::at(point(rng))];
        let t = Instant::now();
        let found = net.routes_to(&gates, &door, Vehicle::Ebike);
        once.push(ms(t));
        assert!(found.iter().all(Option::is_some));
        let t = Instant::now();
        for g in &gates {
            net.route(g, &door, Vehicle::Ebike).expect("connected");
        }
        each.push(ms(t));
    }
    let (m_once, m_each) = (median(once), median(each));
    vec![
        (
            "route inside a compound (2,025 lane nodes, A*)".into(),
            format!("median {:.3} ms, p95 {:.3} ms", median(one.clone()), p95(one)),
            format!("{queries} random pairs; building the network once: {build:.1} ms"),
            "≤ 1 ms median",
        ),
        (
            "best gate: routes from 50 gates (one backwards search)".into(),
            format!("median {m_once:.3} ms"),
            format!("50 separate A* searches: median {m_each:.3} ms ({:.1}× slower)", m_each / m_once),
            "≤ 5 ms",
        ),
    ]
}

fn city(queries: usize, rng: &mut StdRng) -> Vec<(String, String, String, &'static str)> {
    // A 10 km × 10 km grid of streets 100 m apart: 10,201 crossings.
    let (n, step) = (101, 100.0);
    let ways = lattice(n, step, WayClass::Street);
    let t = Instant::now();
    let net = Network::build(&ways, &[], &[], &[]);
    let build = ms(t);
    let size = (n - 1) as f64 * step;
    let (mut astar, mut dijkstra) = (vec![], vec![]);
    for _ in 0..queries.min(100) {
        // Far apart: from the west third to the east third.
        let a = at(rng.random::<f64>() * size / 3.0, rng.random::<f64>() * size);
        let b = at(size * 2.0 / 3.0 + rng.random::<f64>() * size / 3.0, rng.random::<f64>() * size);
        let t = Instant::now();
        let x = net.route(&Stop::at(a), &[Stop::at(b)], Vehicle::Ebike).expect("connected");
        astar.push(ms(t));
        let t = Instant::now();
        let y = net.route_dijkstra(&Stop::at(a), &[Stop::at(b)], Vehicle::Ebike).expect("connected");
        dijkstra.push(ms(t));
        // As fast as Dijkstra's, to the millisecond per segment both search by.
        assert!((x.secs - y.secs).abs() <= 0.001 * y.secs, "A* {} s against Dijkstra {} s", x.secs, y.secs);
    }
    let (a, d) = (median(astar.clone()), median(dijkstra));
    vec![(
        "point to point across a 10 km × 10 km street grid (A*)".into(),
        format!("median {a:.2} ms, p95 {:.2} ms", p95(astar)),
        format!(
            "plain Dijkstra on the same graph: median {d:.2} ms ({:.1}× A*); 10,201 nodes, built in {build:.0} ms",
            d / a
        ),
        "≤ 20 ms",
    )]
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("import-one") {
        return import_one(&args[2], &args[3]);
    }
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| args.iter().position(|a| a == f).and_then(|i| args.get(i + 1)).cloned();
    let queries = value("--queries").and_then(|q| q.parse().ok()).unwrap_or(500usize);
    let mut rng = StdRng::seed_from_u64(20_240_420);
    let mut rows = compound(queries, &mut rng);
    rows.extend(city(queries, &mut rng));
    println!("| measure | result | baseline or context, same run | goal |\n|---|---|---|---|");
    for (m, r, c, g) in &rows {
        println!("| {m} | {r} | {c} | {g} |");
    }
    if flag("--demo") {
        demo()?;
    }
    let imports: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| *i > 0 && args[i - 1] == "--import" && !a.starts_with("--"))
        .map(|(_, a)| a)
        .collect();
    if !imports.is_empty() {
        println!(
            "\n| file | features in the base layer | import | features/s | bytes per feature (geometry; whole store) | peak memory | osm2pgsql, same file |"
        );
        println!("|---|---|---|---|---|---|---|");
        let mut took = vec![];
        for file in &imports {
            took.push(import(file, value("--osm2pgsql").as_deref())?);
        }
        println!(
            "\n| file | base-layer pack on the wire (gzip) | bytes per feature | pack made (server) | installed on a device | install vs importing the file |"
        );
        println!("|---|---|---|---|---|---|");
        for (file, import_secs) in imports.iter().zip(took) {
            pack(file, import_secs)?;
        }
    }
    Ok(())
}

/// A region's base-layer pack made from `file` (what `admin basemap publish` sends devices):
/// its size, the time to make it, and the time a device takes to install it into a fresh store,
/// against importing the file itself (`import_secs`, same run).
fn pack(file: &str, import_secs: f64) -> Result<()> {
    let t = Instant::now();
    let mut writer = ridermap_sync::pack::PackWriter::new("bench", file);
    ridermap_exchange::osm::read_path(std::path::Path::new(file), &mut writer).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (bytes, features) = writer.finish();
    let made = t.elapsed().as_secs_f64();
    let dir = tempfile::tempdir()?;
    let mut store = ridermap_store::Store::open(dir.path().join("device.sqlite"))?;
    let digest = ridermap_store::content_address(&bytes);
    let t = Instant::now();
    let report = store.install_base_pack("bench", &digest, |sink| {
        ridermap_sync::pack::decode(&bytes, sink).map(|_| ()).map_err(|e| e.message)
    })?;
    let install = t.elapsed().as_secs_f64();
    anyhow::ensure!(report.features as u64 == features, "installed {} of {features}", report.features);
    println!(
        "| {} | {:.0} KiB ({features} features) | {:.1} | {made:.2} s | {install:.2} s | {:.2}× |",
        std::path::Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        bytes.len() as f64 / 1024.0,
        bytes.len() as f64 / features.max(1) as f64,
        install / import_secs
    );
    Ok(())
}

/// osm2pgsql's default import of `file` into `db`: seconds and peak memory (GNU time's %M, KiB).
fn osm2pgsql(file: &str, db: &str) -> Result<(f64, f64)> {
    let t = Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", "osm2pgsql", "--create", "--database", db, file])
        .output()
        .context("running osm2pgsql (apt-get install osm2pgsql)")?;
    let secs = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("osm2pgsql: {err}");
    }
    let kib = err.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0.0);
    Ok((secs, kib))
}

/// Import `file` into a fresh store in a child process (its own peak memory), and report; the
/// seconds it took.
fn import(file: &str, osm2pgsql_db: Option<&str>) -> Result<f64> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("import.sqlite");
    let t = Instant::now();
    let out = std::process::Command::new(std::env::current_exe()?)
        .args(["import-one", file, &db.display().to_string()])
        .output()?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("importing {file}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let ways = report["ways"].as_f64().context("ways")?;
    let store_bytes = std::fs::metadata(&db)?.len() as f64;
    let theirs = match osm2pgsql_db {
        Some(db) => {
            let (s, kib) = osm2pgsql(file, db)?;
            format!("{s:.1} s ({:.1}× ours), peak {:.0} MiB", s / secs, kib / 1024.0)
        }
        None => "—".into(),
    };
    println!(
        "| {} | {ways:.0} | {secs:.1} s | {:.0} | {:.0}; {:.0} | {:.0} MiB | {theirs} |",
        std::path::Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        ways / secs,
        report["geometry_bytes"].as_f64().unwrap_or(0.0) / ways.max(1.0),
        store_bytes / ways.max(1.0),
        report["peak_kib"].as_f64().unwrap_or(0.0) / 1024.0
    );
    Ok(secs)
}

/// The child: import, then say what it wrote and its peak resident memory (VmHWM).
fn import_one(file: &str, db: &str) -> Result<()> {
    let mut store = ridermap_store::Store::open(db)?;
    let read = |sink: &mut dyn ridermap_core::base::BaseSink| {
        ridermap_exchange::osm::read_path(std::path::Path::new(file), sink).map_err(|e| e.to_string())
    };
    let (_, base) = store.import_with_base("bench", read, Default::default(), &Default::default())?;
    let ways = store.base_way_count()?;
    drop(store);
    let status = std::fs::read_to_string("/proc/self/status")?;
    let peak_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    println!(
        "{}",
        serde_json::json!({"features": base.features, "ways": ways, "geometry_bytes": base.geometry_bytes, "peak_kib": peak_kib})
    );
    Ok(())
}

/// On the demo data: the gate Ridermap picks against the gate nearest in a straight line.
fn demo() -> Result<()> {
    use ridermap_service::{Demo, Service, api::*};
    let dir = tempfile::tempdir()?;
    let svc = Service::open(&dir.path().join("demo.sqlite"), Demo::Load, Default::default())
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let call = |e: ApiError| anyhow::anyhow!(e.message);
    let compounds = ["开鲁六村", "开鲁二村", "民星一村"];
    let times = ["2026-11-27 08:00", "2026-11-27 13:00", "2026-11-27 19:30", "2026-11-27 22:30"];
    let (mut saved, mut naive_total, mut best_total, mut n, mut better) = (vec![], 0.0, 0.0, 0usize, 0usize);
    let mut gate_ms = vec![];
    for c in compounds {
        let hit = svc.call(CompoundsReq { text: c.into() }).map_err(call)?;
        let numbers = hit.first().context("a demo compound")?.buildings.clone();
        for number in numbers {
            for local in times {
                let at = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")?;
                let at = ridermap_core::hours::local_to_utc(at, ridermap_core::hours::DEFAULT_TZ).context("a time")?;
                for vehicle in [Vehicle::Ebike, Vehicle::Foot] {
                    let t = Instant::now();
                    let g = svc
                        .call(GateReq {
                            compound: c.into(),
                            building: Some(number.clone()),
                            at: Some(at),
                            vehicle,
                            lang: None,
                        })
                        .map_err(call)?;
                    gate_ms.push(ms(t));
                    let best = &g.choices[0];
                    let time = |choice: &ridermap_core::rank::GateChoice| {
                        choice.route.as_ref().map_or(f64::NAN, |r| r.duration_s)
                    };
                    // The rider without Ridermap tries the gate nearest the building in a
                    // straight line; closed or refusing, they go round to the one Ridermap
                    // picks (the way between the two gates outside, then its way in).
                    let nearest = g
                        .choices
                        .iter()
                        .min_by(|a, b| a.distance_m.unwrap_or(f64::MAX).total_cmp(&b.distance_m.unwrap_or(f64::MAX)))
                        .context("gates")?;
                    let naive = if nearest.usable || nearest.id == best.id {
                        time(nearest)
                    } else {
                        let round = svc
                            .call(RouteReq {
                                from: Some(ridermap_core::LatLon::new(nearest.lat, nearest.lon)),
                                to: Some(ridermap_core::LatLon::new(best.lat, best.lon)),
                                vehicle,
                                at: Some(at),
                                ..Default::default()
                            })
                            .map_err(call)?;
                        round.duration_s + time(best)
                    };
                    let ours = time(best);
                    if naive.is_nan() || ours.is_nan() {
                        continue;
                    }
                    n += 1;
                    naive_total += naive;
                    best_total += ours;
                    saved.push(naive - ours);
                    if naive - ours > 1.0 {
                        better += 1;
                    }
                }
            }
        }
    }
    println!(
        "\n| on the demo data (3 compounds with lanes, every building × 4 times × e-bike and foot) | result |\n|---|---|"
    );
    println!("| trips | {n} |");
    println!("| trips where Ridermap's gate saves time | {better} ({:.0}%) |", better as f64 * 100.0 / n as f64);
    println!("| median time saved per trip | {:.0} s |", median(saved.clone()));
    println!(
        "| the `gate` command end to end (the area read from the store, its network built, every gate's route, ranked) | median {:.1} ms, p95 {:.1} ms |",
        median(gate_ms.clone()),
        p95(gate_ms)
    );
    println!(
        "| total: nearest gate first / Ridermap's gate | {:.0} min / {:.0} min ({:.0}% less) |",
        naive_total / 60.0,
        best_total / 60.0,
        (1.0 - best_total / naive_total) * 100.0
    );
    Ok(())
}
