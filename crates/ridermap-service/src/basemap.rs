//! The offline base map: a raster MBTiles file imported next to the store
//! (`<store>.basemap.mbtiles`) and read tile by tile for the map (`ridermap://localhost/tiles/…`
//! in the app, `/tiles/…` from `ridermap web`). MBTiles rows are TMS (y from the south); the UI
//! asks in XYZ (y from the north).

use std::{
    collections::HashMap,
    fmt::Display,
    path::{Path, PathBuf},
    time::UNIX_EPOCH,
};

use ridermap_api::{ApiError, BaseMap, BaseMapReq, Datum, ErrorCode, ImportBaseMapReq};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::{Ctx, Handle};

/// Where the base map of the store at `store` lives.
pub fn file_for(store: &Path) -> PathBuf {
    store.with_extension("basemap.mbtiles")
}

fn bad(file: &Path, what: impl Display) -> ApiError {
    ApiError::invalid(format!("{}: {what}", file.display()))
}

/// An open, checked MBTiles file.
pub struct Tiles {
    conn: Connection,
    pub info: BaseMap,
}

impl Tiles {
    /// Opens `file` read-only and checks that it is a raster MBTiles file the map can draw.
    pub fn open(file: &Path) -> Result<Tiles, ApiError> {
        if !file.is_file() {
            return Err(bad(file, "no such file"));
        }
        let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| bad(file, format_args!("cannot open: {e}")))?;
        let meta = metadata(&conn).map_err(|e| bad(file, format_args!("not an MBTiles file ({e})")))?;
        let format = match meta.get("format").map(|f| f.trim().to_ascii_lowercase()) {
            Some(f) if matches!(f.as_str(), "png" | "jpg" | "jpeg" | "webp") => f,
            Some(f) if f == "pbf" => {
                return Err(bad(file, "holds vector tiles (format pbf); the map draws raster tiles (png, jpg, webp)"));
            }
            Some(f) => return Err(bad(file, format_args!("metadata `format` is `{f}`; expected png, jpg or webp"))),
            None => return Err(bad(file, "metadata has no `format` (png, jpg or webp)")),
        };
        let not_mbtiles = |e: rusqlite::Error| bad(file, format_args!("not an MBTiles file ({e})"));
        // Opened at every start: look at one row, and scan the tiles for zooms only when the
        // metadata does not say (`tiles` is often a view over deduplicated images).
        let any: Option<i64> =
            conn.query_row("SELECT 1 FROM tiles LIMIT 1", [], |r| r.get(0)).optional().map_err(not_mbtiles)?;
        if any.is_none() {
            return Err(bad(file, "holds no tiles"));
        }
        let zoom = |field: &str, pick: &str| -> Result<u8, ApiError> {
            match meta.get(field) {
                None => conn
                    .query_row(&format!("SELECT {pick}(zoom_level) FROM tiles"), [], |r| r.get(0))
                    .map_err(not_mbtiles),
                Some(v) => v
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|z| *z <= 30)
                    .ok_or_else(|| bad(file, format_args!("metadata `{field}` is `{v}`: not a zoom level (0-30)"))),
            }
        };
        let (min_zoom, max_zoom) = (zoom("minzoom", "min")?, zoom("maxzoom", "max")?);
        let bounds = match meta.get("bounds") {
            None => None,
            Some(v) => Some(parse_bounds(v).ok_or_else(|| {
                bad(file, format_args!("metadata `bounds` is `{v}`; expected west,south,east,north in degrees"))
            })?),
        };
        let datum = match meta.get("datum").or(meta.get("crs")).map(|d| d.trim().to_ascii_lowercase().replace('-', ""))
        {
            None => Datum::Wgs84,
            Some(d) if matches!(d.as_str(), "wgs84" | "epsg:4326" | "epsg:3857") => Datum::Wgs84,
            Some(d) if d == "gcj02" => Datum::Gcj02,
            Some(d) => return Err(bad(file, format_args!("metadata `datum` is `{d}`; expected wgs84 or gcj02"))),
        };
        let stamp = std::fs::metadata(file)
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_millis())));
        let version = stamp.map(|(len, ms)| format!("{ms}-{len}")).unwrap_or_default();
        let name = meta
            .get("name")
            .cloned()
            .unwrap_or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
        let info = BaseMap { name, format, min_zoom, max_zoom, bounds, datum, version };
        Ok(Tiles { conn, info })
    }

    /// The tile at `z/x/y` (XYZ), if the file has it.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, ApiError> {
        if z > 30 || u64::from(x) >= 1 << z || u64::from(y) >= 1 << z {
            return Ok(None);
        }
        let row = ((1u64 << z) - 1 - u64::from(y)) as i64;
        self.conn
            .query_row(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                rusqlite::params![z, x, row],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| ApiError::new(ErrorCode::Database, format!("reading tile {z}/{x}/{y}: {e}")))
    }

    pub fn content_type(&self) -> &'static str {
        match self.info.format.as_str() {
            "png" => "image/png",
            "webp" => "image/webp",
            _ => "image/jpeg",
        }
    }
}

fn metadata(conn: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut stmt = conn.prepare("SELECT name, value FROM metadata")?;
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect()
}

fn parse_bounds(v: &str) -> Option<[f64; 4]> {
    let parts: Vec<f64> = v.split(',').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    let [w, s, e, n] = <[f64; 4]>::try_from(parts).ok()?;
    let ok = (-180.0..=180.0).contains(&w) && (-180.0..=180.0).contains(&e) && (-90.0..=90.0).contains(&s);
    (ok && (-90.0..=90.0).contains(&n) && w < e && s < n).then_some([w, s, e, n])
}

/// Copies `from` to `to` once it has been checked, as one consistent snapshot; the base map held
/// before stays untouched until the copy is complete and checked too.
pub fn import(from: &Path, to: &Path) -> Result<Tiles, ApiError> {
    let source = Tiles::open(from)?;
    let partial = to.with_extension("mbtiles.importing");
    let _ = std::fs::remove_file(&partial);
    let copied = source
        .conn
        .execute("VACUUM INTO ?1", [partial.to_string_lossy()])
        .map_err(|e| bad(from, format_args!("cannot copy it into {}: {e}", partial.display())))
        .and_then(|_| Tiles::open(&partial));
    match copied {
        Ok(copy) => {
            drop(copy);
            std::fs::rename(&partial, to)
                .map_err(|e| bad(to, format_args!("cannot put the new base map in place: {e}")))?;
            Tiles::open(to)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// What the service holds: no base map, one, or one that would not open (said when asked).
pub type Slot = Result<Option<Tiles>, ApiError>;

/// The base map of the store at `store`, if one was imported.
pub fn load(store: &Path) -> Slot {
    let file = file_for(store);
    if file.exists() { Tiles::open(&file).map(Some) } else { Ok(None) }
}

impl Handle for BaseMapReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Option<BaseMap>, ApiError> {
        let slot = cx.basemap().lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Ok(tiles) => Ok(tiles.as_ref().map(|t| t.info.clone())),
            Err(e) => Err(e.clone()),
        }
    }
}

impl Handle for ImportBaseMapReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<BaseMap, ApiError> {
        let path = self.path.trim();
        if path.is_empty() {
            return Err(crate::invalid("path: give the .mbtiles file to import"));
        }
        let mut slot = cx.basemap().lock().unwrap_or_else(|p| p.into_inner());
        let tiles = import(Path::new(path), &file_for(cx.path()))?;
        let info = tiles.info.clone();
        *slot = Ok(Some(tiles));
        Ok(info)
    }
}
