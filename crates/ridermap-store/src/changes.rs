//! The change log (outbox). Every write appends here inside its own transaction, stamped with the
//! hybrid logical clock and this device's id, so the sync engine can send exactly what happened.

use chrono::{DateTime, Utc};
use ridermap_core::{Hlc, Id};
use ridermap_sync::{Entity, Op};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Result, Store, Writer, ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub seq: i64,
    pub id: Id,
    pub entity: Entity,
    pub entity_id: Id,
    /// `put` (create or edit; `fields` holds the changed fields), `delete`, or `resolve` (reports).
    pub op: Op,
    pub fields: Map<String, Value>,
    pub hlc: Hlc,
    pub device: String,
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
}

impl Writer<'_> {
    /// Append one change; its clock is the next tick of this device's clock.
    pub(crate) fn log(&mut self, entity: Entity, entity_id: Id, op: Op, fields: Map<String, Value>) -> Result<()> {
        self.log_json(entity, entity_id, op, &Value::Object(fields).to_string())
    }

    /// `log` with the fields already written as a JSON object (the fast path for new records).
    pub(crate) fn log_json(&mut self, entity: Entity, entity_id: Id, op: Op, fields: &str) -> Result<()> {
        self.clock = self.clock.tick(ms(Utc::now()));
        self.tx
            .prepare_cached(
                "INSERT INTO changes(id, entity, entity_id, op, fields, hlc, device, actor, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(rusqlite::params![
                Id::new().to_string(),
                entity.as_str(),
                entity_id.to_string(),
                op.as_str(),
                fields,
                self.clock.to_string(),
                self.device,
                self.actor.name,
                ms(self.now),
            ])?;
        self.logged += 1;
        Ok(())
    }
}

/// The fields of `new` that differ from `old` (all of `new` when there is no `old`).
pub(crate) fn diff(old: Option<&Map<String, Value>>, new: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in new {
        if old.and_then(|o| o.get(k)) != Some(v) {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(old) = old {
        for k in old.keys().filter(|k| !new.contains_key(*k)) {
            out.insert(k.clone(), Value::Null);
        }
    }
    out
}

fn read(conn: &Connection, sql: &str, arg: i64) -> Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([arg], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, i64>(9)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (seq, id, entity, entity_id, op, fields, hlc, device, actor, at) = row?;
        let bad = |what: &str| crate::Error::Corrupt(format!("change {seq}: bad {what}"));
        out.push(Change {
            seq,
            id: id.parse().map_err(|_| bad("id"))?,
            entity: serde_json::from_value(Value::String(entity)).map_err(|_| bad("entity"))?,
            entity_id: entity_id.parse().map_err(|_| bad("entity_id"))?,
            op: serde_json::from_value(Value::String(op)).map_err(|_| bad("op"))?,
            fields: serde_json::from_str(&fields).map_err(|_| bad("fields"))?,
            hlc: hlc.parse().map_err(|_| bad("hlc"))?,
            device,
            actor,
            at: DateTime::from_timestamp_millis(at).ok_or_else(|| bad("time"))?,
        });
    }
    Ok(out)
}

impl Store {
    /// Changes after sequence number `after`, oldest first, at most `limit`.
    pub fn changes_since(&self, after: i64, limit: usize) -> Result<Vec<Change>> {
        read(
            &self.conn,
            &format!(
                "SELECT seq, id, entity, entity_id, op, fields, hlc, device, actor, at_ms FROM changes
                 WHERE seq > ?1 ORDER BY seq LIMIT {limit}"
            ),
            after,
        )
    }

    /// How many changes the log holds.
    pub fn change_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?)
    }
}
