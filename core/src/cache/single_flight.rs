//! [`SingleFlight`]: concurrent calls with the same key share one execution.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use futures::channel::oneshot;
use parking_lot::Mutex;

struct Flight<V> {
    id: u64,
    waiters: Vec<oneshot::Sender<V>>,
}

struct Inner<K, V> {
    flights: crate::hash::FastMap<K, Flight<V>>,
    next_id: u64,
}

/// Deduplicates concurrent work by key: the first caller of [`run`](Self::run) for a key
/// (the leader) runs its own `work`; callers arriving while it runs wait and receive a
/// clone of the leader's output (errors included — use `V = Result<T, Error>`), and their
/// own `work` is never run. Nothing is remembered once the flight ends.
///
/// If the leader is dropped (cancelled) before finishing, its waiters are released and one
/// of them takes over by running its own `work`; nobody hangs. Works on wasm (no `Send`
/// needed there); a cheap `Clone` handle.
pub struct SingleFlight<K, V> {
    inner: Arc<Mutex<Inner<K, V>>>,
}

impl<K, V> Clone for SingleFlight<K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                flights: Default::default(),
                next_id: 0,
            })),
        }
    }
}

impl<K, V> std::fmt::Debug for SingleFlight<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleFlight")
            .field("in_flight", &self.inner.lock().flights.len())
            .finish()
    }
}

enum Role<V> {
    Lead(u64),
    Wait(oneshot::Receiver<V>),
}

impl<K: Hash + Eq + Clone, V: Clone> SingleFlight<K, V> {
    /// An empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys with a flight running.
    pub fn in_flight(&self) -> usize {
        self.inner.lock().flights.len()
    }

    /// Whether a flight for `key` is running.
    pub fn is_in_flight(&self, key: &K) -> bool {
        self.inner.lock().flights.contains_key(key)
    }

    /// Runs `work` unless a flight for `key` is already running, in which case waits for
    /// that flight's output. See the type docs for cancellation.
    pub async fn run<F, Fut>(&self, key: K, work: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let id = loop {
            let role = {
                let mut inner = self.inner.lock();
                let inner = &mut *inner;
                match inner.flights.get_mut(&key) {
                    Some(flight) => {
                        let (tx, rx) = oneshot::channel();
                        flight.waiters.push(tx);
                        Role::Wait(rx)
                    }
                    None => {
                        let id = inner.next_id;
                        inner.next_id = inner.next_id.wrapping_add(1);
                        inner.flights.insert(
                            key.clone(),
                            Flight {
                                id,
                                waiters: Vec::new(),
                            },
                        );
                        Role::Lead(id)
                    }
                }
            };
            match role {
                Role::Wait(rx) => match rx.await {
                    Ok(v) => return v,
                    // The leader was dropped: race to lead the next flight.
                    Err(oneshot::Canceled) => continue,
                },
                Role::Lead(id) => break id,
            }
        };
        let mut guard = LeaderGuard {
            group: self,
            key: &key,
            id,
            armed: true,
        };
        let out = work().await;
        guard.armed = false;
        for tx in self.take_flight(&key, id) {
            let _ = tx.send(out.clone());
        }
        out
    }

    /// Removes the flight `id` for `key` (if still the current one) and returns its waiters.
    fn take_flight(&self, key: &K, id: u64) -> Vec<oneshot::Sender<V>> {
        let mut inner = self.inner.lock();
        match inner.flights.get(key) {
            Some(f) if f.id == id => inner
                .flights
                .remove(key)
                .map(|f| f.waiters)
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// Ends the leader's flight if the leader is dropped mid-work: dropping the waiters'
/// senders wakes them with `Canceled`, and one of them leads the next flight.
struct LeaderGuard<'a, K: Hash + Eq + Clone, V: Clone> {
    group: &'a SingleFlight<K, V>,
    key: &'a K,
    id: u64,
    armed: bool,
}

impl<K: Hash + Eq + Clone, V: Clone> Drop for LeaderGuard<'_, K, V> {
    fn drop(&mut self) {
        if self.armed {
            let waiters = self.group.take_flight(self.key, self.id);
            drop(waiters);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Clock, ManualClock};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn concurrent_callers_share_one_execution() {
        let clock = ManualClock::new();
        let sf: SingleFlight<String, u32> = SingleFlight::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..5 {
            let (sf, runs, clock) = (sf.clone(), runs.clone(), clock.clone());
            handles.push(tokio::spawn(async move {
                sf.run("k".to_string(), || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    clock.sleep(Duration::from_secs(1)).await;
                    42
                })
                .await
            }));
        }
        ManualClock::settle().await;
        assert_eq!(sf.in_flight(), 1);
        clock.advance(Duration::from_secs(1)).await;
        for h in handles {
            assert_eq!(h.await.unwrap(), 42);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(sf.in_flight(), 0);
        // Nothing is remembered: the next call runs again.
        assert_eq!(sf.run("k".to_string(), || async { 7 }).await, 7);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn different_keys_do_not_share() {
        let sf: SingleFlight<u8, u8> = SingleFlight::new();
        let (a, b) = futures::join!(sf.run(1, || async { 1 }), sf.run(2, || async { 2 }));
        assert_eq!((a, b), (1, 2));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dropped_leader_hands_over_to_a_waiter() {
        let clock = ManualClock::new();
        let sf: SingleFlight<&'static str, u32> = SingleFlight::new();
        let (sf1, c1) = (sf.clone(), clock.clone());
        let leader = tokio::spawn(async move {
            sf1.run("k", || async move {
                c1.sleep(Duration::from_secs(100)).await;
                1
            })
            .await
        });
        ManualClock::settle().await;
        let sf2 = sf.clone();
        let waiter = tokio::spawn(async move { sf2.run("k", || async { 2 }).await });
        ManualClock::settle().await;
        assert!(!waiter.is_finished());
        leader.abort();
        ManualClock::settle().await;
        assert_eq!(waiter.await.unwrap(), 2);
        assert_eq!(sf.in_flight(), 0);
        assert_eq!(clock.pending_sleeps(), 0);
    }
}
