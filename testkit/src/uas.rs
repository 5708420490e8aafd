//! A minimal SIP desk phone over UDP whose user answers a while after it
//! starts ringing, for the race of a callee answering as a picker dials.
//! SIPp tells transactions apart by their Via branch, which a CANCEL shares
//! with its INVITE: when Asterisk's CANCEL crosses the phone's 200 OK, SIPp
//! takes the CANCEL for the INVITE again and answers it with the INVITE's
//! 200 until it gives up. This phone handles every order:
//!
//! - CANCEL before the answer: 200 to the CANCEL, 487 to the INVITE, ACK;
//! - CANCEL crossing the 200 OK: 200 to the CANCEL (the INVITE is answered
//!   already), then the ACK of the 200 OK and Asterisk's BYE;
//! - no CANCEL: 200 OK, ACK, and the phone hangs up after `talk` unless
//!   Asterisk hangs up first.
//!
//! Responses are retransmitted until acknowledged, a retransmitted request
//! is answered again, and every message is traced.

use crate::sip::{contact_uri, sip_header};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the phone saw of its call.
#[derive(Default)]
struct Log {
    trace: String,
    /// Requests received, each once (by Via and method).
    requests: Vec<String>,
    /// Whether it answered the INVITE with 200.
    answered: bool,
}

/// A phone taking one call in a thread of its own; stopped when dropped.
pub struct AnsweringPhone {
    pub name: String,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl AnsweringPhone {
    /// Listens on `port` as `user`; answers `answer_after` after ringing,
    /// hangs up `talk` after being connected.
    pub fn start(user: &str, port: u16, answer_after: Duration, talk: Duration) -> AnsweringPhone {
        let socket = UdpSocket::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("binding {user}'s port {port}: {e}"));
        let (log, stop) = (Arc::default(), Arc::new(AtomicBool::new(false)));
        let mut call = Call {
            socket,
            user: user.to_string(),
            port,
            log: Arc::clone(&log),
            stop: Arc::clone(&stop),
            started: Instant::now(),
            peer: None,
            invite: String::new(),
            tag: format!("{user}-{}", std::process::id()),
        };
        let thread = std::thread::spawn(move || call.run(answer_after, talk));
        AnsweringPhone {
            name: user.to_string(),
            log,
            stop,
            thread: Some(thread),
        }
    }

    /// Waits until the call is over; Ok when it went by the rules above.
    pub fn wait(&mut self, timeout: Duration) -> Result<(), String> {
        let until = Instant::now() + timeout;
        let thread = self.thread.take().ok_or("already waited")?;
        while !thread.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if !thread.is_finished() {
            self.stop.store(true, Ordering::SeqCst);
        }
        let result = thread
            .join()
            .unwrap_or_else(|_| Err("the phone panicked".into()));
        result.map_err(|e| format!("{} failed: {e}", self.name))
    }

    /// Every message sent and received.
    pub fn messages(&self) -> String {
        self.log.lock().unwrap().trace.clone()
    }

    /// The requests of a method received, one per transaction.
    pub fn received(&self, method: &str) -> Vec<String> {
        let log = self.log.lock().unwrap();
        let prefix = format!("{method} ");
        log.requests
            .iter()
            .filter(|r| r.starts_with(&prefix))
            .cloned()
            .collect()
    }

    /// Whether the phone answered the INVITE.
    pub fn answered(&self) -> bool {
        self.log.lock().unwrap().answered
    }
}

impl Drop for AnsweringPhone {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // A failing test keeps the phone's trace, beside SIPp's logs.
        if std::thread::panicking() {
            let dir = std::env::temp_dir().join(format!(
                "grouppickup-uas-{}-{}",
                std::process::id(),
                self.name
            ));
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join("messages.log"), self.messages());
        }
    }
}

struct Call {
    socket: UdpSocket,
    user: String,
    port: u16,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    started: Instant,
    peer: Option<SocketAddr>,
    invite: String,
    tag: String,
}

/// What `next` found.
enum Got {
    Request(String),
    Response(String),
    Nothing,
}

