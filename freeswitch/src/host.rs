//! The one safe layer over the shim's C functions: sessions (located and
//! read-locked, given back on drop), API output, events, presence, paths.

use super::ffi;
use std::ffi::{c_char, CStr, CString};
use std::os::raw::c_int;

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// Text owned by FreeSWITCH, copied.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive for this call.
unsafe fn text(p: *const c_char) -> Option<String> {
    (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
}

/// What a leg is doing now.
#[derive(Clone, Copy, Debug)]
pub struct LegState(u32);

impl LegState {
    pub fn up(self) -> bool {
        self.0 & ffi::gp_fs_state_bits_GP_FS_UP != 0
    }
    pub fn answered(self) -> bool {
        self.0 & ffi::gp_fs_state_bits_GP_FS_ANSWERED != 0
    }
    pub fn ringing(self) -> bool {
        self.0 & ffi::gp_fs_state_bits_GP_FS_RINGING != 0
    }
    pub fn outbound(self) -> bool {
        self.0 & ffi::gp_fs_state_bits_GP_FS_OUTBOUND != 0
    }
    /// Ringing at its device and neither answered nor hung up: the only
    /// state in which a leg is offered or taken.
    pub fn pickable(self) -> bool {
        self.up() && self.ringing() && !self.answered()
    }
}

/// A session: either located by uuid (read-locked by FreeSWITCH until
/// dropped, so it cannot be destroyed meanwhile), or the one an application
/// runs on (FreeSWITCH holds it for the application's time).
pub struct Session {
    ptr: *mut ffi::gp_fs_session,
    located: bool,
}

impl Session {
    pub fn locate(uuid: &str) -> Option<Session> {
        let uuid = cstring(uuid);
        let ptr = unsafe { ffi::gp_fs_locate(uuid.as_ptr()) };
        (!ptr.is_null()).then_some(Session { ptr, located: true })
    }

    /// # Safety
    /// `ptr` is the live session FreeSWITCH passed to an application, used
    /// only while that application runs.
    pub unsafe fn running(ptr: *mut ffi::gp_fs_session) -> Session {
        Session {
            ptr,
            located: false,
        }
    }

    pub fn uuid(&self) -> String {
        unsafe { text(ffi::gp_fs_uuid(self.ptr)) }.unwrap_or_default()
    }

    pub fn name(&self) -> String {
        unsafe { text(ffi::gp_fs_name(self.ptr)) }.unwrap_or_default()
    }

    /// A channel variable or caller profile field, if set and not empty.
    pub fn var(&self, name: &str) -> Option<String> {
        let name = cstring(name);
        unsafe { text(ffi::gp_fs_get_var(self.ptr, name.as_ptr())) }.filter(|v| !v.is_empty())
    }

    pub fn set_var(&self, name: &str, value: &str) {
        let (name, value) = (cstring(name), cstring(value));
        unsafe { ffi::gp_fs_set_var(self.ptr, name.as_ptr(), value.as_ptr()) }
    }

    pub fn unset_var(&self, name: &str) {
        let name = cstring(name);
        unsafe { ffi::gp_fs_set_var(self.ptr, name.as_ptr(), std::ptr::null()) }
    }

    pub fn state(&self) -> LegState {
        LegState(unsafe { ffi::gp_fs_leg_state(self.ptr) } as u32)
    }

    pub fn answer(&self) -> bool {
        unsafe { ffi::gp_fs_answer(self.ptr) == 0 }
    }

    pub fn play(&self, file: &str) -> bool {
        let file = cstring(file);
        unsafe { ffi::gp_fs_play(self.ptr, file.as_ptr()) == 0 }
    }

    /// When this ringing leg is hung up, its phone is told the call was
    /// answered elsewhere.
    pub fn mark_answered_elsewhere(&self, on: bool) {
        unsafe { ffi::gp_fs_mark_answered_elsewhere(self.ptr, c_int::from(on)) }
    }

    /// FreeSWITCH's intercept: this session takes the caller `caller`,
    /// whose ringing legs end as picked off elsewhere.
    pub fn intercept(&self, caller: &str) -> bool {
        let caller = cstring(caller);
        unsafe { ffi::gp_fs_intercept(self.ptr, caller.as_ptr()) == 0 }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.located {
            unsafe { ffi::gp_fs_release(self.ptr) }
        }
    }
}

/// An API command's output.
pub struct Stream(*mut ffi::gp_fs_stream);

impl Stream {
    /// # Safety
    /// `ptr` is the stream FreeSWITCH passed to the API command, used only
    /// while it runs.
    pub unsafe fn new(ptr: *mut ffi::gp_fs_stream) -> Stream {
        Stream(ptr)
    }

    pub fn write(&self, text: &str) {
        let text = cstring(text);
        unsafe { ffi::gp_fs_stream_write(self.0, text.as_ptr()) }
    }
}

/// Fires `CUSTOM <subclass>` with the headers given.
pub fn fire_custom(subclass: &str, headers: &[(&str, String)]) {
    let subclass = cstring(subclass);
    let names: Vec<CString> = headers.iter().map(|(n, _)| cstring(n)).collect();
    let values: Vec<CString> = headers.iter().map(|(_, v)| cstring(v)).collect();
    let name_ptrs: Vec<*const c_char> = names.iter().map(|c| c.as_ptr()).collect();
    let value_ptrs: Vec<*const c_char> = values.iter().map(|c| c.as_ptr()).collect();
    unsafe {
        ffi::gp_fs_fire_custom(
            subclass.as_ptr(),
            name_ptrs.as_ptr(),
            value_ptrs.as_ptr(),
            headers.len(),
        )
    }
}

/// Presence of `number@domain` for BLF.
pub fn presence(number: &str, domain: &str, ringing: bool) {
    let (number, domain) = (cstring(number), cstring(domain));
    unsafe { ffi::gp_fs_presence(number.as_ptr(), domain.as_ptr(), c_int::from(ringing)) }
}

/// FreeSWITCH's global `domain` variable.
pub fn domain() -> String {
    let mut buf = [0 as c_char; 256];
    unsafe {
        ffi::gp_fs_domain(buf.as_mut_ptr(), buf.len());
        text(buf.as_ptr()).unwrap_or_default()
    }
}

pub fn db_dir() -> String {
    unsafe { text(ffi::gp_fs_db_dir()) }.unwrap_or_default()
}

/// Text FreeSWITCH allocated for us, copied and given back.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string to be freed with gp_fs_free.
unsafe fn owned_text(p: *mut c_char) -> Option<String> {
    let copy = text(p);
    if !p.is_null() {
        ffi::gp_fs_free(p);
    }
    copy
}

/// The configuration `autoload_configs/<name>` as FreeSWITCH has it now
/// (its XML text), or None when FreeSWITCH has no such configuration.
pub fn config_text(name: &str) -> Option<String> {
    let name = cstring(name);
    unsafe { owned_text(ffi::gp_fs_config_text(name.as_ptr())) }
}

/// Walks a configuration's XML text: `element(depth, name)` for each
/// element of the first two levels and `attr(name, value)` for the
/// attributes of the last one. False when the text is not XML.
pub fn walk_config(xml: &str, sink: &mut dyn ConfigSink) -> bool {
    unsafe extern "C" fn element(ctx: *mut std::ffi::c_void, depth: c_int, name: *const c_char) {
        let sink = &mut *(ctx as *mut &mut dyn ConfigSink);
        sink.element(depth, &text(name).unwrap_or_default());
    }
    unsafe extern "C" fn attr(
        ctx: *mut std::ffi::c_void,
        name: *const c_char,
        value: *const c_char,
    ) {
        let sink = &mut *(ctx as *mut &mut dyn ConfigSink);
        sink.attr(
            &text(name).unwrap_or_default(),
            &text(value).unwrap_or_default(),
        );
    }
    let xml = cstring(xml);
    let mut sink = sink;
    let ctx = &mut sink as *mut &mut dyn ConfigSink as *mut std::ffi::c_void;
    unsafe { ffi::gp_fs_walk_config(xml.as_ptr(), ctx, Some(element), Some(attr)) == 0 }
}

/// A FreeSWITCH global variable: it outlives the module's unload.
pub fn global(name: &str) -> Option<String> {
    let name = cstring(name);
    unsafe { owned_text(ffi::gp_fs_get_global(name.as_ptr())) }.filter(|v| !v.is_empty())
}

pub fn set_global(name: &str, value: &str) {
    let (name, value) = (cstring(name), cstring(value));
    unsafe { ffi::gp_fs_set_global(name.as_ptr(), value.as_ptr()) }
}

/// What [`walk_config`] reports to.
pub trait ConfigSink {
    fn element(&mut self, depth: i32, name: &str);
    fn attr(&mut self, name: &str, value: &str);
}
