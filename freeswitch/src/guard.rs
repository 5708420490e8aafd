//! No Rust panic may unwind into FreeSWITCH: every entry from C runs inside
//! [`guard`], which turns a panic into a logged error and a failure value.

use super::log;
use std::panic;

pub fn guard<R>(what: &str, failed: R, f: impl FnOnce() -> R) -> R {
    grouppickup_core::guard::catch(what, failed, f, log::error)
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
