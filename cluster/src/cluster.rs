//! One server's membership of the cluster: the calls it publishes, the
//! claims its pickers make, the tokens other servers bring, and its view of
//! everybody else's calls.
//!
//! One worker thread, owned here and joined by [`Cluster::stop`], talks to
//! the registry for everything but two things: channel threads only enqueue
//! what changed, except a claim and a token's redemption, which run on the
//! caller's thread on a connection of their own with a hard time budget
//! ([`BUDGET`]). When the registry cannot be reached the server is
//! *degraded*: claims answer [`Unavailable`] at once (the caller picks up
//! its own calls alone), one warning says so, one more says when it is back,
//! and on recovery every call still ringing here is published again with its
//! original ring time.
//!
//! The view of the others' calls follows the registry's change log
//! (`changes.rs`): each tick reads only the calls changed since the last
//! one, and heartbeats only say which of the calls held are offered.

use crate::changes::{self, Followed, Position};
use crate::connect::{connect, Link};
use crate::keys;
use crate::record::{parse_member, CallRecord};
use crate::scripts;
use grouppickup_core::cluster_config::RegistryAddress;
use grouppickup_core::number::GroupNumber;
use redis::{Connection, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// The longest a channel thread waits on the registry.
pub const BUDGET: Duration = Duration::from_millis(300);
/// How long a server's heartbeat lives: a server not heard of for this long
/// is not offered any more.
pub const HEARTBEAT_TTL: Duration = Duration::from_millis(2500);
/// How often the worker beats, and looks for changes of the others.
pub const TICK: Duration = Duration::from_millis(200);
/// How long a token of a claimed call is good for.
pub const TOKEN_TTL: Duration = Duration::from_secs(10);
/// Every wait of the worker itself, so that stopping takes well under 1 s.
const WORKER_TIMEOUT: Duration = Duration::from_millis(200);

/// What a claim found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// Nothing pickable in the group on any live server.
    Nothing,
    /// A call ringing on this server, by its id here.
    Here(u64),
    /// A call ringing on another server; dial that server with the token.
    There { call: CallRecord, token: String },
}

/// The registry did not answer within the budget (or cannot be reached):
/// pick up locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable;

/// Why a token brought by another server gets nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a token, already used, or expired.
    Unknown,
    /// A token for a call ringing on another server.
    OtherNode(String),
    /// The registry cannot be reached.
    Unavailable,
}

/// What the worker tells its owner, from its own thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The registry cannot be reached; this server picks up alone.
    Degraded(String),
    /// Reached again; this server's calls are published again.
    Recovered { master: String },
    /// Calls of other servers changed in these groups.
    Changed(Vec<GroupNumber>),
    /// The runtime assignments of the cluster, all of them, after a change.
    Assignments(Vec<(String, String)>),
}

/// Another server's call, as this one sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCall {
    pub call: CallRecord,
    /// A picker holds it right now.
    pub claimed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub name: String,
    /// Since its last heartbeat; `None` when it has none (not alive).
    pub heartbeat_age: Option<Duration>,
    pub calls: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Connected,
    Degraded {
        since: SystemTime,
    },
    /// Not connected yet.
    Starting,
}

#[derive(Clone, Debug)]
pub struct Status {
    pub node: String,
    pub registry: String,
    pub master: Option<String>,
    pub state: State,
    pub nodes: Vec<NodeStatus>,
}

enum Job {
    Publish(CallRecord),
    Remove(String),
    Release(String),
    Assign { user: String, value: Option<String> },
}

/// A call's place in ring order: its ring time (its id), then its server.
type Order = (u64, String);

#[derive(Default)]
struct View {
    /// Every call of the other servers that the registry holds, of live
    /// servers or not: a server that dies and comes back changes only
    /// `alive`, and nothing needs to be read again.
    calls: BTreeMap<Order, RemoteCall>,
    /// The servers with a heartbeat.
    alive: HashSet<String>,
    nodes: Vec<NodeStatus>,
    assignments_version: Option<i64>,
}

impl View {
    /// The calls offered: those of live servers, oldest first.
    fn offered(&self) -> impl Iterator<Item = &RemoteCall> {
        self.calls
            .values()
            .filter(|c| self.alive.contains(&c.call.node))
    }

