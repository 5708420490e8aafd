//! No Rust panic may unwind into FreeSWITCH: every entry from C runs inside
//! [`guard`], which turns a panic into a logged error and a failure value.

use super::log;
use std::panic::{self, AssertUnwindSafe};

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

/// Rust's default panic message goes to stderr; FreeSWITCH's log is where
/// an administrator looks.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        log::debug(&format!("grouppickup: panic at {at}"));
    }));
}
