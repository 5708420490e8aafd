//! No Rust panic may unwind into Asterisk: every entry from C runs inside
//! [`guard`], which turns a panic into a logged error and a failure value.

use super::log;
use std::panic::{self, Location};

/// Runs `f`; if it panics, logs which entry failed and returns `failed`.
/// The log line names the entry's place (its caller), not this file.
#[track_caller]
pub fn guard<R>(what: &str, failed: R, f: impl FnOnce() -> R) -> R {
    let entry = Location::caller();
    grouppickup_core::guard::catch(what, failed, f, |line| {
        log::at(log::Level::GP_LOG_ERROR, entry, line)
    })
}

/// The input `!panic` makes an entry panic on purpose in a
/// `fault-injection` build (the core's, shared with the FreeSWITCH host).
pub use grouppickup_core::guard::fault_point;

/// Replaces Rust's default panic message (printed to stderr, and touching
/// per-thread state that would pin the module in memory after unload) with
/// a line in Asterisk's log carrying the location.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| match info.location() {
        Some(at) => log::at(
            log::Level::GP_LOG_DEBUG,
            at,
            &format!("grouppickup: panic at {}:{}", at.file(), at.line()),
        ),
        None => log::debug("grouppickup: panic at an unknown place"),
    }));
}
