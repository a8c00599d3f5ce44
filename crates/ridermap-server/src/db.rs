//! The server's embedded SQLite store. Plain SQL in transactions only, so the same statements can
//! move to PostgreSQL-compatible engines (see ARCHITECTURE.md).

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{Arc, Mutex},
};

use ridermap_core::{Grid, Id, Note, Place, Role, StatusReport, Visit};
use ridermap_sync::{
    Entity, EntityState, WireChange,
    checksum::{self, Sum},
    clock,
    protocol::{LoginResponse, NO_REGION, PullRequest, PullResponse, PushResult, PushStatus},
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rusqlite_migration::{M, Migrations};
use serde_json::{Value, value::RawValue};
use sha2::Digest;

use crate::auth::{Account, Existing, authorize, hash_secret, new_secret};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    Denied(String),
    #[error("{0}")]
    Invalid(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

type Result<T, E = DbError> = std::result::Result<T, E>;

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

/// A handle to the server store; cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// How far ahead of the server a change's clock may be (`clock::DEFAULT_BOUND_MS`).
    bound_ms: i64,
}

fn role_str(r: Role) -> String {
    serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Db {
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        Db::setup(Connection::open(path)?)
    }

    pub fn open_in_memory() -> Result<Db> {
        Db::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Db> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Migrations::new(vec![M::up(V1)])
            .to_latest(&mut conn)
            .map_err(|e| DbError::Invalid(format!("migration failed: {e}")))?;
        Ok(Db { conn: Arc::new(Mutex::new(conn)), bound_ms: clock::DEFAULT_BOUND_MS })
    }

    /// Accept clocks at most `ms` ahead of the server's (default 60 s).
    pub fn with_clock_bound(mut self, ms: i64) -> Db {
        self.bound_ms = ms;
        self
    }

    fn with<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// A one-time invite code for an account of `role` (grid workers: `grids`; volunteers: `stations`).
    pub fn create_invite(&self, role: Role, grids: &[String], stations: &[Id]) -> Result<String> {
        match role {
            Role::GridWorker if grids.is_empty() => {
                return Err(DbError::Invalid("a grid worker invite needs --grid".into()));
            }
            Role::Volunteer if stations.is_empty() => {
                return Err(DbError::Invalid("a volunteer invite needs --station".into()));
            }
            _ => {}
        }
        let code = new_secret();
        self.with(|tx| {
            tx.execute(
                "INSERT INTO invites(code_hash, role, grids, stations, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    hash_secret(&code),
                    role_str(role),
                    serde_json::to_string(grids).unwrap_or_default(),
                    serde_json::to_string(stations).unwrap_or_default(),
                    now_ms()
                ],
            )?;
            Ok(())
        })?;
        Ok(code)
    }

    /// Turn an unused invite into an account and a token for `device`.
    pub fn login(&self, invite: &str, device: &str) -> Result<LoginResponse> {
        self.with(|tx| {
            let row: Option<(String, String, String)> = tx
                .query_row(
                    "SELECT role, grids, stations FROM invites WHERE code_hash = ?1 AND used_ms IS NULL",
                    [hash_secret(invite)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((role, grids, stations)) = row else {
                return Err(DbError::Denied("this invite code is unknown or already used".into()));
            };
            let account = Account {
                id: Id::new(),
                role: serde_json::from_value(Value::String(role.clone()))
                    .map_err(|e| DbError::Corrupt(e.to_string()))?,
                grids: serde_json::from_str(&grids).map_err(|e| DbError::Corrupt(e.to_string()))?,
                stations: serde_json::from_str(&stations).map_err(|e| DbError::Corrupt(e.to_string()))?,
            };
            tx.execute("UPDATE invites SET used_ms = ?2 WHERE code_hash = ?1", params![hash_secret(invite), now_ms()])?;
            tx.execute(
                "INSERT INTO accounts(id, role, grids, stations, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![account.id.to_string(), role, grids, stations, now_ms()],
            )?;
            let token = new_secret();
            tx.execute(
                "INSERT INTO tokens(token_hash, account, device, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![hash_secret(&token), account.id.to_string(), device, now_ms()],
            )?;
            Ok(LoginResponse {
                token,
                account: account.id,
                role: account.role,
                grids: account.grids,
                stations: account.stations,
            })
        })
    }

    /// Revoke every token of `account`; returns how many.
    pub fn revoke(&self, account: Id) -> Result<usize> {
        self.with(|tx| {
            Ok(tx.execute(
                "UPDATE tokens SET revoked_ms = ?2 WHERE account = ?1 AND revoked_ms IS NULL",
                params![account.to_string(), now_ms()],
            )?)
        })
    }

    /// The account a token belongs to, unless the token is unknown or revoked.
    pub fn account(&self, token: &str) -> Result<Option<Account>> {
        self.with(|tx| {
            let row: Option<(String, String, String, String)> = tx
                .query_row(
                    "SELECT a.id, a.role, a.grids, a.stations FROM tokens t JOIN accounts a ON a.id = t.account
                     WHERE t.token_hash = ?1 AND t.revoked_ms IS NULL",
                    [hash_secret(token)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            row.map(|(id, role, grids, stations)| {
                let bad = |e: String| DbError::Corrupt(e);
                Ok(Account {
                    id: id.parse::<Id>().map_err(|e| bad(e.to_string()))?,
                    role: serde_json::from_value(Value::String(role)).map_err(|e| bad(e.to_string()))?,
                    grids: serde_json::from_str(&grids).map_err(|e| bad(e.to_string()))?,
                    stations: serde_json::from_str(&stations).map_err(|e| bad(e.to_string()))?,
                })
            })
            .transpose()
        })
    }

    /// Authorize and merge a batch: each change lands once, however often it is pushed.
    pub fn push(&self, account: &Account, changes: &[WireChange]) -> Result<Vec<PushResult>> {
        let (server_ms, bound) = (now_ms(), self.bound_ms);
        self.with(|tx| changes.iter().map(|c| push_one(tx, account, c, server_ms, bound)).collect())
    }

    /// Verified places of `grid` (or of every grid) inside `bbox` (min_lon, min_lat, max_lon, max_lat),
    /// as GeoJSON features without personal data, and an ETag that changes when they may have.
    pub fn feed(&self, grid: Option<&str>, bbox: Option<[f64; 4]>) -> Result<(Vec<Value>, String)> {
        self.with(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT entity_id, state FROM entities WHERE entity = 'place' AND (?1 IS NULL OR region = ?1) ORDER BY entity_id",
            )?;
            let rows: Vec<(String, String)> = stmt.query_map([grid], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            let mut features = vec![];
            for (_, state) in rows {
                let state: EntityState = serde_json::from_str(&state).map_err(|e| DbError::Corrupt(e.to_string()))?;
                if state.is_deleted() {
                    continue;
                }
                let values: serde_json::Map<String, Value> = state.fields.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect();
                let Ok(place) = serde_json::from_value::<Place>(Value::Object(values)) else { continue };
                if place.stamp.verified_at.is_none() {
                    continue;
                }
                if let Some([x0, y0, x1, y1]) = bbox
                    && !(x0..=x1).contains(&place.lon) | !(y0..=y1).contains(&place.lat)
                {
                    continue;
                }
                let Value::Object(mut props) = serde_json::to_value(&place).map_err(|e| DbError::Corrupt(e.to_string()))? else { continue };
                // Open data for route planners: who edited a record stays on the server.
                props.remove("updated_by");
                let (lon, lat) = (place.lon, place.lat);
                props.remove("lat");
                props.remove("lon");
                features.push(serde_json::json!({
                    "type": "Feature",
                    "id": place.id,
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": props,
                }));
            }
            let tag = checksum::hex(&<[u8; 32]>::from(sha2::Sha256::digest(serde_json::to_vec(&features).unwrap_or_default())));
            Ok((features, format!("\"{}\"", &tag[..32])))
        })
    }

    /// Changes after the request's cursors in the regions the account may read, paged.
    pub fn pull(&self, account: &Account, req: &PullRequest) -> Result<PullResponse> {
        let page = self.pull_raw(account, req)?;
        let changes = page
            .changes
            .iter()
            .map(|b| serde_json::from_str(b.get()).map_err(|e| DbError::Corrupt(e.to_string())))
            .collect::<Result<_>>()?;
        Ok(PullResponse { changes, cursors: page.cursors, more: page.more, checksums: page.checksums })
    }

    /// `pull` with the changes as the stored JSON, passed through without being parsed again.
    pub fn pull_raw(&self, account: &Account, req: &PullRequest) -> Result<PullResponse<Box<RawValue>>> {
        const MAX_BYTES: usize = 1 << 20;
        self.with(|tx| {
            let all: Vec<String> = tx
                .prepare("SELECT region FROM regions ORDER BY region")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let readable = |r: &String| match account.role {
                Role::GridWorker => account.grids.contains(r) || r == NO_REGION,
                _ => true,
            };
            let wanted: Vec<String> = match &req.regions {
                Some(rs) => rs.iter().filter(|r| readable(r)).cloned().collect(),
                None => all.iter().filter(|r| readable(r)).cloned().collect(),
            };
            let limit = req.limit.clamp(1, 5000);
            let mut out =
                PullResponse { changes: vec![], cursors: req.cursors.clone(), more: false, checksums: BTreeMap::new() };
            let mut bytes = 0usize;
            for region in &wanted {
                let from = req.cursors.get(region).copied().unwrap_or(0);
                let mut stmt = tx.prepare_cached(
                    "SELECT rseq, body FROM changes WHERE region = ?1 AND rseq > ?2 ORDER BY rseq LIMIT ?3",
                )?;
                let room = limit.saturating_sub(out.changes.len());
                let rows: Vec<(i64, String)> = stmt
                    .query_map(params![region, from, room as i64 + 1], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                for (i, (rseq, body)) in rows.iter().enumerate() {
                    if i == room || bytes + body.len() > MAX_BYTES && !out.changes.is_empty() {
                        out.more = true;
                        break;
                    }
                    bytes += body.len();
                    out.changes.push(RawValue::from_string(body.clone()).map_err(|e| DbError::Corrupt(e.to_string()))?);
                    out.cursors.insert(region.clone(), *rseq);
                }
                let sum: Option<String> = tx
                    .query_row("SELECT checksum FROM regions WHERE region = ?1", [region], |r| r.get(0))
                    .optional()?;
                out.checksums.insert(region.clone(), sum.unwrap_or_else(|| checksum::hex(&[0; 32])));
                if out.more {
                    break;
                }
            }
            Ok(out)
        })
    }
}

fn entity_row(tx: &Transaction<'_>, id: Id) -> Result<Option<(String, EntityState)>> {
    let row: Option<(String, String)> = tx
        .prepare_cached("SELECT region, state FROM entities WHERE entity_id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(region, state)| Ok((region, serde_json::from_str(&state).map_err(|e| DbError::Corrupt(e.to_string()))?)))
        .transpose()
}

fn field_id(c: &WireChange, field: &str) -> Option<Id> {
    c.fields.get(field).and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// The region a new entity joins: its grid, or its station's / target's region.
fn region_for(tx: &Transaction<'_>, c: &WireChange) -> Result<String> {
    let failure = std::cell::RefCell::new(None);
    let region = ridermap_sync::protocol::region_of(c.entity, &c.fields, |id| match entity_row(tx, id) {
        Ok(row) => row.map(|(r, _)| r),
        Err(e) => {
            *failure.borrow_mut() = Some(e);
            None
        }
    });
    match failure.into_inner() {
        Some(e) => Err(e),
        None => Ok(region),
    }
}

/// Whether the merged state is a valid record (or not yet a whole one, for non-creating edits).
fn check_record(entity: Entity, state: &EntityState, creating: bool) -> Result<(), String> {
    if state.is_deleted() {
        return Ok(());
    }
    let values = Value::Object(state.fields.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect());
    let parsed = match entity {
        Entity::Place => serde_json::from_value::<Place>(values)
            .map_err(|e| e.to_string())
            .and_then(|p| p.validate().map_err(|e| e.to_string())),
        Entity::Grid => serde_json::from_value::<Grid>(values)
            .map_err(|e| e.to_string())
            .and_then(|g| g.validate().map_err(|e| e.to_string())),
        Entity::Report => serde_json::from_value::<StatusReport>(values)
            .map_err(|e| e.to_string())
            .and_then(|r| r.validate().map_err(|e| e.to_string())),
        Entity::Visit => serde_json::from_value::<Visit>(values)
            .map_err(|e| e.to_string())
            .and_then(|v| v.validate().map_err(|e| e.to_string())),
        Entity::Note => serde_json::from_value::<Note>(values)
            .map_err(|e| e.to_string())
            .and_then(|n| n.validate().map_err(|e| e.to_string())),
    };
    match parsed {
        Ok(()) => Ok(()),
        Err(e) if creating || !e.starts_with("missing field") => Err(e),
        Err(_) => Ok(()),
    }
}

fn push_one(
    tx: &Transaction<'_>,
    account: &Account,
    c: &WireChange,
    server_ms: i64,
    bound_ms: i64,
) -> Result<PushResult> {
    let kept: Option<String> = tx
        .prepare_cached("SELECT body FROM changes WHERE id = ?1")?
        .query_row([c.id.to_string()], |r| r.get(0))
        .optional()?;
    if let Some(body) = kept {
        let old: WireChange = serde_json::from_str(&body).map_err(|e| DbError::Corrupt(e.to_string()))?;
        return Ok(PushResult { id: c.id, status: PushStatus::Duplicate, reason: None, hlc: old.hlc });
    }
    let refuse = |why: String| Ok(PushResult { id: c.id, status: PushStatus::Refused, reason: Some(why), hlc: c.hlc });
    let existing = entity_row(tx, c.entity_id)?;
    if let Some((_, s)) = &existing
        && let Some(kind) = s.fields.get("kind").and_then(|(v, _)| v.as_str())
        && c.entity == Entity::Place
        && c.fields.get("kind").and_then(Value::as_str).is_some_and(|k| k != kind)
    {
        return refuse("a place's kind cannot change".into());
    }
    let region = match &existing {
        Some((r, _)) => r.clone(),
        None => region_for(tx, c)?,
    };
    let station = field_id(c, "station");
    if let Err(why) = authorize(account, c, existing.as_ref().map(|(r, _)| Existing { region: r }), &region, station) {
        return refuse(why);
    }
    let mut change = c.clone();
    change.hlc = clock::clamp(c.hlc, server_ms, bound_ms);
    let (mut state, old_digest) = match existing {
        Some((_, s)) => {
            let d = checksum::entity_digest(c.entity_id, &s);
            (s, Some(d))
        }
        None => (EntityState::default(), None),
    };
    state.apply(&change);
    if let Err(why) = check_record(c.entity, &state, old_digest.is_none()) {
        return refuse(format!("invalid {}: {why}", format!("{:?}", c.entity).to_lowercase()));
    }
    // Region sequence and checksum move together with the change.
    let (seq, sum): (i64, String) = tx
        .query_row("SELECT seq, checksum FROM regions WHERE region = ?1", [&region], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, checksum::hex(&[0; 32])));
    let mut sum = unhex(&sum)?;
    if let Some(d) = old_digest {
        checksum::xor(&mut sum, &d);
    }
    checksum::xor(&mut sum, &checksum::entity_digest(c.entity_id, &state));
    tx.execute(
        "INSERT INTO regions(region, seq, checksum) VALUES (?1, ?2, ?3)
         ON CONFLICT(region) DO UPDATE SET seq = excluded.seq, checksum = excluded.checksum",
        params![region, seq + 1, checksum::hex(&sum)],
    )?;
    tx.execute(
        "INSERT INTO entities(entity_id, entity, region, state) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(entity_id) DO UPDATE SET state = excluded.state",
        params![
            c.entity_id.to_string(),
            format!("{:?}", c.entity).to_lowercase(),
            region,
            serde_json::to_string(&state).expect("states serialize")
        ],
    )?;
    tx.execute(
        "INSERT INTO changes(id, region, rseq, body, account, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            c.id.to_string(),
            region,
            seq + 1,
            serde_json::to_string(&change).expect("changes serialize"),
            account.id.to_string(),
            server_ms
        ],
    )?;
    Ok(PushResult { id: c.id, status: PushStatus::Applied, reason: None, hlc: change.hlc })
}

fn unhex(s: &str) -> Result<Sum> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return Err(DbError::Corrupt(format!("bad checksum `{s}`")));
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .map_err(|_| DbError::Corrupt(format!("bad checksum `{s}`")))?;
    }
    Ok(out)
}
