//! Text across the C ABI, both ways, under one rule each (see the layer's
//! documentation in `mod.rs`).

use std::borrow::Cow;
use std::ffi::{c_char, c_int, CStr, CString};

/// Text for C. A NUL inside, which C cannot carry, is written as the two
/// characters `\0` rather than cutting the text short or dropping it.
pub fn to_c(text: &str) -> CString {
    CString::new(text)
        .or_else(|_| CString::new(text.replace('\0', "\\0")))
        .unwrap_or_default()
}

/// Borrows a C string; NULL reads as empty and invalid UTF-8 is replaced.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that lives for `'a`.
pub unsafe fn from_c<'a>(ptr: *const c_char) -> Cow<'a, str> {
    if ptr.is_null() {
        return "".into();
    }
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy()
}

/// `argc` C strings from `argv` (none when `argv` is NULL).
///
/// # Safety
/// `argv` is NULL or holds `argc` C strings (each NULL or valid).
pub unsafe fn from_c_array(argc: c_int, argv: *const *const c_char) -> Vec<String> {
    if argv.is_null() {
        return Vec::new();
    }
    (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| unsafe { from_c(*argv.add(i)) }.into_owned())
        .collect()
}

/// The text C wrote into `buf`: up to its first NUL, or all of it.
pub fn from_buffer(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Text allocated here for C, which gives it back to [`take_back`].
pub fn give(text: &str) -> *mut c_char {
    to_c(text).into_raw()
}

/// Frees text made by [`give`].
///
/// # Safety
/// `text` came from [`give`] and is given back once.
pub unsafe fn take_back(text: *mut c_char) {
    drop(unsafe { CString::from_raw(text) })
}

/// Lines of text as one C string that lives as long as the module is
/// mapped; a NUL inside is a compile-time error.
macro_rules! c_lines {
    ($($line:literal),+ $(,)?) => {
        match ::std::ffi::CStr::from_bytes_with_nul(concat!($($line),+, "\0").as_bytes()) {
            Ok(text) => text,
            Err(_) => panic!("C text holds a NUL"),
        }
    };
}
pub(crate) use c_lines;
