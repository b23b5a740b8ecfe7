//! The permit gate: at most `limit` operations run; waiters queue per priority and are
//! granted by smooth weighted round-robin, so every priority keeps its share.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use super::config::AsyncOptimizerConfig;
use super::limit::{LimitSample, Limiter};
use super::Priority;
use crate::{Error, Result};

/// Queue index of a priority: High 0, Normal 1, Low 2 (ties go to the lower index).
fn idx(p: Priority) -> usize {
    match p {
        Priority::High => 0,
        Priority::Normal => 1,
        Priority::Low => 2,
    }
}

#[derive(Debug)]
enum Slot {
    Waiting(Option<Waker>),
    /// A permit was handed over; `inflight` counts it.
    Granted {
        inflight: usize,
    },
    Closed,
}

/// Counters reported by `ExecStats`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    pub completed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub cancelled: u64,
    pub latency_total: Duration,
    pub latency_count: u64,
}

#[derive(Debug)]
pub(crate) struct GateState {
    pub limiter: Limiter,
    pub in_flight: usize,
    queues: [VecDeque<u64>; 3],
    slots: crate::hash::FastMap<u64, Slot>,
    next_id: u64,
    weights: [i64; 3],
    credit: [i64; 3],
    pub closed: bool,
    pub counters: Counters,
}

impl GateState {
    pub fn queued(&self, p: Priority) -> usize {
        self.queues[idx(p)].len()
    }

    fn queued_total(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }

    /// Smooth weighted round-robin (nginx) over the non-empty queues. An empty queue keeps
    /// no credit, so idle priorities neither bank turns nor carry debt.
    fn pick(&mut self) -> Option<usize> {
        let mut total = 0;
        let mut best: Option<usize> = None;
        for i in 0..3 {
            if self.queues[i].is_empty() {
                self.credit[i] = 0;
                continue;
            }
            self.credit[i] += self.weights[i];
            total += self.weights[i];
            match best {
                Some(b) if self.credit[b] >= self.credit[i] => {}
                _ => best = Some(i),
            }
        }
        let b = best?;
        self.credit[b] -= total;
        Some(b)
    }

    /// Grants permits to waiters while under the limit; returns the wakers to wake
    /// (after the lock is released).
    fn dispatch(&mut self) -> Vec<Waker> {
        let mut wake = Vec::new();
        while self.in_flight < self.limiter.limit() {
            let Some(q) = self.pick() else { break };
            let Some(id) = self.queues[q].pop_front() else {
                break;
            };
            if let Some(slot) = self.slots.get_mut(&id) {
                self.in_flight += 1;
                if let Slot::Waiting(Some(w)) = std::mem::replace(
                    slot,
                    Slot::Granted {
                        inflight: self.in_flight,
                    },
                ) {
                    wake.push(w);
                }
            }
        }
        wake
    }

    fn release(&mut self) -> Vec<Waker> {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.dispatch()
    }
}

/// Shared gate; operations hold a [`Permit`] while running.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Mutex<GateState>,
}

fn wake_all(wakers: Vec<Waker>) {
    for w in wakers {
        w.wake();
    }
}

impl Gate {
    pub fn new(config: &AsyncOptimizerConfig) -> Self {
        let w = config.priority_weights;
        Self {
            state: Mutex::new(GateState {
                limiter: Limiter::new(
                    config.algorithm.clone(),
                    config.min_limit,
                    config.max_limit,
                    config.initial_limit,
                ),
                in_flight: 0,
                queues: Default::default(),
                slots: Default::default(),
                next_id: 0,
                weights: [w.high as i64, w.normal as i64, w.low as i64],
                credit: [0; 3],
                closed: false,
                counters: Counters::default(),
            }),
        }
    }

