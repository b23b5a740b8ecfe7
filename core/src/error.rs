//! The one error type of the SDK. Every binding maps it once, by [`Error::code`].

use std::time::Duration;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure the SDK reports. `code()` is a stable string the bindings expose.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range; `field` names it.
    #[error("invalid config: `{field}` {reason}")]
    InvalidConfig {
        /// The offending field, e.g. `max_entries`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument supplied at call time is not acceptable.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The operation did not finish within its deadline.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What timed out.
        operation: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// Network or HTTP-level failure (connection refused, 5xx, 429, body too large, ...).
    #[error("transport error: {message}")]
    Transport {
        /// Human-readable cause.
        message: String,
        /// HTTP status, when one was received.
        status: Option<u16>,
        /// Server-requested delay before retrying (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The node answered with a JSON-RPC error object. The text shows `data` too: CometBFT
    /// puts the explanation there ("Internal error" / "height 9 must be less than …").
    #[error("rpc error {code}: {message}{}", DataSuffix(message, data))]
    Rpc {
        /// JSON-RPC error code.
        code: i64,
        /// JSON-RPC error message.
        message: String,
        /// Optional `data` member, as text.
        data: Option<String>,
    },
    /// The node refused a batch as too large; `max` is its limit.
    #[error("batch of {size} exceeds the node's limit of {max}")]
    BatchLimit {
        /// Size that was sent.
        size: usize,
        /// The node's `max_request_batch_size`.
        max: usize,
    },
    /// The endpoint's circuit breaker is open.
    #[error("circuit open for {endpoint}")]
    CircuitOpen {
        /// Redacted endpoint URL.
        endpoint: String,
    },
    /// A reply could not be decoded.
    #[error("decode error: {0}")]
    Decode(String),
    /// A value could not be encoded.
    #[error("encode error: {0}")]
    Encode(String),
    /// No connection permit became free within the acquire timeout.
    #[error("connection pool exhausted: {0}")]
    PoolExhausted(String),
    /// A size budget would be exceeded (cache byte budget, memory limit, cardinality cap).
    #[error("capacity exceeded: {0}")]
    CapacityExceeded(String),
    /// The component was closed or stopped.
    #[error("closed: {0}")]
    Closed(String),
    /// The request was cancelled before it completed.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// An error raised by host code (a JS executor, a Python check, a Kotlin transport).
    #[error("host error: {0}")]
    Host(String),
    /// A health check failed.
    #[error("health check `{check}` failed: {message}")]
    HealthCheck {
        /// Name of the check.
        check: String,
        /// Its failure message.
        message: String,
    },
    /// A bug inside the SDK (e.g. a caught panic). Never expected.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Stable machine-readable code, identical in every language binding.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidConfig { .. } => "invalid_config",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::Rpc { .. } => "rpc",
            Error::BatchLimit { .. } => "batch_limit",
            Error::CircuitOpen { .. } => "circuit_open",
            Error::Decode(_) => "decode",
            Error::Encode(_) => "encode",
            Error::PoolExhausted(_) => "pool_exhausted",
            Error::CapacityExceeded(_) => "capacity_exceeded",
            Error::Closed(_) => "closed",
            Error::Cancelled(_) => "cancelled",
            Error::Host(_) => "host",
            Error::HealthCheck { .. } => "health_check",
            Error::Internal(_) => "internal",
        }
    }

    /// Shorthand for [`Error::InvalidConfig`].
    pub fn invalid_config(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Timeout`].
    pub fn timeout(operation: impl Into<String>, after: Duration) -> Self {
        Error::Timeout {
            operation: operation.into(),
            after,
        }
    }

    /// Shorthand for a [`Error::Transport`] without HTTP status.
    pub fn transport(message: impl Into<String>) -> Self {
        Error::Transport {
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }

    /// Whether retrying the same request may succeed: transport failures, 429/5xx,
    /// timeouts, and the JSON-RPC internal / server-busy codes (-32603, -32005).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { status, .. } => match status {
                None => true,
                Some(s) => *s == 429 || *s == 408 || *s >= 500,
            },
            Error::Timeout { .. } => true,
            Error::Rpc {
                code,
                message,
                data,
            } => match code {
                -32005 => true,
                -32603 => !is_definite_answer(message, data.as_deref()),
                _ => false,
            },
            _ => false,
        }
    }

    /// The server's requested retry delay, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Transport { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// ` (data)` after an RPC error's message, unless the message already holds it (at most 500
/// characters of it).
struct DataSuffix<'a>(&'a String, &'a Option<String>);

impl std::fmt::Display for DataSuffix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(data) = self.1.as_deref().map(str::trim) else {
            return Ok(());
        };
        let shown = match data.char_indices().nth(500) {
            Some((cut, _)) => &data[..cut],
            None => data,
        };
        // Already in the message: the same text, or a message that went through host code
        // (a binding's error rebuilt from this text) and kept its ` (data)`.
        if shown.is_empty() || self.0.contains(shown) {
            return Ok(());
        }
        if shown.len() < data.len() {
            write!(f, " ({shown}…)")
        } else {
            write!(f, " ({data})")
        }
    }
}

/// Whether a CometBFT "internal error" (-32603) is in fact a definite answer about the
/// chain's state, which a retry cannot change: a missing tx or block ("tx (…) not found",
/// "could not find results for height #…"), a height beyond the tip ("height 9 must be less
/// than or equal to the current blockchain height 5") or below a pruned node's base
/// ("height 1 is not available, lowest height is 100") or not a height at all ("height must
/// be greater than 0, but got 0"). Anything else under -32603
/// (mempool full, a node shutting down, …) may pass and stays retryable.
fn is_definite_answer(message: &str, data: Option<&str>) -> bool {
    const DEFINITE: [&str; 5] = [
        "not found",
        "could not find",
        "must be less than or equal to the current blockchain height",
        "is not available, lowest height is",
        "height must be greater than 0",
    ];
    [Some(message), data]
        .into_iter()
        .flatten()
        .any(|text| DEFINITE.iter().any(|d| text.contains(d)))
}

/// Structured fields an error raised by host code may carry (the fields of the bindings'
/// exception classes); see [`Error::from_host`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostErrorFields {
    /// HTTP status (`transport`).
    pub status: Option<u16>,
    /// Server-requested retry delay (`transport`).
    pub retry_after: Option<Duration>,
    /// JSON-RPC error code (`rpc`).
    pub rpc_code: Option<i64>,
    /// JSON-RPC `data` as text (`rpc`).
    pub data: Option<String>,
    /// Size of the refused batch (`batch_limit`).
    pub size: Option<usize>,
    /// The node's batch limit (`batch_limit`).
    pub max: Option<usize>,
    /// The deadline that passed (`timeout`).
    pub after: Option<Duration>,
}

impl Error {
    /// Maps an error raised by host code (a batch executor, a transport, a check) back to a
    /// core error, so that core — not the binding — decides what it means. `code` is the
    /// host error's core code when it has one (an SDK exception raised or re-raised by host
    /// code); `what` names the callback (e.g. `"batch executor"`).
    ///
    /// Codes core acts on keep their meaning: `transport` (status, retry_after), `timeout`,
    /// `rpc` (rpc_code, data), `batch_limit` (max >= 1, size), `cancelled` and
    /// `invalid_argument`. Any other code, or none, becomes [`Error::Host`].
    pub fn from_host(
        code: Option<&str>,
        what: &str,
        message: &str,
        fields: HostErrorFields,
    ) -> Error {
        match code {
            Some("transport") => Error::Transport {
                message: message.to_string(),
                status: fields.status.filter(|s| (100..=999).contains(s)),
                retry_after: fields.retry_after,
            },
            Some("timeout") => Error::Timeout {
                operation: format!("{what}: {message}"),
                after: fields.after.unwrap_or_default(),
            },
            Some("rpc") => Error::Rpc {
                code: fields.rpc_code.unwrap_or(0),
                message: message.to_string(),
                data: fields.data,
            },
            Some("batch_limit") if fields.max.is_some_and(|m| m >= 1) => Error::BatchLimit {
                size: fields.size.unwrap_or(0),
                max: fields.max.unwrap_or(1),
            },
            Some("cancelled") => Error::Cancelled(format!("{what}: {message}")),
            Some("invalid_argument") => Error::InvalidArgument(format!("{what}: {message}")),
            _ => Error::Host(format!("{what}: {message}")),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Decode(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_field() {
        let e = Error::invalid_config("max_entries", "must be greater than 0");
        assert_eq!(e.code(), "invalid_config");
        assert_eq!(
            e.to_string(),
            "invalid config: `max_entries` must be greater than 0"
        );
        assert_eq!(
            Error::timeout("op", Duration::from_secs(1)).code(),
            "timeout"
        );
    }

    #[test]
    fn host_errors_keep_the_codes_core_acts_on() {
        let f = |status, rpc_code, max| HostErrorFields {
            status,
            rpc_code,
            max,
            retry_after: Some(Duration::from_millis(200)),
            ..Default::default()
        };
        let e = Error::from_host(
            Some("transport"),
            "executor",
            "busy",
            f(Some(503), None, None),
        );
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_millis(200)));
        let e = Error::from_host(Some("transport"), "executor", "x", f(Some(7), None, None));
        assert!(matches!(e, Error::Transport { status: None, .. }));
        let e = Error::from_host(
            Some("rpc"),
            "executor",
            "internal",
            f(None, Some(-32603), None),
        );
        assert!(e.is_retryable());
        assert_eq!(e.code(), "rpc");
        let e = Error::from_host(
            Some("batch_limit"),
            "executor",
            "too big",
            f(None, None, Some(5)),
        );
        assert_eq!(e, Error::BatchLimit { size: 0, max: 5 });
        // A batch limit without a usable max, an unknown code or no code: a host error.
        let e = Error::from_host(Some("batch_limit"), "executor", "m", f(None, None, Some(0)));
        assert_eq!(e, Error::Host("executor: m".into()));
        let e = Error::from_host(Some("decode"), "executor", "m", HostErrorFields::default());
        assert_eq!(e.code(), "host");
        let e = Error::from_host(
            None,
            "check",
            "ValueError: boom",
            HostErrorFields::default(),
        );
        assert_eq!(e.to_string(), "host error: check: ValueError: boom");
        let e = Error::from_host(Some("timeout"), "check", "slow", HostErrorFields::default());
        assert_eq!(e.code(), "timeout");
        assert_eq!(
            Error::from_host(Some("cancelled"), "c", "m", HostErrorFields::default()).code(),
            "cancelled"
        );
    }

    #[test]
    fn retryable_classification() {
        let http = |s| Error::Transport {
            message: String::new(),
            status: Some(s),
            retry_after: None,
        };
        assert!(http(503).is_retryable());
        assert!(http(429).is_retryable());
        assert!(!http(400).is_retryable());
        assert!(Error::transport("refused").is_retryable());
        let rpc = |code| Error::Rpc {
            code,
            message: String::new(),
            data: None,
        };
        assert!(rpc(-32603).is_retryable());
        assert!(rpc(-32005).is_retryable());
        // CometBFT's definite answers under -32603 are not retried
        let internal = |data: &str| Error::Rpc {
            code: -32603,
            message: "Internal error".into(),
            data: Some(data.into()),
        };
        assert!(!internal("tx (0A1B) not found").is_retryable());
        // The text carries the node's explanation (in `data`), once.
        assert_eq!(
            internal("tx already exists in cache").to_string(),
            "rpc error -32603: Internal error (tx already exists in cache)"
        );
        assert_eq!(rpc(-32601).to_string(), "rpc error -32601: ");
        let same = Error::Rpc {
            code: 1,
            message: "boom".into(),
            data: Some("boom".into()),
        };
        assert_eq!(same.to_string(), "rpc error 1: boom");
        // Rebuilt by host code from the text (message `Internal error (x)`, data `x`).
        let rebuilt = Error::Rpc {
            code: -32603,
            message: "Internal error (tx already exists in cache)".into(),
            data: Some("tx already exists in cache".into()),
        };
        assert_eq!(
            rebuilt.to_string(),
            "rpc error -32603: Internal error (tx already exists in cache)"
        );
        let long = internal(&"x".repeat(600)).to_string();
        assert!(long.ends_with(&format!("({}…)", "x".repeat(500))), "{long}");
        assert!(!internal(
            "height 9 must be less than or equal to the current blockchain height 5"
        )
        .is_retryable());
        assert!(!internal("height 1 is not available, lowest height is 100").is_retryable());
        assert!(!internal("could not find results for height #7").is_retryable());
        assert!(!internal("height must be greater than 0, but got 0").is_retryable());
        assert!(internal("mempool is full: number of txs 5000 (max: 5000)").is_retryable());
        assert!(!rpc(-32601).is_retryable());
        assert!(!Error::Decode(String::new()).is_retryable());
    }
}

/// Longest duration any config accepts (100 years): far beyond any sensible interval or
/// timeout, and small enough that `clock.now() + d` can never overflow.
pub const MAX_CONFIG_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Validates a config duration that must be positive and at most [`MAX_CONFIG_DURATION`].
pub fn check_duration(field: &'static str, value: Duration) -> Result<()> {
    if value.is_zero() {
        Err(Error::invalid_config(field, "must be greater than 0"))
    } else if value > MAX_CONFIG_DURATION {
        Err(Error::invalid_config(
            field,
            format!("must be at most {} s", MAX_CONFIG_DURATION.as_secs()),
        ))
    } else {
        Ok(())
    }
}

/// Validates a config duration that may be zero (e.g. "no delay") but must be at most
/// [`MAX_CONFIG_DURATION`].
pub fn check_duration_allow_zero(field: &'static str, value: Duration) -> Result<()> {
    if value > MAX_CONFIG_DURATION {
        Err(Error::invalid_config(
            field,
            format!("must be at most {} s", MAX_CONFIG_DURATION.as_secs()),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod duration_tests {
    use super::*;

    #[test]
    fn config_durations_must_be_positive_and_bounded() {
        assert!(check_duration("x", Duration::from_millis(1)).is_ok());
        assert!(check_duration("x", MAX_CONFIG_DURATION).is_ok());
        let zero = check_duration("check_interval", Duration::ZERO).unwrap_err();
        assert_eq!(zero.code(), "invalid_config");
        assert!(zero.to_string().contains("check_interval"));
        assert!(check_duration("x", Duration::MAX).is_err());
        assert!(check_duration_allow_zero("x", Duration::ZERO).is_ok());
        assert!(check_duration_allow_zero("x", MAX_CONFIG_DURATION).is_ok());
        let max = check_duration_allow_zero("max_batch_delay", Duration::MAX).unwrap_err();
        assert!(max.to_string().contains("max_batch_delay"), "{max}");
    }
}
