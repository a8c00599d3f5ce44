//! The base layer on the device: OpenStreetMap's streets, lanes, footprints, doors, walls, water
//! and green, kept beside the places (not synced as records: a layer is replaced whole when its
//! source is imported again). Each feature is a row with its geometry three times — as read, and
//! simplified for the middle and low zoom bands (Ramer–Douglas–Peucker, the `geo` crate's) — and
//! the cells of a fixed grid its box reaches into (`base_cells`). Geometries are stored as zigzag varint deltas of 1e-7 degrees (OSM's
//! own precision): about 3 bytes a vertex instead of 16.

use geo::{LineString, Simplify};
use ridermap_core::{
    base::{BaseFeature, BaseSink, Layer, WayRules},
    route::{Oneway, Ride, WayClass},
};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Result, Store};

/// Zoom bands the map asks for: each keeps what is legible at its scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Zoom 17 and closer: everything, as read.
    Full,
    /// Zoom 15–16: simplified to about 1.5 m.
    Mid,
    /// Zoom 14 and out: streets, water and green, simplified to about 6 m.
    Low,
}

const MID_TOLERANCE_DEG: f64 = 1.5 / 111_000.0;

/// The grid of `base_cells`: cells this many degrees on a side.
const CELL_DEG: f64 = 0.005;
const CELLS_PER_ROW: i64 = 72_000; // 360 / CELL_DEG
/// Features reaching into more cells than this go into `WIDE` instead (always read).
const MAX_CELLS: i64 = 1024;
const WIDE: i64 = -1;

/// The cell (column, row) of a point.
fn cell_of(lon: f64, lat: f64) -> (i64, i64) {
    (((lon + 180.0) / CELL_DEG).floor() as i64, ((lat + 90.0) / CELL_DEG).floor() as i64)
}

fn cell_key(col: i64, row: i64) -> i64 {
    row * CELLS_PER_ROW + col
}
const LOW_TOLERANCE_DEG: f64 = 6.0 / 111_000.0;

/// What an import of a base layer wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BaseReport {
    /// The source it replaced (the file's name).
    pub source: String,
    pub features: usize,
    /// Bytes of geometry stored, all bands.
    pub geometry_bytes: usize,
    /// Features the source had before this import (replaced).
    pub replaced: usize,
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `[lon, lat]` points as zigzag varint deltas of 1e-7 degrees.
pub(crate) fn encode(line: &[[f64; 2]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() * 4);
    let (mut px, mut py) = (0i64, 0i64);
    for p in line {
        let (x, y) = ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64);
        put_varint(&mut out, zigzag(x - px));
        put_varint(&mut out, zigzag(y - py));
        (px, py) = (x, y);
    }
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<[f64; 2]>> {
    let mut out = vec![];
    let (mut x, mut y) = (0i64, 0i64);
    let mut it = bytes.iter();
    let mut next = || -> Option<Option<i64>> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let Some(&b) = it.next() else {
                return if shift == 0 { Some(None) } else { None };
            };
            if shift > 63 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(Some(unzigzag(v)));
            }
            shift += 7;
        }
    };
    loop {
        let Some(dx) = next()? else { return Some(out) };
        let dy = next()??;
        x += dx;
        y += dy;
        out.push([x as f64 / 1e7, y as f64 / 1e7]);
    }
}

fn simplified(line: &[[f64; 2]], tolerance: f64) -> Vec<[f64; 2]> {
    if line.len() <= 2 {
        return line.to_vec();
    }
    let ls = LineString::from(line.to_vec());
    ls.simplify(tolerance).0.into_iter().map(|c| [c.x, c.y]).collect()
}

/// Whether a feature is drawn in `band` at all.
fn drawn_in(f: &BaseFeature, band: Band) -> bool {
    match band {
        Band::Full => true,
        Band::Mid => !matches!(f.layer, Layer::Door | Layer::Gate),
        Band::Low => match f.layer {
            Layer::Water | Layer::Green | Layer::Compound => true,
            Layer::Way => f.rules.is_some_and(|r| r.class == WayClass::Street),
            Layer::Building | Layer::Door | Layer::Barrier | Layer::Gate => false,
        },
    }
}

fn code<T: PartialEq + Copy>(all: &[T], v: T) -> i64 {
    all.iter().position(|x| *x == v).expect("listed") as i64
}

const CLASSES: [WayClass; 6] =
    [WayClass::Street, WayClass::Service, WayClass::Lane, WayClass::Footway, WayClass::Cycleway, WayClass::Steps];
const RIDES: [Ride; 3] = [Ride::Ride, Ride::Push, Ride::No];
const ONEWAYS: [Oneway; 3] = [Oneway::No, Oneway::Forward, Oneway::Backward];

/// Writes features into the base layer inside an import's transaction.
pub(crate) struct BaseWriter<'t, 'c> {
    tx: &'t Transaction<'c>,
    source: String,
    /// The run of ids this import wrote.
    first_id: Option<i64>,
    last_id: i64,
    pub report: BaseReport,
}

