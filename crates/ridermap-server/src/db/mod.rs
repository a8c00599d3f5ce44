//! The server store: the rules (authorize, merge, sequence, checksum) are written once here, over
//! `Tx`, the storage trait each backend implements with its own SQL and migrations: embedded SQLite
//! (`sqlite.rs`, the default) and PostgreSQL (`pg.rs`). Plain SQL in transactions only, so the
//! same statements can move to distributed PostgreSQL-compatible engines (see ARCHITECTURE.md).

mod pg;
mod sqlite;

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
    sync::Arc,
};

use ridermap_core::{Grid, Id, Note, Place, Role, StatusReport, Visit, is_content_address};
use ridermap_sync::{
    Entity, EntityState, WireChange,
    checksum::{self, Sum},
    clock,
    protocol::{BasePack, LoginResponse, NO_REGION, PullRequest, PullResponse, PushResult, PushStatus},
    view::{self, View},
};
use serde_json::{Value, value::RawValue};
use sha2::Digest;

use crate::auth::{Account, Existing, authorize, hash_secret, new_secret};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Denied(String),
    #[error("{0}")]
    Invalid(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Unavailable(String),
}

type Result<T, E = DbError> = std::result::Result<T, E>;

/// What an invite grants, as stored: role name and JSON lists of grids and stations.
#[derive(Debug, Clone)]
pub(crate) struct NewToken<'a> {
    pub hash: &'a str,
    pub account: &'a str,
    pub device: &'a str,
    pub created_ms: i64,
    pub expires_ms: i64,
}

pub(crate) struct Grant {
    pub role: String,
    pub grids: String,
    pub stations: String,
}

/// One region's row: its sequence, checksum (hex) and the extent of its places, if any.
#[derive(Debug, Clone)]
pub(crate) struct RegionRow {
    /// The checksum of the public view (`ridermap_sync::view`); None until first computed.
    pub public: Option<String>,
    pub region: String,
    pub seq: i64,
    pub checksum: String,
    /// min_lon, min_lat, max_lon, max_lat; grows as places arrive, never shrinks.
    pub extent: Option<[f64; 4]>,
}

#[derive(Debug, Clone)]
pub(crate) struct EntityRow {
    /// `Entity::as_str`
    pub kind: String,
    pub region: String,
    pub state: String,
}

/// A stored change.
#[derive(Debug, Clone)]
pub(crate) struct ChangeRow {
    pub id: String,
    pub region: String,
    pub rseq: i64,
    pub body: String,
    pub account: String,
    pub received_ms: i64,
}

/// Everything one push writes, applied by the backend in as few statements as it can.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    pub regions: Vec<RegionRow>,
    /// (entity id, entity kind, region, state JSON)
    pub entities: Vec<(String, String, String, String)>,
    pub changes: Vec<ChangeRow>,
}

/// Storage operations, one transaction's worth. Bulk where a backend gains from it (one round trip
/// on PostgreSQL), so a push costs a handful of statements whatever its size.
pub(crate) trait Tx {
    fn insert_invite(&mut self, code_hash: &str, grant: &Grant, ms: i64) -> Result<()>;
    /// Mark an unused invite used and return what it grants.
    /// Mark an unused invite used by `device`; its grant.
    fn use_invite(&mut self, code_hash: &str, device: &str, ms: i64) -> Result<Option<Grant>>;
    fn set_invite_account(&mut self, code_hash: &str, account: &str) -> Result<()>;
    /// The account an invite made, if `device` used it at or after `since_ms`: a retried login.
    fn retried_invite(&mut self, code_hash: &str, device: &str, since_ms: i64) -> Result<Option<(String, Grant)>>;
    fn insert_account(&mut self, id: &str, grant: &Grant, ms: i64) -> Result<()>;
    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<()>;
    /// Revoke `account`'s live tokens (only `device`'s, when given); how many.
    fn revoke_tokens(&mut self, account: &str, device: Option<&str>, ms: i64) -> Result<u64>;
    /// The account behind a live (unrevoked) token, and when the token expires.
    fn token_account(&mut self, token_hash: &str) -> Result<Option<(String, Grant, i64)>>;
    fn renew_token(&mut self, token_hash: &str, expires_ms: i64) -> Result<()>;
    fn change_bodies(&mut self, ids: &[String]) -> Result<HashMap<String, String>>;
    fn entities(&mut self, ids: &[String]) -> Result<HashMap<String, EntityRow>>;
    fn region(&mut self, region: &str) -> Result<Option<RegionRow>>;
    fn regions(&mut self) -> Result<Vec<RegionRow>>;
    fn write(&mut self, writes: &Writes) -> Result<()>;
    /// Up to `limit` (rseq, body) of `region` after `after`, in order.
    /// Changes of `region` after `after`: (sequence, body, account that pushed it).
    fn changes_after(&mut self, region: &str, after: i64, limit: i64) -> Result<Vec<(i64, String, String)>>;
    /// Every entity of `region`: (id, kind, state).
    fn region_states(&mut self, region: &str) -> Result<Vec<(String, String, String)>>;
    /// States of the records of `entity` in `region` (every region when `None`).
    fn states(&mut self, entity: Entity, region: Option<&str>) -> Result<Vec<String>>;
    fn put_blob(&mut self, hash: &str, bytes: &[u8], account: &str, ms: i64) -> Result<()>;
    fn blob(&mut self, hash: &str) -> Result<Option<Vec<u8>>>;
    /// Those of `hashes` the server does not hold.
    fn missing_blobs(&mut self, hashes: &[String]) -> Result<Vec<String>>;
    fn count_changes(&mut self) -> Result<i64>;
    /// Delete blobs stored at or before `before_ms` that no record or base-layer pack names; how many.
    fn expire_blobs(&mut self, before_ms: i64) -> Result<u64>;
    /// Make `pack` the base layer published for `region`.
    fn set_base_pack(&mut self, region: &str, pack: &BasePack, ms: i64) -> Result<()>;
    /// Every region's published base-layer pack.
    fn base_packs(&mut self) -> Result<Vec<(String, BasePack)>>;
}

