//! What a reader may see of other people's records. Riders and volunteers (and grid workers
//! outside their grids) get others' reports, visits and notes as what they mean for places —
//! the outcome, the place, the review, the hour — without who wrote them, their words about
//! themselves, their photos, their exact position or minute, or the device they came from.
//!
//! The projection is a function of each field's value alone, so projecting changes and then
//! merging gives the projection of the merged state; both sides compute a public region's
//! checksum over projected states (`public_state`), whoever wrote them.

use chrono::{DateTime, DurationRound, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Entity, EntityState, WireChange};

/// How a region's changes and checksum reach a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Everything (admins; grid workers in their grids; anyone's own records).
    Full,
    /// Others' records as `public_field` shows them.
    Public,
}

/// Fields not shown at all, by entity.
fn hidden(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Report => &["reporter", "note", "photo", "distance_m", "resolved_by"],
        Entity::Visit => &["volunteer", "note"],
        Entity::Note => &["author"],
        Entity::Place | Entity::Grid => &[],
    }
}

/// The time fields of each entity's records (the public view shows them to the hour; the server
/// takes none later than its clock).
pub fn times(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Report => &["observed_at", "created_at", "resolved_at"],
        Entity::Visit => &["at", "created_at"],
        Entity::Note => &["created_at"],
        Entity::Place | Entity::Grid => &[],
    }
}

/// Whether records of `entity` are someone's (and so projected for others).
pub fn is_personal(entity: Entity) -> bool {
    matches!(entity, Entity::Report | Entity::Visit | Entity::Note)
}

/// `value` of `field` as others see it; None when it is not shown.
pub fn public_field(entity: Entity, field: &str, value: &Value) -> Option<Value> {
    if hidden(entity).contains(&field) {
        return None;
    }
    if times(entity).contains(&field)
        && let Some(t) = value.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    {
        let hour = t.with_timezone(&Utc).duration_trunc(TimeDelta::hours(1)).unwrap_or(t.with_timezone(&Utc));
        return Some(Value::String(hour.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
    }
    // A report's position to about 100 m: where the hazard is, not where the rider stood.
    if entity == Entity::Report
        && (field == "lat" || field == "lon")
        && let Some(x) = value.as_f64()
    {
        return Some(serde_json::json!((x * 1000.0).round() / 1000.0));
    }
    Some(value.clone())
}

fn public_fields(entity: Entity, fields: &Map<String, Value>) -> Map<String, Value> {
    fields.iter().filter_map(|(k, v)| public_field(entity, k, v).map(|p| (k.clone(), p))).collect()
}

/// A change as others see it: its fields projected, its device not named.
pub fn public_change(c: &WireChange) -> WireChange {
    if !is_personal(c.entity) {
        return c.clone();
    }
    WireChange { fields: public_fields(c.entity, &c.fields), device: String::new(), ..c.clone() }
}

/// The digest of `s` as others see it: `entity_digest` of its `public_state`, without building it.
pub fn public_digest(entity: Entity, id: ridermap_core::Id, s: &EntityState) -> crate::checksum::Sum {
    if !is_personal(entity) {
        return crate::checksum::entity_digest(id, s);
    }
    crate::checksum::digest_of(
        id,
        s.is_deleted(),
        s.fields
            .iter()
            .filter_map(|(k, (v, _))| public_field(entity, k, v).map(|p| (k.as_str(), std::borrow::Cow::Owned(p)))),
    )
}

/// A state as others see it (for a public region's checksum).
pub fn public_state(entity: Entity, s: &EntityState) -> EntityState {
    if !is_personal(entity) {
        return s.clone();
    }
    EntityState {
        fields: s
            .fields
            .iter()
            .filter_map(|(k, (v, version))| public_field(entity, k, v).map(|p| (k.clone(), (p, version.clone()))))
            .collect(),
        deleted: s.deleted.clone(),
    }
}

#[cfg(test)]
mod tests {
    use ridermap_core::{Hlc, Id};
    use serde_json::json;

    use super::*;
    use crate::Op;

    #[test]
    fn others_see_what_a_record_means_for_places() {
        let check = |entity: Entity, fields: Value, expected: Value| {
            let Value::Object(fields) = fields else { panic!() };
            let c = WireChange::new(entity, Id::new(), Op::Put, fields, Hlc { ms: 1, counter: 0 }, "phone-7");
            let p = public_change(&c);
            assert_eq!(Value::Object(p.fields.clone()), expected, "{entity:?}");
            assert_eq!(p.device, if is_personal(entity) { "" } else { "phone-7" });
            let mut full = EntityState::default();
            full.apply(&c);
            let mut merged = EntityState::default();
            merged.apply(&p);
            assert_eq!(public_state(entity, &full).values(), merged.values(), "projecting commutes with merging");
            assert_eq!(
                public_digest(entity, c.entity_id, &full),
                crate::checksum::entity_digest(c.entity_id, &public_state(entity, &full)),
                "the public digest is the digest of the public state"
            );
        };
        check(
            Entity::Report,
            json!({"outcome": "closed", "target": "t1", "lat": 31.334567, "lon": 121.538912, "note": "我是张三",
                   "reporter": "acct-1", "reporter_role": "rider", "photo": "ab12", "distance_m": 12.0,
                   "observed_at": "2026-12-01T08:47:13.5Z", "review": "pending", "grid": "g1"}),
            json!({"outcome": "closed", "target": "t1", "lat": 31.335, "lon": 121.539, "reporter_role": "rider",
                   "observed_at": "2026-12-01T08:00:00Z", "review": "pending", "grid": "g1"}),
        );
        check(
            Entity::Visit,
            json!({"station": "s1", "headcount": 4, "volunteer": "李", "note": "x", "at": "2026-12-01T08:10:00Z"}),
            json!({"station": "s1", "headcount": 4, "at": "2026-12-01T08:00:00Z"}),
        );
        check(
            Entity::Note,
            json!({"target": "t1", "text": "后门晚上锁", "author": "acct-2", "created_at": "2026-12-01T23:59:59Z"}),
            json!({"target": "t1", "text": "后门晚上锁", "created_at": "2026-12-01T23:00:00Z"}),
        );
        check(Entity::Place, json!({"name": "东门", "lat": 31.334567}), json!({"name": "东门", "lat": 31.334567}));
    }
}
