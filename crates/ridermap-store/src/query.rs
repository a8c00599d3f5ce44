//! Read queries: nearest places with filters, text search, compound lookup, best gate, statistics.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use ridermap_core::{
    Amenity, ChargerKind, Detail, EbikeAccess, Id, LatLon, Place, PlaceKind, StatusReport,
    rank::{GateChoice, GateQuery, rank_gates},
    status::{self, Condition},
};
use serde::Serialize;

use crate::{
    Error, Result, Store, ms,
    places::{kind_code, parse_place},
};

/// What to look for around a point.
#[derive(Debug, Clone)]
pub struct NearbyQuery {
    pub point: LatLon,
    pub kind: Option<PlaceKind>,
    pub limit: usize,
    /// Only places open at this instant (hours known and open, not reported closed).
    pub open_at: Option<DateTime<Utc>>,
    /// Only gates that let e-bikes through (allowed or pushed) — and chargers/rest stops are unaffected.
    pub ebike: bool,
    pub charger_kind: Option<ChargerKind>,
    /// Only chargers serving this battery voltage.
    pub volts: Option<u32>,
    /// Only rest stops offering all of these.
    pub amenities: Vec<Amenity>,
    /// Leave out chargers that fresh reports say are broken or empty.
    pub working: bool,
    /// Give up beyond this distance.
    pub max_radius_m: f64,
    /// "Now", for report freshness.
    pub now: DateTime<Utc>,
}

impl NearbyQuery {
    pub fn new(point: LatLon) -> NearbyQuery {
        NearbyQuery {
            point,
            kind: None,
            limit: 10,
            open_at: None,
            ebike: false,
            charger_kind: None,
            volts: None,
            amenities: vec![],
            working: false,
            max_radius_m: 50_000.0,
            now: Utc::now(),
        }
    }
}

/// A place found near a point.
#[derive(Debug, Clone, Serialize)]
pub struct Nearby {
    #[serde(flatten)]
    pub place: Place,
    pub distance_m: f64,
    /// Open at the asked time (or now); None when its hours are unknown.
    pub open: Option<bool>,
    /// What fresh reports say.
    pub condition: Condition,
}

const FIRST_RADIUS_M: f64 = 150.0;

/// How far an R*Tree box centre may lie from the stored point, with margin.
const SLACK_M: f64 = 3.0;

/// A place that passed the filters: its record once read, its condition when a filter needed it.
struct Candidate {
    place: Option<Place>,
    condition: Option<Condition>,
}

/// A compound, its gates, and the reports on them, for ranking.
#[derive(Debug, Clone)]
pub struct GateInputs {
    pub compound: Place,
    pub gates: Vec<Place>,
    pub reports: Vec<StatusReport>,
}

