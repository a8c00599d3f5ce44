//! A compound's rider-friendliness from riders' one-tap ratings (a rider's latest only): per
//! indicator the weighted
//! counts of good and bad (a rating counts half as much every `HALF_LIFE_DAYS`, and not at all
//! after `MAX_AGE_DAYS`, as reports fade), the share of good, an overall share, and the share
//! of good week by week (the city's weeks, Monday first) for a trend. Pure: the device's service
//! and the server's open feed both score with it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Indicator, Outcome, StatusReport,
    hours::{DEFAULT_TZ, week_start},
};

/// A rating counts half as much after this many days.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Older ratings do not count.
pub const MAX_AGE_DAYS: i64 = 180;
/// Weeks of the trend.
pub const WEEKS: i64 = 8;
/// The open feed shows a compound's score only from this many ratings: fewer would say what one
/// rider said.
pub const MIN_PUBLIC: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub indicator: Indicator,
    /// Ratings of it, counted whole.
    pub ratings: u32,
    /// Weighted good and bad.
    pub good: f64,
    pub bad: f64,
    /// good / (good + bad), to 0.01; None without ratings.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Ratings (reports) that count.
    pub ratings: u32,
    /// The mean of the indicators' shares, to 0.01; None without ratings.
    pub overall: Option<f64>,
    /// Every indicator, in `Indicator::ALL` order.
    pub indicators: Vec<IndicatorScore>,
    /// Share of good taps per week, oldest first, the last `WEEKS` weeks (None: no ratings).
    pub weeks: Vec<(NaiveDate, Option<f64>)>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The score of the `rated` reports among `reports` (others are left out) as of `now`.
