//! The tracing ring: one [`MonitoringSpan`] per traced operation, the newest
//! `trace_capacity` kept in memory. Deliberately small: no context propagation, no
//! exporters — a recent-activity view for the system status and diagnostics.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::Serialize;

use crate::redact::redact_text;
use crate::runtime::SharedClock;
use crate::time_fmt::{ser_latency_ms, ser_wall};

/// Span names longer than this many bytes are cut (at a char boundary).
pub const MAX_SPAN_NAME_BYTES: usize = 128;
/// Span error texts longer than this many bytes are cut (at a char boundary).
pub const MAX_SPAN_ERROR_BYTES: usize = 256;
/// Spans listed (newest first) in [`MonitoringTracingSummary::recent`].
pub const STATUS_RECENT_SPANS: usize = 10;

/// One finished operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringSpan {
    /// Sequence number (1 for the first span this manager recorded).
    pub id: u64,
    /// Operation name, e.g. `dex.swap`.
    pub name: String,
    /// Wall time the operation started, since the Unix epoch (RFC 3339 in JSON).
    #[serde(serialize_with = "ser_wall")]
    pub start: Duration,
    /// How long it took (`duration_ms` in JSON).
    #[serde(rename = "duration_ms", serialize_with = "ser_latency_ms")]
    pub duration: Duration,
    /// Whether it succeeded.
    pub success: bool,
    /// Failure text (credential-redacted), `"cancelled"` for an operation dropped mid-way.
    pub error: Option<String>,
}

/// Counters and the newest spans of the ring.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringTracingSummary {
    /// Whether spans are being recorded (`enable_tracing`).
    pub enabled: bool,
    /// Ring size (`trace_capacity`).
    pub capacity: usize,
    /// Spans recorded since creation.
    pub recorded: u64,
    /// Of those, failed ones.
    pub failed: u64,
    /// Spans evicted because the ring was full.
    pub evicted: u64,
    /// Spans currently in the ring.
    pub in_ring: usize,
    /// Up to [`STATUS_RECENT_SPANS`] newest spans, newest first.
    pub recent: Vec<MonitoringSpan>,
}

#[derive(Debug, Default)]
struct RingState {
    spans: VecDeque<MonitoringSpan>,
    next_id: u64,
    recorded: u64,
    failed: u64,
    evicted: u64,
}

/// Bounded span store shared by the manager and its span guards.
#[derive(Debug)]
pub(crate) struct SpanRing {
    enabled: bool,
    capacity: usize,
    state: Mutex<RingState>,
}

pub(crate) fn cut(v: &str, max: usize) -> &str {
    if v.len() <= max {
        return v;
    }
    let mut end = max;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    &v[..end]
}

impl SpanRing {
    pub(crate) fn new(enabled: bool, capacity: usize) -> Self {
        Self {
            enabled,
            capacity: capacity.max(1),
            state: Mutex::new(RingState::default()),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn record(
        &self,
        name: &str,
        start: Duration,
        duration: Duration,
        error: Option<&str>,
    ) {
        if !self.enabled {
            return;
        }
        let name = cut(name, MAX_SPAN_NAME_BYTES).to_string();
        let error = error.map(|e| cut(&redact_text(e), MAX_SPAN_ERROR_BYTES).to_string());
        let mut st = self.state.lock();
        st.next_id += 1;
        st.recorded += 1;
        if error.is_some() {
            st.failed += 1;
        }
        if st.spans.len() >= self.capacity {
            st.spans.pop_front();
            st.evicted += 1;
        }
        let id = st.next_id;
        st.spans.push_back(MonitoringSpan {
            id,
            name,
            start,
            duration,
            success: error.is_none(),
            error,
        });
    }

    /// Every span in the ring, oldest first.
    pub(crate) fn spans(&self) -> Vec<MonitoringSpan> {
        self.state.lock().spans.iter().cloned().collect()
    }

    pub(crate) fn summary(&self) -> MonitoringTracingSummary {
        let st = self.state.lock();
        MonitoringTracingSummary {
            enabled: self.enabled,
            capacity: self.capacity,
            recorded: st.recorded,
            failed: st.failed,
            evicted: st.evicted,
            in_ring: st.spans.len(),
            recent: st
                .spans
                .iter()
                .rev()
                .take(STATUS_RECENT_SPANS)
                .cloned()
                .collect(),
        }
    }
}

/// An operation being timed; see
/// [`MonitoringManager::start_span`](super::MonitoringManager::start_span).
///
/// Finish it with [`finish`](Self::finish) (success) or [`fail`](Self::fail). Dropped
/// unfinished (e.g. the operation's future was cancelled), it records a failed span with
/// the error `"cancelled"`, so every started span ends up in the ring exactly once.
#[derive(Debug)]
#[must_use = "a span records when finished or dropped"]
pub struct MonitoringSpanGuard {
    ring: Option<Arc<SpanRing>>,
    clock: SharedClock,
    name: String,
    start_wall: Duration,
    start: Duration,
}

impl MonitoringSpanGuard {
    pub(crate) fn new(ring: Arc<SpanRing>, clock: SharedClock, name: String) -> Self {
        let ring = ring.enabled().then_some(ring);
        let (start, start_wall) = (clock.now(), clock.wall_time());
        Self {
            ring,
            clock,
            name,
            start_wall,
            start,
        }
    }

    /// Time since the span started.
    pub fn elapsed(&self) -> Duration {
        self.clock.now().saturating_sub(self.start)
    }

    /// Records the span as successful.
    pub fn finish(mut self) {
        self.end(None);
    }

    /// Records the span as failed with `error`.
    pub fn fail(mut self, error: impl std::fmt::Display) {
        self.end(Some(&error.to_string()));
    }

    fn end(&mut self, error: Option<&str>) {
        if let Some(ring) = self.ring.take() {
            ring.record(&self.name, self.start_wall, self.elapsed(), error);
        }
    }
}

impl Drop for MonitoringSpanGuard {
    fn drop(&mut self) {
        self.end(Some("cancelled"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_is_bounded_and_counts_evictions() {
        let ring = SpanRing::new(true, 3);
        for i in 0..5u64 {
            let err = (i % 2 == 1).then_some("boom");
            ring.record(
                &format!("op{i}"),
                Duration::ZERO,
                Duration::from_millis(i),
                err,
            );
        }
        let s = ring.summary();
        assert_eq!((s.recorded, s.failed, s.evicted, s.in_ring), (5, 2, 2, 3));
        let names: Vec<_> = s.recent.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["op4", "op3", "op2"]);
        assert_eq!(ring.spans()[0].id, 3);
        assert!(!s.recent[1].success);
        assert_eq!(s.recent[1].error.as_deref(), Some("boom"));
    }

    #[test]
    fn disabled_ring_records_nothing() {
        let ring = SpanRing::new(false, 3);
        ring.record("x", Duration::ZERO, Duration::ZERO, None);
        let s = ring.summary();
        assert!(!s.enabled);
        assert_eq!((s.recorded, s.in_ring), (0, 0));
    }

    #[test]
    fn long_names_and_secret_errors_are_cut_and_redacted() {
        let ring = SpanRing::new(true, 2);
        let long = "é".repeat(200);
        ring.record(
            &long,
            Duration::ZERO,
            Duration::ZERO,
            Some("GET https://user:hunter2@node.example/ failed"),
        );
        let span = &ring.spans()[0];
        assert!(span.name.len() <= MAX_SPAN_NAME_BYTES);
        assert!(!span.error.as_deref().unwrap().contains("hunter2"));
    }
}
