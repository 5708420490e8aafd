//! A minimal SIP phone over UDP for the one thing SIPp cannot do: send a
//! CANCEL at an exact moment after its INVITE. SIPp tells transactions
//! apart by their Via branch, which a CANCEL shares with its INVITE, so it
//! mixes up the two 200s when the answer crosses the CANCEL; and its timers
//! are too coarse for a window of about a millisecond.
//!
//! The phone dials a number, waits for the first provisional response,
//! waits `cancel_after`, and sends CANCEL unless a final response came
//! first. A final error response is acknowledged. A 200 (also one crossing
//! the CANCEL) is acknowledged and the call hung up at once with BYE, as a
//! phone does that no longer wants the call. Requests from Asterisk get a
//! 200.

use crate::sip::{contact_uri, sip_header};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// What a cancelling phone saw.
#[derive(Debug)]
pub struct Cancelled {
    /// The final response to the INVITE.
    pub final_code: u16,
    /// Whether the CANCEL was sent (not when the answer came first).
    pub sent_cancel: bool,
    /// Every message sent and received, for failure reports.
    pub trace: String,
}

struct Dialog {
    socket: UdpSocket,
    local: String,
    remote: String,
    user: String,
    number: String,
    call_id: String,
    tag: String,
    branch: String,
    trace: String,
    started: Instant,
}

impl Dialog {
    fn send(&mut self, message: String) {
        let at = self.started.elapsed().as_micros();
        self.trace
            .push_str(&format!(">>> sent at {at} us\n{message}\n"));
        self.socket
            .send_to(message.replace('\n', "\r\n").as_bytes(), &self.remote)
            .expect("sending a SIP message");
    }

    /// The next message, or None after `timeout`. The kernel rounds a
    /// socket's timeout up to its clock tick (milliseconds), so a wait of
    /// under 10 ms polls instead.
    fn receive(&mut self, timeout: Duration) -> Option<String> {
        let mut buf = [0u8; 8192];
        let n = if timeout < Duration::from_millis(10) {
            let until = Instant::now() + timeout;
            self.socket.set_nonblocking(true).unwrap();
            let n = loop {
                match self.socket.recv_from(&mut buf) {
                    Ok((n, _)) => break Some(n),
                    Err(_) if Instant::now() < until => std::hint::spin_loop(),
                    Err(_) => break None,
                }
            };
            self.socket.set_nonblocking(false).unwrap();
            n?
        } else {
            self.socket.set_read_timeout(Some(timeout)).unwrap();
            self.socket.recv_from(&mut buf).ok()?.0
        };
        let message = String::from_utf8_lossy(&buf[..n]).replace("\r\n", "\n");
        let at = self.started.elapsed().as_micros();
        self.trace
            .push_str(&format!("<<< received at {at} us\n{message}\n"));
        Some(message)
    }

    fn headers(&self, method: &str, cseq: u32, to: &str, branch: &str) -> String {
        format!(
            "Via: SIP/2.0/UDP {local};branch={branch};rport\n\
             From: \"{user}\" <sip:{user}@{local}>;tag={tag}\n\
             To: {to}\n\
             Call-ID: {call_id}\n\
             CSeq: {cseq} {method}\n\
             Max-Forwards: 70\n",
            local = self.local,
            user = self.user,
            tag = self.tag,
            call_id = self.call_id,
        )
    }

    fn request_uri(&self) -> String {
        format!("sip:{}@{}", self.number, self.remote)
    }

    fn invite(&mut self) {
        let sdp = format!(
            "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n\
             m=audio {} RTP/AVP 0\na=rtpmap:0 PCMU/8000\n",
            self.socket.local_addr().unwrap().port() + 2
        );
        let to = format!("<{}>", self.request_uri());
        let message = format!(
            "INVITE {uri} SIP/2.0\n{headers}Contact: <sip:{user}@{local}>\n\
             Content-Type: application/sdp\nContent-Length: {len}\n\n{sdp}",
            uri = self.request_uri(),
            headers = self.headers("INVITE", 1, &to, &self.branch),
            user = self.user,
            local = self.local,
            len = sdp.replace('\n', "\r\n").len(),
        );
        self.send(message);
    }

    fn cancel(&mut self) {
        let to = format!("<{}>", self.request_uri());
        let message = format!(
            "CANCEL {uri} SIP/2.0\n{headers}Content-Length: 0\n\n",
            uri = self.request_uri(),
            headers = self.headers("CANCEL", 1, &to, &self.branch),
        );
        self.send(message);
    }

