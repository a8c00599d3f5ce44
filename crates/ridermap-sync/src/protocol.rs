//! Wire types. `PROTOCOL_VERSION` changes only for incompatible changes; fields added later carry
//! `#[serde(default)]` so an older peer keeps working (unknown fields are ignored on read).

use ridermap_core::{Hlc, Id};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const PROTOCOL_VERSION: u32 = 1;

/// What kind of record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Grid,
    Place,
    Report,
    Visit,
    Note,
}

impl Entity {
    /// The wire name (as serde writes it), for stored columns and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Grid => "grid",
            Entity::Place => "place",
            Entity::Report => "report",
            Entity::Visit => "visit",
            Entity::Note => "note",
        }
    }

    /// The entity a wire name names (`as_str` read back).
    pub fn parse(name: &str) -> Option<Entity> {
        [Entity::Grid, Entity::Place, Entity::Report, Entity::Visit, Entity::Note]
            .into_iter()
            .find(|e| e.as_str() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Create or edit: `fields` holds the fields set and their new values.
    Put,
    /// Delete: a tombstone.
    Delete,
    /// Review of a report (accept / reject): `fields` holds the review fields.
    Resolve,
}

impl Op {
    /// The wire name (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Put => "put",
            Op::Delete => "delete",
            Op::Resolve => "resolve",
        }
    }
}

/// One change as it travels between device and server. `id` is made by the device, so a retried
/// push is recognised and applied once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChange {
    pub id: Id,
    pub entity: Entity,
    pub entity_id: Id,
    pub op: Op,
    #[serde(default)]
    pub fields: Map<String, Value>,
    pub hlc: Hlc,
    pub device: String,
}

impl WireChange {
    /// A new change with a fresh id.
    pub fn new(
        entity: Entity,
        entity_id: Id,
        op: Op,
        fields: Map<String, Value>,
        hlc: Hlc,
        device: &str,
    ) -> WireChange {
        WireChange { id: Id::new(), entity, entity_id, op, fields, hlc, device: device.to_string() }
    }

    /// The version every field this change sets is stamped with.
    pub fn version(&self) -> crate::Version {
        crate::Version { hlc: self.hlc, device: self.device.clone() }
    }
}

/// Where a record belongs for sync: the grid code of its place (or of its station / target), or
/// `NO_REGION` for records outside any grid.
pub type Region = String;
pub const NO_REGION: &str = "_";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u32,
    pub changes: Vec<WireChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Merged now.
    Applied,
    /// Merged before (a retried push): nothing happened again.
    Duplicate,
    /// Not allowed or not valid; `reason` says why. The device keeps it visible.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub id: Id,
    pub status: PushStatus,
    #[serde(default)]
    pub reason: Option<String>,
    /// The clock the server kept (clamped when the device's was too far ahead).
    pub hlc: Hlc,
    /// The fields the server kept, when they differ from those sent: it sets who wrote a record,
    /// in what role, a new report's review state, and no time after its own clock. The device
    /// keeps these in place of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<serde_json::Map<String, serde_json::Value>>,
    /// The device name the server kept in place of the device's own id: a pseudonym of the
    /// account, the same for all its devices (what everyone else sees). The device keeps it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// Photos travel apart from changes, as blobs named by the SHA-256 of their bytes: the device asks
/// which of its photos the server lacks (`POST /v1/blobs/missing`), uploads those
/// (`PUT /v1/blobs/{sha256}`) before pushing the changes that name them, and fetches the ones it
/// pulled (`GET /v1/blobs/{sha256}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobsMissing {
    pub hashes: Vec<String>,
}

/// Changes since `cursors` (per region: the last sequence number held), for `regions` (all the
/// account may read when absent), at most `limit` changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    pub protocol: u32,
    #[serde(default)]
    pub cursors: std::collections::BTreeMap<Region, i64>,
    #[serde(default)]
    pub regions: Option<Vec<Region>>,
    /// Follow the regions whose places reach into min_lon, min_lat, max_lon, max_lat (when
    /// `regions` is absent). Added in protocol 1 without a version bump: older servers ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    pub limit: usize,
}

/// `C` is `WireChange`, or on the server the stored JSON of one, passed through unparsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse<C = WireChange> {
    pub changes: Vec<C>,
    /// Cursors after this page; save them with the changes.
    pub cursors: std::collections::BTreeMap<Region, i64>,
    /// More changes wait: pull again.
    pub more: bool,
    /// Per region, the checksum of the server's state (hex), for `--verify`.
    pub checksums: std::collections::BTreeMap<Region, String>,
    /// The regions sent in the public view (others' records projected, `crate::view`); their
    /// checksums are over projected states.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub public: std::collections::BTreeSet<Region>,
    /// Per region pulled, the base-layer pack published for it (`crate::pack`): a device that
    /// holds another downloads this one (`GET /v1/blobs/{hash}`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub base_packs: std::collections::BTreeMap<Region, BasePack>,
}

/// A region's published base layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasePack {
    /// Its content address: sha-256 of the pack's bytes, hex.
    pub hash: String,
    pub bytes: u64,
    pub features: u64,
    /// The file it was made from.
    pub source: String,
}

impl<C> PullResponse<C> {
    /// The same page carrying `changes` (the same changes in another form: parsed, say).
    pub fn with_changes<D>(self, changes: Vec<D>) -> PullResponse<D> {
        PullResponse {
            changes,
            cursors: self.cursors,
            more: self.more,
            checksums: self.checksums,
            public: self.public,
            base_packs: self.base_packs,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub protocol: u32,
    pub invite: String,
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub account: Id,
    pub role: ridermap_core::Role,
    pub grids: Vec<String>,
    pub stations: Vec<Id>,
    /// The name the device's changes go by (its account's pseudonym); a device that stamps its
    /// changes with it has none renamed at push.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// The region a record syncs in, from its fields: a grid's own code; a place's or report's grid; a
/// visit's station's region; a note's target's region (`region_of_id` looks those up).
pub fn region_of(entity: Entity, fields: &Map<String, Value>, region_of_id: impl Fn(Id) -> Option<Region>) -> Region {
    let text = |f: &str| fields.get(f).and_then(Value::as_str).map(str::to_string);
    let via = |f: &str| fields.get(f).and_then(Value::as_str).and_then(|s| s.parse().ok()).and_then(&region_of_id);
    match entity {
        Entity::Grid => text("code"),
        Entity::Place | Entity::Report => text("grid"),
        Entity::Visit => via("station"),
        Entity::Note => via("target"),
    }
    .unwrap_or_else(|| NO_REGION.to_string())
}