impl<'t, 'c> BaseWriter<'t, 'c> {
    /// Start replacing the base layer of `source`: what it held before goes.
    pub fn replacing(tx: &'t Transaction<'c>, source: &str) -> Result<BaseWriter<'t, 'c>> {
        let run: Option<(i64, i64)> = tx
            .query_row("SELECT first_id, last_id FROM base_sources WHERE name = ?1", [source], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let mut replaced = 0;
        if let Some((first, last)) = run {
            tx.execute("DELETE FROM base_cells WHERE id BETWEEN ?1 AND ?2", [first, last])?;
            replaced = tx.execute("DELETE FROM base_ways WHERE id BETWEEN ?1 AND ?2", [first, last])?;
            tx.execute("DELETE FROM base_sources WHERE name = ?1", [source])?;
        }
        Ok(BaseWriter {
            tx,
            source: source.to_string(),
            first_id: None,
            last_id: 0,
            report: BaseReport { source: source.into(), replaced, ..BaseReport::default() },
        })
    }

    pub fn write(&mut self, f: &BaseFeature) -> Result<()> {
        if f.line.is_empty() {
            return Ok(());
        }
        let full = encode(&f.line);
        // Not drawn in the band: NULL; drawn as read: empty (the full geometry stands for it).
        let band = |b: Band, tol: f64| {
            drawn_in(f, b).then(|| {
                let s = simplified(&f.line, tol);
                if s.len() == f.line.len() { vec![] } else { encode(&s) }
            })
        };
        let (mid, low) = (band(Band::Mid, MID_TOLERANCE_DEG), band(Band::Low, LOW_TOLERANCE_DEG));
        self.report.geometry_bytes += full.len() + mid.as_ref().map_or(0, Vec::len) + low.as_ref().map_or(0, Vec::len);
        let r = f.rules;
        self.tx
            .prepare_cached(
                "INSERT INTO base_ways(osm, layer, name, number, flats, class, foot, ebike, oneway, lit, elevated,
                                       geom, geom_mid, geom_low)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                f.source,
                f.layer.code(),
                f.name,
                f.number,
                f.flats,
                r.map(|r| code(&CLASSES, r.class)),
                r.map(|r| r.foot),
                r.map(|r| code(&RIDES, r.ebike)),
                r.map(|r| code(&ONEWAYS, r.oneway)),
                r.and_then(|r| r.lit),
                r.map(|r| r.elevated),
                full,
                mid,
                low
            ])?;
        let id = self.tx.last_insert_rowid();
        self.first_id.get_or_insert(id);
        self.last_id = id;
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in &f.line {
            (x0, y0, x1, y1) = (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1]));
        }
        let ((c0, r0), (c1, r1)) = (cell_of(x0, y0), cell_of(x1, y1));
        let mut insert = self.tx.prepare_cached("INSERT OR IGNORE INTO base_cells(cell, id) VALUES (?1, ?2)")?;
        if (c1 - c0 + 1) * (r1 - r0 + 1) > MAX_CELLS {
            insert.execute(params![WIDE, id])?;
        } else {
            for row in r0..=r1 {
                for col in c0..=c1 {
                    insert.execute(params![cell_key(col, row), id])?;
                }
            }
        }
        self.report.features += 1;
        Ok(())
    }

    pub fn finish(self) -> Result<BaseReport> {
        if let Some(first) = self.first_id {
            self.tx.execute(
                "INSERT INTO base_sources(name, imported_ms, features, bytes, first_id, last_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    self.source,
                    chrono::Utc::now().timestamp_millis(),
                    self.report.features as i64,
                    self.report.geometry_bytes as i64,
                    first,
                    self.last_id
                ],
            )?;
        }
        Ok(self.report)
    }
}

impl BaseSink for BaseWriter<'_, '_> {
    fn put(&mut self, feature: BaseFeature) -> std::result::Result<(), String> {
        self.write(&feature).map_err(|e| e.to_string())
    }
}

/// A source of the base layer on this device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseSource {
    pub name: String,
    pub imported_at: chrono::DateTime<chrono::Utc>,
    pub features: i64,
    pub bytes: i64,
}

