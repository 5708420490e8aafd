//! SIPp processes playing the phones, for both kinds of run:
//!
//! - a test's short run ([`Sipp::start`]): every message traced (read back
//!   with [`Sipp::messages`] and [`Sipp::received`]), a deadline of a minute
//!   and more, calls placed gently;
//! - a benchmark's long run ([`Sipp::start_long`]): no deadline, nothing
//!   traced but errors and statistics (`stats.csv`; every message too with
//!   `GP_TRACE` set), callers at a given rate.
//!
//! Each process is stopped by its PID when its `Sipp` is dropped, and its
//! directory removed (kept with `GP_KEEP`).

use crate::pbx::{slow, tail, Phone, REPO};
use crate::ports::free_port;
use crate::sip::sip_header;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// SIPp processes started so far by this process (their directories).
static STARTED: AtomicU32 = AtomicU32::new(0);

/// A SIPp process playing one side of calls.
pub struct Sipp {
    pub name: String,
    child: Option<Child>,
    dir: PathBuf,
}

pub struct SippSpec<'a> {
    pub scenario: &'a str,
    /// The phone SIPp plays (its From user and its port).
    pub phone: &'a Phone,
    /// For a caller: Asterisk's SIP port and the number to dial.
    pub remote: Option<(u16, &'a str)>,
    /// Calls to make (a caller) or take (a phone) before exiting.
    pub calls: u32,
    /// The scenario's pause (how long a picker stays connected), in ms.
    pub hold_ms: u32,
}

/// How a benchmark's long run places its calls.
#[derive(Default)]
pub struct LongRun {
    /// New calls per second (callers only; a phone that takes calls needs
    /// none of these: `LongRun::default()`).
    pub rate: f64,
    /// Concurrent calls at most (callers only).
    pub limit: u32,
    /// Further arguments (`-inf` files and the like).
    pub extra: Vec<String>,
}

impl Sipp {
    /// A test's run: traced, with a deadline.
    pub fn start(spec: SippSpec<'_>) -> Sipp {
        Sipp::launch(spec, None)
    }

    /// A benchmark's run: untraced, no deadline.
    pub fn start_long(spec: SippSpec<'_>, run: LongRun) -> Sipp {
        Sipp::launch(spec, Some(run))
    }

