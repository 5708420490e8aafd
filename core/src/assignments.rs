//! Runtime group assignments: what `grouppickup set user` and `clear user`
//! (CLI or management interface) changed, on top of the configuration file.
//! The host keeps them in a store of its own (key = user, value = what
//! [`Assignment::db_value`] gives) so they survive a restart; the adapter
//! reads and writes the store, this file decides.

use super::config::Config;
use super::number::GroupNumber;
use super::quote::quote;
use std::collections::BTreeMap;

/// The stored value of a user taken out of every group.
const CLEARED: &str = "none";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// The user is a member of this group.
    Group(GroupNumber),
    /// The user is in no group, whatever the file says.
    Cleared,
}

impl Assignment {
    /// The value kept in the host's store.
    pub fn db_value(&self) -> String {
        match self {
            Assignment::Group(n) => n.to_string(),
            Assignment::Cleared => CLEARED.to_string(),
        }
    }

    pub fn from_db_value(value: &str) -> Result<Assignment, String> {
        if value.trim() == CLEARED {
            return Ok(Assignment::Cleared);
        }
        value
            .trim()
            .parse()
            .map(Assignment::Group)
            .map_err(|e: super::number::NumberError| e.to_string())
    }

    fn group(&self) -> Option<GroupNumber> {
        match self {
            Assignment::Group(n) => Some(*n),
            Assignment::Cleared => None,
        }
    }
}

/// A change for the adapter to write to the host's store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Persist {
    Put { user: String, value: String },
    Delete { user: String },
}

/// The runtime assignments, by user.
#[derive(Clone, Debug, Default)]
pub struct Assignments {
    by_user: BTreeMap<String, Assignment>,
}

impl Assignments {
    pub fn len(&self) -> usize {
        self.by_user.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_user.is_empty()
    }

