//! Hash maps and sets serialised in key order (`serialize_with`), so that the same
//! store always gives the same keyframe bytes whatever order its tables hold them in.

use std::collections::{HashMap, HashSet};

/// A hash map in key order, for a keyframe's JSON (`serialize_with`).
pub(crate) fn sorted_map<K, V, H, S>(m: &HashMap<K, V, H>, s: S) -> Result<S::Ok, S::Error>
where
    K: Ord + serde::Serialize,
    V: serde::Serialize,
    S: serde::Serializer,
{
    let mut v: Vec<(&K, &V)> = m.iter().collect();
    v.sort_unstable_by(|a, b| a.0.cmp(b.0));
    s.collect_map(v)
}

/// A hash set in order, for a keyframe's JSON (`serialize_with`).
pub(crate) fn sorted_set<T, H, S>(set: &HashSet<T, H>, s: S) -> Result<S::Ok, S::Error>
where
    T: Ord + serde::Serialize,
    S: serde::Serializer,
{
    let mut v: Vec<&T> = set.iter().collect();
    v.sort_unstable();
    s.collect_seq(v)
}
