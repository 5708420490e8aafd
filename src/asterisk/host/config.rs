//! Asterisk's configuration reader (shim/config.c).

use super::bindings::{self, gp_config_entry, gp_config_result};
use super::text::{from_c, to_c};
use super::{FromC, Unknown};
use crate::asterisk::guard::guard;
use std::borrow::Cow;
use std::ffi::{c_int, c_void, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// What the reader made of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Asterisk found no file (or could not read it).
    Missing,
    /// Asterisk could not parse it.
    Invalid,
}

impl FromC for Status {
    const WHAT: &'static str = "configuration result";
    const VARIANTS: &'static [(c_int, Self)] = &[
        (gp_config_result::GP_CONFIG_OK as c_int, Self::Ok),
        (gp_config_result::GP_CONFIG_MISSING as c_int, Self::Missing),
        (gp_config_result::GP_CONFIG_INVALID as c_int, Self::Invalid),
    ];
}

/// One `key = value` of the file, or (`key` None) a section header
/// without entries.
pub struct Entry<'a> {
    pub section: Cow<'a, str>,
    pub key: Option<Cow<'a, str>>,
    pub value: Cow<'a, str>,
    pub file: Cow<'a, str>,
    pub line: u32,
}

type Visit<'v> = &'v mut dyn FnMut(Entry<'_>);

unsafe extern "C" fn visitor(ctx: *mut c_void, entry: *const gp_config_entry) {
    guard("configuration reader", (), || {
        let (Some(visit), Some(entry)) = (unsafe { (ctx as *mut Visit<'_>).as_mut() }, unsafe {
            entry.as_ref()
        }) else {
            return;
        };
        let text = |ptr| unsafe { from_c(ptr) };
        visit(Entry {
            section: text(entry.section),
            key: (!entry.key.is_null()).then(|| text(entry.key)),
            value: text(entry.value),
            file: text(entry.file),
            line: entry.line.max(0) as u32,
        })
    })
}

/// Reads `filename` from Asterisk's configuration directory, handing each
/// entry to `visit` in the file's order.
pub fn read(filename: &str, mut visit: impl FnMut(Entry<'_>)) -> Result<Status, Unknown> {
    let mut visit: Visit<'_> = &mut visit;
    let filename = to_c(filename);
    let status = unsafe {
        bindings::gp_config_read(
            filename.as_ptr(),
            Some(visitor),
            &mut visit as *mut Visit<'_> as *mut c_void,
        )
    };
    Status::from_c(status)
}

/// Asterisk's configuration directory (astetcdir), as this process sees it.
pub fn dir() -> Option<PathBuf> {
    let dir = unsafe { bindings::gp_config_dir() };
    if dir.is_null() {
        return None;
    }
    let bytes = unsafe { CStr::from_ptr(dir) }.to_bytes();
    Some(PathBuf::from(OsStr::from_bytes(bytes)))
}

/// Returns freed heap memory to the system (after a configuration swap).
pub fn memory_trim() {
    unsafe { bindings::gp_memory_trim() }
}
