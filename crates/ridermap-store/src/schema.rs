//! Versioned schema. Each step is one migration; never edit a step that has shipped — add another.
//! `tests/migrations.rs` upgrades a store from every earlier version with data in it.

use rusqlite_migration::{M, Migrations};

/// Places, grids and their indexes.
const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE grids (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    doc        TEXT NOT NULL
);

-- `rid` ties a place to its rows in places_geo and places_text.
CREATE TABLE places (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    grid        TEXT,
    compound    TEXT,
    source      TEXT,
    updated_ms  INTEGER NOT NULL,
    verified_ms INTEGER,
    doc         TEXT NOT NULL
);
CREATE UNIQUE INDEX places_by_source ON places(source) WHERE source IS NOT NULL;
CREATE INDEX places_by_compound ON places(compound) WHERE compound IS NOT NULL;
CREATE INDEX places_by_grid ON places(grid, kind) WHERE grid IS NOT NULL;
-- Compounds are looked up by name (imports name them); other kinds go through places_text.
CREATE INDEX compounds_by_name ON places(name) WHERE kind = 'compound';

-- kind: 0 compound, 1 entrance, 2 charger, 3 rest stop.
CREATE VIRTUAL TABLE places_geo USING rtree(rid, min_lat, max_lat, min_lon, max_lon, +kind INTEGER);

-- Trigram tokens find any substring of 3+ characters, which suits Chinese names without word breaks.
CREATE VIRTUAL TABLE places_text USING fts5(name, aliases, address, tokenize = 'trigram');
"#;

/// Reports, visits, notes, and the change log every write appends to.
const V2: &str = r#"
CREATE TABLE reports (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    target      TEXT,
    outcome     TEXT NOT NULL,
    observed_ms INTEGER NOT NULL,
    grid        TEXT,
    review      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX reports_by_target ON reports(target, observed_ms) WHERE target IS NOT NULL;
CREATE INDEX reports_by_review ON reports(review, grid);

CREATE TABLE visits (
    rid     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    station TEXT NOT NULL,
    at_ms   INTEGER NOT NULL,
    doc     TEXT NOT NULL
);
CREATE INDEX visits_by_station ON visits(station, at_ms);

CREATE TABLE notes (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    target     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX notes_by_target ON notes(target, created_ms);

-- The outbox: one row per change, in the order they were made. `hlc` + `device` order changes
-- across devices; `fields` holds the changed fields and their new values (JSON object).
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL,
    fields    TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    device    TEXT NOT NULL,
    actor     TEXT,
    at_ms     INTEGER NOT NULL
);
"#;

/// Sync on the device: which changes the server has (`acked` 1; 2: kept on this device only), which it refused and why, changes
/// received from others (acked, another device), and the local edits that lost to newer ones.
const V3: &str = r#"
ALTER TABLE changes ADD COLUMN acked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE changes ADD COLUMN refusal TEXT;
CREATE INDEX changes_by_entity ON changes(entity_id);
CREATE INDEX changes_unacked ON changes(seq) WHERE acked = 0;

CREATE TABLE conflicts (
    rid          INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    field        TEXT NOT NULL,
    lost         TEXT NOT NULL,
    lost_hlc     TEXT NOT NULL,
    lost_device  TEXT NOT NULL,
    kept         TEXT NOT NULL,
    kept_hlc     TEXT NOT NULL,
    kept_device  TEXT NOT NULL,
    at_ms        INTEGER NOT NULL
);
"#;

/// Photos, kept by content address; `uploaded` once the server holds them.
const V4: &str = r#"
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    bytes      BLOB NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
);
-- Which records name a photo, without reading every record (sync fetches the missing ones).
CREATE INDEX places_photo ON places(json_extract(doc, '$.photo')) WHERE json_extract(doc, '$.photo') IS NOT NULL;
CREATE INDEX reports_photo ON reports(json_extract(doc, '$.photo')) WHERE json_extract(doc, '$.photo') IS NOT NULL;
"#;

/// The base layer (OpenStreetMap's streets, footprints, doors, walls, water, green), replaced
/// whole per source; geometry as varint deltas, full and per zoom band (`base.rs`).
/// Paths (kind 4 in places_geo) index their line's box, not a point.
const V5: &str = r#"
-- A source's features are one run of ids (written in one import): first_id..=last_id.
CREATE TABLE base_sources (
    name        TEXT PRIMARY KEY,
    imported_ms INTEGER NOT NULL,
    features    INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    first_id    INTEGER NOT NULL,
    last_id     INTEGER NOT NULL
) WITHOUT ROWID;

-- layer: 0 way, 1 building, 2 door, 3 barrier, 4 water, 5 green, 6 compound, 7 gate (ridermap_core::base::Layer).
-- class, foot, ebike, oneway, lit, elevated: a way's rules (NULL for other layers).
-- geom_mid, geom_low: NULL where the feature is not drawn at that zoom, empty where it is as read.
CREATE TABLE base_ways (
    id       INTEGER PRIMARY KEY,
    osm      TEXT NOT NULL,
    layer    INTEGER NOT NULL,
    name     TEXT,
    number   TEXT,
    flats    TEXT,
    class    INTEGER,
    foot     INTEGER,
    ebike    INTEGER,
    oneway   INTEGER,
    lit      INTEGER,
    elevated INTEGER,
    geom     BLOB NOT NULL,
    geom_mid BLOB,
    geom_low BLOB
);

-- Which features reach into which cell of a 0.005-degree grid (about 480 m by 555 m here): a
-- B-tree, not an R*Tree, because a city's million features go in at a B-tree's pace (an R*Tree
-- insert cost ten times as much). Features reaching into more than 1024 cells are in cell -1.
CREATE TABLE base_cells (
    cell INTEGER NOT NULL,
    id   INTEGER NOT NULL,
    PRIMARY KEY (cell, id)
) WITHOUT ROWID;
"#;

/// The base-layer packs installed from the sync server, per region (their features are the base
/// source `pack:<region>`): a pull that names another pack downloads it.
const V6: &str = r#"
CREATE TABLE base_packs (
    region       TEXT PRIMARY KEY,
    digest       TEXT NOT NULL,
    features     INTEGER NOT NULL,
    installed_ms INTEGER NOT NULL
) WITHOUT ROWID;
"#;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1), M::up(V2), M::up(V3), M::up(V4), M::up(V5), M::up(V6)])
}

pub const LATEST_VERSION: u32 = 6;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let v: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, super::LATEST_VERSION);
    }
}
