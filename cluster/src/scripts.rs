//! The registry's atomic steps, each one Lua script run by the server. A
//! promoted replica has none of them loaded; `redis::Script` answers the
//! server's NOSCRIPT by sending the script itself.
//!
//! Every script that changes `calls` or `claimed` counts the change in
//! `version` and logs it in `changes` in the same step, so that the log
//! says exactly what changed, in order (see `changes.rs`).

use redis::Script;
use std::sync::OnceLock;

/// A call rings, or moved to another group: stored, and queued in its group
/// (out of the one it was in) unless a picker holds it. The group is the
/// stored call's first field. A stored call that changed is counted and
/// logged; the same one published again (after an outage) is not.
/// KEYS: calls, claimed, node-calls, version, changes. ARGV: member, stored
/// call, score, its queue, key prefix, log entries kept.
const PUBLISH: &str = r#"
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local was = ARGV[5] .. 'queue:' .. string.match(old, '^([^\31]*)')
  if was ~= ARGV[4] then redis.call('ZREM', was, ARGV[1]) end
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  redis.call('ZADD', ARGV[4], ARGV[3], ARGV[1])
end
redis.call('SADD', KEYS[3], ARGV[1])
if old ~= ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  local v = redis.call('INCR', KEYS[4])
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[6], '*', 'm', ARGV[1], 'v', v)
end
return 1
"#;

/// A call stopped ringing on its server: gone from everywhere.
/// KEYS: calls, claimed, node-calls, version, changes. ARGV: member, key
/// prefix, log entries kept.
const REMOVE: &str = r#"
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  redis.call('ZREM', ARGV[2] .. 'queue:' .. string.match(old, '^([^\31]*)'), ARGV[1])
end
local gone = redis.call('HDEL', KEYS[1], ARGV[1]) + redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
if gone > 0 then
  local v = redis.call('INCR', KEYS[4])
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[1], 'v', v)
end
return 1
"#;

/// The oldest unclaimed call of a group on a live server, claimed for
/// ARGV[1]. A call of a server whose heartbeat expired is taken out of the
/// queue (its server puts it back when it is heard again); that changes no
/// view, so it is neither counted nor logged. A call of another server
/// comes with a single-use token, bound to that call.
/// KEYS: queue, calls, claimed, version, changes. ARGV: claimer, token,
/// token time to live (ms), key prefix, log entries kept. Returns {member,
/// stored call} or false.
const CLAIM: &str = r#"
while true do
  local first = redis.call('ZRANGE', KEYS[1], 0, 0)
  local m = first[1]
  if not m then break end
  redis.call('ZREM', KEYS[1], m)
  local node = string.match(m, '^(.*)/[0-9]+$')
  local stored = redis.call('HGET', KEYS[2], m)
  if node and stored and redis.call('EXISTS', ARGV[4] .. 'node:' .. node) == 1 then
    redis.call('HSET', KEYS[3], m, ARGV[1])
    if node ~= ARGV[1] then
      redis.call('SET', ARGV[4] .. 'token:' .. ARGV[2], m .. '|' .. ARGV[1], 'PX', ARGV[3])
    end
    local v = redis.call('INCR', KEYS[4])
    redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', 'm', m, 'v', v)
    return {m, stored}
  end
end
return false
"#;

/// A claim given back by its claimer: queued again at its ring time, if the
/// call still rings and that claimer still holds it.
/// KEYS: calls, claimed, version, changes. ARGV: member, score, claimer,
/// key prefix, log entries kept.
const RELEASE: &str = r#"
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  redis.call('ZADD', ARGV[4] .. 'queue:' .. string.match(stored, '^([^\31]*)'), ARGV[2], ARGV[1])
end
local v = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'm', ARGV[1], 'v', v)
return 1
"#;

/// A token presented to the server the call rings on: used up at once. It
/// changes neither `calls` nor `claimed` (the claim made the change, and
/// logged it), so nothing is logged.
/// KEYS: token. ARGV: this server. Returns {0} for a token that is not (or
/// no longer) there, {2, member, claimer} for a call of another server,
/// {1, member, claimer} for one of this server.
const REDEEM: &str = r#"
local v = redis.call('GET', KEYS[1])
if not v then return {0} end
redis.call('DEL', KEYS[1])
local m, claimer = string.match(v, '^(.*)|(.*)$')
if not m then return {0} end
local node = string.match(m, '^(.*)/[0-9]+$')
if node ~= ARGV[1] then return {2, m, claimer} end
return {1, m, claimer}
"#;

fn script(cell: &'static OnceLock<Script>, code: &str) -> &'static Script {
    cell.get_or_init(|| Script::new(code))
}

pub fn publish() -> &'static Script {
    static S: OnceLock<Script> = OnceLock::new();
    script(&S, PUBLISH)
}

pub fn remove() -> &'static Script {
    static S: OnceLock<Script> = OnceLock::new();
    script(&S, REMOVE)
}

pub fn claim() -> &'static Script {
    static S: OnceLock<Script> = OnceLock::new();
    script(&S, CLAIM)
}

pub fn release() -> &'static Script {
    static S: OnceLock<Script> = OnceLock::new();
    script(&S, RELEASE)
}

pub fn redeem() -> &'static Script {
    static S: OnceLock<Script> = OnceLock::new();
    script(&S, REDEEM)
}
