//! A minimal Asterisk Manager Interface client for the benchmarks: log in
//! with events off, send an action, read its response. Only what the
//! benchmarks use.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Ami {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_id: u64,
}

/// One response: its header lines, plus the output of a `Command` action.
#[derive(Debug, Default)]
pub struct Response {
    pub headers: Vec<(String, String)>,
    pub output: String,
}

impl Response {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn ok(&self) -> bool {
        self.get("Response") == Some("Success")
    }
}

impl Ami {
    pub fn connect(port: u16, user: &str, secret: &str) -> std::io::Result<Ami> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        let mut ami = Ami {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            next_id: 0,
        };
        let mut banner = String::new();
        ami.reader.read_line(&mut banner)?;
        let login = ami.action(
            "Login",
            &[("Username", user), ("Secret", secret), ("Events", "off")],
        )?;
        if !login.ok() {
            return Err(std::io::Error::other(format!(
                "AMI login refused: {login:?}"
            )));
        }
        Ok(ami)
    }

    /// Sends an action and returns its response (events are off, so the next
    /// message with our ActionID is it).
    pub fn action(&mut self, name: &str, fields: &[(&str, &str)]) -> std::io::Result<Response> {
        self.next_id += 1;
        let id = format!("b{}", self.next_id);
        let mut text = format!("Action: {name}\r\nActionID: {id}\r\n");
        for (k, v) in fields {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
        self.writer.write_all(text.as_bytes())?;
        loop {
            let response = self.read_message()?;
            if response.get("ActionID") == Some(id.as_str()) {
                return Ok(response);
            }
        }
    }

    fn read_message(&mut self) -> std::io::Result<Response> {
        let mut response = Response::default();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("AMI connection closed"));
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if response.headers.is_empty() && response.output.is_empty() {
                    continue;
                }
                return Ok(response);
            }
            match line.split_once(": ") {
                Some(("Output", v)) => {
                    response.output.push_str(v);
                    response.output.push('\n');
                }
                Some((k, v)) => response.headers.push((k.to_string(), v.to_string())),
                None => {
                    response.output.push_str(line);
                    response.output.push('\n');
                }
            }
        }
    }

    /// Runs a CLI command and returns its output.
    pub fn command(&mut self, command: &str) -> std::io::Result<String> {
        Ok(self.action("Command", &[("Command", command)])?.output)
    }

    /// The value of a dialplan function or global variable.
    pub fn getvar(&mut self, variable: &str) -> std::io::Result<String> {
        Ok(self
            .action("Getvar", &[("Variable", variable)])?
            .get("Value")
            .unwrap_or("")
            .to_string())
    }

    /// Originates `channel` into `context`,`exten`,1 without waiting for it.
    pub fn originate_exten(
        &mut self,
        channel: &str,
        context: &str,
        exten: &str,
        variables: &[&str],
    ) -> std::io::Result<()> {
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
        self.expect_ok("Originate", &fields)
    }

    fn expect_ok(&mut self, name: &str, fields: &[(&str, &str)]) -> std::io::Result<()> {
        let response = self.action(name, fields)?;
        if response.ok() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "{name} failed: {response:?}"
            )))
        }
    }
}
