//! The `grouppickup` CLI commands; the shim registers them, the text comes
//! from the core's views, set/clear go through the assignments.

use super::shim::{gp_cli_command as Command, gp_cli_result as Outcome};
use super::{assignments, module, WORDS};
use grouppickup_core::view;

/// Runs a command given its whole argument vector (`grouppickup show ...`).
pub fn run(command: i32, args: &[String]) -> (Outcome, String) {
    let Some(module) = module::get() else {
        return (Outcome::GP_CLI_FAILED, "grouppickup is not loaded\n".into());
    };
    let registry = &module.registry;
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let fixed = |n: usize, text: &dyn Fn() -> String| {
        if args.len() == n {
            (Outcome::GP_CLI_OK, text())
        } else {
            (Outcome::GP_CLI_USAGE, String::new())
        }
    };
    let answer = |n: usize, result: &dyn Fn() -> Result<String, String>| {
        if args.len() != n {
            return (Outcome::GP_CLI_USAGE, String::new());
        }
        match result() {
            Ok(text) => (Outcome::GP_CLI_OK, text),
            Err(e) => (Outcome::GP_CLI_FAILED, format!("{e}\n")),
        }
    };
    match command {
        c if c == Command::GP_CLI_SHOW_RANGES as i32 => fixed(3, &|| view::ranges(registry)),
        c if c == Command::GP_CLI_SHOW_GROUPS as i32 => fixed(3, &|| view::groups(registry)),
        c if c == Command::GP_CLI_SHOW_RINGING as i32 => fixed(3, &|| view::ringing(registry)),
        c if c == Command::GP_CLI_SHOW_STATS as i32 => fixed(3, &|| view::stats(registry)),
        c if c == Command::GP_CLI_SHOW_GROUP as i32 => {
            answer(4, &|| view::group(registry, arg(3), &WORDS))
        }
        c if c == Command::GP_CLI_SHOW_USER as i32 => {
            answer(4, &|| view::user(registry, arg(3), &WORDS))
        }
        c if c == Command::GP_CLI_SET_USER as i32 => {
            if arg(4) != "group" {
                return (Outcome::GP_CLI_USAGE, String::new());
            }
            answer(6, &|| assignments::set(&module, arg(3), arg(5)))
        }
        c if c == Command::GP_CLI_CLEAR_USER as i32 => {
            answer(4, &|| assignments::clear(&module, arg(3)))
        }
        _ => (Outcome::GP_CLI_FAILED, String::new()),
    }
}

/// The `state`-th completion of `word` at argument position `pos`.
pub fn complete(command: i32, pos: usize, word: &str, state: usize) -> Option<String> {
    let module = module::get()?;
    let registry = &module.registry;
    let users = || -> Vec<String> { registry.config().users.keys().cloned().collect() };
    let groups = || -> Vec<String> {
        view::groups_in_use(registry)
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let candidates = match (command, pos) {
        (c, 3) if c == Command::GP_CLI_SHOW_GROUP as i32 => groups(),
        (c, 3)
            if c == Command::GP_CLI_SHOW_USER as i32
                || c == Command::GP_CLI_SET_USER as i32
                || c == Command::GP_CLI_CLEAR_USER as i32 =>
        {
            users()
        }
        (c, 4) if c == Command::GP_CLI_SET_USER as i32 => vec!["group".to_string()],
        (c, 5) if c == Command::GP_CLI_SET_USER as i32 => groups(),
        _ => Vec::new(),
    };
    view::complete(candidates, word).into_iter().nth(state)
}
