//! Writing and reading places and grids. A place's full record is kept as JSON in `doc`; the columns
//! beside it exist only to index it.

use ridermap_core::{Grid, Id, Place, PlaceKind, patch};
use ridermap_sync::{Entity, Op};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Actor, Error, Result, Store, Writer, changes::diff, ms};

/// What a put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Written {
    Inserted,
    Updated,
    Unchanged,
}

pub(crate) fn kind_code(k: PlaceKind) -> i64 {
    match k {
        PlaceKind::Compound => 0,
        PlaceKind::Entrance => 1,
        PlaceKind::Charger => 2,
        PlaceKind::RestStop => 3,
        PlaceKind::Path => 4,
    }
}

fn to_map<T: Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("records serialize to JSON objects"),
    }
}

pub(crate) fn parse_place(doc: &str) -> Result<Place> {
    crate::stored::from_doc(doc)
}

fn invalid(what: &str, field: &str, reason: String) -> Error {
    Error::Invalid {
        what: what.to_string(),
        invalid: ridermap_core::Invalid { problems: vec![ridermap_core::Problem::new(field, reason)] },
    }
}

/// The stored doc and rid of place `id`.
pub(crate) fn stored(conn: &Connection, id: Id) -> Result<Option<(i64, String)>> {
    Ok(conn
        .prepare_cached("SELECT rid, doc FROM places WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

impl Writer<'_> {
    /// Check the references a place makes: its grid exists, its compound is a compound.
    fn check_refs(&self, p: &Place) -> Result<()> {
        let what = format!("{} `{}`", p.kind(), p.name);
        if let Some(g) = &p.grid {
            let found: Option<i64> = self
                .tx
                .prepare_cached("SELECT 1 FROM grids WHERE code = ?1")?
                .query_row([g], |r| r.get(0))
                .optional()?;
            if found.is_none() {
                return Err(invalid(&what, "grid", format!("no grid with code `{g}`")));
            }
        }
        if let Some(c) = p.compound {
            let kind: Option<String> = self
                .tx
                .prepare_cached("SELECT kind FROM places WHERE id = ?1")?
                .query_row([c.to_string()], |r| r.get(0))
                .optional()?;
            match kind.as_deref() {
                Some("compound") => {}
                Some(k) => {
                    return Err(invalid(&what, "compound", format!("{c} is a {k}, not a compound")));
                }
                None => {
                    return Err(invalid(&what, "compound", format!("no compound with id {c}")));
                }
            }
            if p.kind() == PlaceKind::Compound {
                return Err(invalid(&what, "compound", "a compound cannot belong to a compound".into()));
            }
        }
        Ok(())
    }

    /// Insert or replace place `p` (already validated) and log the changed fields.
    pub(crate) fn put_place(&mut self, p: &Place) -> Result<Written> {
        self.check_refs(p)?;
        let (written, old) = self.write_place_row(p)?;
        match (written, old) {
            (Written::Unchanged, _) => {}
            // A new place: every field it sets is a change; unset fields are implied by the kind.
            (_, None) => {
                let mut fields = to_map(p);
                fields.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
                self.log(Entity::Place, p.id, Op::Put, fields)?
            }
            (_, Some(d)) => {
                let old_map = to_map(&parse_place(&d)?);
                self.log(Entity::Place, p.id, Op::Put, diff(Some(&old_map), &to_map(p)))?
            }
        }
        Ok(written)
    }

    /// Write the row and its index entries, without logging; returns what it did and the old doc.
    pub(crate) fn write_place_row(&mut self, p: &Place) -> Result<(Written, Option<String>)> {
        let doc = crate::stored::to_doc(p);
        let old = stored(&self.tx, p.id)?;
        let kind = p.kind();
        let (id, src) = (p.id.to_string(), p.stamp.source.clone());
        let (updated, verified) = (ms(p.stamp.updated_at), p.stamp.verified_at.map(ms));
        let written = match &old {
            Some((_, old_doc)) if *old_doc == doc => return Ok((Written::Unchanged, None)),
            Some((rid, _)) => {
                self.tx
                    .prepare_cached(
                        "UPDATE places SET kind=?2, name=?3, lat=?4, lon=?5, grid=?6, compound=?7, source=?8,
                         updated_ms=?9, verified_ms=?10, doc=?11 WHERE rid=?1",
                    )?
                    .execute(params![
                        rid,
                        kind.as_str(),
                        p.name,
                        p.lat,
                        p.lon,
                        p.grid,
                        p.compound.map(|c| c.to_string()),
                        src,
                        updated,
                        verified,
                        doc
                    ])?;
                let [x0, y0, x1, y1] = p.extent();
                self.tx
                    .prepare_cached(
                        "UPDATE places_geo SET min_lat=?2, max_lat=?3, min_lon=?4, max_lon=?5, kind=?6 WHERE rid=?1",
                    )?
                    .execute(params![rid, y0, y1, x0, x1, kind_code(kind)])?;
                self.tx.prepare_cached("DELETE FROM places_text WHERE rowid=?1")?.execute([rid])?;
                self.index_text(*rid, p)?;
                Written::Updated
            }
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO places(id, kind, name, lat, lon, grid, compound, source, updated_ms, verified_ms, doc)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )?
                    .execute(params![
                        id,
                        kind.as_str(),
                        p.name,
                        p.lat,
                        p.lon,
                        p.grid,
                        p.compound.map(|c| c.to_string()),
                        src,
                        updated,
                        verified,
                        doc
                    ])
                    .map_err(|e| match e {
                        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                            invalid(&p.name, "source", format!("another place already has source `{}`", src.clone().unwrap_or_default()))
                        }
                        e => e.into(),
                    })?;
                let rid = self.tx.last_insert_rowid();
                let [x0, y0, x1, y1] = p.extent();
                self.tx
                    .prepare_cached(
                        "INSERT INTO places_geo(rid, min_lat, max_lat, min_lon, max_lon, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![rid, y0, y1, x0, x1, kind_code(kind)])?;
                self.index_text(rid, p)?;
                Written::Inserted
            }
        };
        Ok((written, old.map(|(_, d)| d)))
    }

    fn index_text(&self, rid: i64, p: &Place) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO places_text(rowid, name, aliases, address) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![rid, p.name, p.aliases.join(" / "), p.address.as_deref().unwrap_or("")])?;
        Ok(())
    }

    pub(crate) fn delete_place(&mut self, id: Id) -> Result<()> {
        let Some((rid, doc)) = stored(&self.tx, id)? else {
            return Err(Error::NotFound(format!("no place with id {id}")));
        };
        let p = parse_place(&doc)?;
        if p.kind() == PlaceKind::Compound {
            let members: i64 =
                self.tx.query_row("SELECT count(*) FROM places WHERE compound = ?1", [id.to_string()], |r| r.get(0))?;
            if members > 0 {
                return Err(invalid(
                    &format!("compound `{}`", p.name),
                    "id",
                    format!("{members} places (gates, chargers, rest stops) belong to it: delete or move them first"),
                ));
            }
        }
        self.remove_place_row(rid)?;
        self.log(Entity::Place, id, Op::Delete, Map::new())?;
        Ok(())
    }

    pub(crate) fn remove_place_row(&self, rid: i64) -> Result<()> {
        self.tx.execute("DELETE FROM places WHERE rid = ?1", [rid])?;
        self.tx.execute("DELETE FROM places_geo WHERE rid = ?1", [rid])?;
        self.tx.execute("DELETE FROM places_text WHERE rowid = ?1", [rid])?;
        Ok(())
    }

    pub(crate) fn put_grid(&mut self, g: &Grid) -> Result<Written> {
        g.validate().map_err(|invalid| Error::Invalid { what: format!("grid `{}`", g.code), invalid })?;
        let new = to_map(g);
        let doc = Value::Object(new.clone()).to_string();
        let old: Option<String> = self
            .tx
            .prepare_cached("SELECT doc FROM grids WHERE id = ?1")?
            .query_row([g.id.to_string()], |r| r.get(0))
            .optional()?;
        if old.as_deref() == Some(doc.as_str()) {
            return Ok(Written::Unchanged);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO grids(id, code, name, updated_ms, doc) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET code=excluded.code, name=excluded.name,
                 updated_ms=excluded.updated_ms, doc=excluded.doc",
            )?
            .execute(params![g.id.to_string(), g.code, g.name, ms(g.stamp.updated_at), doc])
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    invalid(&format!("grid `{}`", g.code), "code", "another grid already has this code".into())
                }
                e => e.into(),
            })?;
        let old_map: Option<Map<String, Value>> = old.and_then(|d| serde_json::from_str(&d).ok());
        self.log(Entity::Grid, g.id, Op::Put, diff(old_map.as_ref(), &new))?;
        Ok(if old_map.is_some() { Written::Updated } else { Written::Inserted })
    }
}

