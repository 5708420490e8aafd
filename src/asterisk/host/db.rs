//! Asterisk's database, the AstDB (shim/db.c).

use super::bindings;
use super::text::{from_c, to_c};
use crate::asterisk::guard::guard;
use std::ffi::{c_char, c_void};

type Visit<'v> = &'v mut dyn FnMut(&str, &str);

unsafe extern "C" fn visitor(ctx: *mut c_void, key: *const c_char, value: *const c_char) {
    guard("AstDB reader", (), || {
        let Some(visit) = (unsafe { (ctx as *mut Visit<'_>).as_mut() }) else {
            return;
        };
        if key.is_null() || value.is_null() {
            return;
        }
        visit(&unsafe { from_c(key) }, &unsafe { from_c(value) })
    })
}

/// Hands every key and value of `family` to `visit`.
pub fn read(family: &str, mut visit: impl FnMut(&str, &str)) {
    let mut visit: Visit<'_> = &mut visit;
    let family = to_c(family);
    unsafe {
        bindings::gp_db_read(
            family.as_ptr(),
            Some(visitor),
            &mut visit as *mut Visit<'_> as *mut c_void,
        )
    };
}

/// Stores `key` = `value` in `family`; true when stored.
pub fn put(family: &str, key: &str, value: &str) -> bool {
    let (family, key, value) = (to_c(family), to_c(key), to_c(value));
    unsafe { bindings::gp_db_put(family.as_ptr(), key.as_ptr(), value.as_ptr()) == 0 }
}

/// Deletes `key` from `family`; a key that is not there is no failure.
pub fn del(family: &str, key: &str) {
    let (family, key) = (to_c(family), to_c(key));
    unsafe { bindings::gp_db_del(family.as_ptr(), key.as_ptr()) };
}
