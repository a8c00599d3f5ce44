//! Hybrid logical clock: wall-clock milliseconds plus a counter, so that changes made on one device
//! are strictly ordered even when the wall clock stalls or steps back, and a change made after seeing
//! another always sorts after it. Ties between devices are broken by device id (in the change log).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    pub ms: i64,
    pub counter: u32,
}

impl Hlc {
    /// The next timestamp for a local event at wall time `now_ms`.
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.ms { Hlc { ms: now_ms, counter: 0 } } else { Hlc { ms: self.ms, counter: self.counter + 1 } }
    }

    /// The next timestamp after receiving `remote` at wall time `now_ms`.
    pub fn observe(self, remote: Hlc, now_ms: i64) -> Hlc {
        let ms = self.ms.max(remote.ms).max(now_ms);
        let counter = if ms == self.ms && ms == remote.ms {
            self.counter.max(remote.counter) + 1
        } else if ms == self.ms {
            self.counter + 1
        } else if ms == remote.ms {
            remote.counter + 1
        } else {
            0
        };
        Hlc { ms, counter }
    }
}

/// Fixed-width text form (`0001732780000000.00000`) whose string order equals clock order, so it can
/// be compared in SQL.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}.{:05}", self.ms, self.counter)
    }
}

impl FromStr for Hlc {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (ms, counter) = s.split_once('.').ok_or_else(|| format!("`{s}` is not a clock value"))?;
        Ok(Hlc {
            ms: ms.parse().map_err(|_| format!("`{s}` is not a clock value"))?,
            counter: counter.parse().map_err(|_| format!("`{s}` is not a clock value"))?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_under_stalled_and_backward_clocks() {
        let mut c = Hlc::default();
        let mut seen = vec![];
        for now in [100, 100, 99, 50, 101, 101, 200] {
            c = c.tick(now);
            seen.push(c);
        }
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.last(), Some(&Hlc { ms: 200, counter: 0 }));
    }

    #[test]
    fn observe_orders_after_remote() {
        let local = Hlc { ms: 100, counter: 3 };
        let remote = Hlc { ms: 150, counter: 7 };
        let next = local.observe(remote, 120);
        assert!(next > remote && next > local);
        assert_eq!(next, Hlc { ms: 150, counter: 8 });
    }

    #[test]
    fn text_order_is_clock_order() {
        let a = Hlc { ms: 9, counter: 99 };
        let b = Hlc { ms: 10, counter: 0 };
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!("x".parse::<Hlc>().is_err());
    }
}
