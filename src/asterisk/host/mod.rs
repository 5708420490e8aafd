//! The one safe layer over the C ABI (`include/grouppickup.h`), one file
//! per facet of the shim. Every `unsafe` block of the adapter, every C
//! string, raw pointer and slice from C is here; the surface files above it
//! (`app.rs`, `cli.rs`, `ami.rs`, ...) are safe Rust and never see the
//! bindings.
//!
//! The rules this layer keeps, once for all facets:
//! - Text to C: C cannot carry a NUL inside a string, so one is written as
//!   the two characters `\0` ([`text::to_c`]): text is never cut short, and
//!   two names never run together into a third.
//! - Text from C: NULL reads as empty, invalid UTF-8 is replaced
//!   ([`text::from_c`]); no input from C makes Rust fail.
//! - Integers from C become Rust enums here, by a match; a value that is no
//!   variant is an [`Unknown`] error, never undefined behaviour.
//! - Every call from C — the entries ([`entry`]) and the visitors of the
//!   configuration reader and the AstDB — runs inside
//!   [`guard`](super::guard::guard), so no panic crosses into C and none is
//!   lost without a log line.

mod bindings;

pub mod ami;
pub mod channel;
pub mod cli;
pub mod config;
pub mod db;
pub mod devstate;
pub mod dialplan;
pub mod entry;
pub mod events;
pub mod functions;
pub mod log;
pub mod message;
pub mod module;
pub mod text;

pub use bindings::{
    gp_ami_action as AmiAction, gp_ami_class as AmiClass, gp_cli_command as CliCommand,
    gp_cli_result as CliOutcome, gp_lamp as Lamp, gp_log_level as LogLevel,
};

use std::ffi::c_int;
use std::fmt;

/// An integer from C that is none of the values it may take.
#[derive(Debug)]
pub struct Unknown {
    /// What the value should have been, "function".
    what: &'static str,
    value: c_int,
}

/// A Rust enum for an enum of the C ABI, made from the integer C passes.
trait FromC: Copy + 'static {
    /// What a value is, for the error: "function".
    const WHAT: &'static str;
    /// Each C value and the variant that stands for it.
    const VARIANTS: &'static [(c_int, Self)];

    fn from_c(value: c_int) -> Result<Self, Unknown> {
        Self::VARIANTS
            .iter()
            .find(|&&(c, _)| c == value)
            .map(|&(_, variant)| variant)
            .ok_or(Unknown {
                what: Self::WHAT,
                value,
            })
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {}", self.what, self.value)
    }
}
