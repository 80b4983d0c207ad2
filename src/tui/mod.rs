//! The terminal board, in layers that import downwards only:
//! - the keymap, theme and line editing;
//! - what the user looks at ([`view`]), the rows derived from it and the store
//!   ([`rows`]), and the whole UI state ([`state`]);
//! - the views ([`views`]): draw only, reading the state; their layout says what fits;
//! - input mapping ([`input`]: key / mouse → [`msg::Intent`]), control planning
//!   (`plan`) and the pure reducer ([`reducer`]: intent or event → state, effects);
//! - the app ([`app`]): the loop and the one effect executor.
//!
//! It reads the store and sends control requests through the [`Control`] it is
//! handed; it never writes the store and never talks to the platform itself.
//!
//! [`Control`]: crate::core::control::Control

pub mod app;
pub mod edit;
pub mod input;
pub mod keymap;
pub mod msg;
mod plan;
pub mod reducer;
pub mod rows;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod views;

pub use app::{run, Feed};
