//! `field=value` edits on a place, as typed on a command line or sent by a form: the value is read
//! as the field's own type (text, number, list, enum), and the result is validated as a whole.
//! A compound's buildings are edited one at a time by number: `buildings.12.footprint=[[lon,lat],…]`,
//! `buildings.12.number=12A`, `buildings.12.doors.3={"lat":…,"lon":…,"flats":"301-306"}` (a unit
//! door placed or moved; `null` removes it), `buildings.12={"lat":…,"lon":…}` (a building added or
//! replaced; `null` removes it).

use serde_json::{Map, Value, json};

use crate::{Invalid, Place, Problem, model::normalize_building, model::normalize_unit};

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
        if let Some(rest) = field.strip_prefix("buildings.") {
            edit_building(&mut doc, field, rest, raw)?;
            continue;
        }
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

/// The value as typed: JSON when it reads as JSON, else text.
fn loose(raw: &str) -> Value {
    let t = raw.trim();
    if t.is_empty() || t == "null" {
        return Value::Null;
    }
    serde_json::from_str(t).unwrap_or_else(|_| Value::String(raw.trim().to_string()))
}

/// `buildings.<number>[.<field>[.<unit>]]` on a compound's document.
fn edit_building(doc: &mut Map<String, Value>, field: &str, rest: &str, raw: &str) -> Result<(), Invalid> {
    let Some(Value::Array(buildings)) = doc.get_mut("buildings") else {
        return Err(invalid(field, "only a compound has buildings"));
    };
    let (number, sub) = match rest.split_once('.') {
        Some((n, s)) => (n.trim(), Some(s.trim())),
        None => (rest.trim(), None),
    };
    let wanted = normalize_building(number);
    let at = buildings.iter().position(|b| b["number"].as_str().is_some_and(|n| normalize_building(n) == wanted));
    let known = || -> String {
        let list: Vec<&str> = buildings.iter().filter_map(|b| b["number"].as_str()).collect();
        if list.is_empty() { "none recorded".into() } else { list.join(", ") }
    };
    let value = loose(raw);
    match (sub, at) {
        // The whole building: added, replaced, or removed.
        (None, _) if value.is_null() => match at {
            Some(i) => {
                buildings.remove(i);
            }
            None => return Err(invalid(field, format!("no building `{number}` (known: {})", known()))),
        },
        (None, _) => {
            let Value::Object(mut b) = value else {
                return Err(invalid(field, "give the building as {\"lat\": …, \"lon\": …}"));
            };
            b.entry("number").or_insert_with(|| json!(number));
            match at {
                Some(i) => buildings[i] = Value::Object(b),
                None => buildings.push(Value::Object(b)),
            }
        }
        (Some(_), None) => return Err(invalid(field, format!("no building `{number}` (known: {})", known()))),
        (Some(sub), Some(i)) => {
            let b = buildings[i].as_object_mut().ok_or_else(|| invalid(field, "is not an object"))?;
            match sub.split_once('.') {
                // One unit door: placed, moved, or removed.
                Some(("doors", unit)) => {
                    let doors = b.entry("doors").or_insert_with(|| json!([]));
                    let list = doors.as_array_mut().ok_or_else(|| invalid(field, "doors is not a list"))?;
                    let u = normalize_unit(unit);
                    let found = list.iter().position(|d| d["unit"].as_str().is_some_and(|x| normalize_unit(x) == u));
                    match (value, found) {
                        (Value::Null, Some(j)) => {
                            list.remove(j);
                        }
                        (Value::Null, None) => {
                            return Err(invalid(field, format!("building `{number}` has no unit `{unit}` door")));
                        }
                        (Value::Object(mut d), found) => {
                            // A door moved keeps its unit as first written.
                            let written = found.map(|j| list[j]["unit"].clone()).unwrap_or_else(|| json!(unit));
                            d.entry("unit").or_insert(written);
                            match found {
                                Some(j) => list[j] = Value::Object(d),
                                None => list.push(Value::Object(d)),
                            }
                        }
                        _ => return Err(invalid(field, "give the door as {\"lat\": …, \"lon\": …, \"flats\": …}")),
                    }
                }
                Some(_) => return Err(invalid(field, "is not a field of a building")),
                None if ["number", "lat", "lon", "footprint", "doors"].contains(&sub) => {
                    let value = if sub == "number" { Value::String(raw.trim().to_string()) } else { value };
                    if value.is_null() && matches!(sub, "number" | "lat" | "lon") {
                        return Err(invalid(field, "cannot be empty"));
                    }
                    b.insert(sub.to_string(), value);
                }
                None => {
                    return Err(invalid(
                        field,
                        "is not a field of a building (number, lat, lon, footprint, doors, doors.<unit>)",
                    ));
                }
            }
        }
    }
    // The edited list must still read as buildings.
    let check: Result<Vec<crate::Building>, _> = serde_json::from_value(Value::Array(buildings.clone()));
    check.map_err(|e| invalid(field, format!("`{raw}` does not fit: {e}")))?;
    Ok(())
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
    fn buildings_by_number() {
        let mut c = Place::new(PlaceKind::Compound, "开鲁六村", 31.3, 121.5);
        if let Detail::Compound(info) = &mut c.detail {
            info.buildings.push(crate::Building::new("12", 31.3, 121.5));
        }
        let check = |sets: &[(&str, &str)], want: Result<&str, &str>| {
            let sets: Vec<(String, String)> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            match (apply(&c, &sets), want) {
                (Ok(p), Ok(w)) => {
                    let v = serde_json::to_value(&p).unwrap();
                    assert_eq!(v["buildings"].to_string(), w, "{sets:?}");
                }
                (Err(e), Err(w)) => assert!(e.to_string().contains(w), "{sets:?}: {e}"),
                (got, w) => panic!("{sets:?}: got {got:?}, want {w:?}"),
            }
        };
        check(&[("buildings.12号.number", "12A")], Ok(r#"[{"lat":31.3,"lon":121.5,"number":"12A"}]"#));
        check(
            &[("buildings.12.footprint", "[[121.5,31.3],[121.501,31.3],[121.501,31.301]]")],
            Ok(
                r#"[{"footprint":[[121.5,31.3],[121.501,31.3],[121.501,31.301]],"lat":31.3,"lon":121.5,"number":"12"}]"#,
            ),
        );
        check(
            &[("buildings.12.doors.3单元", r#"{"lat":31.3001,"lon":121.5,"flats":"301-306"}"#)],
            Ok(
                r#"[{"doors":[{"flats":"301-306","lat":31.3001,"lon":121.5,"unit":"3单元"}],"lat":31.3,"lon":121.5,"number":"12"}]"#,
            ),
        );
        // Moved, then removed, by the unit as typed another way.
        check(
            &[
                ("buildings.12.doors.3", r#"{"lat":31.3001,"lon":121.5}"#),
                ("buildings.12.doors.3单元", r#"{"lat":31.3002,"lon":121.5}"#),
            ],
            Ok(r#"[{"doors":[{"lat":31.3002,"lon":121.5,"unit":"3"}],"lat":31.3,"lon":121.5,"number":"12"}]"#),
        );
        check(
            &[("buildings.12.doors.3", r#"{"lat":31.3001,"lon":121.5}"#), ("buildings.12.doors.3", "null")],
            Ok(r#"[{"lat":31.3,"lon":121.5,"number":"12"}]"#),
        );
        check(
            &[("buildings.5", r#"{"lat":31.31,"lon":121.5}"#)],
            Ok(r#"[{"lat":31.3,"lon":121.5,"number":"12"},{"lat":31.31,"lon":121.5,"number":"5"}]"#),
        );
        check(&[("buildings.12", "null")], Ok("[]"));
        check(&[("buildings.9.lat", "31.3")], Err("no building `9` (known: 12)"));
        check(&[("buildings.12.doors.4", "null")], Err("has no unit `4` door"));
        check(&[("buildings.12.colour", "red")], Err("is not a field of a building"));
        check(
            &[("buildings.12.footprint", "[[121.5,31.3]]")],
            Err("`buildings[0].footprint`: needs at least 3 points"),
        );
        check(&[("buildings.12.doors.3", r#"{"lat":95,"lon":121.5}"#)], Err("buildings[0].doors[0].lat"));
        let gate = Place::new(PlaceKind::Entrance, "1号门", 31.3, 121.5);
        assert!(
            apply(&gate, &[("buildings.1.lat".into(), "1".into())])
                .unwrap_err()
                .to_string()
                .contains("only a compound has buildings")
        );
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
