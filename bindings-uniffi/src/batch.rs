//! BatchManager for Kotlin/Swift: the core's batcher with the host's batch function as a
//! foreign trait (`BatchExecutor`, DataLoader's contract) and JSON text parameters/results.

use std::sync::Arc;
use std::time::Duration;

use mantra_sdk as sdk;
use sdk::Priority;
use tokio::sync::watch;

use crate::clock::{enter, host_call, tracked, HostCall, ManualClock, VirtualTime};
use crate::error::{guard, guard_async, FfiResult, MantraException};
use crate::util::{parse_json, to_usize};

/// Scheduling priority: higher first; waiting operations age upwards so Low cannot starve.
#[uniffi::remote(Enum)]
pub enum Priority {
    /// Background work.
    Low,
    /// The default.
    Normal,
    /// Latency-sensitive work.
    High,
}

/// Configuration of a [`BatchManager`] (or a `MantraClient`'s batching). Every field is
/// optional: `null`/`nil` means the core default (`max_batch_size` 10, `max_batch_delay`
/// 10 ms, `enable_auto_batching` true, `max_concurrent_batches` 10, `retry_attempts` 3,
/// `retry_delay` 150 ms, no byte bound on a standalone manager and `max_body_bytes − 2` in a
/// client, jitter on, `max_retry_delay` 30 s, `priority_aging` 1 s).
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct BatchConfig {
    /// Most operations in one batch (> 0).
    #[uniffi(default)]
    pub max_batch_size: Option<u32>,
    /// Longest an operation waits for companions before its batch is sent (0 = next turn).
    #[uniffi(default)]
    pub max_batch_delay: Option<Duration>,
    /// `false` sends every operation alone, at once.
    #[uniffi(default)]
    pub enable_auto_batching: Option<bool>,
    /// Most executor calls in flight at once (> 0).
    #[uniffi(default)]
    pub max_concurrent_batches: Option<u32>,
    /// Retries of a retryable error per operation (0 disables retries).
    #[uniffi(default)]
    pub retry_attempts: Option<u32>,
    /// First retry backoff, doubled on every further retry, plus jitter.
    #[uniffi(default)]
    pub retry_delay: Option<Duration>,
    /// Bound on the encoded size of one batch in bytes (> 0); an operation larger than it
    /// alone is refused (`CapacityExceeded`). None by default on a standalone
    /// [`BatchManager`]; in a `MantraClient` the default, and the most it may be set to, is
    /// the client's `max_body_bytes − 2` (the node's request body limit), and a call over
    /// the bound but within that limit is sent in a batch of its own.
    #[uniffi(default)]
    pub max_batch_bytes: Option<u64>,
    /// Random extra backoff of up to 50 % (turn off for exact, reproducible delays).
    #[uniffi(default)]
    pub retry_jitter: Option<bool>,
    /// Cap on one retry's backoff (a server's `Retry-After` is still honoured).
    #[uniffi(default)]
    pub max_retry_delay: Option<Duration>,
    /// Wait after which an operation counts one priority level higher (> 0).
    #[uniffi(default)]
    pub priority_aging: Option<Duration>,
}

impl BatchConfig {
    fn to_core(&self) -> sdk::BatchConfig {
        self.apply(sdk::BatchConfig::default())
    }

    /// `base` with the fields set here overridden.
    pub(crate) fn apply(&self, d: sdk::BatchConfig) -> sdk::BatchConfig {
        sdk::BatchConfig {
            max_batch_size: self
                .max_batch_size
                .map(|n| n as usize)
                .unwrap_or(d.max_batch_size),
            max_batch_delay: self.max_batch_delay.unwrap_or(d.max_batch_delay),
            enable_auto_batching: self.enable_auto_batching.unwrap_or(d.enable_auto_batching),
            max_concurrent_batches: self
                .max_concurrent_batches
                .map(|n| n as usize)
                .unwrap_or(d.max_concurrent_batches),
            retry_attempts: self.retry_attempts.unwrap_or(d.retry_attempts),
            retry_delay: self.retry_delay.unwrap_or(d.retry_delay),
        }
    }

    /// The knobs that the core sets through setters, as core's [`sdk::BatchOptions`].
    pub(crate) fn options(&self) -> sdk::BatchOptions {
        sdk::BatchOptions {
            retry_jitter: self.retry_jitter,
            max_batch_bytes: self.max_batch_bytes.map(to_usize),
            max_retry_delay: self.max_retry_delay,
            priority_aging: self.priority_aging,
        }
    }
}

