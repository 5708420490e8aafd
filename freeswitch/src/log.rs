//! FreeSWITCH's log, by level.

use super::ffi;
use std::ffi::CString;

fn write(level: ffi::gp_fs_level, message: &str) {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    unsafe { ffi::gp_fs_log(level as i32, text.as_ptr()) }
}

pub fn debug(message: &str) {
    write(ffi::gp_fs_level::GP_FS_DEBUG, message)
}
pub fn info(message: &str) {
    write(ffi::gp_fs_level::GP_FS_INFO, message)
}
pub fn notice(message: &str) {
    write(ffi::gp_fs_level::GP_FS_NOTICE, message)
}
pub fn warning(message: &str) {
    write(ffi::gp_fs_level::GP_FS_WARNING, message)
}
pub fn error(message: &str) {
    write(ffi::gp_fs_level::GP_FS_ERROR, message)
}
