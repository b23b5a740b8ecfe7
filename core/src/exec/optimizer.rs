//! [`AsyncOptimizer`]: runs operations under a priority-aware, adaptive concurrency limit.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use parking_lot::Mutex;
use serde::Serialize;

use super::config::AsyncOptimizerConfig;
use super::gate::{Gate, GateState};
use super::limit::LimitSample;
use super::Priority;
use crate::runtime::{self, SharedClock};
use crate::{Error, Result};

/// Waiters queued per priority.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExecQueueStats {
    /// Waiting at [`Priority::High`].
    pub high: usize,
    /// Waiting at [`Priority::Normal`].
    pub normal: usize,
    /// Waiting at [`Priority::Low`].
    pub low: usize,
}

impl ExecQueueStats {
    /// All waiters.
    pub fn total(&self) -> usize {
        self.high + self.normal + self.low
    }
}

/// A snapshot of an [`AsyncOptimizer`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecStats {
    /// Concurrency limit currently enforced.
    pub limit: usize,
    /// Operations holding a permit.
    pub in_flight: usize,
    /// Operations waiting for a permit.
    pub queued: ExecQueueStats,
    /// Operations that returned `Ok`.
    pub completed: u64,
    /// Operations that returned an error or panicked.
    pub failed: u64,
    /// Calls that hit their timeout, waiting or running.
    pub timed_out: u64,
    /// Calls dropped by their caller before finishing.
    pub cancelled: u64,
    /// Mean execution time (permit held, queue wait excluded) of operations that
    /// completed or failed (`avg_latency_ms` in JSON, fractional milliseconds, as every
    /// latency in the reports).
    #[serde(
        rename = "avg_latency_ms",
        serialize_with = "crate::time_fmt::ser_latency_ms"
    )]
    pub avg_latency: Duration,
}

#[derive(Debug)]
struct Inner {
    config: AsyncOptimizerConfig,
    clock: SharedClock,
    gate: Arc<Gate>,
}

/// Runs async operations with priorities, per-call timeouts and an adaptive concurrency
/// limit (Netflix `concurrency-limits` AIMD / Gradient2). Cheap to clone; clones share
/// the limit and queues.
///
/// - At most `limit` operations run at once; others wait in a queue per [`Priority`].
///   When a permit frees, the next priority is chosen by smooth weighted round-robin
///   ([`PriorityWeights`](super::PriorityWeights), default 8 : 4 : 1), so Low keeps a
///   share under sustained High load.
/// - The timeout covers queue wait and execution; on expiry the operation's future is
///   dropped and the call returns [`Error::Timeout`].
/// - A panicking operation returns [`Error::Internal`]; the optimizer stays usable.
/// - Dropping a call's future at any point releases whatever it held.
/// - After each completion the limit adapts: successes under load raise it; timeouts and
///   retryable (overload) errors lower it. Errors that are not retryable, panics and
///   cancellations leave it alone. A lower limit never interrupts running operations.
#[derive(Debug, Clone)]
pub struct AsyncOptimizer {
    inner: Arc<Inner>,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Counts a call whose future was dropped before it produced a result.
struct CancelGuard<'a> {
    gate: &'a Gate,
    armed: bool,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.gate.with_state(|st| st.counters.cancelled += 1);
        }
    }
}

impl AsyncOptimizer {
    /// An optimizer running at most `max_concurrency` operations at once.
    ///
    /// The limit starts at `max_concurrency`; AIMD lowers it (down to 1) on timeouts and
    /// overload errors and raises it back, never above `max_concurrency`
    /// ([`AsyncOptimizerConfig::with_max_concurrency`]).
    ///
    /// # Panics
    /// If `max_concurrency` is 0.
    pub fn new(max_concurrency: usize) -> Self {
        Self::with_config(AsyncOptimizerConfig::with_max_concurrency(max_concurrency))
    }

