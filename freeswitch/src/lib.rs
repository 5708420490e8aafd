//! mod_grouppickup: Group Call Pickup inside FreeSWITCH, on the same core as
//! the Asterisk module. The C shim (shim/) expresses FreeSWITCH's macros;
//! this crate is the adapter: entry points guarded against panics
//! ([`entry`]), one safe layer over the C ABI ([`host`]), and one file per
//! surface (config file, ringing legs, the application, the API, events).
//!
//! Data flows one way: a FreeSWITCH event → [`legs`] → the core's arbiter;
//! `group_pickup` → [`app`] → the core's pickup procedure → FreeSWITCH's
//! intercept on the live session.

mod api;
mod app;
mod config_xml;
mod entry;
mod ffi;
mod guard;
mod host;
mod legs;
mod log;
mod module;
mod notices;
mod store;
