//! A real Asterisk with app_grouppickup.so loaded, for the integration
//! tests, the demo and the benchmarks: its own directory, configuration,
//! SIP and AMI ports, started and stopped by PID, and its CLI.
//!
//! Every Asterisk gets its own directory, configuration and SIP port on
//! 127.0.0.1, so tests run side by side. It is stopped by its PID when the
//! `Pbx` is dropped, also when a test fails.
//!
//! The scripts export where Asterisk is: GP_ASTERISK_ROOT (the root it runs
//! in, "/" for a host install) and GP_ASTERISK_MODDIR (its module directory
//! inside that root).

use crate::ports::{free_port, free_tcp_port, RTP_END};
use crate::sipp::{Sipp, SippSpec};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The repository's top directory (this crate lives one below it).
pub const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The smallest office: group numbers *100-*199 and alice in group *101.
/// Suites that need more append their own sections.
pub const OFFICE_WITH_ALICE: &str = "\
[general]
context = grouppickup

[office]
type = range
start = *100
end = *199

[alice]
type = user
endpoint = PJSIP/alice
group = *101
";

/// The modules.conf of every test Asterisk: autoload, without what is slow
/// to start or wants hardware and services, and without `skip` too (e.g.
/// `app_grouppickup.so`). A test that wants one of the skipped modules
/// takes the lines, drops its `noload`, and passes them as a file.
pub fn modules_conf(skip: &[&str]) -> String {
    let mut lines: Vec<String> = [
        "[modules]",
        "autoload = yes",
        // Not needed here, slow to start or wanting hardware and services.
        "noload = chan_dahdi.so",
        "noload = chan_iax2.so",
        "noload = chan_unistim.so",
        "noload = chan_mgcp.so",
        "noload = chan_skinny.so",
        "noload = chan_ooh323.so",
        "noload = chan_motif.so",
        "noload = res_xmpp.so",
        "noload = chan_console.so",
        "noload = chan_alsa.so",
        "noload = chan_oss.so",
        "noload = res_pjsip_phoneprov_provider.so",
        "noload = res_phoneprov.so",
        "noload = cdr_pgsql.so",
        "noload = cel_pgsql.so",
        "noload = res_config_pgsql.so",
        "noload = cdr_radius.so",
        "noload = cel_radius.so",
        "noload = res_config_ldap.so",
        "noload = cdr_tds.so",
        "noload = cel_tds.so",
        "noload = res_snmp.so",
        "noload = res_smdi.so",
        "noload = res_calendar.so",
        "noload = res_calendar_caldav.so",
        "noload = res_calendar_ews.so",
        "noload = res_calendar_exchange.so",
        "noload = res_calendar_icalendar.so",
        "noload = res_hep.so",
        "noload = res_hep_pjsip.so",
        "noload = res_hep_rtcp.so",
        "noload = cdr_sqlite3_custom.so",
        "noload = cel_sqlite3_custom.so",
        "noload = res_config_sqlite3.so",
        "noload = cdr_odbc.so",
        "noload = cel_odbc.so",
        "noload = res_odbc.so",
        "noload = res_config_odbc.so",
        "noload = func_odbc.so",
        "noload = res_fax.so",
        "noload = res_fax_spandsp.so",
        "noload = app_voicemail.so",
        "noload = app_voicemail_imap.so",
        "noload = app_voicemail_odbc.so",
        "noload = res_stir_shaken.so",
        "noload = res_geolocation.so",
        "noload = res_pjsip_geolocation.so",
        "noload = res_prometheus.so",
        "noload = res_http_websocket.so",
        "noload = res_ari.so",
        "noload = app_stasis.so",
        "noload = res_statsd.so",
        "noload = res_corosync.so",
        "noload = cdr_manager.so",
        "noload = res_mwi_external.so",
        "noload = res_mwi_external_ami.so",
        "noload = res_pjsip_stir_shaken.so",
        "noload = res_aeap.so",
        "noload = res_speech_aeap.so",
        "noload = app_festival.so",
        "noload = res_crypto.so",
        "noload = res_pjsip_publish_asterisk.so",
        "noload = res_ari_applications.so",
        "noload = res_ari_bridges.so",
        "noload = res_ari_device_states.so",
        "noload = res_ari_events.so",
        "noload = res_ari_channels.so",
        "noload = res_ari_sounds.so",
        "noload = res_ari_recordings.so",
        "noload = res_ari_playbacks.so",
        "noload = res_ari_endpoints.so",
        "noload = res_ari_asterisk.so",
        "noload = res_ari_model.so",
        "noload = res_odbc_transaction.so",
        "noload = cdr_adaptive_odbc.so",
        "noload = pbx_lua.so",
        "noload = pbx_ael.so",
    ]
    .iter()
    .map(|l| l.to_string())
    .collect();
    lines.extend(skip.iter().map(|m| format!("noload = {m}")));
    lines.push(String::new());
    lines.join("\n")
}

