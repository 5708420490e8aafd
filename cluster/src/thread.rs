//! The worker's thread, made with pthread_create directly.
//!
//! `std::thread::spawn` touches thread-locals of the *spawning* thread (its
//! spawn hooks), which registers a thread-local destructor there. In a
//! module loaded into a PBX the spawning thread is one of the PBX's own,
//! which lives on: the C library then keeps the module mapped after
//! unload, and the PBX's next dlclose of it fails ("shared object not
//! open"). A thread made here leaves the caller's thread untouched; the
//! worker's own thread-locals are destroyed when it ends, before unload.

use std::ffi::c_void;

/// A thread to be joined.
pub struct Joinable(libc::pthread_t);

type Body = Box<dyn FnOnce() + Send + 'static>;

extern "C" fn trampoline(arg: *mut c_void) -> *mut c_void {
    // SAFETY: `arg` is the box `spawn` leaked for this thread alone.
    let body = unsafe { Box::from_raw(arg as *mut Body) };
    // A panic must not unwind out of a C thread start function.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    std::ptr::null_mut()
}

/// Runs `body` on a new thread.
pub fn spawn(body: impl FnOnce() + Send + 'static) -> Option<Joinable> {
    let arg = Box::into_raw(Box::new(Box::new(body) as Body)) as *mut c_void;
    let mut thread: libc::pthread_t = 0;
    // SAFETY: a plain pthread_create with default attributes; on failure
    // the box is taken back here, on success the thread owns it.
    let made = unsafe { libc::pthread_create(&mut thread, std::ptr::null(), trampoline, arg) };
    if made != 0 {
        drop(unsafe { Box::from_raw(arg as *mut Body) });
        return None;
    }
    Some(Joinable(thread))
}

impl Joinable {
    /// Waits for the thread to end.
    pub fn join(self) {
        // SAFETY: the thread was made by `spawn`, and is joined once.
        unsafe { libc::pthread_join(self.0, std::ptr::null_mut()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn the_body_runs_and_is_joined_even_when_it_panics() {
        let ran = Arc::new(AtomicBool::new(false));
        let seen = ran.clone();
        spawn(move || seen.store(true, Ordering::SeqCst))
            .unwrap()
            .join();
        assert!(ran.load(Ordering::SeqCst));
        spawn(|| panic!("inside the worker")).unwrap().join();
    }
}
