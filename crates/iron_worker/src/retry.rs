//! When and how long to wait before sending a request again.
//!
//! The schedule is "full jitter" exponential backoff: before retry `n` (0-based) the client
//! sleeps a random time between zero and `min(cap, base * 4^n)`. Randomising the whole interval
//! spreads the retries of many clients hit by the same outage, which a fixed schedule would
//! bunch together. With the default base of 100 ms the ceilings are 0.1, 0.4, 1.6, 6.4 and
//! 10 s, the schedule the PHP and Ruby clients of the service used.

use std::time::Duration;

/// First backoff ceiling: short, so a brief hiccup costs little.
pub(crate) const DEFAULT_BASE: Duration = Duration::from_millis(100);

/// Growth of the ceiling per attempt.
const FACTOR: u32 = 4;

/// Longest single sleep: past this a caller is better served by an error than by waiting.
const CAP: Duration = Duration::from_secs(10);

/// The backoff policy of one client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    /// How many times a failed request may be sent again.
    pub(crate) max_retries: u32,
    /// Ceiling of the first sleep.
    pub(crate) base: Duration,
}

impl Backoff {
    /// The ceiling of the sleep before retry number `attempt` (0-based).
    pub(crate) fn ceiling(&self, attempt: u32) -> Duration {
        let factor = FACTOR.saturating_pow(attempt);
        self.base.saturating_mul(factor).min(CAP)
    }

    /// A random sleep in `[0, ceiling(attempt)]`.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt).as_micros();
        let ceiling = u64::try_from(ceiling).unwrap_or(u64::MAX);
        Duration::from_micros(fastrand::u64(0..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_grow_by_four_up_to_the_cap() {
        let backoff = Backoff {
            max_retries: 5,
            base: DEFAULT_BASE,
        };
        let ceilings: Vec<u128> = (0..6).map(|n| backoff.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, vec![100, 400, 1600, 6400, 10_000, 10_000]);
        assert_eq!(backoff.ceiling(100), CAP);
    }

    #[test]
    fn delays_stay_under_the_ceiling() {
        let backoff = Backoff {
            max_retries: 5,
            base: Duration::from_millis(3),
        };
        for attempt in 0..8 {
            for _ in 0..50 {
                assert!(backoff.delay(attempt) <= backoff.ceiling(attempt));
            }
        }
    }
}
