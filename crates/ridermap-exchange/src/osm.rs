//! OpenStreetMap `.osm` XML and `.osm.pbf` → Ridermap records and the base layer. Mapping (also in
//! docs/formats.md):
//! - `landuse=residential` closed ways and multipolygon relations with a `name` → compounds
//!   (outline = the way, or the relation's largest outer ring); `building=*` ways and multipolygons
//!   with a number (`addr:housenumber`, else a trailing number of `name` or `ref`, "12号楼" → 12)
//!   inside one → its buildings, with their footprints and their unit doors (`entrance=staircase|
//!   home|yes|main` nodes on the outline with `ref` or `addr:unit`, and `addr:flats`).
//! - `entrance=*` nodes (not doors on a building outline), and `barrier=gate` nodes on a compound's
//!   outline → gates. `ref`→name, `opening_hours`, `access`, `foot`, `electric_bicycle` (else
//!   `bicycle`) = yes|no|dismount → allowed|refused|push, `addr:flats` → buildings served, `lit`.
//! - `amenity=charging_station` nodes and ways → chargers (`operator`/`brand`, `voltage`,
//!   `capacity`, `charge`, `payment:*`, `opening_hours`; "swap" in a tag → swap cabinet).
//! - `amenity=shelter|toilets|drinking_water` → public rest stops (seating | toilet | cold water);
//!   toilets and water points within 30 m of another rest stop become amenities of it instead.
//!
//! The base layer (`ridermap_core::base`): `highway=*` → ways with who may use them (`rules`),
//! `building=*` → footprints, unit doors, `barrier=wall|fence|hedge|…` ways → barriers, water and
//! green areas, compound outlines. Features go to a `BaseSink` as they are read: the file is
//! streamed (node positions are kept as 32-bit fixed point; ways are not kept unless a record or a
//! multipolygon needs them), so a city's extract imports in bounded memory.
//!
//! Each record's `source` is `osm:node/ID`, `osm:way/ID` or `osm:relation/ID`, so re-importing
//! updates.

use std::{
    collections::{HashMap, HashSet},
    io::BufRead,
    path::Path,
};

use ridermap_core::{
    Incoming, LatLon, Loc, Origin,
    base::{BaseFeature, BaseSink, Layer, WayRules},
    geo::{centroid, ring_contains},
    parse_volts,
    route::{Oneway, Ride, WayClass},
};
use serde_json::{Map, Value, json};

use crate::ReadError;

type Tags = Vec<(String, String)>;

fn tag<'a>(tags: &'a Tags, key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A relation member: (`way`|`node`|`relation`, id, role).
type Member = (String, i64, String);

/// What reading keeps while it streams: node positions, the nodes and ways records are made of,
/// the refs of ways a multipolygon may need; base-layer features leave as soon as they are known.
struct Collector<'s> {
    /// Node positions as 1e-7 degrees (lat, lon).
    coords: HashMap<i64, [i32; 2]>,
    /// Tagged nodes records may be made of (gates, doors, chargers, rest places).
    nodes: Vec<(i64, Tags)>,
    /// Ways records are made of: compounds, charging stations.
    ways: Vec<(i64, Vec<i64>, Tags)>,
    /// Buildings that may become a compound's (numbered) or have doors: what that needs only.
    buildings: Vec<BuildingWay>,
    /// Nodes tagged `entrance`, and those of them on a building's outline (a door), with the building.
    entrances: HashSet<i64>,
    door_of: HashMap<i64, usize>,
    /// Node refs of untagged ways (the usual members of a multipolygon).
    member_refs: HashMap<i64, Vec<i64>>,
    /// Multipolygon relations of interest.
    relations: Vec<(i64, Vec<Member>, Tags)>,
    sink: &'s mut dyn BaseSink,
    sink_error: Option<String>,
}

fn fixed(v: f64) -> i32 {
    (v * 1e7).round() as i32
}

fn unfixed(v: i32) -> f64 {
    f64::from(v) / 1e7
}

/// Tags that make a node worth keeping for records.
fn node_matters(tags: &Tags) -> bool {
    tag(tags, "entrance").is_some()
        || tag(tags, "barrier") == Some("gate")
        || matches!(tag(tags, "amenity"), Some("charging_station" | "shelter" | "toilets" | "drinking_water"))
        || tag(tags, "building").is_some()
}

