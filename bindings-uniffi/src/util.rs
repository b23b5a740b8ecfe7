//! Small helpers shared by the adapters.

use std::collections::HashMap;

use parking_lot::Mutex;

/// Hands out `u64` ids for core handles (listener ids, ...) that have no FFI form.
pub(crate) struct Registry<T> {
    inner: Mutex<(u64, HashMap<u64, T>)>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self {
            inner: Mutex::new((0, HashMap::new())),
        }
    }
}

impl<T> Registry<T> {
    /// Stores `value`, returning its new id (never 0).
    pub(crate) fn insert(&self, value: T) -> u64 {
        let mut g = self.inner.lock();
        g.0 += 1;
        let id = g.0;
        g.1.insert(id, value);
        id
    }

    /// Removes and returns the value of `id`.
    pub(crate) fn remove(&self, id: u64) -> Option<T> {
        self.inner.lock().1.remove(&id)
    }
}

/// A count from the host (`u64`) as `usize`, saturating on 32-bit targets.
pub(crate) fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A count from the core (`usize`) as `u64`.
pub(crate) fn to_u64(n: usize) -> u64 {
    n as u64
}

/// `since_epoch` as a wall-clock instant (Kotlin `Instant`, Swift `Date`).
pub(crate) fn wall(since_epoch: std::time::Duration) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + since_epoch
}

/// Parses host JSON text; the `Decode` error says what had to be JSON.
pub(crate) fn parse_json(text: &str, what: &str) -> mantra_sdk::Result<serde_json::Value> {
    serde_json::from_str(text)
        .map_err(|e| mantra_sdk::Error::Decode(format!("{what} must be JSON text: {e}")))
}
