//! Per-endpoint circuit breaker (closed → open → half-open, as resilience4j / Polly), timed
//! on the crate's clock: callers pass `now`.

use std::time::Duration;

use serde::Serialize;

/// State of an endpoint's circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Traffic flows; consecutive failures are counted.
    Closed,
    /// Traffic is rejected until the open period ends.
    Open,
    /// A limited number of probe requests may pass; one success closes, one failure reopens.
    HalfOpen,
}

impl CircuitState {
    /// `"closed"`, `"open"` or `"half_open"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Closed,
    Open { until: Duration },
    HalfOpen { probes: u32 },
}

/// How a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Breaker closed.
    Normal,
    /// A half-open probe slot, tagged with the breaker generation it belongs to.
    Probe(u64),
    /// Not admitted.
    Denied,
}

#[derive(Debug, Clone)]
pub(crate) struct CircuitBreaker {
    failure_threshold: u32,
    open_duration: Duration,
    max_probes: u32,
    state: State,
    consecutive_failures: u32,
    /// Bumped on every transition, so a stale probe release is ignored.
    generation: u64,
    times_opened: u64,
}

impl CircuitBreaker {
    pub(crate) fn new(failure_threshold: u32, open_duration: Duration, max_probes: u32) -> Self {
        Self {
            failure_threshold: failure_threshold.max(1),
            open_duration,
            max_probes: max_probes.max(1),
            state: State::Closed,
            consecutive_failures: 0,
            generation: 0,
            times_opened: 0,
        }
    }

    /// Open → half-open once the open period has passed.
    fn advance(&mut self, now: Duration) {
        if let State::Open { until } = self.state {
            if now >= until {
                self.state = State::HalfOpen { probes: 0 };
                self.generation += 1;
            }
        }
    }

    fn open(&mut self, now: Duration) {
        self.state = State::Open {
            until: now + self.open_duration,
        };
        self.generation += 1;
        self.times_opened += 1;
    }

    /// The state as seen at `now` (an expired open period reads as half-open).
    pub(crate) fn state(&self, now: Duration) -> CircuitState {
        match self.state {
            State::Closed => CircuitState::Closed,
            State::Open { until } if now < until => CircuitState::Open,
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// End of the current open period, if open at `now`.
    pub(crate) fn open_until(&self, now: Duration) -> Option<Duration> {
        match self.state {
            State::Open { until } if now < until => Some(until),
            _ => None,
        }
    }

    /// Whether a request would be admitted at `now` (reserves nothing).
    pub(crate) fn would_admit(&self, now: Duration) -> bool {
        match self.state {
            State::Closed => true,
            State::Open { until } => now >= until,
            State::HalfOpen { probes } => probes < self.max_probes,
        }
    }

    /// Admits a request at `now`, reserving a probe slot when half-open.
    pub(crate) fn admit(&mut self, now: Duration) -> Admission {
        self.advance(now);
        match &mut self.state {
            State::Closed => Admission::Normal,
            State::HalfOpen { probes } if *probes < self.max_probes => {
                *probes += 1;
                Admission::Probe(self.generation)
            }
            _ => Admission::Denied,
        }
    }

    /// Gives back a probe slot whose request ended without a verdict (e.g. cancelled).
    pub(crate) fn release_probe(&mut self, generation: u64) {
        if generation == self.generation {
            if let State::HalfOpen { probes } = &mut self.state {
                *probes = probes.saturating_sub(1);
            }
        }
    }

    /// Records a success at `now`. Half-open → closed. While open (before the period ends) a
    /// late success of an older request changes nothing.
    pub(crate) fn on_success(&mut self, now: Duration) {
        self.advance(now);
        match self.state {
            State::Closed => self.consecutive_failures = 0,
            State::HalfOpen { .. } => {
                self.state = State::Closed;
                self.consecutive_failures = 0;
                self.generation += 1;
            }
            State::Open { .. } => {}
        }
    }

    /// Records a failure at `now`. Closed → open after `failure_threshold` consecutive
    /// failures; half-open → open again. While open, a late failure changes nothing.
    pub(crate) fn on_failure(&mut self, now: Duration) {
        self.advance(now);
        match self.state {
            State::Closed => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                if self.consecutive_failures >= self.failure_threshold {
                    self.open(now);
                }
            }
            State::HalfOpen { .. } => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                self.open(now);
            }
            State::Open { .. } => {}
        }
    }

