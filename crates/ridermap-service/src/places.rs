//! Finding places: nearby, search, one place by what a person types or in full, compounds as one
//! types, buildings, the best gate, what the map draws; and the grid worker's edits of places.

use chrono::{Duration, Utc};
use ridermap_api::*;
use ridermap_core::{
    Detail, Id, LatLon, Place, PlaceKind, Stamp,
    rank::{GateQuery, Reason},
    status::Condition,
};
use ridermap_store::{NearbyQuery, Store};

use crate::{Ctx, Handle, invalid};

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 500;

fn limit(l: Option<usize>) -> usize {
    l.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

pub(crate) fn find(store: &Store, id: Id) -> Result<Place, ApiError> {
    store.place(id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no place with id {id}")))
}

impl Handle for NearbyReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<NearbyItem>, ApiError> {
        let mut q = NearbyQuery::new(LatLon::new(self.lat, self.lon));
        if let Some(p) = q.point.problem() {
            return Err(invalid(format!("lat/lon: {p}")));
        }
        q.kind = self.kind;
        q.limit = limit(self.limit);
        q.open_at = self.open_at.or(self.open_now.then(Utc::now));
        q.ebike = self.ebike;
        q.working = self.working;
        q.charger_kind = self.charger_kind;
        q.volts = self.volts;
        q.amenities = self.amenities;
        if let Some(text) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            let store = cx.store();
            let now = Utc::now();
            return store
                .search(text, q.kind, q.limit)?
                .into_iter()
                .map(|place| {
                    Ok(NearbyItem {
                        distance_m: q.point.distance_m(&place.point()),
                        open: place.hours().and_then(|h| h.open_at(now, place.tz())),
                        condition: store.condition(&place, now)?,
                        place,
                    })
                })
                .collect();
        }
        let found = cx.store().nearby(&q)?;
        Ok(found
            .into_iter()
            .map(|n| NearbyItem { place: n.place, distance_m: n.distance_m, open: n.open, condition: n.condition })
            .collect())
    }
}

impl Handle for CheckHoursReq {
    fn handle(self, _: &mut Ctx<'_>) -> Result<Option<String>, ApiError> {
        let t = self.text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        Ok(ridermap_core::Hours::parse(t).err().map(|e| e.to_string()))
    }
}

impl Handle for SearchReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<Place>, ApiError> {
        if self.text.trim().is_empty() {
            return Ok(vec![]);
        }
        Ok(cx.store().search(&self.text, self.kind, limit(self.limit))?)
    }
}

impl Handle for FindPlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        let store = cx.store();
        let key = self.key.trim();
        if let Ok(id) = key.parse::<Id>() {
            return find(store, id);
        }
        if let Some(p) = store.place_by_source(key)? {
            return Ok(p);
        }
        let found = store.search(key, None, 10)?;
        let exact: Vec<&Place> = found.iter().filter(|p| p.name == key).collect();
        match (exact.as_slice(), found.as_slice()) {
            ([one], _) => Ok((*one).clone()),
            ([], [one]) => Ok(one.clone()),
            ([], []) => Err(ApiError::new(ErrorCode::NotFound, format!("no place named `{key}`"))),
            _ => Err(ApiError::new(
                ErrorCode::Ambiguous,
                format!("`{key}` matches several places; give the id (see `ridermap search {key}`)"),
            )),
        }
    }
}

impl Handle for PlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<PlaceView, ApiError> {
        let store = cx.store();
        let place = find(store, self.id)?;
        let now = Utc::now();
        let condition = store.condition(&place, now)?;
        let mut open = place.hours().and_then(|h| h.open_at(now, place.tz()));
        if condition == Condition::LikelyClosed {
            open = Some(false);
        }
        let mut reports = store.reports_for(place.id, now - Duration::days(30))?;
        reports.sort_by_key(|r| std::cmp::Reverse(r.observed_at));
        let last_report_at = reports.first().map(|r| r.observed_at);
        let notes = store.notes_for(place.id)?;
        let related = match (&place.detail, place.compound) {
            (Detail::Compound(_), _) => store.compound_members(place.id, Some(PlaceKind::Entrance))?,
            (_, Some(c)) => store.place(c)?.into_iter().collect(),
            _ => vec![],
        };
        Ok(PlaceView { place, open, condition, last_report_at, reports, notes, related, now })
    }
}

