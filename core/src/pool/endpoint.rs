//! One endpoint: URL validation, permits, and its mutable health state
//! (sample window, PeakEWMA, circuit breaker, connection-slot accounting, counters).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Semaphore;

use super::breaker::CircuitBreaker;
use super::config::{ConnectionPoolConfig, PoolOptions};
use super::score::{PeakEwma, SampleWindow};
use crate::redact::{redact_known_secrets, redact_url, url_secrets};
use crate::{Error, Result};

/// A validated endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EndpointUrl {
    /// The URL as given (trimmed).
    pub url: String,
    /// Identity for de-duplication: lower-case scheme and authority, path without a
    /// trailing `/`.
    pub key: String,
    /// The URL through [`redact_url`]: userinfo and secret query parameters become `***`.
    pub redacted: String,
    /// The URL's credentials, removed from any message quoting them ([`Self::sanitize`]).
    secrets: Vec<String>,
}

fn invalid(url: &str, why: &str) -> Error {
    Error::InvalidArgument(format!("invalid endpoint URL `{}`: {why}", redact_url(url)))
}

impl EndpointUrl {
    /// Removes credentials from a message (e.g. a transport error quoting this URL): this
    /// URL's own secrets wherever they stand, and whatever [`redact_text`] finds.
    pub(crate) fn sanitize(&self, message: &str) -> String {
        redact_known_secrets(message, &self.secrets)
    }
}

/// Validates an endpoint URL: `http` or `https` scheme, a host, an optional numeric port.
pub(crate) fn parse_endpoint(raw: &str) -> Result<EndpointUrl> {
    let url = raw.trim();
    if url.is_empty() {
        return Err(Error::InvalidArgument("endpoint URL is empty".into()));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(url, "contains whitespace"));
    }
    let Some(scheme_end) = url.find("://") else {
        return Err(invalid(url, "missing scheme (use http:// or https://)"));
    };
    let scheme = url[..scheme_end].to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(invalid(
            url,
            &format!("unsupported scheme `{scheme}` (use http or https)"),
        ));
    }
    let rest = &url[scheme_end + 3..];
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let host_port = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let Some(close) = v6.find(']') else {
            return Err(invalid(url, "unterminated IPv6 host"));
        };
        let after = &v6[close + 1..];
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err(invalid(url, "unexpected text after IPv6 host")),
            },
        };
        (&v6[..close], port)
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(invalid(url, "missing host"));
    }
    if !host_port.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err(invalid(url, "host contains invalid characters"));
    }
    if let Some(p) = port {
        if !p.is_empty() && !matches!(p.parse::<u16>(), Ok(n) if n > 0) {
            return Err(invalid(url, "port must be a number between 1 and 65535"));
        }
    }
    let path = rest[auth_end..].trim_end_matches('/');
    let key = format!("{scheme}://{}{path}", authority.to_ascii_lowercase());
    Ok(EndpointUrl {
        url: url.to_string(),
        key,
        redacted: redact_url(url),
        secrets: url_secrets(url),
    })
}

/// Estimated connections of one endpoint (in use + idle), modelled like a classic pool:
/// releasing a permit parks a connection as idle (LIFO reuse); idle connections unused for
/// `max_idle_time` are trimmed down to `min_connections`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnSlots {
    open: usize,
    /// Last-use times of idle connections, oldest first.
    idle: VecDeque<Duration>,
}

impl ConnSlots {
    pub(crate) fn checkout(&mut self) {
        if self.idle.pop_back().is_none() {
            self.open += 1;
        }
    }

    pub(crate) fn checkin(&mut self, now: Duration) {
        self.idle.push_back(now);
        self.open = self.open.max(self.idle.len());
    }

    /// A successful ping used (or opened) one connection.
    pub(crate) fn touch(&mut self, now: Duration) {
        if self.idle.pop_back().is_none() && self.open > 0 {
            // All connections busy: the ping rode on one of them (or a new socket the
            // transport will reuse); nothing to refresh.
            return;
        }
        if self.open == 0 {
            self.open = 1;
        }
        self.idle.push_back(now);
    }

