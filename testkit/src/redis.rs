//! Real Redis servers and sentinels (Debian's redis-server and
//! redis-sentinel) for the cluster's tests, each on a free loopback port in
//! its own directory, stopped by PID when dropped; SIGSTOP and kill -9 on
//! demand.

use crate::ports::free_tcp_port as free_port;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicU32 = AtomicU32::new(0);

fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "grouppickup-cluster-{}-{}-{what}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A redis-server or redis-sentinel process.
pub struct Server {
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
    /// A TLS server's key and certificate.
    keys: Option<PathBuf>,
}

impl Server {
    fn spawn(program: &str, conf: &str, port: u16, what: &str) -> Server {
        let dir = scratch(what);
        let path = dir.join("redis.conf");
        std::fs::write(
            &path,
            format!(
                "{conf}\ndir {}\nlogfile {}\n",
                dir.display(),
                dir.join("log").display()
            ),
        )
        .unwrap();
        let child = Command::new(program)
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{program} could not start: {e} (apt-get install redis-server redis-sentinel)"
                )
            });
        wait_listening(port);
        Server {
            port,
            child: Some(child),
            dir,
            keys: None,
        }
    }

    /// A master (or, with `replica_of`, a replica of one).
    pub fn redis(replica_of: Option<u16>, password: &str) -> Server {
        let port = free_port();
        let mut conf =
            format!("port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndaemonize no\n");
        if !password.is_empty() {
            conf.push_str(&format!("requirepass {password}\nmasterauth {password}\n"));
        }
        if let Some(master) = replica_of {
            conf.push_str(&format!("replicaof 127.0.0.1 {master}\n"));
        }
        Server::spawn("redis-server", &conf, port, "redis")
    }

    /// A master that speaks TLS only, with a certificate of its own made
    /// for the occasion (openssl); reach it as `rediss://...#insecure`.
    pub fn redis_tls() -> Server {
        let port = free_port();
        let dir = scratch("tls-keys");
        let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
        let made = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(Stdio::null())
            .status()
            .expect("openssl");
        assert!(made.success(), "openssl could not make a certificate");
        let conf = format!(
            "port 0\ntls-port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndaemonize no\n\
             tls-cert-file {c}\ntls-key-file {k}\ntls-ca-cert-file {c}\ntls-auth-clients no\n",
            c = cert.display(),
            k = key.display()
        );
        let mut server = Server::spawn("redis-server", &conf, port, "redis-tls");
        server.keys = Some(dir);
        server
    }

    pub fn sentinel(master: u16, name: &str) -> Server {
        let port = free_port();
        let conf = format!(
            "port {port}\nbind 127.0.0.1\ndaemonize no\n\
             sentinel monitor {name} 127.0.0.1 {master} 2\n\
             sentinel down-after-milliseconds {name} 1000\n\
             sentinel failover-timeout {name} 3000\n\
             sentinel parallel-syncs {name} 1\n"
        );
        Server::spawn("redis-sentinel", &conf, port, "sentinel")
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn freeze(&self) {
        self.signal("STOP");
    }

    pub fn thaw(&self) {
        self.signal("CONT");
    }

    /// kill -9, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What the server logged, for a test to show when something took
    /// longer than it should.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.is_some() {
            // A frozen process must be thawed to die cleanly.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(self.pid().to_string())
                .status();
        }
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(keys) = &self.keys {
            let _ = std::fs::remove_dir_all(keys);
        }
    }
}

/// What `ROLE` says on one server, on one line.
pub fn role(port: u16) -> String {
    Command::new("redis-cli")
        .args(["-p", &port.to_string(), "ROLE"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The port of master `name`, as the sentinel on `sentinel` sees it.
pub fn master_port(sentinel: u16, name: &str) -> Option<u16> {
    let out = Command::new("redis-cli")
        .args([
            "-p",
            &sentinel.to_string(),
            "SENTINEL",
            "get-master-addr-by-name",
            name,
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)?
        .trim()
        .parse()
        .ok()
}

/// Whether one of `servers` is a replica in sync with the master on
/// `master` (a sentinel promotes no replica that never caught up).
pub fn replica_in_sync(servers: &[Server], master: u16) -> bool {
    servers
        .iter()
        .any(|r| role(r.port).starts_with(&format!("slave 127.0.0.1 {master} connected")))
}

/// Whether the sentinel on `sentinel` knows a replica of master `name`
/// that is up and whose link to the master is ok: the one it can promote.
/// (A sentinel finds a new replica only by asking the master, every ten
/// seconds; a kill before that leaves it nothing to promote.)
pub fn sentinel_has_synced_replica(sentinel: u16, name: &str) -> bool {
    let Ok(out) = Command::new("redis-cli")
        .args(["-p", &sentinel.to_string(), "SENTINEL", "replicas", name])
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // One key and value a line, replica after replica, each from "name".
    lines.split(|l| *l == "name").any(|replica| {
        let value = |key: &str| {
            replica
                .iter()
                .position(|l| *l == key)
                .and_then(|i| replica.get(i + 1))
                .copied()
        };
        value("flags") == Some("slave") && value("master-link-status") == Some("ok")
    })
}

/// A master, two replicas of it and three sentinels watching it as
/// `name` (each one's quorum is 2), as a deployment has them.
pub struct Replicated {
    /// The master first.
    pub servers: Vec<Server>,
    pub sentinels: Vec<Server>,
}

impl Replicated {
    pub fn start(name: &str) -> Replicated {
        let mut servers = vec![Server::redis(None, "")];
        let first = servers[0].port;
        servers.push(Server::redis(Some(first), ""));
        servers.push(Server::redis(Some(first), ""));
        let sentinels = (0..3).map(|_| Server::sentinel(first, name)).collect();
        Replicated { servers, sentinels }
    }

    /// The sentinels' addresses, for the cluster's configuration.
    pub fn sentinel_addresses(&self) -> Vec<(String, u16)> {
        self.sentinels
            .iter()
            .map(|s| ("127.0.0.1".to_string(), s.port))
            .collect()
    }
}

/// Threads of this process now.
pub fn threads() -> usize {
    threads_of("self")
}

/// Threads of process `pid` ("self" for this one) now.
pub fn threads_of(pid: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The inodes of the sockets process `pid` holds now.
fn socket_inodes(pid: &str) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter_map(|l| {
                    let l = l.to_string_lossy();
                    Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Sockets this process holds now.
pub fn sockets() -> usize {
    socket_inodes("self").len()
}

/// The TCP connections process `pid` holds to a server on `port` (from
/// /proc/<pid>/net/tcp and tcp6, matched by inode with its descriptors).
pub fn connections_to(pid: u32, port: u16) -> usize {
    let pid = pid.to_string();
    let mine = socket_inodes(&pid);
    let remote = format!(":{port:04X}");
    ["tcp", "tcp6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(format!("/proc/{pid}/net/{t}")).ok())
        .map(|table| {
            table
                .lines()
                .skip(1)
                .filter(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    f.len() > 9 && f[2].ends_with(&remote) && mine.iter().any(|i| i == f[9])
                })
                .count()
        })
        .sum()
}
