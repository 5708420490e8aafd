//! A real FreeSWITCH with mod_grouppickup loaded, for the FreeSWITCH
//! suite: its own temporary conf, log, db and run directories, a SIP
//! profile and an event socket on free loopback ports, phones of the
//! directory dialled at SIPp's ports. The process is stopped by its PID
//! when the [`FreeSwitch`] is dropped, failed test or not.
//!
//! An installed FreeSWITCH is found under FREESWITCH_PREFIX, else by
//! `pkg-config freeswitch`, else in /usr/local/freeswitch; without one,
//! [`installed`] says why and the tests skip.

use crate::pbx::{tail, Phone, REPO};
use crate::ports::{free_port, free_tcp_port};
use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

static STARTED: AtomicU32 = AtomicU32::new(0);

/// The prefix of an installed FreeSWITCH (bin/freeswitch, mod/), or why
/// there is none.
pub fn installed() -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("FREESWITCH_PREFIX") {
        candidates.push(PathBuf::from(p));
    } else {
        if let Ok(out) = Command::new("pkg-config")
            .args(["--variable=prefix", "freeswitch"])
            .output()
        {
            let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !prefix.is_empty() {
                candidates.push(PathBuf::from(prefix));
            }
        }
        candidates.push(PathBuf::from("/usr/local/freeswitch"));
    }
    candidates
        .iter()
        .find(|p| p.join("bin/freeswitch").is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no FreeSWITCH installed (looked for bin/freeswitch under {}; set FREESWITCH_PREFIX)",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// Where FreeSWITCH's own modules are installed.
fn modules_dir(prefix: &Path) -> PathBuf {
    let dir = prefix.join("lib/freeswitch/mod");
    if dir.is_dir() {
        dir
    } else {
        prefix.join("mod")
    }
}

/// Builds the module with cargo (`extra` arguments added), once per
/// test process and kind of build: `cargo test` builds a cdylib's tests but
/// not the cdylib itself, and a test must never load a module older than
/// the code it tests. Panics, with cargo's errors, when the build fails.
fn build_module(extra: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "grouppickup-freeswitch",
        ])
        .args(extra)
        .current_dir(REPO)
        .output()
        .unwrap_or_else(|e| panic!("running cargo: {e}"));
    if !out.status.success() {
        panic!(
            "building mod_grouppickup ({}) failed:\n{}",
            extra.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(REPO).join("target"))
}

/// The module, built first by `cargo build --release -p
/// grouppickup-freeswitch` (once per test process).
pub fn module_path() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| build_module(&[]));
    target_dir().join("release/libmod_grouppickup.so")
}

/// The test-only build with the `fault-injection` feature (the input
/// `!panic` makes each entry panic on purpose), in a target directory of
/// its own (the Asterisk module's fault-injection build's), so the normal
/// build is never replaced by it.
pub fn fault_injection_module_path() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    let dir = target_dir().join("fault-injection");
    BUILT.call_once(|| {
        build_module(&[
            "--features",
            "fault-injection",
            "--target-dir",
            &dir.display().to_string(),
        ])
    });
    dir.join("release/libmod_grouppickup.so")
}

/// Modules loaded when they are installed: sound files for the tests of
/// `pickup-sound` (`tone_stream://`).
const OPTIONAL_MODULES: &[&str] = &["mod_tone_stream"];

/// What a test's FreeSWITCH is made of.
pub struct FsSpec {
    pub phones: Vec<Phone>,
    /// The `<settings>`… content of grouppickup.conf.xml (inside
    /// `<configuration>`).
    pub grouppickup: String,
    /// Extensions of the `default` context.
    pub dialplan: String,
    /// Stored runtime assignments to start with (db/grouppickup_assignments.conf).
    pub assignments: Option<String>,
}

impl FsSpec {
    pub fn new(phones: &[&str], grouppickup: &str, dialplan: &str) -> FsSpec {
        FsSpec {
            phones: phones.iter().map(|n| Phone::new(n)).collect(),
            grouppickup: grouppickup.to_string(),
            dialplan: dialplan.to_string(),
            assignments: None,
        }
    }
}

pub struct FreeSwitch {
    child: Option<Child>,
    pub dir: PathBuf,
    pub sip_port: u16,
    pub esl_port: u16,
    pub phones: Vec<Phone>,
    prefix: PathBuf,
    /// The modules of [`OPTIONAL_MODULES`] installed, and so loaded.
    optional: Vec<String>,
}

