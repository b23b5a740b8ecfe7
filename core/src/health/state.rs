//! The per-component status state machine (Kubernetes probe semantics, plus `Degraded`).
//!
//! | current            | failure                                        | success (healthy / degraded outcome) |
//! |--------------------|------------------------------------------------|--------------------------------------|
//! | Unknown            | `Degraded`, or `Unhealthy` at `failure_threshold` | `Healthy` / `Degraded` at once   |
//! | Healthy / Degraded | `Degraded`, or `Unhealthy` at `failure_threshold` | `Healthy` / `Degraded` at once   |
//! | Unhealthy          | stays `Unhealthy`                               | stays `Unhealthy` until `recovery_threshold` consecutive successes, then `Healthy` / `Degraded` |
//!
//! A failure resets the success streak and vice versa, so flapping (fail, pass, fail, ...)
//! never reaches either threshold: it reports `Degraded`/`Healthy` alternately while up and
//! stays `Unhealthy` while down.

use std::time::Duration;

use serde_json::Value;

use super::HealthStatus;

/// One observed check result, reduced to what the state machine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Observation {
    /// Check passed and reported healthy.
    Pass,
    /// Check passed but reported degradation.
    Warn,
    /// Check failed (error, timeout or panic).
    Fail,
}

impl Observation {
    /// The status this single result stands for.
    pub(crate) fn as_status(self) -> HealthStatus {
        match self {
            Observation::Pass => HealthStatus::Healthy,
            Observation::Warn => HealthStatus::Degraded,
            Observation::Fail => HealthStatus::Unhealthy,
        }
    }
}

/// Status and counters of one component.
#[derive(Debug, Clone, Default)]
pub(crate) struct ComponentState {
    pub status: HealthStatus,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub total_checks: u64,
    pub total_failures: u64,
    /// Message of the most recent failure (kept after recovery).
    pub last_error: Option<String>,
    /// Message of the most recent result (failure text or degradation reason).
    pub output: Option<String>,
    pub details: Option<Value>,
    pub last_latency: Option<Duration>,
    /// Wall time of the last result.
    pub last_checked: Option<Duration>,
    /// Wall time of the last status change.
    pub last_status_change: Option<Duration>,
}

impl ComponentState {
    /// Applies one observation; returns `(old, new)` if the status changed.
    pub(crate) fn observe(
        &mut self,
        obs: Observation,
        failure_threshold: u32,
        recovery_threshold: u32,
    ) -> Option<(HealthStatus, HealthStatus)> {
        let old = self.status;
        self.total_checks = self.total_checks.saturating_add(1);
        let new = match obs {
            Observation::Fail => {
                self.total_failures = self.total_failures.saturating_add(1);
                self.consecutive_successes = 0;
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                if self.consecutive_failures >= failure_threshold || old == HealthStatus::Unhealthy
                {
                    HealthStatus::Unhealthy
                } else {
                    HealthStatus::Degraded
                }
            }
            Observation::Pass | Observation::Warn => {
                self.consecutive_failures = 0;
                self.consecutive_successes = self.consecutive_successes.saturating_add(1);
                if old == HealthStatus::Unhealthy && self.consecutive_successes < recovery_threshold
                {
                    HealthStatus::Unhealthy
                } else {
                    obs.as_status()
                }
            }
        };
        self.status = new;
        (old != new).then_some((old, new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HealthStatus::*;
    use Observation::*;

    fn run(seq: &[Observation], ft: u32, rt: u32) -> Vec<HealthStatus> {
        let mut s = ComponentState::default();
        seq.iter()
            .map(|o| {
                s.observe(*o, ft, rt);
                s.status
            })
            .collect()
    }

    #[test]
    fn failure_threshold_is_exact() {
        assert_eq!(run(&[Fail, Fail], 3, 2), vec![Degraded, Degraded]);
        assert_eq!(run(&[Fail, Fail, Fail], 3, 2)[2], Unhealthy);
        assert_eq!(
            run(&[Pass, Fail, Fail, Fail], 3, 2),
            vec![Healthy, Degraded, Degraded, Unhealthy]
        );
        assert_eq!(run(&[Fail], 1, 1), vec![Unhealthy]);
    }

    #[test]
    fn first_success_from_unknown_is_healthy() {
        assert_eq!(run(&[Pass], 3, 2), vec![Healthy]);
        assert_eq!(run(&[Warn], 3, 2), vec![Degraded]);
    }

    #[test]
    fn recovery_needs_exactly_recovery_threshold_successes() {
        let s = run(&[Fail, Fail, Fail, Pass, Pass], 3, 2);
        assert_eq!(&s[2..], &[Unhealthy, Unhealthy, Healthy]);
        let s = run(&[Fail, Pass, Pass, Pass], 1, 3);
        assert_eq!(s, vec![Unhealthy, Unhealthy, Unhealthy, Healthy]);
        // Recovering with a degraded outcome lands in Degraded.
        let s = run(&[Fail, Warn, Warn], 1, 2);
        assert_eq!(s, vec![Unhealthy, Unhealthy, Degraded]);
    }

    #[test]
    fn flapping_never_crosses_a_threshold() {
        let up = run(&[Pass, Fail, Fail, Pass, Fail, Fail, Pass], 3, 2);
        assert_eq!(
            up,
            vec![Healthy, Degraded, Degraded, Healthy, Degraded, Degraded, Healthy]
        );
        let down = run(
            &[Fail, Fail, Fail, Pass, Fail, Pass, Fail, Pass, Pass],
            3,
            2,
        );
        assert_eq!(
            down,
            vec![
                Degraded, Degraded, Unhealthy, Unhealthy, Unhealthy, Unhealthy, Unhealthy,
                Unhealthy, Healthy
            ]
        );
    }

    #[test]
    fn counters_and_transitions() {
        let mut s = ComponentState::default();
        assert_eq!(s.observe(Fail, 2, 1), Some((Unknown, Degraded)));
        assert_eq!(s.observe(Fail, 2, 1), Some((Degraded, Unhealthy)));
        assert_eq!(s.observe(Fail, 2, 1), None);
        assert_eq!((s.consecutive_failures, s.total_failures), (3, 3));
        assert_eq!(s.observe(Pass, 2, 1), Some((Unhealthy, Healthy)));
        assert_eq!(
            (
                s.consecutive_failures,
                s.consecutive_successes,
                s.total_checks
            ),
            (0, 1, 4)
        );
    }
}
