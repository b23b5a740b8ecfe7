//! The pending queue: one FIFO lane per priority, ordered by submission sequence, with
//! age-based promotion so Low operations cannot starve.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use super::BatchOperation;
use crate::error::{Error, Result};
use crate::exec::Priority;

/// Where one operation's result goes. Finished exactly once; the first finisher wins.
#[derive(Debug)]
pub(crate) struct OpSlot {
    state: Mutex<SlotState>,
}

#[derive(Debug)]
enum SlotState {
    /// No outcome yet: the caller's waker, and the waker of the batch carrying the
    /// operation (woken when the caller leaves: see [`OpSlot::poll_ended`]).
    Waiting(Option<Waker>, Option<Waker>),
    Ready(Result<Value>),
    Taken,
}

impl OpSlot {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(SlotState::Waiting(None, None)),
        }
    }

    /// Stores the result if nobody finished first; returns whether this call won.
    pub(crate) fn finish(&self, result: Result<Value>) -> bool {
        self.finish_then(result, || {})
    }

    /// Like [`finish`](Self::finish), running `on_win` (e.g. counting) before the waiter
    /// is woken, so a caller that has its result also sees the counters updated.
    pub(crate) fn finish_then(&self, result: Result<Value>, on_win: impl FnOnce()) -> bool {
        let waker = {
            let mut st = self.state.lock();
            match &mut *st {
                SlotState::Waiting(w, _) => {
                    let w = w.take();
                    *st = SlotState::Ready(result);
                    w
                }
                _ => return false,
            }
        };
        on_win();
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// Whether a result (or timeout) has been decided.
    pub(crate) fn is_done(&self) -> bool {
        !matches!(*self.state.lock(), SlotState::Waiting(..))
    }

    /// For the batch carrying this operation: whether the operation has ended (its caller
    /// left, or its deadline passed); if not, `waker` is woken when it does.
    pub(crate) fn poll_ended(&self, waker: &Waker) -> bool {
        match &mut *self.state.lock() {
            SlotState::Waiting(_, w) => {
                register(w, waker);
                false
            }
            _ => true,
        }
    }

    /// Takes the result if it is there, else registers `waker`.
    pub(crate) fn poll_take(&self, waker: &Waker) -> Poll<Result<Value>> {
        let mut st = self.state.lock();
        match &mut *st {
            SlotState::Waiting(w, _) => {
                register(w, waker);
                Poll::Pending
            }
            SlotState::Ready(_) => match std::mem::replace(&mut *st, SlotState::Taken) {
                SlotState::Ready(r) => Poll::Ready(r),
                _ => Poll::Ready(Err(Error::Internal("batch slot state".into()))),
            },
            SlotState::Taken => Poll::Ready(Err(Error::Internal(
                "batch ticket polled after completion".into(),
            ))),
        }
    }

    /// The deadline passed or the caller left: returns `(true, outcome)` if this call
    /// decided the outcome (a timeout or a cancellation), or `(false, result)` if a result
    /// had already arrived.
    /// The batch carrying the operation, if any, is woken (it stops waiting once every
    /// operation it carries has ended).
    pub(crate) fn expire(&self, outcome: Error) -> (bool, Result<Value>) {
        let previous = std::mem::replace(&mut *self.state.lock(), SlotState::Taken);
        match previous {
            SlotState::Waiting(_, batch) => {
                if let Some(w) = batch {
                    w.wake();
                }
                (true, Err(outcome))
            }
            SlotState::Ready(r) => (false, r),
            SlotState::Taken => (
                false,
                Err(Error::Internal(
                    "batch ticket polled after completion".into(),
                )),
            ),
        }
    }
}

/// Keeps `waker` in `slot` (unless the one there already wakes the same task).
fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(old) if old.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// One queued (or in-flight) operation. Dropping an unfinished entry fails its caller with
/// [`Error::Closed`], so no path can leave a caller waiting forever.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) op: BatchOperation,
    pub(crate) slot: Arc<OpSlot>,
    pub(crate) seq: u64,
    pub(crate) enqueued_at: Duration,
    pub(crate) deadline: Duration,
    /// Encoded size, 0 when no byte bound was set at submission.
    pub(crate) bytes: usize,
    /// Retries used so far.
    pub(crate) retries: u32,
    /// A retry is due: counted in the `retries` stats when the operation goes out again.
    pub(crate) resend: bool,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.slot.finish(Err(Error::Closed(
            "batch manager dropped the operation".into(),
        )));
    }
}

fn lane(p: Priority) -> usize {
    match p {
        Priority::High => 0,
        Priority::Normal => 1,
        Priority::Low => 2,
    }
}

fn level(p: Priority) -> u64 {
    match p {
        Priority::High => 2,
        Priority::Normal => 1,
        Priority::Low => 0,
    }
}

/// Pending operations by priority lane; each lane is sorted by `seq`.
#[derive(Debug, Default)]
pub(crate) struct OpQueue {
    lanes: [VecDeque<Entry>; 3],
    len: usize,
    bytes: usize,
}

impl OpQueue {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sum of the known encoded sizes of queued operations.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends a newly submitted entry (its `seq` is the largest so far).
    pub(crate) fn push(&mut self, e: Entry) {
        self.len += 1;
        self.bytes += e.bytes;
        self.lanes[lane(e.op.priority())].push_back(e);
    }

    /// Puts back an entry that was sent before (retry, split), keeping `seq` order.
    pub(crate) fn reinsert(&mut self, e: Entry) {
        self.len += 1;
        self.bytes += e.bytes;
        let l = &mut self.lanes[lane(e.op.priority())];
        let at = l.partition_point(|x| x.seq < e.seq);
        l.insert(at, e);
    }

