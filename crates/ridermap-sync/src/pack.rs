//! A base-layer pack: one region's base layer as the server publishes it and devices install it.
//! gzip over JSON lines: a header line, one feature per line with its geometry as integer deltas
//! of 1e-7 degrees (OSM's own precision; small numbers that gzip well), and a last line with the
//! count (`{"end":N}`), so a pack cut short anywhere is refused. The pack's content
//! address (sha-256 of its bytes) names it on the server, so the same layer published again is
//! the same pack and a device that holds it downloads nothing.
//!
//! Reading is streamed into a `BaseSink` and bounded: the inflated size, a line's length, the
//! number of features, and every coordinate are checked; an error names the line and the field.

use std::io::{BufRead, BufReader, Read, Write};

use ridermap_core::{
    ApiError, ErrorCode,
    base::{BaseFeature, BaseSink, Layer, WayRules},
};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "ridermap-base-pack/1";
/// A pack inflates to at most this much (a large city's layer is a few hundred MiB of JSON).
pub const MAX_INFLATED: u64 = 1 << 30;
/// One feature's line, at most.
pub const MAX_LINE: usize = 4 << 20;
pub const MAX_FEATURES: u64 = 20_000_000;
/// 1e-7 degrees per unit.
const UNIT: f64 = 1e7;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    /// The region (grid) the layer is for.
    pub region: String,
    /// Where it was made from (the published file's name).
    pub source: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    end: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    layer: Layer,
    source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flats: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rules: Option<WayRules>,
    /// lon, lat of the first point, then the differences to each next one, in 1e-7 degrees.
    d: Vec<i64>,
}

fn deltas(line: &[[f64; 2]]) -> Vec<i64> {
    let mut out = Vec::with_capacity(line.len() * 2);
    let (mut px, mut py) = (0i64, 0i64);
    for [lon, lat] in line {
        let (x, y) = ((lon * UNIT).round() as i64, (lat * UNIT).round() as i64);
        out.extend([x - px, y - py]);
        (px, py) = (x, y);
    }
    out
}

fn points(d: &[i64]) -> Result<Vec<[f64; 2]>, String> {
    if d.is_empty() || !d.len().is_multiple_of(2) {
        return Err(format!("`d` has {} numbers: expected pairs of lon, lat", d.len()));
    }
    let (mut x, mut y) = (0i64, 0i64);
    let mut out = Vec::with_capacity(d.len() / 2);
    for (i, pair) in d.chunks_exact(2).enumerate() {
        x = x.checked_add(pair[0]).ok_or_else(|| format!("`d` point {i} overflows"))?;
        y = y.checked_add(pair[1]).ok_or_else(|| format!("`d` point {i} overflows"))?;
        let (lon, lat) = (x as f64 / UNIT, y as f64 / UNIT);
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(format!("`d` point {i} is at lon {lon}, lat {lat}: off the globe"));
        }
        out.push([lon, lat]);
    }
    Ok(out)
}

/// Writes a pack feature by feature (a city's layer need not be in memory at once).
pub struct PackWriter {
    gz: flate2::write::GzEncoder<Vec<u8>>,
    count: u64,
}

impl PackWriter {
    pub fn new(region: &str, source: &str) -> PackWriter {
        let mut w =
            PackWriter { gz: flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()), count: 0 };
        let header = Header { format: FORMAT.into(), region: region.into(), source: source.into() };
        w.line(&serde_json::to_vec(&header).expect("a header serializes"));
        w
    }

    fn line(&mut self, bytes: &[u8]) {
        self.gz.write_all(bytes).and_then(|()| self.gz.write_all(b"\n")).expect("writing to memory");
    }

    pub fn write(&mut self, f: &BaseFeature) {
        let line = Line {
            layer: f.layer,
            source: f.source.clone(),
            name: f.name.clone(),
            number: f.number.clone(),
            flats: f.flats.clone(),
            rules: f.rules,
            d: deltas(&f.line),
        };
        self.line(&serde_json::to_vec(&line).expect("a feature serializes"));
        self.count += 1;
    }

    /// The pack's bytes and how many features it holds.
    pub fn finish(mut self) -> (Vec<u8>, u64) {
        let end = serde_json::to_vec(&End { end: self.count }).expect("a count serializes");
        self.line(&end);
        (self.gz.finish().expect("writing to memory"), self.count)
    }
}