    /// The offered unclaimed calls, by group.
    fn count_by_group(&self) -> HashMap<GroupNumber, usize> {
        let mut counts = HashMap::new();
        for c in self.offered().filter(|c| !c.claimed) {
            *counts.entry(c.call.group).or_insert(0) += 1;
        }
        counts
    }
}

/// The others' calls as the worker read them.
enum Calls {
    /// All of them.
    Whole(BTreeMap<Order, RemoteCall>),
    /// Those that changed: `None` for one that is gone.
    Changed(Vec<(Order, Option<RemoteCall>)>),
}

struct Shared {
    node: String,
    address: RegistryAddress,
    password: String,
    stop: AtomicBool,
    jobs: Mutex<VecDeque<Job>>,
    wake: Condvar,
    /// The claims' and redemptions' own connection, when connected.
    claims: Mutex<Option<Connection>>,
    /// Set by a channel thread that found the registry gone.
    claims_failed: AtomicBool,
    state: Mutex<(State, Option<String>)>,
    view: Mutex<View>,
    /// This server's pickable calls, to publish again after an outage.
    own: Mutex<HashMap<u64, CallRecord>>,
    events: Box<dyn Fn(Event) + Send + Sync>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Cluster {
    shared: Arc<Shared>,
    worker: Mutex<Option<crate::thread::Joinable>>,
}

impl Cluster {
    /// Joins the cluster as `node`; `events` hears of outages and of the
    /// other servers' changes (on the worker's thread).
    pub fn start(
        node: &str,
        address: RegistryAddress,
        password: &str,
        events: impl Fn(Event) + Send + Sync + 'static,
    ) -> Cluster {
        let shared = Arc::new(Shared {
            node: node.to_string(),
            address,
            password: password.to_string(),
            stop: AtomicBool::new(false),
            jobs: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            claims: Mutex::new(None),
            claims_failed: AtomicBool::new(false),
            state: Mutex::new((State::Starting, None)),
            view: Mutex::new(View::default()),
            own: Mutex::new(HashMap::new()),
            events: Box::new(events),
        });
        let worker_shared = shared.clone();
        let worker = crate::thread::spawn(move || Worker::new(worker_shared).run());
        Cluster {
            shared,
            worker: Mutex::new(worker),
        }
    }

    pub fn node(&self) -> &str {
        &self.shared.node
    }

