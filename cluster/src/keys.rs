//! The registry's keys, all under one prefix.
//!
//! - `calls` (hash): member → the stored call, every pickable call of every
//!   server;
//! - `queue:<group>` (sorted set): the group's unclaimed calls, scored by
//!   ring time: the oldest is the first;
//! - `claimed` (hash): member → the server that claimed it;
//! - `node:<node>` (string with a time to live): the server's heartbeat;
//! - `node-calls:<node>` (set): the members a server published;
//! - `nodes` (set): every server that ever joined;
//! - `token:<token>` (string with a time to live): a claim of a call ringing
//!   on another server, `member|claimer`, used once;
//! - `version` (counter): changes with every change of `calls` or
//!   `claimed`;
//! - `changes` (stream, bounded): one entry per change of `calls` or
//!   `claimed`, written by the same script: the member (`m`) and the
//!   `version` it made (`v`), for the servers' views to follow;
//! - `assignments` (hash), `assignments-version` (counter): runtime group
//!   assignments, user → value.

pub const PREFIX: &str = "grouppickup:";

pub fn calls() -> String {
    format!("{PREFIX}calls")
}

pub fn queue(group: &str) -> String {
    format!("{PREFIX}queue:{group}")
}

pub fn claimed() -> String {
    format!("{PREFIX}claimed")
}

pub fn node(node: &str) -> String {
    format!("{PREFIX}node:{node}")
}

pub fn node_calls(node: &str) -> String {
    format!("{PREFIX}node-calls:{node}")
}

pub fn nodes() -> String {
    format!("{PREFIX}nodes")
}

pub fn token(token: &str) -> String {
    format!("{PREFIX}token:{token}")
}

pub fn version() -> String {
    format!("{PREFIX}version")
}

pub fn changes() -> String {
    format!("{PREFIX}changes")
}

pub fn assignments() -> String {
    format!("{PREFIX}assignments")
}

pub fn assignments_version() -> String {
    format!("{PREFIX}assignments-version")
}
