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
}

impl Server {
    fn spawn(program: &str, conf: &str, port: u16, what: &str) -> Server {
        let dir = scratch(what);
        let path = dir.join("redis.conf");
        std::fs::write(&path, format!("{conf}\ndir {}\n", dir.display())).unwrap();
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
    }
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
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Sockets this process holds now.
pub fn sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|l| l.to_string_lossy().starts_with("socket:"))
        .count()
}
