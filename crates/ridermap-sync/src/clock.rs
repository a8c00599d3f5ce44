//! A device whose clock runs ahead could otherwise win every later edit. The server accepts a
//! change's clock at most `bound` ahead of its own and clamps anything later to that bound.

use ridermap_core::Hlc;

/// How far ahead of the server a change's clock may be.
pub const DEFAULT_BOUND_MS: i64 = 60_000;

/// `hlc` if it is within `bound_ms` of `server_ms`, otherwise the latest clock allowed.
pub fn clamp(hlc: Hlc, server_ms: i64, bound_ms: i64) -> Hlc {
    let limit = server_ms.saturating_add(bound_ms);
    if hlc.ms > limit { Hlc { ms: limit, counter: hlc.counter } } else { hlc }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_a_day_ahead_are_clamped_to_the_bound() {
        let now = 1_800_000_000_000;
        let ahead = Hlc { ms: now + 24 * 3_600_000, counter: 3 };
        assert_eq!(clamp(ahead, now, DEFAULT_BOUND_MS), Hlc { ms: now + DEFAULT_BOUND_MS, counter: 3 });
        let fine = Hlc { ms: now + 5_000, counter: 0 };
        assert_eq!(clamp(fine, now, DEFAULT_BOUND_MS), fine);
    }
}
