//! OpenStreetMap `.osm` XML and `.osm.pbf` → Ridermap records. Mapping (also in docs/formats.md):
//! - `landuse=residential` closed ways with a `name` → compounds (outline = the way); `building=*`
//!   ways or nodes with `addr:housenumber` inside one → its buildings.
//! - `entrance=*` nodes (not doors on a building outline), and `barrier=gate` nodes on a compound's
//!   outline → gates. `ref`→name, `opening_hours`, `access`, `foot`, `electric_bicycle` (else
//!   `bicycle`) = yes|no|dismount → allowed|refused|push, `addr:flats` → buildings served, `lit`.
//! - `amenity=charging_station` nodes and ways → chargers (`operator`/`brand`, `voltage`,
//!   `capacity`, `charge`, `payment:*`, `opening_hours`; "swap" in a tag → swap cabinet).
//! - `amenity=shelter|toilets|drinking_water` → public rest stops (seating | toilet | cold water);
//!   toilets and water points within 30 m of another rest stop become amenities of it instead.
//!
//! Each record's `source` is `osm:node/ID` or `osm:way/ID`, so re-importing updates.

use std::collections::{HashMap, HashSet};

use ridermap_core::{Incoming, LatLon, Loc, Origin, geo::ring_contains, parse_volts};
use serde_json::{Map, Value, json};

use crate::ReadError;

type Tags = Vec<(String, String)>;

#[derive(Default)]
struct Osm {
    coords: HashMap<i64, (f64, f64)>,
    /// Tagged nodes in file order.
    nodes: Vec<(i64, Tags)>,
    ways: Vec<(i64, Vec<i64>, Tags)>,
}

fn tag<'a>(tags: &'a Tags, key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

pub fn read(file: &str, bytes: &[u8]) -> Result<Vec<Incoming>, ReadError> {
    let head = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let osm = if head == Some(&b'<') { read_xml(file, bytes)? } else { read_pbf(file, bytes)? };
    Ok(map(file, &osm))
}

fn read_pbf(file: &str, bytes: &[u8]) -> Result<Osm, ReadError> {
    use osmpbf::{Element, ElementReader};
    let mut osm = Osm::default();
    let owned = |t: &mut dyn Iterator<Item = (&str, &str)>| -> Tags { t.map(|(k, v)| (k.into(), v.into())).collect() };
    ElementReader::new(std::io::Cursor::new(bytes))
        .for_each(|e| match e {
            Element::Node(n) => {
                osm.coords.insert(n.id(), (n.lat(), n.lon()));
                let tags = owned(&mut n.tags());
                if !tags.is_empty() {
                    osm.nodes.push((n.id(), tags));
                }
            }
            Element::DenseNode(n) => {
                osm.coords.insert(n.id(), (n.lat(), n.lon()));
                let tags = owned(&mut n.tags());
                if !tags.is_empty() {
                    osm.nodes.push((n.id(), tags));
                }
            }
            Element::Way(w) => osm.ways.push((w.id(), w.refs().collect(), owned(&mut w.tags()))),
            Element::Relation(_) => {}
        })
        .map_err(|e| ReadError::new(file, None, format!("truncated or corrupt OSM PBF: {e}")))?;
    Ok(osm)
}

