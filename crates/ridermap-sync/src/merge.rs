//! Applying changes to an entity's state. The state is a map from field to (value, version), plus a
//! tombstone. Both are joins of what has been seen (the greatest version per field; any delete), so
//! applying changes in any order, any number of times, gives the same state.

use std::{cmp::Ordering, collections::BTreeMap};

use ridermap_core::Hlc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::protocol::{Op, WireChange};

/// Who wrote a value and when: compared by clock, then by device id, so no two differ without
/// an order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Version {
    pub hlc: Hlc,
    pub device: String,
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.hlc.cmp(&other.hlc).then_with(|| self.device.cmp(&other.device))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One entity as known to a replica.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityState {
    pub fields: BTreeMap<String, (Value, Version)>,
    /// The greatest delete seen; a deleted entity stays deleted whatever edits arrive.
    pub deleted: Option<Version>,
}

/// A field where one write lost to another: kept so a grid worker can see what was overwritten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub field: String,
    /// The value that lost, and who wrote it.
    pub lost: Value,
    pub lost_version: Version,
    /// The value that stands.
    pub kept: Value,
    pub kept_version: Version,
}

/// What applying one change did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Fields whose value changed.
    pub changed: Vec<String>,
    /// Fields where one of two different writes lost (either the incoming or the held one).
    pub conflicts: Vec<Conflict>,
    /// The change deleted the entity (it was not deleted before).
    pub deleted_now: bool,
}

impl EntityState {
    pub fn is_deleted(&self) -> bool {
        self.deleted.is_some()
    }

    /// The current values, without versions (what a reader sees).
    pub fn values(&self) -> BTreeMap<&str, &Value> {
        self.fields.iter().map(|(k, (v, _))| (k.as_str(), v)).collect()
    }

    /// Apply `change`. Idempotent and order-independent: see the module documentation.
    pub fn apply(&mut self, change: &WireChange) -> Applied {
        let incoming = change.version();
        let mut out = Applied::default();
        match change.op {
            Op::Delete => {
                out.deleted_now = self.deleted.is_none();
                if self.deleted.as_ref().is_none_or(|d| incoming > *d) {
                    self.deleted = Some(incoming);
                }
            }
            Op::Put | Op::Resolve => {
                for (field, value) in &change.fields {
                    match self.fields.get(field) {
                        None => {
                            self.fields.insert(field.clone(), (value.clone(), incoming.clone()));
                            out.changed.push(field.clone());
                        }
                        Some((held, held_version)) => {
                            if incoming == *held_version {
                                continue; // the same write again
                            }
                            let wins = incoming > *held_version;
                            if held != value {
                                let (lost, lost_version, kept, kept_version) = if wins {
                                    (held.clone(), held_version.clone(), value.clone(), incoming.clone())
                                } else {
                                    (value.clone(), incoming.clone(), held.clone(), held_version.clone())
                                };
                                out.conflicts.push(Conflict {
                                    field: field.clone(),
                                    lost,
                                    lost_version,
                                    kept,
                                    kept_version,
                                });
                            }
                            if wins {
                                if held != value {
                                    out.changed.push(field.clone());
                                }
                                self.fields.insert(field.clone(), (value.clone(), incoming.clone()));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Entity;
    use ridermap_core::Id;
    use serde_json::json;

    fn change(op: Op, fields: Value, ms: i64, device: &str) -> WireChange {
        WireChange {
            id: Id::new(),
            entity: Entity::Place,
            entity_id: Id::from_u128(1),
            op,
            fields: fields.as_object().cloned().unwrap_or_default(),
            hlc: Hlc { ms, counter: 0 },
            device: device.into(),
        }
    }

    #[test]
    fn later_write_wins_per_field_and_the_loser_is_recorded() {
        let mut s = EntityState::default();
        s.apply(&change(Op::Put, json!({"name": "1号门", "ebike": "allowed"}), 10, "a"));
        let r = s.apply(&change(Op::Put, json!({"ebike": "push"}), 20, "b"));
        assert_eq!(r.changed, ["ebike"]);
        assert_eq!(r.conflicts[0].lost, json!("allowed"));
        // A write arriving late wins only the fields where it is newer; each loser is recorded.
        let r = s.apply(&change(Op::Put, json!({"ebike": "refused", "name": "正门"}), 15, "c"));
        assert_eq!(r.changed, ["name"]);
        assert_eq!(s.values()["ebike"], &json!("push"));
        assert_eq!(s.values()["name"], &json!("正门"));
        let lost: Vec<(&str, &Value)> = r.conflicts.iter().map(|c| (c.field.as_str(), &c.lost)).collect();
        assert_eq!(lost, [("ebike", &json!("refused")), ("name", &json!("1号门"))]);
        // The same change again is a no-op.
        let again = s.apply(&change(Op::Put, json!({"ebike": "push"}), 20, "b"));
        assert_eq!(again, Applied::default());
    }

    #[test]
    fn equal_clocks_are_ordered_by_device() {
        let mut x = EntityState::default();
        let mut y = EntityState::default();
        let a = change(Op::Put, json!({"name": "A"}), 10, "dev-a");
        let b = change(Op::Put, json!({"name": "B"}), 10, "dev-b");
        x.apply(&a);
        x.apply(&b);
        y.apply(&b);
        y.apply(&a);
        assert_eq!(x, y);
        assert_eq!(x.values()["name"], &json!("B"));
    }

    #[test]
    fn deletes_win_over_concurrent_and_later_edits() {
        let mut s = EntityState::default();
        s.apply(&change(Op::Put, json!({"name": "x"}), 10, "a"));
        assert!(s.apply(&change(Op::Delete, json!({}), 11, "b")).deleted_now);
        s.apply(&change(Op::Put, json!({"name": "y"}), 50, "a"));
        assert!(s.is_deleted());
    }
}
