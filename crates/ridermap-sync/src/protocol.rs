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
    /// Reports, visits and notes are written once by their author (then only reviewed): their
    /// edits never race, so they never conflict.
    pub fn append_only(self) -> bool {
        matches!(self, Entity::Report | Entity::Visit | Entity::Note)
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
    /// The version every field this change sets is stamped with.
    pub fn version(&self) -> crate::Version {
        crate::Version {
            hlc: self.hlc,
            device: self.device.clone(),
        }
    }
}