    /// Ensures at least `n` open connections (after a warm-up).
    pub(crate) fn warm(&mut self, n: usize, now: Duration) {
        while self.open < n {
            self.open += 1;
            self.idle.push_back(now);
        }
    }

    /// Trims idle connections unused since `now − max_idle` while above `min`.
    pub(crate) fn trim(&mut self, now: Duration, min: usize, max_idle: Duration) -> usize {
        let mut trimmed = 0;
        while self.open > min {
            match self.idle.front() {
                Some(&t) if now.saturating_sub(t) >= max_idle => {
                    self.idle.pop_front();
                    self.open -= 1;
                    trimmed += 1;
                }
                _ => break,
            }
        }
        trimmed
    }

    pub(crate) fn open(&self) -> usize {
        self.open
    }

    pub(crate) fn idle(&self) -> usize {
        self.idle.len()
    }
}

/// Mutable state of one endpoint, behind its lock (never held across an await).
#[derive(Debug)]
pub(crate) struct EndpointHealth {
    pub window: SampleWindow,
    pub ewma: PeakEwma,
    pub breaker: CircuitBreaker,
    pub slots: ConnSlots,
    pub total_requests: u64,
    pub total_failures: u64,
    pub health_checks: u64,
    pub health_check_failures: u64,
    pub last_error: Option<String>,
}

/// One endpoint of the pool.
#[derive(Debug)]
pub(crate) struct EndpointState {
    pub url: EndpointUrl,
    /// Insertion order (ties in ranking go to the endpoint added first).
    pub order: u64,
    pub max_connections: usize,
    pub semaphore: Arc<Semaphore>,
    pub health: Mutex<EndpointHealth>,
}

impl EndpointState {
    pub(crate) fn new(
        url: EndpointUrl,
        order: u64,
        config: &ConnectionPoolConfig,
        options: &PoolOptions,
    ) -> Self {
        Self {
            url,
            order,
            max_connections: config.max_connections,
            semaphore: Arc::new(Semaphore::new(config.max_connections)),
            health: Mutex::new(EndpointHealth {
                window: SampleWindow::new(options.sample_count),
                ewma: PeakEwma::new(options.ewma_decay),
                breaker: CircuitBreaker::new(
                    options.failure_threshold,
                    options.open_duration,
                    options.half_open_max_probes,
                ),
                slots: ConnSlots::default(),
                total_requests: 0,
                total_failures: 0,
                health_checks: 0,
                health_check_failures: 0,
                last_error: None,
            }),
        }
    }

    /// Permits currently held.
    pub(crate) fn in_flight(&self) -> usize {
        self.max_connections
            .saturating_sub(self.semaphore.available_permits())
    }

    /// Records a health ping's outcome: a rank sample, the breaker, and slot accounting.
    pub(crate) fn record_ping(&self, now: Duration, latency: Duration, outcome: &Result<()>) {
        let mut h = self.health.lock();
        h.health_checks += 1;
        h.window.push_ping(latency, outcome.is_ok());
        match outcome {
            Ok(()) => {
                h.ewma.seed(latency, now);
                h.breaker.on_success(now);
                h.slots.touch(now);
            }
            Err(e) => {
                h.health_check_failures += 1;
                h.breaker.on_failure(now);
                h.last_error = Some(self.url.sanitize(&e.to_string()));
            }
        }
    }

    /// Records a live request dropped before it ended. Its running time so far is a lower
    /// bound of its latency: it can raise the PeakEWMA estimate, never lower it (a caller
    /// that gave up early says nothing about a fast node). Nothing else is recorded: it
    /// neither failed nor succeeded.
    pub(crate) fn record_abandoned(&self, now: Duration, elapsed: Duration) {
        let mut h = self.health.lock();
        if h.ewma
            .value(now)
            .is_none_or(|est| elapsed.as_secs_f64() > est)
        {
            h.ewma.observe(elapsed, now);
        }
    }

