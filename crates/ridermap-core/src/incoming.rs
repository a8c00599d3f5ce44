//! A record read from a file, before it is checked and stored: its fields as JSON plus where it came
//! from, so every problem can name the file, the line or feature, and the field.

use std::fmt;

use serde_json::{Map, Value};

/// Where in an input a record stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    /// 1-based line of a text file (CSV: the line the row starts on).
    Line(usize),
    /// 0-based index of a GeoJSON feature.
    Feature(usize),
    /// An OpenStreetMap element such as `node/123`.
    Osm(String),
    /// The file as a whole.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub loc: Loc,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.loc {
            Loc::Line(n) => write!(f, "{}:{}", self.file, n),
            Loc::Feature(i) => write!(f, "{} feature {}", self.file, i),
            Loc::Osm(e) => write!(f, "{} {}", self.file, e),
            Loc::File => write!(f, "{}", self.file),
        }
    }
}

/// One record's fields as read, keyed by the model's field names (`kind` included).
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub origin: Origin,
    pub fields: Map<String, Value>,
}

/// A problem with one incoming record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub origin: Origin,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.origin, self.reason)
        } else {
            write!(f, "{}: field `{}`: {}", self.origin, self.field, self.reason)
        }
    }
}
