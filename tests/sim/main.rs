//! `calltop sim` over real sockets: its wire protocols, call control, the supervisor API
//! and the call log, each against its ground truth.

mod support;

mod control;
mod login;
mod outcomes;
mod protocol;
mod supervisor;
