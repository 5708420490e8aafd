//! app_grouppickup.so: Group Call Pickup for Asterisk.
//!
//! This file is the module's face: the functions the C shim calls. Each one
//! catches panics, so a bug in Rust becomes a logged error and a failure
//! return, never an unwind into Asterisk. Decisions live in the `grouppickup_core` crate; the
//! calls into Asterisk live in [`asterisk`].

mod asterisk;

#[cfg(not(test))]
mod entry {
    use crate::asterisk::guard::{fault_point, guard};
    use crate::asterisk::{ami, app, channels, cli, events, functions, lamps, module, shim};
    use std::ffi::{c_char, c_int, CStr, CString};

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
            fault_point(&caller_name);
            events::on_leg(&grouppickup_core::arbiter::LegEvent {
                leg: &uniqueid,
                name: &name,
                device: channels::device_of_channel(&name).unwrap_or(""),
                call: &linkedid,
                caller_number: &caller_number,
                caller_name: &caller_name,
                origin: channels::origin(&appl),
                dialed: &exten,
                ringing: e.ringing != 0,
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
        guard("GroupPickup", 0, || {
            let data = text(data);
            fault_point(&data);
            app::exec(chan, &data)
        })
    }

    /// # Safety
    /// `chan` is the channel reading GROUPPICKUP_BENCH_FIND; `number` a C string.
    #[cfg(feature = "bench")]
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_bench_find(
        chan: *mut shim::ast_channel,
        number: *const c_char,
    ) -> c_int {
        guard("GROUPPICKUP_BENCH_FIND", -1, || {
            if app::find_only(chan, &text(number)) {
                0
            } else {
                -1
            }
        })
    }

    /// Text for C, allocated here; C gives it back to [`gp_rs_free`].
    fn give(text: String) -> *mut c_char {
        crate::asterisk::cstring(&text).into_raw()
    }

    #[no_mangle]
    pub extern "C" fn gp_rs_cli_command_count() -> c_int {
        guard("CLI", 0, || c_int::try_from(cli::count()).unwrap_or(0))
    }

    /// # Safety
    /// `out` is writable.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_cli_command(
        index: c_int,
        out: *mut shim::gp_cli_command,
    ) -> c_int {
        if out.is_null() {
            return -1;
        }
        guard("CLI", -1, || {
            let Some(command) = usize::try_from(index).ok().and_then(cli::describe) else {
                return -1;
            };
            *out = command;
            0
        })
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
        let failed = shim::gp_cli_result::GP_CLI_FAILED as c_int;
        if out.is_null() {
            return failed;
        }
        *out = std::ptr::null_mut();
        guard("CLI", failed, || {
            let args: Vec<String> = if argv.is_null() {
                Vec::new()
            } else {
                (0..argc.max(0) as usize)
                    .map(|i| text(*argv.add(i)).into_owned())
                    .collect()
            };
            args.iter().for_each(|a| fault_point(a));
            let (result, printed) = match usize::try_from(index) {
                Ok(index) => cli::run(index, &args),
                Err(_) => (shim::gp_cli_result::GP_CLI_FAILED, String::new()),
            };
            if !printed.is_empty() {
                *out = give(printed);
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
            let (pos, state, word) = (pos.max(0) as usize, state.max(0) as usize, text(word));
            fault_point(&word);
            let index = usize::try_from(index).ok()?;
            cli::complete(index, pos, &word, state).map(give)
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
                text(arg),
            );
            fault_point(&arg);
            functions::read_into(function, &arg, buf)
        })
    }

    /// # Safety
    /// `number` is a C string or NULL.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_device_state(number: *const c_char) -> c_int {
        let invalid = shim::gp_lamp::GP_LAMP_INVALID as c_int;
        guard("device state", invalid, || {
            let number = text(number);
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
    pub unsafe extern "C" fn gp_rs_ami_action(
        index: c_int,
        out: *mut shim::gp_ami_action,
    ) -> c_int {
        if out.is_null() {
            return -1;
        }
        guard("AMI", -1, || {
            let Some(action) = usize::try_from(index).ok().and_then(ami::describe) else {
                return -1;
            };
            *out = action;
            0
        })
    }

    /// # Safety
    /// `session` is the shim's request; `user` and `group` C strings or NULL.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_ami(
        index: c_int,
        session: *mut shim::gp_ami_session,
        user: *const c_char,
        group: *const c_char,
    ) {
        if session.is_null() {
            return;
        }
        let answered = guard("AMI", false, || {
            let user = text(user);
            fault_point(&user);
            // A negative index is no action: run() answers with an error.
            let index = usize::try_from(index).unwrap_or(usize::MAX);
            ami::run(index, session, &user, &text(group));
            true
        });
        if !answered {
            // The client still gets an answer, not a hang.
            let message = crate::asterisk::cstring("Internal error; see the Asterisk log");
            shim::gp_ami_error(session, message.as_ptr());
        }
    }

    /// # Safety
    /// `text` was returned by [`gp_rs_cli`] and is freed once.
    #[no_mangle]
    pub unsafe extern "C" fn gp_rs_free(text: *mut c_char) {
        if !text.is_null() {
            guard("CLI", (), || drop(CString::from_raw(text)))
        }
    }
}
