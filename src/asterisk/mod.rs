//! The adapter: turns Asterisk's events and calls into questions for the
//! core, and the core's answers into calls to Asterisk through the C shim.

pub mod ami;
pub mod app;
pub mod assignments;
pub mod cli;
pub mod config_file;
pub mod events;
pub mod extensions;
pub mod functions;
pub mod guard;
pub mod lamps;
pub mod log;
pub mod module;
pub mod notify;
pub mod shim;

use std::ffi::CString;

/// A C string for Asterisk; an interior NUL (which C cannot carry) is
/// dropped rather than cutting the text short.
pub fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}
