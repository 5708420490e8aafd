//! The `grouppickup` API command (fs_cli, event socket): the core's views
//! and runtime assignments, which persist across restarts (store.rs).
//! Output follows FreeSWITCH's habit: text, and `-ERR <why>` on an error.

use super::module::{self, Module};
use super::{log, notices, store};
use grouppickup_core::number::GroupNumber;
use grouppickup_core::view::{self, HostWords};

const USAGE: &str = "usage: grouppickup show ranges|groups|ringing|stats | show group <number> | \
show user <user> | set user <user> group <number> | clear user <user> | reset user <user> | reload";

fn words() -> HostWords {
    fn lamp(n: &GroupNumber) -> String {
        format!("presence {n}@<domain>")
    }
    HostWords {
        lamp,
        store: "grouppickup_assignments.conf",
    }
}

/// Runs one command line; the text to show.
pub fn run(cmd: &str) -> String {
    let args: Vec<&str> = cmd.split_whitespace().collect();
    if args.as_slice() == ["reload"] {
        return match module::reload() {
            Ok(()) => "+OK configuration reloaded\n".into(),
            Err(e) => format!("-ERR {e}\n"),
        };
    }
    let Some(module) = module::get() else {
        return "-ERR mod_grouppickup is not loaded\n".into();
    };
    match answer(&module, &args) {
        Ok(text) => text,
        Err(e) => format!("-ERR {e}\n"),
    }
}

fn answer(module: &Module, args: &[&str]) -> Result<String, String> {
    let arbiter = &module.arbiter;
    Ok(match args {
        ["show", "ranges"] => view::ranges(arbiter),
        ["show", "groups"] => view::groups(arbiter),
        ["show", "ringing"] => view::ringing(arbiter),
        ["show", "stats"] => view::stats(arbiter),
        ["show", "group", number] => view::group(arbiter, number, &words())?,
        ["show", "user", user] => view::user(arbiter, user, &words())?,
        ["set", "user", user, "group", number] => {
            let persist = arbiter.set_user(user, number)?;
            changed(
                module,
                &persist,
                format!("{user} is now a member of group {number}"),
            )?
        }
        ["clear", "user", user] => {
            let persist = arbiter.clear_user(user)?;
            changed(module, &persist, format!("{user} is in no group now"))?
        }
        ["reset", "user", user] => {
            let persist = arbiter.reset_user(user)?;
            let group = arbiter
                .config()
                .users
                .get(*user)
                .and_then(|u| u.group)
                .map_or("no group".to_string(), |g| format!("group {g}"));
            changed(
                module,
                &persist,
                format!("{user} is back in {group}, as the configuration file says"),
            )?
        }
        _ => return Err(USAGE.into()),
    })
}

/// A runtime change in force: saved, lamps refreshed, logged.
fn changed(
    module: &Module,
    persist: &grouppickup_core::assignments::Persist,
    message: String,
) -> Result<String, String> {
    notices::refresh_lamps(module);
    store::write(persist)?;
    log::info(&format!("grouppickup: {message}"));
    Ok(format!("+OK {message}\n"))
}
