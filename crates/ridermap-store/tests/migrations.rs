//! A store made by every earlier schema version, holding data, upgrades to the latest without loss.

use ridermap_core::{Id, PlaceKind};
use ridermap_store::{LATEST_VERSION, Store, migrations};

/// Rows a store at `version` could hold, written with that version's SQL.
fn fixture(version: u32) -> &'static str {
    match version {
        0 => "",
        1 => {
            r#"
            INSERT INTO grids(id, code, name, updated_ms, doc) VALUES ('00000000-0000-0000-0000-000000000001', 'g1', '一网格', 0,
              '{"id":"00000000-0000-0000-0000-000000000001","code":"g1","name":"一网格","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}');
            INSERT INTO places(rid, id, kind, name, lat, lon, grid, updated_ms, doc) VALUES (1, '00000000-0000-0000-0000-000000000002',
              'charger', '老换电柜', 31.33, 121.53, 'g1', 0,
              '{"id":"00000000-0000-0000-0000-000000000002","kind":"charger","name":"老换电柜","lat":31.33,"lon":121.53,"grid":"g1","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}');
            INSERT INTO places_geo(rid, min_lat, max_lat, min_lon, max_lon, kind) VALUES (1, 31.33, 31.33, 121.53, 121.53, 2);
            INSERT INTO places_text(rowid, name, aliases, address) VALUES (1, '老换电柜', '', '');
        "#
        }
        2 => {
            r#"
            INSERT INTO reports(id, target, outcome, observed_ms, grid, review, doc) VALUES ('00000000-0000-0000-0000-000000000003',
              '00000000-0000-0000-0000-000000000002', 'broken', 1767225600000, 'g1', 'pending',
              '{"id":"00000000-0000-0000-0000-000000000003","target":"00000000-0000-0000-0000-000000000002","lat":31.33,"lon":121.53,"outcome":"broken","observed_at":"2026-01-01T00:00:00Z","created_at":"2026-01-01T00:00:00Z","review":"pending","grid":"g1"}');
            INSERT INTO places(rid, id, kind, name, lat, lon, grid, updated_ms, doc) VALUES (2, '00000000-0000-0000-0000-000000000004',
              'rest_stop', '新驿站', 31.331, 121.531, 'g1', 0,
              '{"id":"00000000-0000-0000-0000-000000000004","name":"新驿站","lat":31.331,"lon":121.531,"grid":"g1","created_ns":0,"updated_ns":0,"detail":{"rest_stop":{}}}');
            INSERT INTO places_geo(rid, min_lat, max_lat, min_lon, max_lon, kind) VALUES (2, 31.331, 31.331, 121.531, 121.531, 3);
            INSERT INTO places_text(rowid, name, aliases, address) VALUES (2, '新驿站', '', '');
        "#
        }
        3 => {
            r#"
            INSERT INTO changes(id, entity, entity_id, op, fields, hlc, device, at_ms, acked)
              VALUES ('00000000-0000-0000-0000-000000000005', 'place', '00000000-0000-0000-0000-000000000004', 'put',
                      '{"name":"新驿站"}', '0001767225600000.00000', 'other-device', 0, 1);
            INSERT INTO changes(id, entity, entity_id, op, fields, hlc, device, at_ms, acked)
              VALUES ('00000000-0000-0000-0000-000000000006', 'place', '00000000-0000-0000-0000-000000000004', 'put',
                      '{"note":"门口有台阶"}', '0001767225700000.00000', 'this-device', 0, 0);
        "#
        }
        4 => {
            r#"
            INSERT INTO blobs(hash, bytes, uploaded, created_ms)
              VALUES ('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', X'74657374', 1, 0);
        "#
        }
        5 => {
            r#"
            INSERT INTO base_sources(name, imported_ms, features, bytes, first_id, last_id) VALUES ('yinhang.osm', 0, 1, 14, 1, 1);
            INSERT INTO base_ways(id, osm, layer, name, class, foot, ebike, oneway, lit, elevated, geom)
              VALUES (1, 'osm:way/7', 0, '开鲁路', 0, 1, 0, 0, NULL, 0, X'C086808709C0D0E4AA02A09C0100');
            INSERT INTO base_cells(cell, id) VALUES (24266 * 72000 + 60305, 1);
            INSERT INTO places(rid, id, kind, name, lat, lon, grid, updated_ms, doc) VALUES (3, '00000000-0000-0000-0000-000000000007',
              'path', '3号楼北侧通道', 31.332, 121.532, 'g1', 0,
              '{"id":"00000000-0000-0000-0000-000000000007","name":"3号楼北侧通道","lat":31.332,"lon":121.532,"grid":"g1","created_ns":0,"updated_ns":0,"detail":{"path":{"line":[[121.532,31.332],[121.533,31.332]],"ebike":"push"}}}');
            INSERT INTO places_geo(rid, min_lat, max_lat, min_lon, max_lon, kind) VALUES (3, 31.332, 31.332, 121.532, 121.533, 4);
            INSERT INTO places_text(rowid, name, aliases, address) VALUES (3, '3号楼北侧通道', '', '');
        "#
        }
        6 => {
            r#"
            INSERT INTO base_packs(region, digest, features, installed_ms)
              VALUES ('g1', 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c', 0, 0);
        "#
        }
        v => panic!("add a fixture for schema version {v}"),
    }
}

