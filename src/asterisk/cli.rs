//! The `grouppickup` CLI commands; the shim registers them, the text comes
//! from the core's views.

use super::module;
use super::shim::gp_cli_command;
use crate::core::view;
use std::ffi::{c_char, CString};

pub fn run(command: i32, _args: &[String]) -> *mut c_char {
    let text = match module::get() {
        None => "grouppickup is not loaded\n".to_string(),
        Some(module) => {
            let registry = &module.registry;
            match command {
                c if c == gp_cli_command::GP_CLI_SHOW_RANGES as i32 => view::ranges(registry),
                c if c == gp_cli_command::GP_CLI_SHOW_GROUPS as i32 => view::groups(registry),
                c if c == gp_cli_command::GP_CLI_SHOW_RINGING as i32 => view::ringing(registry),
                c if c == gp_cli_command::GP_CLI_SHOW_STATS as i32 => view::stats(registry),
                _ => return std::ptr::null_mut(),
            }
        }
    };
    CString::new(text.replace('\0', ""))
        .unwrap_or_default()
        .into_raw()
}