impl BaseSink for PackWriter {
    fn put(&mut self, feature: BaseFeature) -> Result<(), String> {
        if !feature.line.is_empty() {
            self.write(&feature);
        }
        Ok(())
    }
}

/// The pack of `features` for `region`, made from `source`.
pub fn encode<'f>(region: &str, source: &str, features: impl Iterator<Item = &'f BaseFeature>) -> Vec<u8> {
    let mut w = PackWriter::new(region, source);
    features.for_each(|f| w.write(f));
    w.finish().0
}

fn malformed(line: u64, what: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Malformed, format!("base-layer pack, line {line}: {what}"))
}

/// Reads the pack `bytes` into `sink`, feature by feature; its header and feature count once
/// all is read (a pack cut short is refused, whatever was put into the sink by then).
pub fn decode(bytes: &[u8], sink: &mut dyn BaseSink) -> Result<(Header, u64), ApiError> {
    let inflated = flate2::read::GzDecoder::new(bytes).take(MAX_INFLATED + 1);
    let mut reader = BufReader::new(inflated);
    let mut buf = Vec::new();
    let mut total = 0u64;
    let mut next = |n: u64, buf: &mut Vec<u8>| -> Result<bool, ApiError> {
        buf.clear();
        let got = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', buf)
            .map_err(|e| malformed(n, format_args!("not a gzip pack ({e})")))?;
        total += got as u64;
        if total > MAX_INFLATED {
            return Err(ApiError::new(
                ErrorCode::TooLarge,
                format!("base-layer pack inflates past {} MiB", MAX_INFLATED >> 20),
            ));
        }
        if buf.len() > MAX_LINE {
            return Err(malformed(n, format_args!("longer than {} MiB", MAX_LINE >> 20)));
        }
        Ok(got > 0)
    };
    if !next(1, &mut buf)? {
        return Err(malformed(1, "empty: no header"));
    }
    let header: Header = serde_json::from_slice(&buf).map_err(|e| malformed(1, format_args!("header: {e}")))?;
    if header.format != FORMAT {
        return Err(malformed(1, format_args!("format `{}`; this device reads `{FORMAT}`", header.format)));
    }
    let mut n = 1u64;
    let mut count = 0u64;
    loop {
        n += 1;
        if !next(n, &mut buf)? {
            return Err(malformed(n, format_args!("cut short after {count} features: no end line")));
        }
        if buf.starts_with(b"{\"end\"") {
            let end: End = serde_json::from_slice(&buf).map_err(|e| malformed(n, e))?;
            if end.end != count {
                return Err(malformed(n, format_args!("says {} features; the pack holds {count}", end.end)));
            }
            if next(n + 1, &mut buf)? {
                return Err(malformed(n + 1, "more after the end line"));
            }
            return Ok((header, count));
        }
        if count >= MAX_FEATURES {
            return Err(malformed(n, format_args!("more than {MAX_FEATURES} features")));
        }
        let l: Line = serde_json::from_slice(&buf).map_err(|e| malformed(n, e))?;
        let line = points(&l.d).map_err(|e| malformed(n, e))?;
        let f = BaseFeature {
            layer: l.layer,
            source: l.source,
            name: l.name,
            number: l.number,
            flats: l.flats,
            line,
            rules: l.rules,
        };
        sink.put(f).map_err(|e| malformed(n, e))?;
        count += 1;
    }
}

#[cfg(test)]
mod tests {
    use ridermap_core::route::{Oneway, Ride, WayClass};

    use super::*;

