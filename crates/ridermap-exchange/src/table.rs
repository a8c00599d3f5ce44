//! CSV: one row per record, one header per kind (see `docs/formats.md`). Lists are separated by `;`,
//! buildings, outlines and paths' lines are JSON in their cell, empty cells mean "not given".

use std::io::Write;

use ridermap_core::{Incoming, Loc, Origin, Place, PlaceKind, patch::field_names};
use ridermap_store::Store;
use serde_json::{Map, Value};

use crate::{ReadError, ReadOptions};

const NUMBERS: &[&str] = &["lat", "lon", "stop_lat", "stop_lon", "slots"];
const BOOLS: &[&str] = &["foot", "lit", "inside_compound", "oneway"];
const LISTS: &[&str] = &["aliases", "buildings_served", "battery_standards", "payment", "amenities"];
const JSONS: &[&str] = &["buildings", "outline", "line"];

/// The CSV header for `kind`: `kind` first, then the model's fields in order.
pub fn header(kind: PlaceKind) -> Vec<String> {
    let mut h = vec!["kind".to_string()];
    h.extend(field_names(&Place::new(kind, "x", 0.0, 0.0)).into_iter().filter(|f| f != "kind"));
    h
}

/// The header for a file mixing kinds: every kind's columns, plus grids' `code`.
pub fn union_header() -> Vec<String> {
    let mut h: Vec<String> = vec![];
    for k in PlaceKind::ALL {
        for f in header(k) {
            if !h.contains(&f) {
                h.push(f);
            }
        }
    }
    h.insert(2, "code".into());
    h
}

fn cell_value(field: &str, cell: &str) -> Result<Value, ()> {
    let t = cell.trim();
    if NUMBERS.contains(&field) {
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Value::from(i));
        }
        return t.parse::<f64>().map(Value::from).map_err(|_| ());
    }
    if BOOLS.contains(&field) {
        return match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "是" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "否" => Ok(Value::Bool(false)),
            _ => Err(()),
        };
    }
    if LISTS.contains(&field) {
        // Items that `;` cannot carry (containing `;`, padded with spaces) are written as JSON.
        if t.starts_with('[')
            && let Ok(v @ Value::Array(_)) = serde_json::from_str(t)
        {
            return Ok(v);
        }
        return Ok(Value::Array(
            t.split([';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect(),
        ));
    }
    if JSONS.contains(&field) {
        return serde_json::from_str(t).map_err(|_| ());
    }
    Ok(Value::String(cell.to_string()))
}

pub fn read(file: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Vec<Incoming>, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes); // spreadsheet BOM
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| ReadError::new(file, Some("1".into()), format!("bad header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if !headers.iter().any(|h| h == "kind") && opts.default_kind.is_none() {
        return Err(ReadError::new(file, Some("1".into()), "no `kind` column (add one, or pass --kind)"));
    }
    let mut out = vec![];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line().to_string());
            ReadError::new(file, line, format!("bad CSV: {e}"))
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let origin = Origin { file: file.to_string(), loc: Loc::Line(line) };
        let mut fields = Map::new();
        if let Some(k) = &opts.default_kind {
            fields.insert("kind".into(), Value::String(k.clone()));
        }
        for (h, cell) in headers.iter().zip(rec.iter()) {
            if cell.trim().is_empty() {
                continue;
            }
            // A cell that does not fit its column's type stays text; the importer then names the
            // field and the type it expected.
            let v = cell_value(h, cell).unwrap_or_else(|_| Value::String(cell.to_string()));
            fields.insert(h.clone(), v);
        }
        out.push(Incoming { origin, fields });
    }
    Ok(out)
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| i.as_str().is_some_and(plain_item)) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    }
}

/// Whether a list item survives being joined with `;` and split again.
fn plain_item(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.contains([';', '；']) && !s.starts_with('[')
}

/// Write places (of one kind with its own header, or all kinds with the union header) and grids.
pub fn write(store: &Store, kind: Option<PlaceKind>, out: &mut dyn Write) -> std::io::Result<usize> {
    let header = match kind {
        Some(k) => header(k),
        None => union_header(),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&header)?;
    let io = |e: ridermap_store::Error| std::io::Error::other(e.to_string());
    let mut n = 0;
    let mut row = |obj: Map<String, Value>, w: &mut csv::Writer<&mut dyn Write>| -> std::io::Result<()> {
        let cells: Vec<String> = header.iter().map(|h| obj.get(h).map(cell).unwrap_or_default()).collect();
        w.write_record(&cells)?;
        n += 1;
        Ok(())
    };
    if kind.is_none() {
        for g in store.grids().map_err(io)? {
            let Value::Object(mut m) = serde_json::to_value(&g).unwrap_or_default() else {
                continue;
            };
            m.insert("kind".into(), "grid".into());
            row(m, &mut w)?;
        }
    }
    let mut err = None;
    store
        .for_each_place(kind, |p| {
            if let Ok(Value::Object(m)) = serde_json::to_value(&p)
                && let Err(e) = row(m, &mut w)
            {
                err = Some(e);
            }
            Ok(())
        })
        .map_err(io)?;
    if let Some(e) = err {
        return Err(e);
    }
    w.flush()?;
    Ok(n)
}
