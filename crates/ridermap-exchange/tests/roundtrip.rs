//! Property: any valid set of places survives export → import unchanged, in GeoJSON and in CSV.
//! Case count: 24 by default, RIDERMAP_LONG=1 for 500.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use ridermap_core::{Building, Compound, Detail, Grid, Id, Place, PlaceKind, Stamp, UnitDoor, patch};
use ridermap_exchange::{ReadOptions, geo_json, table};
use ridermap_store::{Actor, ImportOptions, Store};

fn cases() -> u32 {
    let long = std::env::var("RIDERMAP_LONG").is_ok_and(|v| !v.is_empty() && v != "0");
    if long { 500 } else { 24 }
}

fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9开鲁六村号门,;\"' 驿站]{1,12}")
        .unwrap()
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (1_600_000_000i64..1_900_000_000, 0u32..1000).prop_map(|(s, ms)| Utc.timestamp_opt(s, ms * 1_000_000).unwrap())
}

fn place() -> impl Strategy<Value = (Place, Vec<(String, String)>)> {
    let kind = prop_oneof![
        Just(PlaceKind::Compound),
        Just(PlaceKind::Entrance),
        Just(PlaceKind::Charger),
        Just(PlaceKind::RestStop),
        Just(PlaceKind::Path)
    ];
    let hours =
        prop_oneof![Just(None), Just(Some("24/7")), Just(Some("06:00-22:00")), Just(Some("Mo-Fr 07:00-19:00; PH off"))];
    (
        kind,
        text(),
        -89.9f64..89.9,
        -179.9f64..179.9,
        hours,
        proptest::collection::vec(text(), 0..3),
        proptest::option::of(text()),
        time(),
        proptest::option::of(time()),
        // One draw per detail field, so every combination of values can come up.
        proptest::array::uniform4(any::<u8>()),
    )
        .prop_map(|(kind, name, lat, lon, hours, aliases, address, t, verified, picks)| {
            let pick = |field: usize, n: usize| picks[field] as usize % n;
            let mut p = Place::new(kind, name, lat, lon);
            p.aliases = aliases;
            p.address = address;
            p.grid = Some("g1".into());
            p.opening_hours = hours.map(String::from);
            p.stamp = Stamp { created_at: t, updated_at: t, updated_by: None, verified_at: verified, source: None };
            let sets: Vec<(String, String)> = match kind {
                PlaceKind::Compound => {
                    p.detail = Detail::Compound(Compound {
                        buildings: (0..pick(0, 4))
                            .map(|i| {
                                let mut b = Building::new(format!("{i}号"), lat, lon);
                                if pick(3, 2) == 0 {
                                    b.footprint = Some(vec![[lon, lat], [lon + 1e-4, lat], [lon, lat + 1e-4]]);
                                    b.doors =
                                        vec![UnitDoor { unit: "1".into(), lat, lon, flats: Some("101-106".into()) }];
                                }
                                b
                            })
                            .collect(),
                        outline: (pick(1, 2) == 0)
                            .then(|| vec![[lon, lat], [lon + 0.001, lat], [lon, lat + 0.001], [lon, lat]]),
                        rules: (pick(2, 3) == 0).then(|| "电动车推行".into()),
                    });
                    vec![]
                }
                PlaceKind::Entrance => vec![
                    ("ebike".into(), ["allowed", "push", "refused", "unknown"][pick(0, 4)].into()),
                    ("access_method".into(), ["open", "qr", "face", "card", "guard", "intercom"][pick(1, 6)].into()),
                    ("lit".into(), ["", "true", "false"][pick(2, 3)].into()),
                    ("buildings_served".into(), ["", "1", "1,2号"][pick(3, 3)].into()),
                ],
                PlaceKind::Charger => vec![
                    ("battery_standards".into(), ["", "48V", "48V,60V"][pick(0, 3)].into()),
                    ("slots".into(), ["", "12"][pick(1, 2)].into()),
                    ("payment".into(), ["", "微信,支付宝"][pick(2, 2)].into()),
                    ("inside_compound".into(), ["true", "false"][pick(3, 2)].into()),
                ],
                PlaceKind::RestStop => vec![
                    ("amenities".into(), ["", "hot_water", "toilet,seating"][pick(0, 3)].into()),
                    ("stop_kind".into(), ["love_station", "union_relay", "public"][pick(1, 3)].into()),
                ],
                PlaceKind::Path => vec![
                    (
                        "line".into(),
                        serde_json::json!([[lon, lat], [lon + 1e-4, lat], [lon + 1e-4, lat + 1e-4]]).to_string(),
                    ),
                    ("path_kind".into(), ["lane", "footway", "steps", "wall"][pick(0, 4)].into()),
                    ("ebike".into(), ["allowed", "push", "refused", "unknown"][pick(1, 4)].into()),
                    ("oneway".into(), ["true", "false"][pick(2, 2)].into()),
                    ("lit".into(), ["", "true"][pick(3, 2)].into()),
                ],
            };
            (p, sets)
        })
}

fn store_with(places: &[Place]) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    let t = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    s.put_grid(
        &Grid { id: Id::from_u128(9), code: "g1".into(), name: "一网格".into(), stamp: Stamp::at(t) },
        &Actor::default(),
    )
    .unwrap();
    for p in places {
        s.put_place(p, &Actor::default()).unwrap();
    }
    s
}

fn check(places: &[Place]) {
    let a = store_with(places);
    for format in ["geojson", "csv"] {
        let mut buf = vec![];
        match format {
            "geojson" => geo_json::write(&a, None, &mut buf).unwrap(),
            _ => table::write(&a, None, &mut buf).unwrap(),
        };
        let rows = match format {
            "geojson" => geo_json::read("x.geojson", &buf).unwrap(),
            _ => table::read("x.csv", &buf, &ReadOptions::default()).unwrap(),
        };
        let mut b = Store::open_in_memory().unwrap();
        let r =
            b.import(&rows, ImportOptions::default(), &Actor::default()).unwrap_or_else(|e| panic!("{format}: {e:?}"));
        assert_eq!(r.inserted, places.len() + 1, "{format}");
        // The whole store, record by record: nothing missing, nothing extra, nothing changed.
        let all = |s: &Store| {
            let mut v: Vec<String> =
                s.places(None).unwrap().iter().map(|p| serde_json::to_string(p).unwrap()).collect();
            v.sort();
            v
        };
        assert_eq!(all(&a).len(), places.len(), "{format}");
        assert_eq!(all(&b), all(&a), "{format}");
        assert_eq!(b.grids().unwrap(), a.grids().unwrap(), "{format}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]
    #[test]
    fn export_import_round_trips(specs in proptest::collection::vec(place(), 1..12)) {
        let places: Vec<Place> = specs.into_iter().map(|(p, sets)| {
            let sets: Vec<(String, String)> = sets.into_iter().filter(|(_, v)| !v.is_empty()).collect();
            patch::apply(&p, &sets).unwrap()
        }).collect();
        check(&places);
    }
}
