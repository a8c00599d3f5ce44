//! Riders' reports (with photos) and confirmations, their review, and volunteers' visits.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{Duration, Utc};
use ridermap_api::*;
use ridermap_core::{
    Id, Outcome, PlaceKind, Service, StatusReport, Visit,
    hours::{DEFAULT_TZ, local_to_utc},
};

use crate::{Ctx, Handle, invalid, store_error};

fn target(cx: &Ctx<'_>, id: Id) -> Result<ridermap_core::Place, ApiError> {
    cx.store.place(id).map_err(store_error)?.ok_or_else(|| ApiError::new("not_found", format!("no place with id {id}")))
}

fn report(cx: &mut Ctx<'_>, mut r: StatusReport) -> Result<StatusReport, ApiError> {
    r.reporter = cx.actor.name.clone();
    r.created_at = Utc::now();
    cx.store.add_report(&r, cx.actor).map_err(store_error)
}

impl Handle for AddReportReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<StatusReport, ApiError> {
        let place = self.target.map(|t| target(cx, t)).transpose()?;
        let (lat, lon) = match (self.lat, self.lon, &place) {
            (Some(a), Some(o), _) => (a, o),
            (None, None, Some(p)) => (p.lat, p.lon),
            (None, None, None) => return Err(invalid("lat/lon: a report without a place needs a location")),
            _ => return Err(invalid("lat and lon go together")),
        };
        let mut r = StatusReport::new(self.outcome, lat, lon, Utc::now());
        r.target = self.target;
        r.note = self.note.filter(|n| !n.trim().is_empty());
        if let Some(b64) = self.photo_base64 {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| invalid(format!("photo: not base64: {e}")))?;
            let small = ridermap_device::photo::prepare("photo", &bytes).map_err(|e| invalid(e.to_string()))?;
            r.photo = Some(cx.store.put_blob(&small, false).map_err(store_error)?);
        }
        report(cx, r)
    }
}

impl Handle for ConfirmReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<StatusReport, ApiError> {
        let place = target(cx, self.id)?;
        let mut r = StatusReport::new(Outcome::Confirmed, place.lat, place.lon, Utc::now());
        r.target = Some(place.id);
        report(cx, r)
    }
}

impl Handle for ReviewQueueReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<StatusReport>, ApiError> {
        cx.store.review_queue(self.grid.as_deref()).map_err(store_error)
    }
}

impl Handle for ReviewReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<StatusReport, ApiError> {
        cx.store.resolve_report(self.id, self.accept, self.reason.as_deref(), cx.actor).map_err(store_error)
    }
}

impl Handle for AddVisitReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Visit, ApiError> {
        let station = target(cx, self.station)?;
        if station.kind() != PlaceKind::RestStop {
            return Err(invalid(format!("station: `{}` is not a rest stop", station.name)));
        }
        let v = Visit {
            id: Id::new(),
            station: station.id,
            at: Utc::now(),
            headcount: self.headcount,
            services: self.services,
            supplies: self.supplies.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            station_open: self.station_open,
            note: self.note.filter(|n| !n.trim().is_empty()),
            volunteer: cx.actor.name.clone(),
            created_at: Utc::now(),
        };
        cx.store.add_visit(&v, cx.actor).map_err(store_error)?;
        Ok(v)
    }
}

impl Handle for StationDayReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<StationDay, ApiError> {
        let station = target(cx, self.station)?;
        let day = self.day.unwrap_or_else(|| Utc::now().with_timezone(&DEFAULT_TZ).date_naive());
        let start = local_to_utc(day.and_hms_opt(0, 0, 0).expect("midnight"), DEFAULT_TZ)
            .ok_or_else(|| invalid(format!("day {day} has no midnight")))?;
        let mut visits = cx.store.visits(station.id, start, start + Duration::days(1)).map_err(store_error)?;
        visits.sort_by_key(|v| std::cmp::Reverse(v.at));
        let mut services: BTreeMap<usize, u32> = BTreeMap::new();
        for v in &visits {
            for s in &v.services {
                let i = Service::ALL.iter().position(|x| x == s).unwrap_or(usize::MAX);
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
            services: services.into_iter().filter_map(|(i, n)| Some((*Service::ALL.get(i)?, n))).collect(),
            open: visits.iter().find_map(|v| v.station_open),
            supplies,
            visits,
            station,
            day,
        })
    }
}
