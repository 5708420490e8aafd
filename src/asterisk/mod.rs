//! The adapter: turns Asterisk's events and calls into questions for the
//! core, and the core's answers into calls to Asterisk through the C shim.

pub mod app;
pub mod cli;
pub mod config_file;
pub mod events;
pub mod extensions;
pub mod guard;
pub mod log;
pub mod module;
pub mod shim;
