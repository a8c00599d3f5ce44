//! The embedded SQLite backend: one connection behind a mutex (SQLite has one writer anyway), WAL,
//! migrations by `rusqlite_migration`.

use std::{collections::HashMap, path::Path, sync::Mutex};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use ridermap_sync::{Entity, protocol::BasePack};

use super::{ChangeRow, DbError, EntityRow, Grant, Mode, NewToken, RegionRow, Result, Tx, Writes};

const V1: &str = r#"
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    grids      TEXT NOT NULL,
    stations   TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    grids      TEXT NOT NULL,
    stations   TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    used_ms    INTEGER
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    account    TEXT NOT NULL REFERENCES accounts(id),
    device     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
-- Merged state of every entity, and the region it syncs in.
CREATE TABLE entities (
    entity_id TEXT PRIMARY KEY,
    entity    TEXT NOT NULL,
    region    TEXT NOT NULL,
    state     TEXT NOT NULL
);
-- Each region's gap-free sequence and checksum (XOR of its entities' digests).
CREATE TABLE regions (
    region   TEXT PRIMARY KEY,
    seq      INTEGER NOT NULL,
    checksum TEXT NOT NULL
);
CREATE TABLE changes (
    gseq        INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    region      TEXT NOT NULL,
    rseq        INTEGER NOT NULL,
    body        TEXT NOT NULL,
    account     TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    UNIQUE (region, rseq)
);
"#;

/// Regions learn the extent of their places (for pulls by bounding box); photos arrive as blobs.
const V2: &str = r#"
ALTER TABLE regions ADD COLUMN min_lon REAL;
ALTER TABLE regions ADD COLUMN min_lat REAL;
ALTER TABLE regions ADD COLUMN max_lon REAL;
ALTER TABLE regions ADD COLUMN max_lat REAL;
UPDATE regions SET (min_lon, min_lat, max_lon, max_lat) = (
    SELECT min(json_extract(state, '$.fields.lon[0]')), min(json_extract(state, '$.fields.lat[0]')),
           max(json_extract(state, '$.fields.lon[0]')), max(json_extract(state, '$.fields.lat[0]'))
    FROM entities e WHERE e.region = regions.region AND e.entity = 'place'
);
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    bytes      BLOB NOT NULL,
    size       INTEGER NOT NULL,
    account    TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
"#;

/// Token expiry and retried logins.
const V3: &str = r#"
ALTER TABLE tokens ADD COLUMN expires_ms INTEGER;
UPDATE tokens SET expires_ms = created_ms + 15552000000;
ALTER TABLE invites ADD COLUMN used_device TEXT;
ALTER TABLE invites ADD COLUMN used_account TEXT;
"#;

/// The region checksum of the public view, kept like the full one (NULL: not computed yet).
const V4: &str = r#"
ALTER TABLE regions ADD COLUMN public_checksum TEXT;
"#;

/// Base-layer packs published per region (the pack itself is a blob).
const V5: &str = r#"
CREATE TABLE base_packs (
    region       TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    features     INTEGER NOT NULL,
    source       TEXT NOT NULL,
    published_ms INTEGER NOT NULL
);
"#;

pub(crate) struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        Sqlite::setup(Connection::open(path)?)
    }

    pub fn open_in_memory() -> Result<Sqlite> {
        Sqlite::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Sqlite> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Migrations::new(vec![M::up(V1), M::up(V2), M::up(V3), M::up(V4), M::up(V5)])
            .to_latest(&mut conn)
            .map_err(|e| DbError::Invalid(format!("migration failed: {e}")))?;
        Ok(Sqlite { conn: Mutex::new(conn) })
    }

    pub fn with<T>(&self, mode: Mode, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        // Writers take the lock up front, so a busy store waits (busy_timeout) instead of failing
        // when a read transaction would have to upgrade.
        let behavior = match mode {
            Mode::Read => TransactionBehavior::Deferred,
            Mode::Write => TransactionBehavior::Immediate,
        };
        let tx = conn.transaction_with_behavior(behavior)?;
        let out = f(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(out)
    }
}

struct SqliteTx<'a>(&'a Transaction<'a>);

