//! Riders' reports (with photos), confirmations and their review; volunteers' visits; notes.

use chrono::{DateTime, NaiveDate, Utc};
use ridermap_core::{Id, Outcome, Place, PlaceKind, Rating, StationService, StatusReport, Visit};
use serde::{Deserialize, Serialize};

/// A report on a place, or a hazard at a bare location. Who reported, in what role, and its
/// review state are set by the service (and, once synced, by the server), never by the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddReportReq {
    #[serde(default)]
    pub target: Option<Id>,
    pub outcome: Outcome,
    #[serde(default)]
    pub note: Option<String>,
    /// A photo's bytes, base64 (standard alphabet); downscaled and kept on the device.
    #[serde(default)]
    pub photo_base64: Option<String>,
    /// A photo already kept on the device (`add_photo`), by its content address.
    #[serde(default)]
    pub photo: Option<String>,
    /// Where the reporter is; default the target's position.
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    /// When it was seen; default now. Not in the future, not older than a week.
    #[serde(default)]
    pub observed_at: Option<DateTime<Utc>>,
    /// Minutes waited at a gate (registering, a queue) before getting in or being turned away.
    #[serde(default)]
    pub waited_min: Option<u32>,
    /// A `rated` report's taps, one per indicator rated (its target a compound).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<Rating>,
}

/// "Still true": a one-tap confirmation of a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfirmReq {
    pub id: Id,
}

/// A place's reports of the last `days` (default 30), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportsReq {
    pub target: Id,
    #[serde(default)]
    pub days: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueReq {
    #[serde(default)]
    pub grid: Option<String>,
}

/// A report waiting for review, with what a grid worker needs to judge it without leaving the
/// queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub report: StatusReport,
    /// The place reported on; None for a hazard at a bare location (or a place not on this device).
    pub target_name: Option<String>,
    pub target_kind: Option<PlaceKind>,
    /// Where it is about: the place's point, else where it was reported.
    #[serde(default)]
    pub lat: f64,
    #[serde(default)]
    pub lon: f64,
    /// The compound it is in (or is), by name: the queue filters by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compound: Option<String>,
    /// The place's other reports of the last 30 days, newest first (at most 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<StatusReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewReq {
    pub id: Id,
    pub accept: bool,
    /// Needed to reject; reaches the reporter.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddVisitReq {
    pub station: Id,
    pub headcount: u32,
    #[serde(default)]
    pub services: Vec<StationService>,
    #[serde(default)]
    pub supplies: Vec<String>,
    #[serde(default)]
    pub station_open: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    /// When; default now. Not in the future, not older than a week.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDayReq {
    pub station: Id,
    /// Local day (Asia/Shanghai); default today.
    #[serde(default)]
    pub day: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDay {
    pub station: Place,
    pub day: NaiveDate,
    pub headcount: u32,
    /// Per service, how often it was used.
    pub services: Vec<(StationService, u32)>,
    /// Newest first.
    pub visits: Vec<Visit>,
    /// The latest open/closed the volunteers said that day.
    pub open: Option<bool>,
    /// Supplies noted that day, latest first, without repeats.
    pub supplies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddNoteReq {
    pub target: Id,
    pub text: String,
}

/// Keep a photo on the device (downscaled, camera metadata dropped) from a file on the device or
/// from its bytes; attach it to a report or a place by the content address in the reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddPhotoReq {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub base64: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// SHA-256 of the kept bytes, hex.
    pub hash: String,
    pub bytes: usize,
}
