//! How a place is kept in `places.doc`: JSON like the public form, but nested instead of flattened,
//! with times as nanoseconds and empty fields left out. serde reads this shape in one streaming pass
//! (the flat public form makes it buffer every record), which is most of the cost of reading places.
//! Records written in the flat form by earlier versions are still read.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ridermap_core::{Charger, Compound, Detail, Entrance, Id, PathInfo, Place, RestStop, Stamp};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Serialize, Deserialize)]
enum StoredDetail {
    #[serde(rename = "compound")]
    Compound(Compound),
    #[serde(rename = "entrance")]
    Entrance(Entrance),
    #[serde(rename = "charger")]
    Charger(Charger),
    #[serde(rename = "rest_stop")]
    RestStop(RestStop),
    #[serde(rename = "path")]
    Path(PathInfo),
}

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[derive(Serialize, Deserialize)]
struct StoredPlace {
    id: Id,
    name: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    lat: f64,
    lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compound: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opening_hours: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timezone: Option<Tz>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photo: Option<String>,
    created_ns: i64,
    updated_ns: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verified_ns: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    detail: StoredDetail,
}

fn ns(t: DateTime<Utc>) -> i64 {
    // Representable until the year 2262; later times are clamped rather than lost.
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

pub(crate) fn to_doc(p: &Place) -> String {
    let s = StoredPlace {
        id: p.id,
        name: p.name.clone(),
        aliases: p.aliases.clone(),
        address: p.address.clone(),
        lat: p.lat,
        lon: p.lon,
        grid: p.grid.clone(),
        compound: p.compound,
        opening_hours: p.opening_hours.clone(),
        timezone: p.timezone,
        note: p.note.clone(),
        photo: p.photo.clone(),
        created_ns: ns(p.stamp.created_at),
        updated_ns: ns(p.stamp.updated_at),
        updated_by: p.stamp.updated_by.clone(),
        verified_ns: p.stamp.verified_at.map(ns),
        source: p.stamp.source.clone(),
        detail: match &p.detail {
            Detail::Compound(c) => StoredDetail::Compound(c.clone()),
            Detail::Entrance(e) => StoredDetail::Entrance(e.clone()),
            Detail::Charger(c) => StoredDetail::Charger(c.clone()),
            Detail::RestStop(r) => StoredDetail::RestStop(r.clone()),
            Detail::Path(p) => StoredDetail::Path(p.clone()),
        },
    };
    serde_json::to_string(&s).expect("places serialize")
}

pub(crate) fn from_doc(doc: &str) -> Result<Place> {
    let s: StoredPlace = match serde_json::from_str(doc) {
        Ok(s) => s,
        Err(e) => {
            return serde_json::from_str::<Place>(doc).map_err(|_| Error::Corrupt(format!("place record: {e}")));
        }
    };
    Ok(Place {
        id: s.id,
        name: s.name,
        aliases: s.aliases,
        address: s.address,
        lat: s.lat,
        lon: s.lon,
        grid: s.grid,
        compound: s.compound,
        opening_hours: s.opening_hours,
        timezone: s.timezone,
        note: s.note,
        photo: s.photo,
        stamp: Stamp {
            created_at: DateTime::from_timestamp_nanos(s.created_ns),
            updated_at: DateTime::from_timestamp_nanos(s.updated_ns),
            updated_by: s.updated_by,
            verified_at: s.verified_ns.map(DateTime::from_timestamp_nanos),
            source: s.source,
        },
        detail: match s.detail {
            StoredDetail::Compound(c) => Detail::Compound(c),
            StoredDetail::Entrance(e) => Detail::Entrance(e),
            StoredDetail::Charger(c) => Detail::Charger(c),
            StoredDetail::RestStop(r) => Detail::RestStop(r),
            StoredDetail::Path(p) => Detail::Path(p),
        },
    })
}
