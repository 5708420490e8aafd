//! Everything about Group Call Pickup that can be decided without a PBX:
//! group numbers and ranges, the configuration model, the ringing registry
//! (a trait, with the in-memory index of one server), the pickup procedure
//! against a small host trait, and policy. No FFI and no host's words here;
//! `cargo test -p grouppickup-core` covers it on a machine with no PBX.

pub mod arbiter;
pub mod assignments;
pub mod cluster_config;
pub mod config;
pub mod device;
pub mod ended;
pub mod fasthash;
pub mod functions;
pub mod guard;
pub mod hashed_ids;
pub mod legs;
#[cfg(test)]
mod model_tests;
pub mod notify;
pub mod number;
pub mod packed;
pub mod pickup;
pub mod queue;
pub mod quote;
pub mod ranges;
pub mod registry;
pub mod ring_time;
pub mod ringing;
pub mod shared;
pub mod short_key;
pub mod stats;
#[cfg(test)]
mod test_support;
pub mod view;
