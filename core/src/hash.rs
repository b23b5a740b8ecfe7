//! Hash maps for internal bookkeeping on every call (in-flight calls, reply routing,
//! executor slots): foldhash (randomly seeded per process) instead of SipHash. Their keys
//! are this process's own (cache keys, request ids) or a reply's ids, bounded by a body
//! already held in memory; SipHash's stronger flooding resistance costs several times more
//! per lookup.

use std::collections::{HashMap, HashSet};

/// A `HashMap` with foldhash's fast hasher.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash's fast hasher.
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;