/// Tags that make a way worth keeping whole for records (buildings are kept apart, in little).
fn way_matters(tags: &Tags) -> bool {
    tag(tags, "landuse") == Some("residential") || tag(tags, "amenity") == Some("charging_station")
}

/// Relations worth assembling: multipolygons of buildings, compounds, water and green.
fn relation_matters(tags: &Tags) -> bool {
    tag(tags, "type") == Some("multipolygon")
        && (way_matters(tags) || tag(tags, "building").is_some() || area_layer(tags).is_some())
}

/// What a building may give a record: its outline (node refs, or a multipolygon's ring) and its
/// number. A city has hundreds of thousands: nothing else of them is kept.
struct BuildingWay {
    refs: Box<[i64]>,
    ring: Option<Vec<[f64; 2]>>,
    number: Option<String>,
}

impl Collector<'_> {
    fn point(&self, id: i64) -> Option<[f64; 2]> {
        self.coords.get(&id).map(|c| [unfixed(c[1]), unfixed(c[0])])
    }

    fn line(&self, refs: &[i64]) -> Vec<[f64; 2]> {
        refs.iter().filter_map(|r| self.point(*r)).collect()
    }

    fn emit(&mut self, f: BaseFeature) {
        if self.sink_error.is_none()
            && let Err(e) = self.sink.put(f)
        {
            self.sink_error = Some(e);
        }
    }

    fn node(&mut self, id: i64, lat: f64, lon: f64, tags: Tags) {
        self.coords.insert(id, [fixed(lat), fixed(lon)]);
        if tags.is_empty() {
            return;
        }
        if let Some(rules) = barrier_rules(&tags) {
            let f = BaseFeature {
                layer: Layer::Gate,
                source: format!("osm:node/{id}"),
                name: tag(&tags, "name").map(str::to_string),
                number: None,
                flats: None,
                line: vec![[lon, lat]],
                rules: Some(rules),
            };
            self.emit(f);
        }
        if tag(&tags, "entrance").is_some() {
            self.entrances.insert(id);
        }
        if node_matters(&tags) {
            self.nodes.push((id, tags));
        }
    }

    /// Keep what a building may give a record; its doors are the entrances on its outline.
    fn building(&mut self, refs: Box<[i64]>, ring: Option<Vec<[f64; 2]>>, tags: &Tags) {
        let number = building_number(tags);
        let doors: Vec<i64> = refs.iter().copied().filter(|n| self.entrances.contains(n)).collect();
        if number.is_none() && doors.is_empty() {
            return;
        }
        let i = self.buildings.len();
        for d in doors {
            self.door_of.insert(d, i);
        }
        self.buildings.push(BuildingWay { refs, ring, number });
    }

    fn way(&mut self, id: i64, refs: Vec<i64>, tags: Tags) {
        if tags.is_empty() {
            self.member_refs.insert(id, refs);
            return;
        }
        let source = format!("osm:way/{id}");
        if let Some(f) = base_of(&source, &tags, self.line(&refs)) {
            self.emit(f);
        }
        let closed = refs.len() >= 4 && refs.first() == refs.last();
        if closed && tag(&tags, "building").is_some_and(|v| v != "no") {
            self.building(refs.into_boxed_slice(), None, &tags);
        } else if way_matters(&tags) {
            self.ways.push((id, refs, tags));
        }
    }

    fn relation(&mut self, id: i64, members: Vec<Member>, tags: Tags) {
        if relation_matters(&tags) {
            self.relations.push((id, members, tags));
        }
    }

    /// Outer rings of a multipolygon, joined from its member ways.
    fn rings(&self, members: &[Member]) -> Vec<Vec<[f64; 2]>> {
        let ways: HashMap<i64, &Vec<i64>> = self.ways.iter().map(|(id, refs, _)| (*id, refs)).collect();
        let parts: Vec<Vec<i64>> = members
            .iter()
            .filter(|(t, _, role)| t == "way" && (role == "outer" || role.is_empty()))
            .filter_map(|(_, id, _)| self.member_refs.get(id).or_else(|| ways.get(id).copied()).cloned())
            .collect();
        join_rings(parts).iter().map(|r| self.line(r)).filter(|r| r.len() >= 4).collect()
    }
}

