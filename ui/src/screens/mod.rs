//! One module per screen.

pub mod dashboard;
pub mod gate;
pub mod grid;
pub mod nearby;
pub mod place;
pub mod station;
pub mod sync;
