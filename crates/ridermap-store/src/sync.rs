//! The device side of sync, on the store: the outbox (local changes the server has not confirmed),
//! confirmations and refusals, and applying changes pulled from the server. A pulled change is merged
//! with everything this store knows about its entity by `ridermap_sync::merge` (per-field last
//! writer wins, tombstones win), so order and repetition do not matter.

use chrono::Utc;
use ridermap_core::{Grid, Hlc, Id, Note, Place, StatusReport, Visit};
use ridermap_sync::{Conflict, Entity, EntityState, WireChange};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Error, Result, Store, Writer, meta_get, meta_set, ms, places::stored};

fn wire(
    id: String,
    entity: String,
    entity_id: String,
    op: String,
    fields: String,
    hlc: String,
    device: String,
) -> Result<WireChange> {
    let bad = |what: &str| Error::Corrupt(format!("change {id}: bad {what}"));
    Ok(WireChange {
        id: id.parse().map_err(|_| bad("id"))?,
        entity: serde_json::from_value(Value::String(entity)).map_err(|_| bad("entity"))?,
        entity_id: entity_id.parse().map_err(|_| bad("entity_id"))?,
        op: serde_json::from_value(Value::String(op)).map_err(|_| bad("op"))?,
        fields: serde_json::from_str(&fields).map_err(|_| bad("fields"))?,
        hlc: hlc.parse().map_err(|_| bad("hlc"))?,
        device,
    })
}

/// What one pull did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PullApplied {
    /// Changes merged in.
    pub applied: usize,
    /// Changes this store already had (its own coming back, or a page seen before).
    pub known: usize,
    /// Local edits that lost to newer ones in this pull.
    pub conflicts: usize,
}

/// A local edit that lost, as kept for grid workers to review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictRecord {
    pub entity: Entity,
    pub entity_id: Id,
    #[serde(flatten)]
    pub conflict: Conflict,
}

/// What the server's answer to one push settles (`ridermap_device::plan::settle` decides it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settlement {
    /// Merged by the server (now or before): these leave the outbox.
    pub acked: Vec<Id>,
    /// Of those, the ones the server kept with an earlier clock (ours ran too far ahead).
    pub restamped: Vec<(Id, Hlc)>,
    /// Of those, the ones whose fields the server set otherwise (who wrote it, review state, a
    /// time ahead of its clock), with the fields it kept.
    pub amended: Vec<(Id, Map<String, Value>)>,
    /// Of those, the ones the server kept under another device name (the account's pseudonym).
    pub renamed: Vec<(Id, String)>,
    /// Not allowed or not valid, with the server's reason.
    pub refused: Vec<(Id, String)>,
}