/// Join way fragments end to end into closed rings; fragments that close nothing are dropped.
fn join_rings(mut parts: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
    let mut rings = vec![];
    while let Some(mut ring) = parts.pop() {
        loop {
            if ring.len() >= 4 && ring.first() == ring.last() {
                rings.push(ring);
                break;
            }
            let end = *ring.last().expect("a part has nodes");
            let Some(i) = parts.iter().position(|p| p.first() == Some(&end) || p.last() == Some(&end)) else {
                break;
            };
            let mut next = parts.swap_remove(i);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend(next.into_iter().skip(1));
        }
    }
    rings
}

/// The number of a building: `addr:housenumber`, else the last run of digits (and a letter
/// right after it) in `name` or `ref` ("12号楼" → "12", "Block 5A" → "5A").
pub fn building_number(tags: &Tags) -> Option<String> {
    if let Some(n) = tag(tags, "addr:housenumber") {
        let n = n.trim().trim_end_matches('号');
        return (!n.is_empty()).then(|| n.to_string());
    }
    for key in ["ref", "name"] {
        let Some(v) = tag(tags, key) else { continue };
        let chars: Vec<char> = v.chars().collect();
        let Some(end) = chars.iter().rposition(|c| c.is_ascii_digit()) else { continue };
        let start = chars[..=end].iter().rposition(|c| !c.is_ascii_digit()).map_or(0, |i| i + 1);
        let mut n: String = chars[start..=end].iter().collect();
        if let Some(c) = chars.get(end + 1).filter(|c| c.is_ascii_alphabetic()) {
            n.push(*c);
        }
        return Some(n);
    }
    None
}

fn yes_no(v: Option<&str>) -> Option<bool> {
    match v? {
        "yes" | "designated" | "permissive" | "destination" | "delivery" | "customers" | "private" | "residents" => {
            Some(true)
        }
        "no" | "use_sidepath" => Some(false),
        _ => None,
    }
}

