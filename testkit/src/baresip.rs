//! Real softphones: baresip, with no sound card (it sends a 440 Hz sine
//! from its `ausine` module and plays into `aubridge`, which discards it),
//! each in its own configuration directory, driven through its `ctrl_tcp`
//! interface (JSON in netstrings) and tracing every SIP message it sends and
//! receives to its log.
//!
//! A phone is an account `<sip:name@127.0.0.1:<pbx port>>` that does not
//! register: the test Asterisk knows it by its From user (the PJSIP
//! endpoint of that name) and calls it at the static contact of the
//! endpoint's AOR, the phone's SIP port.

use crate::ports::{free_port, free_tcp_port};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

static TOKENS: AtomicU32 = AtomicU32::new(0);

pub struct Baresip {
    pub name: String,
    pub sip_port: u16,
    dir: PathBuf,
    child: Child,
    ctrl: TcpStream,
    /// Every message from the control interface so far: events and
    /// command responses, as JSON text.
    messages: Arc<Mutex<Vec<String>>>,
}

impl Baresip {
    /// Starts baresip as phone `name`, listening on `sip_port` (from
    /// `free_port()`: it also takes `sip_port + 1` for TLS), calling
    /// through the Asterisk listening on `pbx_port`.
    pub fn start(name: &str, sip_port: u16, pbx_port: u16) -> Baresip {
        Baresip::launch(name, sip_port, pbx_port, &[])
    }

    /// A phone that also watches the presence of `numbers` (its contacts,
    /// subscribed with `Event: presence`, as a BLF key would be).
    pub fn watching(name: &str, sip_port: u16, pbx_port: u16, numbers: &[&str]) -> Baresip {
        Baresip::launch(name, sip_port, pbx_port, numbers)
    }

