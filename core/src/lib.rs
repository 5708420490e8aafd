//! Everything that can be decided without Asterisk: group numbers and
//! ranges, the configuration model, the ringing-call index and pickup
//! arbitration. No FFI here; `cargo test` covers it.

pub mod ami;
pub mod arbiter;
pub mod assignments;
pub mod config;
pub mod device;
pub mod fasthash;
pub mod functions;
pub mod hashed_ids;
pub mod legs;
#[cfg(test)]
mod model_tests;
pub mod notify;
pub mod number;
pub mod packed;
pub mod patterns;
pub mod queue;
pub mod quote;
pub mod ranges;
pub mod ringing;
pub mod short_key;
pub mod stats;
#[cfg(test)]
mod test_support;
pub mod view;
