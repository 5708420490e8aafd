//! What the module as a whole asks of Asterisk (shim/module.c).

use super::bindings;
use super::text::from_c;

/// The build options checksum (`AST_BUILDOPT_SUM`) this module was built for.
pub fn buildopt_sum() -> String {
    unsafe { from_c(bindings::gp_buildopt_sum()) }.into_owned()
}

/// Asterisk's `systemname` (asterisk.conf), or "" when it has none.
pub fn system_name() -> String {
    unsafe { from_c(bindings::gp_system_name()) }.into_owned()
}
