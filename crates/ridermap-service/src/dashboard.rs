//! The grid worker's dashboard: what is on the map, whether riders can be told the way into each
//! compound, how fresh the checks on site are, what riders reported week by week, the hazards
//! still open and the stations' visitors — one answer, as of a given time, and each panel's
//! numbers as CSV.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ridermap_api::*;
use ridermap_core::{
    Detail, EbikeAccess, Outcome, Place, PlaceKind, Review,
    hours::{DEFAULT_TZ, local_to_utc, week_start},
};
use ridermap_store::{STALE_DAYS, Store};

use crate::{
    Ctx, Handle,
    grid::{in_grid, kinds},
    invalid, route,
};

const CHART_DAYS: i64 = 14;
const WEEKS: i64 = 8;
/// A hazard report older than this is no longer shown as open.
const HAZARD_DAYS: i64 = 30;
const STALEST: usize = 5;

/// Outcomes the weekly chart counts: what riders saw (ratings are opinions, scored apart).
fn reported() -> impl Iterator<Item = Outcome> {
    Outcome::ALL.into_iter().filter(|o| *o != Outcome::Rated)
}

fn local_midnight(day: NaiveDate) -> Result<DateTime<Utc>, ApiError> {
    local_to_utc(day.and_hms_opt(0, 0, 0).expect("midnight"), DEFAULT_TZ).ok_or_else(|| invalid("no midnight"))
}

/// A gate riders can be sent to: its hours and its e-bike rule are known.
fn gate_gaps(g: &Place) -> Vec<Gap> {
    let mut gaps = vec![];
    if g.opening_hours.as_deref().is_none_or(|h| h.trim().is_empty()) {
        gaps.push(Gap::Hours { gate: g.name.clone() });
    }
    if g.entrance().is_none_or(|e| e.ebike == EbikeAccess::Unknown) {
        gaps.push(Gap::Ebike { gate: g.name.clone() });
    }
    gaps
}

/// `compound`'s way in, judged by day (`noon`), when gates keep their daytime hours.
fn way_in(store: &Store, compound: &Place, noon: DateTime<Utc>) -> Result<CompoundGaps, ApiError> {
    let gates = store.compound_members(compound.id, Some(PlaceKind::Entrance))?;
    let buildings = compound.compound_info().map(|c| c.buildings.as_slice()).unwrap_or_default();
    let mut gaps = vec![];
    if gates.is_empty() {
        gaps.push(Gap::NoGate);
    }
    if buildings.is_empty() {
        gaps.push(Gap::NoBuildings);
    }
    let mut known = vec![];
    for g in &gates {
        let missing = gate_gaps(g);
        known.push(missing.is_empty());
        gaps.extend(missing);
    }
    // Ways that lead from no gate to any building are as good as none: the compound's lanes are
    // not mapped.
    let reached: Vec<bool> = match route::reached_by(store, compound, &gates, noon)? {
        Some(by_gate) if by_gate.iter().flatten().any(|r| *r) => {
            let by_known: Vec<bool> = by_gate.iter().map(|gs| gs.iter().zip(&known).any(|(r, k)| *r && *k)).collect();
            let unreached = buildings.iter().zip(&by_known).filter(|(_, r)| !**r);
            gaps.extend(unreached.map(|(b, _)| Gap::Unreached { building: b.number.clone() }));
            by_known
        }
        _ if buildings.is_empty() || gates.is_empty() => vec![false; buildings.len()],
        _ => {
            gaps.push(Gap::NoWays);
            vec![false; buildings.len()]
        }
    };
    Ok(CompoundGaps {
        id: compound.id,
        name: compound.name.clone(),
        buildings: buildings.len() as i64,
        reached: reached.iter().filter(|r| **r).count() as i64,
        gaps,
    })
}

fn weeks(reports: &[ridermap_core::StatusReport], this_week: NaiveDate) -> Vec<WeekReports> {
    let first = this_week - Duration::weeks(WEEKS - 1);
    let mut by_week: BTreeMap<NaiveDate, BTreeMap<usize, i64>> =
        (0..WEEKS).map(|i| (first + Duration::weeks(i), BTreeMap::new())).collect();
    for r in reports.iter().filter(|r| r.outcome != Outcome::Rated) {
        let week = week_start(r.observed_at.with_timezone(&DEFAULT_TZ).date_naive());
        let order = Outcome::ALL.iter().position(|o| *o == r.outcome).expect("every outcome is listed");
        if let Some(w) = by_week.get_mut(&week) {
            *w.entry(order).or_default() += 1;
        }
    }
    by_week
        .into_iter()
        .map(|(week, counts)| WeekReports {
            week,
            counts: counts.into_iter().map(|(i, n)| (Outcome::ALL[i], n)).collect(),
        })
        .collect()
}

