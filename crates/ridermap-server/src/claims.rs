//! What a device may not claim. After `authorize` allows a change, the server sets the fields that
//! only it may set — who wrote a record, in what role, its review state, and no time later than the
//! server's clock — whatever the device sent. The device is told what was kept (`PushResult::kept`)
//! and amends its copy, so both sides merge the same change.

use chrono::{DateTime, SecondsFormat, Utc};
use ridermap_core::Role;
use ridermap_sync::{Entity, Op, WireChange};
use serde_json::{Map, Value};

use crate::Account;

/// The fields a report's review sets; nobody else sets them.
const REVIEW_FIELDS: [&str; 4] = ["review", "resolution", "resolved_at", "resolved_by"];

/// Who wrote the record, as the server names the account (its id): the field, by entity and op.
fn author(entity: Entity, op: Op) -> Option<&'static str> {
    match (entity, op) {
        (Entity::Report, Op::Put) => Some("reporter"),
        (Entity::Report, Op::Resolve) => Some("resolved_by"),
        (Entity::Visit, Op::Put) => Some("volunteer"),
        (Entity::Note, Op::Put) => Some("author"),
        _ => None,
    }
}

/// The name everyone else sees for `account`'s devices: no device id leaves the server.
pub fn pseudonym(account: &Account) -> String {
    let hex = crate::hash_secret(&format!("ridermap device pseudonym {}", account.id));
    format!("p-{}", &hex[..16])
}

/// Whether `account` reviews reports of `region`.
fn reviews(account: &Account, region: &str) -> bool {
    account.role == Role::Admin || account.role == Role::GridWorker && account.grids.iter().any(|g| g == region)
}

/// Sets in `change` what only the server decides, for a change `account` may make (in `region`),
/// received at `now`. Returns whether anything differs from what was sent.
pub fn enforce(account: &Account, change: &mut WireChange, region: &str, now: DateTime<Utc>) -> bool {
    let fields = &mut change.fields;
    // Whether a field now holds something else than what was sent (no copy of the change kept).
    let mut changed = false;
    if let Some(field) = author(change.entity, change.op) {
        changed |= set(fields, field, Value::String(account.id.to_string()));
    }
    match (change.entity, change.op) {
        (Entity::Report, Op::Put) => {
            changed |= set(fields, "reporter_role", serde_json::to_value(account.role).expect("roles serialize"));
            // A new report waits for review, unless whoever may review it wrote it.
            if !reviews(account, region) {
                for f in REVIEW_FIELDS.iter().filter(|f| **f != "review") {
                    if fields.remove(*f).is_some() {
                        changed = true;
                    }
                }
                changed |= set(fields, "review", Value::String("pending".into()));
            }
        }
        // A review changes the review, nothing else.
        (Entity::Report, Op::Resolve) => {
            let before = fields.len();
            fields.retain(|k, _| REVIEW_FIELDS.contains(&k.as_str()));
            changed |= fields.len() != before;
        }
        _ => {}
    }
    for f in ridermap_sync::view::times(change.entity) {
        changed |= clamp_time(fields, f, now);
    }
    changed
}

/// Sets `k` to `v`; whether that changed it.
fn set(fields: &mut Map<String, Value>, k: &str, v: Value) -> bool {
    if fields.get(k) == Some(&v) {
        return false;
    }
    fields.insert(k.into(), v);
    true
}

