//! Following the registry's change log, so that a server's view of the
//! others' calls costs the registry what changed, not what it holds.
//!
//! The view is read whole ([`snapshot`]) when there is nothing to follow
//! from: at start, after a reconnection (a restarted server or a promoted
//! replica may have lost writes), and whenever the log does not connect to
//! where the view stands ([`follow`] answers [`Followed::Lost`]). Otherwise
//! only the calls the log names since the last entry seen are read again
//! ([`fetch`]).
//!
//! The log connects when it still holds the last entry seen (it was not
//! trimmed past it, reset, or replaced by another server's), and when the
//! `version` counter, read in the same transaction, is the one the last
//! entry made: a change that was not logged (by a server of an older
//! version of this crate, say) makes them differ.

use crate::keys;
use redis::{Connection, RedisResult, Value};
use std::collections::{HashMap, HashSet};

/// How many entries the log keeps, about (`XADD ... MAXLEN ~`): a server
/// that falls further behind reads the registry whole. At 1,000 claims/s
/// (a claim and its release, two entries each) that is 5 s of changes.
pub const KEPT: usize = 10_000;
/// Entries read per round trip (and members per HMGET): a claim that
/// arrives behind one such read waits for a few hundred entries at most.
const BATCH: usize = 250;
/// Round trips per refresh at most (as many entries as the log keeps); the
/// rest is read on the next one.
const ROUNDS: usize = KEPT / BATCH;

/// Where a view stands in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The last entry applied; `None` when the log was empty.
    last: Option<String>,
    /// The `version` that entry made, or that was read with the view.
    version: Option<i64>,
}

/// The registry read whole, and where that leaves the view in the log.
pub struct Snapshot {
    pub position: Position,
    /// member → stored call.
    pub calls: HashMap<String, String>,
    /// The claimed members.
    pub claimed: HashSet<String>,
}

/// What the log says since a position.
#[derive(Debug, PartialEq, Eq)]
pub enum Followed {
    /// These members changed (each once, in the order first logged); the
    /// view stands at `position` once they are read again.
    Changed {
        members: Vec<String>,
        position: Position,
    },
    /// The log does not connect: read the registry whole.
    Lost(&'static str),
}

/// The registry's calls and claims, and the log's last entry, in one
/// transaction.
pub fn snapshot(con: &mut Connection) -> RedisResult<Snapshot> {
    let (last, version, calls, claimed): (
        Value,
        Option<i64>,
        HashMap<String, String>,
        HashMap<String, String>,
    ) = redis::pipe()
        .atomic()
        .cmd("XREVRANGE")
        .arg(keys::changes())
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .get(keys::version())
        .hgetall(keys::calls())
        .hgetall(keys::claimed())
        .query(con)?;
    let last = entries(last).into_iter().next().map(|e| e.id);
    Ok(Snapshot {
        position: Position { last, version },
        calls,
        claimed: claimed.into_keys().collect(),
    })
}

/// The members logged after `from`.
pub fn follow(con: &mut Connection, from: &Position) -> RedisResult<Followed> {
    let mut position = from.clone();
    let mut members = Vec::new();
    let mut seen = HashSet::new();
    for _ in 0..ROUNDS {
        // The last entry seen is read again: it must still be there.
        let (version, reply): (Option<i64>, Value) = redis::pipe()
            .atomic()
            .get(keys::version())
            .cmd("XRANGE")
            .arg(keys::changes())
            .arg(position.last.as_deref().unwrap_or("-"))
            .arg("+")
            .arg("COUNT")
            .arg(BATCH + 1)
            .query(con)?;
        let read = entries(reply);
        let mut new = &read[..];
        if let Some(last) = &position.last {
            match read.first() {
                Some(first) if first.id == *last => new = &read[1..],
                Some(_) => return Ok(Followed::Lost("the change log was trimmed past this view")),
                None => return Ok(Followed::Lost("the change log lost this view's last entry")),
            }
        }
        for entry in new {
            if let Some(m) = &entry.member {
                if seen.insert(m.clone()) {
                    members.push(m.clone());
                }
            }
            position = Position {
                last: Some(entry.id.clone()),
                version: entry.version,
            };
        }
        if read.len() <= BATCH {
            if version != position.version {
                return Ok(Followed::Lost("the registry changed without a log entry"));
            }
            break;
        }
    }
    Ok(Followed::Changed { members, position })
}

/// Each member's stored call (`None`: gone) and whether it is claimed.
pub fn fetch(con: &mut Connection, members: &[String]) -> RedisResult<Vec<(Option<String>, bool)>> {
    let mut found = Vec::with_capacity(members.len());
    for chunk in members.chunks(BATCH) {
        let (calls, claimed): (Vec<Option<String>>, Vec<Option<String>>) = redis::pipe()
            .cmd("HMGET")
            .arg(keys::calls())
            .arg(chunk)
            .cmd("HMGET")
            .arg(keys::claimed())
            .arg(chunk)
            .query(con)?;
        found.extend(calls.into_iter().zip(claimed.iter().map(Option::is_some)));
    }
    Ok(found)
}

/// One entry of the log as read.
struct Entry {
    id: String,
    member: Option<String>,
    version: Option<i64>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// An XRANGE reply: `[[id, [field, value, ...]], ...]`. An entry this
/// version cannot read keeps its place (its id) and names no member.
fn entries(reply: Value) -> Vec<Entry> {
    let Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let Value::Array(parts) = item else {
                return None;
            };
            let id = text(parts.first()?)?;
            let mut entry = Entry {
                id,
                member: None,
                version: None,
            };
            if let Some(Value::Array(fields)) = parts.get(1) {
                for pair in fields.chunks(2) {
                    let (Some(k), Some(v)) = (pair.first().and_then(text), pair.get(1)) else {
                        continue;
                    };
                    match k.as_str() {
                        "m" => entry.member = text(v),
                        "v" => entry.version = text(v).and_then(|v| v.parse().ok()),
                        _ => {}
                    }
                }
            }
            Some(entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn log_entries_read_back_and_unknown_ones_keep_their_place() {
        let reply = Value::Array(vec![
            Value::Array(vec![
                bulk("1-0"),
                Value::Array(vec![bulk("m"), bulk("pbx-a/7"), bulk("v"), bulk("12")]),
            ]),
            Value::Array(vec![bulk("2-0"), Value::Array(vec![bulk("other")])]),
            Value::Int(3),
        ]);
        let read = entries(reply);
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].id, "1-0");
        assert_eq!(read[0].member.as_deref(), Some("pbx-a/7"));
        assert_eq!(read[0].version, Some(12));
        assert_eq!(
            (read[1].id.as_str(), read[1].member.as_deref()),
            ("2-0", None)
        );
        assert!(entries(Value::Nil).is_empty());
    }
}