fn grant(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<Grant> {
    Ok(Grant { role: r.get(from)?, grids: r.get(from + 1)?, stations: r.get(from + 2)? })
}

fn region_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RegionRow> {
    let extent: [Option<f64>; 4] = [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?];
    Ok(RegionRow {
        region: r.get(0)?,
        seq: r.get(1)?,
        checksum: r.get(2)?,
        public: r.get(7)?,
        extent: match extent {
            [Some(a), Some(b), Some(c), Some(d)] => Some([a, b, c, d]),
            _ => None,
        },
    })
}

const REGION_COLUMNS: &str = "region, seq, checksum, min_lon, min_lat, max_lon, max_lat, public_checksum";

impl Tx for SqliteTx<'_> {
    fn insert_invite(&mut self, code_hash: &str, g: &Grant, ms: i64) -> Result<()> {
        self.0.execute(
            "INSERT INTO invites(code_hash, role, grids, stations, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![code_hash, g.role, g.grids, g.stations, ms],
        )?;
        Ok(())
    }

    fn use_invite(&mut self, code_hash: &str, device: &str, ms: i64) -> Result<Option<Grant>> {
        Ok(self
            .0
            .query_row(
                "UPDATE invites SET used_ms = ?2, used_device = ?3 WHERE code_hash = ?1 AND used_ms IS NULL
                 RETURNING role, grids, stations",
                params![code_hash, ms, device],
                |r| grant(r, 0),
            )
            .optional()?)
    }

    fn set_invite_account(&mut self, code_hash: &str, account: &str) -> Result<()> {
        self.0.execute("UPDATE invites SET used_account = ?2 WHERE code_hash = ?1", params![code_hash, account])?;
        Ok(())
    }

    fn retried_invite(&mut self, code_hash: &str, device: &str, since_ms: i64) -> Result<Option<(String, Grant)>> {
        Ok(self
            .0
            .query_row(
                "SELECT used_account, role, grids, stations FROM invites
                 WHERE code_hash = ?1 AND used_device = ?2 AND used_ms >= ?3 AND used_account IS NOT NULL",
                params![code_hash, device, since_ms],
                |r| Ok((r.get(0)?, grant(r, 1)?)),
            )
            .optional()?)
    }

    fn insert_account(&mut self, id: &str, g: &Grant, ms: i64) -> Result<()> {
        self.0.execute(
            "INSERT INTO accounts(id, role, grids, stations, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, g.role, g.grids, g.stations, ms],
        )?;
        Ok(())
    }

    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<()> {
        self.0.execute(
            "INSERT INTO tokens(token_hash, account, device, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![t.hash, t.account, t.device, t.created_ms, t.expires_ms],
        )?;
        Ok(())
    }

    fn revoke_tokens(&mut self, account: &str, device: Option<&str>, ms: i64) -> Result<u64> {
        Ok(self.0.execute(
            "UPDATE tokens SET revoked_ms = ?2 WHERE account = ?1 AND revoked_ms IS NULL AND (?3 IS NULL OR device = ?3)",
            params![account, ms, device],
        )? as u64)
    }

    fn token_account(&mut self, token_hash: &str) -> Result<Option<(String, Grant, i64)>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT a.id, a.role, a.grids, a.stations, t.expires_ms FROM tokens t JOIN accounts a ON a.id = t.account
                 WHERE t.token_hash = ?1 AND t.revoked_ms IS NULL",
            )?
            .query_row([token_hash], |r| Ok((r.get(0)?, grant(r, 1)?, r.get(4)?)))
            .optional()?)
    }

    fn renew_token(&mut self, token_hash: &str, expires_ms: i64) -> Result<()> {
        self.0.execute("UPDATE tokens SET expires_ms = ?2 WHERE token_hash = ?1", params![token_hash, expires_ms])?;
        Ok(())
    }

    fn change_bodies(&mut self, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut stmt = self.0.prepare_cached("SELECT body FROM changes WHERE id = ?1")?;
        let mut out = HashMap::new();
        for id in ids {
            if let Some(body) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                out.insert(id.clone(), body);
            }
        }
        Ok(out)
    }

    fn entities(&mut self, ids: &[String]) -> Result<HashMap<String, EntityRow>> {
        let mut stmt = self.0.prepare_cached("SELECT entity, region, state FROM entities WHERE entity_id = ?1")?;
        let mut out = HashMap::new();
        for id in ids {
            if let Some(row) = stmt
                .query_row([id], |r| Ok(EntityRow { kind: r.get(0)?, region: r.get(1)?, state: r.get(2)? }))
                .optional()?
            {
                out.insert(id.clone(), row);
            }
        }
        Ok(out)
    }

    fn region(&mut self, region: &str) -> Result<Option<RegionRow>> {
        Ok(self
            .0
            .prepare_cached(&format!("SELECT {REGION_COLUMNS} FROM regions WHERE region = ?1"))?
            .query_row([region], region_row)
            .optional()?)
    }

    fn regions(&mut self) -> Result<Vec<RegionRow>> {
        Ok(self
            .0
            .prepare_cached(&format!("SELECT {REGION_COLUMNS} FROM regions ORDER BY region"))?
            .query_map([], region_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn write(&mut self, w: &Writes) -> Result<()> {
        let mut regions = self.0.prepare_cached(
            "INSERT INTO regions(region, seq, checksum, min_lon, min_lat, max_lon, max_lat, public_checksum)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(region) DO UPDATE SET seq = excluded.seq, checksum = excluded.checksum,
                min_lon = excluded.min_lon, min_lat = excluded.min_lat,
                max_lon = excluded.max_lon, max_lat = excluded.max_lat,
                public_checksum = excluded.public_checksum",
        )?;
        for r in &w.regions {
            let e = r.extent.map(|e| e.map(Some)).unwrap_or([None; 4]);
            regions.execute(params![r.region, r.seq, r.checksum, e[0], e[1], e[2], e[3], r.public])?;
        }
        let mut entities = self.0.prepare_cached(
            "INSERT INTO entities(entity_id, entity, region, state) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(entity_id) DO UPDATE SET state = excluded.state",
        )?;
        for (id, kind, region, state) in &w.entities {
            entities.execute(params![id, kind, region, state])?;
        }
        let mut changes = self.0.prepare_cached(
            "INSERT INTO changes(id, region, rseq, body, account, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for ChangeRow { id, region, rseq, body, account, received_ms } in &w.changes {
            changes.execute(params![id, region, rseq, body, account, received_ms])?;
        }
        Ok(())
    }

    fn changes_after(&mut self, region: &str, after: i64, limit: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT rseq, body, account FROM changes WHERE region = ?1 AND rseq > ?2 ORDER BY rseq LIMIT ?3",
            )?
            .query_map(params![region, after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn region_states(&mut self, region: &str) -> Result<Vec<(String, String, String)>> {
        Ok(self
            .0
            .prepare_cached("SELECT entity_id, entity, state FROM entities WHERE region = ?1")?
            .query_map([region], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn states(&mut self, entity: Entity, region: Option<&str>) -> Result<Vec<String>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT state FROM entities WHERE entity = ?1 AND (?2 IS NULL OR region = ?2) ORDER BY entity_id",
            )?
            .query_map(params![entity.as_str(), region], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn put_blob(&mut self, hash: &str, bytes: &[u8], account: &str, ms: i64) -> Result<()> {
        self.0.execute(
            "INSERT INTO blobs(hash, bytes, size, account, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(hash) DO NOTHING",
            params![hash, bytes, bytes.len() as i64, account, ms],
        )?;
        Ok(())
    }

    fn blob(&mut self, hash: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.0.query_row("SELECT bytes FROM blobs WHERE hash = ?1", [hash], |r| r.get(0)).optional()?)
    }

    fn missing_blobs(&mut self, hashes: &[String]) -> Result<Vec<String>> {
        let mut stmt = self.0.prepare_cached("SELECT 1 FROM blobs WHERE hash = ?1")?;
        let mut out = vec![];
        for h in hashes {
            if !stmt.exists([h])? {
                out.push(h.clone());
            }
        }
        Ok(out)
    }

    fn expire_blobs(&mut self, before_ms: i64) -> Result<u64> {
        Ok(self.0.execute(
            "DELETE FROM blobs WHERE created_ms <= ?1
             AND NOT EXISTS (SELECT 1 FROM entities WHERE instr(state, blobs.hash) > 0)
             AND NOT EXISTS (SELECT 1 FROM base_packs WHERE base_packs.hash = blobs.hash)",
            [before_ms],
        )? as u64)
    }

    fn set_base_pack(&mut self, region: &str, pack: &BasePack, ms: i64) -> Result<()> {
        self.0.execute(
            "INSERT INTO base_packs(region, hash, bytes, features, source, published_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(region) DO UPDATE SET hash = excluded.hash, bytes = excluded.bytes,
                 features = excluded.features, source = excluded.source, published_ms = excluded.published_ms",
            params![region, pack.hash, pack.bytes as i64, pack.features as i64, pack.source, ms],
        )?;
        Ok(())
    }

    fn base_packs(&mut self) -> Result<Vec<(String, BasePack)>> {
        let mut stmt =
            self.0.prepare_cached("SELECT region, hash, bytes, features, source FROM base_packs ORDER BY region")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                BasePack {
                    hash: r.get(1)?,
                    bytes: r.get::<_, i64>(2)? as u64,
                    features: r.get::<_, i64>(3)? as u64,
                    source: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn count_changes(&mut self) -> Result<i64> {
        Ok(self.0.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?)
    }
}