/// Whether a transaction only reads (PostgreSQL runs those as read-only snapshots that never need
/// a retry) or writes (serializable, retried on serialization failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<pg::Postgres>),
}

/// A handle to the server store; cheap to clone.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
    /// How far ahead of the server a change's clock may be (`clock::DEFAULT_BOUND_MS`).
    bound_ms: i64,
    /// How long a token lives without use.
    token_life_ms: i64,
    /// Built feeds, and the region sequences they were built at.
    feed: crate::feed::Shared,
    /// Public-view checksums by region, with the full checksum of the states they were computed on.
    public_sums: Arc<std::sync::Mutex<HashMap<String, (String, String)>>>,
}

/// 180 days.
pub const DEFAULT_TOKEN_LIFE_MS: i64 = 180 * 24 * 3600 * 1000;
/// How long after a login the same device may log in again with the same invite (its answer
/// was lost): 10 minutes.
pub const LOGIN_RETRY_MS: i64 = 10 * 60 * 1000;

/// Why a bearer token is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefused {
    /// Never issued, or revoked.
    Unknown,
    /// Not used for longer than the token life.
    Expired,
}

fn role_str(r: Role) -> String {
    serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

fn account_of(id: &str, g: Grant) -> Result<Account> {
    Ok(Account {
        id: id.parse::<Id>().map_err(corrupt)?,
        role: serde_json::from_value(Value::String(g.role)).map_err(corrupt)?,
        grids: serde_json::from_str(&g.grids).map_err(corrupt)?,
        stations: serde_json::from_str(&g.stations).map_err(corrupt)?,
    })
}

/// Largest photo the server keeps, in bytes (devices downscale well below it).
pub const MAX_BLOB: usize = 2 << 20;

impl Db {
    /// The embedded SQLite store at `path` (created and migrated as needed).
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        Ok(Db::of(Backend::Sqlite(sqlite::Sqlite::open(path.as_ref())?)))
    }

    pub fn open_in_memory() -> Result<Db> {
        Ok(Db::of(Backend::Sqlite(sqlite::Sqlite::open_in_memory()?)))
    }

    /// A PostgreSQL store at `url` (`postgres://user:pass@host:port/db`), migrated as needed.
    /// Blocks: call it outside async code (or in `spawn_blocking`).
    pub fn connect(url: &str) -> Result<Db> {
        Ok(Db::of(Backend::Postgres(Box::new(pg::Postgres::connect(url)?))))
    }

    fn of(backend: Backend) -> Db {
        Db {
            backend: Arc::new(backend),
            bound_ms: clock::DEFAULT_BOUND_MS,
            token_life_ms: DEFAULT_TOKEN_LIFE_MS,
            public_sums: Default::default(),
            feed: Default::default(),
        }
    }

    /// Which backend this is: `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match &*self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Accept clocks at most `ms` ahead of the server's (default 60 s).
    pub fn with_clock_bound(mut self, ms: i64) -> Db {
        self.bound_ms = ms;
        self
    }

    /// Run `f` in one transaction; on PostgreSQL `f` may run again after a serialization failure.
    fn with<T>(&self, mode: Mode, f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        match &*self.backend {
            Backend::Sqlite(s) => s.with(mode, f),
            Backend::Postgres(p) => p.with(mode, f),
        }
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
        let grant = Grant {
            role: role_str(role),
            grids: serde_json::to_string(grids).unwrap_or_default(),
            stations: serde_json::to_string(stations).unwrap_or_default(),
        };
        self.with(Mode::Write, |tx| tx.insert_invite(&hash_secret(&code), &grant, now_ms()))?;
        Ok(code)
    }

    /// Turn an unused invite into an account and a token for `device`.
    pub fn login(&self, invite: &str, device: &str) -> Result<LoginResponse> {
        let (now, life) = (now_ms(), self.token_life_ms);
        let code = hash_secret(invite);
        self.with(Mode::Write, |tx| {
            let (id, grant) = match tx.use_invite(&code, device, now)? {
                Some(grant) => {
                    let id = Id::new().to_string();
                    tx.insert_account(&id, &grant, now)?;
                    tx.set_invite_account(&code, &id)?;
                    (id, grant)
                }
                // The same device again soon after: its answer was lost on the way. The token it
                // never received is revoked and a new one made for the same account.
                None => match tx.retried_invite(&code, device, now - LOGIN_RETRY_MS)? {
                    Some((id, grant)) => {
                        tx.revoke_tokens(&id, Some(device), now)?;
                        (id, grant)
                    }
                    None => return Err(DbError::Denied("this invite code is unknown or already used".into())),
                },
            };
            let token = new_secret();
            let hash = hash_secret(&token);
            tx.insert_token(&NewToken { hash: &hash, account: &id, device, created_ms: now, expires_ms: now + life })?;
            let account = account_of(&id, grant)?;
            let device_name = Some(crate::claims::pseudonym(&account));
            Ok(LoginResponse {
                token,
                account: account.id,
                role: account.role,
                grids: account.grids,
                stations: account.stations,
                device_name,
            })
        })
    }

    /// Revoke `account`'s tokens — only `device`'s, when given; returns how many.
    pub fn revoke(&self, account: Id, device: Option<&str>) -> Result<usize> {
        self.with(Mode::Write, |tx| Ok(tx.revoke_tokens(&account.to_string(), device, now_ms())? as usize))
    }

    /// The account a token belongs to, unless the token is unknown, revoked or expired. A token
    /// in use is renewed: it expires `token_life` after its last use (counted in days).
    pub fn account(&self, token: &str) -> Result<Option<Account>> {
        Ok(self.authenticate(token)?.ok())
    }

    /// `account`, or why the token is not taken.
    pub fn authenticate(&self, token: &str) -> Result<std::result::Result<Account, TokenRefused>> {
        let (hash, now, life) = (hash_secret(token), now_ms(), self.token_life_ms);
        let Some((id, grant, expires)) = self.with(Mode::Read, |tx| tx.token_account(&hash))? else {
            return Ok(Err(TokenRefused::Unknown));
        };
        if expires <= now {
            return Ok(Err(TokenRefused::Expired));
        }
        const DAY_MS: i64 = 24 * 3600 * 1000;
        if now + life - expires > DAY_MS.min(life / 2) {
            self.with(Mode::Write, |tx| tx.renew_token(&hash, now + life))?;
        }
        Ok(Ok(account_of(&id, grant)?))
    }

    /// When a live token expires (None: unknown or revoked).
    pub fn token_expires(&self, token: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let found = self.with(Mode::Read, |tx| tx.token_account(&hash_secret(token)))?;
        Ok(found.and_then(|(_, _, ms)| chrono::DateTime::from_timestamp_millis(ms)))
    }

    /// Tokens made from now on live this long without use (default 180 days).
    pub fn with_token_life(mut self, life: std::time::Duration) -> Db {
        self.token_life_ms = life.as_millis() as i64;
        self
    }

    /// Authorize and merge a batch: each change lands once, however often it is pushed.
    pub fn push(&self, account: &Account, changes: &[WireChange]) -> Result<Vec<PushResult>> {
        let (server_ms, bound) = (now_ms(), self.bound_ms);
        let results = self.with(Mode::Write, |tx| {
            let mut batch = Batch::load(tx, changes)?;
            let results =
                changes.iter().map(|c| batch.push_one(tx, account, c, server_ms, bound)).collect::<Result<Vec<_>>>()?;
            tx.write(&batch.finish())?;
            Ok(results)
        })?;
        if results.iter().any(|r| r.status == PushStatus::Applied) {
            self.feed.lock().unwrap_or_else(|p| p.into_inner()).changed();
        }
        Ok(results)
    }

    /// Verified places of `grid` (or of every grid) inside `bbox` (min_lon, min_lat, max_lon, max_lat),
    /// as GeoJSON features without personal data (built afresh; `feed_cached` keeps them).
    pub fn feed(&self, grid: Option<&str>, bbox: Option<[f64; 4]>) -> Result<Vec<Value>> {
        let (states, reports) =
            self.with(Mode::Read, |tx| Ok((tx.states(Entity::Place, grid)?, tx.states(Entity::Report, grid)?)))?;
        let records = |states: Vec<String>| -> Result<Vec<Value>> {
            let mut out = vec![];
            for state in states {
                let state: EntityState = serde_json::from_str(&state).map_err(corrupt)?;
                if !state.is_deleted() {
                    out.push(Value::Object(state.fields.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect()));
                }
            }
            Ok(out)
        };
        // Riders' ratings, only ever as a compound's aggregate of enough of them.
        let mut ratings: HashMap<ridermap_core::Id, Vec<ridermap_core::StatusReport>> = HashMap::new();
        for r in records(reports)? {
            if let Ok(r) = serde_json::from_value::<ridermap_core::StatusReport>(r)
                && r.outcome == ridermap_core::Outcome::Rated
                && let Some(t) = r.target
            {
                ratings.entry(t).or_default().push(r);
            }
        }
        let now = chrono::Utc::now();
        let mut features = vec![];
        for values in records(states)? {
            let Ok(place) = serde_json::from_value::<Place>(values) else { continue };
            if place.stamp.verified_at.is_none() {
                continue;
            }
            if let Some(b) = bbox
                && !contains(b, place.lon, place.lat)
            {
                continue;
            }
            let Value::Object(mut props) = serde_json::to_value(&place).map_err(corrupt)? else { continue };
            // Open data for route planners: who edited a record stays on the server.
            props.remove("updated_by");
            if let Some(rs) = ratings.get(&place.id) {
                let score = ridermap_core::score::score(rs, now);
                if score.ratings >= ridermap_core::score::MIN_PUBLIC {
                    let shares: serde_json::Map<String, Value> = score
                        .indicators
                        .iter()
                        .filter_map(|i| Some((i.indicator.as_str().to_string(), Value::from(i.share?))))
                        .collect();
                    props.insert(
                        "rider_score".into(),
                        serde_json::json!({"ratings": score.ratings, "overall": score.overall, "shares": shares}),
                    );
                }
            }
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
        Ok(features)
    }

    /// Every region's sequence.
    pub(crate) fn region_seqs(&self) -> Result<BTreeMap<String, i64>> {
        self.with(Mode::Read, |tx| Ok(tx.regions()?.into_iter().map(|r| (r.region, r.seq)).collect()))
    }

    pub(crate) fn feed_cache(&self) -> &crate::feed::Shared {
        &self.feed
    }

    /// Changes after the request's cursors in the regions the account may read, paged.
    pub fn pull(&self, account: &Account, req: &PullRequest) -> Result<PullResponse> {
        let page = self.pull_raw(account, req)?;
        let changes =
            page.changes.iter().map(|b| serde_json::from_str(b.get()).map_err(corrupt)).collect::<Result<_>>()?;
        Ok(page.with_changes(changes))
    }

    /// `pull` with the changes as the stored JSON, passed through without being parsed again.
    pub fn pull_raw(&self, account: &Account, req: &PullRequest) -> Result<PullResponse<Box<RawValue>>> {
        const MAX_BYTES: usize = 1 << 20;
        self.with(Mode::Read, |tx| {
            let all = tx.regions()?;
            let readable = |r: &str| match account.role {
                Role::GridWorker => account.grids.iter().any(|g| g == r) || r == NO_REGION,
                _ => true,
            };
            let wanted: Vec<String> = match (&req.regions, req.bbox) {
                (Some(rs), _) => rs.iter().filter(|r| readable(r)).cloned().collect(),
                // A bounding box follows the regions whose places reach into it, and the regionless.
                (None, Some(b)) => all
                    .iter()
                    .filter(|r| readable(&r.region))
                    .filter(|r| r.region == NO_REGION || r.extent.is_some_and(|e| overlaps(e, b)))
                    .map(|r| r.region.clone())
                    .collect(),
                (None, None) => all.iter().filter(|r| readable(&r.region)).map(|r| r.region.clone()).collect(),
            };
            let limit = req.limit.clamp(1, 5000);
            let mut out = PullResponse {
                changes: vec![],
                cursors: req.cursors.clone(),
                more: false,
                checksums: BTreeMap::new(),
                public: Default::default(),
                // A grid's layer may be published before it holds any place.
                base_packs: tx
                    .base_packs()?
                    .into_iter()
                    .filter(|(r, _)| wanted.contains(r) || (req.regions.is_none() && req.bbox.is_none() && readable(r)))
                    .collect(),
            };
            let me = account.id.to_string();
            let mut bytes = 0usize;
            for region in &wanted {
                let view = view_for(account, region);
                let from = req.cursors.get(region).copied().unwrap_or(0);
                let room = limit.saturating_sub(out.changes.len());
                let rows = tx.changes_after(region, from, room as i64 + 1)?;
                for (i, (rseq, body, by)) in rows.into_iter().enumerate() {
                    if i == room || bytes + body.len() > MAX_BYTES && !out.changes.is_empty() {
                        out.more = true;
                        break;
                    }
                    bytes += body.len();
                    let body = match view {
                        View::Public if by != me => project(body)?,
                        _ => body,
                    };
                    out.changes.push(RawValue::from_string(body).map_err(corrupt)?);
                    out.cursors.insert(region.clone(), rseq);
                }
                let sum = match (view, all.iter().find(|r| &r.region == region)) {
                    (_, None) => checksum::hex(&[0; 32]),
                    (View::Full, Some(row)) => row.checksum.clone(),
                    (View::Public, Some(row)) => match &row.public {
                        Some(sum) => sum.clone(),
                        None => self.public_checksum(tx, row)?,
                    },
                };
                out.checksums.insert(region.clone(), sum);
                if view == View::Public {
                    out.public.insert(region.clone());
                }
                if out.more {
                    break;
                }
            }
            Ok(out)
        })
    }

    /// The checksum of `row`'s region over its states as the public view shows them; computed
    /// once per state of the region (named by its full checksum) and kept.
    fn public_checksum(&self, tx: &mut dyn Tx, row: &RegionRow) -> Result<String> {
        let mut cache = self.public_sums.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((full, sum)) = cache.get(&row.region)
            && *full == row.checksum
        {
            return Ok(sum.clone());
        }
        drop(cache);
        let sum = public_sum(tx, &row.region)?;
        cache = self.public_sums.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(row.region.clone(), (row.checksum.clone(), sum.clone()));
        Ok(sum)
    }

    /// Keep a photo under its content address. The bytes must hash to `hash` and fit `MAX_BLOB`.
    pub fn put_blob(&self, account: &Account, hash: &str, bytes: &[u8]) -> Result<()> {
        if !is_content_address(hash) {
            return Err(DbError::Invalid(format!(
                "`{hash}` is not a SHA-256 content address (64 lowercase hex digits)"
            )));
        }
        if bytes.len() > MAX_BLOB {
            return Err(DbError::Invalid(format!("a photo may be at most {} KiB", MAX_BLOB / 1024)));
        }
        let actual = checksum::hex(&<[u8; 32]>::from(sha2::Sha256::digest(bytes)));
        if actual != hash {
            return Err(DbError::Invalid(format!("the bytes hash to {actual}, not {hash}")));
        }
        self.with(Mode::Write, |tx| tx.put_blob(&actual, bytes, &account.id.to_string(), now_ms()))
    }

    /// Publish `pack` (a base-layer pack, `ridermap_sync::pack`, of `features` features made from
    /// `source`) as `region`'s base layer: kept as a blob by its content address, named in every
    /// pull of the region from now on. Publishing the same layer again changes nothing.
    pub fn publish_base_pack(&self, region: &str, source: &str, pack: &[u8], features: u64) -> Result<BasePack> {
        if region.trim().is_empty() || region.len() > 64 {
            return Err(DbError::Invalid(format!("--grid: `{region}` is not a grid code (1-64 characters)")));
        }
        let hash = checksum::hex(&<[u8; 32]>::from(sha2::Sha256::digest(pack)));
        let meta = BasePack { hash: hash.clone(), bytes: pack.len() as u64, features, source: source.to_string() };
        self.with(Mode::Write, |tx| {
            tx.put_blob(&hash, pack, "admin", now_ms())?;
            tx.set_base_pack(region, &meta, now_ms())
        })?;
        Ok(meta)
    }

    /// Forget photos uploaded more than `age` ago that no record names (an upload whose push never
    /// came, or a record changed to another photo); how many.
    pub fn expire_blobs(&self, age: std::time::Duration) -> Result<u64> {
        let before = now_ms() - age.as_millis() as i64;
        self.with(Mode::Write, |tx| tx.expire_blobs(before))
    }

    /// How many changes the server holds (every region).
    pub fn change_count(&self) -> Result<i64> {
        self.with(Mode::Read, |tx| tx.count_changes())
    }

    pub fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        if !is_content_address(hash) {
            return Err(DbError::Invalid(format!(
                "`{hash}` is not a SHA-256 content address (64 lowercase hex digits)"
            )));
        }
        self.with(Mode::Read, |tx| tx.blob(hash))
    }

    /// Those of `hashes` the server still needs.
    pub fn missing_blobs(&self, hashes: &[String]) -> Result<Vec<String>> {
        if let Some(bad) = hashes.iter().find(|h| !is_content_address(h)) {
            return Err(DbError::Invalid(format!(
                "`{bad}` is not a SHA-256 content address (64 lowercase hex digits)"
            )));
        }
        self.with(Mode::Read, |tx| tx.missing_blobs(hashes))
    }
}

