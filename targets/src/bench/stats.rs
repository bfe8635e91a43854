//! Samples and what is reported of them: percentiles by nearest rank, ratios, and the
//! iteration budget a measurement runs under. Pure logic; the clock is read by the callers.

use std::time::{Duration, Instant};

/// What a series of timings is reported as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub samples: usize,
    pub p50: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
}

/// The `p`-th percentile (0 < p ≤ 100) of ascending `sorted` by nearest rank: the smallest
/// sample that at least `p` % of the samples do not exceed. With fewer than 100 samples the
/// p99 is the maximum, which is what it should be.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "no samples");
    assert!(p > 0.0 && p <= 100.0, "percentile {p} out of range");
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The summary of `samples` (in any order; at least one).
pub fn summarize(samples: &[f64]) -> Summary {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    Summary {
        samples: sorted.len(),
        p50: percentile(&sorted, 50.0),
        p99: percentile(&sorted, 99.0),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
    }
}

/// wasm / native, the factor by which the wasm run is slower; `None` when the reference
/// took no measurable time.
pub fn ratio(wasm: f64, native: f64) -> Option<f64> {
    (native > 0.0 && wasm.is_finite()).then(|| wasm / native)
}

/// How many times a measurement repeats: `warmup` untimed runs, then timed runs until
/// `time` has passed, but at least `min` and at most `max`.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub warmup: usize,
    pub min: usize,
    pub max: usize,
    pub time: Duration,
}

impl Budget {
    /// Whether another timed run is due after `done` runs, started at `start`.
    pub fn more(&self, done: usize, elapsed: Duration) -> bool {
        done < self.min || (done < self.max && elapsed < self.time)
    }

    /// Runs `f` under this budget; each timed run returns its own duration in
    /// microseconds (so it can leave out its setup and teardown).
    pub fn run(&self, mut f: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<Summary> {
        for _ in 0..self.warmup {
            f()?;
        }
        let start = Instant::now();
        let mut samples = Vec::new();
        while self.more(samples.len(), start.elapsed()) {
            samples.push(f()?);
        }
        Ok(summarize(&samples))
    }
}

/// Microseconds since `start`.
pub fn micros(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&sorted, 100.0), 100.0);
        assert_eq!(percentile(&sorted, 0.5), 1.0);
        // Few samples: the p99 is the largest, the median the lower middle one.
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 99.0), 4.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.0);
        assert_eq!(percentile(&[7.0], 50.0), 7.0);
    }

    #[test]
    fn summaries_sort_first() {
        let summary = summarize(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!(
            summary,
            Summary {
                samples: 5,
                p50: 3.0,
                p99: 5.0,
                min: 1.0,
                max: 5.0
            }
        );
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(110.0, 100.0), Some(1.1));
        assert_eq!(ratio(50.0, 100.0), Some(0.5));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(f64::NAN, 1.0), None);
    }

    #[test]
    fn budgets_bound_the_count_both_ways() {
        let budget = Budget {
            warmup: 2,
            min: 3,
            max: 5,
            time: Duration::from_secs(1),
        };
        assert!(budget.more(0, Duration::from_secs(9)), "below min");
        assert!(budget.more(2, Duration::from_secs(9)), "below min");
        assert!(
            !budget.more(3, Duration::from_secs(9)),
            "min reached, time up"
        );
        assert!(budget.more(4, Duration::ZERO), "time left");
        assert!(!budget.more(5, Duration::ZERO), "max reached");
        // An hour: the five trivial runs end by count, never by the clock.
        let budget = Budget {
            time: Duration::from_secs(3600),
            ..budget
        };
        let mut calls = 0;
        let summary = budget
            .run(|| {
                calls += 1;
                Ok(f64::from(calls))
            })
            .unwrap();
        assert_eq!(summary.samples, 5);
        assert_eq!(calls, 7, "two warm-up runs, untimed");
        assert_eq!(summary.min, 3.0);
    }
}
