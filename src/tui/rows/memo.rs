//! One memoised value, kept between frames and rebuilt when it no longer holds.

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
    /// old one, to reuse or patch).
    pub(crate) fn get(
        &self,
        holds: impl Fn(&T) -> bool,
        build: impl FnOnce(Option<Arc<T>>) -> T,
    ) -> Arc<T> {
        let old = self.0.borrow_mut().take();
        let e = match old {
            Some(e) if holds(&e) => e,
            old => Arc::new(build(old)),
        };
        *self.0.borrow_mut() = Some(e.clone());
        e
    }

    /// True when there is an entry and `f` says so of it.
    pub(crate) fn is(&self, f: impl Fn(&T) -> bool) -> bool {
        self.0.borrow().as_deref().is_some_and(f)
    }

    /// Keeps `e` (made elsewhere) as the entry.
    pub(crate) fn set(&self, e: T) {
        *self.0.borrow_mut() = Some(Arc::new(e));
    }
}