    /// Reads the stored entries; an entry that cannot be read is reported,
    /// under `store` (where it is, e.g. `AstDB /grouppickup`), and skipped
    /// (it stays in the store for the administrator to see).
    pub fn from_db<'a>(
        store: &str,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Assignments, Vec<String>) {
        let mut assignments = Assignments::default();
        let mut problems = Vec::new();
        for (user, value) in entries {
            match Assignment::from_db_value(value) {
                Ok(a) => {
                    assignments.by_user.insert(user.to_string(), a);
                }
                Err(e) => problems.push(format!("{store}/{}: {e}; ignored", quote(user))),
            }
        }
        (assignments, problems)
    }

    /// The file's configuration with the runtime assignments in force. An
    /// assignment the file no longer allows (user gone, number outside every
    /// range) is reported and left out, not deleted: a later reload may make
    /// it valid again.
    pub fn apply(&self, file: &Config) -> (Config, Vec<String>) {
        let mut config = file.clone();
        let mut problems = Vec::new();
        for (user, assignment) in &self.by_user {
            let checked = match assignment {
                Assignment::Group(n) => file.check_assignment(user, &n.to_string()).map(Some),
                Assignment::Cleared => file.check_user(user).map(|_| None),
            };
            match checked {
                Ok(group) => config.assign(user, group),
                Err(e) => problems.push(format!(
                    "runtime assignment of {} to {} is not applied: {e}",
                    quote(user),
                    assignment.db_value()
                )),
            }
        }
        (config, problems)
    }

    /// `set user <user> group <number>`: checked against `file`.
    pub fn set(&mut self, file: &Config, user: &str, group: &str) -> Result<Persist, String> {
        let number = file.check_assignment(user, group)?;
        let assignment = Assignment::Group(number);
        self.by_user.insert(user.to_string(), assignment);
        Ok(Persist::Put {
            user: user.to_string(),
            value: assignment.db_value(),
        })
    }

    /// `clear user <user>`: the user leaves its group. When the file gives
    /// the user no group, no runtime entry is needed any more.
    pub fn clear(&mut self, file: &Config, user: &str) -> Result<Persist, String> {
        let in_file = file.check_user(user)?.group;
        if in_file.is_none() {
            self.by_user.remove(user);
            return Ok(Persist::Delete {
                user: user.to_string(),
            });
        }
        self.by_user.insert(user.to_string(), Assignment::Cleared);
        Ok(Persist::Put {
            user: user.to_string(),
            value: CLEARED.to_string(),
        })
    }

    /// `reset user <user>`: the runtime change goes, the file's `group =`
    /// is in force again, and the host deletes the stored entry.
    pub fn reset(&mut self, file: &Config, user: &str) -> Result<Persist, String> {
        file.check_user(user)?;
        self.by_user.remove(user);
        Ok(Persist::Delete {
            user: user.to_string(),
        })
    }

    /// The runtime assignment of a user, if any: `Some(None)` for cleared.
    pub fn of(&self, user: &str) -> Option<Option<GroupNumber>> {
        self.by_user.get(user).map(Assignment::group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{sections_from_text, Source};

    const CONF: &str = "\
[r]
type = range
start = *100
end = *199
[alice]
type = user
endpoint = PJSIP/alice
group = *101
[bob]
type = user
endpoint = PJSIP/bob
";

    fn file() -> Config {
        Config::from_sections(&sections_from_text("t.conf", CONF)).unwrap()
    }

    #[test]
    fn set_and_clear_apply_on_top_of_the_file() {
        let file = file();
        let mut a = Assignments::default();
        assert_eq!(
            a.set(&file, "bob", "*105"),
            Ok(Persist::Put {
                user: "bob".into(),
                value: "*105".into()
            })
        );
        assert_eq!(
            a.clear(&file, "alice"),
            Ok(Persist::Put {
                user: "alice".into(),
                value: "none".into()
            })
        );
        let (config, problems) = a.apply(&file);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.users["bob"].group.unwrap().to_string(), "*105");
        assert_eq!(config.users["bob"].source, Source::Runtime);
        assert_eq!(config.users["alice"].group, None);
        assert_eq!(file.users["alice"].source, Source::File);
        // A ringing leg finds the user by device: it must see the change,
        // and the file's configuration must not.
        let bob = |c: &Config| c.user_of_device("PJSIP/bob").map(|u| u.group);
        assert_eq!(bob(&config), Some(Some("*105".parse().unwrap())));
        assert_eq!(bob(&file), Some(None));
        // bob has no group in the file: clearing him removes the entry.
        assert_eq!(
            a.clear(&file, "bob"),
            Ok(Persist::Delete { user: "bob".into() })
        );
        assert_eq!(a.of("bob"), None);
        assert_eq!(a.of("alice"), Some(None));
    }

    #[test]
    fn reset_goes_back_to_the_file() {
        let file = file();
        let mut a = Assignments::default();
        a.set(&file, "alice", "*150").unwrap();
        a.set(&file, "bob", "*105").unwrap();
        assert_eq!(
            a.reset(&file, "alice"),
            Ok(Persist::Delete {
                user: "alice".into()
            })
        );
        assert_eq!(a.of("alice"), None);
        let (config, _) = a.apply(&file);
        assert_eq!(config.users["alice"].group.unwrap().to_string(), "*101");
        assert_eq!(config.users["alice"].source, Source::File);
        assert_eq!(config.users["bob"].source, Source::Runtime);
        // A user without a runtime change: nothing to undo, still fine.
        assert!(a.reset(&file, "alice").is_ok());
        let e = a.reset(&file, "carol").unwrap_err();
        assert!(e.contains("no user 'carol'"), "{e}");
    }

    #[test]
    fn assignments_are_checked_like_the_file() {
        let file = file();
        let mut a = Assignments::default();
        let e = a.set(&file, "carol", "*101").unwrap_err();
        assert!(e.contains("no user 'carol'"), "{e}");
        let e = a.set(&file, "bob", "*300").unwrap_err();
        assert!(e.contains("not inside any range"), "{e}");
        let e = a.set(&file, "bob", "%s%n").unwrap_err();
        assert!(e.contains("not a group number"), "{e}");
        assert!(a.is_empty());
    }

    #[test]
    fn stored_entries_survive_a_file_that_no_longer_allows_them() {
        let (a, problems) =
            Assignments::from_db("AstDB /grouppickup", [("bob", "*150"), ("x", "garbage")]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("/grouppickup/x"), "{problems:?}");
        let narrower = CONF.replace("end = *199", "end = *120");
        let file = Config::from_sections(&sections_from_text("t.conf", &narrower)).unwrap();
        let (config, problems) = a.apply(&file);
        assert_eq!(config.users["bob"].group, None);
        assert!(problems[0].contains("not inside any range"), "{problems:?}");
        assert_eq!(a.len(), 1);
    }
}
