//! The dialplan functions (shim/functions.c).

use super::bindings::gp_function;
use super::FromC;
use std::ffi::c_int;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// GROUPPICKUP_GROUP(user)
    Group,
    /// GROUPPICKUP_RINGING(number)
    Ringing,
}

impl FromC for Function {
    const WHAT: &'static str = "function";
    const VARIANTS: &'static [(c_int, Self)] = &[
        (gp_function::GP_FUNCTION_GROUP as c_int, Self::Group),
        (gp_function::GP_FUNCTION_RINGING as c_int, Self::Ringing),
    ];
}
