//! Nearest-place queries agree with a brute-force scan, for random points and filters (seeded).

use chrono::Utc;
use rand::{Rng, SeedableRng, rngs::StdRng};
use ridermap_core::{Detail, Grid, Id, LatLon, Place, PlaceKind, Stamp, patch};
use ridermap_store::{Actor, NearbyQuery, Store};

fn random_place(rng: &mut StdRng) -> Place {
    let kind = [PlaceKind::Entrance, PlaceKind::Charger, PlaceKind::RestStop, PlaceKind::Path][rng.random_range(0..4)];
    let lat = 31.20 + rng.random::<f64>() * 0.2;
    let lon = 121.40 + rng.random::<f64>() * 0.2;
    let mut p = Place::new(kind, format!("p{}", rng.random::<u32>()), lat, lon);
    p.grid = Some("g".into());
    p.opening_hours =
        [None, Some("24/7"), Some("06:00-22:00"), Some("22:00-06:00")][rng.random_range(0..4)].map(String::from);
    let sets: Vec<(String, String)> = match kind {
        PlaceKind::Charger => {
            vec![("battery_standards".into(), ["48V", "60V", "48V,60V"][rng.random_range(0..3)].into())]
        }
        PlaceKind::RestStop => {
            vec![("amenities".into(), ["hot_water", "toilet", "hot_water,toilet"][rng.random_range(0..3)].into())]
        }
        PlaceKind::Entrance => {
            vec![("ebike".into(), ["allowed", "push", "refused", "unknown"][rng.random_range(0..4)].into())]
        }
        // A compound path: part of the map, never a result of its own unless asked for by kind.
        PlaceKind::Path => {
            let end = [lon + rng.random::<f64>() * 0.002, lat + rng.random::<f64>() * 0.002];
            vec![("line".into(), serde_json::json!([[lon, lat], end]).to_string())]
        }
        PlaceKind::Compound => vec![],
    };
    patch::apply(&p, &sets).unwrap()
}

fn brute(places: &[Place], q: &NearbyQuery, pass: impl Fn(&Place) -> bool) -> Vec<Id> {
    let listed = |p: &&Place| q.kind.is_some_and(|k| k == p.kind()) || p.kind().is_destination();
    let mut v: Vec<(f64, Id)> =
        places.iter().filter(listed).filter(|p| pass(p)).map(|p| (q.point.distance_m(&p.point()), p.id)).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v.into_iter().take(q.limit).map(|(_, id)| id).collect()
}

#[test]
fn nearby_matches_a_full_scan() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut store = Store::open_in_memory().unwrap();
    let actor = Actor::default();
    store.put_grid(&Grid { id: Id::new(), code: "g".into(), name: "g".into(), stamp: Stamp::now() }, &actor).unwrap();
    let places: Vec<Place> = (0..3000).map(|_| random_place(&mut rng)).collect();
    for p in &places {
        store.put_place(p, &actor).unwrap();
    }
    let at = Utc::now();
    for i in 0..60 {
        let point = LatLon::new(31.15 + rng.random::<f64>() * 0.3, 121.35 + rng.random::<f64>() * 0.3);
        let mut q = NearbyQuery::new(point);
        q.limit = [1, 5, 10, 50][i % 4];
        let case = i % 5;
        match case {
            1 => q.kind = Some(PlaceKind::Charger),
            2 => q.volts = Some(60),
            3 => q.ebike = true,
            4 => q.open_at = Some(at),
            _ => {}
        }
        let got: Vec<Id> = store.nearby(&q).unwrap().iter().map(|n| n.place.id).collect();
        let want = brute(&places, &q, |p| match case {
            1 => p.kind() == PlaceKind::Charger,
            2 => {
                matches!(&p.detail, Detail::Charger(c) if c.battery_standards.iter().any(|s| s == "60V"))
            }
            3 => {
                matches!(p.entrance(), Some(e) if matches!(e.ebike, ridermap_core::EbikeAccess::Allowed | ridermap_core::EbikeAccess::Push))
            }
            4 => p.hours().is_some_and(|h| matches!(h.state_at(at, p.tz()), ridermap_core::HoursState::Open { .. })),
            _ => true,
        });
        assert_eq!(got, want, "query {i} (case {case}) at {point:?}");
    }
}
