//! `MantraException`: the one error of the Kotlin/Swift API, mapped once from
//! [`mantra_sdk::Error`], plus the panic guards that keep panics from crossing the FFI.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use futures::FutureExt;
use mantra_sdk::Error;

use crate::util::to_usize;

/// Every failure of the SDK. One variant per core error code (`e.code()` returns it:
/// `"invalid_config"`, `"timeout"`, ...); `reason` is the full human-readable message.
///
/// Kotlin: `sealed class MantraException : Exception` with subclasses such as
/// `MantraException.InvalidConfig`; Swift: `enum MantraException: Error`.
/// Host code (a check, an executor, a transport) may throw it too; any other exception
/// thrown by host code arrives as `Host`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum MantraException {
    /// A configuration value is out of range; `field` names it (snake_case, as in the
    /// core: `max_entries`, `check_timeout`, ...), and so does the message.
    #[error("{reason}")]
    InvalidConfig {
        /// The message.
        reason: String,
        /// The offending configuration field.
        field: String,
    },
    /// An argument is not acceptable (empty name, unknown check, malformed JSON, ...).
    #[error("{reason}")]
    InvalidArgument {
        /// The message.
        reason: String,
    },
    /// The operation did not finish within its deadline.
    #[error("{reason}")]
    Timeout {
        /// The message.
        reason: String,
    },
    /// Network or HTTP-level failure. Retryable unless `status` is a 4xx other than
    /// 408/429. Host code (a transport, a batch executor) throws it with the HTTP status
    /// and `Retry-After` delay when it has them: the core's retry policy reads both.
    #[error("{reason}")]
    Transport {
        /// The message.
        reason: String,
        /// HTTP status, when a response was received.
        status: Option<u16>,
        /// Server-requested delay before retrying (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The node answered with a JSON-RPC error (`rpc_code` -32603 and -32005 are retried).
    #[error("{reason}")]
    Rpc {
        /// The message.
        reason: String,
        /// The JSON-RPC error code.
        rpc_code: i64,
        /// The error's `data` member, as text.
        data: Option<String>,
    },
    /// The node refused a batch of `size` operations; `max` is its limit. A batch executor
    /// throws it to teach the batch manager the node's limit (the batch is split and resent).
    #[error("{reason}")]
    BatchLimit {
        /// The message.
        reason: String,
        /// Operations in the refused batch.
        size: u64,
        /// The node's limit.
        max: u64,
    },
    /// The endpoint's circuit breaker is open.
    #[error("{reason}")]
    CircuitOpen {
        /// The message.
        reason: String,
    },
    /// A reply could not be decoded.
    #[error("{reason}")]
    Decode {
        /// The message.
        reason: String,
    },
    /// A value could not be encoded.
    #[error("{reason}")]
    Encode {
        /// The message.
        reason: String,
    },
    /// No connection permit became free in time.
    #[error("{reason}")]
    PoolExhausted {
        /// The message.
        reason: String,
    },
    /// A size budget would be exceeded.
    #[error("{reason}")]
    CapacityExceeded {
        /// The message.
        reason: String,
    },
    /// The component was closed or stopped.
    #[error("{reason}")]
    Closed {
        /// The message.
        reason: String,
    },
    /// The request was cancelled before it completed.
    #[error("{reason}")]
    Cancelled {
        /// The message.
        reason: String,
    },
    /// Host code (a Kotlin/Swift check, executor or transport) failed.
    #[error("{reason}")]
    Host {
        /// The message.
        reason: String,
    },
    /// A health check failed.
    #[error("{reason}")]
    HealthCheck {
        /// The message.
        reason: String,
    },
    /// A bug inside the SDK, e.g. a caught panic. Never expected.
    #[error("{reason}")]
    Internal {
        /// The message.
        reason: String,
    },
}

#[uniffi::export]
impl MantraException {
    /// Stable machine-readable code, the same in every language (`"invalid_config"`, ...).
    pub fn code(&self) -> String {
        self.code_str().to_string()
    }