impl Handle for CompoundsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<CompoundHit>, ApiError> {
        let text = self.text.trim();
        if text.is_empty() {
            return Ok(vec![]);
        }
        let store = cx.store();
        let hit = |p: Place, building: Option<String>| {
            let all = match &p.detail {
                Detail::Compound(c) => c.buildings.as_slice(),
                _ => &[],
            };
            let buildings = all.iter().map(|b| b.number.clone()).collect();
            let centres = all.iter().map(|b| b.centre()).map(|c| [c.lon, c.lat]).collect();
            let doors = all.iter().map(|b| b.doors.len()).collect();
            CompoundHit {
                id: p.id,
                buildings,
                centres,
                doors,
                lat: p.lat,
                lon: p.lon,
                building,
                name: p.name,
                address: p.address,
            }
        };
        let found = store.search(text, Some(PlaceKind::Compound), 10)?;
        if !found.is_empty() {
            return Ok(found.into_iter().map(|p| hit(p, None)).collect());
        }
        // "开鲁六村 12": the name, then a building of it.
        let Some((name, number)) = split_building(text) else { return Ok(vec![]) };
        let found = store.search(name, Some(PlaceKind::Compound), 10)?;
        Ok(found
            .into_iter()
            .filter_map(|p| {
                let b = ridermap_core::rank::find_building(&p, number).ok()?.number.clone();
                Some(hit(p, Some(b)))
            })
            .collect())
    }
}

/// A compound's name and a building number typed after it: "开鲁六村 12", "开鲁六村12号楼",
/// "Kailu 6th 12A".
fn split_building(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_end().trim_end_matches("号楼").trim_end_matches(['号', '栋', '幢']).trim_end();
    let (i, c) = t.char_indices().rev().find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))?;
    let start = i + c.len_utf8();
    let start = start + t[start..].find(|c: char| c.is_ascii_digit())?;
    let (name, number) = (t[..start].trim_end(), &t[start..]);
    (!name.is_empty() && !number.is_empty()).then_some((name, number))
}

impl Handle for BuildingReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<BuildingAnswer, ApiError> {
        let c = cx.store().find_compound(&self.compound)?;
        let building = ridermap_core::rank::find_building(&c, &self.number).map_err(ridermap_store::Error::from)?;
        Ok(BuildingAnswer { compound_id: c.id, compound_name: c.name.clone(), building: building.clone() })
    }
}

impl Handle for GateReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<GateAnswer, ApiError> {
        let at = self.at.unwrap_or_else(Utc::now);
        let building = self.building.filter(|b| !b.trim().is_empty());
        let q = GateQuery { building, at, vehicle: self.vehicle };
        let store = cx.store();
        let inputs = store.gate_inputs(&self.compound, at)?;
        let crate::route::Ranked { choices, building, .. } = crate::route::ranked(store, &inputs, &q, None)?;
        let said = match self.lang {
            None => vec![],
            Some(l) => choices
                .iter()
                .map(|g| GateSaid {
                    reasons: g
                        .reasons
                        .iter()
                        .filter(|r| !matches!(r, Reason::Ebike { .. } | Reason::Access { .. }))
                        .map(|r| r.text(l))
                        .collect(),
                    warnings: g.warnings.iter().map(|r| r.text(l)).collect(),
                })
                .collect(),
        };
        Ok(GateAnswer {
            compound: inputs.compound,
            building: building.map(|b| b.number),
            choices,
            at,
            vehicle: self.vehicle,
            said,
        })
    }
}

