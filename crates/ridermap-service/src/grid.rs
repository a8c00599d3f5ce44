//! A grid worker's bulk work: stale places, counts, grids, import and
//! export.

use std::{io::Write, path::Path};

use base64::Engine;

use chrono::{Duration, Utc};
use ridermap_api::*;
use ridermap_core::{Grid, Id, Place, PlaceKind, Stamp};
use ridermap_exchange::{Format, ReadOptions};
use ridermap_store::ImportOptions;

use crate::{Ctx, Handle, invalid};

/// Places not verified on site for this many days count as stale.
const STALE_DAYS: i64 = ridermap_store::STALE_DAYS;

pub(crate) fn in_grid(p: &Place, grid: Option<&str>) -> bool {
    grid.is_none_or(|g| p.grid.as_deref() == Some(g))
}

pub(crate) fn kinds(counts: Vec<(String, i64)>) -> Result<Vec<(PlaceKind, i64)>, ApiError> {
    counts
        .into_iter()
        .map(|(k, n)| PlaceKind::parse(&k).map(|k| (k, n)).ok_or_else(|| ApiError::internal(format!("kind `{k}`"))))
        .collect()
}

impl Handle for StaleReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<Place>, ApiError> {
        let cutoff = Utc::now() - Duration::days(self.days.unwrap_or(STALE_DAYS).max(0));
        let mut out = vec![];
        cx.store().for_each_place(None, |p| {
            if in_grid(&p, self.grid.as_deref()) && p.stamp.verified_at.is_none_or(|v| v < cutoff) {
                out.push(p);
            }
            Ok(())
        })?;
        // Never verified first, then the longest ago.
        out.sort_by_key(|p| (p.stamp.verified_at, p.name.clone()));
        Ok(out)
    }
}

impl Handle for StatsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Stats, ApiError> {
        let s = cx.store().stats(self.grid.as_deref(), Utc::now())?;
        Ok(Stats {
            grid: s.grid,
            places: kinds(s.places)?,
            stale: s.stale,
            pending_reports: s.pending_reports,
            visits_7d: s.visits_7d,
            headcount_7d: s.headcount_7d,
            changes_logged: s.changes_logged,
        })
    }
}

fn info(g: Grid) -> GridInfo {
    GridInfo { id: g.id, code: g.code, name: g.name }
}

impl Handle for GridsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<GridInfo>, ApiError> {
        Ok(cx.store().grids()?.into_iter().map(info).collect())
    }
}

impl Handle for AddGridReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<GridInfo, ApiError> {
        let actor = cx.actor();
        let g = Grid { id: Id::new(), code: self.code.trim().to_string(), name: self.name, stamp: Stamp::now() };
        cx.store().put_grid(&g, actor)?;
        Ok(info(g))
    }
}

/// An uploaded file is read from a copy beside the store, kept only while it is imported.
const MAX_UPLOAD_BYTES: usize = 24 << 20;

