//! GeoJSON FeatureCollection: one feature per record. Geometry carries the position (a Point; for
//! compounds a Polygon whose outer ring is the outline; for compound paths a LineString);
//! properties carry every other field. Grids are features with a null geometry. Export → import
//! is lossless.

use std::io::Write;

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use ridermap_core::{Detail, Incoming, Loc, Origin, Place};
use ridermap_store::Store;
use serde_json::Value;

use crate::ReadError;

pub fn read(file: &str, bytes: &[u8]) -> Result<Vec<Incoming>, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ReadError::new(file, None, format!("not UTF-8 text: {e}")))?;
    // Parse JSON first so syntax errors carry a line and column.
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ReadError::new(file, Some(format!("{}:{}", e.line(), e.column())), format!("bad JSON: {e}")))?;
    let fc: FeatureCollection = serde_json::from_value(value)
        .map_err(|e| ReadError::new(file, None, format!("not a GeoJSON FeatureCollection: {e}")))?;
    Ok(fc.features.into_iter().enumerate().map(|(i, f)| incoming(file, i, f)).collect())
}

/// A GeoJSON position as `[lon, lat]`; a missing number is NaN, which validation then names
/// (a position may hold fewer numbers than it should: `[]`).
fn position(p: &geojson::Position) -> [f64; 2] {
    let p = p.as_slice();
    [*p.first().unwrap_or(&f64::NAN), *p.get(1).unwrap_or(&f64::NAN)]
}

fn incoming(file: &str, index: usize, f: Feature) -> Incoming {
    let origin = Origin { file: file.to_string(), loc: Loc::Feature(index) };
    let mut fields = f.properties.unwrap_or_default();
    if !fields.contains_key("id")
        && let Some(geojson::feature::Id::String(s)) = &f.id
    {
        fields.insert("id".into(), Value::String(s.clone()));
    }
    match f.geometry.map(|g| g.value) {
        Some(GeometryValue::Point { coordinates: p }) => {
            fields.insert("lon".into(), p.as_slice().first().copied().into());
            fields.insert("lat".into(), p.as_slice().get(1).copied().into());
        }
        Some(GeometryValue::Polygon { coordinates }) => {
            let ring: Vec<[f64; 2]> = coordinates.first().map(|r| r.iter().map(position).collect()).unwrap_or_default();
            if !fields.contains_key("lat") && !ring.is_empty() {
                let pts =
                    if ring.len() > 1 && ring.first() == ring.last() { &ring[..ring.len() - 1] } else { &ring[..] };
                let n = pts.len() as f64;
                fields.insert("lon".into(), (pts.iter().map(|p| p[0]).sum::<f64>() / n).into());
                fields.insert("lat".into(), (pts.iter().map(|p| p[1]).sum::<f64>() / n).into());
            }
            fields.insert("outline".into(), serde_json::to_value(ring).unwrap_or_default());
        }
        Some(GeometryValue::LineString { coordinates }) => {
            let line: Vec<[f64; 2]> = coordinates.iter().map(position).collect();
            if !fields.contains_key("lat")
                && let Some(mid) = line.get(line.len() / 2)
            {
                fields.insert("lon".into(), mid[0].into());
                fields.insert("lat".into(), mid[1].into());
            }
            fields.insert("line".into(), serde_json::to_value(line).unwrap_or_default());
        }
        Some(other) => {
            fields.insert(
                "geometry".into(),
                Value::String(format!(
                    "{} geometry is not supported (use Point; Polygon for compounds; LineString for paths)",
                    other.type_name()
                )),
            );
        }
        None => {}
    }
    Incoming { origin, fields }
}

/// Write the grids and places of the store (optionally of one kind) as a FeatureCollection.
pub fn write(store: &Store, kind: Option<ridermap_core::PlaceKind>, out: &mut dyn Write) -> std::io::Result<usize> {
    let io = |e: ridermap_store::Error| std::io::Error::other(e.to_string());
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    let mut n = 0;
    let sep = |out: &mut dyn Write, n: &mut usize| -> std::io::Result<()> {
        if *n > 0 {
            out.write_all(b",\n")?;
        }
        *n += 1;
        Ok(())
    };
    if kind.is_none() {
        for g in store.grids().map_err(io)? {
            let mut props = to_object(&g);
            props.insert("kind".into(), "grid".into());
            sep(out, &mut n)?;
            serde_json::to_writer(&mut *out, &feature(None, props))?;
        }
    }
    let mut err = None;
    store
        .for_each_place(kind, |p| {
            let r = sep(out, &mut n).and_then(|_| Ok(serde_json::to_writer(&mut *out, &place_feature(&p))?));
            if let Err(e) = r {
                err = Some(e);
            }
            Ok(())
        })
        .map_err(io)?;
    if let Some(e) = err {
        return Err(e);
    }
    out.write_all(b"\n]}\n")?;
    Ok(n)
}

fn to_object<T: serde::Serialize>(v: &T) -> JsonObject {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => JsonObject::new(),
    }
}

fn feature(geometry: Option<Geometry>, properties: JsonObject) -> Feature {
    Feature { bbox: None, geometry, id: None, properties: Some(properties), foreign_members: None }
}

/// A place as a feature: compounds with an outline become Polygons and paths LineStrings (both
/// keeping their label point in `lat`/`lon`), everything else a Point.
pub fn place_feature(p: &Place) -> Feature {
    let mut props = to_object(p);
    let geometry = match &p.detail {
        Detail::Compound(c) if c.outline.as_ref().is_some_and(|o| o.len() >= 3) => {
            props.remove("outline");
            let ring: Vec<Vec<f64>> = c.outline.iter().flatten().map(|q| vec![q[0], q[1]]).collect();
            Geometry::new(GeometryValue::new_polygon([ring]))
        }
        Detail::Path(path) if path.line.len() >= 2 => {
            props.remove("line");
            Geometry::new(GeometryValue::new_line_string(path.line.iter().map(|q| vec![q[0], q[1]])))
        }
        _ => {
            props.remove("lat");
            props.remove("lon");
            Geometry::new_point([p.lon, p.lat])
        }
    };
    feature(Some(geometry), props)
}
