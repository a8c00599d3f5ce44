//! Append-only records: riders' status reports (with their review), volunteers' visits, notes.

use chrono::{DateTime, Utc};
use ridermap_core::{Id, Note, PlaceKind, Review, StatusReport, Visit};
use ridermap_sync::{Entity, Op};
use rusqlite::{OptionalExtension, params};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Actor, Error, Result, Store, ms};

fn to_map<T: serde::Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("records serialize to JSON objects"),
    }
}

fn parse<T: DeserializeOwned>(what: &str, doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::Corrupt(format!("{what} record: {e}")))
}

fn invalid(what: String, invalid: ridermap_core::Invalid) -> Error {
    Error::Invalid { what, invalid }
}

impl Store {
    fn docs<T: DeserializeOwned>(&self, what: &str, sql: &str, args: impl rusqlite::Params) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let docs: Vec<String> = stmt.query_map(args, |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        docs.iter().map(|d| parse(what, d)).collect()
    }

    /// Save a rider's report. Its grid defaults to the target's, so it lands in that review queue.
    pub fn add_report(&mut self, report: &StatusReport, actor: &Actor) -> Result<StatusReport> {
        let mut r = report.clone();
        r.validate().map_err(|i| invalid(format!("{} report", r.outcome.as_str()), i))?;
        if let Some(t) = r.target {
            let target = self.place(t)?.ok_or_else(|| Error::NotFound(format!("no place with id {t} to report on")))?;
            if r.grid.is_none() {
                r.grid = target.grid.clone();
            }
            if r.distance_m.is_none() {
                let d = target.point().distance_m(&ridermap_core::LatLon::new(r.lat, r.lon));
                r.distance_m = Some(d.round());
            }
        }
        self.write(actor, |w| {
            w.tx.prepare_cached(
                "INSERT INTO reports(id, target, outcome, observed_ms, grid, review, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                r.id.to_string(),
                r.target.map(|t| t.to_string()),
                r.outcome.as_str(),
                ms(r.observed_at),
                r.grid,
                review_str(r.review),
                serde_json::to_string(&r).expect("serializable"),
            ])?;
            w.log(Entity::Report, r.id, Op::Put, to_map(&r))
        })?;
        Ok(r)
    }

    pub fn report(&self, id: Id) -> Result<Option<StatusReport>> {
        Ok(self.docs("report", "SELECT doc FROM reports WHERE id = ?1", [id.to_string()])?.pop())
    }

    /// Accept or reject a report; a rejection needs a reason, which goes back to the reporter.
    pub fn resolve_report(
        &mut self,
        id: Id,
        accept: bool,
        reason: Option<&str>,
        actor: &Actor,
    ) -> Result<StatusReport> {
        let mut r = self.report(id)?.ok_or_else(|| Error::NotFound(format!("no report with id {id}")))?;
        let reason = reason.map(str::trim).filter(|s| !s.is_empty());
        if !accept && reason.is_none() {
            return Err(invalid(
                "rejection".into(),
                ridermap_core::Invalid {
                    problems: vec![ridermap_core::Problem::new(
                        "reason",
                        "a rejection needs a reason for the reporter",
                    )],
                },
            ));
        }
        r.review = if accept { Review::Accepted } else { Review::Rejected };
        r.resolution = reason.map(str::to_string);
        r.resolved_at = Some(Utc::now());
        r.resolved_by = actor.name.clone();
        self.write(actor, |w| {
            w.tx.prepare_cached("UPDATE reports SET review = ?2, doc = ?3 WHERE id = ?1")?.execute(params![
                id.to_string(),
                review_str(r.review),
                serde_json::to_string(&r).expect("serializable")
            ])?;
            let mut fields = Map::new();
            for k in ["review", "resolution", "resolved_at", "resolved_by"] {
                fields.insert(k.into(), to_map(&r)[k].clone());
            }
            w.log(Entity::Report, id, Op::Resolve, fields)
        })?;
        Ok(r)
    }

    /// Reports on `target` observed at or after `since`, newest first.
    pub fn reports_for(&self, target: Id, since: DateTime<Utc>) -> Result<Vec<StatusReport>> {
        self.docs(
            "report",
            "SELECT doc FROM reports WHERE target = ?1 AND observed_ms >= ?2 ORDER BY observed_ms DESC",
            params![target.to_string(), ms(since)],
        )
    }

    /// Reports on any of `targets` observed at or after `since`.
    pub fn reports_for_all(&self, targets: &[Id], since: DateTime<Utc>) -> Result<Vec<StatusReport>> {
        let mut out = vec![];
        for t in targets {
            out.extend(self.reports_for(*t, since)?);
        }
        Ok(out)
    }

    /// Reports observed in `[from, to)`, oldest first; only `grid`'s when given.
    pub fn reports_between(
        &self,
        grid: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StatusReport>> {
        self.docs(
            "report",
            "SELECT doc FROM reports WHERE observed_ms >= ?2 AND observed_ms < ?3 AND (?1 IS NULL OR grid = ?1)
             ORDER BY observed_ms",
            params![grid, ms(from), ms(to)],
        )
    }

    /// Reports waiting for review, oldest first; only `grid`'s when given. Ratings are opinions,
    /// not facts to check: they wait for no one.
    pub fn review_queue(&self, grid: Option<&str>) -> Result<Vec<StatusReport>> {
        self.docs(
            "report",
            "SELECT doc FROM reports WHERE review = 'pending' AND outcome != 'rated' AND (?1 IS NULL OR grid = ?1)
             ORDER BY observed_ms",
            [grid],
        )
    }

    /// Ratings of `compounds` observed at or after `since`.
    pub fn ratings_of(&self, compounds: &[Id], since: DateTime<Utc>) -> Result<Vec<StatusReport>> {
        let mut out = vec![];
        for c in compounds {
            out.extend(self.docs(
                "report",
                "SELECT doc FROM reports WHERE target = ?1 AND observed_ms >= ?2 AND outcome = 'rated'",
                params![c.to_string(), ms(since)],
            )?);
        }
        Ok(out)
    }

    /// Log a volunteer's visit at a rest stop.
    pub fn add_visit(&mut self, v: &Visit, actor: &Actor) -> Result<()> {
        v.validate().map_err(|i| invalid("visit".into(), i))?;
        let station =
            self.place(v.station)?.ok_or_else(|| Error::NotFound(format!("no rest stop with id {}", v.station)))?;
        if station.kind() != PlaceKind::RestStop {
            return Err(Error::NotFound(format!("`{}` is a {}, not a rest stop", station.name, station.kind())));
        }
        self.write(actor, |w| {
            w.tx.prepare_cached("INSERT INTO visits(id, station, at_ms, doc) VALUES (?1, ?2, ?3, ?4)")?.execute(
                params![
                    v.id.to_string(),
                    v.station.to_string(),
                    ms(v.at),
                    serde_json::to_string(v).expect("serializable")
                ],
            )?;
            w.log(Entity::Visit, v.id, Op::Put, to_map(v))
        })
    }

    /// Visits at `station` in `[from, to)`, oldest first.
    pub fn visits(&self, station: Id, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Visit>> {
        self.docs(
            "visit",
            "SELECT doc FROM visits WHERE station = ?1 AND at_ms >= ?2 AND at_ms < ?3 ORDER BY at_ms",
            params![station.to_string(), ms(from), ms(to)],
        )
    }

    pub fn add_note(&mut self, n: &Note, actor: &Actor) -> Result<()> {
        n.validate().map_err(|i| invalid("note".into(), i))?;
        if self.place(n.target)?.is_none() {
            return Err(Error::NotFound(format!("no place with id {} to note on", n.target)));
        }
        self.write(actor, |w| {
            w.tx.prepare_cached("INSERT INTO notes(id, target, created_ms, doc) VALUES (?1, ?2, ?3, ?4)")?.execute(
                params![
                    n.id.to_string(),
                    n.target.to_string(),
                    ms(n.created_at),
                    serde_json::to_string(n).expect("serializable")
                ],
            )?;
            w.log(Entity::Note, n.id, Op::Put, to_map(n))
        })
    }

    pub fn notes_for(&self, target: Id) -> Result<Vec<Note>> {
        self.docs("note", "SELECT doc FROM notes WHERE target = ?1 ORDER BY created_ms DESC", [target.to_string()])
    }

    /// Whether a record with this id exists in any table (ids are unique across kinds).
    pub fn exists(&self, id: Id) -> Result<bool> {
        let id = id.to_string();
        for table in ["places", "grids", "reports", "visits", "notes"] {
            let hit: Option<i64> =
                self.conn.query_row(&format!("SELECT 1 FROM {table} WHERE id = ?1"), [&id], |r| r.get(0)).optional()?;
            if hit.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn review_str(r: Review) -> &'static str {
    match r {
        Review::Pending => "pending",
        Review::Accepted => "accepted",
        Review::Rejected => "rejected",
    }
}