/// The public-view checksum of `region` as stored, from every entity in it.
fn public_sum(tx: &mut dyn Tx, region: &str) -> Result<String> {
    let mut sum = [0u8; 32];
    for (id, kind, state) in tx.region_states(region)? {
        let id: Id = id.parse().map_err(corrupt)?;
        let kind = Entity::parse(&kind).ok_or_else(|| DbError::Corrupt(format!("entity {id}: kind `{kind}`")))?;
        let state: EntityState = serde_json::from_str(&state).map_err(corrupt)?;
        checksum::xor(&mut sum, &view::public_digest(kind, id, &state));
    }
    Ok(checksum::hex(&sum))
}

/// How `region`'s changes reach `account`: in full to admins and to grid workers in their grids.
fn view_for(account: &Account, region: &str) -> View {
    match account.role {
        Role::Admin => View::Full,
        Role::GridWorker if account.grids.iter().any(|g| g == region) => View::Full,
        _ => View::Public,
    }
}

/// A stored change's body as the public view shows it.
fn project(body: String) -> Result<String> {
    let c: WireChange = serde_json::from_str(&body).map_err(corrupt)?;
    if !view::is_personal(c.entity) {
        return Ok(body);
    }
    Ok(serde_json::to_string(&view::public_change(&c)).expect("changes serialize"))
}

