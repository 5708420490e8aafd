//! Reads `grouppickup.conf` through Asterisk's configuration API (so
//! `#include`, templates and Asterisk's syntax work as everywhere else) into
//! the core's sections, and validates them.

use super::host::config::{self as host, Status};
use super::log;
use grouppickup_core::config::{Config, ConfigError, Entry, Section};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

pub const FILENAME: &str = "grouppickup.conf";

/// Adds one entry of the reader to the sections read so far.
fn add(sections: &mut Vec<Section>, entry: host::Entry<'_>) {
    let Some(key) = entry.key else {
        sections.push(Section {
            name: entry.section.into_owned(),
            file: entry.file.into_owned(),
            line: 0,
            entries: Vec::new(),
        });
        return;
    };
    if let Some(section) = sections.last_mut() {
        let line = entry.line;
        if section.line == 0 {
            // Asterisk does not expose a section header's line; the
            // first entry's is the closest an error can point to.
            section.line = line.saturating_sub(1).max(1);
            section.file = entry.file.into_owned();
        }
        section.entries.push(Entry {
            key: key.into_owned(),
            value: entry.value.into_owned(),
            line,
        });
    }
}

/// Where Asterisk looks for the file: its configuration directory, as this
/// process sees it.
pub fn path() -> PathBuf {
    host::dir()
        .unwrap_or_else(|| PathBuf::from("/etc/asterisk"))
        .join(FILENAME)
}

/// Why Asterisk found no file: it reports an unreadable file as it reports
/// a missing one, and the two need different fixes.
fn why_not_found(path: &Path) -> String {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return "the file is missing from Asterisk's configuration directory (copy asterisk-conf/grouppickup.conf there)".to_string();
        }
        Ok(m) if m.is_dir() => return "this is a directory, not a file".to_string(),
        _ => {}
    }
    match std::fs::File::open(path) {
        Ok(_) => "Asterisk could not read the file (see the messages above)".to_string(),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => format!(
            "the file cannot be read: {e}; it must be readable by the user Asterisk runs as (e.g. chown asterisk:asterisk and chmod 0640, as scripts/install does)"
        ),
        Err(e) => format!("the file cannot be read: {e}"),
    }
}

/// Reads and validates the file. Errors come back as lines ready to log.
pub fn read() -> Result<Config, Vec<ConfigError>> {
    let mut sections: Vec<Section> = Vec::new();
    let status = host::read(FILENAME, |entry| add(&mut sections, entry));
    let path = path();
    let failure = |message: String| {
        Err(vec![ConfigError {
            file: path.display().to_string(),
            line: 0,
            message,
        }])
    };
    match status {
        Ok(Status::Ok) => {
            let config = Config::from_sections(&sections)?;
            if config.ranges.is_empty() {
                // Valid, but nothing is dialable and nothing can be picked
                // up: say so rather than load a module that does nothing.
                log::warning(&format!(
                    "grouppickup: no group numbers are configured: {} has no section with type = range \
                     (an empty file, or a realtime backend that returned nothing); no number is dialable",
                    path.display()
                ));
            }
            Ok(config)
        }
        Ok(Status::Missing) => failure(why_not_found(&path)),
        Ok(Status::Invalid) | Err(_) => {
            failure("Asterisk could not parse the file (see the messages above)".to_string())
        }
    }
}