    /// An optimizer with `config` on the platform clock.
    ///
    /// # Panics
    /// If `config` is invalid (see [`AsyncOptimizerConfig::validate`]).
    pub fn with_config(config: AsyncOptimizerConfig) -> Self {
        match Self::try_new(config) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        }
    }

    /// An optimizer with `config` on the platform clock, or the validation error.
    pub fn try_new(config: AsyncOptimizerConfig) -> Result<Self> {
        Self::with_clock(config, runtime::default_clock())
    }

    /// An optimizer measuring latency and timeouts on `clock`.
    pub fn with_clock(config: AsyncOptimizerConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let gate = Arc::new(Gate::new(&config));
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                clock,
                gate,
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &AsyncOptimizerConfig {
        &self.inner.config
    }

    /// The concurrency limit currently enforced.
    pub fn limit(&self) -> usize {
        self.inner.gate.with_state(|st| st.limiter.limit())
    }

    /// Runs `operation` at [`Priority::Normal`] with the configured default timeout.
    pub async fn execute<T, F>(&self, name: impl Into<String>, operation: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let timeout = self.inner.config.default_timeout;
        self.execute_with_priority(name, Priority::Normal, timeout, operation)
            .await
    }

    /// Runs `operation` once a permit is granted at `priority`. `timeout` covers the wait
    /// for a permit and the execution; `name` appears in errors.
    pub async fn execute_with_priority<T, F>(
        &self,
        name: impl Into<String>,
        priority: Priority,
        timeout: Duration,
        operation: F,
    ) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let name = name.into();
        let clock = &*self.inner.clock;
        let gate = &self.inner.gate;
        let mut cancel = CancelGuard { gate, armed: true };
        // Set once the operation holds a permit: (start time, in-flight at grant).
        let started: Mutex<Option<(Duration, usize)>> = Mutex::new(None);
        let run = async {
            let permit = gate.acquire(priority).await?;
            let start = clock.now();
            *started.lock() = Some((start, permit.inflight));
            let out = AssertUnwindSafe(operation).catch_unwind().await;
            let rtt = clock.now().saturating_sub(start);
            Ok::<_, Error>((permit, out, rtt))
        };
        let outcome = runtime::timeout(clock, timeout, run).await;
        cancel.armed = false;
        match outcome {
            Ok(Err(e)) => Err(e),
            Ok(Ok((permit, out, rtt))) => {
                // Some(dropped) feeds the limiter; None ignores the sample.
                let (result, dropped) = match out {
                    Ok(Ok(v)) => (Ok(v), Some(false)),
                    Ok(Err(e)) => {
                        let dropped = e.is_retryable().then_some(true);
                        (Err(e), dropped)
                    }
                    Err(payload) => (
                        Err(Error::Internal(format!(
                            "operation `{name}` panicked: {}",
                            panic_message(&*payload)
                        ))),
                        None,
                    ),
                };
                let inflight = permit.inflight;
                let ok = result.is_ok();
                permit.finish(|st: &mut GateState| {
                    if ok {
                        st.counters.completed += 1;
                    } else {
                        st.counters.failed += 1;
                    }
                    st.counters.latency_total += rtt;
                    st.counters.latency_count += 1;
                    if let Some(dropped) = dropped {
                        st.limiter.on_sample(LimitSample {
                            rtt,
                            inflight,
                            dropped,
                        });
                    }
                });
                result
            }
            Err(runtime::Elapsed) => {
                // The operation (and its permit, if any) has been dropped by now.
                let ran = *started.lock();
                let now = clock.now();
                let sample = ran.map(|(start, inflight)| LimitSample {
                    rtt: now.saturating_sub(start),
                    inflight,
                    dropped: true,
                });
                gate.with_state(|st| st.counters.timed_out += 1);
                if let Some(sample) = sample {
                    gate.feed(sample);
                }
                Err(Error::timeout(name, timeout))
            }
        }
    }

    /// Runs every operation concurrently at [`Priority::Normal`] with the default timeout;
    /// results come back in input order. Futures of different types must be boxed (e.g.
    /// [`runtime::BoxFuture`]).
    pub async fn execute_parallel<N, T, F>(&self, operations: Vec<(N, F)>) -> Vec<Result<T>>
    where
        N: Into<String>,
        F: Future<Output = Result<T>>,
    {
        let timeout = self.inner.config.default_timeout;
        self.execute_parallel_with_priority(operations, Priority::Normal, timeout)
            .await
    }

    /// [`execute_parallel`](Self::execute_parallel) with an explicit priority and timeout
    /// (applied to each operation).
    pub async fn execute_parallel_with_priority<N, T, F>(
        &self,
        operations: Vec<(N, F)>,
        priority: Priority,
        timeout: Duration,
    ) -> Vec<Result<T>>
    where
        N: Into<String>,
        F: Future<Output = Result<T>>,
    {
        futures::future::join_all(
            operations
                .into_iter()
                .map(|(name, op)| self.execute_with_priority(name, priority, timeout, op)),
        )
        .await
    }

    /// Rejects new calls and queued waiters with [`Error::Closed`]; running operations
    /// finish normally. Idempotent.
    pub fn close(&self) {
        self.inner.gate.close();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.gate.with_state(|st| st.closed)
    }

    /// A snapshot of the limit, queues and counters.
    pub fn stats(&self) -> ExecStats {
        self.inner.gate.with_state(|st| {
            let c = st.counters;
            let avg_latency = if c.latency_count == 0 {
                Duration::ZERO
            } else {
                let nanos = c.latency_total.as_nanos() / u128::from(c.latency_count);
                Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
            };
            ExecStats {
                limit: st.limiter.limit(),
                in_flight: st.in_flight,
                queued: ExecQueueStats {
                    high: st.queued(Priority::High),
                    normal: st.queued(Priority::Normal),
                    low: st.queued(Priority::Low),
                },
                completed: c.completed,
                failed: c.failed,
                timed_out: c.timed_out,
                cancelled: c.cancelled,
                avg_latency,
            }
        })
    }
}

impl Default for AsyncOptimizer {
    /// [`AsyncOptimizerConfig::default`] on the platform clock.
    fn default() -> Self {
        Self::with_config(AsyncOptimizerConfig::default())
    }
}
