//! Hash maps for internal bookkeeping on every call (in-flight calls, reply routing,
//! executor slots): foldhash instead of SipHash, which costs several times more per lookup.
//! Natively foldhash is seeded per process; on `wasm32-unknown-unknown` its seed is
//! effectively fixed (std's SipHash keys there are fixed too). The keys are this process's
//! own (cache keys, request ids, slot numbers) or the ids in one reply from the node, whose
//! count is bounded by the reply body limit — a hostile node could at worst slow the routing
//! of its own reply.

use std::collections::{HashMap, HashSet};

/// A `HashMap` with foldhash's fast hasher.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash's fast hasher.
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;
