//! The module's lifetime: load, reload, unload, and the state between them.
//! A configuration is all or nothing: a valid file is put in force whole,
//! an invalid one changes nothing, also across FreeSWITCH's own `reload
//! mod_grouppickup` (an unload and a load; see [`KEPT`]).

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

/// The FreeSWITCH global variable that keeps the XML of the configuration
/// last put in force. It outlives the module: FreeSWITCH's `reload
/// mod_grouppickup` is an unload and a load, and a load whose file is
/// invalid comes up with this one instead, as a refused reload keeps the
/// running configuration.
const KEPT: &str = "grouppickup_last_good_config";

/// A configuration's XML text, validated.
fn parse_text(text: &str) -> Result<Config, Vec<String>> {
    let mut collected = Collected::default();
    if !host::walk_config(text, &mut collected) {
        return Err(vec![format!("{}: not XML", config_xml::FILE)]);
    }
    config_xml::parse(&collected.0)
}

/// Reads and validates the configuration file, with its text; every
/// problem is logged.
fn read_config() -> Option<(Config, String)> {
    let Some(text) = host::config_text(config_xml::NAME) else {
        log::error(&format!(
            "grouppickup: {} was not found or is not valid XML (FreeSWITCH's log above says which); \
             see freeswitch-conf/grouppickup.conf.xml for a sample",
            config_xml::FILE
        ));
        return None;
    };
    match parse_text(&text) {
        Ok(config) => Some((config, text)),
        Err(errors) => {
            for e in &errors {
                log::error(&format!("grouppickup: {e}"));
            }
            None
        }
    }
}

/// The configuration a load starts with: the file's, or, when the file is
/// invalid and this FreeSWITCH has run the module before, the one last in
/// force. None (the load is refused) on a first load with an invalid file.
fn config_to_load() -> Option<Config> {
    if let Some((config, text)) = read_config() {
        host::set_global(KEPT, &text);
        return Some(config);
    }
    let kept = host::global(KEPT)?;
    match parse_text(&kept) {
        Ok(config) => {
            log::error(&format!(
                "grouppickup: {} is invalid (above), so it was not applied: mod_grouppickup \
                 comes up with the configuration it last had in force; fix the file, then \
                 `reload mod_grouppickup` or `grouppickup reload`",
                config_xml::FILE
            ));
            Some(config)
        }
        Err(errors) => {
            for e in &errors {
                log::error(&format!(
                    "grouppickup: the configuration last in force: {e}"
                ));
            }
            None
        }
    }
}

pub fn load() -> bool {
    let Some(config) = config_to_load() else {
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
    let Some((config, text)) = read_config() else {
        log::error("grouppickup: reload refused; the configuration in force is unchanged");
        return Err("the configuration file is invalid (the log says why); the configuration in force is unchanged".into());
    };
    host::set_global(KEPT, &text);
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