    /// ACK for a final error response: part of the INVITE transaction.
    fn ack_error(&mut self, response: &str) {
        let message = format!(
            "ACK {uri} SIP/2.0\n{headers}Content-Length: 0\n\n",
            uri = self.request_uri(),
            headers = self.headers("ACK", 1, sip_header(response, "to"), &self.branch),
        );
        self.send(message);
    }

    /// ACK for a 200 (a transaction of its own), to the answer's Contact;
    /// then, the first time, BYE.
    fn ack_answer(&mut self, answer: &str, bye: bool) {
        let to = sip_header(answer, "to").to_string();
        let target = contact_uri(answer).to_string();
        let mut send = |method: &str, cseq: u32, n: u32| {
            let branch = format!("{}-{n}", self.branch);
            let message = format!(
                "{method} {target} SIP/2.0\n{headers}Content-Length: 0\n\n",
                headers = self.headers(method, cseq, &to, &branch),
            );
            self.send(message);
        };
        send("ACK", 1, 1);
        if bye {
            send("BYE", 2, 2);
        }
    }

    fn answer_request(&mut self, request: &str) {
        let mut response = String::from("SIP/2.0 200 OK\n");
        for name in ["via", "from", "to", "call-id", "cseq"] {
            response.push_str(&format!("{name}: {}\n", sip_header(request, name)));
        }
        response.push_str("Content-Length: 0\n\n");
        self.send(response);
    }
}

/// The status code and CSeq method of a response; None for a request.
fn status(message: &str) -> Option<(u16, &str)> {
    let code = message.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()?;
    let method = sip_header(message, "cseq").split_whitespace().nth(1)?;
    Some((code, method))
}

/// Dials `number` on Asterisk's SIP port as `user` and cancels
/// `cancel_after` after the first provisional response, as described above.
pub fn dial_and_cancel(
    sip_port: u16,
    user: &str,
    number: &str,
    cancel_after: Duration,
) -> Cancelled {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("binding a UDP port for the phone");
    let local = socket.local_addr().unwrap().to_string();
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut d = Dialog {
        socket,
        local,
        remote: format!("127.0.0.1:{sip_port}"),
        user: user.to_string(),
        number: number.to_string(),
        call_id: format!("cancel-{unique}@127.0.0.1"),
        tag: format!("t{unique}"),
        branch: format!("z9hG4bK-{unique}"),
        trace: String::new(),
        started: Instant::now(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let left = || deadline.saturating_duration_since(Instant::now());
    d.invite();

    let mut final_response = None;
    // The first provisional response (Asterisk sends 100 Trying at once).
    while let Some(message) = d.receive(left()) {
        match status(&message) {
            Some((code, "INVITE")) if code < 200 => break,
            Some((_, "INVITE")) => {
                final_response = Some(message);
                break;
            }
            _ => {}
        }
    }
    // Wait, still reading: a final response in that time means no CANCEL.
    let cancel_at = Instant::now() + cancel_after;
    while final_response.is_none() && Instant::now() < cancel_at {
        if let Some(message) = d.receive(cancel_at.saturating_duration_since(Instant::now())) {
            if matches!(status(&message), Some((code, "INVITE")) if code >= 200) {
                final_response = Some(message);
            }
        }
    }
    let sent_cancel = final_response.is_none();
    if sent_cancel {
        d.cancel();
    }
    while final_response.is_none() {
        let Some(message) = d.receive(left()) else {
            panic!("no final response to the INVITE in 30 s:\n{}", d.trace);
        };
        match status(&message) {
            Some((code, "INVITE")) if code >= 200 => final_response = Some(message),
            Some(_) => {}
            None => d.answer_request(&message),
        }
    }
    let answer = final_response.unwrap();
    let final_code = status(&answer).unwrap().0;
    if final_code == 200 {
        d.ack_answer(&answer, true);
        // The BYE's answer; a retransmitted 200 to the INVITE or a late
        // answer to the CANCEL may come first.
        loop {
            let Some(message) = d.receive(left()) else {
                panic!("no answer to the BYE in 30 s:\n{}", d.trace);
            };
            match status(&message) {
                Some((_, "BYE")) => break,
                Some((200, "INVITE")) => d.ack_answer(&message, false),
                Some(_) => {}
                None => d.answer_request(&message),
            }
        }
    } else {
        d.ack_error(&answer);
    }
    Cancelled {
        final_code,
        sent_cancel,
        trace: d.trace,
    }
}
