//! Words on screen: the shared words of `ridermap_core::words`, and what only the screens need.
//! Pure: tested natively.

pub use ridermap_core::words::*;
use ridermap_core::{Outcome, PlaceKind};

/// The outcomes worth offering for a kind of place, most common first.
pub fn outcomes_for(k: Option<PlaceKind>) -> &'static [Outcome] {
    use Outcome::*;
    match k {
        Some(PlaceKind::Entrance) => &[GotIn, Refused, EbikeBanned, Closed, Hazard],
        Some(PlaceKind::Charger) => &[Works, CabinetEmpty, Broken, Closed],
        Some(PlaceKind::RestStop) => &[Works, Closed, Broken],
        Some(PlaceKind::Compound) => &[GotIn, Refused, Hazard],
        // A lane or passage: blocked, or dangerous.
        Some(PlaceKind::Path) => &[Closed, Hazard],
        None => &[Hazard],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_offers_outcomes_a_rider_would_report() {
        for k in PlaceKind::ALL {
            assert!(!outcomes_for(Some(k)).is_empty(), "{k:?}");
        }
        assert_eq!(outcomes_for(None), &[Outcome::Hazard], "a bare location takes only hazards");
    }
}