    /// Removes the entry with `seq` from its lane, if still queued.
    pub(crate) fn remove(&mut self, priority: Priority, seq: u64) -> Option<Entry> {
        let l = &mut self.lanes[lane(priority)];
        let i = l.binary_search_by_key(&seq, |x| x.seq).ok()?;
        let e = l.remove(i)?;
        self.len -= 1;
        self.bytes -= e.bytes;
        Some(e)
    }

    /// `(seq, enqueued_at)` of the oldest queued entry.
    pub(crate) fn oldest(&self) -> Option<(u64, Duration)> {
        self.lanes
            .iter()
            .filter_map(|l| l.front())
            .min_by_key(|e| e.seq)
            .map(|e| (e.seq, e.enqueued_at))
    }

    /// Lane whose head goes next: highest effective priority (base level plus one level per
    /// `aging` waited, capped at High), oldest first among equals.
    fn next_lane(&self, now: Duration, aging: Option<Duration>) -> Option<usize> {
        let mut best: Option<(u64, std::cmp::Reverse<u64>, usize)> = None;
        for (i, l) in self.lanes.iter().enumerate() {
            let Some(e) = l.front() else { continue };
            let base = level(e.op.priority());
            let boost = match aging {
                Some(step) if !step.is_zero() => {
                    (now.saturating_sub(e.enqueued_at).as_nanos() / step.as_nanos()) as u64
                }
                _ => 0,
            };
            let key = (
                base.saturating_add(boost).min(2),
                std::cmp::Reverse(e.seq),
                i,
            );
            let better = match best {
                None => true,
                Some(b) => (key.0, key.1) > (b.0, b.1),
            };
            if better {
                best = Some(key);
            }
        }
        best.map(|b| b.2)
    }

    /// The entry that would be taken next.
    pub(crate) fn peek_next(&self, now: Duration, aging: Option<Duration>) -> Option<&Entry> {
        let i = self.next_lane(now, aging)?;
        self.lanes[i].front()
    }

    /// Takes the next entry in priority order.
    pub(crate) fn pop_next(&mut self, now: Duration, aging: Option<Duration>) -> Option<Entry> {
        let i = self.next_lane(now, aging)?;
        let e = self.lanes[i].pop_front()?;
        self.len -= 1;
        self.bytes -= e.bytes;
        Some(e)
    }

    /// Empties the queue.
    pub(crate) fn drain_all(&mut self) -> Vec<Entry> {
        self.len = 0;
        self.bytes = 0;
        let mut out: Vec<Entry> = Vec::new();
        for l in &mut self.lanes {
            out.extend(l.drain(..));
        }
        crate::sort::sort_by_key(&mut out, |e| e.seq);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(p: Priority, seq: u64, at_ms: u64) -> Entry {
        Entry {
            op: BatchOperation::from_value("m", json!(seq), p, Duration::from_secs(60)).unwrap(),
            slot: Arc::new(OpSlot::new()),
            seq,
            enqueued_at: Duration::from_millis(at_ms),
            deadline: Duration::from_secs(60),
            bytes: 0,
            retries: 0,
            resend: false,
        }
    }

    fn order(q: &mut OpQueue, now_ms: u64, aging: Option<Duration>) -> Vec<u64> {
        let now = Duration::from_millis(now_ms);
        std::iter::from_fn(|| q.pop_next(now, aging).map(|e| e.seq)).collect()
    }

    #[test]
    fn higher_priority_first_fifo_within_a_priority() {
        let mut q = OpQueue::default();
        q.push(entry(Priority::Low, 0, 0));
        q.push(entry(Priority::Normal, 1, 0));
        q.push(entry(Priority::High, 2, 0));
        q.push(entry(Priority::Normal, 3, 0));
        q.push(entry(Priority::High, 4, 0));
        assert_eq!(q.oldest(), Some((0, Duration::ZERO)));
        assert_eq!(order(&mut q, 0, None), vec![2, 4, 1, 3, 0]);
        assert!(q.is_empty());
    }

    #[test]
    fn aged_low_is_promoted_ahead_of_newer_high() {
        let mut q = OpQueue::default();
        q.push(entry(Priority::Low, 0, 0));
        q.push(entry(Priority::High, 1, 1_900));
        q.push(entry(Priority::Normal, 2, 1_950));
        let aging = Some(Duration::from_secs(1));
        // At 1.99 s the Low op has aged one level (Normal): it beats the newer Normal only.
        assert_eq!(order(&mut q, 1_990, aging), vec![1, 0, 2]);
        q.push(entry(Priority::Low, 0, 0));
        q.push(entry(Priority::High, 1, 1_900));
        // At 2 s it counts as High and is older than the High op.
        assert_eq!(order(&mut q, 2_000, aging), vec![0, 1]);
    }

    #[test]
    fn reinsert_keeps_seq_order_and_remove_finds_by_seq() {
        let mut q = OpQueue::default();
        q.push(entry(Priority::Normal, 1, 0));
        q.push(entry(Priority::Normal, 5, 0));
        q.reinsert(entry(Priority::Normal, 3, 0));
        assert!(q.remove(Priority::Normal, 5).is_some());
        assert!(q.remove(Priority::Normal, 4).is_none());
        assert_eq!(q.len(), 2);
        assert_eq!(order(&mut q, 0, None), vec![1, 3]);
    }

    #[test]
    fn dropping_an_unfinished_entry_fails_it_closed() {
        let e = entry(Priority::Normal, 0, 0);
        let slot = e.slot.clone();
        drop(e);
        let w = futures::task::noop_waker();
        match slot.poll_take(&w) {
            Poll::Ready(Err(Error::Closed(_))) => {}
            other => panic!("{other:?}"),
        }
    }
}
