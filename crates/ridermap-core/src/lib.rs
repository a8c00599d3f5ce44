//! Ridermap's domain: what a place, a report and a visit are, how opening hours are read, and how
//! the best gate of a compound is chosen. Pure data and logic — no I/O, no SQLite, no async — so the
//! wasm UI, the store, the sync engine and the server all share one definition.

pub mod base;
pub mod error;
pub mod geo;
pub mod hlc;
pub mod hours;
pub mod i18n;
pub mod id;
pub mod incoming;
pub mod model;
pub mod nav;
pub mod patch;
pub mod rank;
pub mod route;
pub mod score;
pub mod status;
pub mod words;

pub use error::{ApiError, ErrorCode, Invalid, Problem};
pub use geo::LatLon;
pub use hlc::Hlc;
pub use hours::{Hours, HoursState};
pub use i18n::Lang;
pub use id::Id;
pub use incoming::{Incoming, Loc, Origin, RowProblem};
pub use model::*;
