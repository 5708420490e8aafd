//! Runtime group assignments (`grouppickup set|clear|reset user`), kept in
//! a small file in FreeSWITCH's db directory so they survive a restart:
//! one `user=value` line each, the value in the core's stored form.

use super::host;
use grouppickup_core::assignments::{Assignments, Persist};
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

pub fn path() -> PathBuf {
    PathBuf::from(host::db_dir()).join("grouppickup_assignments.conf")
}

/// The file's `user=value` entries and the lines that are not one (a file
/// that does not exist yet holds none); Err when it cannot be read.
type Entries = (BTreeMap<String, String>, Vec<String>);

fn entries() -> Result<Entries, String> {
    let path = path();
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(format!("{}: cannot be read: {e}", path.display())),
    };
    let mut problems = Vec::new();
    let mut all = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => {
                all.insert(k.trim().to_string(), v.trim().to_string());
            }
            None => problems.push(format!(
                "{}:{}: '{}' is not an assignment (expected user=value); ignored",
                path.display(),
                n + 1,
                line.trim()
            )),
        }
    }
    Ok((all, problems))
}

/// The stored assignments, and the entries that cannot be read.
pub fn read() -> (Assignments, Vec<String>) {
    let (entries, mut problems) = entries().unwrap_or_else(|e| {
        let problem = format!("{e}; the runtime assignments in it are not in force");
        (BTreeMap::new(), vec![problem])
    });
    let (assignments, invalid) = Assignments::from_db(
        &path().display().to_string(),
        entries.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    problems.extend(invalid);
    (assignments, problems)
}

/// Writes one change; the whole file is replaced at once (a new file
/// renamed over the old), so a crash never leaves half of it.
pub fn write(persist: &Persist) -> Result<(), String> {
    // Lines that are not assignments were reported at load and go.
    let (mut all, _) = entries().map_err(|e| {
        format!("the change is in force but was not saved ({e}); it will not survive a restart")
    })?;
    match persist {
        Persist::Put { user, value } => {
            all.insert(user.clone(), value.clone());
        }
        Persist::Delete { user } => {
            all.remove(user);
        }
    }
    let text: String = all.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let path = path();
    let tmp = path.with_extension("conf.new");
    fs::write(&tmp, text)
        .and_then(|_| fs::rename(&tmp, &path))
        .map_err(|e| {
            format!(
                "the change is in force but could not be saved in {}: {e}; it will not survive a restart",
                path.display()
            )
        })
}