/// One operation as the executor sees it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BatchOperation {
    /// The operation's name (for JSON-RPC: the method).
    pub id: String,
    /// Its parameters, as JSON text.
    pub params_json: String,
    /// Its priority.
    pub priority: Priority,
    /// Its timeout, measured from submission.
    pub timeout: Duration,
}

impl From<&sdk::BatchOperation> for BatchOperation {
    fn from(op: &sdk::BatchOperation) -> Self {
        Self {
            id: op.id().to_string(),
            params_json: op.params().to_string(),
            priority: op.priority(),
            timeout: op.timeout(),
        }
    }
}

/// The result of one operation in an executor's reply.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum BatchItemResult {
    /// The operation succeeded with this value (JSON text).
    Ok {
        /// The value, as JSON text.
        value_json: String,
    },
    /// The operation failed; only this operation gets the error (retried if retryable,
    /// e.g. `Transport`, or `Rpc` with code -32603/-32005).
    Err {
        /// The error.
        error: MantraException,
    },
}

/// The host's batch function (DataLoader's contract): gets the operations of one batch and
/// returns one result per operation, same order and length (another length fails every
/// operation of the batch with `Host`). Throwing fails the whole batch with that error
/// (retried if retryable; `MantraException.BatchLimit` teaches the node's limit and the
/// batch is split and resent; any other exception becomes `Host`).
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait BatchExecutor: Send + Sync {
    /// Executes `ops` as one batch.
    async fn execute(
        &self,
        ops: Vec<BatchOperation>,
    ) -> Result<Vec<BatchItemResult>, MantraException>;
}

/// Names the batch executor in host errors.
const WHAT: &str = "batch executor";

struct ForeignExecutor {
    exec: Arc<dyn BatchExecutor>,
    vt: Option<Arc<VirtualTime>>,
}

impl sdk::BatchExecutor for ForeignExecutor {
    fn execute(
        &self,
        ops: Vec<sdk::BatchOperation>,
    ) -> sdk::runtime::BoxFuture<'static, sdk::BatchOutcome> {
        let exec = self.exec.clone();
        let records: Vec<BatchOperation> = ops.iter().map(Into::into).collect();
        let (vt, call) = (self.vt.clone(), HostCall::start(self.vt.as_ref()));
        Box::pin(async move {
            let results = host_call(vt, call, exec.execute(records))
                .await
                .map_err(|e| e.into_core(WHAT))?;
            Ok(results
                .into_iter()
                .map(|r| match r {
                    BatchItemResult::Ok { value_json } => {
                        parse_json(&value_json, "batch result value")
                    }
                    BatchItemResult::Err { error } => Err(error.into_core(WHAT)),
                })
                .collect())
        })
    }
}

/// Counters of a [`BatchManager`].
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BatchStats {
    /// Executor calls made (first sends, retries and split re-sends).
    pub batches: u64,
    /// Operations accepted.
    pub operations: u64,
    /// Operations per executor call, on average.
    pub avg_batch_size: f64,
    /// Operation re-sends after a retryable error.
    pub retries: u64,
    /// Operations that ended with an error other than a timeout or `Closed`.
    pub failures: u64,
    /// Operations that ended with their own timeout.
    pub timeouts: u64,
    /// Operations that ended with a value.
    pub succeeded: u64,
    /// Client calls whose caller left first (a cancelled Kotlin coroutine): taken out of
    /// the queue unsent, or their batch's result discarded.
    pub cancelled: u64,
    /// Operations failed with `Closed` by `shutdown()`, and client calls in flight when it
    /// closed.
    pub closed: u64,
    /// Batches split after the executor reported `BatchLimit`.
    pub batch_limit_splits: u64,
    /// Operations waiting in the queue.
    pub pending: u64,
    /// Executor calls in flight.
    pub in_flight: u64,
    /// Current batch size cap (`maxBatchSize`, or the node's limit once learned).
    pub effective_max_batch_size: u64,
}

impl From<sdk::BatchStats> for BatchStats {
    fn from(s: sdk::BatchStats) -> Self {
        Self {
            batches: s.batches,
            operations: s.operations,
            avg_batch_size: s.avg_batch_size,
            retries: s.retries,
            failures: s.failures,
            timeouts: s.timeouts,
            succeeded: s.succeeded,
            cancelled: s.cancelled,
            closed: s.closed,
            batch_limit_splits: s.batch_limit_splits,
            pending: s.pending as u64,
            in_flight: s.in_flight as u64,
            effective_max_batch_size: s.effective_max_batch_size as u64,
        }
    }
}

