//! Finding places: nearby, search, one place in full, compounds as you type, the best gate, what
//! the map draws; and the grid worker's edits of places.

use chrono::{Duration, Utc};
use ridermap_api::*;
use ridermap_core::{Detail, LatLon, Place, PlaceKind, rank::GateQuery};
use ridermap_store::NearbyQuery;

use crate::{Ctx, Handle, invalid, store_error};

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 500;

fn limit(l: Option<usize>) -> usize {
    l.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

fn find(cx: &Ctx<'_>, id: ridermap_core::Id) -> Result<Place, ApiError> {
    cx.store.place(id).map_err(store_error)?.ok_or_else(|| ApiError::new("not_found", format!("no place with id {id}")))
}

impl Handle for NearbyReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<NearbyItem>, ApiError> {
        let mut q = NearbyQuery::new(LatLon::new(self.lat, self.lon));
        if let Some(p) = q.point.problem() {
            return Err(invalid(format!("lat/lon: {p}")));
        }
        q.kind = self.kind;
        q.limit = limit(self.limit);
        q.open_at = self.open_now.then(Utc::now);
        q.ebike = self.ebike;
        q.working = self.working;
        q.charger_kind = self.charger_kind;
        q.amenities = self.amenities;
        let found = cx.store.nearby(&q).map_err(store_error)?;
        Ok(found
            .into_iter()
            .map(|n| NearbyItem { place: n.place, distance_m: n.distance_m, open: n.open, condition: n.condition })
            .collect())
    }
}

impl Handle for SearchReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<Place>, ApiError> {
        if self.text.trim().is_empty() {
            return Ok(vec![]);
        }
        cx.store.search(&self.text, self.kind, limit(self.limit)).map_err(store_error)
    }
}

impl Handle for PlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<PlaceView, ApiError> {
        let place = find(cx, self.id)?;
        let now = Utc::now();
        let condition = cx.store.condition(&place, now).map_err(store_error)?;
        let mut open = place.hours().and_then(|h| h.open_at(now, place.tz()));
        if condition == ridermap_core::status::Condition::LikelyClosed {
            open = Some(false);
        }
        let mut reports = cx.store.reports_for(place.id, now - Duration::days(30)).map_err(store_error)?;
        reports.sort_by_key(|r| std::cmp::Reverse(r.observed_at));
        let last_report_at = reports.first().map(|r| r.observed_at);
        let notes = cx.store.notes_for(place.id).map_err(store_error)?;
        let related = match (&place.detail, place.compound) {
            (Detail::Compound(_), _) => {
                cx.store.compound_members(place.id, Some(PlaceKind::Entrance)).map_err(store_error)?
            }
            (_, Some(c)) => cx.store.place(c).map_err(store_error)?.into_iter().collect(),
            _ => vec![],
        };
        Ok(PlaceView { place, open, condition, last_report_at, reports, notes, related, now })
    }
}

impl Handle for CompoundsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<CompoundHit>, ApiError> {
        if self.text.trim().is_empty() {
            return Ok(vec![]);
        }
        let found = cx.store.search(&self.text, Some(PlaceKind::Compound), 10).map_err(store_error)?;
        Ok(found
            .into_iter()
            .map(|p| CompoundHit {
                id: p.id,
                buildings: match &p.detail {
                    Detail::Compound(c) => c.buildings.iter().map(|b| b.number.clone()).collect(),
                    _ => vec![],
                },
                name: p.name,
                address: p.address,
            })
            .collect())
    }
}

impl Handle for GateReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<GateAnswer, ApiError> {
        let at = self.at.unwrap_or_else(Utc::now);
        let building = self.building.filter(|b| !b.trim().is_empty());
        let q = GateQuery { building, at, vehicle: self.vehicle };
        let (compound, choices) = cx.store.best_gate(&self.compound, &q).map_err(store_error)?;
        Ok(GateAnswer { compound, choices, at })
    }
}

impl Handle for MapReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<MapPoint>, ApiError> {
        let [x0, y0, x1, y1] = self.bbox;
        if !(x0 <= x1 && y0 <= y1 && (-180.0..=180.0).contains(&x0) && (-90.0..=90.0).contains(&y0)) {
            return Err(invalid(format!("bbox {:?} is not min_lon,min_lat,max_lon,max_lat", self.bbox)));
        }
        let places = cx.store.in_box(self.bbox, self.limit.unwrap_or(20_000).min(50_000)).map_err(store_error)?;
        Ok(places
            .into_iter()
            .map(|p| MapPoint {
                id: p.id,
                kind: p.kind(),
                outline: match &p.detail {
                    Detail::Compound(c) => c.outline.clone(),
                    _ => None,
                },
                name: p.name,
                lat: p.lat,
                lon: p.lon,
            })
            .collect())
    }
}

impl Handle for SavePlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        cx.store.put_place(&self.place, cx.actor).map_err(store_error)?;
        find(cx, self.place.id)
    }
}

impl Handle for EditPlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        cx.store.edit_place(self.id, &self.sets, cx.actor).map_err(store_error)
    }
}

impl Handle for VerifyPlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        cx.store.verify_place(self.id, cx.actor).map_err(store_error)
    }
}

impl Handle for DeletePlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<(), ApiError> {
        cx.store.delete_place(self.id, cx.actor).map_err(store_error)
    }
}