    fn features() -> Vec<BaseFeature> {
        vec![
            BaseFeature {
                layer: Layer::Way,
                source: "osm:way/1".into(),
                name: Some("政立路".into()),
                number: None,
                flats: None,
                line: vec![[121.5382001, 31.3376002], [121.5390, 31.3380], [121.5391, 31.3369]],
                rules: Some(WayRules {
                    class: WayClass::Street,
                    foot: true,
                    ebike: Ride::Ride,
                    oneway: Oneway::No,
                    lit: Some(true),
                    elevated: false,
                }),
            },
            BaseFeature {
                layer: Layer::Door,
                source: "osm:node/2".into(),
                name: None,
                number: Some("3".into()),
                flats: Some("301-312".into()),
                line: vec![[-0.1, -89.9999999]],
                rules: None,
            },
        ]
    }

    #[test]
    fn a_pack_round_trips_at_osm_precision() {
        let fs = features();
        let pack = encode("yinhang", "demo.osm", fs.iter());
        let mut back: Vec<BaseFeature> = vec![];
        let (h, n) = decode(&pack, &mut back).unwrap();
        assert_eq!((h.region.as_str(), h.source.as_str(), n), ("yinhang", "demo.osm", 2));
        assert_eq!(back.len(), 2);
        for (a, b) in fs.iter().zip(&back) {
            assert_eq!(
                (a.layer, &a.source, &a.name, &a.number, &a.flats, a.rules),
                (b.layer, &b.source, &b.name, &b.number, &b.flats, b.rules)
            );
            for (p, q) in a.line.iter().zip(&b.line) {
                assert!((p[0] - q[0]).abs() < 1e-9 && (p[1] - q[1]).abs() < 1e-9, "{p:?} {q:?}");
            }
        }
        // The same layer is the same bytes: the same content address.
        assert_eq!(pack, encode("yinhang", "demo.osm", fs.iter()));
    }

    fn gz(text: &str) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_bad_pack_is_refused_naming_the_line() {
        let head = format!(r#"{{"format":"{FORMAT}","region":"g","source":"f"}}"#);
        let way = r#"{"layer":"way","source":"osm:way/1","d":[1215382000,313376000,10,-10]}"#;
        let check = |pack: Vec<u8>, expected: &str| {
            let mut sink: Vec<BaseFeature> = vec![];
            let e = decode(&pack, &mut sink).expect_err(expected);
            assert!(e.message.contains(expected), "{} lacks {expected}", e.message);
        };
        check(b"not gzip".to_vec(), "line 1: not a gzip pack");
        check(gz(""), "line 1: empty");
        check(gz(r#"{"format":"other/9","region":"g","source":"f"}"#), "format `other/9`");
        check(gz(&format!("{head}\n{way}\n")), "line 3: cut short after 1 features");
        check(gz(&format!("{head}\n{way}\n{{\"end\":2}}\n")), "line 3: says 2 features; the pack holds 1");
        check(gz(&format!("{head}\n{{\"end\":0}}\n{way}\n")), "line 3: more after the end line");
        check(
            gz(&format!("{head}\n{{\"layer\":\"way\",\"source\":\"s\",\"d\":[1,2,3]}}\n")),
            "line 2: `d` has 3 numbers",
        );
        check(
            gz(&format!("{head}\n{{\"layer\":\"way\",\"source\":\"s\",\"d\":[1900000000,0]}}\n")),
            "line 2: `d` point 0",
        );
        check(
            gz(&format!("{head}\n{{\"layer\":\"way\",\"source\":\"s\",\"d\":[1000,0,{},0]}}\n", i64::MAX)),
            "overflows",
        );
        check(
            gz(&format!("{head}\n{{\"layer\":\"moat\",\"source\":\"s\",\"d\":[0,0]}}\n")),
            "line 2: unknown variant `moat`",
        );
        // Cut mid-stream: the gzip ends early.
        let whole = encode("g", "f", features().iter());
        check(whole[..whole.len() - 12].to_vec(), "base-layer pack");
        // A well-formed empty pack reads.
        let mut sink: Vec<BaseFeature> = vec![];
        assert_eq!(decode(&gz(&format!("{head}\n{{\"end\":0}}\n")), &mut sink).unwrap().1, 0);
    }
}