impl Handle for MapReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<MapPoint>, ApiError> {
        let [x0, y0, x1, y1] = self.bbox;
        if !(x0 <= x1 && y0 <= y1 && (-180.0..=180.0).contains(&x0) && (-90.0..=90.0).contains(&y0)) {
            return Err(invalid(format!("bbox {:?} is not min_lon,min_lat,max_lon,max_lat", self.bbox)));
        }
        let places = cx.store().in_box(self.bbox, self.limit.unwrap_or(20_000).min(50_000))?;
        Ok(places
            .into_iter()
            .map(|p| MapPoint {
                id: p.id,
                kind: p.kind(),
                outline: match &p.detail {
                    Detail::Compound(c) => c.outline.clone(),
                    _ => None,
                },
                line: p.path_info().map(|i| i.line.clone()),
                wall: p.path_info().is_some_and(|i| i.path_kind == ridermap_core::PathKind::Wall),
                name: p.name,
                lat: p.lat,
                lon: p.lon,
            })
            .collect())
    }
}

/// `field=value` settings as typed: a `compound` may be named instead of given by id.
fn resolve_sets(store: &Store, mut sets: Vec<(String, String)>) -> Result<Vec<(String, String)>, ApiError> {
    for (k, v) in sets.iter_mut() {
        if k.trim() == "compound" && !v.trim().is_empty() && v.trim().parse::<Id>().is_err() {
            *v = store.find_compound(v.trim())?.id.to_string();
        }
    }
    Ok(sets)
}

impl Handle for AddPlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        let actor = cx.actor();
        let store = cx.store();
        let (lat, lon) = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => (lat, lon),
            (None, None) if self.kind == PlaceKind::Path => (0.0, 0.0),
            (None, None) => return Err(invalid("lat/lon: say where the place is")),
            _ => return Err(invalid("lat and lon go together")),
        };
        let mut p = Place::new(self.kind, self.name, lat, lon);
        p.stamp = Stamp::now();
        p.stamp.updated_by = actor.name.clone();
        let sets = resolve_sets(store, self.sets)?;
        let mut p = ridermap_core::patch::apply(&p, &sets).map_err(|e| invalid(e.to_string()))?;
        // A path without a position of its own is labelled at the middle of its line.
        if self.lat.is_none()
            && let Some(mid) = p.path_info().and_then(|i| i.line.get(i.line.len() / 2)).copied()
        {
            (p.lon, p.lat) = (mid[0], mid[1]);
        }
        store.put_place(&p, actor)?;
        find(store, p.id)
    }
}

impl Handle for SavePlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        let actor = cx.actor();
        let store = cx.store();
        store.put_place(&self.place, actor)?;
        find(store, self.place.id)
    }
}

impl Handle for EditPlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        let actor = cx.actor();
        let store = cx.store();
        let sets = resolve_sets(store, self.sets)?;
        Ok(store.edit_place(self.id, &sets, actor)?)
    }
}

impl Handle for VerifyPlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Place, ApiError> {
        let actor = cx.actor();
        Ok(cx.store().verify_place(self.id, actor)?)
    }
}

impl Handle for DeletePlaceReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<(), ApiError> {
        let actor = cx.actor();
        Ok(cx.store().delete_place(self.id, actor)?)
    }
}

#[cfg(test)]
mod tests {
    use super::split_building;

    #[test]
    fn a_building_typed_after_the_name() {
        let check = |text: &str, expected: Option<(&str, &str)>| assert_eq!(split_building(text), expected, "{text}");
        check("开鲁六村 12", Some(("开鲁六村", "12")));
        check("开鲁六村12号楼", Some(("开鲁六村", "12")));
        check("开鲁六村 12A栋", Some(("开鲁六村", "12A")));
        check("Kailu 6th 12", Some(("Kailu 6th", "12")));
        check("开鲁六村", None);
        check("12", None);
    }
}