impl Store {
    pub fn place(&self, id: Id) -> Result<Option<Place>> {
        stored(&self.conn, id)?.map(|(_, d)| parse_place(&d)).transpose()
    }

    pub fn place_by_source(&self, source: &str) -> Result<Option<Place>> {
        let doc: Option<String> = self
            .conn
            .prepare_cached("SELECT doc FROM places WHERE source = ?1")?
            .query_row([source], |r| r.get(0))
            .optional()?;
        doc.map(|d| parse_place(&d)).transpose()
    }

    /// Create or replace a place as given (validated; its references must exist).
    pub fn put_place(&mut self, p: &Place, actor: &Actor) -> Result<Written> {
        p.validate().map_err(|invalid| Error::Invalid { what: format!("{} `{}`", p.kind(), p.name), invalid })?;
        self.write(actor, |w| w.put_place(p))
    }

    /// Edit fields of place `id` with `field=value` pairs; stamps the edit time and editor.
    pub fn edit_place(&mut self, id: Id, sets: &[(String, String)], actor: &Actor) -> Result<Place> {
        let old = self.place(id)?.ok_or_else(|| Error::NotFound(format!("no place with id {id}")))?;
        let mut p = patch::apply(&old, sets)
            .map_err(|invalid| Error::Invalid { what: format!("{} `{}`", old.kind(), old.name), invalid })?;
        if p != old {
            p.stamp.updated_at = chrono::Utc::now().max(old.stamp.updated_at);
            p.stamp.updated_by = actor.name.clone();
        }
        self.write(actor, |w| w.put_place(&p))?;
        Ok(p)
    }

