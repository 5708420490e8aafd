//! The functions the shim calls (`gp_rs_*` in include/grouppickup.h). Each
//! only converts its arguments from C (text, indices, enums, the channel,
//! the AMI request) and runs safe Rust inside [`guard`], so a bug in Rust
//! becomes a logged error and a failure return, never an unwind into
//! Asterisk.

use super::ami::Session;
use super::bindings::{ast_channel, gp_ami_session, gp_leg_event};
use super::channel::Channel;
use super::events::Leg;
use super::functions::Function;
use super::text::{from_c, from_c_array, give, take_back};
use super::{AmiAction, CliCommand, CliOutcome, FromC, Lamp};
use crate::asterisk::guard::{fault_point, guard};
use crate::asterisk::{ami, app, cli, events, functions, lamps, metrics, module};
use std::ffi::{c_char, c_int};

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

/// Fault-injection builds: see [`crate::asterisk::guard::unload_pause`].
#[cfg(feature = "fault-injection")]
#[no_mangle]
pub extern "C" fn gp_rs_fault_unload_pause() {
    guard("unload", (), crate::asterisk::guard::unload_pause)
}

#[no_mangle]
pub extern "C" fn gp_rs_booted() {
    guard("boot", (), module::booted)
}

/// # Safety
/// `event` points to a valid event whose strings live for the call.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_leg_event(event: *const gp_leg_event) {
    let Some(event) = event.as_ref() else {
        return;
    };
    guard("channel event", (), || {
        let leg = Leg::from_c(event);
        fault_point(&leg.caller_name);
        events::on_leg(&leg)
    })
}

/// # Safety
/// `chan` is the channel running the application; `data` its argument.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_app_exec(chan: *mut ast_channel, data: *const c_char) -> c_int {
    // The application's failure value lets the dialplan go on.
    guard("GroupPickup", 0, || {
        let data = from_c(data);
        fault_point(&data);
        app::exec(Channel::from_c(chan), &data)
    })
}

/// # Safety
/// `chan` is the channel running the application; `data` its argument.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_peer_exec(chan: *mut ast_channel, data: *const c_char) -> c_int {
    // A call from another server ends here whatever happens.
    guard("GroupPickupPeer", -1, || {
        let data = from_c(data);
        fault_point(&data);
        app::exec_peer(Channel::from_c(chan), &data)
    })
}

/// # Safety
/// `chan` is the channel reading GROUPPICKUP_BENCH_FIND; `number` a C string.
#[cfg(feature = "bench")]
#[no_mangle]
pub unsafe extern "C" fn gp_rs_bench_find(chan: *mut ast_channel, number: *const c_char) -> c_int {
    guard("GROUPPICKUP_BENCH_FIND", -1, || {
        if app::find_only(Channel::from_c(chan), &from_c(number)) {
            0
        } else {
            -1
        }
    })
}

#[no_mangle]
pub extern "C" fn gp_rs_cli_command_count() -> c_int {
    guard("CLI", 0, || c_int::try_from(cli::count()).unwrap_or(0))
}

/// Fills `*out` with entry `index` of a table the shim registers from (CLI
/// commands, AMI actions); 0, or -1 for no such entry.
///
/// # Safety
/// `out` is NULL or writable.
#[track_caller]
unsafe fn describe_into<T>(
    what: &str,
    index: c_int,
    out: *mut T,
    describe: fn(usize) -> Option<T>,
) -> c_int {
    let Some(out) = out.as_mut() else {
        return -1;
    };
    guard(what, -1, || {
        let Some(entry) = usize::try_from(index).ok().and_then(describe) else {
            return -1;
        };
        *out = entry;
        0
    })
}

/// # Safety
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_cli_command(index: c_int, out: *mut CliCommand) -> c_int {
    describe_into("CLI", index, out, cli::describe)
}

/// # Safety
/// `argv` holds `argc` C strings; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_cli(
    index: c_int,
    argc: c_int,
    argv: *const *const c_char,
    out: *mut *mut c_char,
) -> c_int {
    let failed = CliOutcome::GP_CLI_FAILED as c_int;
    let Some(out) = out.as_mut() else {
        return failed;
    };
    *out = std::ptr::null_mut();
    guard("CLI", failed, || {
        let args = from_c_array(argc, argv);
        args.iter().for_each(|a| fault_point(a));
        let (result, printed) = match usize::try_from(index) {
            Ok(index) => cli::run(index, &args),
            Err(_) => (CliOutcome::GP_CLI_FAILED, String::new()),
        };
        if !printed.is_empty() {
            *out = give(&printed);
        }
        result as c_int
    })
}

/// # Safety
/// `word` is a C string or NULL.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_cli_complete(
    index: c_int,
    pos: c_int,
    word: *const c_char,
    state: c_int,
) -> *mut c_char {
    guard("CLI completion", None, || {
        let (pos, state, word) = (pos.max(0) as usize, state.max(0) as usize, from_c(word));
        fault_point(&word);
        let index = usize::try_from(index).ok()?;
        cli::complete(index, pos, &word, state).map(|text| give(&text))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// # Safety
/// `arg` is a C string or NULL; `buf` has room for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_function(
    function: c_int,
    arg: *const c_char,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    if buf.is_null() || len == 0 {
        return -1;
    }
    guard("dialplan function", -1, || {
        let (buf, arg) = (
            std::slice::from_raw_parts_mut(buf as *mut u8, len),
            from_c(arg),
        );
        fault_point(&arg);
        functions::read_into(Function::from_c(function), &arg, buf)
    })
}

/// # Safety
/// `number` is a C string or NULL.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_device_state(number: *const c_char) -> c_int {
    guard("device state", Lamp::GP_LAMP_INVALID as c_int, || {
        let number = from_c(number);
        fault_point(&number);
        lamps::device_state(&number) as c_int
    })
}

#[no_mangle]
pub extern "C" fn gp_rs_ami_action_count() -> c_int {
    guard("AMI", 0, || c_int::try_from(ami::count()).unwrap_or(0))
}

/// # Safety
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_ami_action(index: c_int, out: *mut AmiAction) -> c_int {
    describe_into("AMI", index, out, ami::describe)
}

/// # Safety
/// `session` is the shim's request; `user` and `group` C strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_ami(
    index: c_int,
    session: *mut gp_ami_session,
    user: *const c_char,
    group: *const c_char,
) {
    if session.is_null() {
        return;
    }
    let session = Session::from_c(session);
    let answered = guard("AMI", false, || {
        let user = from_c(user);
        fault_point(&user);
        // A negative index is no action: run() answers with an error.
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        ami::run(index, &session, &user, &from_c(group));
        true
    });
    if !answered {
        // The client still gets an answer, not a hang.
        session.error("Internal error; see the Asterisk log");
    }
}

/// The module's part of the metrics page (Prometheus text format), for
/// the shim to append; give it back with [`gp_rs_free`].
#[no_mangle]
pub extern "C" fn gp_rs_metrics() -> *mut c_char {
    guard("metrics", std::ptr::null_mut(), || give(&metrics::page()))
}

/// # Safety
/// `text` was returned by [`gp_rs_cli`], [`gp_rs_metrics`] or [`gp_rs_cli_complete`] and is
/// freed once.
#[no_mangle]
pub unsafe extern "C" fn gp_rs_free(text: *mut c_char) {
    if !text.is_null() {
        guard("CLI", (), || take_back(text))
    }
}