    /// The human-readable message (also the exception's `toString()` / description).
    pub fn reason(&self) -> String {
        self.reason_str().to_string()
    }
}

impl MantraException {
    /// [`MantraException::code`] without allocating.
    pub fn code_str(&self) -> &'static str {
        use MantraException::*;
        match self {
            InvalidConfig { .. } => "invalid_config",
            InvalidArgument { .. } => "invalid_argument",
            Timeout { .. } => "timeout",
            Transport { .. } => "transport",
            Rpc { .. } => "rpc",
            BatchLimit { .. } => "batch_limit",
            CircuitOpen { .. } => "circuit_open",
            Decode { .. } => "decode",
            Encode { .. } => "encode",
            PoolExhausted { .. } => "pool_exhausted",
            CapacityExceeded { .. } => "capacity_exceeded",
            Closed { .. } => "closed",
            Cancelled { .. } => "cancelled",
            Host { .. } => "host",
            HealthCheck { .. } => "health_check",
            Internal { .. } => "internal",
        }
    }

    fn reason_str(&self) -> &str {
        use MantraException::*;
        match self {
            InvalidConfig { reason, .. }
            | InvalidArgument { reason }
            | Timeout { reason }
            | Transport { reason, .. }
            | Rpc { reason, .. }
            | BatchLimit { reason, .. }
            | CircuitOpen { reason }
            | Decode { reason }
            | Encode { reason }
            | PoolExhausted { reason }
            | CapacityExceeded { reason }
            | Closed { reason }
            | Cancelled { reason }
            | Host { reason }
            | HealthCheck { reason }
            | Internal { reason } => reason,
        }
    }

    /// An `InvalidArgument` error.
    pub fn invalid_argument(reason: impl Into<String>) -> Self {
        MantraException::InvalidArgument {
            reason: reason.into(),
        }
    }

    /// An `Internal` error.
    pub fn internal(reason: impl Into<String>) -> Self {
        MantraException::Internal {
            reason: reason.into(),
        }
    }
}

impl From<Error> for MantraException {
    fn from(e: Error) -> Self {
        let reason = e.to_string();
        match &e {
            Error::InvalidConfig { field, .. } => Self::InvalidConfig {
                reason,
                field: field.to_string(),
            },
            Error::InvalidArgument(_) => Self::InvalidArgument { reason },
            Error::Timeout { .. } => Self::Timeout { reason },
            Error::Transport {
                status,
                retry_after,
                ..
            } => Self::Transport {
                reason,
                status: *status,
                retry_after: *retry_after,
            },
            Error::Rpc { code, data, .. } => Self::Rpc {
                reason,
                rpc_code: *code,
                data: data.clone(),
            },
            Error::BatchLimit { size, max } => Self::BatchLimit {
                reason,
                size: *size as u64,
                max: *max as u64,
            },
            Error::CircuitOpen { .. } => Self::CircuitOpen { reason },
            Error::Decode(_) => Self::Decode { reason },
            Error::Encode(_) => Self::Encode { reason },
            Error::PoolExhausted(_) => Self::PoolExhausted { reason },
            Error::CapacityExceeded(_) => Self::CapacityExceeded { reason },
            Error::Closed(_) => Self::Closed { reason },
            Error::Cancelled(_) => Self::Cancelled { reason },
            Error::Host(_) => Self::Host { reason },
            Error::HealthCheck { .. } => Self::HealthCheck { reason },
            Error::Internal(_) => Self::Internal { reason },
            // A code added to core later: keep its text, flag it as internal until mapped.
            _ => Self::Internal {
                reason: format!("[{}] {reason}", e.code()),
            },
        }
    }
}

