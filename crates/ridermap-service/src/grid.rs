//! A grid worker's overview: stale places, the per-grid dashboard, grids, export.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use ridermap_api::*;
use ridermap_core::{
    Detail, Place, PlaceKind,
    hours::{DEFAULT_TZ, local_to_utc},
};

use crate::{Ctx, Handle, invalid, store_error};

/// Places not verified on site for this many days count as stale (as in `ridermap stats`).
const STALE_DAYS: i64 = 90;
const CHART_DAYS: i64 = 14;

fn in_grid(p: &Place, grid: Option<&str>) -> bool {
    grid.is_none_or(|g| p.grid.as_deref() == Some(g))
}

impl Handle for StaleReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<Place>, ApiError> {
        let cutoff = Utc::now() - Duration::days(self.days.unwrap_or(STALE_DAYS).max(0));
        let mut out = vec![];
        cx.store
            .for_each_place(None, |p| {
                if in_grid(&p, self.grid.as_deref()) && p.stamp.verified_at.is_none_or(|v| v < cutoff) {
                    out.push(p);
                }
                Ok(())
            })
            .map_err(store_error)?;
        // Never verified first, then the longest ago.
        out.sort_by_key(|p| (p.stamp.verified_at, p.name.clone()));
        Ok(out)
    }
}

impl Handle for DashboardReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Dashboard, ApiError> {
        let now = Utc::now();
        let stats = cx.store.stats(self.grid.as_deref(), now).map_err(store_error)?;
        let today = now.with_timezone(&DEFAULT_TZ).date_naive();
        let first = today - Duration::days(CHART_DAYS - 1);
        let from = local_to_utc(first.and_hms_opt(0, 0, 0).expect("midnight"), DEFAULT_TZ)
            .ok_or_else(|| invalid("no midnight"))?;
        let mut days: BTreeMap<NaiveDate, (i64, i64)> =
            (0..CHART_DAYS).map(|i| (first + Duration::days(i), (0, 0))).collect();
        let mut stations = vec![];
        cx.store
            .for_each_place(Some(PlaceKind::RestStop), |p| {
                if in_grid(&p, self.grid.as_deref()) && matches!(p.detail, Detail::RestStop(_)) {
                    stations.push(p.id);
                }
                Ok(())
            })
            .map_err(store_error)?;
        for s in stations {
            for v in cx.store.visits(s, from, now + Duration::days(1)).map_err(store_error)? {
                if let Some(d) = days.get_mut(&v.at.with_timezone(&DEFAULT_TZ).date_naive()) {
                    d.0 += 1;
                    d.1 += i64::from(v.headcount);
                }
            }
        }
        Ok(Dashboard {
            grid: stats.grid,
            places: stats.places,
            stale: stats.stale,
            open_reports: stats.pending_reports,
            visits_per_day: days.into_iter().map(|(d, (n, h))| (d, n, h)).collect(),
        })
    }
}

impl Handle for GridsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<GridInfo>, ApiError> {
        let grids = cx.store.grids().map_err(store_error)?;
        Ok(grids.into_iter().map(|g| GridInfo { code: g.code, name: g.name }).collect())
    }
}

impl Handle for ExportReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<String, ApiError> {
        let mut out = vec![];
        let written = match self.format.as_str() {
            "geojson" => ridermap_exchange::geo_json::write(cx.store, None, &mut out),
            "csv" => ridermap_exchange::table::write(cx.store, None, &mut out),
            other => return Err(invalid(format!("format: `{other}` is not geojson or csv"))),
        };
        written.map_err(|e| ApiError::new("io", e.to_string()))?;
        String::from_utf8(out).map_err(|e| ApiError::new("internal", e.to_string()))
    }
}
