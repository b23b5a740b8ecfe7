//! Request priorities shared by the executor and the batcher.

use serde::{Deserialize, Serialize};

/// Scheduling priority. Lower priorities still get a share of capacity (no starvation).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Background work.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Latency-sensitive work.
    High,
}

impl Priority {
    /// Every priority, highest first.
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Normal, Priority::Low];

    /// Maps a numeric level (as in the seed's `BatchOperation::new(.., 1, ..)`):
    /// 0 = Low, 1 = Normal, 2 and above = High.
    pub fn from_level(level: u8) -> Self {
        match level {
            0 => Priority::Low,
            1 => Priority::Normal,
            _ => Priority::High,
        }
    }

    /// Stable lowercase name (`high`, `normal`, `low`).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

impl std::str::FromStr for Priority {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            "low" => Ok(Priority::Low),
            other => Err(crate::Error::InvalidArgument(format!(
                "unknown priority `{other}` (expected high, normal or low)"
            ))),
        }
    }
}