fn read_xml(file: &str, bytes: &[u8]) -> Result<Osm, ReadError> {
    use quick_xml::events::Event;
    let mut rdr = quick_xml::Reader::from_reader(bytes);
    let mut osm = Osm::default();
    let mut buf = vec![];
    // The element being read: ("node"|"way", id, refs, tags).
    let mut cur: Option<(&'static str, i64, Vec<i64>, Tags)> = None;
    let line_at = |pos: u64| 1 + bytes[..(pos as usize).min(bytes.len())].iter().filter(|b| **b == b'\n').count();
    loop {
        let pos = rdr.buffer_position();
        let ev = rdr
            .read_event_into(&mut buf)
            .map_err(|e| ReadError::new(file, Some(line_at(pos).to_string()), format!("bad OSM XML: {e}")))?;
        let bad = |what: String| ReadError::new(file, Some(line_at(pos).to_string()), what);
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let mut attrs: HashMap<String, String> = HashMap::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| bad(format!("bad attribute: {e}")))?;
                    let v = a.unescape_value().map_err(|e| bad(format!("bad attribute value: {e}")))?;
                    attrs.insert(String::from_utf8_lossy(a.key.as_ref()).into_owned(), v.into_owned());
                }
                let num = |k: &str| -> Result<f64, ReadError> {
                    attrs.get(k).and_then(|v| v.parse().ok()).ok_or_else(|| bad(format!("missing or bad `{k}`")))
                };
                match e.name().as_ref() {
                    b"node" => {
                        let id = num("id")? as i64;
                        osm.coords.insert(id, (num("lat")?, num("lon")?));
                        cur = Some(("node", id, vec![], vec![]));
                    }
                    b"way" => cur = Some(("way", num("id")? as i64, vec![], vec![])),
                    b"relation" => cur = None,
                    b"nd" => {
                        if let Some((_, _, refs, _)) = &mut cur {
                            refs.push(num("ref")? as i64);
                        }
                    }
                    b"tag" => {
                        if let (Some((_, _, _, tags)), Some(k), Some(v)) = (&mut cur, attrs.get("k"), attrs.get("v")) {
                            tags.push((k.clone(), v.clone()));
                        }
                    }
                    _ => {}
                }
                if empty && matches!(e.name().as_ref(), b"node" | b"way") {
                    finish(&mut osm, cur.take());
                }
            }
            Event::End(ref e) if matches!(e.name().as_ref(), b"node" | b"way") => finish(&mut osm, cur.take()),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if osm.coords.is_empty() && osm.ways.is_empty() {
        return Err(ReadError::new(file, None, "no OSM nodes or ways found"));
    }
    Ok(osm)
}

fn finish(osm: &mut Osm, el: Option<(&'static str, i64, Vec<i64>, Tags)>) {
    match el {
        Some(("node", id, _, tags)) if !tags.is_empty() => osm.nodes.push((id, tags)),
        Some(("way", id, refs, tags)) => osm.ways.push((id, refs, tags)),
        _ => {}
    }
}

struct CompoundOut {
    ring: Vec<[f64; 2]>,
    node_ids: HashSet<i64>,
    fields: Map<String, Value>,
    buildings: Vec<Value>,
    numbers: HashSet<String>,
    source: String,
}

fn centroid(pts: &[[f64; 2]]) -> LatLon {
    let pts = if pts.len() > 1 && pts.first() == pts.last() { &pts[..pts.len() - 1] } else { pts };
    let n = pts.len().max(1) as f64;
    LatLon::new(pts.iter().map(|p| p[1]).sum::<f64>() / n, pts.iter().map(|p| p[0]).sum::<f64>() / n)
}

fn address(tags: &Tags) -> Option<String> {
    if let Some(full) = tag(tags, "addr:full") {
        return Some(full.into());
    }
    match (tag(tags, "addr:street"), tag(tags, "addr:housenumber")) {
        (Some(s), Some(n)) => Some(format!("{s}{n}")),
        (Some(s), None) => Some(s.into()),
        _ => None,
    }
}

fn access_from(v: Option<&str>) -> Option<&'static str> {
    match v? {
        "yes" | "designated" | "permissive" => Some("allowed"),
        "no" => Some("refused"),
        "dismount" => Some("push"),
        _ => None,
    }
}