/// Errors thrown by host code (a foreign trait implementation) enter the core as these.
/// A message that already carries the core's prefix (an exception the host caught from the
/// SDK and rethrew) is not prefixed twice.
impl From<MantraException> for Error {
    fn from(e: MantraException) -> Self {
        use MantraException as M;
        // The core's own text for `make("")`, e.g. "decode error: ", is the prefix to drop.
        fn tuple(reason: String, make: fn(String) -> Error) -> Error {
            let prefix = make(String::new()).to_string();
            make(unprefixed(reason, &prefix))
        }
        match e {
            M::InvalidArgument { reason } => tuple(reason, Error::InvalidArgument),
            M::Transport {
                reason,
                status,
                retry_after,
            } => Error::Transport {
                message: unprefixed(reason, &Error::transport("").to_string()),
                status,
                retry_after,
            },
            M::Rpc {
                reason,
                rpc_code,
                data,
            } => {
                let prefix = Error::Rpc {
                    code: rpc_code,
                    message: String::new(),
                    data: None,
                }
                .to_string();
                Error::Rpc {
                    message: unprefixed(reason, &prefix),
                    code: rpc_code,
                    data,
                }
            }
            M::BatchLimit { size, max, .. } => Error::BatchLimit {
                size: to_usize(size),
                max: to_usize(max),
            },
            M::Decode { reason } => tuple(reason, Error::Decode),
            M::Encode { reason } => tuple(reason, Error::Encode),
            M::PoolExhausted { reason } => tuple(reason, Error::PoolExhausted),
            M::CapacityExceeded { reason } => tuple(reason, Error::CapacityExceeded),
            M::Closed { reason } => tuple(reason, Error::Closed),
            M::Cancelled { reason } => tuple(reason, Error::Cancelled),
            M::Internal { reason } => tuple(reason, Error::Internal),
            M::Host { reason } => tuple(reason, Error::Host),
            // Structured core errors cannot be rebuilt from a message: keep code and text.
            other => Error::Host(format!("{}: {}", other.code_str(), other.reason_str())),
        }
    }
}

fn unprefixed(reason: String, prefix: &str) -> String {
    match reason.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() => rest.to_string(),
        _ => reason,
    }
}

/// A host exception that is not a `MantraException` (Kotlin `IllegalStateException`,
/// a Swift error of another type): becomes `Host` with the exception's text, never a panic.
impl From<uniffi::UnexpectedUniFFICallbackError> for MantraException {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        MantraException::Host { reason: e.reason }
    }
}

/// Result alias of the binding layer.
pub type FfiResult<T> = Result<T, MantraException>;

/// Text of a caught panic payload.
pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

fn panic_error(p: Box<dyn Any + Send>) -> MantraException {
    MantraException::internal(format!("panic in mantra-sdk: {}", panic_message(&*p)))
}

/// Runs a fallible binding body; a panic becomes `MantraException.Internal`.
pub(crate) fn guard<T>(f: impl FnOnce() -> FfiResult<T>) -> FfiResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(panic_error(p)))
}