/// The pending result of one queued operation (`BatchManager.addOperation`). The SDK
/// watches the operation (its timeout runs even if nobody awaits the ticket); `result()`
/// may be called any number of times, from any coroutine/task. Dropping the ticket discards
/// the result; the operation is still sent.
#[derive(uniffi::Object)]
pub struct BatchTicket {
    id: String,
    result: watch::Receiver<Option<sdk::Result<serde_json::Value>>>,
    vt: Option<Arc<VirtualTime>>,
    /// A ticket keeps its manager alive: releasing the manager's handle while operations
    /// are pending does not close it (`shutdown()` does).
    _manager: Arc<BatchManager>,
}

impl BatchTicket {
    fn watch(ticket: sdk::BatchTicket, manager: Arc<BatchManager>) -> Arc<Self> {
        let vt = manager.vt.clone();
        let id = ticket.id().to_string();
        let (tx, rx) = watch::channel(None);
        sdk::runtime::spawn(async move {
            let r = ticket.await;
            tx.send_replace(Some(r));
        });
        Arc::new(Self {
            id,
            result: rx,
            vt,
            _manager: manager,
        })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl BatchTicket {
    /// The operation's id.
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// Whether the result (or error) is known; `result()` then returns at once.
    pub fn is_done(&self) -> bool {
        self.result.borrow().is_some()
    }

    /// The operation's result as JSON text, or its error (`Timeout` when its timeout passed,
    /// `Closed` after `shutdown()`, the executor's error otherwise).
    pub async fn result(&self) -> FfiResult<String> {
        let mut rx = self.result.clone();
        let fut = async move {
            let r = rx
                .wait_for(Option::is_some)
                .await
                .map_err(|_| MantraException::internal("batch ticket watcher ended"))?
                .clone();
            match r {
                Some(r) => Ok(r?.to_string()),
                None => Err(MantraException::internal("batch ticket without result")),
            }
        };
        guard_async(tracked(self.vt.as_ref(), fut)).await
    }
}

/// Groups operations into batches for the host's [`BatchExecutor`]: flushed when full,
/// after `maxBatchDelay`, or on `flush()`; higher priority first; at most
/// `maxConcurrentBatches` executor calls at once; retryable errors retried with backoff;
/// every operation ends exactly once (its value, its error, `Timeout` or `Closed`).
#[derive(uniffi::Object)]
pub struct BatchManager {
    inner: sdk::BatchManager,
    extras: BatchConfig,
    vt: Option<Arc<VirtualTime>>,
}

impl BatchManager {
    fn build(
        config: BatchConfig,
        executor: Arc<dyn BatchExecutor>,
        clock: Option<&ManualClock>,
    ) -> FfiResult<Arc<Self>> {
        let core = config.to_core();
        let vt = clock.map(ManualClock::virtual_time);
        let _rt = enter(vt.as_ref());
        let inner = match clock {
            Some(clock) => sdk::BatchManager::with_clock(core, clock.shared())?,
            None => sdk::BatchManager::try_new(core)?,
        };
        inner.apply_options(&config.options())?;
        inner.set_executor(Arc::new(ForeignExecutor {
            exec: executor,
            vt: vt.clone(),
        }));
        Ok(Arc::new(Self {
            inner,
            extras: config,
            vt,
        }))
    }

    fn operation(
        id: String,
        params_json: &str,
        priority: Option<Priority>,
        timeout: Option<Duration>,
    ) -> sdk::Result<sdk::BatchOperation> {
        let params = parse_json(params_json, "batch params")?;
        sdk::BatchOperation::from_value(
            id,
            params,
            priority.unwrap_or_default(),
            timeout.unwrap_or(sdk::BatchOperation::DEFAULT_TIMEOUT),
        )
    }
}

impl Drop for BatchManager {
    /// Once nothing references the manager (its handle released — Kotlin `close()`, the
    /// last Swift reference — and no ticket left), it is closed: its loops stop.
    fn drop(&mut self) {
        let _rt = enter(self.vt.as_ref());
        self.inner.close();
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl BatchManager {
    /// A manager with `config` sending batches through `executor`. Throws `InvalidConfig`
    /// naming the field for a zero size or concurrency.
    #[uniffi::constructor]
    pub fn new(config: BatchConfig, executor: Arc<dyn BatchExecutor>) -> FfiResult<Arc<Self>> {
        guard(|| Self::build(config, executor, None))
    }

    /// A manager whose delays, timeouts and backoffs run on `clock` (virtual time).
    #[uniffi::constructor]
    pub fn with_clock(
        config: BatchConfig,
        executor: Arc<dyn BatchExecutor>,
        clock: Arc<ManualClock>,
    ) -> FfiResult<Arc<Self>> {
        guard(|| Self::build(config, executor, Some(&clock)))
    }

    /// The effective configuration (the extra knobs as given at construction; the byte
    /// bound as currently set).
    pub fn config(&self) -> BatchConfig {
        let c = self.inner.config();
        BatchConfig {
            max_batch_size: Some(u32::try_from(c.max_batch_size).unwrap_or(u32::MAX)),
            max_batch_delay: Some(c.max_batch_delay),
            enable_auto_batching: Some(c.enable_auto_batching),
            max_concurrent_batches: Some(
                u32::try_from(c.max_concurrent_batches).unwrap_or(u32::MAX),
            ),
            retry_attempts: Some(c.retry_attempts),
            retry_delay: Some(c.retry_delay),
            max_batch_bytes: self.inner.max_batch_bytes().map(|n| n as u64),
            retry_jitter: self.extras.retry_jitter,
            max_retry_delay: self.extras.max_retry_delay,
            priority_aging: self.extras.priority_aging,
        }
    }

    /// Queues an operation without waiting (the seed's `add_operation`) and returns its
    /// ticket. `priority` defaults to normal, `timeout` (from now) to 30 s. Throws at once:
    /// `Decode` (params not JSON), `InvalidArgument` (empty id, zero timeout),
    /// `CapacityExceeded` (larger than `maxBatchBytes`), `Closed`.
    #[uniffi::method(default(priority = None, timeout = None))]
    pub fn add_operation(
        self: Arc<Self>,
        id: String,
        params_json: String,
        priority: Option<Priority>,
        timeout: Option<Duration>,
    ) -> FfiResult<Arc<BatchTicket>> {
        guard(|| {
            let op = Self::operation(id, &params_json, priority, timeout)?;
            let _rt = enter(self.vt.as_ref());
            let ticket = self.inner.enqueue(op)?;
            Ok(BatchTicket::watch(ticket, self.clone()))
        })
    }

    /// Queues an operation and waits for its result (JSON text). Errors as `addOperation`,
    /// then the operation's own: `Timeout`, `Closed`, or the executor's error.
    #[uniffi::method(default(priority = None, timeout = None))]
    pub async fn submit(
        &self,
        id: String,
        params_json: String,
        priority: Option<Priority>,
        timeout: Option<Duration>,
    ) -> FfiResult<String> {
        let fut = async {
            let op = Self::operation(id, &params_json, priority, timeout)?;
            Ok(self.inner.submit(op).await?.to_string())
        };
        guard_async(tracked(self.vt.as_ref(), fut)).await
    }

    /// Sends everything pending now (within `maxConcurrentBatches`); does not wait for the
    /// results.
    pub async fn flush(&self) {
        let _rt = enter(self.vt.as_ref());
        self.inner.flush_now()
    }

    /// Counters.
    pub fn stats(&self) -> BatchStats {
        self.inner.stats().into()
    }

    /// Current batch size cap (`maxBatchSize`, lowered to the node's limit once learned).
    pub fn effective_max_batch_size(&self) -> u64 {
        self.inner.effective_max_batch_size() as u64
    }

    /// Fails every pending operation with `Closed` and refuses new ones; batches in
    /// flight still deliver. Idempotent.
    /// (The core's `close`; named `shutdown` because Kotlin's `close()` is `AutoCloseable`'s,
    /// which releases the handle; a manager is closed once no handle or ticket is left.)
    #[uniffi::method(name = "shutdown")]
    pub fn close(&self) {
        let _rt = enter(self.vt.as_ref());
        self.inner.close()
    }

    /// Whether `shutdown()` was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;

    /// Echoes each operation's params, or fails items whose id starts with `fail`.
    #[derive(Default)]
    struct Echo {
        calls: Mutex<Vec<Vec<String>>>,
    }

    #[async_trait::async_trait]
    impl BatchExecutor for Echo {
        async fn execute(
            &self,
            ops: Vec<BatchOperation>,
        ) -> Result<Vec<BatchItemResult>, MantraException> {
            self.calls
                .lock()
                .push(ops.iter().map(|o| o.id.clone()).collect());
            if ops.iter().any(|o| o.id == "boom") {
                return Err(MantraException::InvalidArgument {
                    reason: "boom".into(),
                });
            }
            Ok(ops
                .into_iter()
                .map(|o| {
                    if o.id.starts_with("fail") {
                        BatchItemResult::Err {
                            error: MantraException::Rpc {
                                reason: "nope".into(),
                                rpc_code: -32601,
                                data: None,
                            },
                        }
                    } else if o.id == "notjson" {
                        BatchItemResult::Ok {
                            value_json: "{".into(),
                        }
                    } else {
                        BatchItemResult::Ok {
                            value_json: o.params_json,
                        }
                    }
                })
                .collect())
        }
    }

    #[test]
    fn unset_fields_take_the_core_defaults() {
        assert_eq!(
            BatchConfig::default().to_core(),
            sdk::BatchConfig::default()
        );
        let m = BatchManager::new(
            BatchConfig {
                max_batch_bytes: Some(1000),
                ..Default::default()
            },
            Arc::new(Echo::default()),
        )
        .unwrap();
        let c = m.config();
        assert_eq!(c.max_batch_size, Some(10));
        assert_eq!(c.retry_delay, Some(Duration::from_millis(150)));
        assert_eq!(c.max_batch_bytes, Some(1000));
    }

    #[test]
    fn invalid_config_and_operations_are_typed_errors() {
        let e = BatchManager::new(
            BatchConfig {
                max_batch_size: Some(0),
                ..Default::default()
            },
            Arc::new(Echo::default()),
        )
        .err()
        .unwrap();
        assert_eq!(e.code(), "invalid_config");
        assert!(e.reason().contains("max_batch_size"));
        let e = BatchManager::new(
            BatchConfig {
                priority_aging: Some(Duration::ZERO),
                ..Default::default()
            },
            Arc::new(Echo::default()),
        )
        .err()
        .unwrap();
        assert!(e.reason().contains("priority_aging"), "{e}");
        let m = BatchManager::new(BatchConfig::default(), Arc::new(Echo::default())).unwrap();
        let sec = Duration::from_secs(1);
        let e = m
            .clone()
            .add_operation("m".into(), "{".into(), Some(Priority::Normal), Some(sec))
            .err()
            .unwrap();
        assert_eq!(e.code(), "decode");
        assert!(e.reason().contains("batch params must be JSON text"));
        let e = m
            .clone()
            .add_operation("".into(), "1".into(), Some(Priority::Normal), Some(sec))
            .err()
            .unwrap();
        assert_eq!(e.code(), "invalid_argument");
        let e = m
            .clone()
            .add_operation(
                "m".into(),
                "1".into(),
                Some(Priority::Normal),
                Some(Duration::ZERO),
            )
            .err()
            .unwrap();
        assert_eq!(e.code(), "invalid_argument");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn batches_route_results_and_errors_per_item() {
        let clock = ManualClock::new();
        let echo = Arc::new(Echo::default());
        let m = BatchManager::with_clock(
            BatchConfig {
                max_batch_size: Some(3),
                ..Default::default()
            },
            echo.clone(),
            clock.clone(),
        )
        .unwrap();
        let t = Duration::from_secs(5);
        let a = m
            .clone()
            .add_operation(
                "a".into(),
                r#"{"x":1}"#.into(),
                Some(Priority::Normal),
                Some(t),
            )
            .unwrap();
        let f = m
            .clone()
            .add_operation("fail1".into(), "[]".into(), Some(Priority::Normal), Some(t))
            .unwrap();
        let n = m
            .clone()
            .add_operation(
                "notjson".into(),
                "[]".into(),
                Some(Priority::Normal),
                Some(t),
            )
            .unwrap();
        clock.settle().await;
        assert_eq!(a.result().await.unwrap(), r#"{"x":1}"#);
        assert!(a.is_done());
        assert_eq!(a.result().await.unwrap(), r#"{"x":1}"#, "awaitable twice");
        let e = f.result().await.unwrap_err();
        assert!(
            matches!(
                e,
                MantraException::Rpc {
                    rpc_code: -32601,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(n.result().await.unwrap_err().code(), "decode");
        assert_eq!(echo.calls.lock().len(), 1, "one full batch");

        let b = m
            .clone()
            .add_operation("boom".into(), "1".into(), Some(Priority::High), Some(t))
            .unwrap();
        clock.advance(Duration::from_millis(10)).await;
        let e = b.result().await.unwrap_err();
        assert_eq!(
            e.code(),
            "invalid_argument",
            "whole-batch error, typed: {e:?}"
        );

        let late = m
            .clone()
            .add_operation("late".into(), "1".into(), Some(Priority::Low), Some(t))
            .unwrap();
        m.close();
        assert_eq!(late.result().await.unwrap_err().code(), "closed");
        let s = m.stats();
        assert_eq!(s.operations, 5);
        assert_eq!(s.succeeded, 1);
        assert_eq!(s.closed, 1);
    }
}
