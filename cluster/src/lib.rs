//! Group Call Pickup across servers: every server publishes its pickable
//! ringing calls into one Redis (or Valkey) registry, one server or a set
//! watched by Sentinel, and a picker on any server claims the call that has
//! rung longest in the group on any live server. Exactly one claim wins
//! (each claim is one atomic script on the registry); a call ringing on
//! another server is reached with a single-use token that only that server
//! accepts.
//!
//! Plain Rust over the core's types, no host's words: an adapter (Asterisk
//! today) publishes, claims and redeems through [`Cluster`].

mod changes;
mod cluster;
mod connect;
mod keys;
mod record;
mod scripts;
mod shared;
mod thread;

pub use cluster::{
    Claimed, Cluster, Event, NodeStatus, Refused, RemoteCall, State, Status, Unavailable, BUDGET,
    HEARTBEAT_TTL, TICK, TOKEN_TTL,
};
pub use record::{member, parse_member, CallRecord};