/// Awaits a fallible binding future; a panic while polling becomes `MantraException.Internal`.
pub(crate) async fn guard_async<T>(fut: impl Future<Output = FfiResult<T>>) -> FfiResult<T> {
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .unwrap_or_else(|p| Err(panic_error(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn all_core_errors() -> Vec<Error> {
        vec![
            Error::invalid_config("max_entries", "must be greater than 0"),
            Error::InvalidArgument("x".into()),
            Error::timeout("op", Duration::from_secs(1)),
            Error::transport("refused"),
            Error::Rpc {
                code: -32601,
                message: "no method".into(),
                data: None,
            },
            Error::BatchLimit { size: 11, max: 10 },
            Error::CircuitOpen {
                endpoint: "http://n".into(),
            },
            Error::Decode("d".into()),
            Error::Encode("e".into()),
            Error::PoolExhausted("p".into()),
            Error::CapacityExceeded("c".into()),
            Error::Closed("c".into()),
            Error::Cancelled("c".into()),
            Error::Host("h".into()),
            Error::HealthCheck {
                check: "db".into(),
                message: "down".into(),
            },
            Error::Internal("i".into()),
        ]
    }

    #[test]
    fn every_core_error_keeps_its_code_and_message() {
        for e in all_core_errors() {
            let m = MantraException::from(e.clone());
            assert_eq!(m.code(), e.code(), "{e:?}");
            assert_eq!(m.reason(), e.to_string());
            assert_eq!(m.to_string(), e.to_string());
        }
        let m = MantraException::from(Error::invalid_config(
            "failure_threshold",
            "must be at least 1",
        ));
        assert!(
            matches!(&m, MantraException::InvalidConfig { field, .. } if field == "failure_threshold")
        );
        assert!(m.reason().contains("failure_threshold"));
    }

    #[test]
    fn host_errors_enter_the_core_typed() {
        let e: Error = MantraException::Transport {
            reason: "okhttp: refused".into(),
            status: None,
            retry_after: None,
        }
        .into();
        assert_eq!(e.code(), "transport");
        assert!(e.is_retryable());
        assert_eq!(e.to_string(), "transport error: okhttp: refused");
        let e: Error = MantraException::Transport {
            reason: "busy".into(),
            status: Some(503),
            retry_after: Some(Duration::from_millis(200)),
        }
        .into();
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_millis(200)));
        let e: Error = MantraException::Transport {
            reason: "bad request".into(),
            status: Some(400),
            retry_after: None,
        }
        .into();
        assert!(!e.is_retryable());
        let e: Error = MantraException::Rpc {
            reason: "internal".into(),
            rpc_code: -32603,
            data: Some("x".into()),
        }
        .into();
        assert_eq!(
            e,
            Error::Rpc {
                code: -32603,
                message: "internal".into(),
                data: Some("x".into())
            }
        );
        assert!(e.is_retryable());
        let e: Error = MantraException::BatchLimit {
            reason: "too big".into(),
            size: 12,
            max: 10,
        }
        .into();
        assert_eq!(e, Error::BatchLimit { size: 12, max: 10 });
        let e: Error = MantraException::Timeout {
            reason: "slow".into(),
        }
        .into();
        assert_eq!(e.code(), "host");
        assert!(e.to_string().contains("timeout: slow"));
        let unexpected =
            uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: db down");
        let m = MantraException::from(unexpected);
        assert_eq!(m.code(), "host");
        assert!(m.reason().contains("db down"));
    }

    #[test]
    fn structured_errors_survive_a_round_trip_through_the_host() {
        for e in all_core_errors() {
            let back: Error = MantraException::from(e.clone()).into();
            match &e {
                // Rebuilt 1:1, without a doubled prefix.
                Error::InvalidConfig { .. }
                | Error::Timeout { .. }
                | Error::CircuitOpen { .. }
                | Error::HealthCheck { .. } => {
                    assert_eq!(back.code(), "host", "{e:?}");
                    assert!(back.to_string().contains(&e.to_string()), "{back}");
                }
                _ => assert_eq!(back, e),
            }
        }
        let m = MantraException::from(Error::Transport {
            message: "HTTP 429".into(),
            status: Some(429),
            retry_after: Some(Duration::from_secs(2)),
        });
        match m {
            MantraException::Transport {
                status,
                retry_after,
                ..
            } => {
                assert_eq!(status, Some(429));
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn panics_become_internal_errors() {
        let r: FfiResult<()> = guard(|| panic!("boom"));
        let e = r.unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(e.reason().contains("boom"), "{e}");
        assert_eq!(guard(|| Ok(7)).unwrap(), 7);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn async_panics_become_internal_errors() {
        let r: FfiResult<()> = guard_async(async {
            tokio::task::yield_now().await;
            panic!("async boom {}", 42)
        })
        .await;
        let e = r.unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(e.reason().contains("async boom 42"));
    }
}