/// Who may use a `highway=*` way, for routes. Documented in docs/formats.md; the Helsinki
/// agreement test's reference script (tests/route/reference.py) reads the same table.
pub fn way_rules(tags: &Tags) -> Option<WayRules> {
    let hw = tag(tags, "highway")?;
    let (class, foot, ebike) = match hw {
        "motorway" | "motorway_link" | "trunk" | "trunk_link" => (WayClass::Street, false, Ride::No),
        "primary" | "primary_link" | "secondary" | "secondary_link" | "tertiary" | "tertiary_link" | "unclassified"
        | "residential" | "road" | "busway" => (WayClass::Street, true, Ride::Ride),
        "living_street" | "service" | "track" => (WayClass::Service, true, Ride::Ride),
        "pedestrian" | "footway" | "path" | "bridleway" | "corridor" => (WayClass::Footway, true, Ride::Push),
        "cycleway" => (WayClass::Cycleway, true, Ride::Ride),
        "steps" => (WayClass::Steps, true, Ride::No),
        _ => return None,
    };
    // access=no closes a way to everyone its own tags do not let back in; private, destination
    // and the like do not stop a delivery.
    let closed = tag(tags, "access") == Some("no");
    let foot = yes_no(tag(tags, "foot")).unwrap_or(foot && !closed);
    let ebike_tag = tag(tags, "electric_bicycle").or_else(|| tag(tags, "bicycle"));
    let ebike = match ebike_tag {
        Some("dismount") => Ride::Push,
        Some("no" | "use_sidepath") if foot && class != WayClass::Steps => Ride::Push,
        Some("no" | "use_sidepath") => Ride::No,
        Some("yes" | "designated" | "permissive") if class != WayClass::Steps => Ride::Ride,
        _ if closed => {
            if foot && class != WayClass::Steps {
                Ride::Push
            } else {
                Ride::No
            }
        }
        _ => ebike,
    };
    let oneway_for_bikes = tag(tags, "oneway:electric_bicycle").or_else(|| tag(tags, "oneway:bicycle"));
    let oneway = match (oneway_for_bikes, tag(tags, "oneway"), tag(tags, "junction")) {
        (Some("no"), _, _) => Oneway::No,
        (_, Some("yes" | "true" | "1"), _) | (_, None, Some("roundabout" | "circular")) => Oneway::Forward,
        (_, Some("-1" | "reverse"), _) => Oneway::Backward,
        _ => Oneway::No,
    };
    let lit = match tag(tags, "lit") {
        Some("yes" | "24/7" | "automatic") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let elevated = tag(tags, "bridge").is_some_and(|v| v != "no")
        || tag(tags, "tunnel").is_some_and(|v| v != "no")
        || tag(tags, "layer").is_some_and(|v| v.trim() != "0");
    Some(WayRules { class, foot, ebike, oneway, lit, elevated })
}

/// Who may pass a barrier node on a way (a gate, a bollard, a stile): None for nodes that are
/// not one, and for a gate anyone may pass on foot and on an e-bike (nothing to obey).
pub fn barrier_rules(tags: &Tags) -> Option<WayRules> {
    let kind = tag(tags, "barrier")?;
    // By its kind: whether an e-bike gets through at all, ridden or pushed.
    let by_kind = match kind {
        "gate" | "lift_gate" | "swing_gate" | "sliding_gate" | "chain" | "bollard" | "block" | "entrance" => Ride::Ride,
        "cycle_barrier" | "motorcycle_barrier" => Ride::Push,
        "kissing_gate" | "turnstile" | "stile" | "full-height_turnstile" => Ride::No,
        _ => return None,
    };
    let locked = tag(tags, "locked") == Some("yes");
    let closed = tag(tags, "access") == Some("no") || locked;
    let foot = !locked && yes_no(tag(tags, "foot")).unwrap_or(!closed);
    let ebike = match tag(tags, "electric_bicycle").or_else(|| tag(tags, "bicycle")) {
        _ if locked => Ride::No,
        Some("dismount") => Ride::Push.min_with(by_kind),
        Some("no" | "use_sidepath") => Ride::No,
        Some("yes" | "designated" | "permissive") => by_kind,
        _ if closed => Ride::No,
        _ => by_kind,
    };
    if foot && ebike == Ride::Ride {
        return None;
    }
    Some(WayRules { class: WayClass::Footway, foot, ebike, oneway: Oneway::No, lit: None, elevated: false })
}

const BARRIERS: [&str; 7] = ["wall", "fence", "hedge", "retaining_wall", "city_wall", "guard_rail", "handrail"];

fn area_layer(tags: &Tags) -> Option<Layer> {
    let water = tag(tags, "natural") == Some("water")
        || tag(tags, "waterway") == Some("riverbank")
        || matches!(tag(tags, "landuse"), Some("reservoir" | "basin"));
    let green = matches!(
        tag(tags, "landuse"),
        Some("grass" | "forest" | "meadow" | "recreation_ground" | "village_green" | "cemetery")
    ) || matches!(tag(tags, "leisure"), Some("park" | "garden" | "playground"))
        || matches!(tag(tags, "natural"), Some("wood" | "scrub" | "grassland"));
    if water {
        Some(Layer::Water)
    } else if green {
        Some(Layer::Green)
    } else {
        None
    }
}

/// The base-layer feature a way (or a multipolygon's ring) is, if any.
fn base_of(source: &str, tags: &Tags, line: Vec<[f64; 2]>) -> Option<BaseFeature> {
    if line.len() < 2 {
        return None;
    }
    let closed = line.len() >= 4 && line.first() == line.last();
    let name = tag(tags, "name").map(str::to_string);
    let feature = |layer: Layer, number: Option<String>, rules: Option<WayRules>| BaseFeature {
        layer,
        source: source.to_string(),
        name: name.clone(),
        number,
        flats: None,
        line: line.clone(),
        rules,
    };
    if let Some(rules) = way_rules(tags) {
        return Some(feature(Layer::Way, None, Some(rules)));
    }
    if tag(tags, "building").is_some_and(|v| v != "no") && closed {
        return Some(feature(Layer::Building, building_number(tags), None));
    }
    if tag(tags, "barrier").is_some_and(|b| BARRIERS.contains(&b)) {
        return Some(feature(Layer::Barrier, None, None));
    }
    if tag(tags, "landuse") == Some("residential") && closed {
        return Some(feature(Layer::Compound, None, None));
    }
    if let Some(layer) = area_layer(tags)
        && closed
    {
        return Some(feature(layer, None, None));
    }
    if matches!(tag(tags, "waterway"), Some("river" | "stream" | "canal")) {
        return Some(feature(Layer::Water, None, None));
    }
    None
}

/// Counts the lines of what an XML reader consumes, so an error can say where it is.
struct Lines<R> {
    inner: R,
    line: usize,
}

impl<R: BufRead> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.line += buf[..n].iter().filter(|b| **b == b'\n').count();
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            self.line += buf[..amt.min(buf.len())].iter().filter(|b| **b == b'\n').count();
        }
        self.inner.consume(amt);
    }
}

