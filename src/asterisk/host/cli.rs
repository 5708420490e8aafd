//! The CLI (shim/cli.c): the entries the shim builds Asterisk's CLI
//! commands from.

use super::CliCommand;
use std::ffi::CStr;

/// The entry of a CLI command for the shim to register; the strings live
/// as long as the module is mapped, so the shim keeps pointers to them.
pub fn command(words: &'static CStr, summary: &'static CStr, usage: &'static CStr) -> CliCommand {
    CliCommand {
        command: words.as_ptr(),
        summary: summary.as_ptr(),
        usage: usage.as_ptr(),
    }
}