    /// Records a live request's outcome. `failure` is `Some(error)` when the endpoint
    /// failed it (transport error, timeout, 408/429/5xx).
    pub(crate) fn record_request(&self, now: Duration, latency: Duration, failure: Option<&Error>) {
        let mut h = self.health.lock();
        h.total_requests += 1;
        h.window.push_live(failure.is_none());
        match failure {
            None => {
                h.ewma.observe(latency, now);
                h.breaker.on_success(now);
            }
            Some(e) => {
                if matches!(e, Error::Timeout { .. }) {
                    // A stall is a latency observation too (peak-sensitive).
                    h.ewma.observe(latency, now);
                }
                h.total_failures += 1;
                h.breaker.on_failure(now);
                h.last_error = Some(self.url.sanitize(&e.to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_with_host() {
        for ok in [
            "http://rpc-endpoint:26657",
            "https://rpc.mantrachain.io",
            "HTTP://Node.Example:443/rpc/",
            "http://[::1]:26657",
            "https://user:pass@host.example/path?x=1",
        ] {
            assert!(parse_endpoint(ok).is_ok(), "{ok}");
        }
        let a = parse_endpoint("HTTP://Node.Example:443/rpc/").unwrap();
        let b = parse_endpoint("http://node.example:443/rpc").unwrap();
        assert_eq!(a.key, b.key);
    }

    #[test]
    fn rejects_bad_urls_with_invalid_argument() {
        for bad in [
            "",
            "rpc-endpoint:26657",
            "ftp://host",
            "ws://host:26657",
            "http://",
            "http:///path",
            "http://:26657",
            "http://host:notaport",
            "http://host:0",
            "http://host:70000",
            "http://ho st",
            "http://user:pw@/x",
            "http://[::1",
        ] {
            let err = parse_endpoint(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_argument", "{bad}");
        }
    }

    #[test]
    fn redacts_credentials_everywhere() {
        let u = parse_endpoint("https://alice:s3cret@rpc.example/x?apikey=K3Y&h=1").unwrap();
        assert_eq!(u.redacted, "https://***@rpc.example/x?apikey=***&h=1");
        assert_eq!(
            u.sanitize("refused: https://alice:s3cret@rpc.example/x"),
            "refused: https://***@rpc.example/x"
        );
        assert_eq!(
            u.sanitize("host said: bad key K3Y for alice:s3cret"),
            "host said: bad key *** for ***"
        );
        assert_eq!(
            u.sanitize("Authorization: Bearer abc"),
            "Authorization: Bearer ***"
        );
        let plain = parse_endpoint("http://host:1/x").unwrap();
        assert_eq!(plain.redacted, "http://host:1/x");
        assert_eq!(plain.sanitize("timed out"), "timed out");
        let err = parse_endpoint("ftp://alice:s3cret@host").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn slots_reuse_idle_and_trim_to_min() {
        let s = Duration::from_secs;
        let mut slots = ConnSlots::default();
        slots.warm(2, s(0));
        assert_eq!((slots.open(), slots.idle()), (2, 2));
        // Three concurrent requests: two reuse idle connections, one opens a new one.
        slots.checkout();
        slots.checkout();
        slots.checkout();
        assert_eq!((slots.open(), slots.idle()), (3, 0));
        slots.checkin(s(10));
        slots.checkin(s(20));
        slots.checkin(s(30));
        assert_eq!(slots.trim(s(309), 1, s(300)), 0);
        assert_eq!(slots.trim(s(320), 1, s(300)), 2);
        assert_eq!((slots.open(), slots.idle()), (1, 1));
        // Never below min.
        assert_eq!(slots.trim(s(10_000), 1, s(300)), 0);
    }
}
