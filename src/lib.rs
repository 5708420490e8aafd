//! app_grouppickup.so: Group Call Pickup for Asterisk.
//!
//! Decisions live in the `grouppickup_core` crate; the adapter in
//! [`asterisk`] turns Asterisk's events and calls into questions for it. The
//! functions the C shim calls are in `asterisk::host::entry`: each catches
//! panics, so a bug in Rust becomes a logged error and a failure return,
//! never an unwind into Asterisk.

mod asterisk;
