//! Every entry from C (include/gp_freeswitch.h, gp_rs_*): each runs inside
//! the panic guard, so nothing unwinds into FreeSWITCH. In a
//! `fault-injection` build, an entry given `!panic` panics on purpose
//! (tests/guard.rs).

use super::ffi;
use super::guard::{guard, install_panic_hook};
use super::host::{Session, Stream};
use super::{api, app, legs, module};
use grouppickup_core::guard::fault_point;
use std::ffi::{c_char, c_int, CStr};

/// # Safety
/// `p` is NULL or a NUL-terminated string alive for the call.
unsafe fn arg(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

#[no_mangle]
pub extern "C" fn gp_rs_load() -> c_int {
    install_panic_hook();
    guard("load", -1, || if module::load() { 0 } else { -1 })
}

#[no_mangle]
pub extern "C" fn gp_rs_unload() {
    guard("unload", (), module::unload);
    // The hook refers to this library's code, which is about to go away.
    let _ = std::panic::take_hook();
}

#[no_mangle]
pub extern "C" fn gp_rs_reload() {
    guard("reload", (), || {
        let _ = module::reload();
    })
}

/// # Safety
/// FreeSWITCH passes its live session and the application's argument.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_app(session: *mut ffi::gp_fs_session, data: *const c_char) {
    let data = arg(data);
    guard("group_pickup", (), || {
        fault_point(&data);
        let session = Session::running(session);
        app::exec(&session, &data)
    })
}

/// # Safety
/// FreeSWITCH passes its live session and the application's argument.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_pickup_sound(session: *mut ffi::gp_fs_session, data: *const c_char) {
    let data = arg(data);
    guard("group_pickup_sound", (), || {
        fault_point(&data);
        let session = Session::running(session);
        app::pickup_sound(&session, &data)
    })
}

/// # Safety
/// FreeSWITCH passes the command line and its output stream.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_api(cmd: *const c_char, stream: *mut ffi::gp_fs_stream) -> c_int {
    let cmd = arg(cmd);
    let stream = Stream::new(stream);
    let text = guard(
        "the grouppickup API",
        "-ERR internal error; the log says more\n".to_string(),
        || {
            cmd.split_whitespace().for_each(fault_point);
            api::run(&cmd)
        },
    );
    stream.write(&text);
    0
}

/// # Safety
/// The shim passes the uuid of an outbound leg's event.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_leg_event(event: c_int, uuid: *const c_char) {
    let uuid = arg(uuid);
    guard("a channel event", (), || {
        if event == ffi::gp_fs_leg_event_GP_FS_LEG_RINGING as c_int {
            legs::ringing(&uuid)
        } else {
            legs::stopped(&uuid)
        }
    })
}

/// # Safety
/// The shim passes the context and number of a dialplan lookup.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_serves(context: *const c_char, number: *const c_char) -> c_int {
    let (context, number) = (arg(context), arg(number));
    guard("the dialplan lookup", 0, || {
        fault_point(&number);
        let Some(module) = module::get() else {
            return 0;
        };
        let config = module.arbiter.config();
        c_int::from(config.general.context == context && config.resolve(&number).is_some())
    })
}
