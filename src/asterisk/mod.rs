//! The adapter: turns Asterisk's events and calls into questions for the
//! core, and the core's answers into calls to Asterisk through the C shim.
//!
//! Every call into Asterisk goes through [`host`], the one safe layer over
//! the C ABI; the surface files (one per surface: app, CLI, AMI, functions,
//! lamps, events, ...) are safe Rust on top of it.
//!
//! The modules that call into Asterisk are left out of the unit-test build
//! (a test executable cannot link against symbols only Asterisk provides);
//! what Asterisk's names mean (`channels`, `patterns`, `ami_texts`,
//! `metrics_text`) is plain
//! Rust and tested with `cargo test --lib`.

// In the unit-test build the parts below are not called by anything.
#![cfg_attr(test, allow(dead_code))]

pub mod ami_texts;
pub mod channels;
pub mod metrics_text;
pub mod patterns;

#[cfg(not(test))]
pub mod ami;
#[cfg(not(test))]
pub mod app;
#[cfg(not(test))]
pub mod assignments;
#[cfg(not(test))]
pub mod cli;
#[cfg(not(test))]
pub mod cluster;
#[cfg(not(test))]
pub mod config_file;
#[cfg(not(test))]
pub mod events;
#[cfg(not(test))]
pub mod extensions;
#[cfg(not(test))]
pub mod fail_tone;
#[cfg(not(test))]
pub mod functions;
#[cfg(not(test))]
pub mod guard;
#[cfg(not(test))]
pub mod host;
#[cfg(not(test))]
pub mod lamps;
#[cfg(not(test))]
pub mod log;
#[cfg(not(test))]
pub mod metrics;
#[cfg(not(test))]
pub mod module;
#[cfg(not(test))]
pub mod notify;

use grouppickup_core::view::HostWords;

/// How views name Asterisk's things: a group's device state, and the
/// database runtime assignments live in.
pub const WORDS: HostWords = HostWords {
    lamp: |group| format!("GroupPickup:{group}"),
    store: "AstDB",
};