/// The domain of the test directory: phones' From host, so a picker's
/// `sip_from_user@sip_from_host` is its directory user.
pub const DOMAIN: &str = "127.0.0.1";

/// One extension of the XML dialplan: `actions` (application, data) when
/// `destination_number` matches `expression`.
pub fn extension(name: &str, expression: &str, actions: &[(&str, &str)]) -> String {
    let actions: String = actions
        .iter()
        .map(|(app, data)| format!("<action application=\"{app}\" data=\"{data}\"/>"))
        .collect();
    format!(
        "<extension name=\"{name}\"><condition field=\"destination_number\" \
         expression=\"{expression}\">{actions}</condition></extension>\n"
    )
}

fn freeswitch_xml(
    spec: &FsSpec,
    sip_port: u16,
    esl_port: u16,
    dir: &Path,
    optional: &[String],
) -> String {
    let logfile = dir.join("log/freeswitch.log");
    let optional: String = optional
        .iter()
        .map(|m| format!("        <load module=\"{m}\"/>\n"))
        .collect();
    let users: String = spec
        .phones
        .iter()
        .map(|p| {
            format!(
                "<user id=\"{}\"><params><param name=\"dial-string\" \
                 value=\"sofia/internal/sip:{}@127.0.0.1:{}\"/></params></user>\n",
                p.name, p.name, p.port
            )
        })
        .collect();
    // RTP ports of their own, away from other tests' (a range of 200).
    let rtp = 20000 + (free_port() % 200) * 200;
    format!(
        r#"<?xml version="1.0"?>
<document type="freeswitch/xml">
  <X-PRE-PROCESS cmd="set" data="domain={DOMAIN}"/>
  <section name="configuration">
    <configuration name="switch.conf">
      <settings>
        <param name="max-sessions" value="1000"/>
        <param name="sessions-per-second" value="200"/>
        <param name="loglevel" value="debug"/>
        <param name="rtp-start-port" value="{rtp_start}"/>
        <param name="rtp-end-port" value="{rtp_end}"/>
      </settings>
    </configuration>
    <configuration name="modules.conf">
      <modules>
        <load module="mod_logfile"/>
        <load module="mod_event_socket"/>
        <load module="mod_commands"/>
        <load module="mod_dptools"/>
        <load module="mod_dialplan_xml"/>
        <load module="mod_sofia"/>
        <load module="mod_loopback"/>
{optional}        <load module="mod_grouppickup"/>
      </modules>
    </configuration>
    <configuration name="logfile.conf">
      <settings><param name="rotate-on-hup" value="true"/></settings>
      <profiles><profile name="default"><settings>
        <param name="logfile" value="{logfile}"/>
        <param name="rollover" value="0"/>
      </settings><mappings><map name="all" value="debug,info,notice,warning,err,crit,alert"/></mappings>
      </profile></profiles>
    </configuration>
    <configuration name="event_socket.conf">
      <settings>
        <param name="listen-ip" value="127.0.0.1"/>
        <param name="listen-port" value="{esl_port}"/>
        <param name="password" value="ClueCon"/>
      </settings>
    </configuration>
    <configuration name="sofia.conf">
      <global_settings><param name="log-level" value="0"/></global_settings>
      <profiles>
        <profile name="internal">
          <domains><domain name="all" alias="false" parse="false"/></domains>
          <settings>
            <param name="sip-ip" value="127.0.0.1"/>
            <param name="rtp-ip" value="127.0.0.1"/>
            <param name="sip-port" value="{sip_port}"/>
            <param name="context" value="default"/>
            <param name="dialplan" value="XML"/>
            <param name="auth-calls" value="false"/>
            <param name="inbound-codec-prefs" value="PCMU"/>
            <param name="outbound-codec-prefs" value="PCMU"/>
            <!-- As FreeSWITCH's sample profiles: media is paced by a timer,
                 so a bridge runs (and plays sounds) whether or not a phone
                 sends RTP; the test phones send none. -->
            <param name="rtp-timer-name" value="soft"/>
            <param name="manage-presence" value="true"/>
            <param name="presence-hosts" value="{DOMAIN}"/>
            <!-- A BLF key subscribes without a password, as its calls do. -->
            <param name="auth-subscriptions" value="false"/>
          </settings>
        </profile>
      </profiles>
    </configuration>
    <configuration name="grouppickup.conf" description="Group Call Pickup">
{grouppickup}
    </configuration>
  </section>
  <section name="dialplan">
    <context name="default">
{dialplan}
    </context>
  </section>
  <section name="directory">
    <domain name="{DOMAIN}">
      <users>
{users}
      </users>
    </domain>
  </section>
</document>
"#,
        rtp_start = rtp,
        rtp_end = rtp + 200,
        logfile = logfile.display(),
        grouppickup = spec.grouppickup,
        dialplan = spec.dialplan,
    )
}

