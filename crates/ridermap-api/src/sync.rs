//! Sync from the app and the CLI: status, a round now, what to follow, the outbox, enrolment,
//! lost edits and the local change log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ridermap_core::{Hlc, Id, Lang, Role};
use ridermap_sync::{Conflict, Entity, Op, WireChange};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatusReq {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub enrolled: bool,
    pub pending: i64,
    pub refused: usize,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// The role the server gave this device at enrolment; the UI shows the screens it may use.
    #[serde(default)]
    pub role: Option<Role>,
    /// What this device pulls.
    #[serde(default)]
    pub follow: Follow,
    /// This device's id (what `ridermap admin revoke --device` names).
    #[serde(default)]
    pub device: String,
    /// Where the sync token is kept (None before enrolment).
    #[serde(default)]
    pub token_in: Option<TokenVault>,
    /// Whether this device trusts its server's own CA besides the platform's roots.
    #[serde(default)]
    pub own_ca: bool,
}

/// Where a device keeps its sync token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenVault {
    /// The platform's keyring (Keychain, Credential Manager, a desktop's Secret Service); the
    /// store keeps only the entry's name.
    Keyring,
    /// The store itself, a file only its user may read, where no keyring answers.
    Store,
}

/// A sync round now: push everything pending, pull until up to date; `verify` also compares this
/// device's region checksums with the server's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncNowReq {
    #[serde(default)]
    pub verify: bool,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRound {
    pub pushed: usize,
    pub refused: usize,
    pub pulled: usize,
    pub conflicts: usize,
    /// Photos uploaded, and fetched for pulled records.
    pub photos_up: usize,
    pub photos_down: usize,
    /// Base-layer packs downloaded and installed (a region's published layer changed).
    #[serde(default)]
    pub base_packs: usize,
    /// Per region, whether this device's state matches the server's checksum (after `verify`).
    pub verified: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncOutcome {
    #[serde(flatten)]
    pub round: SyncRound,
    pub status: SyncStatus,
}

/// Which regions a device pulls: all it may read, some grids, or the grids whose places reach into
/// a bounding box. Records outside any grid always come along.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Follow {
    #[default]
    All,
    Grids(Vec<String>),
    /// min_lon, min_lat, max_lon, max_lat
    Bbox([f64; 4]),
}

impl std::str::FromStr for Follow {
    type Err = String;

    /// `all`, `grids:G1,G2` or `bbox:MIN_LON,MIN_LAT,MAX_LON,MAX_LAT`.
    fn from_str(s: &str) -> Result<Follow, String> {
        let s = s.trim();
        if s == "all" {
            return Ok(Follow::All);
        }
        if let Some(list) = s.strip_prefix("grids:") {
            let grids: Vec<String> = list.split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect();
            if grids.is_empty() {
                return Err("`grids:` needs at least one grid code".into());
            }
            return Ok(Follow::Grids(grids));
        }
        if let Some(b) = s.strip_prefix("bbox:") {
            let v: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("`{b}` is not four numbers"))?;
            return match v.as_slice() {
                [x0, y0, x1, y1]
                    if x0 <= x1
                        && y0 <= y1
                        && (-180.0..=180.0).contains(x0)
                        && (-180.0..=180.0).contains(x1)
                        && (-90.0..=90.0).contains(y0)
                        && (-90.0..=90.0).contains(y1) =>
                {
                    Ok(Follow::Bbox([*x0, *y0, *x1, *y1]))
                }
                _ => Err(format!("`{b}` is not min_lon,min_lat,max_lon,max_lat")),
            };
        }
        Err(format!("`{s}` is not `all`, `grids:G1,G2` or `bbox:MIN_LON,MIN_LAT,MAX_LON,MAX_LAT`"))
    }
}

/// Change what this device syncs with: another address of its server (the enrolment stays),
/// and what it pulls. Fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncSettingsReq {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub follow: Option<Follow>,
    /// The server's own CA certificate (PEM) to trust besides the platform's roots; "" forgets it.
    #[serde(default)]
    pub ca: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxReq {}

/// What kind of record a change is about, in words (the outbox and conflict lists say it).
pub fn entity_word(e: Entity, l: Lang) -> &'static str {
    match e {
        Entity::Grid => l.pick("网格", "grid"),
        Entity::Place => l.pick("地点", "place"),
        Entity::Report => l.pick("报告", "report"),
        Entity::Visit => l.pick("到访", "visit"),
        Entity::Note => l.pick("备注", "note"),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub change: WireChange,
    /// Why the server refused it; None while it waits to be sent.
    pub refusal: Option<String>,
    /// The name of the record it changes, when this device has one.
    #[serde(default)]
    pub label: Option<String>,
}

/// Refused changes first (oldest first), then those waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    pub items: Vec<OutboxItem>,
}

/// Forget a refused change once its reason has been read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DismissReq {
    pub id: Id,
}

/// Enrol this device with a sync server using a one-time invite code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolReq {
    /// `https://…` (plain `http://` only to this machine).
    pub server: String,
    pub invite: String,
    /// The server's own CA certificate (PEM), when its certificate is not from a public CA.
    #[serde(default)]
    pub ca: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConflictsReq {}

/// A local edit that lost to a newer one from another device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictItem {
    pub entity: Entity,
    pub entity_id: Id,
    /// The record's name, when this device has it.
    pub label: Option<String>,
    #[serde(flatten)]
    pub conflict: Conflict,
}

/// The local change log after sequence number `since`, oldest first, at most `limit` (default 100).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangesReq {
    #[serde(default)]
    pub since: i64,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedChange {
    pub seq: i64,
    pub id: Id,
    pub entity: Entity,
    pub entity_id: Id,
    pub op: Op,
    /// The fields the change set.
    pub fields: Map<String, Value>,
    pub hlc: Hlc,
    pub device: String,
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
}