const T1: Duration = Duration::from_millis(500);

impl Call {
    fn trace(&self, what: &str, message: &str) {
        let at = self.started.elapsed().as_micros();
        let mut log = self.log.lock().unwrap();
        log.trace
            .push_str(&format!("{what} at {at} us\n{message}\n"));
    }

    fn send(&self, message: &str) {
        self.trace(">>> sent", message);
        if let Some(peer) = self.peer {
            let _ = self
                .socket
                .send_to(message.replace('\n', "\r\n").as_bytes(), peer);
        }
    }

    /// The next message until `until` (`Nothing` then). Each request is
    /// logged once per transaction; a retransmission is returned too.
    fn next(&mut self, until: Instant) -> Result<Got, String> {
        let mut buf = [0u8; 8192];
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(format!("stopped while waiting:\n{}", self.messages()));
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Got::Nothing);
            }
            self.socket
                .set_read_timeout(Some(left.min(Duration::from_millis(50))))
                .unwrap();
            let Ok((n, from)) = self.socket.recv_from(&mut buf) else {
                continue;
            };
            let message = String::from_utf8_lossy(&buf[..n]).replace("\r\n", "\n");
            // Once the call is known, what belongs to another (a late answer
            // to an earlier phone on this port) is not for this one.
            if !self.invite.is_empty()
                && sip_header(&message, "call-id") != sip_header(&self.invite, "call-id")
            {
                self.trace("<<< received for another call, ignored", &message);
                continue;
            }
            self.peer = Some(from);
            self.trace("<<< received", &message);
            if message.starts_with("SIP/2.0 ") {
                return Ok(Got::Response(message));
            }
            let mut log = self.log.lock().unwrap();
            let key = |m: &str| {
                (
                    sip_header(m, "via").to_string(),
                    m.split(' ').next().unwrap_or("").to_string(),
                )
            };
            if !log.requests.iter().any(|r| key(r) == key(&message)) {
                log.requests.push(message.clone());
            }
            return Ok(Got::Request(message));
        }
    }

    fn messages(&self) -> String {
        self.log.lock().unwrap().trace.clone()
    }

    /// A response to `request`; the phone's tag on the To of every dialog
    /// response.
    fn response(&self, request: &str, status: &str, body: &str) -> String {
        let to = sip_header(request, "to");
        let to = if to.contains("tag=") {
            to.to_string()
        } else {
            format!("{to};tag={}", self.tag)
        };
        let mut r = format!(
            "SIP/2.0 {status}\nVia: {}\nFrom: {}\nTo: {to}\nCall-ID: {}\nCSeq: {}\n",
            sip_header(request, "via"),
            sip_header(request, "from"),
            sip_header(request, "call-id"),
            sip_header(request, "cseq"),
        );
        r.push_str(&format!(
            "Contact: <sip:{}@127.0.0.1:{}>\n",
            self.user, self.port
        ));
        if body.is_empty() {
            r.push_str("Content-Length: 0\n\n");
        } else {
            r.push_str(&format!(
                "Content-Type: application/sdp\nContent-Length: {}\n\n{body}",
                body.replace('\n', "\r\n").len()
            ));
        }
        r
    }

    fn method(request: &str) -> &str {
        request.split(' ').next().unwrap_or("")
    }

    fn run(&mut self, answer_after: Duration, talk: Duration) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        // The INVITE.
        self.invite = loop {
            match self.next(deadline)? {
                Got::Request(r) if Self::method(&r) == "INVITE" => break r,
                Got::Nothing => return Err(format!("no INVITE in 60 s:\n{}", self.messages())),
                _ => {}
            }
        };
        let invite = self.invite.clone();
        let ringing = self.response(&invite, "180 Ringing", "");
        self.send(&self.response(&invite, "100 Trying", ""));
        self.send(&ringing);

        // Ringing until the user answers, unless cancelled first.
        let answer_at = Instant::now() + answer_after;
        loop {
            match self.next(answer_at)? {
                Got::Request(r) if Self::method(&r) == "INVITE" => self.send(&ringing),
                Got::Request(r) if Self::method(&r) == "CANCEL" => {
                    self.send(&self.response(&r, "200 OK", ""));
                    let terminated = self.response(&invite, "487 Request Terminated", "");
                    return self.until_ack(&terminated, deadline).map(|_| ());
                }
                Got::Nothing => break,
                _ => {}
            }
        }

        // Answered; a CANCEL may cross the 200 OK.
        let sdp = format!(
            "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n\
             m=audio {} RTP/AVP 0\na=rtpmap:0 PCMU/8000\n",
            self.port + 2
        );
        let ok = self.response(&invite, "200 OK", &sdp);
        self.log.lock().unwrap().answered = true;
        if self.until_ack(&ok, deadline)? {
            return Ok(());
        }

        // Connected: Asterisk's BYE, or the phone's after `talk`.
        let hang_up_at = Instant::now() + talk;
        loop {
            match self.next(hang_up_at)? {
                Got::Request(r) if Self::method(&r) == "BYE" => {
                    self.send(&self.response(&r, "200 OK", ""));
                    return Ok(());
                }
                Got::Request(r) if Self::method(&r) == "INVITE" => self.send(&ok),
                Got::Request(r) if Self::method(&r) != "ACK" => {
                    self.send(&self.response(&r, "200 OK", ""))
                }
                Got::Nothing => break,
                _ => {}
            }
        }
        self.hang_up(deadline)
    }

    /// Sends a final response to the INVITE, again at T1, 2*T1, ... until
    /// its ACK; answers a CANCEL (crossing it, or retransmitted) with 200.
    /// True when a BYE came instead (the ACK lost): the call is over.
    fn until_ack(&mut self, response: &str, deadline: Instant) -> Result<bool, String> {
        let mut interval = T1;
        self.send(response);
        let mut again = Instant::now() + interval;
        loop {
            match self.next(again.min(deadline))? {
                Got::Request(r) if Self::method(&r) == "ACK" => return Ok(false),
                Got::Request(r) if Self::method(&r) == "INVITE" => self.send(response),
                Got::Request(r) if Self::method(&r) == "BYE" => {
                    self.send(&self.response(&r, "200 OK", ""));
                    return Ok(true);
                }
                Got::Request(r) => self.send(&self.response(&r, "200 OK", "")),
                Got::Response(_) => {}
                Got::Nothing if Instant::now() >= deadline => {
                    return Err(format!("no ACK in 60 s:\n{}", self.messages()))
                }
                Got::Nothing => {
                    interval = (interval * 2).min(Duration::from_secs(4));
                    again = Instant::now() + interval;
                    self.send(response);
                }
            }
        }
    }

    /// BYE to Asterisk, again until its 200.
    fn hang_up(&mut self, deadline: Instant) -> Result<(), String> {
        let invite = &self.invite;
        let target = contact_uri(invite).to_string();
        let to = sip_header(invite, "from").to_string();
        let from = format!("{};tag={}", sip_header(invite, "to"), self.tag);
        let bye = format!(
            "BYE {target} SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-{tag}-bye;rport\n\
             From: {from}\nTo: {to}\nCall-ID: {}\nCSeq: 1 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n",
            sip_header(invite, "call-id"),
            port = self.port,
            tag = self.tag,
        );
        self.send(&bye);
        let mut again = Instant::now() + T1;
        loop {
            match self.next(again.min(deadline))? {
                Got::Response(r) if sip_header(&r, "cseq").ends_with("BYE") => return Ok(()),
                Got::Request(r) if Self::method(&r) == "BYE" => {
                    self.send(&self.response(&r, "200 OK", ""));
                    return Ok(());
                }
                Got::Nothing if Instant::now() >= deadline => {
                    return Err(format!("no answer to the BYE:\n{}", self.messages()))
                }
                Got::Nothing => {
                    again = Instant::now() + T1;
                    self.send(&bye);
                }
                _ => {}
            }
        }
    }
}