fn dashboard(store: &Store, grid: Option<&str>, at: DateTime<Utc>) -> Result<Dashboard, ApiError> {
    let stats = store.stats(grid, at)?;
    let today = at.with_timezone(&DEFAULT_TZ).date_naive();
    let noon = local_to_utc(today.and_hms_opt(12, 0, 0).expect("noon"), DEFAULT_TZ).unwrap_or(at);

    let mut all = vec![];
    store.for_each_place(None, |p| {
        if in_grid(&p, grid) && p.kind() != PlaceKind::Path {
            all.push(p);
        }
        Ok(())
    })?;
    let fresh_after = at - Duration::days(STALE_DAYS);
    let verified = all.iter().filter(|p| p.stamp.verified_at.is_some_and(|v| v >= fresh_after)).count() as i64;

    let compounds: Vec<&Place> = all.iter().filter(|p| matches!(p.detail, Detail::Compound(_))).collect();
    let mut gaps = vec![];
    let mut stalest = vec![];
    for c in &compounds {
        let w = way_in(store, c, noon)?;
        if !w.gaps.is_empty() {
            gaps.push(w);
        }
        let gates = all.iter().filter(|p| p.compound == Some(c.id) && matches!(p.detail, Detail::Entrance(_)));
        // Never verified sorts before any time.
        let least = std::iter::once(*c).chain(gates).map(|p| p.stamp.verified_at).min().flatten();
        stalest.push(StaleCompound { id: c.id, name: c.name.clone(), verified_at: least });
    }
    gaps.sort_by(|a, b| (b.buildings - b.reached).cmp(&(a.buildings - a.reached)).then(a.name.cmp(&b.name)));
    stalest.sort_by(|a, b| a.verified_at.cmp(&b.verified_at).then(a.name.cmp(&b.name)));
    stalest.retain(|s| s.verified_at.is_none_or(|v| v < fresh_after));
    stalest.truncate(STALEST);

    let this_week = week_start(today);
    let from = local_midnight(this_week - Duration::weeks(WEEKS - 1))?;
    let reports = store.reports_between(grid, from, at + Duration::minutes(1))?;
    let hazard_from = at - Duration::days(HAZARD_DAYS);
    let mut hazards: Vec<HazardPin> = store
        .reports_between(grid, hazard_from, at + Duration::minutes(1))?
        .into_iter()
        .filter(|r| r.outcome == Outcome::Hazard && r.review != Review::Rejected)
        .map(|r| HazardPin {
            id: r.id,
            lat: r.lat,
            lon: r.lon,
            observed_at: r.observed_at,
            note: r.note,
            review: r.review,
        })
        .collect();
    hazards.reverse();

    Ok(Dashboard {
        grid: stats.grid,
        at,
        places: kinds(stats.places)?,
        stale: stats.stale,
        open_reports: stats.pending_reports,
        way_in: WayIn { compounds: compounds.len() as i64, known: (compounds.len() - gaps.len()) as i64, gaps },
        verified: Freshness { days: STALE_DAYS, places: all.len() as i64, verified, stalest },
        weeks: weeks(&reports, this_week),
        hazards,
        visits_per_day: visits_per_day(store, &all, today, at)?,
    })
}

fn visits_per_day(
    store: &Store,
    places: &[Place],
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, i64, i64)>, ApiError> {
    let first = today - Duration::days(CHART_DAYS - 1);
    let from = local_midnight(first)?;
    let to = local_midnight(today + Duration::days(1))?.min(at + Duration::minutes(1));
    let mut days: BTreeMap<NaiveDate, (i64, i64)> =
        (0..CHART_DAYS).map(|i| (first + Duration::days(i), (0, 0))).collect();
    // `places` are the grid's already.
    for s in places.iter().filter(|p| matches!(p.detail, Detail::RestStop(_))) {
        for v in store.visits(s.id, from, to)? {
            if let Some(d) = days.get_mut(&v.at.with_timezone(&DEFAULT_TZ).date_naive()) {
                d.0 += 1;
                d.1 += i64::from(v.headcount);
            }
        }
    }
    Ok(days.into_iter().map(|(d, (n, h))| (d, n, h)).collect())
}

impl Handle for DashboardReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Dashboard, ApiError> {
        dashboard(cx.store(), self.grid.as_deref(), self.at.unwrap_or_else(Utc::now))
    }
}

fn gap_text(g: &Gap) -> String {
    match g {
        Gap::NoGate => "no gate".into(),
        Gap::NoBuildings => "no buildings".into(),
        Gap::NoWays => "no ways mapped".into(),
        Gap::Hours { gate } => format!("hours of {gate} unknown"),
        Gap::Ebike { gate } => format!("e-bike rule of {gate} unknown"),
        Gap::Unreached { building } => format!("buildings not reached: {building}"),
    }
}