    /// Mark a place as checked on site now.
    pub fn verify_place(&mut self, id: Id, actor: &Actor) -> Result<Place> {
        let mut p = self.place(id)?.ok_or_else(|| Error::NotFound(format!("no place with id {id}")))?;
        let now = chrono::Utc::now();
        p.stamp.verified_at = Some(now);
        p.stamp.updated_at = now.max(p.stamp.updated_at);
        p.stamp.updated_by = actor.name.clone();
        self.write(actor, |w| w.put_place(&p))?;
        Ok(p)
    }

    pub fn delete_place(&mut self, id: Id, actor: &Actor) -> Result<()> {
        self.write(actor, |w| w.delete_place(id))
    }

    pub fn put_grid(&mut self, g: &Grid, actor: &Actor) -> Result<Written> {
        self.write(actor, |w| w.put_grid(g))
    }

    pub fn grids(&self) -> Result<Vec<Grid>> {
        let mut stmt = self.conn.prepare_cached("SELECT doc FROM grids ORDER BY code")?;
        let docs: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        docs.iter().map(|d| serde_json::from_str(d).map_err(|e| Error::Corrupt(format!("grid record: {e}")))).collect()
    }

    /// Every place of `kind` (all kinds when None), in a stable order (kind, then id).
    pub fn places(&self, kind: Option<PlaceKind>) -> Result<Vec<Place>> {
        let mut out = vec![];
        self.for_each_place(kind, |p| {
            out.push(p);
            Ok(())
        })?;
        Ok(out)
    }

    /// Stream every place of `kind` without holding them all in memory.
    pub fn for_each_place(&self, kind: Option<PlaceKind>, mut f: impl FnMut(Place) -> Result<()>) -> Result<()> {
        let order = "CASE kind WHEN 'compound' THEN 0 WHEN 'entrance' THEN 1 WHEN 'charger' THEN 2 ELSE 3 END, id";
        let mut stmt = match kind {
            Some(_) => self.conn.prepare(&format!("SELECT doc FROM places WHERE kind = ?1 ORDER BY {order}"))?,
            None => self.conn.prepare(&format!("SELECT doc FROM places WHERE ?1 IS NULL ORDER BY {order}"))?,
        };
        let mut rows = stmt.query([kind.map(|k| k.as_str())])?;
        while let Some(row) = rows.next()? {
            f(parse_place(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?)?)?;
        }
        Ok(())
    }
}