#[test]
fn upgrades_from_every_earlier_version() {
    for start in 0..=LATEST_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            // Each version's rows are written while the store is at that version.
            for v in 1..=start {
                migrations().to_version(&mut conn, v as usize).unwrap();
                conn.execute_batch(fixture(v)).unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST_VERSION, "from {start}");
        assert_eq!(store.was_created(), start == 0);
        if start == LATEST_VERSION {
            // The newest fixture is written with the newest schema: it must read back too.
            assert_eq!(store.place(Id::from_u128(4)).unwrap().expect("read").name, "新驿站");
            assert_eq!(
                store.nearby(&ridermap_store::NearbyQuery::new(ridermap_core::LatLon::new(31.331, 121.531))).unwrap()
                    [0]
                .place
                .name,
                "新驿站"
            );
        }
        if start >= 1 {
            let p = store.place(Id::from_u128(2)).unwrap().expect("place kept");
            assert_eq!(p.name, "老换电柜");
            assert_eq!(store.search("老换电", Some(PlaceKind::Charger), 5).unwrap().len(), 1, "from {start}");
            assert_eq!(store.grids().unwrap()[0].code, "g1");
        }
        if start >= 2 {
            assert_eq!(store.review_queue(Some("g1")).unwrap().len(), 1);
        }
        if start >= 3 {
            // A change received from another device is not in this device's outbox; its own pending one is.
            let outbox: Vec<Id> = store.outbox(10).unwrap().into_iter().map(|c| c.id).collect();
            assert_eq!(outbox, [Id::from_u128(6)], "from {start}");
        }
        if start >= 1 {
            // Places written by an earlier version are found by nearest queries.
            let q = ridermap_store::NearbyQuery::new(ridermap_core::LatLon::new(31.33, 121.53));
            let near = store.nearby(&q).unwrap();
            assert_eq!(near[0].place.name, "老换电柜", "from {start}");
        }
        if start >= 6 {
            assert_eq!(
                store.base_pack_digest("g1").unwrap().as_deref(),
                Some("b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c")
            );
        }
        if start >= 5 {
            // The base layer and compound paths written at version 5 read back.
            let ways = store
                .base_features(
                    [121.52, 31.32, 121.54, 31.34],
                    &[ridermap_core::base::Layer::Way],
                    ridermap_store::Band::Full,
                )
                .unwrap();
            assert_eq!(ways.len(), 1, "from {start}");
            assert_eq!(ways[0].name.as_deref(), Some("开鲁路"));
            assert_eq!(ways[0].line, [[121.53, 31.33], [121.531, 31.33]]);
            let path = store.place(Id::from_u128(7)).unwrap().expect("path kept");
            assert_eq!(path.path_info().unwrap().line.len(), 2);
        }
        // Every version in between got a fixture, so this test grows with the schema.
        for v in start + 1..=LATEST_VERSION {
            let _ = fixture(v);
        }
    }
}

#[test]
fn a_store_from_a_newer_program_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    Store::open(&path).unwrap();
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", LATEST_VERSION + 1).unwrap();
    let e = Store::open(&path).err().expect("refused").to_string();
    assert!(e.contains("newer than this program knows"), "{e}");
}
