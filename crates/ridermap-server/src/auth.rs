//! Accounts, invites and tokens. Secrets (invite codes, tokens) are random and stored only as
//! SHA-256 hashes; what an account may do follows from its role and its grids or stations.

use ridermap_core::{Id, Role};
use ridermap_sync::{Entity, Op, WireChange, protocol::NO_REGION};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: Id,
    pub role: Role,
    /// Grid codes a grid worker keeps.
    pub grids: Vec<String>,
    /// Rest stops a volunteer runs.
    pub stations: Vec<Id>,
}

pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret: 32 hex characters (128 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the server knows about an entity before a change: its kind and region, if it exists.
pub struct Existing<'a> {
    pub region: &'a str,
}

/// Whether `account` may make `change`, landing in `region`; the reason when not.
pub fn authorize(
    account: &Account,
    change: &WireChange,
    existing: Option<Existing<'_>>,
    region: &str,
    station: Option<Id>,
) -> Result<(), String> {
    if account.role == Role::Admin {
        return Ok(());
    }
    let keeps = |r: &str| account.grids.iter().any(|g| g == r);
    let new = existing.is_none();
    match (change.entity, change.op) {
        (Entity::Report | Entity::Note, Op::Put) if new => Ok(()),
        (Entity::Report | Entity::Note, Op::Put) => {
            Err("reports and notes are written once; they cannot be edited".into())
        }
        (Entity::Report, Op::Resolve) => match account.role {
            Role::GridWorker if keeps(region) => Ok(()),
            Role::GridWorker => Err(format!("this report belongs to grid `{region}`, not one of yours")),
            _ => Err("only grid workers resolve reports".into()),
        },
        (Entity::Visit, Op::Put) => match account.role {
            Role::Volunteer if !new => Err("visits are written once; they cannot be edited".into()),
            Role::Volunteer if station.is_some_and(|s| account.stations.contains(&s)) => Ok(()),
            Role::Volunteer => Err("volunteers log visits only at their own stations".into()),
            _ => Err("only volunteers log visits".into()),
        },
        (Entity::Place | Entity::Grid, Op::Put | Op::Delete) => match account.role {
            Role::GridWorker => {
                let target = change.fields.get("grid").and_then(|g| g.as_str());
                let from = existing.as_ref().map(|e| e.region);
                let ok = from.is_none_or(|r| r != NO_REGION && keeps(r))
                    && target.is_none_or(keeps)
                    && (from.is_some() || target.is_some() || change.entity == Entity::Grid && keeps(region));
                if ok {
                    Ok(())
                } else {
                    Err(format!("grid workers change places only in their own grids ({})", account.grids.join(", ")))
                }
            }
            _ => Err("only grid workers change places".into()),
        },
        (entity, op) => Err(format!("`{}` is not allowed on a {}", op.as_str(), entity.as_str())),
    }
}