fn read_xml(file: &str, input: impl BufRead, c: &mut Collector<'_>) -> Result<(), ReadError> {
    use quick_xml::events::Event;
    let mut rdr = quick_xml::Reader::from_reader(Lines { inner: input, line: 1 });
    let mut buf = vec![];
    // The element being read: ("node"|"way"|"relation", id, lat/lon, refs, members, tags).
    struct El {
        kind: &'static str,
        id: i64,
        at: (f64, f64),
        refs: Vec<i64>,
        members: Vec<Member>,
        tags: Tags,
    }
    let mut cur: Option<El> = None;
    let mut elements = 0usize;
    #[derive(PartialEq)]
    enum Root {
        None,
        Open,
        Closed,
    }
    let mut root = Root::None;
    loop {
        let ev = rdr.read_event_into(&mut buf);
        let line = rdr.get_ref().line;
        let bad = |what: String| ReadError::new(file, Some(line.to_string()), what);
        let ev = ev.map_err(|e| bad(format!("bad OSM XML: {e}")))?;
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
                let el = |kind, id: f64| El {
                    kind,
                    id: id as i64,
                    at: (0.0, 0.0),
                    refs: vec![],
                    members: vec![],
                    tags: vec![],
                };
                match e.name().as_ref() {
                    b"osm" if !empty => root = Root::Open,
                    b"node" => {
                        let (lat, lon) = (num("lat")?, num("lon")?);
                        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                            return Err(bad(format!("node position {lat},{lon} is not on the earth")));
                        }
                        cur = Some(El { at: (lat, lon), ..el("node", num("id")?) });
                    }
                    b"way" => cur = Some(el("way", num("id")?)),
                    b"relation" => cur = Some(el("relation", num("id")?)),
                    b"nd" => {
                        if let Some(w) = &mut cur {
                            w.refs.push(num("ref")? as i64);
                        }
                    }
                    b"member" => {
                        if let Some(r) = &mut cur {
                            let t = attrs.get("type").cloned().unwrap_or_default();
                            let role = attrs.get("role").cloned().unwrap_or_default();
                            r.members.push((t, num("ref")? as i64, role));
                        }
                    }
                    b"tag" => {
                        if let (Some(el), Some(k), Some(v)) = (&mut cur, attrs.get("k"), attrs.get("v")) {
                            el.tags.push((k.clone(), v.clone()));
                        }
                    }
                    _ => {}
                }
                if empty && matches!(e.name().as_ref(), b"node" | b"way" | b"relation") {
                    finish_xml(c, cur.take(), &mut elements);
                }
            }
            Event::End(ref e) if matches!(e.name().as_ref(), b"node" | b"way" | b"relation") => {
                finish_xml(c, cur.take(), &mut elements)
            }
            Event::End(ref e) if e.name().as_ref() == b"osm" => root = Root::Closed,
            Event::Eof if root == Root::Open => {
                return Err(bad("the file ends before `</osm>`: it is cut short".into()));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        if let Some(e) = c.sink_error.take() {
            return Err(ReadError::new(file, Some(line.to_string()), e));
        }
    }
    if elements == 0 {
        return Err(ReadError::new(file, None, "no OSM nodes or ways found"));
    }
    fn finish_xml(c: &mut Collector<'_>, el: Option<El>, n: &mut usize) {
        let Some(el) = el else { return };
        *n += 1;
        match el.kind {
            "node" => c.node(el.id, el.at.0, el.at.1, el.tags),
            "way" => c.way(el.id, el.refs, el.tags),
            _ => c.relation(el.id, el.members, el.tags),
        }
    }
    Ok(())
}