fn map(file: &str, osm: &Osm) -> Vec<Incoming> {
    let mut out: Vec<Incoming> = vec![];
    let origin = |el: &str| Origin { file: file.to_string(), loc: Loc::Osm(el.to_string()) };
    let ring_of = |refs: &[i64]| -> Option<Vec<[f64; 2]>> {
        refs.iter().map(|r| osm.coords.get(r).map(|(lat, lon)| [*lon, *lat])).collect()
    };

    // Compounds.
    let mut compounds: Vec<CompoundOut> = vec![];
    let mut building_ways: HashSet<i64> = HashSet::new();
    for (id, refs, tags) in &osm.ways {
        if tag(tags, "building").is_some() {
            building_ways.extend(refs.iter().copied());
        }
        let residential = tag(tags, "landuse") == Some("residential");
        let closed = refs.len() >= 4 && refs.first() == refs.last();
        if !(residential && closed) {
            continue;
        }
        let (Some(name), Some(ring)) = (tag(tags, "name"), ring_of(refs)) else {
            continue;
        };
        let c = centroid(&ring);
        let mut f = Map::new();
        f.insert("kind".into(), json!("compound"));
        f.insert("name".into(), json!(name));
        let aliases: Vec<&str> =
            ["alt_name", "old_name", "short_name", "name:en"].iter().filter_map(|k| tag(tags, k)).collect();
        if !aliases.is_empty() {
            f.insert("aliases".into(), json!(aliases));
        }
        if let Some(a) = address(tags) {
            f.insert("address".into(), json!(a));
        }
        f.insert("lat".into(), json!(c.lat));
        f.insert("lon".into(), json!(c.lon));
        f.insert("outline".into(), json!(ring));
        compounds.push(CompoundOut {
            ring,
            node_ids: refs.iter().copied().collect(),
            fields: f,
            buildings: vec![],
            numbers: HashSet::new(),
            source: format!("osm:way/{id}"),
        });
    }
    let containing = |p: LatLon, compounds: &[CompoundOut]| compounds.iter().position(|c| ring_contains(&c.ring, p));

    // Buildings with numbers.
    let add_building = |compounds: &mut Vec<CompoundOut>, number: &str, p: LatLon| {
        if let Some(i) = containing(p, compounds) {
            let n = number.trim().trim_end_matches('号').to_string();
            if !n.is_empty() && compounds[i].numbers.insert(n.clone()) {
                compounds[i].buildings.push(json!({"number": n, "lat": p.lat, "lon": p.lon}));
            }
        }
    };
    for (_, refs, tags) in &osm.ways {
        if let (Some(_), Some(n), Some(ring)) = (tag(tags, "building"), tag(tags, "addr:housenumber"), ring_of(refs)) {
            add_building(&mut compounds, n, centroid(&ring));
        }
    }
    for (id, tags) in &osm.nodes {
        if let (Some(_), Some(n), Some((lat, lon))) =
            (tag(tags, "building"), tag(tags, "addr:housenumber"), osm.coords.get(id))
        {
            add_building(&mut compounds, n, LatLon::new(*lat, *lon));
        }
    }
    for c in &mut compounds {
        c.fields.insert("buildings".into(), Value::Array(std::mem::take(&mut c.buildings)));
        c.fields.insert("source".into(), json!(c.source));
        out.push(Incoming { origin: origin(c.source.trim_start_matches("osm:")), fields: c.fields.clone() });
    }
    let compound_name = |i: usize| compounds[i].fields["name"].clone();

    // Gates, chargers, rest places from nodes; chargers also from ways.
    let mut rest: Vec<Incoming> = vec![];
    let mut points: Vec<(String, LatLon, &Tags)> = vec![];
    for (id, tags) in &osm.nodes {
        if let Some((lat, lon)) = osm.coords.get(id) {
            points.push((format!("node/{id}"), LatLon::new(*lat, *lon), tags));
        }
    }
    for (id, refs, tags) in &osm.ways {
        if tag(tags, "amenity") == Some("charging_station")
            && let Some(ring) = ring_of(refs)
        {
            points.push((format!("way/{id}"), centroid(&ring), tags));
        }
    }
    for (el, p, tags) in points {
        let node_id: Option<i64> = el.strip_prefix("node/").and_then(|s| s.parse().ok());
        let mut f = Map::new();
        f.insert("lat".into(), json!(p.lat));
        f.insert("lon".into(), json!(p.lon));
        f.insert("source".into(), json!(format!("osm:{el}")));
        if let Some(h) = tag(tags, "opening_hours") {
            f.insert("opening_hours".into(), json!(h));
        }
        if let Some(a) = address(tags) {
            f.insert("address".into(), json!(a));
        }
        let on_compound = node_id.and_then(|n| compounds.iter().position(|c| c.node_ids.contains(&n)));
        let inside = on_compound.or_else(|| containing(p, &compounds));
        let entrance = tag(tags, "entrance");
        let gate = tag(tags, "barrier") == Some("gate") && on_compound.is_some();
        let is_door = node_id.is_some_and(|n| building_ways.contains(&n));
        if (entrance.is_some() || gate) && !is_door {
            f.insert("kind".into(), json!("entrance"));
            let name = tag(tags, "name").map(str::to_string).or_else(|| {
                tag(tags, "ref").map(|r| if r.ends_with('门') { r.to_string() } else { format!("{r}号门") })
            });
            f.insert("name".into(), json!(name.unwrap_or_else(|| format!("入口 {el}"))));
            let gate_kind = match entrance {
                Some("main") => "main",
                Some("service") => "service",
                Some("emergency") => "emergency",
                _ if tag(tags, "foot") == Some("no") => "vehicle",
                _ => "side",
            };
            f.insert("gate_kind".into(), json!(gate_kind));
            if matches!(tag(tags, "foot"), Some("no")) || tag(tags, "access") == Some("no") {
                f.insert("foot".into(), json!(false));
            }
            if let Some(e) = access_from(tag(tags, "electric_bicycle")).or_else(|| access_from(tag(tags, "bicycle"))) {
                f.insert("ebike".into(), json!(e));
            }
            if matches!(tag(tags, "access"), Some("private" | "residents" | "destination" | "delivery")) {
                f.insert("access_method".into(), json!("guard"));
            }
            if let Some(flats) = tag(tags, "addr:flats") {
                let list: Vec<&str> = flats.split([';', ',']).map(str::trim).filter(|s| !s.is_empty()).collect();
                f.insert("buildings_served".into(), json!(list));
            }
            match tag(tags, "lit") {
                Some("yes") => {
                    f.insert("lit".into(), json!(true));
                }
                Some("no") => {
                    f.insert("lit".into(), json!(false));
                }
                _ => {}
            }
            if let Some(i) = inside {
                f.insert("compound".into(), compound_name(i));
            }
            out.push(Incoming { origin: origin(&el), fields: f });
            continue;
        }
        match tag(tags, "amenity") {
            Some("charging_station") => {
                f.insert("kind".into(), json!("charger"));
                let name = tag(tags, "name").or(tag(tags, "brand")).or(tag(tags, "operator")).unwrap_or("充电站");
                f.insert("name".into(), json!(name));
                let swap = tags.iter().any(|(k, v)| k.contains("swap") || v.contains("swap") || v.contains("换电"));
                f.insert("charger_kind".into(), json!(if swap { "swap_cabinet" } else { "charging_pile" }));
                if let Some(op) = tag(tags, "operator").or(tag(tags, "brand")) {
                    f.insert("operator".into(), json!(op));
                }
                if let Some(v) = tag(tags, "voltage") {
                    let volts: Vec<String> = v.split(';').filter_map(parse_volts).map(|v| format!("{v}V")).collect();
                    f.insert("battery_standards".into(), json!(volts));
                }
                if let Some(n) = tag(tags, "capacity").and_then(|c| c.trim().parse::<u32>().ok()) {
                    f.insert("slots".into(), json!(n));
                }
                if let Some(c) = tag(tags, "charge") {
                    f.insert("price".into(), json!(c));
                }
                let pay: Vec<&str> = tags
                    .iter()
                    .filter(|(k, v)| k.starts_with("payment:") && v == "yes")
                    .map(|(k, _)| k.trim_start_matches("payment:"))
                    .collect();
                if !pay.is_empty() {
                    f.insert("payment".into(), json!(pay));
                }
                if let Some(i) = inside {
                    f.insert("inside_compound".into(), json!(true));
                    f.insert("compound".into(), compound_name(i));
                }
                out.push(Incoming { origin: origin(&el), fields: f });
            }
            Some(a @ ("shelter" | "toilets" | "drinking_water")) => {
                let (amenity, default_name) = match a {
                    "shelter" => ("seating", "避雨亭"),
                    "toilets" => ("toilet", "公共厕所"),
                    _ => ("cold_water", "饮水点"),
                };
                f.insert("kind".into(), json!("rest_stop"));
                f.insert("name".into(), json!(tag(tags, "name").unwrap_or(default_name)));
                f.insert("stop_kind".into(), json!("public"));
                f.insert("amenities".into(), json!([amenity]));
                if let Some(i) = inside {
                    f.insert("compound".into(), compound_name(i));
                }
                rest.push(Incoming { origin: origin(&el), fields: f });
            }
            _ => {}
        }
    }
    out.extend(merge_rest(rest));
    out
}

/// Toilets and water points near another rest place become its amenities.
fn merge_rest(rest: Vec<Incoming>) -> Vec<Incoming> {
    let point =
        |r: &Incoming| LatLon::new(r.fields["lat"].as_f64().unwrap_or(0.0), r.fields["lon"].as_f64().unwrap_or(0.0));
    let is_primary = |r: &Incoming| r.fields["amenities"] == json!(["seating"]);
    let (mut primary, minor): (Vec<Incoming>, Vec<Incoming>) = rest.into_iter().partition(is_primary);
    let mut kept = vec![];
    for m in minor {
        let p = point(&m);
        let near = primary.iter_mut().chain(kept.iter_mut()).find(|r: &&mut Incoming| point(r).distance_m(&p) <= 30.0);
        match near {
            Some(host) => {
                let add = m.fields["amenities"][0].clone();
                if let Some(list) = host.fields.get_mut("amenities").and_then(Value::as_array_mut)
                    && !list.contains(&add)
                {
                    list.push(add);
                }
            }
            None => kept.push(m),
        }
    }
    primary.extend(kept);
    primary
}