/// Whether Asterisk runs under valgrind's memcheck (scripts/memcheck).
pub fn memcheck() -> bool {
    std::env::var_os("GP_VALGRIND").is_some()
}

/// A timeout, longer when Asterisk runs under valgrind (about 20 times
/// slower).
pub fn slow(timeout: Duration) -> Duration {
    if memcheck() {
        timeout * 10
    } else {
        timeout
    }
}

/// The module as built by `cargo build --release`.
pub fn module_path() -> PathBuf {
    built_module(
        "target/release",
        "run scripts/setup (or cargo build --release) first",
    )
}

/// The test-only build with the `fault-injection` feature (see
/// tests/guard.rs), as scripts/test builds it.
pub fn fault_injection_module_path() -> PathBuf {
    built_module(
        "target/fault-injection/release",
        "run scripts/test, or cargo build --release --features fault-injection --target-dir target/fault-injection",
    )
}

/// The module in a build directory of the repository; panics, saying how
/// to build it, when it is not there.
fn built_module(dir: &str, how_to_build: &str) -> PathBuf {
    let path = Path::new(REPO).join(dir).join("libapp_grouppickup.so");
    assert!(
        path.is_file(),
        "{} is missing: {how_to_build}",
        path.display()
    );
    path
}

/// A SIP user agent's place in the PBX: a PJSIP endpoint and, for phones that
/// receive calls, the SIPp port they listen on.
#[derive(Clone, Debug)]
pub struct Phone {
    pub name: String,
    pub port: u16,
}

impl Phone {
    pub fn new(name: &str) -> Phone {
        Phone {
            name: name.to_string(),
            port: free_port(),
        }
    }
}

impl PbxSpec {
    /// The usual office: these phones, this grouppickup.conf and dialplan,
    /// no other endpoint options or files.
    pub fn new(phones: &[&str], grouppickup_conf: &str, dialplan: &str) -> PbxSpec {
        PbxSpec {
            phones: phones.iter().map(|n| Phone::new(n)).collect(),
            grouppickup_conf: grouppickup_conf.to_string(),
            dialplan: dialplan.to_string(),
            endpoint_options: String::new(),
            files: Vec::new(),
        }
    }
}

pub struct PbxSpec {
    pub phones: Vec<Phone>,
    pub grouppickup_conf: String,
    /// Extra dialplan for context [internal].
    pub dialplan: String,
    /// Extra lines for every PJSIP endpoint, if any.
    pub endpoint_options: String,
    /// Further configuration files: (name, text).
    pub files: Vec<(String, String)>,
}

/// What makes an Asterisk one server of several (the cluster's tests): its
/// systemname, its SIP port chosen beforehand (the others' trunks point at
/// it), and further PJSIP sections (the trunks).
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub system_name: String,
    pub sip_port: u16,
    pub pjsip: String,
}

impl NodeSpec {
    /// A trunk from this server to `peer`, listening on `peer_port`: calls
    /// to it leave with this server's name as the From user, so the peer
    /// knows them as its endpoint of that name; calls from it arrive in
    /// `context`.
    pub fn trunk(&self, peer: &str, peer_port: u16, context: &str) -> String {
        format!(
            "[{peer}]\ntype = endpoint\ncontext = {context}\ndisallow = all\nallow = ulaw\n\
             aors = {peer}\ndirect_media = no\nfrom_user = {me}\nsend_connected_line = no\n\n\
             [{peer}]\ntype = aor\ncontact = sip:{peer}@127.0.0.1:{peer_port}\n\n",
            me = self.system_name
        )
    }
}