impl Store {
    /// Local changes the server has not confirmed (and not refused), oldest first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<WireChange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, entity, entity_id, op, fields, hlc, device FROM changes
             WHERE acked = 0 AND refusal IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
        rows.map(|row| {
            let (a, b, c, d, e, f, g) = row?;
            wire(a, b, c, d, e, f, g)
        })
        .collect()
    }

    /// The newest change's sequence number (0 for none).
    pub fn last_change_seq(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?)
    }

    /// Keep the changes after `seq` on this device only: never pushed, left out of checksums
    /// (the illustrative demo data).
    pub fn keep_local(&mut self, after_seq: i64) -> Result<()> {
        self.conn.execute("UPDATE changes SET acked = 2 WHERE seq > ?1", [after_seq])?;
        Ok(())
    }

    /// How many local changes wait for the server.
    pub fn pending_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM changes WHERE acked = 0 AND refusal IS NULL", [], |r| r.get(0))?)
    }

    /// What the server's answer to a push settled, in one transaction: acked changes leave the
    /// outbox; restamped ones were kept with an earlier clock than this device gave them (its
    /// clock ran too far ahead) and amended ones with fields the server set, and are changed here
    /// too, so both sides merge them alike; refused ones stay visible with the server's reason
    /// until dismissed, and stop counting — what the device shows goes back to what the server
    /// accepted.
    pub fn settle(&mut self, s: &Settlement) -> Result<()> {
        self.write(&crate::Actor::default(), |w| {
            let mut touched: Vec<(Entity, Id)> = vec![];
            let mut amend = |w: &mut Writer<'_>, id: Id, sql: &str, value: String| -> Result<()> {
                let row: Option<(String, String)> =
                    w.tx.query_row("SELECT entity, entity_id FROM changes WHERE id = ?1", [id.to_string()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                let Some((entity, entity_id)) = row else {
                    return Err(Error::NotFound(format!("no change with id {id}")));
                };
                let bad = |what: &str| Error::Corrupt(format!("change {id}: bad {what}"));
                let entity: Entity = serde_json::from_value(Value::String(entity)).map_err(|_| bad("entity"))?;
                let entity_id: Id = entity_id.parse().map_err(|_| bad("entity id"))?;
                w.tx.prepare_cached(sql)?.execute(params![id.to_string(), value])?;
                if !touched.contains(&(entity, entity_id)) {
                    touched.push((entity, entity_id));
                }
                Ok(())
            };
            for (id, hlc) in &s.restamped {
                amend(w, *id, "UPDATE changes SET hlc = ?2 WHERE id = ?1", hlc.to_string())?;
            }
            for (id, device) in &s.renamed {
                amend(w, *id, "UPDATE changes SET device = ?2 WHERE id = ?1", device.clone())?;
            }
            for (id, fields) in &s.amended {
                let fields = serde_json::to_string(fields).expect("fields serialize");
                amend(w, *id, "UPDATE changes SET fields = ?2 WHERE id = ?1", fields)?;
            }
            for (id, why) in &s.refused {
                amend(w, *id, "UPDATE changes SET refusal = ?2 WHERE id = ?1", why.clone())?;
            }
            for id in &s.acked {
                w.tx.prepare_cached("UPDATE changes SET acked = 1 WHERE id = ?1")?.execute([id.to_string()])?;
            }
            for (entity, entity_id) in touched {
                let state = fold(&w.tx, entity_id)?;
                materialize(w, entity, entity_id, &state)?;
            }
            Ok(())
        })
    }

    /// Forget a refused change (the user has seen the reason).
    pub fn dismiss(&mut self, id: Id) -> Result<()> {
        let n = self.conn.execute("DELETE FROM changes WHERE id = ?1 AND refusal IS NOT NULL", [id.to_string()])?;
        if n == 0 {
            return Err(Error::NotFound(format!("no refused change with id {id}")));
        }
        Ok(())
    }

    /// Refused changes with their reasons, oldest first.
    pub fn refused(&self) -> Result<Vec<(WireChange, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, entity, entity_id, op, fields, hlc, device, refusal FROM changes
             WHERE refusal IS NOT NULL ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get::<_, String>(7)?))
        })?;
        rows.map(|row| {
            let (a, b, c, d, e, f, g, why) = row?;
            Ok((wire(a, b, c, d, e, f, g)?, why))
        })
        .collect()
    }

    /// The pull cursor saved with the last applied page.
    pub fn pull_cursor(&self) -> Result<Option<String>> {
        meta_get(&self.conn, "pull_cursor")
    }

    /// Local edits that lost to newer ones, newest first.
    pub fn conflicts(&self) -> Result<Vec<ConflictRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity, entity_id, field, lost, lost_hlc, lost_device, kept, kept_hlc, kept_device
             FROM conflicts ORDER BY rid DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        let bad = |w: &str| Error::Corrupt(format!("conflict record: bad {w}"));
        rows.map(|row| {
            let (entity, id, field, lost, lh, ld, kept, kh, kd) = row?;
            Ok(ConflictRecord {
                entity: serde_json::from_value(Value::String(entity)).map_err(|_| bad("entity"))?,
                entity_id: id.parse().map_err(|_| bad("id"))?,
                conflict: Conflict {
                    field,
                    lost: serde_json::from_str(&lost).map_err(|_| bad("value"))?,
                    lost_version: ridermap_sync::Version { hlc: lh.parse().map_err(|_| bad("clock"))?, device: ld },
                    kept: serde_json::from_str(&kept).map_err(|_| bad("value"))?,
                    kept_version: ridermap_sync::Version { hlc: kh.parse().map_err(|_| bad("clock"))?, device: kd },
                },
            })
        })
        .collect()
    }

    /// Merge a page of pulled changes and save `cursor` with them, in one transaction: either the
    /// whole page and its cursor land, or neither.
    pub fn apply_remote(&mut self, changes: &[WireChange], cursor: Option<&str>) -> Result<PullApplied> {
        let me = self.device.clone();
        let actor = crate::Actor::default();
        self.write(&actor, |w| {
            let mut out = PullApplied::default();
            let now = ms(Utc::now());
            for c in changes {
                // Inserting first doubles as the "seen before?" check (the id is unique).
                let inserted = w
                    .tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO changes(id, entity, entity_id, op, fields, hlc, device, actor, at_ms, acked)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, 1)",
                    )?
                    .execute(params![
                        c.id.to_string(),
                        c.entity.as_str(),
                        c.entity_id.to_string(),
                        c.op.as_str(),
                        serde_json::to_string(&c.fields).expect("fields serialize"),
                        c.hlc.to_string(),
                        c.device,
                        now,
                    ])?;
                if inserted == 0 {
                    out.known += 1;
                    continue;
                }
                let mut state = fold_except(&w.tx, c.entity_id, Some(c.id))?;
                let applied = state.apply(c);
                w.clock = w.clock.observe(c.hlc, now);
                w.logged += 1;
                for k in applied.conflicts.iter().filter(|k| k.lost_version.device == me) {
                    w.tx.prepare_cached(
                        "INSERT INTO conflicts(entity, entity_id, field, lost, lost_hlc, lost_device, kept, kept_hlc,
                         kept_device, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )?
                    .execute(params![
                        c.entity.as_str(),
                        c.entity_id.to_string(),
                        k.field,
                        k.lost.to_string(),
                        k.lost_version.hlc.to_string(),
                        k.lost_version.device,
                        k.kept.to_string(),
                        k.kept_version.hlc.to_string(),
                        k.kept_version.device,
                        ms(Utc::now()),
                    ])?;
                    out.conflicts += 1;
                }
                if !applied.changed.is_empty() || applied.deleted_now {
                    materialize(w, c.entity, c.entity_id, &state)?;
                }
                out.applied += 1;
            }
            if let Some(cur) = cursor {
                meta_set(&w.tx, "pull_cursor", cur)?;
            }
            Ok(out)
        })
    }
}

