//! Configuration of the [`AsyncOptimizer`](super::AsyncOptimizer).

use std::time::Duration;

use crate::{Error, Result};

use super::Priority;

/// How the concurrency limit adapts to observed latency and failures.
///
/// Defaults follow Netflix `concurrency-limits` (`AIMDLimit`, `Gradient2Limit`).
#[derive(Debug, Clone, PartialEq)]
pub enum LimitAlgorithm {
    /// The limit stays at `initial_limit`.
    Fixed,
    /// Additive increase, multiplicative decrease.
    ///
    /// A success observed while at least half the limit was in flight adds
    /// `increase / limit` (so the limit grows by about `increase` per window of `limit`
    /// completions, as TCP congestion avoidance); a timeout or a retryable (overload)
    /// error multiplies the limit by `backoff_ratio`.
    Aimd {
        /// Multiplier applied on a timeout or overload error, in `(0, 1)`. Default 0.9.
        backoff_ratio: f64,
        /// Additive increase per window of `limit` successes, `> 0`. Default 1.0.
        increase: f64,
    },
    /// Latency gradient between a long-term RTT average and the latest RTT
    /// (`concurrency-limits` `Gradient2Limit`).
    Gradient2 {
        /// Weight of each new estimate, in `(0, 1]`. Default 0.2.
        smoothing: f64,
        /// How much the latest RTT may exceed the long-term RTT before the limit
        /// shrinks, `>= 1`. Default 1.5.
        rtt_tolerance: f64,
        /// Number of samples of the long-term RTT moving average, `>= 1`. Default 600.
        long_window: usize,
        /// Headroom added to the limit on every update, `>= 0`. Default 4.
        queue_size: f64,
    },
}

impl LimitAlgorithm {
    /// AIMD with the `concurrency-limits` defaults (backoff 0.9, increase 1).
    pub fn aimd() -> Self {
        LimitAlgorithm::Aimd {
            backoff_ratio: 0.9,
            increase: 1.0,
        }
    }

    /// Gradient2 with the `concurrency-limits` defaults (smoothing 0.2, tolerance 1.5,
    /// long window 600, queue size 4).
    pub fn gradient2() -> Self {
        LimitAlgorithm::Gradient2 {
            smoothing: 0.2,
            rtt_tolerance: 1.5,
            long_window: 600,
            queue_size: 4.0,
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::invalid_config("algorithm", reason));
        match *self {
            LimitAlgorithm::Fixed => Ok(()),
            LimitAlgorithm::Aimd {
                backoff_ratio,
                increase,
            } => {
                if !(backoff_ratio > 0.0 && backoff_ratio < 1.0) {
                    return bad(format!(
                        "backoff_ratio must be in (0, 1), got {backoff_ratio}"
                    ));
                }
                if !(increase > 0.0 && increase.is_finite()) {
                    return bad(format!("increase must be > 0, got {increase}"));
                }
                Ok(())
            }
            LimitAlgorithm::Gradient2 {
                smoothing,
                rtt_tolerance,
                long_window,
                queue_size,
            } => {
                if !(smoothing > 0.0 && smoothing <= 1.0) {
                    return bad(format!("smoothing must be in (0, 1], got {smoothing}"));
                }
                if !(rtt_tolerance >= 1.0 && rtt_tolerance.is_finite()) {
                    return bad(format!("rtt_tolerance must be >= 1, got {rtt_tolerance}"));
                }
                if long_window == 0 {
                    return bad("long_window must be at least 1".into());
                }
                if !(queue_size >= 0.0 && queue_size.is_finite()) {
                    return bad(format!("queue_size must be >= 0, got {queue_size}"));
                }
                Ok(())
            }
        }
    }
}

impl Default for LimitAlgorithm {
    /// [`LimitAlgorithm::aimd`].
    fn default() -> Self {
        Self::aimd()
    }
}

/// Relative shares of permits granted to each priority while several are waiting
/// (smooth weighted round-robin). Every weight is at least 1, so Low never starves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityWeights {
    /// Share of [`Priority::High`]. Default 8.
    pub high: u32,
    /// Share of [`Priority::Normal`]. Default 4.
    pub normal: u32,
    /// Share of [`Priority::Low`]. Default 1.
    pub low: u32,
}