/// A time after `now` becomes `now` (a clock that runs ahead cannot date a record in the future);
/// whether it did.
fn clamp_time(fields: &mut Map<String, Value>, field: &str, now: DateTime<Utc>) -> bool {
    let Some(Value::String(text)) = fields.get(field) else { return false };
    if let Ok(t) = DateTime::parse_from_rfc3339(text)
        && t.with_timezone(&Utc) > now
    {
        fields.insert(field.into(), Value::String(now.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use ridermap_core::{Hlc, Id};
    use serde_json::json;

    use super::*;

    fn account(role: Role, grids: &[&str]) -> Account {
        Account { id: Id::new(), role, grids: grids.iter().map(|g| g.to_string()).collect(), stations: vec![] }
    }

    /// `fields` sent by `account` as `entity`/`op` in `region` come out as `expected` (with
    /// `"$me"` standing for the account's id).
    fn check(account: &Account, entity: Entity, op: Op, region: &str, fields: Value, expected: Value) {
        let Value::Object(fields) = fields else { panic!("fields are an object") };
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let mut change = WireChange::new(entity, Id::new(), op, fields.clone(), Hlc { ms: 1, counter: 0 }, "d");
        let changed = enforce(account, &mut change, region, now);
        let expected = serde_json::to_string(&expected).unwrap().replace("$me", &account.id.to_string());
        let expected: Value = serde_json::from_str(&expected).unwrap();
        assert_eq!(Value::Object(change.fields.clone()), expected, "{entity:?} {op:?} by {:?}", account.role);
        assert_eq!(changed, Value::Object(fields) != expected);
    }

    #[test]
    fn what_only_the_server_sets() {
        let rider = account(Role::Rider, &[]);
        let worker = account(Role::GridWorker, &["g1"]);
        let admin = account(Role::Admin, &[]);
        let forged = json!({
            "outcome": "closed", "review": "accepted", "resolution": "ok", "resolved_by": "王",
            "resolved_at": "2026-12-01T07:00:00Z", "reporter": "网格长", "reporter_role": "admin",
            "observed_at": "2027-01-01T00:00:00Z", "created_at": "2026-12-01T07:59:00Z"
        });
        let pending = json!({
            "outcome": "closed", "review": "pending", "reporter": "$me", "reporter_role": "rider",
            "observed_at": "2026-12-01T08:00:00Z", "created_at": "2026-12-01T07:59:00Z"
        });
        check(&rider, Entity::Report, Op::Put, "g1", forged.clone(), pending);
        // A grid worker of another grid is a reporter there, like anyone.
        let mut elsewhere = account(Role::GridWorker, &["g2"]);
        elsewhere.id = worker.id;
        check(
            &elsewhere,
            Entity::Report,
            Op::Put,
            "g1",
            forged.clone(),
            json!({
                "outcome": "closed", "review": "pending", "reporter": "$me", "reporter_role": "grid_worker",
                "observed_at": "2026-12-01T08:00:00Z", "created_at": "2026-12-01T07:59:00Z"
            }),
        );
        // Who may review a report may file one already reviewed; who wrote it is still the server's word.
        for (who, role) in [(&worker, "grid_worker"), (&admin, "admin")] {
            check(
                who,
                Entity::Report,
                Op::Put,
                "g1",
                forged.clone(),
                json!({
                    "outcome": "closed", "review": "accepted", "resolution": "ok", "resolved_by": "王",
                    "resolved_at": "2026-12-01T07:00:00Z", "reporter": "$me", "reporter_role": role,
                    "observed_at": "2026-12-01T08:00:00Z", "created_at": "2026-12-01T07:59:00Z"
                }),
            );
        }
        // A review sets the review fields only, signed by the reviewer's account.
        check(
            &worker,
            Entity::Report,
            Op::Resolve,
            "g1",
            json!({"review": "rejected", "resolution": "门卫已说明", "resolved_by": "王",
                   "resolved_at": "2026-12-02T00:00:00Z", "outcome": "open", "grid": "g9"}),
            json!({"review": "rejected", "resolution": "门卫已说明", "resolved_by": "$me",
                   "resolved_at": "2026-12-01T08:00:00Z"}),
        );
        check(
            &account(Role::Volunteer, &[]),
            Entity::Visit,
            Op::Put,
            "_",
            json!({"headcount": 3, "volunteer": "别人", "at": "2026-12-01T07:00:00Z", "created_at": "2030-01-01T00:00:00Z"}),
            json!({"headcount": 3, "volunteer": "$me", "at": "2026-12-01T07:00:00Z", "created_at": "2026-12-01T08:00:00Z"}),
        );
        check(
            &rider,
            Entity::Note,
            Op::Put,
            "_",
            json!({"text": "后门晚上锁", "author": "别人", "created_at": "2026-11-30T07:00:00Z"}),
            json!({"text": "后门晚上锁", "author": "$me", "created_at": "2026-11-30T07:00:00Z"}),
        );
        // Places and grids carry nothing the server decides.
        check(&worker, Entity::Place, Op::Put, "g1", json!({"name": "东门"}), json!({"name": "东门"}));
    }
}
