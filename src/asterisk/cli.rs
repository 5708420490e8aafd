//! The `grouppickup` CLI commands, declared once here: their words, summary,
//! usage text, what each argument completes to, and what runs them. The
//! shim builds Asterisk's CLI entries from [`COMMANDS`] at load; the text
//! comes from the core's views, set/clear go through the assignments.
//!
//! A new command is one more entry in [`COMMANDS`] (and the view that prints
//! its text); nothing in C or in the shim's header changes.

use super::host::text::c_lines as lines;
use super::host::{self, CliCommand, CliOutcome as Outcome};
use super::module::{self, Module};
use super::{assignments, WORDS};
use grouppickup_core::view;
use std::ffi::CStr;

/// What an argument after the command words is, for checking and for Tab.
#[derive(Clone, Copy)]
enum Arg {
    /// A configured user; completes to the users.
    User,
    /// A group number; completes to the groups in use.
    Group,
    /// This keyword and no other.
    Word(&'static str),
}

/// One CLI command. Its strings are C strings that live as long as the
/// module is mapped, so the shim keeps pointers to them.
struct Command {
    /// The command words, `grouppickup show group`.
    words: &'static CStr,
    summary: &'static CStr,
    usage: &'static CStr,
    /// The arguments after the words, exactly these many.
    args: &'static [Arg],
    /// The text to print, or an error (printed, and the command fails),
    /// given the arguments after the words (keywords included).
    run: fn(&Module, &[&str]) -> Result<String, String>,
}

/// Every command, in the order the shim registers them.
static COMMANDS: &[Command] = &[
    Command {
        words: c"grouppickup show ranges",
        summary: c"Show group call pickup ranges",
        usage: lines!(
            "Usage: grouppickup show ranges\n",
            "       Lists the ranges of group numbers and the context they are registered in.\n",
        ),
        args: &[],
        run: |m, _| Ok(view::ranges(&m.arbiter)),
    },
    Command {
        words: c"grouppickup show groups",
        summary: c"Show group call pickup groups",
        usage: lines!(
            "Usage: grouppickup show groups\n",
            "       Lists the group numbers in use: members, settings and calls ringing now.\n",
        ),
        args: &[],
        run: |m, _| Ok(view::groups(&m.arbiter)),
    },
    Command {
        words: c"grouppickup show group",
        summary: c"Show one group call pickup group",
        usage: lines!(
            "Usage: grouppickup show group <number>\n",
            "       Shows one group: its settings, its members and the calls ringing in it\n",
            "       now, oldest first.\n",
        ),
        args: &[Arg::Group],
        run: |m, a| view::group(&m.arbiter, a[0], &WORDS),
    },
    Command {
        words: c"grouppickup show user",
        summary: c"Show a group call pickup user",
        usage: lines!(
            "Usage: grouppickup show user <user>\n",
            "       Shows a user: devices, group, whether the group comes from\n",
            "       grouppickup.conf or from a runtime change, and exclusions.\n",
        ),
        args: &[Arg::User],
        run: |m, a| view::user(&m.arbiter, a[0], &WORDS),
    },
    Command {
        words: c"grouppickup show ringing",
        summary: c"Show calls that can be picked up now",
        usage: lines!(
            "Usage: grouppickup show ringing\n",
            "       Lists the pickable calls ringing now, oldest first.\n",
        ),
        args: &[],
        run: |m, _| Ok(view::ringing(&m.arbiter)),
    },
    Command {
        words: c"grouppickup show cluster",
        summary: c"Show the group call pickup cluster",
        usage: lines!(
            "Usage: grouppickup show cluster\n",
            "       Shows this server's name in the cluster, the registry (address, current\n",
            "       master), its state (connected, or degraded since when) and each live\n",
            "       server with its heartbeat age and calls ringing.\n",
        ),
        args: &[],
        run: |m, _| match m.cluster() {
            Some(cluster) => Ok(super::cluster::status_text(&cluster.status())),
            None => Err(
                "this server is in no cluster (grouppickup.conf has no [cluster] section)".into(),
            ),
        },
    },
    Command {
        words: c"grouppickup show stats",
        summary: c"Show group call pickup statistics",
        usage: lines!(
            "Usage: grouppickup show stats\n",
            "       Counters since load: calls tracked, pickups, failures by reason,\n",
            "       and the calls ringing now.\n",
        ),
        args: &[],
        run: |m, _| Ok(view::stats(&m.arbiter)),
    },
    Command {
        words: c"grouppickup set user",
        summary: c"Assign a user to a group call pickup group",
        usage: lines!(
            "Usage: grouppickup set user <user> group <number>\n",
            "       Makes <user> a member of group <number> (and of no other group) at once.\n",
            "       The change is kept in the AstDB (family grouppickup) and survives\n",
            "       restarts, on top of grouppickup.conf.\n",
        ),
        args: &[Arg::User, Arg::Word("group"), Arg::Group],
        run: |m, a| assignments::set(m, a[0], a[2]),
    },
    Command {
        words: c"grouppickup clear user",
        summary: c"Take a user out of its group call pickup group",
        usage: lines!(
            "Usage: grouppickup clear user <user>\n",
            "       Takes <user> out of its group at once. The change is kept in the AstDB\n",
            "       (family grouppickup) and survives restarts, on top of grouppickup.conf.\n",
        ),
        args: &[Arg::User],
        run: |m, a| assignments::clear(m, a[0]),
    },
    Command {
        words: c"grouppickup reset user",
        summary: c"Put a user back in its group call pickup group from grouppickup.conf",
        usage: lines!(
            "Usage: grouppickup reset user <user>\n",
            "       Undoes set user and clear user for <user>: the group = of grouppickup.conf\n",
            "       is in force again at once, and the user's AstDB entry is deleted.\n",
        ),
        args: &[Arg::User],
        run: |m, a| assignments::reset(m, a[0]),
    },
];

/// How many commands there are.
pub fn count() -> usize {
    COMMANDS.len()
}

/// The words, summary and usage of command `index`, for the shim to
/// register; `None` for no such command.
pub fn describe(index: usize) -> Option<CliCommand> {
    let command = COMMANDS.get(index)?;
    Some(host::cli::command(
        command.words,
        command.summary,
        command.usage,
    ))
}

/// How many words the command itself has (`grouppickup show group`: 3).
fn word_count(command: &Command) -> usize {
    command
        .words
        .to_bytes()
        .split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .count()
}

/// Runs command `index` given its whole argument vector (`grouppickup show ...`).
pub fn run(index: usize, args: &[String]) -> (Outcome, String) {
    let Some(command) = COMMANDS.get(index) else {
        return (Outcome::GP_CLI_FAILED, String::new());
    };
    let Some(module) = module::get() else {
        return (Outcome::GP_CLI_FAILED, "grouppickup is not loaded\n".into());
    };
    let given = args.get(word_count(command)..).unwrap_or_default();
    let fits = given.len() == command.args.len()
        && command
            .args
            .iter()
            .zip(given)
            .all(|(arg, value)| match arg {
                Arg::Word(word) => value == word,
                Arg::User | Arg::Group => true,
            });
    if !fits {
        return (Outcome::GP_CLI_USAGE, String::new());
    }
    let given: Vec<&str> = given.iter().map(String::as_str).collect();
    match (command.run)(&module, &given) {
        Ok(text) => (Outcome::GP_CLI_OK, text),
        Err(e) => (Outcome::GP_CLI_FAILED, format!("{e}\n")),
    }
}

/// The `state`-th completion of `word` at argument position `pos` of
/// command `index`.
pub fn complete(index: usize, pos: usize, word: &str, state: usize) -> Option<String> {
    let command = COMMANDS.get(index)?;
    let arg = command.args.get(pos.checked_sub(word_count(command))?)?;
    let module = module::get()?;
    let arbiter = &module.arbiter;
    let candidates: Vec<String> = match arg {
        Arg::User => arbiter.config().users.keys().cloned().collect(),
        Arg::Group => view::groups_in_use(arbiter)
            .iter()
            .map(ToString::to_string)
            .collect(),
        Arg::Word(keyword) => vec![keyword.to_string()],
    };
    view::complete(candidates, word).into_iter().nth(state)
}
