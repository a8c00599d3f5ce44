//! `field=value` edits on a place, as typed on a command line or sent by a form: the value is read
//! as the field's own type (text, number, list, enum), and the result is validated as a whole.

use serde_json::{Map, Value};

use crate::{Invalid, Place, Problem};

/// Fields no edit may change.
const FIXED: [&str; 3] = ["id", "kind", "created_at"];

/// The field names a place of this kind has, in order.
pub fn field_names(place: &Place) -> Vec<String> {
    match serde_json::to_value(place) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => vec![],
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> Invalid {
    Invalid { problems: vec![Problem::new(field, reason)] }
}

/// Candidate JSON values for `raw` given the field's current value, most likely first.
fn candidates(raw: &str, current: &Value) -> Vec<Value> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed == "null" {
        return vec![Value::Null];
    }
    let json: Option<Value> = serde_json::from_str(trimmed).ok();
    let text = Value::String(raw.to_string());
    let list = Value::Array(
        trimmed
            .split([',', '，', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.into()))
            .collect(),
    );
    let mut out = vec![];
    match current {
        Value::String(_) => out.push(text.clone()),
        Value::Array(_) => {
            if let Some(j @ Value::Array(_)) = &json {
                out.push(j.clone());
            }
            out.push(list);
        }
        _ => {}
    }
    out.extend(json);
    out.push(text);
    out
}

/// Apply `sets` to `place`, returning the edited place or every problem found.
pub fn apply(place: &Place, sets: &[(String, String)]) -> Result<Place, Invalid> {
    let Value::Object(mut doc) = serde_json::to_value(place).map_err(|e| invalid("place", e.to_string()))? else {
        return Err(invalid("place", "is not an object"));
    };
    for (field, raw) in sets {
        let field = field.trim();
        if FIXED.contains(&field) {
            return Err(invalid(field, "cannot be changed"));
        }
        let Some(current) = doc.get(field).cloned() else {
            let known: Vec<&str> = doc.keys().map(String::as_str).filter(|k| !FIXED.contains(k)).collect();
            return Err(invalid(
                field,
                format!("is not a field of {} (fields: {})", place.kind().with_article(), known.join(", ")),
            ));
        };
        let mut last_err = String::new();
        let mut applied = false;
        for cand in candidates(raw, &current) {
            let mut trial: Map<String, Value> = doc.clone();
            trial.insert(field.to_string(), cand.clone());
            match serde_json::from_value::<Place>(Value::Object(trial)) {
                Ok(_) => {
                    doc.insert(field.to_string(), cand);
                    applied = true;
                    break;
                }
                Err(e) => last_err = e.to_string(),
            }
        }
        if !applied {
            return Err(invalid(field, format!("`{raw}` does not fit: {last_err}")));
        }
    }
    let edited: Place = serde_json::from_value(Value::Object(doc)).map_err(|e| invalid("place", e.to_string()))?;
    edited.validate()?;
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Detail, EbikeAccess, PlaceKind};

    fn check(kind: PlaceKind, field: &str, raw: &str, expected: Result<&str, &str>) {
        let p = Place::new(kind, "x", 31.3, 121.5);
        let got = apply(&p, &[(field.into(), raw.into())]);
        match (got, expected) {
            (Ok(p), Ok(want)) => {
                let v = serde_json::to_value(&p).unwrap();
                assert_eq!(v[field].to_string(), want, "{field}={raw}");
            }
            (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{field}={raw}: {e}"),
            (got, want) => panic!("{field}={raw}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn sets() {
        use PlaceKind::*;
        check(Entrance, "name", "3号门", Ok("\"3号门\""));
        check(Entrance, "name", "123", Ok("\"123\""));
        check(Entrance, "ebike", "push", Ok("\"push\""));
        check(Entrance, "ebike", "sometimes", Err("field `ebike`: `sometimes` does not fit"));
        check(Entrance, "opening_hours", "06:00-22:00", Ok("\"06:00-22:00\""));
        check(Entrance, "opening_hours", "6 till late", Err("field `opening_hours`"));
        check(Entrance, "opening_hours", "", Ok("null"));
        check(Entrance, "buildings_served", "1,2, 3号", Ok("[\"1\",\"2\",\"3号\"]"));
        check(Entrance, "lit", "true", Ok("true"));
        check(Entrance, "lat", "95", Err("field `lat`: latitude 95 is outside -90..90"));
        check(Charger, "slots", "12", Ok("12"));
        check(Charger, "slots", "many", Err("field `slots`"));
        check(Charger, "battery_standards", "48V,60V", Ok("[\"48V\",\"60V\"]"));
        check(RestStop, "amenities", "hot_water,toilet", Ok("[\"hot_water\",\"toilet\"]"));
        check(RestStop, "amenities", "hot_water,sauna", Err("field `amenities`"));
        check(RestStop, "ebike", "push", Err("is not a field of a rest_stop"));
        check(RestStop, "id", "x", Err("cannot be changed"));
    }

    #[test]
    fn edit_keeps_other_fields() {
        let mut p = Place::new(PlaceKind::Entrance, "1号门", 31.3, 121.5);
        if let Detail::Entrance(e) = &mut p.detail {
            e.ebike = EbikeAccess::Allowed;
        }
        let q = apply(&p, &[("name".into(), "南门".into())]).unwrap();
        assert_eq!(q.entrance().unwrap().ebike, EbikeAccess::Allowed);
        assert_eq!(q.id, p.id);
        assert_eq!(q.name, "南门");
    }
}
