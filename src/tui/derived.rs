//! Views derived from the store — a screen's row order and the header figures —
//! memoised across frames. Each entry is keyed on everything it was computed from: the
//! store's version, the view inputs (screen, filters, sort) and the clock range it
//! holds for, so a memo never changes what a frame shows, only what it costs.

use super::state::{Screen, SortKey, StateFilter};
use crate::core::{Session, SessionStore, Steady, SummaryBasis, Version};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

/// One memoised value, rebuilt when it no longer holds.
pub(crate) struct Memo<T>(RefCell<Option<Arc<T>>>);

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(RefCell::new(None))
    }
}

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo(RefCell::new(self.0.borrow().clone()))
    }
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.borrow().is_some() {
            "warm"
        } else {
            "cold"
        };
        write!(f, "Memo({state})")
    }
}

impl<T> Memo<T> {
    /// The entry if `holds` says it still does, else a new one from `build` (given the
    /// old one, to reuse what it can).
    pub(crate) fn get(
        &self,
        holds: impl Fn(&T) -> bool,
        build: impl FnOnce(Option<&T>) -> T,
    ) -> Arc<T> {
        let old = self.0.borrow_mut().take();
        let e = match old {
            Some(e) if holds(&e) => e,
            old => Arc::new(build(old.as_deref())),
        };
        *self.0.borrow_mut() = Some(e.clone());
        e
    }
}

/// What a row order depends on besides the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RowsKey {
    pub version: Version,
    pub screen: Screen,
    pub filter: String,
    pub state_filter: StateFilter,
    pub sort: SortKey,
    pub reverse: bool,
}

/// A screen's session ids in display order.
#[derive(Debug)]
pub(crate) struct RowsEntry {
    pub key: RowsKey,
    /// The clock range the order holds for (only the timer sort depends on the clock).
    pub steady: Steady,
    pub ids: Arc<Vec<String>>,
}

impl RowsEntry {
    /// The ids of `rows`: the old entry's when they are the same (an event that moved
    /// no row), else copies.
    pub(crate) fn ids_of(rows: &[&str], old: Option<&RowsEntry>) -> Arc<Vec<String>> {
        match old {
            Some(o) if o.ids.len() == rows.len() && o.ids.iter().zip(rows).all(|(a, b)| a == b) => {
                o.ids.clone()
            }
            _ => Arc::new(rows.iter().map(|s| s.to_string()).collect()),
        }
    }
}

/// The header figures of one store version.
#[derive(Debug)]
pub(crate) struct SummaryEntry {
    pub version: Version,
    pub basis: SummaryBasis,
}

/// The memos a [`UiState`](super::state::UiState) carries.
#[derive(Clone, Debug, Default)]
pub(crate) struct Views {
    pub rows: Memo<RowsEntry>,
    pub summary: Memo<SummaryEntry>,
}

/// The rows of a screen in display order, read from the store they were ordered for.
#[derive(Clone, Debug)]
pub struct Rows<'a> {
    store: &'a SessionStore,
    entry: Arc<RowsEntry>,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(store: &'a SessionStore, entry: Arc<RowsEntry>) -> Rows<'a> {
        Rows { store, entry }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.entry.ids.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.entry.ids.is_empty()
    }

    /// The session of row `i` (unpacked if archived).
    pub fn get(&self, i: usize) -> Option<Cow<'a, Session>> {
        self.entry.ids.get(i).and_then(|id| self.store.find(id))
    }

    /// The row of a session.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.entry.ids.iter().position(|r| r == id)
    }

    /// The sessions of rows `start..end` (clamped; archived ones unpacked).
    pub fn window(&self, start: usize, end: usize) -> impl Iterator<Item = Cow<'a, Session>> + '_ {
        let end = end.min(self.len());
        self.entry.ids[start.min(end)..end]
            .iter()
            .filter_map(|id| self.store.find(id))
    }

    /// Every row's session.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'a, Session>> + '_ {
        self.window(0, self.len())
    }
}
