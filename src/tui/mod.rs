//! The terminal board: app loop, keymap, state, rows, views, theme, terminal guard.
//! It reads the store and sends control requests through the [`Control`] it is
//! handed; it never writes the store and never talks to the platform itself.
//!
//! [`Control`]: crate::core::control::Control

pub mod action;
pub mod app;
pub mod edit;
pub mod keymap;
mod plan;
pub mod rows;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod views;

pub use app::{run, Feed};