/// Everything this store knows about an entity, merged.
fn fold(conn: &rusqlite::Connection, entity_id: Id) -> Result<EntityState> {
    fold_except(conn, entity_id, None)
}

/// `fold`, leaving out change `except`.
fn fold_except(conn: &rusqlite::Connection, entity_id: Id, except: Option<Id>) -> Result<EntityState> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, entity, entity_id, op, fields, hlc, device FROM changes
         WHERE entity_id = ?1 AND refusal IS NULL AND (?2 IS NULL OR id != ?2)",
    )?;
    let rows = stmt.query_map(params![entity_id.to_string(), except.map(|e| e.to_string())], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
    })?;
    let mut state = EntityState::default();
    for row in rows {
        let (a, b, c, d, e, f, g) = row?;
        state.apply(&wire(a, b, c, d, e, f, g)?);
    }
    Ok(state)
}

fn record<T: serde::de::DeserializeOwned>(state: &EntityState, what: &str, id: Id) -> Result<T> {
    let values: Map<String, Value> = state.fields.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect();
    serde_json::from_value(Value::Object(values)).map_err(|e| Error::Corrupt(format!("{what} {id} from sync: {e}")))
}

/// Write the merged state of an entity as its record (or remove it when deleted).
fn materialize(w: &mut Writer<'_>, entity: Entity, id: Id, state: &EntityState) -> Result<()> {
    let key = id.to_string();
    // Deleted, or nothing left that counts (its only changes were refused): the record goes.
    if state.is_deleted() || state.fields.is_empty() {
        match entity {
            Entity::Place => {
                if let Some((rid, _)) = stored(&w.tx, id)? {
                    w.remove_place_row(rid)?;
                }
            }
            Entity::Grid => _ = w.tx.execute("DELETE FROM grids WHERE id = ?1", [&key])?,
            Entity::Report => _ = w.tx.execute("DELETE FROM reports WHERE id = ?1", [&key])?,
            Entity::Visit => _ = w.tx.execute("DELETE FROM visits WHERE id = ?1", [&key])?,
            Entity::Note => _ = w.tx.execute("DELETE FROM notes WHERE id = ?1", [&key])?,
        }
        return Ok(());
    }
    match entity {
        Entity::Place => {
            // Edits can arrive before the record's creation (out-of-order delivery): until the
            // merged fields make a whole record, there is nothing to show yet.
            let Ok(p) = record::<Place>(state, "place", id) else {
                return Ok(());
            };
            // The server's record of an imported source wins the source over a local copy (the
            // demo, or a file imported here before enrolling): the copy stays, and a re-import
            // then updates the server's record.
            if let Some(source) = &p.stamp.source {
                w.tx.prepare_cached("UPDATE places SET source = NULL WHERE source = ?1 AND id <> ?2")?
                    .execute(params![source, p.id.to_string()])?;
            }
            w.write_place_row(&p)?;
        }
        Entity::Grid => {
            let Ok(g) = record::<Grid>(state, "grid", id) else {
                return Ok(());
            };
            w.tx.execute(
                "INSERT OR REPLACE INTO grids(id, code, name, updated_ms, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    key,
                    g.code,
                    g.name,
                    ms(g.stamp.updated_at),
                    serde_json::to_string(&g).expect("grids serialize")
                ],
            )?;
        }
        Entity::Report => {
            let Ok(r) = record::<StatusReport>(state, "report", id) else {
                return Ok(());
            };
            w.tx.execute(
                "INSERT OR REPLACE INTO reports(id, target, outcome, observed_ms, grid, review, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    key,
                    r.target.map(|t| t.to_string()),
                    r.outcome.as_str(),
                    ms(r.observed_at),
                    r.grid,
                    serde_json::to_value(r.review).expect("enum").as_str().unwrap_or("pending").to_string(),
                    serde_json::to_string(&r).expect("reports serialize")
                ],
            )?;
        }
        Entity::Visit => {
            let Ok(v) = record::<Visit>(state, "visit", id) else {
                return Ok(());
            };
            w.tx.execute(
                "INSERT OR REPLACE INTO visits(id, station, at_ms, doc) VALUES (?1, ?2, ?3, ?4)",
                params![key, v.station.to_string(), ms(v.at), serde_json::to_string(&v).expect("visits serialize")],
            )?;
        }
        Entity::Note => {
            let Ok(n) = record::<Note>(state, "note", id) else {
                return Ok(());
            };
            w.tx.execute(
                "INSERT OR REPLACE INTO notes(id, target, created_ms, doc) VALUES (?1, ?2, ?3, ?4)",
                params![
                    key,
                    n.target.to_string(),
                    ms(n.created_at),
                    serde_json::to_string(&n).expect("notes serialize")
                ],
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// This device's checksum of `region` (see `ridermap_sync::checksum`), to compare with the
    /// server's: folds every entity this store has heard of.
    /// In the public `view`, every entity counts as others see it (`ridermap_sync::view`).
    pub fn region_checksum(&self, region: &str, view: ridermap_sync::view::View) -> Result<String> {
        let ids: Vec<(String, String)> = self
            .conn
            // Refused changes never reached the server: an entity known only from them is not there.
            .prepare("SELECT DISTINCT entity_id, entity FROM changes WHERE acked != 2 AND refusal IS NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut states: std::collections::HashMap<Id, (Entity, EntityState)> = std::collections::HashMap::new();
        // One read transaction, so every entity is folded from the same snapshot.
        let tx = self.conn.unchecked_transaction()?;
        for (id, entity) in ids {
            let id: Id = id.parse().map_err(|_| Error::Corrupt(format!("change for bad id {id}")))?;
            let entity: Entity =
                serde_json::from_value(Value::String(entity)).map_err(|_| Error::Corrupt("bad entity".into()))?;
            states.insert(id, (entity, fold(&tx, id)?));
        }
        drop(tx);
        let values = |s: &EntityState| -> Map<String, Value> {
            s.fields.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect()
        };
        let region_of = |id: Id| -> String {
            // Regions of stations and targets: one level of lookup is all the rules need.
            match states.get(&id) {
                Some((e, s)) => ridermap_sync::protocol::region_of(*e, &values(s), |_| None),
                None => ridermap_sync::protocol::NO_REGION.to_string(),
            }
        };
        let mut sum = [0u8; 32];
        for (id, (entity, state)) in &states {
            let r = ridermap_sync::protocol::region_of(*entity, &values(state), |other| Some(region_of(other)));
            if r == region {
                let digest = match view {
                    ridermap_sync::view::View::Full => ridermap_sync::checksum::entity_digest(*id, state),
                    ridermap_sync::view::View::Public => ridermap_sync::view::public_digest(*entity, *id, state),
                };
                ridermap_sync::checksum::xor(&mut sum, &digest);
            }
        }
        Ok(ridermap_sync::checksum::hex(&sum))
    }
}
