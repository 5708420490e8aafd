//! Reaching the registry with a bounded wait: every connect, handshake, read
//! and write has a timeout, and the master behind Sentinel is found by
//! asking the sentinels one by one and checking the answer's ROLE (the
//! client library's own Sentinel helper connects without a timeout).

use grouppickup_core::cluster_config::RegistryAddress;
use redis::{Client, Connection, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The least time a TLS connection is given to be set up: still short
/// enough for an unload to end within a second with the registry frozen.
const TLS_SETUP: Duration = Duration::from_millis(700);

/// A connection to the master, and the master's address as `host:port`.
pub struct Link {
    pub con: Connection,
    pub master: String,
}

fn describe(addr: &ConnectionAddr) -> String {
    match addr {
        ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
        ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port} (TLS)"),
        other => format!("{other:?}"),
    }
}

fn with_password(info: ConnectionInfo, password: &str) -> ConnectionInfo {
    let redis = info.redis_settings().clone().set_skip_set_lib_name();
    let redis = if password.is_empty() {
        redis
    } else {
        redis.set_password(password)
    };
    info.set_redis_settings(redis)
}

fn open(info: ConnectionInfo, timeout: Duration) -> Result<Connection, String> {
    let what = describe(info.addr());
    // Without it, the TLS handshake's small writes wait for delayed
    // acknowledgements (tens of ms each), and the handshake often outlasted
    // the worker's 200 ms; every command is one small write, too.
    let settings = info.tcp_settings().clone().set_nodelay(true);
    let info = info.set_tcp_settings(settings);
    // A TLS connection also sets up the TLS library's context and does the
    // handshake, which a busy machine was seen to take over 200 ms for.
    let timeout = match info.addr() {
        ConnectionAddr::TcpTls { .. } => timeout.max(TLS_SETUP),
        _ => timeout,
    };
    let client = Client::open(info).map_err(|e| format!("{what}: {e}"))?;
    let con = client
        .get_connection_with_timeout(timeout)
        .map_err(|e| format!("{what}: {e}"))?;
    con.set_read_timeout(Some(timeout))
        .and_then(|_| con.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("{what}: {e}"))?;
    Ok(con)
}

/// Whether the server behind `con` is a master (not a replica, which would
/// refuse every write).
fn is_master(con: &mut Connection) -> Result<bool, String> {
    let role: Value = redis::cmd("ROLE").query(con).map_err(|e| e.to_string())?;
    Ok(match role {
        Value::Array(items) => matches!(items.first(),
            Some(Value::BulkString(b)) if b == b"master"),
        _ => false,
    })
}

/// Connects to the registry's master.
pub fn connect(
    address: &RegistryAddress,
    password: &str,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<Link, String> {
    let info = match address {
        RegistryAddress::Server(url) => url
            .as_str()
            .into_connection_info()
            .map_err(|e| format!("{url}: {e}"))?,
        RegistryAddress::Sentinels {
            sentinels, master, ..
        } => {
            let mut problems = Vec::new();
            let mut found = None;
            for (host, port) in sentinels {
                if stop.load(Ordering::Relaxed) {
                    return Err("stopping".into());
                }
                match ask_sentinel(host, *port, master, timeout) {
                    Ok(addr) => {
                        found = Some(addr);
                        break;
                    }
                    Err(e) => problems.push(e),
                }
            }
            let Some(addr) = found else {
                return Err(format!(
                    "no sentinel named a master '{master}' ({})",
                    problems.join("; ")
                ));
            };
            addr.into_connection_info()
                .map_err(|e| format!("sentinel's master: {e}"))?
        }
    };
    let info = with_password(info, password);
    let master = describe(info.addr());
    let mut con = open(info, timeout)?;
    if !is_master(&mut con).map_err(|e| format!("{master}: ROLE: {e}"))? {
        return Err(format!("{master} is a replica, not the master"));
    }
    Ok(Link { con, master })
}

fn ask_sentinel(
    host: &str,
    port: u16,
    master: &str,
    timeout: Duration,
) -> Result<ConnectionAddr, String> {
    let addr = ConnectionAddr::Tcp(host.to_string(), port);
    let info = with_password(addr.into_connection_info().map_err(|e| e.to_string())?, "");
    let mut con = open(info, timeout)?;
    let reply: Option<Vec<String>> = redis::cmd("SENTINEL")
        .arg("get-master-addr-by-name")
        .arg(master)
        .query(&mut con)
        .map_err(|e| format!("sentinel {host}:{port}: {e}"))?;
    match reply.as_deref() {
        Some([ip, port]) => {
            let port: u16 = port
                .parse()
                .map_err(|_| format!("sentinel {host}:{port}: a bad port '{port}'"))?;
            Ok(ConnectionAddr::Tcp(ip.clone(), port))
        }
        _ => Err(format!("sentinel {host}:{port} knows no master '{master}'")),
    }
}