fn read_pbf<R: std::io::Read + Send>(file: &str, input: R, c: &mut Collector<'_>) -> Result<(), ReadError> {
    use osmpbf::{Element, ElementReader, RelMemberType};
    let owned = |t: &mut dyn Iterator<Item = (&str, &str)>| -> Tags { t.map(|(k, v)| (k.into(), v.into())).collect() };
    let mut elements = 0usize;
    ElementReader::new(input)
        .for_each(|e| {
            elements += 1;
            match e {
                Element::Node(n) => c.node(n.id(), n.lat(), n.lon(), owned(&mut n.tags())),
                Element::DenseNode(n) => c.node(n.id(), n.lat(), n.lon(), owned(&mut n.tags())),
                Element::Way(w) => c.way(w.id(), w.refs().collect(), owned(&mut w.tags())),
                Element::Relation(r) => {
                    let members = r
                        .members()
                        .map(|m| {
                            let t = match m.member_type {
                                RelMemberType::Node => "node",
                                RelMemberType::Way => "way",
                                RelMemberType::Relation => "relation",
                            };
                            (t.to_string(), m.member_id, m.role().unwrap_or_default().to_string())
                        })
                        .collect();
                    c.relation(r.id(), members, owned(&mut r.tags()))
                }
            }
        })
        .map_err(|e| ReadError::new(file, None, format!("truncated or corrupt OSM PBF: {e}")))?;
    if let Some(e) = c.sink_error.take() {
        return Err(ReadError::new(file, None, e));
    }
    if elements == 0 {
        return Err(ReadError::new(file, None, "no OSM nodes or ways found"));
    }
    Ok(())
}

fn collect(file: &str, input: impl BufRead + Send, sink: &mut dyn BaseSink) -> Result<Vec<Incoming>, ReadError> {
    let mut input = input;
    let head = input
        .fill_buf()
        .map_err(|e| ReadError::new(file, None, format!("cannot read: {e}")))?
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    let mut c = Collector {
        coords: HashMap::with_capacity(1 << 16),
        nodes: vec![],
        ways: vec![],
        member_refs: HashMap::new(),
        relations: vec![],
        buildings: vec![],
        entrances: HashSet::new(),
        door_of: HashMap::new(),
        sink,
        sink_error: None,
    };
    if head == Some(b'<') {
        read_xml(file, input, &mut c)?;
    } else {
        read_pbf(file, input, &mut c)?;
    }
    let rows = map(file, &mut c);
    if let Some(e) = c.sink_error.take() {
        return Err(ReadError::new(file, None, e));
    }
    Ok(rows)
}

/// Read an OSM file from disk, streaming: its base layer goes to `sink` as it is read; returns
/// its records.
pub fn read_path(path: &Path, sink: &mut dyn BaseSink) -> Result<Vec<Incoming>, ReadError> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| ReadError::new(&name, None, format!("cannot read: {e}")))?;
    collect(&name, std::io::BufReader::with_capacity(1 << 16, f), sink)
}

/// Read an OSM file already in memory (its base layer to `sink`).
pub fn read_with(file: &str, bytes: &[u8], sink: &mut dyn BaseSink) -> Result<Vec<Incoming>, ReadError> {
    collect(file, bytes, sink)
}

/// Read an OSM file already in memory, records only.
pub fn read(file: &str, bytes: &[u8]) -> Result<Vec<Incoming>, ReadError> {
    read_with(file, bytes, &mut Vec::<BaseFeature>::new())
}

/// An area a record may be made of: a closed way, or a multipolygon's largest outer ring.
struct Area {
    source: String,
    ring: Vec<[f64; 2]>,
    /// Node ids on its outline (doors and gates are told by them).
    nodes: HashSet<i64>,
    tags: Tags,
}

