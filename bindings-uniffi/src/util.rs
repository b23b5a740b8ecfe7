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