impl FreeSwitch {
    /// Starts a FreeSWITCH for `spec` and waits until its event socket
    /// answers and mod_grouppickup is loaded (or fails to load: see
    /// [`FreeSwitch::start_any`]).
    pub fn start(spec: FsSpec) -> FreeSwitch {
        FreeSwitch::start_with_module(spec, &module_path())
    }

    /// Starts a FreeSWITCH with the module file `module` (a test build,
    /// see [`fault_injection_module_path`]) instead of the normal build.
    pub fn start_with_module(spec: FsSpec, module: &Path) -> FreeSwitch {
        let fs = FreeSwitch::launch_with(spec, module);
        let loaded = fs.api("module_exists mod_grouppickup");
        assert_eq!(
            loaded.trim(),
            "true",
            "mod_grouppickup did not load:\n{}",
            tail(&fs.log(), 40)
        );
        fs
    }

    /// Starts a FreeSWITCH whether or not the module loads.
    pub fn start_any(spec: FsSpec) -> FreeSwitch {
        FreeSwitch::launch_with(spec, &module_path())
    }

    fn launch_with(spec: FsSpec, module: &Path) -> FreeSwitch {
        let prefix = installed().expect("FreeSWITCH");
        let n = STARTED.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("grouppickup-fs-{}-{}", std::process::id(), n));
        let _ = fs::remove_dir_all(&dir);
        for sub in [
            "conf", "log", "db", "run", "mod", "temp", "cache", "storage",
        ] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // A module directory of the test's own: FreeSWITCH's modules
        // (linked) and ours, found by its file name, mod_grouppickup.so, so
        // that `load`/`unload mod_grouppickup` work as for a user.
        // A mod_grouppickup installed there is left out: ours is a copy of
        // its own, never written through a link into the installed file
        // (which other FreeSWITCHs may have mapped).
        if let Ok(entries) = fs::read_dir(modules_dir(&prefix)) {
            for e in entries.flatten() {
                if e.file_name()
                    .to_string_lossy()
                    .starts_with("mod_grouppickup.")
                {
                    continue;
                }
                let _ = std::os::unix::fs::symlink(e.path(), dir.join("mod").join(e.file_name()));
            }
        }
        fs::copy(module, dir.join("mod/mod_grouppickup.so")).unwrap();
        if let Some(a) = &spec.assignments {
            fs::write(dir.join("db/grouppickup_assignments.conf"), a).unwrap();
        }
        let optional = OPTIONAL_MODULES
            .iter()
            .filter(|m| modules_dir(&prefix).join(format!("{m}.so")).is_file())
            .map(|m| m.to_string())
            .collect();
        let mut fs_ = FreeSwitch {
            child: None,
            dir,
            sip_port: free_port(),
            esl_port: free_tcp_port(),
            phones: Vec::new(),
            prefix,
            optional,
        };
        fs_.write_conf(&spec);
        fs_.phones = spec.phones;
        fs_.launch();
        fs_
    }

    fn write_conf(&self, spec: &FsSpec) {
        fs::write(
            self.dir.join("conf/freeswitch.xml"),
            freeswitch_xml(
                spec,
                self.sip_port,
                self.esl_port,
                &self.dir,
                &self.optional,
            ),
        )
        .unwrap();
    }

    /// Rewrites grouppickup.conf.xml's content (for reload tests).
    pub fn rewrite_grouppickup(&self, grouppickup: &str, dialplan: &str) {
        let spec = FsSpec {
            phones: self.phones.clone(),
            grouppickup: grouppickup.to_string(),
            dialplan: dialplan.to_string(),
            assignments: None,
        };
        self.write_conf(&spec);
    }

    fn launch(&mut self) {
        let d = |s: &str| self.dir.join(s);
        let mut command = Command::new(self.prefix.join("bin/freeswitch"));
        command.args(["-nonat", "-nc", "-nf", "-nosql"]);
        // Every directory FreeSWITCH writes to is this instance's own.
        for dir in [
            "conf", "log", "db", "run", "temp", "cache", "storage", "mod",
        ] {
            command.arg(format!("-{dir}")).arg(d(dir));
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(fs::File::create(d("stdout.log")).unwrap())
            .stderr(fs::File::create(d("stderr.log")).unwrap())
            .spawn()
            .expect("starting freeswitch");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut esl) = EventSocket::connect(self.esl_port) {
                if esl.api("status").contains("UP") {
                    break;
                }
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!(
                        "freeswitch exited ({status}):\n{}\n{}",
                        tail(&self.log(), 40),
                        fs::read_to_string(d("stderr.log")).unwrap_or_default()
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "freeswitch did not answer on its event socket:\n{}",
                tail(&self.log(), 40)
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// Stops FreeSWITCH and starts it again on the same directories and
    /// ports (what was stored in db/ stays).
    pub fn restart(&mut self) {
        if let Err(e) = self.stop() {
            panic!("{e}:\n{}", tail(&self.log(), 40));
        }
        self.launch();
    }

    /// Shuts FreeSWITCH down; Err when it had died, or died on the way
    /// (a signal: a crash), rather than shut down.
    fn stop(&mut self) -> Result<(), String> {
        use std::os::unix::process::ExitStatusExt;
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "FreeSWITCH had exited before the end of the test ({status})"
            ));
        }
        if let Ok(mut esl) = EventSocket::connect(self.esl_port) {
            let _ = esl.send("api fsctl shutdown");
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return match status.signal() {
                    Some(sig) => Err(format!(
                        "FreeSWITCH died of signal {sig} while shutting down"
                    )),
                    None => Ok(()),
                };
            }
            sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err("FreeSWITCH did not shut down within 15 s".into())
    }

    /// Whether FreeSWITCH has the module `name` loaded.
    pub fn has_module(&self, name: &str) -> bool {
        self.api(&format!("module_exists {name}")).trim() == "true"
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// An API command through the event socket; its output.
    pub fn api(&self, cmd: &str) -> String {
        EventSocket::connect(self.esl_port)
            .map(|mut e| e.api(cmd))
            .unwrap_or_else(|e| format!("-ERR event socket: {e}"))
    }

    /// An event socket subscribed to `events` (e.g. `CUSTOM grouppickup::pickup`).
    pub fn events(&self, events: &str) -> EventSocket {
        let mut esl = EventSocket::connect(self.esl_port).expect("event socket");
        esl.send(&format!("event plain {events}")).unwrap();
        esl.read_message().expect("event subscription reply");
        esl
    }

    /// FreeSWITCH's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("log/freeswitch.log")).unwrap_or_default()
    }

    /// Waits until the log contains `text`.
    pub fn wait_log(&self, text: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log().contains(text) {
                return true;
            }
            sleep(Duration::from_millis(50));
        }
        false
    }

    /// Waits until `grouppickup show ringing` lists `count` calls.
    pub fn wait_ringing(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let want = format!("{count} call(s) ringing");
        while Instant::now() < deadline {
            if self.api("grouppickup show ringing").contains(&want) {
                return true;
            }
            sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn phone(&self, name: &str) -> &Phone {
        self.phones
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no phone {name}"))
    }
}

impl Drop for FreeSwitch {
    /// Stopped by its PID whatever happened; a FreeSWITCH that crashed
    /// fails the test (its files are kept).
    fn drop(&mut self) {
        let stopped = self.stop();
        let keep =
            std::env::var_os("GP_KEEP").is_some() || std::thread::panicking() || stopped.is_err();
        if keep {
            eprintln!("FreeSWITCH's files kept in {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
        if let Err(e) = stopped {
            if !std::thread::panicking() {
                panic!("{e}:\n{}", tail(&self.log(), 40));
            }
        }
    }
}

/// A client of FreeSWITCH's event socket (inbound mode).
pub struct EventSocket {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
    queued: VecDeque<Message>,
}

/// One message: its headers and body.
#[derive(Clone, Debug, Default)]
pub struct Message {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// An event's headers, from a `text/event-plain` body.
    pub fn event(&self) -> Message {
        let mut m = Message::default();
        for line in self.body.lines() {
            if let Some((n, v)) = line.split_once(": ") {
                m.headers.push((n.to_string(), percent_decode(v)));
            }
        }
        m
    }
}

fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&v[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl EventSocket {
    pub fn connect(port: u16) -> Result<EventSocket, String> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .map_err(|e| e.to_string())?;
        let reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
        let mut esl = EventSocket {
            reader,
            stream,
            queued: VecDeque::new(),
        };
        esl.read_message()?; // auth/request
        esl.send("auth ClueCon")?;
        let reply = esl.read_message()?;
        if !reply.header("Reply-Text").unwrap_or("").starts_with("+OK") {
            return Err(format!("event socket refused auth: {reply:?}"));
        }
        Ok(esl)
    }

    pub fn send(&mut self, command: &str) -> Result<(), String> {
        self.stream
            .write_all(format!("{command}\n\n").as_bytes())
            .map_err(|e| e.to_string())
    }

    pub fn read_message(&mut self) -> Result<Message, String> {
        let mut m = Message::default();
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("event socket closed".into());
            }
            let line = line.trim_end();
            if line.is_empty() {
                if m.headers.is_empty() {
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(": ") {
                m.headers.push((k.to_string(), v.to_string()));
            }
        }
        if let Some(len) = m
            .header("Content-Length")
            .and_then(|l| l.parse::<usize>().ok())
        {
            let mut body = vec![0; len];
            self.reader
                .read_exact(&mut body)
                .map_err(|e| e.to_string())?;
            m.body = String::from_utf8_lossy(&body).into_owned();
        }
        Ok(m)
    }

    /// A blocking API command; its output.
    pub fn api(&mut self, cmd: &str) -> String {
        if let Err(e) = self.send(&format!("api {cmd}")) {
            return format!("-ERR {e}");
        }
        loop {
            match self.read_message() {
                Ok(m) if m.header("Content-Type") == Some("api/response") => return m.body,
                Ok(m) => self.queued.push_back(m),
                Err(e) => return format!("-ERR {e}"),
            }
        }
    }

    /// The next event whose `Event-Subclass` (or `Event-Name`) is `name`,
    /// within `timeout`.
    pub fn next_event(&mut self, name: &str, timeout: Duration) -> Option<Message> {
        self.next_event_where(name, |_| true, timeout)
    }

    /// The next event named `name` (subclass or name) for which `wanted`
    /// holds, within `timeout`; events passed over are dropped.
    pub fn next_event_where(
        &mut self,
        name: &str,
        wanted: impl Fn(&Message) -> bool,
        timeout: Duration,
    ) -> Option<Message> {
        let matches = |e: &Message| {
            (e.header("Event-Subclass") == Some(name) || e.header("Event-Name") == Some(name))
                && wanted(e)
        };
        while let Some(m) = self.queued.pop_front() {
            let e = m.event();
            if matches(&e) {
                return Some(e);
            }
        }
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let m = self.read_message().ok()?;
            if m.header("Content-Type") != Some("text/event-plain") {
                continue;
            }
            let e = m.event();
            if matches(&e) {
                return Some(e);
            }
        }
        None
    }
}

/// SIPp phones around a test's FreeSWITCH.
impl FreeSwitch {
    fn sipp(
        &self,
        scenario: &str,
        phone: &str,
        remote: Option<&str>,
        calls: u32,
        hold_ms: u32,
    ) -> crate::Sipp {
        crate::Sipp::start(crate::SippSpec {
            scenario,
            phone: self.phone(phone),
            remote: remote.map(|n| (self.sip_port, n)),
            calls,
            hold_ms,
        })
    }

    /// A desk phone that rings for `calls` calls until each is cancelled.
    pub fn ringing_phone(&self, name: &str, calls: u32) -> crate::Sipp {
        self.sipp("uas_ring.xml", name, None, calls, 0)
    }

    /// A caller dialling `number` and staying on until hung up.
    pub fn call(&self, name: &str, number: &str) -> crate::Sipp {
        self.sipp("uac_call.xml", name, Some(number), 1, 0)
    }

    /// A caller that may be refused (any usual final response) or answered.
    pub fn call_or_fail(&self, name: &str, number: &str) -> crate::Sipp {
        self.sipp("uac_call_or_fail.xml", name, Some(number), 1, 0)
    }

    /// A BLF key: `name` subscribes to the dialog state of `number` and
    /// answers every NOTIFY (read them with [`crate::Sipp::received`]).
    pub fn blf_watcher(&self, name: &str, number: &str) -> crate::Sipp {
        self.sipp("uac_watch_dialog.xml", name, Some(number), 1, 0)
    }

    /// A picker dialling `number`, connected for `hold_ms`, then hanging up.
    pub fn pick(&self, name: &str, number: &str, hold_ms: u32) -> crate::Sipp {
        self.sipp("uac_pick.xml", name, Some(number), 1, hold_ms)
    }
}
