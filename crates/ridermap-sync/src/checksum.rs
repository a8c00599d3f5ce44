//! Order-independent digests: each entity's state hashes to 32 bytes (SHA-256 of its canonical JSON:
//! id, values, deleted or not — not the versions, which may be clamped differently on the way), and a
//! region's checksum is the XOR of its entities' digests, so it can be kept up to date one entity
//! at a time and compared between server and device.

use ridermap_core::Id;
use sha2::{Digest, Sha256};

use crate::merge::EntityState;

pub type Sum = [u8; 32];

pub fn entity_digest(id: Id, state: &EntityState) -> Sum {
    let canonical = serde_json::json!({
        "id": id,
        "deleted": state.is_deleted(),
        "values": state.values(),
    });
    Sha256::digest(canonical.to_string().as_bytes()).into()
}

/// Fold one entity's digest into (or out of) a region checksum.
pub fn xor(sum: &mut Sum, digest: &Sum) {
    for (a, b) in sum.iter_mut().zip(digest) {
        *a ^= b;
    }
}

/// The checksum of a set of entities.
pub fn region<'a>(entities: impl IntoIterator<Item = (Id, &'a EntityState)>) -> Sum {
    let mut sum = [0u8; 32];
    for (id, s) in entities {
        xor(&mut sum, &entity_digest(id, s));
    }
    sum
}

pub fn hex(sum: &Sum) -> String {
    sum.iter().map(|b| format!("{b:02x}")).collect()
}
