//! Asterisk's logger, from Rust. Each line names the place in Rust that
//! logged it (file, line and module path), as Asterisk's own `ast_log`
//! names the C file and function.

pub use super::host::LogLevel as Level;
use super::host::{self, LogLevel as gp_log_level};
use std::panic::Location;

/// This library's name, the root of the module paths in log lines.
const CRATE: &str = env!("CARGO_CRATE_NAME");

/// The module path of a source file of this crate, from its path:
/// `src/asterisk/module.rs` is `app_grouppickup::asterisk::module`.
fn module_path(file: &str) -> String {
    let Some(path) = file
        .strip_prefix("src/")
        .and_then(|f| f.strip_suffix(".rs"))
    else {
        return CRATE.to_string();
    };
    let path = path.strip_suffix("/mod").unwrap_or(path);
    if path == "lib" {
        return CRATE.to_string();
    }
    format!("{CRATE}::{}", path.replace('/', "::"))
}

/// Logs `message` as coming from `location`.
pub fn at(level: gp_log_level, location: &Location<'_>, message: &str) {
    host::log::write(
        level,
        location.file(),
        location.line(),
        &module_path(location.file()),
        message,
    )
}

#[track_caller]
pub fn error(message: &str) {
    at(gp_log_level::GP_LOG_ERROR, Location::caller(), message)
}

#[track_caller]
pub fn warning(message: &str) {
    at(gp_log_level::GP_LOG_WARNING, Location::caller(), message)
}

#[track_caller]
pub fn notice(message: &str) {
    at(gp_log_level::GP_LOG_NOTICE, Location::caller(), message)
}

#[track_caller]
pub fn verbose(message: &str) {
    at(gp_log_level::GP_LOG_VERBOSE, Location::caller(), message)
}

#[track_caller]
pub fn debug(message: &str) {
    at(gp_log_level::GP_LOG_DEBUG, Location::caller(), message)
}