    /// Runs `f` on the locked state (never across an await).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut GateState) -> R) -> R {
        f(&mut self.state.lock())
    }

    /// Waits for a permit at `priority`.
    pub fn acquire(self: &Arc<Self>, priority: Priority) -> Acquire {
        Acquire {
            gate: self.clone(),
            priority,
            id: None,
            done: false,
        }
    }

    /// Feeds a sample to the limiter and applies the new limit (growing grants waiters,
    /// shrinking lets running operations finish).
    pub fn feed(&self, sample: LimitSample) {
        let wake = {
            let mut st = self.state.lock();
            st.limiter.on_sample(sample);
            st.dispatch()
        };
        wake_all(wake);
    }

    /// Rejects new and queued acquisitions with [`Error::Closed`].
    pub fn close(&self) {
        let wake = {
            let mut st = self.state.lock();
            st.closed = true;
            let ids: Vec<u64> = st.queues.iter_mut().flat_map(|q| q.drain(..)).collect();
            let mut wake = Vec::new();
            for id in ids {
                if let Some(slot) = st.slots.get_mut(&id) {
                    if let Slot::Waiting(Some(w)) = std::mem::replace(slot, Slot::Closed) {
                        wake.push(w);
                    }
                }
            }
            wake
        };
        wake_all(wake);
    }
}

/// A running operation's hold on the gate; released on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    gate: Arc<Gate>,
    /// Operations in flight when this permit was granted, itself included.
    pub inflight: usize,
    released: bool,
}

impl Permit {
    /// Releases the permit, updating counters and the limiter under the same lock.
    pub fn finish(mut self, update: impl FnOnce(&mut GateState)) {
        self.released = true;
        let wake = {
            let mut st = self.gate.state.lock();
            update(&mut st);
            st.release()
        };
        wake_all(wake);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.released {
            let wake = self.gate.state.lock().release();
            wake_all(wake);
        }
    }
}

/// Future of [`Gate::acquire`]. Dropping it while queued removes the waiter; dropping it
/// after a permit was handed over (but before it was observed) releases that permit.
#[derive(Debug)]
pub(crate) struct Acquire {
    gate: Arc<Gate>,
    priority: Priority,
    id: Option<u64>,
    done: bool,
}

impl Future for Acquire {
    type Output = Result<Permit>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Err(Error::Internal(
                "permit polled after completion".into(),
            )));
        }
        let mut st = this.gate.state.lock();
        let Some(id) = this.id else {
            if st.closed {
                this.done = true;
                return Poll::Ready(Err(Error::Closed("async optimizer closed".into())));
            }
            if st.in_flight < st.limiter.limit() && st.queued_total() == 0 {
                st.in_flight += 1;
                let inflight = st.in_flight;
                drop(st);
                this.done = true;
                return Poll::Ready(Ok(Permit {
                    gate: this.gate.clone(),
                    inflight,
                    released: false,
                }));
            }
            let id = st.next_id;
            st.next_id += 1;
            st.slots.insert(id, Slot::Waiting(Some(cx.waker().clone())));
            st.queues[idx(this.priority)].push_back(id);
            this.id = Some(id);
            return Poll::Pending;
        };
        match st.slots.get_mut(&id) {
            Some(Slot::Waiting(w)) => {
                if !matches!(w, Some(old) if old.will_wake(cx.waker())) {
                    *w = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Some(Slot::Granted { inflight }) => {
                let inflight = *inflight;
                st.slots.remove(&id);
                drop(st);
                this.done = true;
                Poll::Ready(Ok(Permit {
                    gate: this.gate.clone(),
                    inflight,
                    released: false,
                }))
            }
            Some(Slot::Closed) | None => {
                st.slots.remove(&id);
                this.done = true;
                Poll::Ready(Err(Error::Closed("async optimizer closed".into())))
            }
        }
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        let (Some(id), false) = (self.id, self.done) else {
            return;
        };
        let wake = {
            let mut st = self.gate.state.lock();
            match st.slots.remove(&id) {
                Some(Slot::Waiting(_)) => {
                    st.queues[idx(self.priority)].retain(|&x| x != id);
                    Vec::new()
                }
                Some(Slot::Granted { .. }) => st.release(),
                Some(Slot::Closed) | None => Vec::new(),
            }
        };
        wake_all(wake);
    }
}