    fn launch(name: &str, sip_port: u16, pbx_port: u16, watch: &[&str]) -> Baresip {
        let dir = std::env::temp_dir().join(format!(
            "grouppickup-baresip-{}-{name}-{sip_port}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // RTP and RTCP in a block of their own, apart from SIP and TLS.
        let rtp = free_port();
        let ctrl_port = free_tcp_port();
        let config = format!(
            "poll_method epoll\n\
             net_interface 127.0.0.1\n\
             sip_listen 127.0.0.1:{sip_port}\n\
             call_local_timeout 120\n\
             audio_source ausine,440\n\
             audio_alert ausine,440\n\
             audio_player aubridge,nil\n\
             ausrc_srate 48000\n\
             ausrc_channels 2\n\
             rtp_ports {rtp}-{rtp_end}\n\
             rtp_stats yes\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module ausine.so\n\
             module aubridge.so\n\
             module_tmp account.so\n\
             module_app menu.so\n\
             module_app ctrl_tcp.so\n{presence}",
            rtp_end = rtp + 3,
            presence = if watch.is_empty() {
                ""
            } else {
                "module_app contact.so\nmodule_app presence.so\n"
            }
        );
        let contacts: String = watch
            .iter()
            .map(|n| format!("\"{n}\" <sip:{n}@127.0.0.1:{pbx_port}>;presence=p2p\n"))
            .collect();
        fs::write(dir.join("contacts"), contacts).unwrap();
        fs::write(dir.join("config"), config).unwrap();
        fs::write(
            dir.join("accounts"),
            format!("<sip:{name}@127.0.0.1:{pbx_port}>;regint=0;audio_codecs=PCMU\n"),
        )
        .unwrap();
        let log = fs::File::create(dir.join("baresip.log")).unwrap();
        let child = Command::new("baresip")
            .arg("-f")
            .arg(&dir)
            .arg("-s")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting baresip (apt-get install baresip)");
        let deadline = Instant::now() + Duration::from_secs(10);
        let ctrl = loop {
            match TcpStream::connect(("127.0.0.1", ctrl_port)) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "baresip {name} opened no control port {ctrl_port}: {e}\n{}",
                        fs::read_to_string(dir.join("baresip.log")).unwrap_or_default()
                    );
                    sleep(Duration::from_millis(50));
                }
            }
        };
        let messages = Arc::new(Mutex::new(Vec::new()));
        let reader = ctrl.try_clone().unwrap();
        let sink = Arc::clone(&messages);
        std::thread::spawn(move || read_netstrings(reader, &sink));
        Baresip {
            name: name.to_string(),
            sip_port,
            dir,
            child,
            ctrl,
            messages,
        }
    }

    /// Runs a command of baresip's menu (`dial`, `accept`, `hangup`, ...)
    /// and returns its response.
    pub fn command(&self, command: &str, params: &str) -> String {
        let token = format!("t{}", TOKENS.fetch_add(1, Ordering::SeqCst));
        let body = format!(
            "{{\"command\":\"{command}\",\"params\":\"{}\",\"token\":\"{token}\"}}",
            params.replace('\\', "\\\\").replace('"', "\\\"")
        );
        (&self.ctrl)
            .write_all(format!("{}:{body},", body.len()).as_bytes())
            .unwrap();
        let needle = format!("\"token\":\"{token}\"");
        self.wait_message(&format!("the response to {command}"), |m| {
            m.contains(&needle)
        })
    }

    /// Dials `number` at the Asterisk.
    pub fn dial(&self, number: &str, pbx_port: u16) {
        self.command("dial", &format!("sip:{number}@127.0.0.1:{pbx_port}"));
    }

    /// The first event of `kind` (CALL_INCOMING, CALL_ESTABLISHED,
    /// CALL_CLOSED, ...), once it came.
    pub fn wait_event(&self, kind: &str) -> String {
        let needle = format!("\"type\":\"{kind}\"");
        self.wait_message(&format!("event {kind}"), |m| {
            m.contains("\"event\":true") && m.contains(&needle)
        })
    }

    /// The events so far, by type, in order.
    pub fn events(&self) -> Vec<String> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.contains("\"event\":true"))
            .filter_map(|m| json_str(m, "type"))
            .collect()
    }

    fn wait_message(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(m) = self.messages.lock().unwrap().iter().find(|m| f(m)) {
                return m.clone();
            }
            assert!(
                Instant::now() < deadline,
                "baresip {} did not report {what}; events {:?}\n--- log:\n{}",
                self.name,
                self.events(),
                crate::pbx::tail(&self.log(), 60)
            );
            sleep(Duration::from_millis(20));
        }
    }

    /// The phone's log: what it printed, with the SIP trace.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&fs::read(self.dir.join("baresip.log")).unwrap_or_default())
            .into_owned()
    }

    /// The SIP messages the phone received, in order, each from its start
    /// line.
    pub fn received(&self) -> Vec<String> {
        let to_me = format!(" -> 127.0.0.1:{}\n", self.sip_port);
        self.log()
            .split("\x1b[36;1m#\n")
            .filter_map(|chunk| {
                let (head, rest) = chunk.split_once('\n')?;
                (format!("{head}\n").ends_with(&to_me) && head.starts_with("UDP "))
                    .then(|| rest.split("\x1b[;m").next().unwrap_or("").replace('\r', ""))
            })
            .collect()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("GP_KEEP").is_none() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The control interface's messages: `<length>:<json>,` one after another.
fn read_netstrings(mut stream: TcpStream, sink: &Mutex<Vec<String>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(colon) = buf.iter().position(|&b| b == b':') {
            let Some(len) = std::str::from_utf8(&buf[..colon])
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
            else {
                return;
            };
            if buf.len() < colon + 1 + len + 1 {
                break;
            }
            let body = String::from_utf8_lossy(&buf[colon + 1..colon + 1 + len]).into_owned();
            sink.lock().unwrap().push(body);
            buf.drain(..colon + 1 + len + 1);
        }
    }
}

/// A string field of a flat JSON object, unescaped enough for a test.
pub fn json_str(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut out = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}
