//! Asterisk's logger, from Rust.

use super::shim::{self, gp_log_level};
use std::ffi::CString;

fn emit(level: gp_log_level, message: &str) {
    // An interior NUL would truncate the line; show it instead.
    let line = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    unsafe { shim::gp_log(level as i32, line.as_ptr()) }
}

pub fn error(message: &str) {
    emit(gp_log_level::GP_LOG_ERROR, message)
}

pub fn warning(message: &str) {
    emit(gp_log_level::GP_LOG_WARNING, message)
}

pub fn notice(message: &str) {
    emit(gp_log_level::GP_LOG_NOTICE, message)
}

pub fn verbose(message: &str) {
    emit(gp_log_level::GP_LOG_VERBOSE, message)
}

pub fn debug(message: &str) {
    emit(gp_log_level::GP_LOG_DEBUG, message)
}