/// One panel as rows under a header.
fn table(d: &Dashboard, panel: &str) -> Result<(Vec<&'static str>, Vec<Vec<String>>), ApiError> {
    let time = |t: DateTime<Utc>| t.with_timezone(&DEFAULT_TZ).format("%Y-%m-%d %H:%M").to_string();
    Ok(match panel {
        "places" => {
            let mut rows: Vec<Vec<String>> = d.places.iter().map(|(k, n)| vec![k.to_string(), n.to_string()]).collect();
            rows.push(vec!["stale".into(), d.stale.to_string()]);
            rows.push(vec!["open_reports".into(), d.open_reports.to_string()]);
            (vec!["what", "count"], rows)
        }
        "way_in" => (
            vec!["compound", "buildings", "reached", "missing"],
            d.way_in
                .gaps
                .iter()
                .map(|c| {
                    let mut missing: Vec<String> =
                        c.gaps.iter().filter(|g| !matches!(g, Gap::Unreached { .. })).map(gap_text).collect();
                    let unreached: Vec<&str> = c
                        .gaps
                        .iter()
                        .filter_map(|g| match g {
                            Gap::Unreached { building } => Some(building.as_str()),
                            _ => None,
                        })
                        .collect();
                    if !unreached.is_empty() {
                        missing.push(format!("buildings not reached: {}", unreached.join(" ")));
                    }
                    vec![c.name.clone(), c.buildings.to_string(), c.reached.to_string(), missing.join("; ")]
                })
                .collect(),
        ),
        "verified" => (
            vec!["compound", "verified_at"],
            d.verified
                .stalest
                .iter()
                .map(|s| vec![s.name.clone(), s.verified_at.map(time).unwrap_or_else(|| "never".into())])
                .collect(),
        ),
        "reports" => {
            let mut header = vec!["week"];
            header.extend(reported().map(Outcome::as_str));
            let rows = d
                .weeks
                .iter()
                .map(|w| {
                    let mut row = vec![w.week.to_string()];
                    row.extend(
                        reported().map(|o| w.counts.iter().find(|(c, _)| *c == o).map_or(0, |(_, n)| *n).to_string()),
                    );
                    row
                })
                .collect();
            (header, rows)
        }
        "hazards" => (
            vec!["observed_at", "lat", "lon", "review", "note"],
            d.hazards
                .iter()
                .map(|h| {
                    let review = match h.review {
                        Review::Pending => "pending",
                        Review::Accepted => "accepted",
                        Review::Rejected => "rejected",
                    };
                    vec![
                        time(h.observed_at),
                        format!("{:.6}", h.lat),
                        format!("{:.6}", h.lon),
                        review.into(),
                        h.note.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        "visits" => (
            vec!["day", "visits", "headcount"],
            d.visits_per_day.iter().map(|(day, n, h)| vec![day.to_string(), n.to_string(), h.to_string()]).collect(),
        ),
        other => {
            return Err(invalid(format!(
                "panel: `{other}` is not places, way_in, verified, reports, hazards or visits"
            )));
        }
    })
}

impl Handle for DashboardCsvReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<String, ApiError> {
        let d = dashboard(cx.store(), self.grid.as_deref(), self.at.unwrap_or_else(Utc::now))?;
        let (header, rows) = table(&d, self.panel.trim())?;
        let mut w = csv::Writer::from_writer(vec![]);
        let fail = |e: csv::Error| ApiError::internal(e.to_string());
        w.write_record(&header).map_err(fail)?;
        for r in rows {
            w.write_record(&r).map_err(fail)?;
        }
        let bytes = w.into_inner().map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(out) = self.out.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
            crate::write_whole(std::path::Path::new(out), &bytes)?;
        }
        String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
    }
}

impl Handle for ScorecardReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<CompoundScore>, ApiError> {
        let at = self.at.unwrap_or_else(Utc::now);
        let store = cx.store();
        let mut compounds = vec![];
        store.for_each_place(Some(PlaceKind::Compound), |p| {
            if in_grid(&p, self.grid.as_deref()) {
                compounds.push(p);
            }
            Ok(())
        })?;
        let ids: Vec<_> = compounds.iter().map(|c| c.id).collect();
        let ratings = store.ratings_of(&ids, at - Duration::days(ridermap_core::score::MAX_AGE_DAYS))?;
        let mut out: Vec<CompoundScore> = compounds
            .into_iter()
            .map(|c| {
                let mine: Vec<_> = ratings.iter().filter(|r| r.target == Some(c.id)).cloned().collect();
                CompoundScore { id: c.id, name: c.name, score: ridermap_core::score::score(&mine, at) }
            })
            .collect();
        // The worst first; the unrated last, by name.
        out.sort_by(|a, b| {
            let key = |s: &CompoundScore| s.score.overall.unwrap_or(f64::INFINITY);
            key(a).total_cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(out)
    }
}
