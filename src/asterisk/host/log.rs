//! Asterisk's logger (shim/log.c).

use super::bindings;
use super::text::to_c;
use super::LogLevel;
use std::ffi::c_int;

/// Logs `message` as coming from `file`:`line` in `function`.
pub fn write(level: LogLevel, file: &str, line: u32, function: &str, message: &str) {
    let (file, function, message) = (to_c(file), to_c(function), to_c(message));
    let line = c_int::try_from(line).unwrap_or(c_int::MAX);
    unsafe {
        bindings::gp_log(
            level as c_int,
            file.as_ptr(),
            line,
            function.as_ptr(),
            message.as_ptr(),
        )
    }
}
