//! GROUPPICKUP_GROUP(user) and GROUPPICKUP_RINGING(number).

use super::host::{functions::Function, Unknown};
use super::{log, module};
use grouppickup_core::functions;
use grouppickup_core::quote::quote;

/// The value of a function, or the error to log (the dialplan then reads an
/// empty value, as with Asterisk's own functions).
pub fn read(function: Result<Function, Unknown>, arg: &str) -> Result<String, String> {
    let module = module::get().ok_or("grouppickup is not loaded")?;
    let arbiter = &module.arbiter;
    match function.map_err(|e| e.to_string())? {
        Function::Group => {
            if arg.trim().is_empty() {
                return Err("GROUPPICKUP_GROUP(user): a user name is required".into());
            }
            Ok(functions::group_of(arbiter, arg))
        }
        Function::Ringing => functions::ringing(arbiter, arg)
            .map(|n| n.to_string())
            .map_err(|e| format!("GROUPPICKUP_RINGING({}): {e}", quote(arg))),
    }
}

/// Copies the value into the caller's buffer; 0 or -1 as Asterisk expects.
pub fn read_into(function: Result<Function, Unknown>, arg: &str, buf: &mut [u8]) -> i32 {
    match read(function, arg) {
        Ok(value) => {
            let n = value.len().min(buf.len().saturating_sub(1));
            buf[..n].copy_from_slice(&value.as_bytes()[..n]);
            if let Some(end) = buf.get_mut(n) {
                *end = 0;
            }
            0
        }
        Err(e) => {
            log::warning(&format!("grouppickup: {e}"));
            -1
        }
    }
}
