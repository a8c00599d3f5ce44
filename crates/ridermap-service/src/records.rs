//! Riders' reports (with photos) and confirmations, their review, volunteers' visits, notes.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use ridermap_api::*;
use ridermap_core::{
    Id, Outcome, PlaceKind, StationService,
    hours::{DEFAULT_TZ, local_to_utc},
};
use ridermap_store::Store;

use crate::{Ctx, Handle, invalid, places::find};

/// How far back a report or a visit may say it happened (one logged offline and synced later).
const MAX_BACKDATE_DAYS: i64 = 7;
/// Clocks differ: a time this far ahead of ours still counts as now.
const MAX_AHEAD_MIN: i64 = 5;

/// `at` if it is a time a record may carry (not in the future, not too long ago); `field` names it.
fn when(field: &str, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, ApiError> {
    let now = Utc::now();
    let Some(at) = at else { return Ok(now) };
    if at > now + Duration::minutes(MAX_AHEAD_MIN) {
        return Err(invalid(format!("{field}: {at} is in the future")));
    }
    if at < now - Duration::days(MAX_BACKDATE_DAYS) {
        return Err(invalid(format!("{field}: {at} is more than {MAX_BACKDATE_DAYS} days ago")));
    }
    Ok(at)
}

/// Downscale a photo (camera metadata dropped) and keep it; its content address.
fn keep_photo(store: &mut Store, name: &str, bytes: &[u8]) -> Result<PhotoRef, ApiError> {
    let small = ridermap_device::photo::prepare(name, bytes).map_err(|e| invalid(e.to_string()))?;
    let hash = store.put_blob(&small, false)?;
    Ok(PhotoRef { hash, bytes: small.len() })
}

fn decode(field: &str, b64: &str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| invalid(format!("{field}: not base64: {e}")))
}

/// Adds `r` as a report by this device's user, in the role it enrolled with.
fn add(cx: &mut Ctx<'_>, mut r: ridermap_core::StatusReport) -> Result<ridermap_core::StatusReport, ApiError> {
    let actor = cx.actor();
    let store = cx.store();
    // Enrolled, a report is by the device's account (as the server will keep it); else by the
    // name the app was started with.
    r.reporter = ridermap_device::account(store)?.or_else(|| actor.name.clone());
    r.reporter_role = ridermap_device::role(store)?.unwrap_or_default();
    r.created_at = Utc::now();
    Ok(store.add_report(&r, actor)?)
}

impl Handle for AddReportReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<ridermap_core::StatusReport, ApiError> {
        let observed = when("observed_at", self.observed_at)?;
        let store = cx.store();
        let place = self.target.map(|t| find(store, t)).transpose()?;
        let (lat, lon) = match (self.lat, self.lon, &place) {
            (Some(a), Some(o), _) => (a, o),
            (None, None, Some(p)) => (p.lat, p.lon),
            (None, None, None) => return Err(invalid("lat/lon: a report without a place needs a location")),
            _ => return Err(invalid("lat and lon go together")),
        };
        if self.outcome == Outcome::Rated && place.as_ref().is_none_or(|p| p.kind() != PlaceKind::Compound) {
            return Err(invalid("target: a rating rates a compound"));
        }
        let mut r = ridermap_core::StatusReport::new(self.outcome, lat, lon, observed);
        r.target = self.target;
        r.ratings = self.ratings;
        r.note = self.note.filter(|n| !n.trim().is_empty());
        r.waited_min = self.waited_min;
        r.photo = match (self.photo_base64, self.photo) {
            (Some(_), Some(_)) => {
                return Err(invalid("photo: give the photo's bytes or its content address, not both"));
            }
            (Some(b64), None) => Some(keep_photo(store, "photo", &decode("photo_base64", &b64)?)?.hash),
            (None, Some(hash)) if store.has_blob(&hash)? => Some(hash),
            (None, Some(hash)) => return Err(invalid(format!("photo: no photo {hash} on this device"))),
            (None, None) => None,
        };
        add(cx, r)
    }
}

impl Handle for ConfirmReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<ridermap_core::StatusReport, ApiError> {
        let place = find(cx.store(), self.id)?;
        let mut r = ridermap_core::StatusReport::new(Outcome::Confirmed, place.lat, place.lon, Utc::now());
        r.target = Some(place.id);
        add(cx, r)
    }
}

impl Handle for ReportsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<ridermap_core::StatusReport>, ApiError> {
        let store = cx.store();
        let place = find(store, self.target)?;
        let days = self.days.unwrap_or(30).clamp(0, 3650);
        let mut reports = store.reports_for(place.id, Utc::now() - Duration::days(days))?;
        reports.sort_by_key(|r| std::cmp::Reverse(r.observed_at));
        Ok(reports)
    }
}

