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

/// In a build with the `fault-injection` feature, the input `!panic` makes
/// an entry panic on purpose, so the tests can prove the guard holds. In a
/// normal build this is nothing.
#[inline]
pub fn fault_point(input: &str) {
    #[cfg(feature = "fault-injection")]
    if input == "!panic" {
        panic!("deliberate panic for the input !panic (fault-injection build)");
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = input;
}

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
