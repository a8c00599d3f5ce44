//! Size limits on what a device sends, beside the body limits (`api.rs`) and the records' own
//! checks (`ridermap_core` validation). Each is stated in docs/protocol.md.

use ridermap_sync::WireChange;
use serde_json::Value;

/// Longest text in any field, in characters (a note's text, a report's note: 2,000).
pub const MAX_TEXT: usize = 2000;
/// Most fields in one change (a place has about 30).
pub const MAX_FIELDS: usize = 64;
/// Most items in a list field (supplies, tags, hours' exceptions).
pub const MAX_ITEMS: usize = 200;
/// Largest change's fields, as JSON.
pub const MAX_CHANGE_BYTES: usize = 32 << 10;
/// Longest field name, device id, grid code (a code becomes a region's name).
pub const MAX_NAME: usize = 64;
/// Longest invite code at login.
pub const MAX_INVITE: usize = 128;

/// Why `c` is too large to take, if it is.
pub fn check_change(c: &WireChange) -> Result<(), String> {
    if c.device.chars().count() > MAX_NAME {
        return Err(format!("its device id is longer than {MAX_NAME} characters"));
    }
    if c.fields.len() > MAX_FIELDS {
        return Err(format!("it sets {} fields; at most {MAX_FIELDS}", c.fields.len()));
    }
    for (name, value) in &c.fields {
        if name.chars().count() > MAX_NAME {
            return Err(format!("a field name is longer than {MAX_NAME} characters"));
        }
        check_value(name, value, 0)?;
    }
    if let Some(Value::String(code)) = c.fields.get("code").or_else(|| c.fields.get("grid"))
        && code.chars().count() > MAX_NAME
    {
        return Err(format!("grid code: longer than {MAX_NAME} characters"));
    }
    let bytes = serde_json::to_vec(&c.fields).map(|v| v.len()).unwrap_or(usize::MAX);
    if bytes > MAX_CHANGE_BYTES {
        return Err(format!("its fields take {} KiB; at most {} KiB", bytes >> 10, MAX_CHANGE_BYTES >> 10));
    }
    Ok(())
}

fn check_value(field: &str, v: &Value, depth: usize) -> Result<(), String> {
    if depth > 4 {
        return Err(format!("{field}: nested too deep"));
    }
    match v {
        Value::String(s) if s.chars().count() > MAX_TEXT => {
            Err(format!("{field}: longer than {MAX_TEXT} characters ({})", s.chars().count()))
        }
        Value::Array(items) if items.len() > MAX_ITEMS => {
            Err(format!("{field}: {} items; at most {MAX_ITEMS}", items.len()))
        }
        Value::Array(items) => items.iter().try_for_each(|i| check_value(field, i, depth + 1)),
        Value::Object(map) if map.len() > MAX_FIELDS => {
            Err(format!("{field}: {} keys; at most {MAX_FIELDS}", map.len()))
        }
        Value::Object(map) => map.values().try_for_each(|i| check_value(field, i, depth + 1)),
        _ => Ok(()),
    }
}

/// Why a login's invite or device id cannot be taken, if so.
pub fn check_login(invite: &str, device: &str) -> Result<(), String> {
    if invite.chars().count() > MAX_INVITE {
        return Err(format!("invite: longer than {MAX_INVITE} characters"));
    }
    if device.is_empty() || device.chars().count() > MAX_NAME {
        return Err(format!("device: 1 to {MAX_NAME} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ridermap_core::{Hlc, Id};
    use ridermap_sync::{Entity, Op};
    use serde_json::json;

    use super::*;

    #[test]
    fn oversized_changes_are_named() {
        let check = |fields: Value, device: &str, expected: Result<(), &str>| {
            let Value::Object(fields) = fields else { panic!() };
            let c = WireChange::new(Entity::Place, Id::new(), Op::Put, fields, Hlc { ms: 1, counter: 0 }, device);
            match (check_change(&c), expected) {
                (Ok(()), Ok(())) => {}
                (Err(m), Err(part)) => assert!(m.contains(part), "{m}"),
                (got, want) => panic!("got {got:?}, wanted {want:?}"),
            }
        };
        let long = "长".repeat(MAX_TEXT + 1);
        check(json!({"name": "东门", "note": "长".repeat(MAX_TEXT)}), "d1", Ok(()));
        check(json!({"note": long}), "d1", Err("note: longer than 2000 characters"));
        check(json!({"tags": [long]}), "d1", Err("tags: longer than"));
        check(json!({"tags": vec!["x"; MAX_ITEMS + 1]}), "d1", Err("tags: 201 items"));
        check(json!({"hours": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}), "d1", Err("nested too deep"));
        check(json!({"grid": "g".repeat(MAX_NAME + 1)}), "d1", Err("grid code"));
        check(json!({"name": "x"}), &"d".repeat(MAX_NAME + 1), Err("device id"));
        let many: serde_json::Map<String, Value> = (0..MAX_FIELDS + 1).map(|i| (format!("f{i}"), json!(1))).collect();
        check(Value::Object(many), "d1", Err("65 fields"));
        let wide: serde_json::Map<String, Value> =
            (0..20).map(|i| (format!("f{i}"), json!("x".repeat(1900)))).collect();
        check(Value::Object(wide), "d1", Err("KiB; at most 32 KiB"));
        assert!(check_login(&"i".repeat(MAX_INVITE + 1), "d").unwrap_err().contains("invite"));
        assert!(check_login("code", "").unwrap_err().contains("device"));
        check_login("code", "0192c3a4-device").unwrap();
    }
}
