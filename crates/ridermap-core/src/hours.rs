//! Opening hours in OSM `opening_hours` syntax, parsed and evaluated by the `opening-hours` crate in
//! the place's own time zone (Asia/Shanghai unless the place says otherwise).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use opening_hours::{OpeningHours, RuleKind};

pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;

/// Parsed opening hours, keeping the text the user gave.
#[derive(Clone)]
pub struct Hours {
    text: String,
    parsed: OpeningHours,
}

/// What the hours say at one moment.
#[derive(Debug, Clone, PartialEq)]
pub enum HoursState {
    /// Open; `until` is the local time it next closes (None: does not close within a week).
    Open { until: Option<NaiveDateTime> },
    /// Closed; `opens` is the local time it next opens (None: not within a week).
    Closed { opens: Option<NaiveDateTime> },
    /// The expression says "unknown" (e.g. `off "ask the guard"`-style comments or `unknown`).
    Unknown,
}

impl Hours {
    /// Parse `text`; the error names what the parser could not read.
    ///
    /// Most places share a handful of expressions ("24/7", "06:00-22:00"), and parsing costs far more
    /// than evaluating, so parsed expressions are kept per thread (bounded).
    pub fn parse(text: &str) -> Result<Hours, String> {
        thread_local! {
            static CACHE: std::cell::RefCell<std::collections::HashMap<String, Hours>> = Default::default();
        }
        if let Some(h) = CACHE.with(|c| c.borrow().get(text).cloned()) {
            return Ok(h);
        }
        let h = Hours::parse_uncached(text)?;
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= 4096 {
                c.clear();
            }
            c.insert(text.to_string(), h.clone());
        });
        Ok(h)
    }

    fn parse_uncached(text: &str) -> Result<Hours, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("opening hours are empty".into());
        }
        let parsed: OpeningHours = trimmed.parse().map_err(|e: <OpeningHours as std::str::FromStr>::Err| {
            // The parser draws a caret under the spot over several lines; one line reads anywhere.
            let why = e.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
            format!("`{trimmed}` is not valid opening_hours syntax: {why}")
        })?;
        Ok(Hours { text: trimmed.to_string(), parsed })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_24_7(&self) -> bool {
        self.text == "24/7"
    }

    /// Open (true), closed (false) or unknown (None) at `at` — cheaper than `state_at`, which also
    /// finds the next change.
    pub fn open_at(&self, at: DateTime<Utc>, tz: Tz) -> Option<bool> {
        match self.parsed.state(at.with_timezone(&tz).naive_local()).0 {
            RuleKind::Open => Some(true),
            RuleKind::Closed => Some(false),
            RuleKind::Unknown => None,
        }
    }

    /// The state at instant `at`, evaluated in time zone `tz`.
    pub fn state_at(&self, at: DateTime<Utc>, tz: Tz) -> HoursState {
        let local = at.with_timezone(&tz).naive_local();
        // Look a week ahead at most: enough for "opens at 06:00" and cheap to evaluate. (The
        // crate's `next_change` searches without end: "Mo-Su" took 20 s to say it never changes.)
        let horizon = local + chrono::Duration::days(8);
        let next = self.parsed.iter_range(local, horizon).next().map(|r| r.range.end).filter(|t| *t < horizon);
        match self.parsed.state(local).0 {
            RuleKind::Open => Open { until: next },
            RuleKind::Closed => Closed { opens: next },
            RuleKind::Unknown => HoursState::Unknown,
        }
    }
}

use HoursState::{Closed, Open};

impl std::fmt::Debug for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hours({:?})", self.text)
    }
}

/// The Monday of `day`'s week: weeks are counted Monday first, as the city counts them.
pub fn week_start(day: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// `local` (a wall-clock time in `tz`) as an instant; the earlier one when the clock repeats.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        local_to_utc(local, DEFAULT_TZ).unwrap()
    }

    fn check(hours: &str, when: &str, expected: &str) {
        let h = Hours::parse(hours).unwrap();
        let got = match h.state_at(at(when), DEFAULT_TZ) {
            Open { until: Some(t) } => format!("open until {}", t.format("%a %H:%M")),
            Open { until: None } => "open".to_string(),
            Closed { opens: Some(t) } => format!("closed until {}", t.format("%a %H:%M")),
            Closed { opens: None } => "closed".to_string(),
            HoursState::Unknown => "unknown".to_string(),
        };
        assert_eq!(got, expected, "{hours} at {when}");
    }

    #[test]
    fn states() {
        // 2026-11-27 is a Friday.
        check("06:00-22:00", "2026-11-27 21:45", "open until Fri 22:00");
        check("06:00-22:00", "2026-11-27 22:30", "closed until Sat 06:00");
        check("24/7", "2026-11-27 03:00", "open");
        check("22:00-06:00", "2026-11-27 23:30", "open until Sat 06:00");
        check("22:00-06:00", "2026-11-28 05:59", "open until Sat 06:00");
        check("22:00-06:00", "2026-11-27 12:00", "closed until Fri 22:00");
        check("Mo-Fr 07:00-19:00", "2026-11-28 10:00", "closed until Mon 07:00");
        check("Mo-Su 06:00-23:00; Sa,Su off", "2026-11-28 10:00", "closed until Mon 06:00");
        check("unknown", "2026-11-28 10:00", "unknown");
        // Found by the fuzzer: open every day without times, which never changes (this took 20 s).
        check("Mo-Su", "2026-11-28 10:00", "open");
        check("Mo-Fr", "2026-11-28 10:00", "closed until Mon 00:00");
    }

    #[test]
    fn bad_syntax_names_the_text() {
        let e = Hours::parse("6am till late").unwrap_err();
        assert!(e.contains("6am till late"), "{e}");
        assert!(Hours::parse("  ").is_err());
    }
}
