//! Long-running SIPp processes for the benchmarks: unlike the test
//! harness's SIPp (one test, a 60 s limit, every message traced), these run
//! for the whole benchmark and trace nothing. Stopped by PID on drop.

use crate::{free_port, Phone, REPO};
use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct LongSipp {
    child: Option<Child>,
    dir: PathBuf,
}

pub struct LongSippSpec<'a> {
    pub scenario: &'a str,
    pub phone: &'a Phone,
    /// For callers: Asterisk's SIP port and the number to dial.
    pub remote: Option<(u16, &'a str)>,
    /// Calls to make (a caller) or take before exiting.
    pub calls: u64,
    /// New calls per second (callers only).
    pub rate: f64,
    /// Concurrent calls at most (callers only).
    pub limit: u32,
    /// The scenario's pause, in ms.
    pub pause_ms: u32,
    /// Extra arguments (-inf files and the like).
    pub extra: Vec<String>,
}

impl LongSipp {
    pub fn start(spec: LongSippSpec<'_>) -> LongSipp {
        let dir = std::env::temp_dir().join(format!(
            "grouppickup-sipp-{}-bench-{}",
            std::process::id(),
            spec.phone.name
        ));
        fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sipp");
        if let Some((port, _)) = spec.remote {
            cmd.arg(format!("127.0.0.1:{port}"));
        }
        cmd.arg("-sf")
            .arg(
                std::path::Path::new(REPO)
                    .join("tests/sipp")
                    .join(spec.scenario),
            )
            .args(["-i", "127.0.0.1", "-p", &spec.phone.port.to_string()])
            .args(["-mi", "127.0.0.1", "-mp", &free_port().to_string()])
            .args(["-m", &spec.calls.to_string()])
            .args(["-key", "user", &spec.phone.name])
            .args(["-d", &spec.pause_ms.to_string()])
            .args(["-nostdin", "-nd", "-max_recv_loops", "10000"])
            .arg("-trace_err")
            .arg("-error_file")
            .arg(dir.join("errors.log"))
            .arg("-trace_stat")
            .arg("-stf")
            .arg(dir.join("stats.csv"))
            .args(["-fd", "1"])
            .args(&spec.extra)
            .args(if std::env::var_os("GP_TRACE").is_some() {
                vec![
                    "-trace_msg".to_string(),
                    "-message_file".to_string(),
                    dir.join("messages.log").display().to_string(),
                ]
            } else {
                Vec::new()
            })
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(fs::File::create(dir.join("stdout.log")).unwrap())
            .stderr(fs::File::create(dir.join("stderr.log")).unwrap());
        if let Some((_, service)) = spec.remote {
            cmd.args(["-s", service])
                .args(["-r", &format!("{}", spec.rate)])
                .args(["-rp", "1000"])
                .args(["-l", &spec.limit.to_string()]);
        } else {
            cmd.args(["-l", "100000"]);
        }
        let child = cmd
            .spawn()
            .expect("starting sipp (apt-get install sip-tester)");
        LongSipp {
            child: Some(child),
            dir,
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Whether SIPp is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Waits for SIPp to exit by itself; its exit code.
    pub fn wait(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for LongSipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var_os("GP_KEEP").is_none() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
