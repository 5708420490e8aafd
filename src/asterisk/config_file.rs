//! Reads `grouppickup.conf` through Asterisk's configuration API (so
//! `#include`, templates and Asterisk's syntax work as everywhere else) into
//! the core's sections, and validates them.

use super::shim::{self, gp_config_entry, gp_config_result};
use grouppickup_core::config::{Config, ConfigError, Entry, Section};
use std::ffi::{c_void, CStr, CString};

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
    let failure = |message: &str| {
        Err(vec![ConfigError {
            file: FILENAME.to_string(),
            line: 0,
            message: message.to_string(),
        }])
    };
    match status {
        s if s == gp_config_result::GP_CONFIG_OK as i32 => Config::from_sections(&sections),
        s if s == gp_config_result::GP_CONFIG_MISSING as i32 => failure(
            "the file is missing from Asterisk's configuration directory (copy asterisk-conf/grouppickup.conf there)",
        ),
        _ => failure("Asterisk could not parse the file (see the messages above)"),
    }
}
