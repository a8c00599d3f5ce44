//! The device's local store: one SQLite file (WAL) holding grids, places, reports, visits and notes,
//! with an R*Tree for nearest-place queries, an FTS5 trigram index for Chinese text search, and a
//! change log that every write appends to in the same transaction (the sync outbox).

mod base;
mod blobs;
mod changes;
mod error;
mod import;
mod places;
mod query;
mod records;
mod schema;
mod stored;
mod sync;

use std::path::Path;

use chrono::{DateTime, Utc};
use ridermap_core::{Hlc, Id};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

pub use base::{Band, BaseReport, BaseSource};
pub use blobs::content_address;
pub use changes::Change;
pub use error::{Error, Result};
pub use import::{ImportOptions, ImportReport};
pub use places::Written;
pub use query::{GateInputs, Nearby, NearbyQuery, STALE_DAYS, Stats};
pub use schema::{LATEST_VERSION, migrations};
pub use sync::{ConflictRecord, PullApplied, Settlement};

/// SQLite page cache, in KiB when negative.
pub(crate) const CACHE_KIB: i64 = -32_000;

/// Who is writing: recorded on every change.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub name: Option<String>,
}

pub struct Store {
    conn: Connection,
    /// This device's id.
    id: String,
    /// The name its changes carry (`device_name`).
    device: String,
    /// True when this open created the store (it had no schema before).
    created: bool,
}

impl Store {
    /// Open (creating and migrating as needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(|e| Error::Io(format!("cannot open {}: {e}", path.display())))?;
        owner_only(path)?;
        Store::setup(conn)
    }

    /// A store that lives only in memory (tests, scratch work).
    pub fn open_in_memory() -> Result<Store> {
        Store::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // "Saved" must survive a power cut (riders' batteries die): every commit is synced to
        // the disk before it returns. BENCHMARKS.md has what it costs per report.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Reads of a city-sized store come from memory-mapped pages instead of a read call per page.
        conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(64);
        let before: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if before > LATEST_VERSION {
            return Err(Error::Io(format!(
                "this store has schema version {before}, newer than this program knows ({LATEST_VERSION}): update Ridermap"
            )));
        }
        migrations().to_latest(&mut conn).map_err(|e| Error::Migration(e.to_string()))?;
        let tx = conn.transaction()?;
        let id = match meta_get(&tx, "device_id")? {
            Some(d) => d,
            None => {
                let d = Id::new().to_string();
                meta_set(&tx, "device_id", &d)?;
                d
            }
        };
        let device = meta_get(&tx, "device_name")?.unwrap_or_else(|| id.clone());
        tx.commit()?;
        Ok(Store { conn, id, device, created: before == 0 })
    }

    /// Whether this open created the store from nothing (so demo data may be loaded).
    pub fn was_created(&self) -> bool {
        self.created
    }

    /// This device's id: what it tells the server at login (and what an admin revokes).
    pub fn device_id(&self) -> &str {
        &self.id
    }

    /// The name stamped on every change this device makes: its id, until the server gives it a
    /// name to go by (its account's pseudonym).
    pub fn device_name(&self) -> &str {
        &self.device
    }

    /// Stamp this device's changes from now on with `name` (the server's pseudonym for it).
    pub fn set_device_name(&mut self, name: &str) -> Result<()> {
        meta_set(&self.conn, "device_name", name)?;
        self.device = name.to_string();
        Ok(())
    }

    /// A device setting kept in the store (sync server, token, cursors, last sync).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        meta_get(&self.conn, key)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.set_settings(&[(key, value)])
    }

    /// Several settings in one transaction: all of them land, or none (an enrolment's server,
    /// token and role).
    pub fn set_settings(&mut self, pairs: &[(&str, &str)]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (key, value) in pairs {
            meta_set(&tx, key, value)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Direct read access for tests and tools.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one transaction with a change writer; all of it lands or none of it.
    ///
    /// The transaction takes the write lock when it begins, and the device's clock is read inside
    /// it rather than cached per connection: another connection to the same file (the sync
    /// engine's) may have taken in a clock from the future since this one last wrote, and an
    /// edit made now must be stamped above it.
    pub(crate) fn write<T>(&mut self, actor: &Actor, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let clock = read_clock(&tx)?;
        let mut w = Writer { tx, device: &self.device, clock, actor, now: Utc::now(), logged: 0 };
        let out = f(&mut w)?;
        if w.logged > 0 {
            meta_set(&w.tx, "hlc", &w.clock.to_string())?;
        }
        w.tx.commit()?;
        Ok(out)
    }
}

/// The open write transaction plus what every change is stamped with.
pub(crate) struct Writer<'a> {
    pub tx: Transaction<'a>,
    pub device: &'a str,
    pub clock: Hlc,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub logged: usize,
}

fn read_clock(conn: &Connection) -> Result<Hlc> {
    match meta_get(conn, "hlc")? {
        Some(s) => s.parse().map_err(|_| Error::Corrupt(format!("the device clock `{s}` does not read"))),
        None => Ok(Hlc::default()),
    }
}

pub(crate) fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// Milliseconds since the epoch: the form times take in indexed columns (text forms of RFC 3339 do
/// not sort reliably when fractional seconds vary).
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The store holds the device's sync token: only its user may read it. (SQLite gives the WAL and
/// shared-memory files the database file's permissions.)
#[cfg(unix)]
fn owner_only(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::Io(format!("cannot make {} private: {e}", path.display())))
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> Result<()> {
    // Elsewhere the platform's per-user data directory keeps other users out.
    Ok(())
}
