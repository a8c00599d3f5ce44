use ridermap_core::{Id, LatLon, Place, PlaceKind};
use ridermap_store::{Actor, NearbyQuery, Store};
use std::time::Instant;
fn main() {
    let mut s = Store::open_in_memory().unwrap();
    let a = Actor::default();
    let mut ids = vec![];
    for i in 0..20000u64 {
        let x = (i * 7919 % 50000) as f64 / 50000.0;
        let y = (i * 104729 % 50000) as f64 / 50000.0;
        let mut p = Place::new(
            PlaceKind::Charger,
            format!("c{i}"),
            31.0 + x * 0.3,
            121.3 + y * 0.3,
        );
        p.opening_hours = Some("06:00-22:00".into());
        ids.push(p.id);
        s.put_place(&p, &a).unwrap();
    }
    let q = NearbyQuery::new(LatLon::new(31.15, 121.45));
    let t = Instant::now();
    for _ in 0..200 {
        std::hint::black_box(s.nearby(&q).unwrap());
    }
    println!("nearby {:?}", t.elapsed() / 1000);
    let t = Instant::now();
    for i in 0..10000 {
        std::hint::black_box(s.place(ids[i]).unwrap());
    }
    println!("place {:?}", t.elapsed() / 10000);
    let now = chrono::Utc::now();
    let t = Instant::now();
    for i in 0..10000 {
        std::hint::black_box(s.reports_for(ids[i], now).unwrap());
    }
    println!("reports_for {:?}", t.elapsed() / 10000);
    let t = Instant::now();
    for _ in 0..1000 {
        let mut st = s.connection().prepare_cached("SELECT g.rid, p.lat, p.lon FROM places_geo g JOIN places p ON p.rid = g.rid WHERE g.max_lat >= ?1 AND g.min_lat <= ?2 AND g.max_lon >= ?3 AND g.min_lon <= ?4 AND (?5 IS NULL OR g.kind = ?5)").unwrap();
        let n = st
            .query_map(
                rusqlite::params![31.149, 31.151, 121.449, 121.451, None::<i64>],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            .count();
        std::hint::black_box(n);
    }
    println!("rtree {:?}", t.elapsed() / 1000);
    let _ = Id::new();
}
