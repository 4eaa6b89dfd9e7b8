//! Where each source keeps its calls in progress between steps ([`crate::boundary::Calls`]).
//!
//! Natively (the tests, which run on several threads) a `thread_local!`. In the shipped wasm
//! (feature `bare`: no `std`, see [`crate`]) a plain static: wasm32 without the atomics feature
//! runs one thread, and `thread_local!` is a `std` item.

use core::cell::Cell;

/// A source's calls in progress: `with` lends the cell, as `LocalKey::with` does.
#[cfg(not(feature = "bare"))]
pub type Slot<T> = std::thread::LocalKey<Cell<T>>;

/// A source's calls in progress: `with` lends the cell, as `LocalKey::with` does.
#[cfg(feature = "bare")]
pub struct Slot<T>(Cell<T>);

// SAFETY: the `bare` build is the wasm32 scripts' and engine's, which run on one thread.
#[cfg(feature = "bare")]
unsafe impl<T> Sync for Slot<T> {}

#[cfg(feature = "bare")]
impl<T> Slot<T> {
    /// A slot holding `value`.
    pub const fn new(value: T) -> Self {
        Slot(Cell::new(value))
    }
    /// Runs `f` with the cell.
    pub fn with<R>(&'static self, f: impl FnOnce(&Cell<T>) -> R) -> R {
        f(&self.0)
    }
}

/// Declares the static `$name`, a [`Slot`] holding `<$t>::new()`.
macro_rules! slot {
    ($name:ident: $t:ty) => {
        #[cfg(not(feature = "bare"))]
        std::thread_local! {
            static $name: core::cell::Cell<$t> = const { core::cell::Cell::new(<$t>::new()) };
        }
        #[cfg(feature = "bare")]
        static $name: $crate::slot::Slot<$t> = $crate::slot::Slot::new(<$t>::new());
    };
}
pub(crate) use slot;
