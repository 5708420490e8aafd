//! The AMI (shim/ami.c): answering a request, and events of class `call`.

use super::bindings::{self, gp_ami_session};
use super::text::to_c;
use super::{AmiAction, AmiClass};
use std::ffi::{c_int, CStr};
use std::marker::PhantomData;

/// The entry of an AMI action for the shim to register: its name (a C
/// string that lives as long as the module is mapped) and the permission
/// classes a manager user needs one of.
pub fn action(name: &'static CStr, classes: &[AmiClass]) -> AmiAction {
    AmiAction {
        name: name.as_ptr(),
        classes: classes
            .iter()
            .fold(0, |classes, &class| classes | class as c_int),
    }
}

/// An AMI request being answered, valid for `'a`: the call from C that
/// handed it over.
pub struct Session<'a>(*mut gp_ami_session, PhantomData<&'a gp_ami_session>);

impl Session<'_> {
    /// # Safety
    /// `session` is the shim's live request.
    pub(super) unsafe fn from_c(session: *mut gp_ami_session) -> Self {
        Self(session, PhantomData)
    }

    pub fn error(&self, message: &str) {
        let message = to_c(message);
        unsafe { bindings::gp_ami_error(self.0, message.as_ptr()) };
    }

    pub fn ack(&self, message: &str) {
        let message = to_c(message);
        unsafe { bindings::gp_ami_ack(self.0, message.as_ptr()) };
    }

    /// Starts a list answer; its items follow, then [`Session::list_end`].
    pub fn list_start(&self, message: &str) {
        let message = to_c(message);
        unsafe { bindings::gp_ami_list_start(self.0, message.as_ptr()) };
    }

    /// One item: `headers` are complete `Key: value\r\n` lines.
    pub fn list_item(&self, event: &str, headers: &str) {
        let (event, headers) = (to_c(event), to_c(headers));
        unsafe { bindings::gp_ami_list_item(self.0, event.as_ptr(), headers.as_ptr()) };
    }

    pub fn list_end(&self, event: &str, count: usize) {
        let event = to_c(event);
        let count = c_int::try_from(count).unwrap_or(c_int::MAX);
        unsafe { bindings::gp_ami_list_end(self.0, event.as_ptr(), count) };
    }
}

/// Sends an event of class `call` to every AMI session allowed to read it;
/// `headers` are complete `Key: value\r\n` lines.
pub fn event(name: &str, headers: &str) {
    let (name, headers) = (to_c(name), to_c(headers));
    unsafe { bindings::gp_ami_event(name.as_ptr(), headers.as_ptr()) };
}