pub struct Pbx {
    pub root: PathBuf,
    /// The instance directory as seen inside the root.
    pub dir: String,
    pub sip_port: u16,
    /// The AMI's TCP port; users `admin` (all classes) and `reporter`
    /// (call and reporting only), password `secret`.
    pub ami_port: u16,
    pub phones: Vec<Phone>,
    child: Option<Child>,
    node: Option<NodeSpec>,
    /// Keep the instance directory when dropped (see [`Pbx::keep`]).
    keep: bool,
}

impl Pbx {
    fn host_path(&self, inside: &str) -> PathBuf {
        self.root.join(inside.trim_start_matches('/'))
    }

    /// Starts Asterisk with the module and waits until it is fully booted.
    pub fn start(spec: PbxSpec) -> Pbx {
        Pbx::start_with_module(spec, &module_path())
    }

    /// Starts Asterisk as one server of several.
    pub fn start_node(spec: PbxSpec, node: NodeSpec) -> Pbx {
        Pbx::start_at(spec, &module_path(), Some(node))
    }

    /// Starts Asterisk with the module built at `module`.
    pub fn start_with_module(spec: PbxSpec, module: &Path) -> Pbx {
        Pbx::start_at(spec, module, None)
    }

    fn start_at(spec: PbxSpec, module: &Path, node: Option<NodeSpec>) -> Pbx {
        let root = PathBuf::from(env_or("GP_ASTERISK_ROOT", "/var/cache/grouppickup/sid"));
        let moddir = env_or(
            "GP_ASTERISK_MODDIR",
            "/usr/lib/x86_64-linux-gnu/asterisk/modules",
        );
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = format!("/tmp/grouppickup-test-{}-{}", std::process::id(), n);
        let mut pbx = Pbx {
            root,
            dir,
            sip_port: node.as_ref().map_or_else(free_port, |n| n.sip_port),
            ami_port: free_tcp_port(),
            phones: spec.phones.clone(),
            child: None,
            node,
            keep: false,
        };
        let host_dir = pbx.host_path(&pbx.dir);
        let _ = fs::remove_dir_all(&host_dir);
        for sub in [
            "etc",
            "modules",
            "lib",
            "spool",
            "run",
            "log",
            "cache",
            "data/documentation/thirdparty",
        ] {
            fs::create_dir_all(host_dir.join(sub)).unwrap();
        }
        // Asterisk's own modules, by link, plus ours.
        let system_modules = pbx.host_path(&moddir);
        for entry in fs::read_dir(&system_modules)
            .unwrap_or_else(|e| panic!("reading {}: {e}", system_modules.display()))
        {
            let entry = entry.unwrap();
            let name = entry.file_name();
            std::os::unix::fs::symlink(
                Path::new(&moddir).join(&name),
                host_dir.join("modules").join(&name),
            )
            .unwrap();
        }
        fs::copy(module, host_dir.join("modules/app_grouppickup.so")).unwrap();
        // Asterisk's data directory, by link, with the module's XML
        // documentation installed as third-party documentation.
        let system_data = pbx.host_path("/usr/share/asterisk");
        for entry in fs::read_dir(&system_data).unwrap() {
            let name = entry.unwrap().file_name();
            if name != "documentation" {
                std::os::unix::fs::symlink(
                    Path::new("/usr/share/asterisk").join(&name),
                    host_dir.join("data").join(&name),
                )
                .unwrap();
            }
        }
        for entry in fs::read_dir(system_data.join("documentation")).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::os::unix::fs::symlink(
                    Path::new("/usr/share/asterisk/documentation").join(entry.file_name()),
                    host_dir.join("data/documentation").join(entry.file_name()),
                )
                .unwrap();
            }
        }
        fs::copy(
            Path::new(REPO).join("doc/grouppickup-en_US.xml"),
            host_dir.join("data/documentation/thirdparty/grouppickup-en_US.xml"),
        )
        .unwrap();
        pbx.write_config(&spec);
        pbx.launch();
        pbx
    }

    fn write_config(&self, spec: &PbxSpec) {
        let d = &self.dir;
        let etc = self.host_path(&format!("{d}/etc"));
        let write = |name: &str, text: String| fs::write(etc.join(name), text).unwrap();
        write(
            "asterisk.conf",
            format!(
                "[directories]\nastetcdir => {d}/etc\nastmoddir => {d}/modules\nastvarlibdir => {d}/lib\n\
                 astdbdir => {d}/lib\nastkeydir => {d}/lib\nastdatadir => {d}/data\n\
                 astagidir => /usr/share/asterisk/agi-bin\nastspooldir => {d}/spool\nastrundir => {d}/run\n\
                 astlogdir => {d}/log\nastcachedir => {d}/cache\nastsbindir => /usr/sbin\n\
                 [options]\nverbose = 3\ndebug = 0\nhideconnect = yes\ntransmit_silence = no\n{}",
                self.node
                    .as_ref()
                    .map_or(String::new(), |n| format!("systemname = {}\n", n.system_name))
            ),
        );
        write("modules.conf", modules_conf(&[]));
        write(
            "logger.conf",
            "[general]\ndateformat = %F %T.%3q\n[logfiles]\nmessages.log => notice,warning,error,verbose(3)\n"
                .to_string(),
        );
        write(
            "rtp.conf",
            format!("[general]\nrtpstart = 20000\nrtpend = {RTP_END}\n"),
        );
        write("features.conf", "[general]\n".to_string());
        write("cdr.conf", "[general]\nenable = no\n".to_string());
        write("cel.conf", "[general]\nenable = no\n".to_string());
        write(
            "manager.conf",
            format!(
                "[general]\nenabled = yes\nbindaddr = 127.0.0.1\nport = {}\n\n\
                 [admin]\nsecret = secret\nread = all\nwrite = all\n\n\
                 [reporter]\nsecret = secret\nread = call,reporting\nwrite = call,reporting\n",
                self.ami_port
            ),
        );
        write("http.conf", "[general]\nenabled = no\n".to_string());
        write("acl.conf", String::new());
        write("indications.conf", "[general]\ncountry = us\n[us]\ndescription = United States\nringcadence = 2000,4000\ndial = 350+440\nbusy = 480+620/500,0/500\nring = 440+480/2000,0/4000\ncongestion = 480+620/250,0/250\ncallwaiting = 440/300,0/10000\ndialrecall = !350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440\nrecord = 1400/500,0/15000\ninfo = !950/330,!1400/330,!1800/330,0\n".to_string());
        let mut pjsip = format!(
            "[global]\ntype = global\nuser_agent = grouppickup-test\n\n\
             [udp]\ntype = transport\nprotocol = udp\nbind = 127.0.0.1:{}\n\n",
            self.sip_port
        );
        for phone in &self.phones {
            let _ = write!(
                pjsip,
                "[{n}]\ntype = endpoint\ncontext = internal\ndisallow = all\nallow = ulaw\n\
                 aors = {n}\ndirect_media = no\nsend_connected_line = no\ncallerid = \"{n}\" <{n}>\n{opts}\n\
                 [{n}]\ntype = aor\ncontact = sip:{n}@127.0.0.1:{p}\n\n",
                n = phone.name,
                p = phone.port,
                opts = spec.endpoint_options
            );
        }
        if let Some(node) = &self.node {
            pjsip.push_str(&node.pjsip);
        }
        write("pjsip.conf", pjsip);
        write(
            "extensions.conf",
            format!(
                "[general]\nstatic = yes\nwriteprotect = yes\n\n[internal]\ninclude => grouppickup\n\
                 ; GroupPickup called directly, reporting its status in the log.\n\
                 exten => _8.,1,GroupPickup(${{EXTEN:1}})\n\
                 same => n,Log(NOTICE,GROUPPICKUP_STATUS=${{GROUPPICKUP_STATUS}} picker=${{CHANNEL(name)}})\n\
                 same => n,Hangup(21)\n{}\n",
                spec.dialplan
            ),
        );
        write("grouppickup.conf", spec.grouppickup_conf.clone());
        for (name, text) in &spec.files {
            write(name, text.clone());
        }
    }

    fn chroot_cmd(&self, program: &str) -> Command {
        if self.root == Path::new("/") {
            Command::new(program)
        } else {
            let mut cmd = Command::new("chroot");
            cmd.arg(&self.root).arg(program);
            cmd
        }
    }

    fn launch(&mut self) {
        let log =
            fs::File::create(self.host_path(&format!("{}/log/console.log", self.dir))).unwrap();
        let mut cmd = if memcheck() {
            // scripts/memcheck: Asterisk under valgrind, its report in the
            // instance's log directory (kept by Drop).
            let mut cmd = self.chroot_cmd("/usr/bin/valgrind");
            cmd.args([
                "--tool=memcheck",
                "--leak-check=full",
                "--show-leak-kinds=definite",
                "--errors-for-leak-kinds=definite",
                "--num-callers=30",
                &format!("--log-file={}/log/valgrind.log", self.dir),
                "/usr/sbin/asterisk",
            ]);
            cmd
        } else {
            self.chroot_cmd("/usr/sbin/asterisk")
        };
        cmd.args([
            "-C",
            &format!("{}/etc/asterisk.conf", self.dir),
            "-f",
            "-n",
            "-q",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
        self.child = Some(cmd.spawn().expect("starting asterisk"));
        let deadline = Instant::now() + slow(Duration::from_secs(60));
        loop {
            let out = self.try_cli("core waitfullybooted");
            if out.as_deref().is_ok_and(|o| o.contains("fully booted")) {
                break;
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "asterisk exited during start ({status}):\n{}",
                        self.console_log()
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "asterisk did not finish booting in 60 s:\n{}",
                self.console_log()
            );
            sleep(Duration::from_millis(100));
        }
    }

    pub fn console_log(&self) -> String {
        fs::read_to_string(self.host_path(&format!("{}/log/console.log", self.dir)))
            .unwrap_or_default()
    }

    /// Asterisk's log (notice and up, verbose 3).
    pub fn log(&self) -> String {
        fs::read_to_string(self.host_path(&format!("{}/log/messages.log", self.dir)))
            .unwrap_or_default()
    }

    /// The log once it contains `needle`. Asterisk's logger thread writes a
    /// line a moment after the event that logged it, so a check made right
    /// after the event must wait for it.
    pub fn wait_log(&self, needle: &str) -> String {
        self.wait_for(
            &format!("'{needle}' in the log"),
            Duration::from_secs(10),
            |p| {
                let log = p.log();
                log.contains(needle).then_some(log)
            },
        )
    }

    pub fn try_cli(&self, command: &str) -> Result<String, String> {
        let out = self
            .chroot_cmd("/usr/sbin/asterisk")
            .args([
                "-C",
                &format!("{}/etc/asterisk.conf", self.dir),
                "-rx",
                command,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn cli(&self, command: &str) -> String {
        self.try_cli(command)
            .unwrap_or_else(|e| panic!("CLI '{command}' failed: {e}"))
    }

    /// The channels of a phone that are in state Ringing now.
    pub fn ringing_channels(&self, phone: &str) -> usize {
        self.channels()
            .iter()
            .filter(|c| c.name.starts_with(&format!("PJSIP/{phone}-")) && c.state == "Ringing")
            .count()
    }

    /// Polls `f` until it returns Some, or fails the test after `timeout`.
    pub fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut f: impl FnMut(&Pbx) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + slow(timeout);
        loop {
            if let Some(v) = f(self) {
                return v;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}\n--- ringing:\n{}\n--- channels:\n{}\n--- log:\n{}",
                    self.try_cli("grouppickup show ringing").unwrap_or_default(),
                    self.try_cli("core show channels concise").unwrap_or_default(),
                    tail(&self.log(), 40)
                );
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `n` calls are listed by `grouppickup show ringing`.
    pub fn wait_ringing(&self, n: usize) -> String {
        self.wait_for(
            &format!("{n} ringing call(s)"),
            Duration::from_secs(15),
            |p| {
                let out = p.try_cli("grouppickup show ringing").ok()?;
                out.contains(&format!("{n} call(s) ringing")).then_some(out)
            },
        )
    }

    pub fn channels(&self) -> Vec<ChannelRow> {
        self.try_cli("core show channels concise")
            .unwrap_or_default()
            .lines()
            .filter_map(ChannelRow::parse)
            .collect()
    }

    /// Waits until a channel of phone `a` and one of phone `b` are in the
    /// same bridge, and returns the bridge id.
    pub fn wait_bridged(&self, a: &str, b: &str) -> String {
        self.wait_for(
            &format!("{a} and {b} bridged"),
            Duration::from_secs(10),
            |p| {
                let channels = p.channels();
                let bridge_of = |phone: &str| {
                    channels
                        .iter()
                        .find(|c| {
                            c.name.starts_with(&format!("PJSIP/{phone}-")) && !c.bridge.is_empty()
                        })
                        .map(|c| c.bridge.clone())
                };
                match (bridge_of(a), bridge_of(b)) {
                    (Some(x), Some(y)) if x == y => Some(x),
                    _ => None,
                }
            },
        )
    }

    /// The GROUPPICKUP_STATUS values the `8<number>` extension logged.
    pub fn statuses(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|l| l.split(": GROUPPICKUP_STATUS=").nth(1))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    }

    /// The statuses logged so far, once there are at least `n`: Asterisk's
    /// logger writes the dialplan's log line a moment after the picker has
    /// its answer (longer under valgrind).
    pub fn wait_statuses(&self, n: usize) -> Vec<String> {
        self.wait_for(
            &format!("{n} GROUPPICKUP_STATUS line(s)"),
            Duration::from_secs(10),
            |p| {
                let statuses = p.statuses();
                (statuses.len() >= n).then_some(statuses)
            },
        )
    }

    /// The module's "picked up" log lines so far: (picker, caller). A call
    /// taken for another server's picker reads `pbx-b (through PJSIP/…)`
    /// here, where it rang.
    pub fn pickups(&self) -> Vec<(String, String)> {
        self.log()
            .lines()
            .filter_map(|l| {
                let rest = l.split("grouppickup: ").nth(1)?;
                let (picker, rest) = rest.split_once(" picked up the call from ")?;
                let caller = rest.split_whitespace().next()?;
                Some((picker.to_string(), caller.to_string()))
            })
            .collect()
    }

    /// A desk phone that rings until cancelled, for `calls` calls.
    pub fn ringing_phone(&self, name: &str, calls: u32) -> Sipp {
        Sipp::start(SippSpec {
            scenario: "uas_ring.xml",
            phone: self.phone(name),
            remote: None,
            calls,
            hold_ms: 0,
        })
    }

    /// A desk phone that rings until cancelled and takes a text message;
    /// done after both.
    pub fn ringing_phone_with_message(&self, name: &str) -> Sipp {
        Sipp::start(SippSpec {
            scenario: "uas_ring_message.xml",
            phone: self.phone(name),
            remote: None,
            calls: 2,
            hold_ms: 0,
        })
    }

    /// A BLF key of phone `from` subscribed to `number`; it answers the
    /// initial NOTIFY and two more.
    pub fn subscribe(&self, from: &str, number: &str) -> Sipp {
        self.dial("uac_subscribe.xml", from, number, 0)
    }

    /// A call to `number` that the dialplan must refuse (403, as Hangup(21)
    /// does), for extensions that only log something.
    pub fn refused_call(&self, from: &str, number: &str) -> Sipp {
        self.dial("uac_refused.xml", from, number, 0)
    }

    /// A caller dialing `number`, staying on until the other side hangs up.
    pub fn call(&self, from: &str, number: &str) -> Sipp {
        self.dial("uac_call.xml", from, number, 0)
    }

    /// `n` callers at once (one SIPp placing `n` calls) dialing `number`.
    pub fn calls(&self, from: &str, number: &str, n: u32) -> Sipp {
        Sipp::start(SippSpec {
            scenario: "uac_call.xml",
            phone: self.phone(from),
            remote: Some((self.sip_port, number)),
            calls: n,
            hold_ms: 0,
        })
    }

    /// The Asterisk process's id (chroot execs Asterisk in its place).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A picker dialing a group number, staying connected for `hold_ms`.
    pub fn pick(&self, from: &str, number: &str, hold_ms: u32) -> Sipp {
        self.dial("uac_pick.xml", from, number, hold_ms)
    }

    /// A picker whose attempt must be refused (403 from the `8<number>`
    /// extension, which logs GROUPPICKUP_STATUS).
    pub fn pick_refused(&self, from: &str, number: &str) -> Sipp {
        self.dial("uac_refused.xml", from, &format!("8{number}"), 0)
    }

    /// A picker that races: dials `8<number>` not knowing whether it will
    /// win, and takes either a 200 (then stays on 1.5 s) or a 403.
    pub fn race(&self, from: &str, number: &str) -> Sipp {
        self.dial("uac_race.xml", from, &format!("8{number}"), 0)
    }

    fn dial(&self, scenario: &str, from: &str, number: &str, hold_ms: u32) -> Sipp {
        Sipp::start(SippSpec {
            scenario,
            phone: self.phone(from),
            remote: Some((self.sip_port, number)),
            calls: 1,
            hold_ms,
        })
    }

    pub fn phone(&self, name: &str) -> &Phone {
        self.phones
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no phone {name}"))
    }

    /// Stops Asterisk gracefully, then for sure.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = self.try_cli("core stop now");
            // Under valgrind the exit includes the leak check.
            let deadline = Instant::now() + slow(Duration::from_secs(10)) * 6;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Restarts Asterisk with the same directory (the AstDB survives).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// `module unload app_grouppickup.so`, as an administrator types it,
    /// again every 100 ms while Asterisk refuses it (a pickup running), for
    /// up to `within`: how many times it was refused and how long it took,
    /// or Asterisk's last answer.
    pub fn unload_module(&self, within: Duration) -> Result<(usize, Duration), String> {
        let started = Instant::now();
        let mut refused = 0;
        loop {
            let out = self
                .try_cli("module unload app_grouppickup.so")
                .unwrap_or_else(|e| e);
            if out.contains("Unloaded app_grouppickup.so") {
                return Ok((refused, started.elapsed()));
            }
            refused += 1;
            if started.elapsed() > within {
                return Err(format!(
                    "{refused} unloads refused in {within:?}: {}",
                    out.trim()
                ));
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Keeps the instance directory (configuration and logs) when the
    /// `Pbx` goes, for a run that failed without a panic; returns where it
    /// is on this machine.
    pub fn keep(&mut self) -> PathBuf {
        self.keep = true;
        self.host_path(&self.dir)
    }

    pub fn write_grouppickup_conf(&self, text: &str) {
        fs::write(
            self.host_path(&format!("{}/etc/grouppickup.conf", self.dir)),
            text,
        )
        .unwrap();
    }
}

impl Drop for Pbx {
    fn drop(&mut self) {
        self.stop();
        if memcheck() {
            let report = self.host_path(&format!("{}/log/valgrind.log", self.dir));
            let kept = Path::new(REPO).join("target/memcheck");
            let _ = fs::create_dir_all(&kept);
            let name = self.dir.rsplit('/').next().unwrap_or("asterisk");
            let _ = fs::copy(report, kept.join(format!("{name}.log")));
        }
        // The asterisk binary that ran in the root may have left children
        // (none expected); the directory goes either way.
        // A failing run keeps Asterisk's directory (its logs).
        if !self.keep && std::env::var_os("GP_KEEP").is_none() && !std::thread::panicking() {
            let _ = fs::remove_dir_all(self.host_path(&self.dir));
        }
    }
}

#[derive(Clone, Debug)]
pub struct ChannelRow {
    pub name: String,
    pub state: String,
    pub app: String,
    pub bridge: String,
}

impl ChannelRow {
    fn parse(line: &str) -> Option<ChannelRow> {
        let f: Vec<&str> = line.split('!').collect();
        (f.len() >= 13).then(|| ChannelRow {
            name: f[0].to_string(),
            state: f[4].to_string(),
            app: f[5].to_string(),
            bridge: f[12].to_string(),
        })
    }
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
