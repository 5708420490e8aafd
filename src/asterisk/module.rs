//! The module's lifetime: load, reload and unload, and the state that lives
//! between them.
//!
//! State uses std's locks (futex based, no per-thread data): a lock that
//! keeps per-thread data with a destructor would make the C library keep
//! this shared object mapped after `module unload`, and the next
//! `module load` would then find it already there and fail.

use super::extensions::{self, Registered};
use super::host::{self, config::memory_trim, events};
use super::{assignments, config_file, guard, lamps, log};
use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::config::ConfigError;
use std::sync::{Arc, Mutex, RwLock};

pub struct Module {
    pub arbiter: Arbiter,
    extensions: Mutex<Registered>,
}

impl Module {
    /// Publishes the lamps a configuration or assignment change may have
    /// changed.
    pub fn lamps_refresh(&self) {
        lamps::refresh(&self.arbiter);
    }
}

static MODULE: RwLock<Option<Arc<Module>>> = RwLock::new(None);

/// The loaded module, if any.
pub fn get() -> Option<Arc<Module>> {
    MODULE.read().unwrap_or_else(|e| e.into_inner()).clone()
}

fn log_errors(errors: &[ConfigError], outcome: &str) {
    for e in errors {
        log::error(&format!("grouppickup: {e}"));
    }
    log::error(&format!(
        "grouppickup: {} error(s) in {}; {outcome}",
        errors.len(),
        config_file::FILENAME
    ));
}

/// The configuration, the module's state, its extensions and hints. The
/// shim subscribes to the channel events once this has returned 0.
pub fn load() -> i32 {
    guard::install_panic_hook();
    let config = match config_file::read() {
        Ok(config) => config,
        Err(errors) => {
            log_errors(&errors, "the module is not loaded");
            return -1;
        }
    };
    let module = Arc::new(Module {
        arbiter: Arbiter::new(config),
        extensions: Mutex::new(Registered::default()),
    });
    assignments::load(&module);
    *MODULE.write().unwrap_or_else(|e| e.into_inner()) = Some(module.clone());
    // Registered once the module answers for its device state: a hint asks
    // for the state of its device as soon as it is added.
    *module.extensions.lock().unwrap_or_else(|e| e.into_inner()) =
        extensions::register(&module.arbiter.config());
    memory_trim();
    log::verbose(&format!(
        "grouppickup: loaded ({} range(s), {} user(s); built for Asterisk build options {})",
        module.arbiter.config().ranges.len(),
        module.arbiter.config().users.len(),
        host::module::buildopt_sum()
    ));
    0
}

pub fn reload() -> i32 {
    let Some(module) = get() else {
        return -1;
    };
    let config = match config_file::read() {
        Ok(config) => config,
        Err(errors) => {
            log_errors(&errors, "the running configuration stays in force");
            return -1;
        }
    };
    let mut registered = module.extensions.lock().unwrap_or_else(|e| e.into_inner());
    *registered = extensions::update(std::mem::take(&mut *registered), &config);
    assignments::reload(&module, config);
    // Legs that started ringing while their user was in no group are filed
    // now if the new configuration puts the user in one.
    events::replay();
    module.lamps_refresh();
    drop(registered);
    memory_trim();
    log::verbose("grouppickup: configuration reloaded");
    0
}

/// Asterisk has finished starting: extensions.conf's extensions, loaded
/// after this module, are in the context now; group numbers that are real
/// extensions are reported.
pub fn booted() {
    if let Some(module) = get() {
        let registered = module.extensions.lock().unwrap_or_else(|e| e.into_inner());
        extensions::check(&registered, &module.arbiter.config());
    }
}

pub fn unload() {
    // The shim has stopped the channel events by now (waiting for a handler
    // still running) and removed the application, functions, AMI actions
    // and CLI commands; it removes the device-state provider after this,
    // so it still answers while the hints go.
    let module = MODULE.write().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(module) = module {
        lamps::all_off(&module.arbiter);
        let registered =
            std::mem::take(&mut *module.extensions.lock().unwrap_or_else(|e| e.into_inner()));
        extensions::unregister(registered);
    }
}
