//! When to try again after a failed sync: exponential backoff with full jitter (a random delay up
//! to a doubling cap), so a thousand devices coming back online do not retry in step. A success
//! resets it.

use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};

pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
    rng: StdRng,
}

impl Backoff {
    /// `base` after the first failure, doubling up to `max`; `seed` makes the jitter repeatable.
    pub fn new(base: Duration, max: Duration, seed: u64) -> Backoff {
        Backoff { base, max, failures: 0, rng: StdRng::seed_from_u64(seed) }
    }

    /// How long to wait after another failure.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let cap = self.base.saturating_mul(1u32 << (self.failures - 1).min(20)).min(self.max);
        let ms = cap.as_millis() as u64;
        Duration::from_millis(self.rng.random_range(ms / 2..=ms.max(1)))
    }

    /// A sync worked: the next failure starts from `base` again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_with_jitter_and_reset_on_success() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(300), 7);
        let delays: Vec<u64> = (0..12).map(|_| b.failed().as_millis() as u64).collect();
        for (i, d) in delays.iter().enumerate() {
            let cap = (2_000u64 << i.min(20)).min(300_000);
            assert!((cap / 2..=cap).contains(d), "attempt {i}: {d} ms outside {}..={cap}", cap / 2);
        }
        assert!(delays[11] >= 150_000, "capped delays stay near the cap");
        b.succeeded();
        assert!(b.failed() <= Duration::from_secs(2));
        // Two devices with different seeds do not retry in step.
        let mut x = Backoff::new(Duration::from_secs(2), Duration::from_secs(300), 1);
        let mut y = Backoff::new(Duration::from_secs(2), Duration::from_secs(300), 2);
        let xs: Vec<_> = (0..6).map(|_| x.failed()).collect();
        let ys: Vec<_> = (0..6).map(|_| y.failed()).collect();
        assert_ne!(xs, ys);
    }
}