impl Handle for ImportReq {
    fn handle(mut self, cx: &mut Ctx<'_>) -> Result<ImportReport, ApiError> {
        let Some(upload) = self.upload.take() else { return import(self, cx) };
        let name = upload.name.trim();
        let plain = Path::new(name).file_name().is_some_and(|f| f == std::ffi::OsStr::new(name));
        if name.is_empty() || !plain {
            return Err(invalid(format!("upload: `{name}` is not a file name")));
        }
        if upload.base64.len() / 4 * 3 > MAX_UPLOAD_BYTES {
            return Err(invalid(format!("upload: {name} is larger than {} MiB", MAX_UPLOAD_BYTES >> 20)));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(upload.base64.trim())
            .map_err(|e| invalid(format!("upload: {name} is not base64: {e}")))?;
        let dir = cx.path().with_extension("uploads");
        let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("upload: cannot keep {name}: {e}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let copy = dir.join(name);
        std::fs::write(&copy, &bytes).map_err(io)?;
        self.path = copy.display().to_string();
        let done = import(self, cx);
        // Best effort: the copy was only read; what the import did is in its answer.
        std::fs::remove_file(&copy).ok();
        std::fs::remove_dir(&dir).ok();
        // Problems name the file as it was sent, not the copy.
        let kept = format!("{}/", dir.display());
        match done {
            Ok(mut r) => {
                r.problems = r.problems.into_iter().map(|p| p.replace(&kept, "")).collect();
                Ok(r)
            }
            Err(mut e) => {
                e.message = e.message.replace(&kept, "");
                Err(e)
            }
        }
    }
}

fn import(req: ImportReq, cx: &mut Ctx<'_>) -> Result<ImportReport, ApiError> {
    let path = Path::new(req.path.trim());
    let format = match &req.format {
        Some(f) => Format::parse(f).ok_or_else(|| invalid(format!("format: `{f}` is not geojson, csv or osm")))?,
        None => Format::guess(path).ok_or_else(|| {
            invalid(format!(
                "{}: cannot tell the format from the name; say which (geojson, csv or osm)",
                path.display()
            ))
        })?,
    };
    let opts = ReadOptions { default_kind: req.kind.map(|k| k.as_str().to_string()) };
    let progress = cx.progress();
    let actor = cx.actor();
    let mut tick = |done: usize, total: usize| {
        if let Some(f) = progress {
            f(done, total)
        }
    };
    let options = ImportOptions { skip_invalid: req.skip_invalid, progress: Some(&mut tick) };
    let (report, base) = if format == Format::Osm {
        // Streamed: the base layer goes into the store as the file is read, in the same
        // transaction as its records; a source is the file's name (importing it again replaces it).
        let source =
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
        let read = |sink: &mut dyn ridermap_core::base::BaseSink| {
            ridermap_exchange::osm::read_path(path, sink).map_err(|e| e.to_string())
        };
        let (r, b) = cx.store().import_with_base(&source, read, options, actor)?;
        (r, Some(b))
    } else {
        let rows = ridermap_exchange::read(path, format, &opts).map_err(|e| invalid(e.to_string()))?;
        (cx.store().import(&rows, options, actor)?, None)
    };
    Ok(ImportReport {
        inserted: report.inserted,
        updated: report.updated,
        unchanged: report.unchanged,
        skipped: report.skipped,
        problems: report.problems.iter().map(|p| p.to_string()).collect(),
        base_features: base.as_ref().map_or(0, |b| b.features),
        base_bytes: base.as_ref().map_or(0, |b| b.geometry_bytes),
    })
}

impl Handle for ExportReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Exported, ApiError> {
        let format = Format::parse(&self.format)
            .filter(|f| *f != Format::Osm)
            .ok_or_else(|| invalid(format!("format: `{}` is not geojson or csv", self.format)))?;
        let store = cx.store();
        let write = |out: &mut dyn Write| match format {
            Format::GeoJson => ridermap_exchange::geo_json::write(store, self.kind, out),
            _ => ridermap_exchange::table::write(store, self.kind, out),
        };
        let io = |what: &str, e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{what}: {e}"));
        let Some(out) = self.out.filter(|o| !o.trim().is_empty()) else {
            let mut text = vec![];
            let records = write(&mut text).map_err(|e| io("export", e))?;
            let text = String::from_utf8(text).map_err(|e| ApiError::internal(e.to_string()))?;
            return Ok(Exported { records, text: Some(text) });
        };
        // Written beside the target and renamed, so a failed export never leaves half a file.
        let target = Path::new(out.trim());
        let partial = target.with_extension("partial");
        let written = (|| {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
            let n = write(&mut file)?;
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&partial, target)?;
            Ok(n)
        })();
        match written {
            Ok(records) => Ok(Exported { records, text: None }),
            Err(e) => {
                // Best effort: the partial file is ours and worthless now; the error says what failed.
                std::fs::remove_file(&partial).ok();
                Err(io(&format!("cannot write {}", target.display()), e))
            }
        }
    }
}
