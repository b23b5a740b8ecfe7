//! [`CacheConfig`] and [`CacheType`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Cache limits and timings. Exactly the seed's five fields, so the seed's struct literal
/// compiles; per-type TTLs are set with [`CacheManager::set_type_ttl`](super::CacheManager::set_type_ttl).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheConfig {
    /// Maximum number of entries (default 10 000). Must be > 0.
    pub max_entries: usize,
    /// TTL of every cache type without an override (default 300 s). Must be > 0.
    pub default_ttl: Duration,
    /// Whether hit/miss/eviction counters are kept (default true).
    pub enable_stats: bool,
    /// Period of the background sweep that drops expired entries (default 60 s). Must be > 0.
    pub cleanup_interval: Duration,
    /// Byte budget over all entries' weights (default 100 MiB). Must be > 0.
    pub max_memory_bytes: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            default_ttl: Duration::from_secs(300),
            enable_stats: true,
            cleanup_interval: Duration::from_secs(60),
            max_memory_bytes: 100 * 1024 * 1024,
        }
    }
}

impl CacheConfig {
    /// Checks every field; the error names the first offending one.
    pub fn validate(&self) -> Result<()> {
        if self.max_entries == 0 {
            return Err(Error::invalid_config(
                "max_entries",
                "must be greater than 0",
            ));
        }
        if self.max_memory_bytes == 0 {
            return Err(Error::invalid_config(
                "max_memory_bytes",
                "must be greater than 0",
            ));
        }
        crate::error::check_duration("default_ttl", self.default_ttl)?;
        crate::error::check_duration("cleanup_interval", self.cleanup_interval)?;
        Ok(())
    }
}

/// What a cached value is; each type has its own TTL and can be cleared on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum CacheType {
    /// DEX pool state.
    PoolInfo = 0,
    /// Account balances.
    Balance = 1,
    /// Blocks and block results.
    Block = 2,
    /// Node `/status`.
    NodeStatus = 3,
    /// CosmWasm smart-query results.
    ContractQuery = 4,
    /// Swap simulations.
    Simulation = 5,
    /// Anything else.
    Generic = 6,
}

impl CacheType {
    /// Every cache type, in declaration order (`ALL[t.index()] == t`).
    pub const ALL: [CacheType; 7] = [
        CacheType::PoolInfo,
        CacheType::Balance,
        CacheType::Block,
        CacheType::NodeStatus,
        CacheType::ContractQuery,
        CacheType::Simulation,
        CacheType::Generic,
    ];

    /// The snake_case name used by serde and every binding (`"pool_info"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            CacheType::PoolInfo => "pool_info",
            CacheType::Balance => "balance",
            CacheType::Block => "block",
            CacheType::NodeStatus => "node_status",
            CacheType::ContractQuery => "contract_query",
            CacheType::Simulation => "simulation",
            CacheType::Generic => "generic",
        }
    }

    /// Dense index in `0..ALL.len()`.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// [`CacheType::Generic`]: the type bindings use when a call names none.
impl Default for CacheType {
    fn default() -> Self {
        CacheType::Generic
    }
}

impl fmt::Display for CacheType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CacheType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        CacheType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = CacheType::ALL.iter().map(|t| t.as_str()).collect();
                Error::InvalidArgument(format!(
                    "unknown cache type `{s}`; valid: {}",
                    valid.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_seed() {
        let c = CacheConfig::default();
        assert_eq!(c.max_entries, 10_000);
        assert_eq!(c.default_ttl, Duration::from_secs(300));
        assert!(c.enable_stats);
        assert_eq!(c.cleanup_interval, Duration::from_secs(60));
        assert_eq!(c.max_memory_bytes, 100 * 1024 * 1024);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn validate_names_each_zero_field() {
        type Breaker = fn(&mut CacheConfig);
        let cases: [(&str, Breaker); 4] = [
            ("max_entries", |c| c.max_entries = 0),
            ("max_memory_bytes", |c| c.max_memory_bytes = 0),
            ("default_ttl", |c| c.default_ttl = Duration::ZERO),
            ("cleanup_interval", |c| c.cleanup_interval = Duration::ZERO),
        ];
        for (name, breakit) in cases {
            let mut c = CacheConfig::default();
            breakit(&mut c);
            match c.validate() {
                Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, name),
                other => panic!("{name}: expected InvalidConfig, got {other:?}"),
            }
        }
    }

    #[test]
    fn validate_rejects_unbounded_durations() {
        for field in ["default_ttl", "cleanup_interval"] {
            let mut c = CacheConfig::default();
            match field {
                "default_ttl" => c.default_ttl = Duration::MAX,
                _ => c.cleanup_interval = Duration::MAX,
            }
            match c.validate() {
                Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected InvalidConfig, got {other:?}"),
            }
        }
    }

    #[test]
    fn cache_type_names_round_trip() {
        let names = [
            "pool_info",
            "balance",
            "block",
            "node_status",
            "contract_query",
            "simulation",
            "generic",
        ];
        for (i, t) in CacheType::ALL.iter().enumerate() {
            assert_eq!(t.index(), i);
            assert_eq!(t.as_str(), names[i]);
            assert_eq!(names[i].parse::<CacheType>(), Ok(*t));
            assert_eq!(
                serde_json::to_string(t).unwrap(),
                format!("\"{}\"", names[i])
            );
            assert_eq!(
                serde_json::from_str::<CacheType>(&format!("\"{}\"", names[i])).unwrap(),
                *t
            );
        }
        match "pools".parse::<CacheType>() {
            Err(Error::InvalidArgument(msg)) => {
                assert!(msg.contains("pools"), "{msg}");
                for n in names {
                    assert!(msg.contains(n), "{msg} lacks {n}");
                }
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }
}
