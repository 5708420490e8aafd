//! The module's lifetime: load, reload, unload, and the state between them.

use super::config_xml::{self, Collected};
use super::{host, log, notices, store};
use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::config::Config;
use std::sync::{Arc, RwLock};

pub struct Module {
    pub arbiter: Arbiter,
    /// FreeSWITCH's `domain`: group numbers' presence is `<number>@<domain>`.
    pub domain: String,
}

static MODULE: RwLock<Option<Arc<Module>>> = RwLock::new(None);

pub fn get() -> Option<Arc<Module>> {
    MODULE.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Reads and validates the configuration file; every problem is logged.
fn read_config() -> Option<Config> {
    let mut collected = Collected::default();
    if !host::read_config(config_xml::NAME, &mut collected) {
        log::error(&format!(
            "grouppickup: {} was not found or is not valid XML (FreeSWITCH's log above says which); \
             see freeswitch-conf/grouppickup.conf.xml for a sample",
            config_xml::FILE
        ));
        return None;
    }
    match config_xml::parse(&collected.0) {
        Ok(config) => Some(config),
        Err(errors) => {
            for e in &errors {
                log::error(&format!("grouppickup: {e}"));
            }
            None
        }
    }
}

pub fn load() -> bool {
    let Some(config) = read_config() else {
        log::error("grouppickup: mod_grouppickup not loaded: fix the configuration above");
        return false;
    };
    let arbiter = Arbiter::new(config);
    let (assignments, mut problems) = store::read();
    problems.extend(arbiter.replace_assignments(assignments));
    for p in &problems {
        log::warning(&format!("grouppickup: {p}"));
    }
    let config = arbiter.config();
    log::notice(&format!(
        "grouppickup: loaded: {} range(s), {} user(s), group numbers served in context {}",
        config.ranges.iter().count(),
        config.users.len(),
        config.general.context
    ));
    let module = Arc::new(Module {
        arbiter,
        domain: host::domain(),
    });
    *MODULE.write().unwrap_or_else(|e| e.into_inner()) = Some(module);
    true
}

/// `grouppickup reload` and `reloadxml`: the new file and the stored
/// assignments in force at once, or, when the file is invalid, nothing
/// changed.
pub fn reload() -> Result<(), String> {
    let Some(module) = get() else {
        return Err("mod_grouppickup is not loaded".into());
    };
    let Some(config) = read_config() else {
        log::error("grouppickup: reload refused; the configuration in force is unchanged");
        return Err("the configuration file is invalid (the log says why); the configuration in force is unchanged".into());
    };
    let (assignments, mut problems) = store::read();
    problems.extend(module.arbiter.replace_sources(config, assignments));
    for p in &problems {
        log::warning(&format!("grouppickup: {p}"));
    }
    notices::refresh_lamps(&module);
    log::notice("grouppickup: configuration reloaded");
    Ok(())
}

pub fn unload() {
    let module = MODULE.write().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(module) = module {
        notices::lamps_off(&module);
    }
}