/// The first 16 bytes of `digest`, as hex.
pub(crate) fn hex16(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn contains([x0, y0, x1, y1]: [f64; 4], lon: f64, lat: f64) -> bool {
    (x0..=x1).contains(&lon) && (y0..=y1).contains(&lat)
}

fn overlaps(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// One push's working set: what it read, what it will write. Entities and regions are read once
/// and kept here, so later changes in the batch see earlier ones.
struct Batch {
    known: HashMap<String, String>,
    entities: HashMap<String, Option<(String, EntityState)>>,
    regions: HashMap<String, RegionRow>,
    dirty_entities: Vec<String>,
    dirty_regions: Vec<String>,
    kinds: HashMap<String, Entity>,
    changes: Vec<ChangeRow>,
    /// The pushing account's pseudonym, made once per push.
    device_name: Option<String>,
}

impl Batch {
    fn load(tx: &mut dyn Tx, changes: &[WireChange]) -> Result<Batch> {
        let ids: Vec<String> = changes.iter().map(|c| c.id.to_string()).collect();
        let known = tx.change_bodies(&ids)?;
        let mut wanted: Vec<String> = changes.iter().map(|c| c.entity_id.to_string()).collect();
        // Visits and notes join the region of the station or place they name.
        wanted.extend(
            changes
                .iter()
                .flat_map(|c| [field_id(c, "station"), field_id(c, "target")])
                .flatten()
                .map(|i| i.to_string()),
        );
        wanted.sort();
        wanted.dedup();
        let rows = tx.entities(&wanted)?;
        let mut entities = HashMap::with_capacity(wanted.len());
        let mut kinds = HashMap::new();
        for id in wanted {
            let row = match rows.get(&id) {
                Some(r) => {
                    let kind = Entity::parse(&r.kind)
                        .ok_or_else(|| DbError::Corrupt(format!("entity {id}: unknown kind `{}`", r.kind)))?;
                    kinds.insert(id.clone(), kind);
                    Some((r.region.clone(), serde_json::from_str(&r.state).map_err(corrupt)?))
                }
                None => None,
            };
            entities.insert(id, row);
        }
        Ok(Batch {
            known,
            entities,
            regions: HashMap::new(),
            dirty_entities: vec![],
            dirty_regions: vec![],
            kinds,
            changes: vec![],
            device_name: None,
        })
    }

    /// Whether a new report may land in grid `region`: the grid is on the server, the report lies
    /// in or near the area of the grid's places, and a place it is about is in that grid.
    fn report_fits(&mut self, tx: &mut dyn Tx, c: &WireChange, region: &str) -> std::result::Result<(), String> {
        /// How far outside the extent of a grid's places a report may be: a compound's gates and
        /// the street in front of them.
        const MARGIN_M: f64 = 500.0;
        if let Some(target) = field_id(c, "target")
            && let Some((place_region, _)) = self.entity(target)
            && place_region != region
        {
            return Err(format!("its place is in grid `{place_region}`, not `{region}`"));
        }
        let row = self.region_row(tx, region).map_err(|e| e.to_string())?;
        if row.seq == 0 {
            return Err(format!("grid `{region}` is not on the server"));
        }
        let at = |f: &str| c.fields.get(f).and_then(Value::as_f64);
        if let (Some([x0, y0, x1, y1]), Some(lon), Some(lat)) = (row.extent, at("lon"), at("lat")) {
            let dlat = MARGIN_M / 111_320.0;
            let dlon = dlat / lat.to_radians().cos().max(0.01);
            if !contains([x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat], lon, lat) {
                return Err(format!("it lies outside grid `{region}` (more than {MARGIN_M} m from its places)"));
            }
        }
        Ok(())
    }

    fn entity(&self, id: Id) -> Option<&(String, EntityState)> {
        self.entities.get(&id.to_string()).and_then(Option::as_ref)
    }

    fn region_row(&mut self, tx: &mut dyn Tx, region: &str) -> Result<&mut RegionRow> {
        if !self.regions.contains_key(region) {
            let mut row = tx.region(region)?.unwrap_or_else(|| RegionRow {
                region: region.to_string(),
                seq: 0,
                checksum: checksum::hex(&[0; 32]),
                public: Some(checksum::hex(&[0; 32])),
                extent: None,
            });
            // A region from before the public checksum was kept: computed once, from what is
            // stored (this batch has not written yet), then kept up to date like the full one.
            if row.public.is_none() {
                row.public = Some(public_sum(tx, region)?);
            }
            self.regions.insert(region.to_string(), row);
        }
        Ok(self.regions.get_mut(region).expect("just inserted"))
    }

    fn push_one(
        &mut self,
        tx: &mut dyn Tx,
        account: &Account,
        c: &WireChange,
        server_ms: i64,
        bound_ms: i64,
    ) -> Result<PushResult> {
        if let Some(body) = self.known.get(&c.id.to_string()) {
            let old: WireChange = serde_json::from_str(body).map_err(corrupt)?;
            let kept = (old.fields != c.fields).then_some(old.fields);
            let device = (old.device != c.device).then_some(old.device);
            return Ok(PushResult {
                id: c.id,
                status: PushStatus::Duplicate,
                reason: None,
                hlc: old.hlc,
                kept,
                device,
            });
        }
        let refuse = |why: String| {
            Ok(PushResult {
                id: c.id,
                status: PushStatus::Refused,
                reason: Some(why),
                hlc: c.hlc,
                kept: None,
                device: None,
            })
        };
        if let Err(why) = crate::limits::check_change(c) {
            return refuse(format!("too large: {why}"));
        }
        // An id is one kind of record for good: a change for it as another kind is not about it.
        if let Some(kind) = self.kinds.get(&c.entity_id.to_string())
            && *kind != c.entity
        {
            return refuse(format!("{} is a {}, not a {}", c.entity_id, kind.as_str(), c.entity.as_str()));
        }
        let existing = self.entity(c.entity_id).cloned();
        if let Some((_, s)) = &existing
            && let Some(kind) = s.fields.get("kind").and_then(|(v, _)| v.as_str())
            && c.entity == Entity::Place
            && c.fields.get("kind").and_then(Value::as_str).is_some_and(|k| k != kind)
        {
            return refuse("a place's kind cannot change".into());
        }
        let region = match &existing {
            Some((r, _)) => r.clone(),
            None => {
                ridermap_sync::protocol::region_of(c.entity, &c.fields, |id| self.entity(id).map(|(r, _)| r.clone()))
            }
        };
        let station = field_id(c, "station");
        if let Err(why) =
            authorize(account, c, existing.as_ref().map(|(r, _)| Existing { region: r }), &region, station)
        {
            return refuse(why);
        }
        if c.entity == Entity::Report
            && existing.is_none()
            && region != NO_REGION
            && let Err(why) = self.report_fits(tx, c, &region)
        {
            return refuse(why);
        }
        let mut change = c.clone();
        change.hlc = clock::clamp(c.hlc, server_ms, bound_ms);
        let now = chrono::DateTime::from_timestamp_millis(server_ms).unwrap_or_else(chrono::Utc::now);
        let amended = crate::claims::enforce(account, &mut change, &region, now);
        change.device = self.device_name.get_or_insert_with(|| crate::claims::pseudonym(account)).clone();
        let personal = view::is_personal(c.entity);
        let public_digest = |s: &EntityState| view::public_digest(c.entity, c.entity_id, s);
        let (mut state, old_digest, old_public) = match existing {
            Some((_, s)) => {
                let d = checksum::entity_digest(c.entity_id, &s);
                let p = if personal { public_digest(&s) } else { d };
                (s, Some(d), Some(p))
            }
            None => (EntityState::default(), None, None),
        };
        state.apply(&change);
        if let Err(why) = check_record(c.entity, &state, old_digest.is_none()) {
            return refuse(format!("invalid {}: {why}", c.entity.as_str()));
        }
        // Region sequence, checksum and extent move together with the change.
        let new_digest = checksum::entity_digest(c.entity_id, &state);
        let new_public = if personal { public_digest(&state) } else { new_digest };
        let position = match (c.entity, state.fields.get("lon"), state.fields.get("lat")) {
            (Entity::Place, Some((lon, _)), Some((lat, _))) => lon.as_f64().zip(lat.as_f64()),
            _ => None,
        };
        let row = self.region_row(tx, &region)?;
        let mut sum = unhex(&row.checksum)?;
        if let Some(d) = old_digest {
            checksum::xor(&mut sum, &d);
        }
        checksum::xor(&mut sum, &new_digest);
        let mut public = unhex(row.public.as_deref().unwrap_or_default())?;
        if let Some(d) = old_public {
            checksum::xor(&mut public, &d);
        }
        checksum::xor(&mut public, &new_public);
        row.seq += 1;
        row.checksum = checksum::hex(&sum);
        row.public = Some(checksum::hex(&public));
        if let Some((lon, lat)) = position {
            row.extent = Some(match row.extent {
                None => [lon, lat, lon, lat],
                Some([x0, y0, x1, y1]) => [x0.min(lon), y0.min(lat), x1.max(lon), y1.max(lat)],
            });
        }
        let rseq = row.seq;
        if !self.dirty_regions.contains(&region) {
            self.dirty_regions.push(region.clone());
        }
        let key = c.entity_id.to_string();
        self.dirty_entities.push(key.clone());
        self.kinds.insert(key.clone(), c.entity);
        self.entities.insert(key, Some((region.clone(), state)));
        let body = serde_json::to_string(&change).expect("changes serialize");
        self.known.insert(c.id.to_string(), body.clone());
        self.changes.push(ChangeRow {
            id: c.id.to_string(),
            region,
            rseq,
            body,
            account: account.id.to_string(),
            received_ms: server_ms,
        });
        let kept = amended.then(|| change.fields.clone());
        let device = (change.device != c.device).then(|| change.device.clone());
        Ok(PushResult { id: c.id, status: PushStatus::Applied, reason: None, hlc: change.hlc, kept, device })
    }

    fn finish(mut self) -> Writes {
        self.dirty_entities.sort();
        self.dirty_entities.dedup();
        let entities = self
            .dirty_entities
            .iter()
            .filter_map(|id| {
                let (region, state) = self.entities.get(id)?.as_ref()?;
                let kind = self.kinds.get(id)?.as_str().to_string();
                Some((id.clone(), kind, region.clone(), serde_json::to_string(state).expect("states serialize")))
            })
            .collect();
        let regions = self.dirty_regions.iter().filter_map(|r| self.regions.get(r).cloned()).collect();
        Writes { regions, entities, changes: self.changes }
    }
}

fn field_id(c: &WireChange, field: &str) -> Option<Id> {
    c.fields.get(field).and_then(Value::as_str).and_then(|s| s.parse().ok())
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
