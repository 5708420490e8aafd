//! The module's lifetime: load, reload and unload, and the state that lives
//! between them.
//!
//! State uses std's locks (futex based, no per-thread data): a lock that
//! keeps per-thread data with a destructor would make the C library keep
//! this shared object mapped after `module unload`, and the next
//! `module load` would then find it already there and fail.

use super::cluster::{self, Membership};
use super::extensions::{self, Registered};
use super::host::{self, config::memory_trim, events};
use super::{assignments, config_file, guard, lamps, log};
use grouppickup_cluster::Cluster;
use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::cluster_config::ClusterSettings;
use grouppickup_core::config::ConfigError;
use grouppickup_core::shared::SharedRegistry;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

pub struct Module {
    pub arbiter: Arbiter,
    extensions: Mutex<Registered>,
    /// This server's membership of a cluster (`[cluster]`), if any.
    membership: Mutex<Option<Membership>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Module {
    /// The cluster this server is in, if any.
    pub fn cluster(&self) -> Option<Arc<Cluster>> {
        lock(&self.membership).as_ref().map(|m| m.cluster.clone())
    }

    /// The `[cluster]` settings in force, if any.
    pub fn cluster_settings(&self) -> Option<ClusterSettings> {
        lock(&self.membership).as_ref().map(|m| m.settings.clone())
    }

    /// Joins, changes or leaves the cluster as the configuration says.
    fn follow_cluster(&self, wanted: Option<&ClusterSettings>) {
        let mut membership = lock(&self.membership);
        if membership.as_ref().map(|m| &m.settings) == wanted {
            return;
        }
        if let Some(old) = membership.take() {
            self.arbiter.set_shared(None);
            cluster::leave(old);
        }
        if let Some(settings) = wanted {
            match cluster::join(settings) {
                Ok(joined) => {
                    let shared: Arc<dyn SharedRegistry> = joined.cluster.clone();
                    self.arbiter.set_shared(Some(shared));
                    *membership = Some(joined);
                }
                Err(e) => log::error(&format!(
                    "grouppickup: {e}; this server picks up its own calls alone"
                )),
            }
        }
    }

    /// Leaves the cluster, if in one (unload).
    fn leave_cluster(&self) {
        if let Some(old) = lock(&self.membership).take() {
            self.arbiter.set_shared(None);
            cluster::leave(old);
        }
    }

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
        membership: Mutex::new(None),
    });
    assignments::load(&module);
    *MODULE.write().unwrap_or_else(|e| e.into_inner()) = Some(module.clone());
    // Registered once the module answers for its device state: a hint asks
    // for the state of its device as soon as it is added.
    *module.extensions.lock().unwrap_or_else(|e| e.into_inner()) =
        extensions::register(&module.arbiter.config());
    module.follow_cluster(module.arbiter.config().cluster.as_ref());
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
    let cluster = config.cluster.clone();
    assignments::reload(&module, config);
    module.follow_cluster(cluster.as_ref());
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
        // First: its worker may still be telling the module something.
        module.leave_cluster();
        lamps::all_off(&module.arbiter);
        let registered =
            std::mem::take(&mut *module.extensions.lock().unwrap_or_else(|e| e.into_inner()));
        extensions::unregister(registered);
    }
}
