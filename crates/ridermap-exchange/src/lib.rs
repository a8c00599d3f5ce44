//! File formats grid stations work with. Readers turn a file into `Incoming` records (fields plus
//! where each came from) for `Store::import`; writers stream the store out. Field names are the
//! model's (see `docs/formats.md`).

pub mod demo;
pub mod geo_json;
pub mod osm;
pub mod table;

use std::path::Path;

use ridermap_core::Incoming;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
    /// OpenStreetMap XML (`.osm`) or PBF (`.osm.pbf`), told apart by content.
    Osm,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "csv" => Some(Format::Csv),
            "osm" | "pbf" | "osm.pbf" | "xml" => Some(Format::Osm),
            _ => None,
        }
    }

    /// Guess from the file name.
    pub fn guess(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".geojson") || name.ends_with(".json") {
            Some(Format::GeoJson)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else if name.ends_with(".osm") || name.ends_with(".pbf") || name.ends_with(".osm.xml") {
            Some(Format::Osm)
        } else {
            None
        }
    }
}

/// A file that could not be read at all (as opposed to bad records in it).
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {reason}", .at.as_ref().map(|a| format!(":{a}")).unwrap_or_default())]
pub struct ReadError {
    pub file: String,
    /// Line (and column) or element, when known.
    pub at: Option<String>,
    pub reason: String,
}

impl ReadError {
    pub fn new(file: &str, at: Option<String>, reason: impl Into<String>) -> ReadError {
        ReadError { file: file.to_string(), at, reason: reason.into() }
    }
}

/// Options a reader may need.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Kind for CSV rows without a `kind` column.
    pub default_kind: Option<String>,
}

/// Read `path` in `format` into records.
pub fn read(path: &Path, format: Format, opts: &ReadOptions) -> Result<Vec<Incoming>, ReadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ReadError::new(&name, None, format!("cannot read: {e}")))?;
    match format {
        Format::GeoJson => geo_json::read(&name, &bytes),
        Format::Csv => table::read(&name, &bytes, opts),
        Format::Osm => osm::read(&name, &bytes),
    }
}
