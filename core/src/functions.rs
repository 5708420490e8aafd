//! The dialplan functions' values: `GROUPPICKUP_GROUP(user)` and
//! `GROUPPICKUP_RINGING(number)`.

use super::arbiter::Arbiter;
use super::quote::quote;

/// The user's group number; empty when the user has no group or is not
/// configured (a dialplan can ask about any caller).
pub fn group_of(arbiter: &Arbiter, user: &str) -> String {
    arbiter
        .config()
        .users
        .get(user.trim())
        .and_then(|u| u.group)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// How many pickable calls ring in the group now.
pub fn ringing(arbiter: &Arbiter, dialed: &str) -> Result<usize, String> {
    let config = arbiter.config();
    let group = config.resolve(dialed.trim()).ok_or_else(|| {
        format!(
            "'{}' is not a group number of any configured range (see grouppickup show ranges)",
            quote(dialed)
        )
    })?;
    Ok(arbiter.ringing_in(&group))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring_time::RingTime;
    use crate::test_support::{arbiter, dialed_leg};

    #[test]
    fn values() {
        let conf = "[r]\ntype=range\nstart=*100\nend=*199\n\
                    [alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*101\n\
                    [bob]\ntype=user\nendpoint=PJSIP/bob\n";
        let r = arbiter(conf);
        assert_eq!(group_of(&r, "alice"), "*101");
        assert_eq!(group_of(&r, "bob"), "");
        assert_eq!(group_of(&r, "nobody"), "");
        assert_eq!(ringing(&r, "*101"), Ok(0));
        let leg = dialed_leg("1", "PJSIP/alice-00000001");
        r.on_leg(&leg, RingTime::now(), || false);
        assert_eq!(ringing(&r, "*101"), Ok(1));
        assert_eq!(ringing(&r, "*102"), Ok(0));
        assert!(ringing(&r, "*300").is_err());
        assert!(ringing(&r, "").is_err());
    }
}