pub fn score(reports: &[StatusReport], now: DateTime<Utc>) -> Score {
    let oldest = now - Duration::days(MAX_AGE_DAYS);
    let mut rated: Vec<&StatusReport> = reports
        .iter()
        .filter(|r| r.outcome == Outcome::Rated && r.observed_at <= now && r.observed_at >= oldest)
        .collect();
    // One voice per rider: of a reporter's ratings (the server sets who reported) the latest counts.
    rated.sort_by_key(|r| std::cmp::Reverse(r.observed_at));
    let mut heard: Vec<&str> = vec![];
    rated.retain(|r| match r.reporter.as_deref() {
        Some(who) if heard.contains(&who) => false,
        Some(who) => {
            heard.push(who);
            true
        }
        None => true,
    });
    let mut indicators: Vec<IndicatorScore> = Indicator::ALL
        .into_iter()
        .map(|indicator| IndicatorScore { indicator, ratings: 0, good: 0.0, bad: 0.0, share: None })
        .collect();
    let this_week = week_start(now.with_timezone(&DEFAULT_TZ).date_naive());
    let first = this_week - Duration::weeks(WEEKS - 1);
    let mut weeks: Vec<(NaiveDate, u32, u32)> = (0..WEEKS).map(|i| (first + Duration::weeks(i), 0, 0)).collect();
    for r in &rated {
        let age_days = (now - r.observed_at).num_seconds() as f64 / 86_400.0;
        let weight = 0.5f64.powf(age_days / HALF_LIFE_DAYS);
        let week = week_start(r.observed_at.with_timezone(&DEFAULT_TZ).date_naive());
        let w = weeks.iter_mut().find(|w| w.0 == week);
        let mut tally = (0, 0);
        for t in &r.ratings {
            let s = &mut indicators[Indicator::ALL.iter().position(|i| *i == t.indicator).expect("listed")];
            s.ratings += 1;
            if t.good {
                s.good += weight;
                tally.0 += 1;
            } else {
                s.bad += weight;
                tally.1 += 1;
            }
        }
        if let Some(w) = w {
            w.1 += tally.0;
            w.2 += tally.1;
        }
    }
    for s in &mut indicators {
        s.share = (s.good + s.bad > 0.0).then(|| round2(s.good / (s.good + s.bad)));
        s.good = round2(s.good);
        s.bad = round2(s.bad);
    }
    let shares: Vec<f64> = indicators.iter().filter_map(|s| s.share).collect();
    let overall = (!shares.is_empty()).then(|| round2(shares.iter().sum::<f64>() / shares.len() as f64));
    Score {
        ratings: rated.len() as u32,
        overall,
        indicators,
        weeks: weeks
            .into_iter()
            .map(|(d, g, b)| (d, (g + b > 0).then(|| round2(f64::from(g) / f64::from(g + b)))))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Indicator::*, Rating};

    const NOW: &str = "2026-11-30T04:00:00Z"; // Monday noon in Shanghai

    fn rated(at: &str, taps: &[(Indicator, bool)]) -> StatusReport {
        let mut r = StatusReport::new(Outcome::Rated, 31.3, 121.5, at.parse().unwrap());
        r.ratings = taps.iter().map(|&(indicator, good)| Rating { indicator, good }).collect();
        r
    }

    fn by(who: &str, mut r: StatusReport) -> StatusReport {
        r.reporter = Some(who.into());
        r
    }

    fn share(s: &Score, i: Indicator) -> Option<f64> {
        s.indicators.iter().find(|x| x.indicator == i).unwrap().share
    }

    #[test]
    fn ratings_are_weighed_by_age_and_averaged() {
        let now: DateTime<Utc> = NOW.parse().unwrap();
        // (ratings, indicator, its share, overall, ratings counted)
        type Case = (Vec<StatusReport>, Indicator, Option<f64>, Option<f64>, u32);
        let cases: Vec<Case> = vec![
            (vec![], EbikeIn, None, None, 0),
            (vec![rated(NOW, &[(EbikeIn, true)])], EbikeIn, Some(1.0), Some(1.0), 1),
            // A bad tap today against a good one 30 days ago: the old counts half.
            (
                vec![rated(NOW, &[(EbikeIn, false)]), rated("2026-10-31T04:00:00Z", &[(EbikeIn, true)])],
                EbikeIn,
                Some(0.33),
                Some(0.33),
                2,
            ),
            // Older than 180 days: gone. A report of another outcome: not a rating.
            (
                vec![
                    rated("2026-05-01T00:00:00Z", &[(GuardFriendly, false)]),
                    StatusReport::new(Outcome::Refused, 31.3, 121.5, now),
                    rated(NOW, &[(GuardFriendly, true), (Parking, false)]),
                ],
                GuardFriendly,
                Some(1.0),
                Some(0.5),
                1,
            ),
            // One rider rating again: the latest counts, not both.
            (
                vec![
                    by("甲", rated("2026-11-29T04:00:00Z", &[(QuickIn, false)])),
                    by("甲", rated(NOW, &[(QuickIn, true)])),
                ],
                QuickIn,
                Some(1.0),
                Some(1.0),
                1,
            ),
            // In the future of the time asked about: not yet.
            (vec![rated("2026-12-01T00:00:00Z", &[(RestNear, true)])], RestNear, None, None, 0),
        ];
        for (i, (reports, indicator, want_share, want_overall, want_n)) in cases.into_iter().enumerate() {
            let s = score(&reports, now);
            assert_eq!(share(&s, indicator), want_share, "case {i}: share");
            assert_eq!(s.overall, want_overall, "case {i}: overall");
            assert_eq!(s.ratings, want_n, "case {i}: counted");
            assert_eq!(s.indicators.len(), 7);
        }
    }

    #[test]
    fn the_trend_is_by_the_citys_weeks() {
        let now: DateTime<Utc> = NOW.parse().unwrap();
        let s = score(
            &[
                // Monday 01:00 in the city (Sunday in UTC): this week.
                rated("2026-11-29T17:00:00Z", &[(EbikeIn, true), (QuickIn, false)]),
                // Sunday 23:00 in the city: last week.
                rated("2026-11-29T15:00:00Z", &[(EbikeIn, false)]),
            ],
            now,
        );
        assert_eq!(s.weeks.len(), 8);
        assert_eq!(s.weeks[0].0.to_string(), "2026-10-12");
        assert_eq!(s.weeks[7], ("2026-11-30".parse().unwrap(), Some(0.5)));
        assert_eq!(s.weeks[6], ("2026-11-23".parse().unwrap(), Some(0.0)));
        assert_eq!(s.weeks[5].1, None);
    }
}
