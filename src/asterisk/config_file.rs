//! Reads `grouppickup.conf` through Asterisk's configuration API (so
//! `#include`, templates and Asterisk's syntax work as everywhere else) into
//! the core's sections, and validates them.

use super::log;
use super::shim::{self, gp_config_entry, gp_config_result};
use grouppickup_core::config::{Config, ConfigError, Entry, Section};
use std::ffi::{c_void, CStr, CString};
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const FILENAME: &str = "grouppickup.conf";

unsafe fn text(ptr: *const std::ffi::c_char) -> String {
    if ptr.is_null() {
        String::new()
    } else {
        CStr::from_ptr(ptr).to_string_lossy().into_owned()
    }
}

unsafe extern "C" fn visit(ctx: *mut c_void, entry: *const gp_config_entry) {
    // Runs inside gp_config_read(), called from `read` below: no panic can
    // start here that `read`'s caller would not catch, but unwinding through
    // C is not allowed, so catch anyway.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let sections = &mut *(ctx as *mut Vec<Section>);
        let entry = &*entry;
        let name = text(entry.section);
        if entry.key.is_null() {
            sections.push(Section {
                name,
                file: text(entry.file),
                line: 0,
                entries: Vec::new(),
            });
            return;
        }
        if let Some(section) = sections.last_mut() {
            let line = entry.line.max(0) as u32;
            if section.line == 0 {
                // Asterisk does not expose a section header's line; the
                // first entry's is the closest an error can point to.
                section.line = line.saturating_sub(1).max(1);
                section.file = text(entry.file);
            }
            section.entries.push(Entry {
                key: text(entry.key),
                value: text(entry.value),
                line,
            });
        }
    }));
}

/// Where Asterisk looks for the file: its configuration directory, as this
/// process sees it.
pub fn path() -> PathBuf {
    let dir = unsafe { shim::gp_config_dir() };
    let dir = if dir.is_null() {
        PathBuf::from("/etc/asterisk")
    } else {
        PathBuf::from(std::ffi::OsStr::from_bytes(
            unsafe { CStr::from_ptr(dir) }.to_bytes(),
        ))
    };
    dir.join(FILENAME)
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
    let filename = CString::new(FILENAME).unwrap_or_default();
    let status = unsafe {
        shim::gp_config_read(
            filename.as_ptr(),
            Some(visit),
            &mut sections as *mut Vec<Section> as *mut c_void,
        )
    };
    let path = path();
    let failure = |message: String| {
        Err(vec![ConfigError {
            file: path.display().to_string(),
            line: 0,
            message,
        }])
    };
    match status {
        s if s == gp_config_result::GP_CONFIG_OK as i32 => {
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
        s if s == gp_config_result::GP_CONFIG_MISSING as i32 => failure(why_not_found(&path)),
        _ => failure("Asterisk could not parse the file (see the messages above)".to_string()),
    }
}
