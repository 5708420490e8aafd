//! No Rust panic may unwind into Asterisk: every entry from C runs inside
//! [`guard`], which turns a panic into a logged error and a failure value.

use super::log;
use std::panic::{self, AssertUnwindSafe};

/// Runs `f`; if it panics, logs which entry failed and returns `failed`.
pub fn guard<R>(what: &str, failed: R, f: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            log::error(&format!(
                "grouppickup: internal error in {what}: {message}; the operation was abandoned"
            ));
            failed
        }
    }
}

/// Replaces Rust's default panic message (printed to stderr, and touching
/// per-thread state that would pin the module in memory after unload) with
/// a line in Asterisk's log carrying the location.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        log::debug(&format!("grouppickup: panic at {location}"));
    }));
}
