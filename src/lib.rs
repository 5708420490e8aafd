//! app_grouppickup.so: Group Call Pickup for Asterisk.
//!
//! This file is the module's face: the functions the C shim calls. Each one
//! catches panics, so a bug in Rust becomes a logged error and a failure
//! return, never an unwind into Asterisk. Decisions live in [`core`]; the
//! calls into Asterisk live in [`asterisk`].

pub mod core;

#[cfg(not(test))]
mod asterisk;

#[cfg(not(test))]
mod entry {
    use crate::asterisk::{app, cli, events, guard::guard, module, shim};
    use std::ffi::{c_char, c_int, CStr};

    /// Borrows a C string; a NULL pointer reads as empty and invalid UTF-8 is
    /// replaced, so no input from C can make Rust fail here.
    unsafe fn text<'a>(ptr: *const c_char) -> std::borrow::Cow<'a, str> {
        if ptr.is_null() {
            return "".into();
        }
        CStr::from_ptr(ptr).to_string_lossy()
    }

    #[no_mangle]
    pub extern "C" fn gp_rs_load() -> c_int {
        guard("load", -1, module::load)
    }

    #[no_mangle]
    pub extern "C" fn gp_rs_reload() -> c_int {
        guard("reload", -1, module::reload)
    }

    #[no_mangle]
    pub extern "C" fn gp_rs_unload() {
        guard("unload", (), module::unload)
    }

    /// # Safety
    /// `event` points to a valid event whose strings live for the call.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_leg_event(event: *const shim::gp_leg_event) {
        if event.is_null() {
            return;
        }
        guard("channel event", (), || {
            let e = &*event;
            let (uniqueid, name, linkedid) = (text(e.uniqueid), text(e.name), text(e.linkedid));
            let (caller_number, caller_name) = (text(e.caller_number), text(e.caller_name));
            let (appl, exten) = (text(e.appl), text(e.exten));
            events::on_leg(&crate::core::arbiter::LegEvent {
                uniqueid: &uniqueid,
                name: &name,
                linkedid: &linkedid,
                caller_number: &caller_number,
                caller_name: &caller_name,
                appl: &appl,
                exten: &exten,
                ringing: e.ringing != 0,
                excluded: e.excluded != 0,
            })
        })
    }

    /// # Safety
    /// `chan` is the channel running the application; `data` its argument.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_app_exec(
        chan: *mut shim::ast_channel,
        data: *const c_char,
    ) -> c_int {
        // The application's failure value lets the dialplan go on.
        guard("GroupPickup", 0, || app::exec(chan, &text(data)))
    }

    /// # Safety
    /// `argv` holds `argc` C strings.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_cli(
        command: c_int,
        argc: c_int,
        argv: *const *const c_char,
    ) -> *mut c_char {
        guard("CLI", std::ptr::null_mut(), || {
            let args: Vec<String> = if argv.is_null() {
                Vec::new()
            } else {
                (0..argc.max(0) as usize)
                    .map(|i| text(*argv.add(i)).into_owned())
                    .collect()
            };
            cli::run(command, &args)
        })
    }

    /// # Safety
    /// `text` was returned by [`gp_rs_cli`] and is freed once.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_free(text: *mut c_char) {
        if !text.is_null() {
            guard("CLI", (), || drop(std::ffi::CString::from_raw(text)))
        }
    }
}