impl Store {
    /// Base-layer features of `layers` that reach into the grid cells `bbox` (min_lon, min_lat,
    /// max_lon, max_lat) meets — everything in the box and a little around it — with the
    /// geometry of `band` (features not drawn in it are left out).
    pub fn base_features(&self, bbox: [f64; 4], layers: &[Layer], band: Band) -> Result<Vec<BaseFeature>> {
        let [x0, y0, x1, y1] = bbox;
        let ((c0, r0), (c1, r1)) = (cell_of(x0, y0), cell_of(x1, y1));
        let mut ids: Vec<i64> = vec![];
        {
            let mut cells = self.conn.prepare_cached("SELECT id FROM base_cells WHERE cell BETWEEN ?1 AND ?2")?;
            for row in r0..=r1 {
                let found = cells.query_map([cell_key(c0, row), cell_key(c1, row)], |r| r.get::<_, i64>(0))?;
                ids.extend(found.collect::<rusqlite::Result<Vec<_>>>()?);
            }
            ids.extend(cells.query_map([WIDE, WIDE], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        ids.sort_unstable();
        ids.dedup();
        let column = match band {
            Band::Full => "geom",
            Band::Mid => "geom_mid",
            Band::Low => "geom_low",
        };
        // An empty band's geometry is the full one (nothing to simplify away).
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT w.osm, w.layer, w.name, w.number, w.flats, w.class, w.foot, w.ebike, w.oneway, w.lit,
                    CASE WHEN length(w.{column}) = 0 THEN w.geom ELSE w.{column} END, w.elevated
             FROM base_ways w WHERE w.id = ?1 AND w.{column} IS NOT NULL"
        ))?;
        let wanted: Vec<i64> = layers.iter().map(|l| l.code()).collect();
        let mut out = vec![];
        for id in ids {
            let mut rows = stmt.query([id])?;
            let Some(r) = rows.next()? else { continue };
            let layer: i64 = r.get(1)?;
            if !wanted.contains(&layer) {
                continue;
            }
            let geom: Vec<u8> = r.get(10)?;
            let line = decode(&geom).ok_or_else(|| crate::Error::Corrupt("base-layer geometry".into()))?;
            let class: Option<i64> = r.get(5)?;
            let rules = match class {
                Some(c) => {
                    let pick = |i: Option<i64>| usize::try_from(i.unwrap_or(0)).unwrap_or(0);
                    Some(WayRules {
                        class: CLASSES.get(pick(Some(c))).copied().unwrap_or(WayClass::Street),
                        foot: r.get::<_, Option<bool>>(6)?.unwrap_or(true),
                        ebike: RIDES.get(pick(r.get(7)?)).copied().unwrap_or(Ride::Ride),
                        oneway: ONEWAYS.get(pick(r.get(8)?)).copied().unwrap_or(Oneway::No),
                        lit: r.get(9)?,
                        elevated: r.get::<_, Option<bool>>(11)?.unwrap_or(false),
                    })
                }
                None => None,
            };
            out.push(BaseFeature {
                layer: Layer::from_code(layer).ok_or_else(|| crate::Error::Corrupt(format!("base layer {layer}")))?,
                source: r.get(0)?,
                name: r.get(2)?,
                number: r.get(3)?,
                flats: r.get(4)?,
                line,
                rules,
            });
        }
        Ok(out)
    }

    /// Installs the base-layer pack `digest` of `region` (the features `read` puts into its sink)
    /// as the source `pack:<region>`, replacing the one held: all or nothing.
    pub fn install_base_pack<F>(&mut self, region: &str, digest: &str, read: F) -> Result<BaseReport>
    where
        F: FnOnce(&mut dyn BaseSink) -> std::result::Result<(), String>,
    {
        self.with_big_cache(true, |s| {
            let tx = s.conn.transaction()?;
            let mut writer = BaseWriter::replacing(&tx, &format!("pack:{region}"))?;
            read(&mut writer).map_err(crate::Error::Read)?;
            let report = writer.finish()?;
            tx.execute(
                "INSERT INTO base_packs(region, digest, features, installed_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(region) DO UPDATE SET digest = excluded.digest, features = excluded.features,
                     installed_ms = excluded.installed_ms",
                params![region, digest, report.features as i64, chrono::Utc::now().timestamp_millis()],
            )?;
            tx.commit()?;
            Ok(report)
        })
    }

    /// The digest of the base-layer pack installed for `region`, if any.
    pub fn base_pack_digest(&self, region: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT digest FROM base_packs WHERE region = ?1", [region], |r| r.get(0)).optional()?)
    }

    /// Features in the base layer, every source.
    pub fn base_way_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM base_ways", [], |r| r.get(0))?)
    }

    /// The base-layer sources this device holds.
    pub fn base_sources(&self) -> Result<Vec<BaseSource>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT name, imported_ms, features, bytes FROM base_sources ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(BaseSource {
                name: r.get(0)?,
                imported_at: chrono::DateTime::from_timestamp_millis(r.get(1)?).unwrap_or_default(),
                features: r.get(2)?,
                bytes: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_round_trips_at_osm_precision() {
        let line = [[121.5382001, 31.3376002], [121.5390, 31.3380], [-0.1, -89.9999999], [179.9999999, 90.0]];
        let bytes = encode(&line);
        let back = decode(&bytes).unwrap();
        for (a, b) in line.iter().zip(&back) {
            assert!((a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9, "{a:?} {b:?}");
        }
        // Nearby vertices cost a few bytes each.
        let near: Vec<[f64; 2]> = (0..100).map(|i| [121.5 + f64::from(i) * 1e-5, 31.3 + f64::from(i) * 1e-5]).collect();
        assert!(encode(&near).len() < 100 * 5, "{}", encode(&near).len());
        assert_eq!(decode(&[0x80]), None, "a varint cut short");
        assert_eq!(decode(&[0x02]), None, "a point without its latitude");
        assert_eq!(decode(&[]), Some(vec![]));
    }
}