    fn launch(spec: SippSpec<'_>, long: Option<LongRun>) -> Sipp {
        let n = STARTED.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "grouppickup-sipp-{}-{}-{}",
            std::process::id(),
            n,
            spec.phone.name
        ));
        fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sipp");
        if let Some((port, _)) = spec.remote {
            cmd.arg(format!("127.0.0.1:{port}"));
        }
        cmd.arg("-sf")
            .arg(Path::new(REPO).join("tests/sipp").join(spec.scenario))
            .args(["-i", "127.0.0.1", "-p", &spec.phone.port.to_string()])
            .args(["-mi", "127.0.0.1", "-mp", &free_port().to_string()])
            .args(["-m", &spec.calls.to_string()])
            .args(["-key", "user", &spec.phone.name])
            .args(["-d", &spec.hold_ms.to_string()])
            .args(["-nostdin", "-nd"])
            .arg("-trace_err")
            .arg("-error_file")
            .arg(dir.join("errors.log"));
        let trace_messages = match &long {
            None => {
                cmd.args(["-l", &spec.calls.max(10).to_string()])
                    // Many calls are placed at 5 a second (SIPp's default
                    // is 10), gentle on a busy two-core machine.
                    .args(["-r", if spec.calls > 20 { "5" } else { "10" }])
                    // SIPp's own deadline for the whole run: a minute, more
                    // for many calls.
                    .args([
                        "-timeout",
                        &format!(
                            "{}s",
                            slow(Duration::from_secs(60 + 2 * u64::from(spec.calls))).as_secs()
                        ),
                    ])
                    .arg("-timeout_error");
                true
            }
            Some(run) => {
                cmd.args(["-max_recv_loops", "10000"])
                    .arg("-trace_stat")
                    .arg("-stf")
                    .arg(dir.join("stats.csv"))
                    .args(["-fd", "1"])
                    .args(&run.extra)
                    .current_dir(&dir);
                if spec.remote.is_some() {
                    cmd.args(["-r", &run.rate.to_string()])
                        .args(["-rp", "1000"])
                        .args(["-l", &run.limit.to_string()]);
                } else {
                    cmd.args(["-l", "100000"]);
                }
                std::env::var_os("GP_TRACE").is_some()
            }
        };
        if trace_messages {
            cmd.arg("-trace_msg")
                .arg("-message_file")
                .arg(dir.join("messages.log"));
        }
        if let Some((_, service)) = spec.remote {
            cmd.args(["-s", service]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(fs::File::create(dir.join("stdout.log")).unwrap())
            .stderr(fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .expect("starting sipp (apt-get install sip-tester)");
        Sipp {
            name: spec.phone.name.clone(),
            child: Some(child),
            dir,
        }
    }

    /// SIPp's directory: its logs, and `stats.csv` of a long run.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything SIPp sent and received so far.
    pub fn messages(&self) -> String {
        fs::read_to_string(self.dir.join("messages.log")).unwrap_or_default()
    }

    /// Whether SIPp is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Waits for SIPp to finish; Ok when every call of its scenario passed.
    pub fn wait(&mut self, timeout: Duration) -> Result<(), String> {
        let mut child = self.child.take().ok_or("already waited")?;
        let deadline = Instant::now() + slow(timeout);
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "sipp {} failed ({status}):\n{}\n{}",
                        self.name,
                        tail(
                            &fs::read_to_string(self.dir.join("errors.log")).unwrap_or_default(),
                            20
                        ),
                        tail(
                            &fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default(),
                            20
                        )
                    ))
                };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("sipp {} did not finish in {timeout:?}", self.name));
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// Waits for SIPp to exit by itself, however long it takes; its exit
    /// code.
    pub fn exit_code(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        child.wait().ok().and_then(|s| s.code())
    }

    /// (successful, failed) calls so far, from a long run's statistics.
    pub fn counts(&self) -> (u64, u64) {
        let text = fs::read_to_string(self.dir.join("stats.csv")).unwrap_or_default();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or("").split(';').collect();
        let last: Vec<&str> = lines.last().unwrap_or("").split(';').collect();
        let get = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .and_then(|i| last.get(i))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (get("SuccessfulCall(C)"), get("FailedCall(C)"))
    }

    /// The final response this phone got to its INVITE, as a caller.
    pub fn final_response(&self) -> Option<u16> {
        self.messages()
            .split("----------------------------------------------- ")
            .filter(|m| m.contains("message received"))
            .filter_map(|m| {
                let status = m.lines().find(|l| l.starts_with("SIP/2.0 "))?;
                let is_invite = m.lines().any(|l| {
                    let l = l.to_ascii_lowercase();
                    l.starts_with("cseq:") && l.ends_with("invite")
                });
                let code: u16 = status.split_whitespace().nth(1)?.parse().ok()?;
                (is_invite && code >= 200).then_some(code)
            })
            .next()
    }

    /// When (as a time of day) this caller sent its first INVITE and when
    /// its final response came, from the trace's time stamps; for the time
    /// a picker waited for its answer.
    pub fn invite_and_final_at(&self) -> Option<(Duration, Duration)> {
        // SIPp heads each traced message with its date and time of day
        // ("2026-12-02 06:06:42.123456").
        let stamp = |m: &str| -> Option<Duration> {
            let time = m.lines().next()?.split_whitespace().nth(1)?;
            let mut parts = time.split(':');
            let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
            let secs = h.parse::<f64>().ok()? * 3600.0
                + m.parse::<f64>().ok()? * 60.0
                + s.parse::<f64>().ok()?;
            Some(Duration::from_secs_f64(secs))
        };
        let messages = self.messages();
        let mut parts = messages.split("----------------------------------------------- ");
        let sent = parts
            .clone()
            .find(|m| m.contains("message sent") && m.contains("\nINVITE "))
            .and_then(stamp)?;
        let answered = parts
            .find(|m| {
                m.contains("message received")
                    && m.lines().any(|l| {
                        l.split_whitespace()
                            .nth(1)
                            .and_then(|c| c.parse::<u16>().ok())
                            .is_some_and(|c| l.starts_with("SIP/2.0 ") && c >= 200)
                    })
            })
            .and_then(stamp)?;
        Some((sent, answered))
    }

    /// Waits for a racing picker. False when its SIPp could not even start:
    /// the harness picks free ports a moment before SIPp binds them, and on
    /// a shared machine another process can take one in between. Such a
    /// picker never dialed; the round goes on without it. Any other failure
    /// fails the test, saying `what`.
    pub fn finish_picker(&mut self, what: &str) -> bool {
        match self.wait(Duration::from_secs(60)) {
            Ok(()) => true,
            Err(e)
                if e.contains("Address already in use")
                    && !self.messages().contains("message sent") =>
            {
                eprintln!(
                    "{what} {}: SIPp could not bind its port and did not dial",
                    self.name
                );
                false
            }
            Err(e) => panic!("{what}: {e}\n--- messages:\n{}", tail(&self.messages(), 60)),
        }
    }

    /// The SIP requests of a method SIPp received, each as its full text,
    /// one per transaction: a busy Asterisk may retransmit a request before
    /// the phone's answer reaches it, and a retransmission (the same Via
    /// branch) is the same request.
    pub fn received(&self, method: &str) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut requests = self.received_all(method);
        requests.retain(|m| seen.insert(sip_header(m, "via").to_string()));
        requests
    }

    /// The Reason header of each CANCEL received (one per transaction), or
    /// "(no Reason header)".
    pub fn cancel_reasons(&self) -> Vec<String> {
        self.received("CANCEL")
            .iter()
            .map(|m| match sip_header(m, "reason") {
                "" => "(no Reason header)".to_string(),
                reason => format!("Reason: {reason}"),
            })
            .collect()
    }

    /// Asserts that the phone was told its call was answered elsewhere:
    /// exactly one CANCEL, carrying `Reason: SIP;cause=200`.
    pub fn assert_answered_elsewhere(&self) {
        let reasons = self.cancel_reasons();
        assert_eq!(
            reasons.len(),
            1,
            "{}: CANCELs received: {reasons:?}",
            self.name
        );
        assert!(
            reasons[0].contains("SIP;cause=200"),
            "{}: CANCEL carries '{}', expected Reason: SIP;cause=200",
            self.name,
            reasons[0]
        );
    }

    fn received_all(&self, method: &str) -> Vec<String> {
        self.messages()
            .split("----------------------------------------------- ")
            .filter(|m| m.contains("message received"))
            .filter_map(|m| {
                m.split_once("\n\n")
                    .or_else(|| m.split_once('\n'))
                    .map(|(_, body)| body.trim_start().to_string())
            })
            .filter(|body| body.starts_with(&format!("{method} ")))
            .collect()
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // A failing test keeps its phones' logs (tests/races.rs collects
        // them).
        if std::env::var_os("GP_KEEP").is_none() && !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
