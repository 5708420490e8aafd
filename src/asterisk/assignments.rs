//! Runtime group assignments in Asterisk's database: read at load and at
//! reload, written by `set user` / `clear user` and deleted by `reset user`
//! (CLI and AMI).

use super::host::{db, events};
use super::log;
use super::module::Module;
use grouppickup_core::assignments::{Assignments, Persist};
use grouppickup_core::config::Config;

/// The AstDB family the assignments live in (key = user).
pub const DB_FAMILY: &str = "grouppickup";

/// Puts the stored assignments in force; reports those that cannot be.
pub fn load(module: &Module) {
    let (assignments, mut problems) = read();
    let count = assignments.len();
    problems.extend(module.arbiter.replace_assignments(assignments));
    report(&problems);
    if count > 0 {
        log::verbose(&format!(
            "grouppickup: {count} runtime group assignment(s) from the AstDB"
        ));
    }
}

/// `module reload`: the new file, with the AstDB read again (an entry
/// deleted with `database del` is gone), both in force at once.
pub fn reload(module: &Module, file: Config) {
    let (assignments, mut problems) = read();
    problems.extend(module.arbiter.replace_sources(file, assignments));
    report(&problems);
}

/// The AstDB's entries; those that cannot be read are reported.
fn read() -> (Assignments, Vec<String>) {
    let mut entries: Vec<(String, String)> = Vec::new();
    db::read(DB_FAMILY, |key, value| {
        entries.push((key.to_string(), value.to_string()))
    });
    Assignments::from_db(
        &format!("AstDB /{DB_FAMILY}"),
        entries.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

pub fn report(problems: &[String]) {
    for p in problems {
        log::warning(&format!("grouppickup: {p}"));
    }
}

pub fn set(module: &Module, user: &str, group: &str) -> Result<String, String> {
    let persist = module.arbiter.set_user(user, group)?;
    let config = module.arbiter.config();
    let number = config.users.get(user).and_then(|u| u.group);
    share(module, &persist);
    store(&persist)?;
    // A call that rang while the user was in no group is filed now.
    events::replay();
    module.lamps_refresh();
    let message = format!(
        "{user} is now a member of group {}",
        number.map(|n| n.to_string()).unwrap_or_default()
    );
    log::verbose(&format!("grouppickup: {message}"));
    Ok(format!("{message}\n"))
}

pub fn clear(module: &Module, user: &str) -> Result<String, String> {
    let before = module
        .arbiter
        .config()
        .users
        .get(user)
        .and_then(|u| u.group);
    let persist = module.arbiter.clear_user(user)?;
    share(module, &persist);
    store(&persist)?;
    module.lamps_refresh();
    let message = match before {
        Some(n) => format!("{user} is no longer a member of group {n}"),
        None => format!("{user} was in no group"),
    };
    log::verbose(&format!("grouppickup: {message}"));
    Ok(format!("{message}\n"))
}

/// Hands a change to every server of the cluster, if in one (each puts it
/// in force and in its own AstDB within a second).
fn share(module: &Module, persist: &Persist) {
    if let Some(cluster) = module.cluster() {
        match persist {
            Persist::Put { user, value } => cluster.assign(user, Some(value)),
            Persist::Delete { user } => cluster.assign(user, None),
        }
    }
}

/// `reset user`: back on the file's `group =` at once, the AstDB entry gone.
pub fn reset(module: &Module, user: &str) -> Result<String, String> {
    let persist = module.arbiter.reset_user(user)?;
    share(module, &persist);
    store(&persist)?;
    // Back in the file's group: a call ringing at the user is filed there.
    events::replay();
    module.lamps_refresh();
    let message = match module
        .arbiter
        .config()
        .users
        .get(user)
        .and_then(|u| u.group)
    {
        Some(n) => format!("{user} is back in group {n}, as the configuration file says"),
        None => format!("{user} is back in no group, as the configuration file says"),
    };
    log::verbose(&format!("grouppickup: {message}"));
    Ok(format!("{message}\n"))
}

/// Writes a change to the AstDB. The change is already in force; a failure
/// here only means it would not survive a restart, and says so.
fn store(persist: &Persist) -> Result<(), String> {
    let (user, failed) = match persist {
        Persist::Put { user, value } => (user, !db::put(DB_FAMILY, user, value)),
        Persist::Delete { user } => {
            // Deleting a key that is not there is no failure.
            db::del(DB_FAMILY, user);
            (user, false)
        }
    };
    if failed {
        return Err(format!(
            "the change for {user} is in force but could not be saved in the AstDB; it will not survive a restart"
        ));
    }
    Ok(())
}
