//! [`HealthStatus`]: the four states of a component and of the whole system.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Health of a component or of the system. Serialized in lowercase (`"healthy"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Passing.
    Healthy,
    /// Working but impaired: failing below the threshold, or the check reported degradation.
    Degraded,
    /// Failed `failure_threshold` times in a row and not yet recovered.
    Unhealthy,
    /// Never checked.
    #[default]
    Unknown,
}

impl HealthStatus {
    /// Every status, in declaration order.
    pub const ALL: [HealthStatus; 4] = [
        HealthStatus::Healthy,
        HealthStatus::Degraded,
        HealthStatus::Unhealthy,
        HealthStatus::Unknown,
    ];

    /// `"healthy"`, `"degraded"`, `"unhealthy"` or `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Degraded => "degraded",
            HealthStatus::Unhealthy => "unhealthy",
            HealthStatus::Unknown => "unknown",
        }
    }

    /// The `application/health+json` status: `pass` (healthy), `fail` (unhealthy),
    /// `warn` (degraded, and unknown — not verified yet, but not failed either).
    pub fn as_health_json(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "pass",
            HealthStatus::Unhealthy => "fail",
            HealthStatus::Degraded | HealthStatus::Unknown => "warn",
        }
    }

    /// Whether this is [`HealthStatus::Healthy`].
    pub fn is_healthy(self) -> bool {
        self == HealthStatus::Healthy
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HealthStatus {
    type Err = Error;

    /// Case-insensitive; also accepts the health+json (`pass`/`warn`/`fail`), Spring
    /// (`up`/`down`) and gRPC (`serving`/`not_serving`) spellings.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "healthy" | "pass" | "up" | "serving" => Ok(HealthStatus::Healthy),
            "degraded" | "warn" => Ok(HealthStatus::Degraded),
            "unhealthy" | "fail" | "down" | "not_serving" => Ok(HealthStatus::Unhealthy),
            "unknown" => Ok(HealthStatus::Unknown),
            other => Err(Error::InvalidArgument(format!(
                "unknown health status `{other}` (expected healthy, degraded, unhealthy or unknown)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_roundtrip_through_as_str_fromstr_and_serde() {
        for s in HealthStatus::ALL {
            assert_eq!(s.as_str().parse::<HealthStatus>().unwrap(), s);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<HealthStatus>(&json).unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(
            " UP ".parse::<HealthStatus>().unwrap(),
            HealthStatus::Healthy
        );
        assert_eq!(
            "fail".parse::<HealthStatus>().unwrap(),
            HealthStatus::Unhealthy
        );
        assert_eq!(
            "sick".parse::<HealthStatus>().unwrap_err().code(),
            "invalid_argument"
        );
    }

    #[test]
    fn health_json_mapping() {
        assert_eq!(HealthStatus::Healthy.as_health_json(), "pass");
        assert_eq!(HealthStatus::Degraded.as_health_json(), "warn");
        assert_eq!(HealthStatus::Unknown.as_health_json(), "warn");
        assert_eq!(HealthStatus::Unhealthy.as_health_json(), "fail");
    }
}
