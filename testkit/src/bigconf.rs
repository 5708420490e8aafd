//! A generated `grouppickup.conf` at the scale the benchmarks use: one range
//! of group numbers, a `type = group` section per group and users spread
//! evenly over the groups, each with one device `PJSIP/u<index>`.

use std::fmt::Write as _;

/// The group number of group `g` (0-based): `*10000`, `*10001`, ...
pub fn group_number(g: usize) -> String {
    format!("*{}", 10_000 + g)
}

/// The user of index `u`, and its device.
pub fn user_name(u: usize) -> String {
    format!("u{u:06}")
}

pub fn user_device(u: usize) -> String {
    format!("PJSIP/{}", user_name(u))
}

/// User `u` is in group `u % groups`.
pub fn group_of_user(u: usize, groups: usize) -> usize {
    u % groups
}

/// The file's text; `extra` is appended (more users, groups of a test).
pub fn generate(users: usize, groups: usize, extra: &str) -> String {
    assert!(
        (1..=90_000).contains(&groups),
        "groups must fit *10000..*99999"
    );
    let mut text = String::with_capacity(users * 80 + groups * 60);
    let _ = write!(
        text,
        "[general]\ncontext = grouppickup\n\n[bench]\ntype = range\nstart = {}\nend = {}\n\n",
        group_number(0),
        group_number(groups - 1)
    );
    for g in 0..groups {
        let _ = write!(
            text,
            "[{}]\ntype = group\nname = Team {g}\npickup_by = anyone\n\n",
            group_number(g)
        );
    }
    for u in 0..users {
        let _ = write!(
            text,
            "[{}]\ntype = user\nendpoint = {}\ngroup = {}\n\n",
            user_name(u),
            user_device(u),
            group_number(group_of_user(u, groups))
        );
    }
    text.push_str(extra);
    text
}