impl PriorityWeights {
    /// The weight of `priority`.
    pub fn weight(&self, priority: Priority) -> u32 {
        match priority {
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

impl Default for PriorityWeights {
    fn default() -> Self {
        Self {
            high: 8,
            normal: 4,
            low: 1,
        }
    }
}

/// Configuration of an [`AsyncOptimizer`](super::AsyncOptimizer).
///
/// ```
/// use mantra_sdk::{AsyncOptimizerConfig, LimitAlgorithm};
/// let config = AsyncOptimizerConfig {
///     max_limit: 32,
///     algorithm: LimitAlgorithm::gradient2(),
///     ..Default::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AsyncOptimizerConfig {
    /// Lowest concurrency limit the algorithm may choose, `>= 1`. Default 1.
    pub min_limit: usize,
    /// Highest concurrency limit, `>= min_limit`. Default 200 (`AIMDLimit`'s default).
    pub max_limit: usize,
    /// Limit at start, within `[min_limit, max_limit]`. Default 20 (`concurrency-limits`).
    pub initial_limit: usize,
    /// How the limit adapts. Default [`LimitAlgorithm::aimd`].
    pub algorithm: LimitAlgorithm,
    /// Timeout of [`execute`](super::AsyncOptimizer::execute) and
    /// [`execute_parallel`](super::AsyncOptimizer::execute_parallel), `> 0`. Default 30 s.
    pub default_timeout: Duration,
    /// Shares of permits per priority under contention. Default High 8 : Normal 4 : Low 1.
    pub priority_weights: PriorityWeights,
}

impl Default for AsyncOptimizerConfig {
    fn default() -> Self {
        Self {
            min_limit: 1,
            max_limit: 200,
            initial_limit: 20,
            algorithm: LimitAlgorithm::default(),
            default_timeout: Duration::from_secs(30),
            priority_weights: PriorityWeights::default(),
        }
    }
}

impl AsyncOptimizerConfig {
    /// The configuration of [`AsyncOptimizer::new`](super::AsyncOptimizer::new): the limit
    /// starts at `max_concurrency` and AIMD may lower it to 1 under timeouts or overload
    /// errors, growing back up to `max_concurrency`, never above.
    pub fn with_max_concurrency(max_concurrency: usize) -> Self {
        Self {
            min_limit: 1,
            max_limit: max_concurrency,
            initial_limit: max_concurrency,
            ..Default::default()
        }
    }

    /// Checks every field; the error names the offending one.
    pub fn validate(&self) -> Result<()> {
        if self.min_limit == 0 {
            return Err(Error::invalid_config("min_limit", "must be at least 1"));
        }
        if self.max_limit == 0 {
            return Err(Error::invalid_config("max_limit", "must be at least 1"));
        }
        if self.min_limit > self.max_limit {
            return Err(Error::invalid_config(
                "min_limit",
                format!(
                    "({}) must not exceed max_limit ({})",
                    self.min_limit, self.max_limit
                ),
            ));
        }
        if self.initial_limit < self.min_limit || self.initial_limit > self.max_limit {
            return Err(Error::invalid_config(
                "initial_limit",
                format!(
                    "({}) must be within [min_limit, max_limit] = [{}, {}]",
                    self.initial_limit, self.min_limit, self.max_limit
                ),
            ));
        }
        crate::error::check_duration("default_timeout", self.default_timeout)?;
        let w = self.priority_weights;
        if w.high == 0 || w.normal == 0 || w.low == 0 {
            return Err(Error::invalid_config(
                "priority_weights",
                "every weight must be at least 1 (a zero weight would starve that priority)",
            ));
        }
        self.algorithm.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(config: AsyncOptimizerConfig) -> &'static str {
        match config.validate() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        assert!(AsyncOptimizerConfig::default().validate().is_ok());
        assert!(AsyncOptimizerConfig::with_max_concurrency(8)
            .validate()
            .is_ok());
        let g = AsyncOptimizerConfig {
            algorithm: LimitAlgorithm::gradient2(),
            ..Default::default()
        };
        assert!(g.validate().is_ok());
    }

    #[test]
    fn invalid_fields_are_named() {
        let d = AsyncOptimizerConfig::default;
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                min_limit: 0,
                ..d()
            }),
            "min_limit"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig::with_max_concurrency(0)),
            "max_limit"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                min_limit: 10,
                max_limit: 5,
                initial_limit: 5,
                ..d()
            }),
            "min_limit"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                initial_limit: 500,
                ..d()
            }),
            "initial_limit"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                default_timeout: Duration::ZERO,
                ..d()
            }),
            "default_timeout"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                default_timeout: Duration::MAX,
                ..d()
            }),
            "default_timeout"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                priority_weights: PriorityWeights {
                    low: 0,
                    ..Default::default()
                },
                ..d()
            }),
            "priority_weights"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                algorithm: LimitAlgorithm::Aimd {
                    backoff_ratio: 1.0,
                    increase: 1.0
                },
                ..d()
            }),
            "algorithm"
        );
        assert_eq!(
            field_of(AsyncOptimizerConfig {
                algorithm: LimitAlgorithm::Gradient2 {
                    smoothing: 0.2,
                    rtt_tolerance: 0.5,
                    long_window: 600,
                    queue_size: 4.0
                },
                ..d()
            }),
            "algorithm"
        );
    }
}