    pub(crate) fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    pub(crate) fn times_opened(&self) -> u64 {
        self.times_opened
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn opens_after_threshold_consecutive_failures_and_success_resets() {
        let mut b = CircuitBreaker::new(3, 30 * S, 1);
        b.on_failure(S);
        b.on_failure(S);
        b.on_success(S);
        assert_eq!(b.consecutive_failures(), 0);
        b.on_failure(2 * S);
        b.on_failure(2 * S);
        assert_eq!(b.state(2 * S), CircuitState::Closed);
        assert_eq!(b.admit(2 * S), Admission::Normal);
        b.on_failure(3 * S);
        assert_eq!(b.state(3 * S), CircuitState::Open);
        assert_eq!(b.admit(3 * S), Admission::Denied);
        assert_eq!(b.open_until(3 * S), Some(33 * S));
        assert_eq!(b.times_opened(), 1);
    }

    #[test]
    fn half_open_exactly_at_open_duration_then_closes_on_success() {
        let mut b = CircuitBreaker::new(1, 30 * S, 1);
        b.on_failure(10 * S);
        let just_before = 40 * S - Duration::from_nanos(1);
        assert_eq!(b.state(just_before), CircuitState::Open);
        assert!(!b.would_admit(just_before));
        assert_eq!(b.admit(just_before), Admission::Denied);
        assert_eq!(b.state(40 * S), CircuitState::HalfOpen);
        assert!(b.would_admit(40 * S));
        let probe = b.admit(40 * S);
        assert!(matches!(probe, Admission::Probe(_)));
        // Only one probe at a time.
        assert_eq!(b.admit(40 * S), Admission::Denied);
        assert!(!b.would_admit(40 * S));
        b.on_success(41 * S);
        assert_eq!(b.state(41 * S), CircuitState::Closed);
        assert_eq!(b.admit(41 * S), Admission::Normal);
    }

    #[test]
    fn failed_probe_reopens_for_a_full_period() {
        let mut b = CircuitBreaker::new(2, 30 * S, 2);
        b.on_failure(Duration::ZERO);
        b.on_failure(Duration::ZERO);
        assert_eq!(b.admit(30 * S), Admission::Probe(2));
        assert!(matches!(b.admit(30 * S), Admission::Probe(_)));
        assert_eq!(b.admit(30 * S), Admission::Denied);
        b.on_failure(35 * S);
        assert_eq!(b.state(35 * S), CircuitState::Open);
        assert_eq!(b.open_until(35 * S), Some(65 * S));
        // The other probe's late success does not close it.
        b.on_success(36 * S);
        assert_eq!(b.state(36 * S), CircuitState::Open);
        assert_eq!(b.times_opened(), 2);
    }

    #[test]
    fn cancelled_probe_frees_its_slot_but_stale_release_is_ignored() {
        let mut b = CircuitBreaker::new(1, 30 * S, 1);
        b.on_failure(Duration::ZERO);
        let Admission::Probe(g) = b.admit(30 * S) else {
            panic!("expected a probe")
        };
        assert_eq!(b.admit(30 * S), Admission::Denied);
        b.release_probe(g);
        let Admission::Probe(g2) = b.admit(30 * S) else {
            panic!("slot should be free again")
        };
        b.on_failure(31 * S); // reopen: generation changes
        b.on_failure(61 * S); // due → half-open → failure → open again
        b.release_probe(g2); // stale: must not underflow or affect the new state
        assert_eq!(b.state(61 * S), CircuitState::Open);
    }

    #[test]
    fn success_after_open_period_acts_as_probe() {
        let mut b = CircuitBreaker::new(1, 30 * S, 1);
        b.on_failure(Duration::ZERO);
        b.on_success(29 * S); // early, ignored
        assert_eq!(b.state(29 * S), CircuitState::Open);
        b.on_success(30 * S);
        assert_eq!(b.state(30 * S), CircuitState::Closed);
    }
}