/// How far back a review item's other reports on the same place go, and how many it shows.
const OTHERS_DAYS: i64 = 30;
const OTHERS_MAX: usize = 5;

impl Handle for ReviewQueueReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<ReviewItem>, ApiError> {
        let store = cx.store();
        let queue = store.review_queue(self.grid.as_deref())?;
        let since = chrono::Utc::now() - chrono::Duration::days(OTHERS_DAYS);
        let mut out = Vec::with_capacity(queue.len());
        for report in queue {
            let target = match report.target {
                Some(t) => store.place(t)?,
                None => None,
            };
            let compound = match &target {
                Some(p) if p.kind() == PlaceKind::Compound => Some(p.name.clone()),
                Some(p) => match p.compound {
                    Some(c) => store.place(c)?.map(|c| c.name),
                    None => None,
                },
                None => None,
            };
            let mut others = match report.target {
                Some(t) => store.reports_for(t, since)?,
                None => vec![],
            };
            others.retain(|o| o.id != report.id);
            others.sort_by_key(|o| std::cmp::Reverse(o.observed_at));
            others.truncate(OTHERS_MAX);
            let (lat, lon) = target.as_ref().map_or((report.lat, report.lon), |p| (p.lat, p.lon));
            out.push(ReviewItem {
                target_kind: target.as_ref().map(|p| p.kind()),
                target_name: target.map(|p| p.name),
                lat,
                lon,
                compound,
                others,
                report,
            });
        }
        Ok(out)
    }
}

impl Handle for ReviewReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<ridermap_core::StatusReport, ApiError> {
        let actor = cx.actor();
        Ok(cx.store().resolve_report(self.id, self.accept, self.reason.as_deref(), actor)?)
    }
}

impl Handle for AddVisitReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Visit, ApiError> {
        let at = when("at", self.at)?;
        let actor = cx.actor();
        let store = cx.store();
        let station = find(store, self.station)?;
        if station.kind() != PlaceKind::RestStop {
            return Err(invalid(format!("station: `{}` is not a rest stop", station.name)));
        }
        let v = Visit {
            id: Id::new(),
            station: station.id,
            at,
            headcount: self.headcount,
            services: self.services,
            supplies: self.supplies.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            station_open: self.station_open,
            note: self.note.filter(|n| !n.trim().is_empty()),
            volunteer: actor.name.clone(),
            created_at: Utc::now(),
        };
        store.add_visit(&v, actor)?;
        Ok(v)
    }
}

impl Handle for StationDayReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<StationDay, ApiError> {
        let store = cx.store();
        let station = find(store, self.station)?;
        let day = self.day.unwrap_or_else(|| Utc::now().with_timezone(&DEFAULT_TZ).date_naive());
        let start = local_to_utc(day.and_hms_opt(0, 0, 0).expect("midnight"), DEFAULT_TZ)
            .ok_or_else(|| invalid(format!("day {day} has no midnight")))?;
        let mut visits = store.visits(station.id, start, start + Duration::days(1))?;
        visits.sort_by_key(|v| std::cmp::Reverse(v.at));
        let mut services: BTreeMap<usize, u32> = BTreeMap::new();
        for v in &visits {
            for s in &v.services {
                let i = StationService::ALL.iter().position(|x| x == s).unwrap_or(usize::MAX);
                *services.entry(i).or_default() += v.headcount.max(1);
            }
        }
        let mut supplies: Vec<String> = vec![];
        for s in visits.iter().flat_map(|v| &v.supplies) {
            if !supplies.contains(s) {
                supplies.push(s.clone());
            }
        }
        Ok(StationDay {
            headcount: visits.iter().map(|v| v.headcount).sum(),
            services: services.into_iter().filter_map(|(i, n)| Some((*StationService::ALL.get(i)?, n))).collect(),
            open: visits.iter().find_map(|v| v.station_open),
            supplies,
            visits,
            station,
            day,
        })
    }
}

impl Handle for AddNoteReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Note, ApiError> {
        let actor = cx.actor();
        let store = cx.store();
        let target = find(store, self.target)?;
        let n = Note {
            id: Id::new(),
            target: target.id,
            text: self.text,
            author: actor.name.clone(),
            created_at: Utc::now(),
        };
        store.add_note(&n, actor)?;
        Ok(n)
    }
}

impl Handle for AddPhotoReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<PhotoRef, ApiError> {
        let (name, bytes) = match (self.path, self.base64) {
            (Some(path), None) => {
                let bytes = std::fs::read(&path)
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read the photo {path}: {e}")))?;
                (path, bytes)
            }
            (None, Some(b64)) => ("photo".to_string(), decode("base64", &b64)?),
            _ => return Err(invalid("give the photo's path or its bytes (base64), one of them")),
        };
        keep_photo(cx.store(), &name, &bytes)
    }
}
