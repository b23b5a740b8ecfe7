//! [`BatchOperation`]: one call waiting to be batched.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::exec::Priority;

/// Bytes a JSON-RPC 2.0 request adds around `method` and `params`
/// (`{"jsonrpc":"2.0","id":NNNNNNNNNN,"method":"","params":}` plus a separating comma).
const ENVELOPE_BYTES: usize = 56;

/// One operation: a name (for JSON-RPC, the method), JSON parameters, a priority and a
/// timeout measured from submission. Cheap to clone (shared inside).
#[derive(Debug, Clone)]
pub struct BatchOperation {
    inner: Arc<OpInner>,
}

#[derive(Debug)]
struct OpInner {
    id: String,
    params: Value,
    priority: Priority,
    timeout: Duration,
    encoded_len: OnceLock<usize>,
}

impl BatchOperation {
    /// Timeout of an operation submitted without one through the bindings (30 s).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The seed's constructor: serializes `params` to JSON; `priority` is a level
    /// (0 = Low, 1 = Normal, 2+ = High, see [`Priority::from_level`]).
    /// Fails with [`Error::Encode`] if `params` cannot be serialized and
    /// [`Error::InvalidArgument`] for an empty `id` or a zero `timeout`.
    pub fn new<P: Serialize + ?Sized>(
        id: String,
        params: &P,
        priority: u8,
        timeout: Duration,
    ) -> Result<Self> {
        let params = serde_json::to_value(params).map_err(|e| Error::Encode(e.to_string()))?;
        Self::from_value(id, params, Priority::from_level(priority), timeout)
    }

    /// Builds an operation from an already-parsed JSON value (what the bindings use).
    /// Fails with [`Error::InvalidArgument`] for an empty `id` or a zero `timeout`.
    pub fn from_value(
        id: impl Into<String>,
        params: Value,
        priority: Priority,
        timeout: Duration,
    ) -> Result<Self> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::InvalidArgument(
                "batch operation id must not be empty".into(),
            ));
        }
        if timeout.is_zero() {
            return Err(Error::InvalidArgument(format!(
                "batch operation `{id}`: timeout must be greater than 0"
            )));
        }
        Ok(Self {
            inner: Arc::new(OpInner {
                id,
                params,
                priority,
                timeout,
                encoded_len: OnceLock::new(),
            }),
        })
    }

    /// The operation's name (for JSON-RPC: the method).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Its JSON parameters.
    pub fn params(&self) -> &Value {
        &self.inner.params
    }

    /// Its priority.
    pub fn priority(&self) -> Priority {
        self.inner.priority
    }

    /// Its timeout, measured from submission.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Approximate size in bytes of this operation as one JSON-RPC request inside a batch
    /// (method + serialized params + envelope). Computed once, on first use.
    pub fn encoded_len(&self) -> usize {
        *self.inner.encoded_len.get_or_init(|| {
            let mut counter = ByteCounter(0);
            // Writing a `Value` into a counting sink cannot fail.
            let _ = serde_json::to_writer(&mut counter, &self.inner.params);
            ENVELOPE_BYTES + self.inner.id.len() + counter.0
        })
    }
}

struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    struct SwapParams {
        pool_id: String,
        amount: u64,
    }

    #[test]
    fn seed_constructor_serializes_and_maps_priority_levels() {
        let swap_params = SwapParams {
            pool_id: "o.uom.uusdc".into(),
            amount: 5,
        };
        let op = BatchOperation::new(
            "swap_operation".to_string(),
            &swap_params,
            1,
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(op.id(), "swap_operation");
        assert_eq!(op.params(), &json!({"pool_id": "o.uom.uusdc", "amount": 5}));
        assert_eq!(op.priority(), Priority::Normal);
        assert_eq!(op.timeout(), Duration::from_secs(30));
        let lvl = |l| {
            BatchOperation::new("m".into(), &(), l, Duration::from_secs(1))
                .unwrap()
                .priority()
        };
        assert_eq!(lvl(0), Priority::Low);
        assert_eq!(lvl(2), Priority::High);
        assert_eq!(lvl(200), Priority::High);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let e = BatchOperation::from_value("", json!([]), Priority::High, Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        let e =
            BatchOperation::from_value("m", json!([]), Priority::High, Duration::ZERO).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        // A map with non-string keys cannot be JSON.
        let mut bad = std::collections::HashMap::new();
        bad.insert((1, 2), 3);
        let e = BatchOperation::new("m".into(), &bad, 1, Duration::from_secs(1)).unwrap_err();
        assert_eq!(e.code(), "encode");
    }

    #[test]
    fn encoded_len_counts_method_params_and_envelope() {
        let op = BatchOperation::from_value(
            "status",
            json!({"a": "bc"}),
            Priority::Normal,
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(op.encoded_len(), ENVELOPE_BYTES + 6 + r#"{"a":"bc"}"#.len());
    }
}