impl Store {
    /// The `limit` nearest places matching `q`, nearest first, with distances in metres.
    ///
    /// Searches growing boxes in the R*Tree: a box of radius r holds every place within r, so once
    /// `limit` matches lie within r, no place outside the box can beat them. Distances use the
    /// stored doubles, not the R*Tree's 32-bit floats, so ties order exactly. Records are read only
    /// when a filter needs them, and reports only for the places returned (or when a filter needs
    /// them), each place at most once however often the box grows.
    pub fn nearby(&self, q: &NearbyQuery) -> Result<Vec<Nearby>> {
        if let Some(p) = q.point.problem() {
            return Err(Error::Invalid {
                what: "position".into(),
                invalid: ridermap_core::Invalid { problems: vec![ridermap_core::Problem::new("lat/lon", p)] },
            });
        }
        let needs_doc = q.open_at.is_some()
            || q.ebike
            || q.charger_kind.is_some()
            || q.volts.is_some()
            || !q.amenities.is_empty()
            || q.working;
        let mut radius = FIRST_RADIUS_M.min(q.max_radius_m);
        // Only the R*Tree's own columns: reading its auxiliary columns costs a lookup per row.
        let mut stmt = self.conn.prepare_cached(
            "SELECT rid, min_lat, max_lat, min_lon, max_lon FROM places_geo
             WHERE max_lat >= ?1 AND min_lat <= ?2 AND max_lon >= ?3 AND min_lon <= ?4
               AND (?5 IS NULL AND kind != 4 OR kind = ?5)",
        )?;
        // rid → None: filtered out; Some: admitted, with its record once read.
        let mut judged: HashMap<i64, Option<Candidate>> = HashMap::new();
        loop {
            let bb = q.point.bbox(radius);
            // Box centres are within a metre of the stored point (32-bit floats rounded outwards).
            let mut cands: Vec<(f64, i64)> = stmt
                .query_map(
                    rusqlite::params![bb.min_lat, bb.max_lat, bb.min_lon, bb.max_lon, q.kind.map(kind_code)],
                    |r| {
                        let (a, b, c, d): (f64, f64, f64, f64) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                        Ok((r.get::<_, i64>(0)?, (a + b) / 2.0, (c + d) / 2.0))
                    },
                )?
                .filter_map(|row| row.ok())
                .map(|(rid, lat, lon)| (q.point.distance_m(&LatLon::new(lat, lon)), rid))
                .filter(|(d, _)| *d <= radius + SLACK_M)
                .collect();
            cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // Admit in approximate order, plus every candidate that could still beat the last one
            // once exact distances are known.
            let mut chosen: Vec<i64> = vec![];
            let mut cutoff = f64::INFINITY;
            for (d, rid) in cands {
                if d > cutoff {
                    break;
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = judged.entry(rid) {
                    slot.insert(if needs_doc {
                        self.admit(self.place_at(rid)?, q)?
                    } else {
                        Some(Candidate { place: None, condition: None })
                    });
                }
                if judged[&rid].is_some() {
                    chosen.push(rid);
                    if chosen.len() == q.limit {
                        cutoff = d + 2.0 * SLACK_M;
                    }
                }
            }
            let mut exact: Vec<(f64, i64)> = Vec::with_capacity(chosen.len());
            for rid in chosen {
                let c = judged.get_mut(&rid).and_then(Option::as_mut).expect("admitted");
                if c.place.is_none() {
                    c.place = Some(self.place_at(rid)?);
                }
                let p = c.place.as_ref().expect("read");
                exact.push((q.point.distance_m(&p.point()), rid));
            }
            exact.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            exact.truncate(q.limit);
            let complete = exact.len() == q.limit && exact.last().is_some_and(|(d, _)| *d <= radius);
            if complete || radius >= q.max_radius_m {
                let mut out = Vec::with_capacity(exact.len());
                for (d, rid) in exact {
                    let c = judged.remove(&rid).flatten().expect("admitted");
                    out.push(self.finish(c, (d * 10.0).round() / 10.0, q)?);
                }
                return Ok(out);
            }
            radius = (radius * 4.0).min(q.max_radius_m);
        }
    }

    fn place_at(&self, rid: i64) -> Result<Place> {
        let doc: String =
            self.conn.prepare_cached("SELECT doc FROM places WHERE rid = ?1")?.query_row([rid], |r| r.get(0))?;
        parse_place(&doc)
    }

    /// Places inside the box (min_lon, min_lat, max_lon, max_lat), at most `limit`, for a map.
    /// Compounds are found by their extent (outline), so one reaching into the box is drawn.
    pub fn in_box(&self, bbox: [f64; 4], limit: usize) -> Result<Vec<Place>> {
        let [x0, y0, x1, y1] = bbox;
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.doc FROM places_geo g JOIN places p ON p.rid = g.rid
             WHERE g.max_lat >= ?2 AND g.min_lat <= ?4 AND g.max_lon >= ?1 AND g.min_lon <= ?3 LIMIT ?5",
        )?;
        let docs: Vec<String> = stmt
            .query_map(rusqlite::params![x0, y0, x1, y1, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        docs.iter().map(|d| parse_place(d)).collect()
    }

    /// What fresh reports say about `place` now.
    pub fn condition(&self, place: &Place, now: DateTime<Utc>) -> Result<Condition> {
        self.condition_of(place, now)
    }

    fn condition_of(&self, place: &Place, now: DateTime<Utc>) -> Result<Condition> {
        if place.kind() == PlaceKind::Compound {
            return Ok(Condition::Ok);
        }
        let reports = self.reports_for(place.id, now - Duration::hours(status::BROKEN_WINDOW_H))?;
        Ok(status::condition(&reports, now).0)
    }

    /// Whether a place passes the query's filters (reading its reports only if a filter needs them).
    fn admit(&self, place: Place, q: &NearbyQuery) -> Result<Option<Candidate>> {
        let kind = place.kind();
        // A filter that only makes sense for one kind leaves the other kinds out.
        let charger_only = q.charger_kind.is_some() || q.volts.is_some() || q.working;
        if charger_only && kind != PlaceKind::Charger
            || !q.amenities.is_empty() && kind != PlaceKind::RestStop
            || q.ebike && kind != PlaceKind::Entrance
        {
            return Ok(None);
        }
        let pass = match &place.detail {
            Detail::Entrance(e) => !q.ebike || matches!(e.ebike, EbikeAccess::Allowed | EbikeAccess::Push),
            Detail::Charger(c) => {
                q.charger_kind.is_none_or(|k| k == c.charger_kind)
                    && q.volts
                        .is_none_or(|v| c.battery_standards.iter().any(|s| ridermap_core::parse_volts(s) == Some(v)))
            }
            Detail::RestStop(r) => q.amenities.iter().all(|a| r.amenities.contains(a)),
            Detail::Compound(_) | Detail::Path(_) => true,
        };
        if !pass {
            return Ok(None);
        }
        if let Some(at) = q.open_at
            && place.hours().and_then(|h| h.open_at(at, place.tz())) != Some(true)
        {
            return Ok(None);
        }
        let mut condition = None;
        if q.working || q.open_at.is_some() {
            let c = self.condition_of(&place, q.now)?;
            if q.working && c != Condition::Ok || q.open_at.is_some() && c == Condition::LikelyClosed {
                return Ok(None);
            }
            condition = Some(c);
        }
        Ok(Some(Candidate { place: Some(place), condition }))
    }

    fn finish(&self, c: Candidate, distance_m: f64, q: &NearbyQuery) -> Result<Nearby> {
        let place = c.place.expect("read before finishing");
        let condition = match c.condition {
            Some(x) => x,
            None => self.condition_of(&place, q.now)?,
        };
        let at = q.open_at.unwrap_or(q.now);
        let mut open = place.hours().and_then(|h| h.open_at(at, place.tz()));
        if condition == Condition::LikelyClosed {
            open = Some(false);
        }
        Ok(Nearby { place, distance_m, open, condition })
    }

    /// Places whose name, aliases or address contain `text`, best matches first.
    pub fn search(&self, text: &str, kind: Option<PlaceKind>, limit: usize) -> Result<Vec<Place>> {
        let terms: Vec<&str> = text.split_whitespace().collect();
        if terms.is_empty() {
            return Ok(vec![]);
        }
        // Trigram indexes need 3+ characters; shorter terms (common in Chinese: 开鲁, 民星) are
        // matched with LIKE on the rows the long terms leave, or on all rows when there are none.
        let (long, short): (Vec<&str>, Vec<&str>) = terms.iter().partition(|t| t.chars().count() >= 3);
        let mut sql = String::from(
            "SELECT p.doc FROM places_text t JOIN places p ON p.rid = t.rowid WHERE (?1 IS NULL OR p.kind = ?1)",
        );
        let mut args: Vec<String> = vec![];
        if !long.is_empty() {
            let expr: Vec<String> = long.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
            args.push(expr.join(" AND "));
            sql += &format!(" AND places_text MATCH ?{}", args.len() + 1);
        }
        for t in &short {
            args.push(format!("%{}%", t.replace(['%', '_'], "")));
            let n = args.len() + 1;
            sql += &format!(" AND (t.name LIKE ?{n} OR t.aliases LIKE ?{n} OR t.address LIKE ?{n})");
        }
        args.push(text.trim().to_string());
        let whole = args.len() + 1;
        sql += &format!(
            " ORDER BY (p.name = ?{whole}) DESC, (instr(p.name, ?{whole}) > 0) DESC, (p.kind = 'compound') DESC,
              length(p.name), p.name LIMIT {limit}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![];
        let kind_str = kind.map(|k| k.as_str());
        params.push(&kind_str);
        for a in &args {
            params.push(a);
        }
        let docs: Vec<String> = stmt.query_map(params.as_slice(), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        docs.iter().map(|d| parse_place(d)).collect()
    }

    /// A compound by id, exact name, exact alias, or a search that finds exactly one.
    pub fn find_compound(&self, name_or_id: &str) -> Result<Place> {
        let key = name_or_id.trim();
        if let Ok(id) = key.parse::<Id>() {
            return match self.place(id)? {
                Some(p) if p.kind() == PlaceKind::Compound => Ok(p),
                Some(p) => Err(Error::NotFound(format!("`{}` is a {}, not a compound", p.name, p.kind()))),
                None => Err(Error::NotFound(format!("no compound with id {id}"))),
            };
        }
        let found = self.search(key, Some(PlaceKind::Compound), 50)?;
        let exact: Vec<&Place> = found.iter().filter(|p| p.name == key || p.aliases.iter().any(|a| a == key)).collect();
        match (exact.as_slice(), found.as_slice()) {
            ([one], _) => Ok((*one).clone()),
            ([], [one]) => Ok(one.clone()),
            ([], []) => Err(Error::NotFound(format!("no compound named `{key}`"))),
            (_, many) => Err(Error::Ambiguous(format!(
                "`{key}` matches {} compounds: {}; give the full name or the id",
                many.len(),
                many.iter().take(8).map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Places that belong to compound `id` (gates, chargers and rest stops inside it).
    pub fn compound_members(&self, id: Id, kind: Option<PlaceKind>) -> Result<Vec<Place>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT doc FROM places WHERE compound = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY name")?;
        let docs: Vec<String> = stmt
            .query_map(rusqlite::params![id.to_string(), kind.map(|k| k.as_str())], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        docs.iter().map(|d| parse_place(d)).collect()
    }

    /// What ranking a compound's gates at `at` needs: the compound, its gates, and the reports
    /// on them that still count (closures for hours, waits for two weeks).
    pub fn gate_inputs(&self, compound: &str, at: DateTime<Utc>) -> Result<GateInputs> {
        let compound = self.find_compound(compound)?;
        let gates = self.compound_members(compound.id, Some(PlaceKind::Entrance))?;
        let ids: Vec<Id> = gates.iter().map(|g| g.id).collect();
        let window = status::MAX_AGE_H.max(status::WAIT_WINDOW_H);
        let reports = self.reports_for_all(&ids, at - Duration::hours(window))?;
        Ok(GateInputs { compound, gates, reports })
    }

    /// The compound's gates ranked for `q` by straight-line distances (see `ridermap_core::rank`;
    /// the service ranks by routes).
    pub fn best_gate(&self, compound: &str, q: &GateQuery) -> Result<(Place, Vec<GateChoice>)> {
        let GateInputs { compound, gates, reports } = self.gate_inputs(compound, q.at)?;
        let ranked = rank_gates(&compound, &gates, &reports, q, None)?;
        Ok((compound, ranked))
    }

    /// Counts for a grid (or everything).
    pub fn stats(&self, grid: Option<&str>, now: DateTime<Utc>) -> Result<Stats> {
        let count = |sql: &str, extra: i64| -> Result<i64> {
            Ok(self.conn.query_row(sql, rusqlite::params![grid, extra], |r| r.get(0))?)
        };
        let mut places = vec![];
        for k in PlaceKind::ALL {
            let n: i64 = self.conn.query_row(
                "SELECT count(*) FROM places WHERE kind = ?1 AND (?2 IS NULL OR grid = ?2)",
                rusqlite::params![k.as_str(), grid],
                |r| r.get(0),
            )?;
            places.push((k, n));
        }
        let stale_before = ms(now - Duration::days(STALE_DAYS));
        let stale = count(
            "SELECT count(*) FROM places WHERE (?1 IS NULL OR grid = ?1) AND (verified_ms IS NULL OR verified_ms < ?2)",
            stale_before,
        )?;
        let pending = count(
            "SELECT count(*) FROM reports WHERE review = 'pending' AND outcome != 'rated' AND (?1 IS NULL OR grid = ?1)
             AND ?2 = ?2",
            0,
        )?;
        let week_ago = ms(now - Duration::days(7));
        let visits = count(
            "SELECT count(*) FROM visits v JOIN places p ON p.id = v.station WHERE (?1 IS NULL OR p.grid = ?1) AND v.at_ms >= ?2",
            week_ago,
        )?;
        let headcount = count(
            "SELECT coalesce(sum(json_extract(v.doc, '$.headcount')), 0) FROM visits v JOIN places p ON p.id = v.station
             WHERE (?1 IS NULL OR p.grid = ?1) AND v.at_ms >= ?2",
            week_ago,
        )?;
        let unsynced: i64 = self.conn.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?;
        Ok(Stats {
            grid: grid.map(str::to_string),
            places: places.into_iter().map(|(k, n)| (k.as_str().to_string(), n)).collect(),
            stale,
            pending_reports: pending,
            visits_7d: visits,
            headcount_7d: headcount,
            changes_logged: unsynced,
        })
    }
}

/// Places not verified on site for this long count as stale.
pub const STALE_DAYS: i64 = 90;

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub grid: Option<String>,
    /// Count per kind, in kind order.
    pub places: Vec<(String, i64)>,
    /// Places not verified on site for 90 days.
    pub stale: i64,
    pub pending_reports: i64,
    pub visits_7d: i64,
    pub headcount_7d: i64,
    pub changes_logged: i64,
}