struct CompoundOut {
    ring: Vec<[f64; 2]>,
    node_ids: HashSet<i64>,
    fields: Map<String, Value>,
    buildings: Vec<Value>,
    numbers: HashSet<String>,
    source: String,
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

/// A door's unit: `ref`, else `addr:unit`.
fn door_unit(tags: &Tags) -> Option<String> {
    tag(tags, "ref").or_else(|| tag(tags, "addr:unit")).map(|u| u.trim().to_string()).filter(|u| !u.is_empty())
}

const DOOR_KINDS: [&str; 4] = ["staircase", "home", "yes", "main"];

fn map(file: &str, osm: &mut Collector<'_>) -> Vec<Incoming> {
    let mut out: Vec<Incoming> = vec![];
    let origin = |el: &str| Origin { file: file.to_string(), loc: Loc::Osm(el.to_string()) };

    // Compounds' areas, made of ways and of multipolygons alike.
    let mut areas: Vec<Area> = vec![];
    for (id, refs, tags) in &osm.ways {
        let closed = refs.len() >= 4 && refs.first() == refs.last();
        if closed && tag(tags, "landuse") == Some("residential") {
            areas.push(Area {
                source: format!("osm:way/{id}"),
                ring: osm.line(refs),
                nodes: refs.iter().copied().collect(),
                tags: tags.clone(),
            });
        }
    }
    let relations = std::mem::take(&mut osm.relations);
    for (id, members, tags) in &relations {
        let source = format!("osm:relation/{id}");
        let mut rings = osm.rings(members);
        for ring in &rings {
            if let Some(f) = base_of(&source, tags, ring.clone()) {
                osm.emit(f);
            }
        }
        // The largest outer ring stands for the area in records.
        rings.sort_by(|a, b| ring_area(b).total_cmp(&ring_area(a)));
        let Some(ring) = rings.into_iter().next() else { continue };
        let nodes: Vec<i64> = members
            .iter()
            .filter(|(t, _, _)| t == "way")
            .filter_map(|(_, m, _)| osm.member_refs.get(m))
            .flatten()
            .copied()
            .collect();
        if tag(tags, "landuse") == Some("residential") {
            areas.push(Area { source, ring, nodes: nodes.into_iter().collect(), tags: tags.clone() });
        } else if tag(tags, "building").is_some() {
            osm.building(nodes.into_boxed_slice(), Some(ring), tags);
        }
    }

    // Doors: entrance nodes on a building's outline.
    let building_nodes = std::mem::take(&mut osm.door_of);
    let mut doors_of: HashMap<usize, Vec<Value>> = HashMap::new();
    let mut door_features = vec![];
    for (id, tags) in &osm.nodes {
        let (Some(&area), Some(kind)) = (building_nodes.get(id), tag(tags, "entrance")) else { continue };
        let Some(p) = osm.point(*id) else { continue };
        let unit = door_unit(tags);
        let flats = tag(tags, "addr:flats").map(str::to_string);
        door_features.push(BaseFeature {
            layer: Layer::Door,
            source: format!("osm:node/{id}"),
            name: tag(tags, "name").map(str::to_string),
            number: unit.clone(),
            flats: flats.clone(),
            line: vec![p],
            rules: None,
        });
        if let (Some(unit), true) = (unit, DOOR_KINDS.contains(&kind)) {
            let mut d = json!({"unit": unit, "lat": p[1], "lon": p[0]});
            if let Some(f) = flats {
                d["flats"] = json!(f);
            }
            doors_of.entry(area).or_default().push(d);
        }
    }
    for f in door_features {
        osm.emit(f);
    }

    // Compounds.
    let mut compounds: Vec<CompoundOut> = vec![];
    for Area { source, ring, nodes, tags } in &areas {
        if tag(tags, "landuse") != Some("residential") || ring.len() < 4 {
            continue;
        }
        let Some(name) = tag(tags, "name") else { continue };
        let c = centroid(ring);
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
            ring: ring.clone(),
            node_ids: nodes.clone(),
            fields: f,
            buildings: vec![],
            numbers: HashSet::new(),
            source: source.clone(),
        });
    }
    let containing = |p: LatLon, compounds: &[CompoundOut]| compounds.iter().position(|c| ring_contains(&c.ring, p));

    // Buildings with numbers, their footprints and doors (only inside a compound: a city's other
    // buildings are the base layer's alone).
    let buildings = if compounds.is_empty() { vec![] } else { std::mem::take(&mut osm.buildings) };
    for (i, b) in buildings.iter().enumerate() {
        let Some(n) = &b.number else { continue };
        let ring = b.ring.clone().unwrap_or_else(|| osm.line(&b.refs));
        if ring.len() < 4 {
            continue;
        }
        let p = centroid(&ring);
        let Some(ci) = containing(p, &compounds) else { continue };
        if compounds[ci].numbers.insert(n.to_lowercase()) {
            let mut out = json!({"number": n, "lat": p.lat, "lon": p.lon, "footprint": ring});
            if let Some(doors) = doors_of.remove(&i) {
                out["doors"] = Value::Array(doors);
            }
            compounds[ci].buildings.push(out);
        }
    }
    for (id, tags) in &osm.nodes {
        if let (Some(_), Some(n), Some(p)) = (tag(tags, "building"), tag(tags, "addr:housenumber"), osm.point(*id)) {
            let p = LatLon::new(p[1], p[0]);
            let n = n.trim().trim_end_matches('号').to_string();
            if let Some(ci) = containing(p, &compounds)
                && !n.is_empty()
                && compounds[ci].numbers.insert(n.to_lowercase())
            {
                compounds[ci].buildings.push(json!({"number": n, "lat": p.lat, "lon": p.lon}));
            }
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
        if let Some(p) = osm.point(*id) {
            points.push((format!("node/{id}"), LatLon::new(p[1], p[0]), tags));
        }
    }
    for (id, refs, tags) in &osm.ways {
        if tag(tags, "amenity") == Some("charging_station") {
            let line = osm.line(refs);
            if !line.is_empty() {
                points.push((format!("way/{id}"), centroid(&line), tags));
            }
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
        let is_door = node_id.is_some_and(|n| building_nodes.contains_key(&n));
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

/// Twice the signed area of a ring in square degrees (only compared, never shown).
fn ring_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum::<f64>().abs()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[(&str, &str)]) -> Tags {
        t.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn building_numbers_as_written() {
        let check = |t: &[(&str, &str)], want: Option<&str>| {
            assert_eq!(building_number(&tags(t)).as_deref(), want, "{t:?}");
        };
        check(&[("addr:housenumber", "12号")], Some("12"));
        check(&[("name", "12号楼")], Some("12"));
        check(&[("name", "开鲁六村3栋")], Some("3"));
        check(&[("ref", "5A"), ("name", "Block 9")], Some("5A"));
        check(&[("name", "Kauppahalli")], None);
    }

    #[test]
    fn who_may_use_a_way() {
        let check = |t: &[(&str, &str)], want: Option<(WayClass, bool, Ride, Oneway)>| {
            let got = way_rules(&tags(t)).map(|r| (r.class, r.foot, r.ebike, r.oneway));
            assert_eq!(got, want, "{t:?}");
        };
        use Oneway::{Backward, Forward, No};
        use WayClass::*;
        use ridermap_core::route::Ride as R;
        check(&[("highway", "residential")], Some((Street, true, R::Ride, No)));
        check(&[("highway", "service"), ("access", "private")], Some((Service, true, R::Ride, No)));
        check(&[("highway", "footway")], Some((Footway, true, R::Push, No)));
        check(&[("highway", "footway"), ("bicycle", "yes")], Some((Footway, true, R::Ride, No)));
        check(&[("highway", "path"), ("electric_bicycle", "no")], Some((Footway, true, R::Push, No)));
        check(&[("highway", "steps")], Some((Steps, true, R::No, No)));
        check(&[("highway", "steps"), ("bicycle", "yes")], Some((Steps, true, R::No, No)));
        check(&[("highway", "service"), ("oneway", "yes")], Some((Service, true, R::Ride, Forward)));
        check(&[("highway", "service"), ("oneway", "-1")], Some((Service, true, R::Ride, Backward)));
        check(
            &[("highway", "residential"), ("oneway", "yes"), ("oneway:bicycle", "no")],
            Some((Street, true, R::Ride, No)),
        );
        check(&[("highway", "primary"), ("junction", "roundabout")], Some((Street, true, R::Ride, Forward)));
        check(&[("highway", "motorway")], Some((Street, false, R::No, No)));
        check(&[("highway", "residential"), ("access", "no")], Some((Street, false, R::No, No)));
        check(&[("highway", "residential"), ("access", "no"), ("foot", "yes")], Some((Street, true, R::Push, No)));
        check(&[("highway", "footway"), ("foot", "no")], Some((Footway, false, R::Push, No)));
        check(&[("highway", "construction")], None);
        check(&[("building", "yes")], None);
    }

    #[test]
    fn rings_join_from_fragments() {
        let rings = join_rings(vec![vec![1, 2, 3], vec![5, 4, 3], vec![5, 6, 1], vec![7, 8]]);
        assert_eq!(rings.len(), 1);
        let r = &rings[0];
        assert_eq!(r.first(), r.last());
        let mut nodes: Vec<i64> = r.clone();
        nodes.sort();
        nodes.dedup();
        assert_eq!(nodes, [1, 2, 3, 4, 5, 6]);
    }
}
