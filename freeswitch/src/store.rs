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

fn entries() -> BTreeMap<String, String> {
    let Ok(text) = fs::read_to_string(path()) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The stored assignments, and the entries that cannot be read.
pub fn read() -> (Assignments, Vec<String>) {
    let entries = entries();
    Assignments::from_db(
        &path().display().to_string(),
        entries.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// Writes one change; the whole file is replaced at once (a new file
/// renamed over the old), so a crash never leaves half of it.
pub fn write(persist: &Persist) -> Result<(), String> {
    let mut all = entries();
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
