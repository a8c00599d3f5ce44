//! What fresh reports say about a place right now. Reports fade with age: a report's weight halves
//! every `HALF_LIFE_H` hours, and a later contrary report ("works", "got in") overrides it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{Outcome, Review, StatusReport};

/// Hours after which a report counts half.
pub const HALF_LIFE_H: f64 = 12.0;
/// Reports older than this are ignored entirely.
pub const MAX_AGE_H: i64 = 72;
/// A broken / empty report this fresh makes a charger "likely broken".
pub const BROKEN_WINDOW_H: i64 = 48;

/// Weight of a report of age `age` (1 when new, 0.5 after `HALF_LIFE_H`, 0 beyond `MAX_AGE_H`).
pub fn weight(age: Duration) -> f64 {
    let h = age.num_seconds().max(0) as f64 / 3600.0;
    if h > MAX_AGE_H as f64 { 0.0 } else { 0.5f64.powf(h / HALF_LIFE_H) }
}

/// How far back waits at a gate count, and how fast they fade (a gate's guard routine changes
/// slowly, so waits count longer than closures).
pub const WAIT_WINDOW_H: i64 = 14 * 24;
const WAIT_HALF_LIFE_H: f64 = 72.0;

/// The average wait riders reported at a place, recent waits weighing more: (minutes, reports).
pub fn average_wait(reports: &[StatusReport], now: DateTime<Utc>) -> Option<(f64, u32)> {
    let (mut sum, mut weights, mut n) = (0.0, 0.0, 0);
    for r in live(reports, now, WAIT_WINDOW_H) {
        let Some(m) = r.waited_min else { continue };
        let h = (now - r.observed_at).num_seconds().max(0) as f64 / 3600.0;
        let w = 0.5f64.powf(h / WAIT_HALF_LIFE_H);
        sum += w * f64::from(m);
        weights += w;
        n += 1;
    }
    (n > 0 && weights > 0.0).then(|| (sum / weights, n))
}

/// Reports that still count: not rejected, observed no later than `now`, not older than the window.
pub fn live(reports: &[StatusReport], now: DateTime<Utc>, window_h: i64) -> impl Iterator<Item = &StatusReport> {
    reports.iter().filter(move |r| {
        r.review != Review::Rejected && r.observed_at <= now && now - r.observed_at < Duration::hours(window_h)
    })
}

/// The most recent live report whose outcome is in `set`.
pub fn latest<'a>(
    reports: &'a [StatusReport],
    now: DateTime<Utc>,
    window_h: i64,
    set: &[Outcome],
) -> Option<&'a StatusReport> {
    live(reports, now, window_h).filter(|r| set.contains(&r.outcome)).max_by_key(|r| r.observed_at)
}

/// A place's condition as the crowd sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// No fresh report against it.
    Ok,
    /// A fresh broken / cabinet-empty / closed report, not cleared by a later good one.
    LikelyBroken,
    LikelyEmpty,
    LikelyClosed,
}

/// The condition of one place from its reports (`reports` may include other places' reports).
pub fn condition(reports: &[StatusReport], now: DateTime<Utc>) -> (Condition, Option<DateTime<Utc>>) {
    use Outcome::*;
    let last = latest(reports, now, BROKEN_WINDOW_H, &[Broken, CabinetEmpty, Closed, Works, GotIn, Confirmed]);
    match last {
        Some(r) if r.outcome == Broken => (Condition::LikelyBroken, Some(r.observed_at)),
        Some(r) if r.outcome == CabinetEmpty => (Condition::LikelyEmpty, Some(r.observed_at)),
        Some(r) if r.outcome == Closed => (Condition::LikelyClosed, Some(r.observed_at)),
        _ => (Condition::Ok, None),
    }
}

/// When the place was last seen as recorded ("still true", "works", "got in").
pub fn last_confirmed(reports: &[StatusReport]) -> Option<DateTime<Utc>> {
    reports
        .iter()
        .filter(|r| {
            r.review != Review::Rejected && matches!(r.outcome, Outcome::Confirmed | Outcome::Works | Outcome::GotIn)
        })
        .map(|r| r.observed_at)
        .max()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Id;

    pub fn report(outcome: Outcome, hours_ago: f64, now: DateTime<Utc>) -> StatusReport {
        let at = now - Duration::seconds((hours_ago * 3600.0) as i64);
        let mut r = StatusReport::new(outcome, 31.3, 121.5, at);
        r.target = Some(Id::from_u128(1));
        r
    }

    fn check(reports: &[(Outcome, f64)], expected: Condition) {
        let now = Utc::now();
        let rs: Vec<_> = reports.iter().map(|(o, h)| report(*o, *h, now)).collect();
        assert_eq!(condition(&rs, now).0, expected, "{reports:?}");
    }

    #[test]
    fn conditions() {
        use Outcome::*;
        check(&[], Condition::Ok);
        check(&[(Broken, 2.0)], Condition::LikelyBroken);
        check(&[(Broken, 47.0)], Condition::LikelyBroken);
        check(&[(Broken, 49.0)], Condition::Ok);
        check(&[(Broken, 5.0), (Works, 1.0)], Condition::Ok);
        check(&[(Works, 5.0), (Broken, 1.0)], Condition::LikelyBroken);
        check(&[(CabinetEmpty, 1.0)], Condition::LikelyEmpty);
        check(&[(Hazard, 1.0)], Condition::Ok);
        check(&[(Broken, -1.0)], Condition::Ok); // observed in the future: not yet
    }

    #[test]
    fn rejected_reports_do_not_count() {
        let now = Utc::now();
        let mut r = report(Outcome::Broken, 1.0, now);
        r.review = Review::Rejected;
        assert_eq!(condition(&[r], now).0, Condition::Ok);
    }

    #[test]
    fn weights_fade() {
        assert_eq!(weight(Duration::zero()), 1.0);
        assert!((weight(Duration::hours(12)) - 0.5).abs() < 1e-9);
        assert_eq!(weight(Duration::hours(73)), 0.0);
    }
}
