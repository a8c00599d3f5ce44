//! Order-independent digests: each entity's state hashes to 32 bytes (SHA-256 of its canonical JSON:
//! id, values, deleted or not — not the versions, which may be clamped differently on the way), and a
//! region's checksum is the XOR of its entities' digests, so it can be kept up to date one entity
//! at a time and compared between server and device.

use std::borrow::Cow;

use ridermap_core::Id;
use serde::{Serialize, Serializer, ser::SerializeMap, ser::SerializeStruct};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::merge::EntityState;

pub type Sum = [u8; 32];

pub fn entity_digest(id: Id, state: &EntityState) -> Sum {
    digest_of(id, state.is_deleted(), state.fields.iter().map(|(k, (v, _))| (k.as_str(), Cow::Borrowed(v))))
}

/// The digest of an entity whose values are `values` (in key order): the same bytes as
/// `entity_digest` of a state holding them. Written straight into the hash, no JSON tree built
/// (a push hashes every changed entity once or twice: this is most of what a checksum costs).
pub fn digest_of<'a>(id: Id, deleted: bool, values: impl Iterator<Item = (&'a str, Cow<'a, Value>)>) -> Sum {
    /// Canonical JSON `{"deleted":…,"id":…,"values":{…}}`: keys in order, as a JSON object of
    /// sorted keys prints them.
    struct Canonical<'a, I: Iterator<Item = (&'a str, Cow<'a, Value>)>> {
        deleted: bool,
        id: Id,
        values: std::cell::RefCell<Option<I>>,
    }
    impl<'a, I: Iterator<Item = (&'a str, Cow<'a, Value>)>> Serialize for Canonical<'a, I> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            struct Values<'c, 'a, I: Iterator<Item = (&'a str, Cow<'a, Value>)>>(&'c std::cell::RefCell<Option<I>>);
            impl<'a, I: Iterator<Item = (&'a str, Cow<'a, Value>)>> Serialize for Values<'_, 'a, I> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    let mut m = s.serialize_map(None)?;
                    for (k, v) in self.0.borrow_mut().take().into_iter().flatten() {
                        m.serialize_entry(k, v.as_ref())?;
                    }
                    m.end()
                }
            }
            let mut st = s.serialize_struct("Canonical", 3)?;
            st.serialize_field("deleted", &self.deleted)?;
            st.serialize_field("id", &self.id)?;
            st.serialize_field("values", &Values(&self.values))?;
            st.end()
        }
    }
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Sha256::new());
    let c = Canonical { deleted, id, values: std::cell::RefCell::new(Some(values)) };
    serde_json::to_writer(&mut h, &c).expect("JSON values serialize");
    h.0.finalize().into()
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

#[cfg(test)]
mod tests {
    use ridermap_core::Hlc;
    use serde_json::json;

    use super::*;
    use crate::{Entity, Op, WireChange};

    /// The digest is the SHA-256 of `{"deleted":…,"id":…,"values":{…}}` as a JSON tree prints
    /// it: every checksum stored on a server and a device was made that way.
    #[test]
    fn digests_are_the_canonical_jsons() {
        let mut s = EntityState::default();
        let fields = json!({"name": "2号门 \"东\"", "lat": 31.3376, "lon": 121.5382, "tags": ["a", {"b": null}], "n": 3, "z": false});
        let Value::Object(fields) = fields else { unreachable!() };
        s.apply(&WireChange::new(Entity::Place, Id::from_u128(7), Op::Put, fields, Hlc { ms: 1, counter: 0 }, "d"));
        for state in [EntityState::default(), s] {
            let canonical = json!({"id": Id::from_u128(7), "deleted": state.is_deleted(), "values": state.values()});
            let want: Sum = Sha256::digest(canonical.to_string().as_bytes()).into();
            assert_eq!(entity_digest(Id::from_u128(7), &state), want);
        }
    }
}