    /// Stops the worker and closes every connection; returns within about
    /// a second even when the registry does not answer.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        if let Some(worker) = lock(&self.worker).take() {
            worker.join();
        }
        *lock(&self.shared.claims) = None;
    }

    fn enqueue(&self, job: Job) {
        lock(&self.shared.jobs).push_back(job);
        self.shared.wake.notify_all();
    }

    /// A call of this server became pickable, or its record changed (it
    /// moved to another group, say).
    pub fn publish(&self, call: CallRecord) {
        lock(&self.shared.own).insert(call.id, call.clone());
        self.enqueue(Job::Publish(call));
    }

    /// A call of this server is no longer pickable (picked up, answered,
    /// gone, its user in no group).
    pub fn remove(&self, id: u64) {
        lock(&self.shared.own).remove(&id);
        self.enqueue(Job::Remove(crate::record::member(&self.shared.node, id)));
    }

    /// Gives back a claim this server holds (its picker could not take it).
    pub fn release(&self, call: &CallRecord) {
        self.enqueue(Job::Release(call.member()));
    }

    /// Gives back a claim of this server's own call.
    pub fn release_here(&self, id: u64) {
        self.enqueue(Job::Release(crate::record::member(&self.shared.node, id)));
    }

    /// A runtime assignment, for every server: a group, `none`, or `None`
    /// to go back to each server's file.
    pub fn assign(&self, user: &str, value: Option<&str>) {
        self.enqueue(Job::Assign {
            user: user.to_string(),
            value: value.map(str::to_string),
        });
    }

    /// Runs `f` on the claims' connection within the budget, or says the
    /// registry is unavailable.
    fn with_claims<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Unavailable> {
        if self.shared.claims_failed.load(Ordering::Relaxed) {
            return Err(Unavailable);
        }
        // Another claim may hold the connection: its reads and writes end
        // within half the budget, and this thread waits for the connection
        // half the budget at most.
        let deadline = Instant::now() + BUDGET / 2;
        let mut guard = loop {
            match self.shared.claims.try_lock() {
                Ok(guard) => break guard,
                Err(std::sync::TryLockError::Poisoned(e)) => break e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_micros(200))
                }
                Err(std::sync::TryLockError::WouldBlock) => return Err(Unavailable),
            }
        };
        let con = guard.as_mut().ok_or(Unavailable)?;
        match f(con) {
            Ok(value) => Ok(value),
            Err(e) if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() => {
                *guard = None;
                self.shared.claims_failed.store(true, Ordering::Relaxed);
                self.shared.wake.notify_all();
                Err(Unavailable)
            }
            // A server-side error (a replica refusing writes after a
            // failover, say) is no answer either.
            Err(_) => {
                *guard = None;
                self.shared.claims_failed.store(true, Ordering::Relaxed);
                self.shared.wake.notify_all();
                Err(Unavailable)
            }
        }
    }

    /// Claims the oldest pickable call of `group` on any live server.
    pub fn claim(&self, group: &GroupNumber) -> Result<Claimed, Unavailable> {
        let token = new_token();
        let node = self.shared.node.clone();
        let found: Option<(String, String)> = self.with_claims(|con| {
            scripts::claim()
                .key(keys::queue(&group.to_string()))
                .key(keys::calls())
                .key(keys::claimed())
                .key(keys::version())
                .key(keys::changes())
                .arg(&node)
                .arg(&token)
                .arg(TOKEN_TTL.as_millis() as u64)
                .arg(keys::PREFIX)
                .arg(changes::KEPT)
                .invoke(con)
        })?;
        let Some((member, stored)) = found else {
            return Ok(Claimed::Nothing);
        };
        let Some(call) = CallRecord::decode(&member, &stored) else {
            // Written by something else: never offered again.
            return Ok(Claimed::Nothing);
        };
        if call.node == self.shared.node {
            return Ok(Claimed::Here(call.id));
        }
        Ok(Claimed::There { call, token })
    }

    /// A token brought by another server's call into this one: the id of
    /// the call it claimed here. A token is good once.
    pub fn redeem(&self, token: &str) -> Result<(u64, String), Refused> {
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Refused::Unknown);
        }
        let node = self.shared.node.clone();
        let reply: Vec<Value> = self
            .with_claims(|con| {
                scripts::redeem()
                    .key(keys::token(token))
                    .arg(&node)
                    .invoke(con)
            })
            .map_err(|_| Refused::Unavailable)?;
        let text = |i: usize| match reply.get(i) {
            Some(Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        match reply.first() {
            Some(Value::Int(1)) => match parse_member(&text(1)) {
                Some((_, id)) => Ok((id, text(2))),
                None => Err(Refused::Unknown),
            },
            Some(Value::Int(2)) => Err(Refused::OtherNode(text(1))),
            _ => Err(Refused::Unknown),
        }
    }

    /// Other servers' calls, oldest first.
    pub fn remote_calls(&self) -> Vec<RemoteCall> {
        lock(&self.shared.view).offered().cloned().collect()
    }

    /// Other servers' pickable (unclaimed) calls in `group`.
    pub fn remote_count(&self, group: &GroupNumber) -> usize {
        lock(&self.shared.view)
            .offered()
            .filter(|c| c.call.group == *group && !c.claimed)
            .count()
    }

    pub fn status(&self) -> Status {
        let (state, master) = lock(&self.shared.state).clone();
        Status {
            node: self.shared.node.clone(),
            registry: match &self.shared.address {
                RegistryAddress::Server(url) => redact(url),
                RegistryAddress::Sentinels {
                    sentinels, master, ..
                } => format!(
                    "sentinels {} (master '{master}')",
                    sentinels
                        .iter()
                        .map(|(h, p)| format!("{h}:{p}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            master,
            state,
            nodes: lock(&self.shared.view).nodes.clone(),
        }
    }

    /// Whether claims go to the registry now.
    pub fn connected(&self) -> bool {
        matches!(lock(&self.shared.state).0, State::Connected)
            && !self.shared.claims_failed.load(Ordering::Relaxed)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Redis address without its password, for logs and views.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// 128 random bits, in hex.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No /dev/urandom: the clock and the process, hashed; still not
        // guessable from outside in practice, and single-use anyway.
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        let a = h.finish();
        h.write_u64(a);
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Worker {
    shared: Arc<Shared>,
    link: Option<Connection>,
    /// Set once this server's heartbeat was found missing: publish again.
    resync: bool,
    /// Where the view stands in the registry's change log; `None`: read
    /// the registry whole (at start, and after every reconnection).
    position: Option<Position>,
}

impl Worker {
    fn new(shared: Arc<Shared>) -> Worker {
        Worker {
            shared,
            link: None,
            resync: true,
            position: None,
        }
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    fn run(mut self) {
        let mut next_tick = Instant::now();
        while !self.stopping() {
            let lost = self.link.is_none() || self.shared.claims_failed.load(Ordering::Relaxed);
            if lost && !self.reconnect() {
                self.sleep_until(Instant::now() + TICK);
                continue;
            }
            let result = self.work(&mut next_tick);
            if let Err(e) = result {
                self.degrade(&e);
                continue;
            }
            self.sleep_until(next_tick.min(Instant::now() + TICK));
        }
        self.link = None;
    }

    fn sleep_until(&self, when: Instant) {
        let jobs = lock(&self.shared.jobs);
        let wait = when.saturating_duration_since(Instant::now());
        if jobs.is_empty() && !self.stopping() {
            let _ = self.shared.wake.wait_timeout(jobs, wait);
        }
    }

    fn reconnect(&mut self) -> bool {
        self.link = None;
        let s = &self.shared;
        let links = connect(&s.address, &s.password, WORKER_TIMEOUT, &s.stop).and_then(|first| {
            let claims = connect(&s.address, &s.password, BUDGET / 2, &s.stop)?;
            Ok((first, claims))
        });
        match links {
            Ok((Link { con, master }, claims)) => {
                *lock(&s.claims) = Some(claims.con);
                s.claims_failed.store(false, Ordering::Relaxed);
                self.link = Some(con);
                self.resync = true;
                // Maybe another server now (a promoted replica, a restart),
                // which may have lost writes the view has.
                self.position = None;
                let was = std::mem::replace(
                    &mut *lock(&s.state),
                    (State::Connected, Some(master.clone())),
                );
                if matches!(was.0, State::Degraded { .. }) {
                    (s.events)(Event::Recovered { master });
                }
                true
            }
            Err(e) => {
                self.degrade(&e);
                false
            }
        }
    }

    fn degrade(&mut self, reason: &str) {
        self.link = None;
        *lock(&self.shared.claims) = None;
        self.shared.claims_failed.store(true, Ordering::Relaxed);
        let mut state = lock(&self.shared.state);
        if !matches!(state.0, State::Degraded { .. }) {
            state.0 = State::Degraded {
                since: SystemTime::now(),
            };
            drop(state);
            (self.shared.events)(Event::Degraded(reason.to_string()));
        }
    }

    /// One round: publish again if needed, the queued jobs, and on each tick
    /// the heartbeat and the others' changes.
    fn work(&mut self, next_tick: &mut Instant) -> Result<(), String> {
        if self.resync {
            self.publish_all()?;
            self.resync = false;
        }
        loop {
            let job = lock(&self.shared.jobs).pop_front();
            let Some(job) = job else { break };
            if let Err(e) = self.run_job(&job) {
                // Kept for after the reconnection (a publish of an own call
                // is repeated by the resync anyway).
                lock(&self.shared.jobs).push_front(job);
                return Err(e);
            }
            if self.stopping() {
                return Ok(());
            }
        }
        if Instant::now() >= *next_tick {
            *next_tick = Instant::now() + TICK;
            self.beat()?;
            self.refresh()?;
        }
        Ok(())
    }

    fn con(link: &mut Option<Connection>) -> Result<&mut Connection, String> {
        link.as_mut().ok_or_else(|| "not connected".to_string())
    }

    fn run_job(&mut self, job: &Job) -> Result<(), String> {
        let node = self.shared.node.clone();
        let con = Self::con(&mut self.link)?;
        let done: redis::RedisResult<i64> = match job {
            Job::Publish(call) => scripts::publish()
                .key(keys::calls())
                .key(keys::claimed())
                .key(keys::node_calls(&node))
                .key(keys::version())
                .key(keys::changes())
                .arg(call.member())
                .arg(call.encode())
                .arg(call.id)
                .arg(keys::queue(&call.group.to_string()))
                .arg(keys::PREFIX)
                .arg(changes::KEPT)
                .invoke(con),
            Job::Remove(member) => remove(con, &node, member),
            Job::Release(member) => {
                let score = parse_member(member).map_or(0, |(_, id)| id);
                scripts::release()
                    .key(keys::calls())
                    .key(keys::claimed())
                    .key(keys::version())
                    .key(keys::changes())
                    .arg(member)
                    .arg(score)
                    .arg(&node)
                    .arg(keys::PREFIX)
                    .arg(changes::KEPT)
                    .invoke(con)
            }
            Job::Assign { user, value } => {
                let mut pipe = redis::pipe();
                match value {
                    Some(v) => pipe.hset(keys::assignments(), user, v).ignore(),
                    None => pipe.hdel(keys::assignments(), user).ignore(),
                };
                pipe.incr(keys::assignments_version(), 1)
                    .query::<(i64,)>(con)
                    .map(|(v,)| v)
            }
        };
        done.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Every call ringing here, published again with its ring time; calls
    /// this server published before and that are gone are removed.
    fn publish_all(&mut self) -> Result<(), String> {
        let node = self.shared.node.clone();
        let own: Vec<CallRecord> = lock(&self.shared.own).values().cloned().collect();
        let con = Self::con(&mut self.link)?;
        let published: Vec<String> = redis::cmd("SMEMBERS")
            .arg(keys::node_calls(&node))
            .query(con)
            .map_err(|e| e.to_string())?;
        for member in &published {
            let here = parse_member(member).is_some_and(|(_, id)| own.iter().any(|c| c.id == id));
            if !here {
                remove(con, &node, member).map_err(|e| e.to_string())?;
            }
        }
        for call in own {
            self.run_job(&Job::Publish(call))?;
        }
        self.beat()
    }

    fn beat(&mut self) -> Result<(), String> {
        let node = self.shared.node.clone();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        let con = Self::con(&mut self.link)?;
        let (previous, _): (Option<String>, i64) = redis::pipe()
            .cmd("SET")
            .arg(keys::node(&node))
            .arg(now)
            .arg("PX")
            .arg(HEARTBEAT_TTL.as_millis() as u64)
            .arg("GET")
            .sadd(keys::nodes(), &node)
            .query(con)
            .map_err(|e| e.to_string())?;
        if previous.is_none() && !self.resync {
            // This server was taken for dead (its calls left the queues):
            // publish them again.
            self.resync = true;
        }
        Ok(())
    }

    /// The others' heartbeats, and their calls that changed.
    fn refresh(&mut self) -> Result<(), String> {
        let node = self.shared.node.clone();
        let con = Self::con(&mut self.link)?;
        let (assignments_version, nodes): (Option<i64>, Vec<String>) = redis::pipe()
            .get(keys::assignments_version())
            .smembers(keys::nodes())
            .query(con)
            .map_err(|e| e.to_string())?;
        let beats: Vec<Option<u64>> = if nodes.is_empty() {
            Vec::new()
        } else {
            let mut cmd = redis::cmd("MGET");
            for n in &nodes {
                cmd.arg(keys::node(n));
            }
            cmd.query(con).map_err(|e| e.to_string())?
        };
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        let ages: HashMap<&str, Option<Duration>> = nodes
            .iter()
            .zip(&beats)
            .map(|(n, b)| {
                (
                    n.as_str(),
                    b.map(|t| Duration::from_millis(now.saturating_sub(t))),
                )
            })
            .collect();
        let alive: HashSet<String> = ages
            .iter()
            .filter(|(_, age)| age.is_some())
            .map(|(n, _)| n.to_string())
            .collect();
        let calls = self.read_calls()?;

        let mut changed_groups = Vec::new();
        let own = lock(&self.shared.own).len();
        {
            let mut view = lock(&self.shared.view);
            let changes = match &calls {
                Calls::Whole(_) => true,
                Calls::Changed(changed) => !changed.is_empty() || view.alive != alive,
            };
            let before = changes.then(|| view.count_by_group());
            match calls {
                Calls::Whole(all) => view.calls = all,
                Calls::Changed(changed) => {
                    for (order, call) in changed {
                        match call {
                            Some(call) => view.calls.insert(order, call),
                            None => view.calls.remove(&order),
                        };
                    }
                }
            }
            view.alive = alive;
            if let Some(before) = before {
                let after = view.count_by_group();
                for (group, n) in &after {
                    if before.get(group) != Some(n) {
                        changed_groups.push(*group);
                    }
                }
                for group in before.keys() {
                    if !after.contains_key(group) {
                        changed_groups.push(*group);
                    }
                }
            }
            let mut per_node: HashMap<&str, usize> = HashMap::new();
            for c in view.offered() {
                *per_node.entry(c.call.node.as_str()).or_insert(0) += 1;
            }
            let mut statuses: Vec<NodeStatus> = nodes
                .iter()
                .map(|n| NodeStatus {
                    name: n.clone(),
                    heartbeat_age: ages.get(n.as_str()).copied().flatten(),
                    calls: if *n == node {
                        own
                    } else {
                        per_node.get(n.as_str()).copied().unwrap_or(0)
                    },
                })
                .collect();
            statuses.sort_by(|a, b| a.name.cmp(&b.name));
            view.nodes = statuses;
        }
        if !changed_groups.is_empty() {
            changed_groups.sort();
            changed_groups.dedup();
            (self.shared.events)(Event::Changed(changed_groups));
        }
        let old_assign = lock(&self.shared.view).assignments_version;
        if assignments_version != old_assign {
            let con = Self::con(&mut self.link)?;
            let all: Vec<(String, String)> = redis::cmd("HGETALL")
                .arg(keys::assignments())
                .query(con)
                .map_err(|e| e.to_string())?;
            lock(&self.shared.view).assignments_version = assignments_version;
            (self.shared.events)(Event::Assignments(all));
        }
        Ok(())
    }

    /// The others' calls that changed since the last refresh, from the
    /// change log; all of them when the log cannot tell.
    fn read_calls(&mut self) -> Result<Calls, String> {
        let node = self.shared.node.clone();
        let con = Self::con(&mut self.link)?;
        if let Some(from) = &self.position {
            if let Followed::Changed { members, position } =
                changes::follow(con, from).map_err(|e| e.to_string())?
            {
                let found = changes::fetch(con, &members).map_err(|e| e.to_string())?;
                self.position = Some(position);
                let changed = members
                    .iter()
                    .zip(found)
                    .filter_map(|(member, (stored, claimed))| {
                        let (n, id) = parse_member(member)?;
                        if n == node {
                            return None;
                        }
                        let call = remote(&node, member, stored.as_deref(), claimed);
                        Some(((id, n.to_string()), call))
                    })
                    .collect();
                return Ok(Calls::Changed(changed));
            }
        }
        let all = changes::snapshot(con).map_err(|e| e.to_string())?;
        self.position = Some(all.position);
        let calls = all
            .calls
            .iter()
            .filter_map(|(member, stored)| {
                remote(&node, member, Some(stored), all.claimed.contains(member))
            })
            .map(|c| ((c.call.id, c.call.node.clone()), c))
            .collect();
        Ok(Calls::Whole(calls))
    }
}

fn remove(con: &mut Connection, node: &str, member: &str) -> redis::RedisResult<i64> {
    scripts::remove()
        .key(keys::calls())
        .key(keys::claimed())
        .key(keys::node_calls(node))
        .key(keys::version())
        .key(keys::changes())
        .arg(member)
        .arg(keys::PREFIX)
        .arg(changes::KEPT)
        .invoke(con)
}

/// A stored call of another server as the view keeps it: `None` for one of
/// this server, or one this version cannot read.
fn remote(node: &str, member: &str, stored: Option<&str>, claimed: bool) -> Option<RemoteCall> {
    let call = CallRecord::decode(member, stored?)?;
    (call.node != node).then_some(RemoteCall { call, claimed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("redis://:s3cret@10.0.0.1:6379/0"),
            "redis://***@10.0.0.1:6379/0"
        );
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        let t = new_token();
        assert_eq!(t.len(), 32);
        assert_ne!(t, new_token());
    }
}
