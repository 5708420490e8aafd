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

/// In a build with the `fault-injection` feature, some inputs make an entry
/// misbehave on purpose, so the tests can prove the module copes: `!panic`
/// panics (the core's, shared with the FreeSWITCH host); `!hold` keeps the
/// entry busy in the module for [`HOLD`] first; `!slow-unload` makes the
/// next unload pause [`PAUSE`] before it does anything, as if Asterisk had
/// been slow between its check of the use count and the unload. In a
/// normal build this is nothing.
#[inline]
pub fn fault_point(input: &str) {
    grouppickup_core::guard::fault_point(input);
    #[cfg(feature = "fault-injection")]
    match input {
        "!hold" => {
            log::verbose(&format!(
                "grouppickup: fault injection: the entry holds {} ms",
                HOLD.as_millis()
            ));
            std::thread::sleep(HOLD);
            log::verbose("grouppickup: fault injection: the entry goes on");
        }
        "!slow-unload" => {
            UNLOAD_PAUSE.store(true, std::sync::atomic::Ordering::SeqCst);
            log::verbose("grouppickup: fault injection: the next unload pauses");
        }
        _ => {}
    }
}

/// How long `!hold` keeps an entry in the module.
#[cfg(feature = "fault-injection")]
pub const HOLD: std::time::Duration = std::time::Duration::from_secs(4);

/// How long the unload pauses after `!slow-unload`.
#[cfg(feature = "fault-injection")]
pub const PAUSE: std::time::Duration = std::time::Duration::from_secs(2);

#[cfg(feature = "fault-injection")]
static UNLOAD_PAUSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The first thing an unload does in a fault-injection build: the pause
/// `!slow-unload` asked for, if any.
#[cfg(feature = "fault-injection")]
pub fn unload_pause() {
    if UNLOAD_PAUSE.swap(false, std::sync::atomic::Ordering::SeqCst) {
        log::verbose(&format!(
            "grouppickup: fault injection: the unload pauses {} ms",
            PAUSE.as_millis()
        ));
        std::thread::sleep(PAUSE);
    }
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
