//! Adaptive concurrency limit: AIMD and Gradient2 as in Netflix `concurrency-limits`.

use std::time::Duration;

use super::config::LimitAlgorithm;

/// What the limiter learns from one finished operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LimitSample {
    /// Execution time (permit held), on the optimizer's clock.
    pub rtt: Duration,
    /// Operations in flight when this one got its permit, itself included.
    pub inflight: usize,
    /// A timeout or an overload (retryable) error.
    pub dropped: bool,
}

/// Exponential moving average with a warm-up simple average (`ExpAvgMeasurement`).
#[derive(Debug, Clone)]
struct ExpAvg {
    window: usize,
    warmup: usize,
    count: usize,
    sum: f64,
    value: f64,
}

impl ExpAvg {
    fn new(window: usize, warmup: usize) -> Self {
        Self {
            window,
            warmup,
            count: 0,
            sum: 0.0,
            value: 0.0,
        }
    }

    fn add(&mut self, sample: f64) -> f64 {
        if self.count < self.warmup {
            self.count += 1;
            self.sum += sample;
            self.value = self.sum / self.count as f64;
        } else {
            let factor = 2.0 / (self.window as f64 + 1.0);
            self.value = self.value * (1.0 - factor) + sample * factor;
        }
        self.value
    }
}

/// The current limit estimate and the algorithm that moves it.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    algorithm: LimitAlgorithm,
    min: f64,
    max: f64,
    estimate: f64,
    long_rtt: ExpAvg,
}

impl Limiter {
    pub fn new(algorithm: LimitAlgorithm, min: usize, max: usize, initial: usize) -> Self {
        let long_window = match algorithm {
            LimitAlgorithm::Gradient2 { long_window, .. } => long_window,
            _ => 600,
        };
        Self {
            algorithm,
            min: min as f64,
            max: max as f64,
            estimate: initial as f64,
            long_rtt: ExpAvg::new(long_window, 10),
        }
    }

    /// The limit the gate enforces: the estimate rounded down, within `[min, max]`.
    pub fn limit(&self) -> usize {
        self.estimate.floor().clamp(self.min, self.max) as usize
    }

    /// The unrounded estimate.
    #[cfg(test)]
    pub fn estimate(&self) -> f64 {
        self.estimate
    }

    /// Feeds one sample; returns the new enforced limit.
    pub fn on_sample(&mut self, s: LimitSample) -> usize {
        match self.algorithm {
            LimitAlgorithm::Fixed => {}
            LimitAlgorithm::Aimd {
                backoff_ratio,
                increase,
            } => {
                if s.dropped {
                    self.estimate *= backoff_ratio;
                } else if (s.inflight as f64) * 2.0 >= self.estimate {
                    self.estimate += increase / self.estimate.max(1.0);
                }
            }
            LimitAlgorithm::Gradient2 {
                smoothing,
                rtt_tolerance,
                queue_size,
                ..
            } => {
                let short = s.rtt.as_secs_f64();
                let long = self.long_rtt.add(short);
                // Latency back to normal after a long overload: decay the long RTT faster.
                if short > 0.0 && long / short > 2.0 {
                    self.long_rtt.value *= 0.95;
                }
                // Application-limited: no evidence about capacity, keep the limit.
                if (s.inflight as f64) < self.estimate / 2.0 {
                    return self.limit();
                }
                let gradient = if short > 0.0 {
                    (rtt_tolerance * long / short).clamp(0.5, 1.0)
                } else {
                    1.0
                };
                let target = self.estimate * gradient + queue_size;
                self.estimate = self.estimate * (1.0 - smoothing) + target * smoothing;
            }
        }
        self.estimate = self.estimate.clamp(self.min, self.max);
        self.limit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(inflight: usize) -> LimitSample {
        LimitSample {
            rtt: Duration::from_millis(10),
            inflight,
            dropped: false,
        }
    }

    fn drop_sample() -> LimitSample {
        LimitSample {
            rtt: Duration::from_millis(10),
            inflight: 1,
            dropped: true,
        }
    }

    #[test]
    fn aimd_grows_only_near_the_limit_and_is_clamped() {
        let mut l = Limiter::new(LimitAlgorithm::aimd(), 1, 3, 1);
        assert_eq!(l.on_sample(ok(1)), 2); // 1 + 1/1
        assert_eq!(l.on_sample(ok(1)), 2); // 2 + 1/2 = 2.5
        assert_eq!(l.estimate(), 2.5);
        // 1 in flight of 2.5: application-limited, no growth.
        assert_eq!(l.on_sample(ok(1)), 2);
        assert_eq!(l.estimate(), 2.5);
        assert_eq!(l.on_sample(ok(2)), 2); // 2.5 + 0.4 = 2.9
        assert_eq!(l.on_sample(ok(2)), 3); // 2.9 + 1/2.9 > 3 → clamped to 3
        assert_eq!(l.estimate(), 3.0);
        for _ in 0..10 {
            assert_eq!(l.on_sample(ok(3)), 3);
        }
    }

    #[test]
    fn aimd_backs_off_and_is_clamped_at_min() {
        let mut l = Limiter::new(LimitAlgorithm::aimd(), 2, 10, 10);
        assert_eq!(l.on_sample(drop_sample()), 9); // 9.0
        assert_eq!(l.on_sample(drop_sample()), 8); // 8.1
        assert_eq!(l.on_sample(drop_sample()), 7); // 7.29
        for _ in 0..50 {
            l.on_sample(drop_sample());
        }
        assert_eq!(l.limit(), 2);
        assert_eq!(l.estimate(), 2.0);
    }

    #[test]
    fn fixed_never_moves() {
        let mut l = Limiter::new(LimitAlgorithm::Fixed, 1, 10, 4);
        assert_eq!(l.on_sample(drop_sample()), 4);
        assert_eq!(l.on_sample(ok(4)), 4);
    }

    #[test]
    fn gradient2_shrinks_when_latency_rises_and_recovers() {
        let mut l = Limiter::new(LimitAlgorithm::gradient2(), 1, 100, 20);
        let at = |ms, inflight| LimitSample {
            rtt: Duration::from_millis(ms),
            inflight,
            dropped: false,
        };
        // Steady 10 ms at full load: gradient 1, each sample adds smoothing × queue_size.
        for _ in 0..20 {
            l.on_sample(at(10, 100));
        }
        assert!((l.estimate() - 36.0).abs() < 1e-9, "{}", l.estimate());
        // Application-limited samples leave it alone.
        l.on_sample(at(10, 2));
        assert!((l.estimate() - 36.0).abs() < 1e-9);
        // Latency jumps 10×: the gradient hits its 0.5 floor, est → 0.9·est + 0.8.
        assert_eq!(l.on_sample(at(100, 100)), 33); // 33.2
        for _ in 0..4 {
            l.on_sample(at(100, 100));
        }
        assert_eq!(l.limit(), 24); // 0.9^5·28 + 8 ≈ 24.5
                                   // Back to normal: +0.8 per sample again.
        for _ in 0..10 {
            l.on_sample(at(10, 100));
        }
        assert_eq!(l.limit(), 32);
    }
}
