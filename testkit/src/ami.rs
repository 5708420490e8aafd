//! An Asterisk Manager Interface client: log in, send actions (lists too),
//! wait for events, run CLI commands. The tests log in with events on and
//! wait for them; the benchmarks turn events off and only send actions.

use crate::pbx::{slow, Pbx};
use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// An AMI session, as a manager.conf user.
pub struct Ami {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// Messages read but not asked for yet (events, mostly).
    pending: Vec<String>,
    /// The bytes of a line a read timeout cut short.
    partial: Vec<u8>,
    next_id: u32,
    /// How long an action may wait for its answer.
    timeout: Duration,
}

/// The value of header `key` in an AMI message.
pub fn ami_header<'a>(message: &'a str, key: &str) -> Option<&'a str> {
    message.lines().find_map(|l| {
        let (k, v) = l.split_once(": ")?;
        (k == key).then_some(v.trim_end())
    })
}

/// The output of a `Command` action's response: its `Output:` lines.
pub fn command_output(message: &str) -> String {
    let mut output = String::new();
    for line in message.lines() {
        match line.split_once(": ") {
            Some(("Output", v)) => output.push_str(v),
            Some(_) => continue,
            None => output.push_str(line),
        }
        output.push('\n');
    }
    output
}

impl Ami {
    /// Connects to the test PBX as `user` (password `secret`), with events;
    /// panics if that fails.
    pub fn login(pbx: &Pbx, user: &str) -> Ami {
        Ami::connect(
            pbx.ami_port,
            user,
            "secret",
            true,
            slow(Duration::from_secs(10)),
        )
        .unwrap_or_else(|e| panic!("AMI login as {user} on port {}: {e}", pbx.ami_port))
    }

    /// Connects and logs in. `events`: whether Asterisk sends this session
    /// events (a session that only sends actions does better without);
    /// `timeout`: how long an action may wait for its answer.
    pub fn connect(
        port: u16,
        user: &str,
        secret: &str,
        events: bool,
        timeout: Duration,
    ) -> io::Result<Ami> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        // Short reads, so a wait can give up at its own deadline.
        stream.set_read_timeout(Some(Duration::from_millis(200)))?;
        let mut ami = Ami {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            pending: Vec::new(),
            partial: Vec::new(),
            next_id: 0,
            timeout,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let line = ami.read_line(deadline)?;
            if line.contains("Asterisk Call Manager") {
                break;
            }
        }
        let mut login = vec![("Username", user), ("Secret", secret)];
        if !events {
            login.push(("Events", "off"));
        }
        let reply = ami.try_action("Login", &login)?;
        if ami_header(&reply[0], "Response") != Some("Success") {
            return Err(io::Error::other(format!("AMI login refused: {reply:?}")));
        }
        Ok(ami)
    }

    /// One line, waiting for it until `deadline`.
    fn read_line(&mut self, deadline: Instant) -> io::Result<String> {
        loop {
            match self.reader.read_until(b'\n', &mut self.partial) {
                Ok(0) => return Err(io::Error::other("AMI connection closed")),
                Ok(_) if self.partial.ends_with(b"\n") => {
                    let line = String::from_utf8_lossy(&self.partial).into_owned();
                    self.partial.clear();
                    return Ok(line);
                }
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if Instant::now() > deadline {
                        return Err(io::Error::new(ErrorKind::TimedOut, "no AMI message"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn read_message(&mut self, deadline: Instant) -> io::Result<String> {
        let mut message = String::new();
        loop {
            let line = self.read_line(deadline)?;
            if line == "\r\n" || line == "\n" {
                if !message.is_empty() {
                    return Ok(message);
                }
            } else {
                message.push_str(&line);
            }
        }
    }

    /// Sends an action and returns its response and, for a list, every
    /// message of the list up to its completion event; panics without an
    /// answer in time.
    pub fn action(&mut self, action: &str, headers: &[(&str, &str)]) -> Vec<String> {
        self.try_action(action, headers)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Ami::action`], with an error instead of a panic.
    pub fn try_action(
        &mut self,
        action: &str,
        headers: &[(&str, &str)],
    ) -> io::Result<Vec<String>> {
        self.next_id += 1;
        let id = format!("gp-{}", self.next_id);
        let mut text = format!("Action: {action}\r\nActionID: {id}\r\n");
        for (k, v) in headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
        self.writer.write_all(text.as_bytes())?;
        let deadline = Instant::now() + self.timeout;
        let mut answer: Vec<String> = Vec::new();
        loop {
            let message = self.read_message(deadline).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("no AMI answer to {action} ({e}); so far {answer:?}"),
                )
            })?;
            if ami_header(&message, "ActionID") != Some(id.as_str()) {
                self.pending.push(message);
                continue;
            }
            let list_open = answer
                .first()
                .is_some_and(|first| ami_header(first, "EventList") == Some("start"));
            let ends_list = ami_header(&message, "EventList") == Some("Complete");
            answer.push(message);
            if (answer.len() == 1 && !list_open && ami_header(&answer[0], "EventList").is_none())
                || ends_list
            {
                return Ok(answer);
            }
        }
    }

    /// Sends an action whose response must be `Success`.
    fn expect_success(&mut self, action: &str, headers: &[(&str, &str)]) -> io::Result<()> {
        let answer = self.try_action(action, headers)?;
        if ami_header(&answer[0], "Response") == Some("Success") {
            Ok(())
        } else {
            Err(io::Error::other(format!("{action} failed: {answer:?}")))
        }
    }

    /// Runs a CLI command and returns its output.
    pub fn command(&mut self, command: &str) -> io::Result<String> {
        let response = self.try_action("Command", &[("Command", command)])?;
        Ok(command_output(&response[0]))
    }

    /// The value of a dialplan function or global variable.
    pub fn getvar(&mut self, variable: &str) -> io::Result<String> {
        let response = self.try_action("Getvar", &[("Variable", variable)])?;
        Ok(ami_header(&response[0], "Value").unwrap_or("").to_string())
    }

    /// Originates `channel` into `context`,`exten`,1 without waiting for it.
    pub fn originate_exten(
        &mut self,
        channel: &str,
        context: &str,
        exten: &str,
        variables: &[&str],
    ) -> io::Result<()> {
        let mut fields = vec![
            ("Channel", channel),
            ("Context", context),
            ("Exten", exten),
            ("Priority", "1"),
            ("Async", "true"),
            ("Timeout", "600000"),
        ];
        for v in variables {
            fields.push(("Variable", v));
        }
        self.expect_success("Originate", &fields)
    }

    /// Waits for the next event called `name`.
    pub fn wait_event(&mut self, name: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + slow(timeout);
        loop {
            if let Some(i) = self
                .pending
                .iter()
                .position(|m| ami_header(m, "Event") == Some(name))
            {
                return self.pending.remove(i);
            }
            match self.read_message(deadline) {
                Ok(message) => self.pending.push(message),
                Err(e) => panic!(
                    "no AMI event {name} in {timeout:?} ({e}); other messages: {:?}",
                    self.pending
                ),
            }
        }
    }
}
