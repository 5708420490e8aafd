//! The Asterisk Manager Interface texts: the `GroupPickup` and
//! `GroupPickupFailed` events, and the lists `GroupPickupShow` answers with.
//! Headers are `Key: value` lines; a value never carries a line break, so no
//! input can forge a header or end a message early.

use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::number::GroupNumber;
use grouppickup_core::quote::quote;
use grouppickup_core::ring_time::RingTime;
use grouppickup_core::ringing::Claim;
use grouppickup_core::view::groups_in_use;
use std::fmt::Write;

/// A header value: line breaks become spaces.
pub fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

/// The headers of one event, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<(&'static str, String)>);

impl Headers {
    pub fn add(mut self, key: &'static str, value: impl ToString) -> Headers {
        self.0.push((key, one_line(&value.to_string())));
        self
    }

    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `Key: value\r\n` for each header.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.0 {
            let _ = write!(out, "{key}: {value}\r\n");
        }
        out
    }
}

/// Event `GroupPickup`: `picker` took the call `claim` through its leg
/// `target`, at `now`; in a cluster, `nodes` are the server the call rang
/// on and the picker's server.
pub fn pickup_event(
    claim: &Claim,
    picker: &str,
    target: &str,
    now: RingTime,
    nodes: Option<(String, String)>,
) -> Headers {
    let headers = Headers::default()
        .add("Group", claim.group)
        .add("PickerChannel", picker)
        .add("TargetChannel", target)
        .add("Callee", &claim.user)
        .add("CallerIDNum", &claim.caller_number)
        .add("CallerIDName", &claim.caller_name)
        .add("RingTime", claim.rang_at.elapsed_at(now).as_millis());
    match nodes {
        Some((node, picker_node)) => headers.add("Node", node).add("PickerNode", picker_node),
        None => headers,
    }
}

/// Event `GroupPickupFailed`; `group` is what the picker dialed.
pub fn failed_event(group: &str, picker: &str, reason: &str) -> Headers {
    Headers::default()
        .add("Group", group)
        .add("PickerChannel", picker)
        .add("Reason", reason)
}

/// One list item of `GroupPickupShow`: its event name and headers.
pub type Item = (&'static str, Headers);

/// The items `GroupPickupShow` sends: a `GroupPickupGroup` per group in use
/// (or only `only`), then a `GroupPickupCall` per call ringing in them,
/// oldest first.
pub fn show(arbiter: &Arbiter, only: Option<&str>) -> Result<Vec<Item>, String> {
    let config = arbiter.config();
    let groups: Vec<GroupNumber> = match only {
        None => groups_in_use(arbiter),
        Some(dialed) => vec![config.resolve(dialed.trim()).ok_or_else(|| {
            format!(
                "Group '{}' is not a group number of any configured range",
                quote(dialed)
            )
        })?],
    };
    let mut items: Vec<Item> = Vec::new();
    for number in &groups {
        let settings = config.groups.get(number).cloned().unwrap_or_default();
        let members: Vec<&str> = config.members(number).iter().map(|u| &*u.name).collect();
        items.push((
            "GroupPickupGroup",
            Headers::default()
                .add("Group", number)
                .add("Name", &settings.name)
                .add("PickupBy", &settings.pickup_by)
                .add("Members", members.join(","))
                .add("Ringing", arbiter.ringing_in(number)),
        ));
    }
    let now = RingTime::now();
    for call in arbiter
        .snapshot()
        .into_iter()
        .filter(|c| groups.contains(&c.group))
    {
        let legs: Vec<&str> = call.legs.iter().map(|l| l.name.as_str()).collect();
        items.push((
            "GroupPickupCall",
            Headers::default()
                .add("Group", call.group)
                .add("Callee", &call.user)
                .add("CallerIDNum", &call.caller_number)
                .add("CallerIDName", &call.caller_name)
                .add("RingTime", call.rang_at.elapsed_at(now).as_millis())
                .add("State", if call.claimed { "pickup" } else { "ringing" })
                .add("Channels", legs.join(",")),
        ));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use grouppickup_core::arbiter::{LegEvent, Origin, Picker};
    use grouppickup_core::config::{sections_from_text, Config};

    fn arbiter() -> Arbiter {
        let conf = "[r]\ntype=range\nstart=*100\nend=*199\n[*101]\ntype=group\nname=Sales\n\
             [alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*101\n";
        Arbiter::new(Config::from_sections(&sections_from_text("t", conf)).unwrap())
    }

    #[test]
    fn values_cannot_forge_headers() {
        let h = Headers::default().add("CallerIDName", "Eve\r\nEvent: Fake");
        assert_eq!(h.render(), "CallerIDName: Eve  Event: Fake\r\n");
    }

    #[test]
    fn events_carry_the_fields() {
        let r = arbiter();
        let leg = LegEvent {
            leg: "1",
            name: "PJSIP/alice-00000001",
            device: "PJSIP/alice",
            origin: Origin::Dial,
            ringing: true,
            caller_number: "100",
            caller_name: "Carl",
            ..LegEvent::default()
        };
        r.on_leg(&leg, RingTime::now(), || false);
        let items = show(&r, None).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].1.get("Members"), Some("alice"));
        assert_eq!(items[0].1.get("Ringing"), Some("1"));
        assert_eq!(items[1].1.get("CallerIDName"), Some("Carl"));
        let claim = r.begin("*101", &Picker::default()).unwrap();
        let e = pickup_event(
            &claim,
            "PJSIP/bob-00000002",
            "PJSIP/alice-00000001",
            RingTime::now(),
            Some(("pbx-a".into(), "pbx-b".into())),
        );
        for (k, v) in [
            ("Group", "*101"),
            ("Callee", "alice"),
            ("CallerIDNum", "100"),
            ("TargetChannel", "PJSIP/alice-00000001"),
            ("Node", "pbx-a"),
            ("PickerNode", "pbx-b"),
        ] {
            assert_eq!(e.get(k), Some(v), "{k}");
        }
        assert!(e.get("RingTime").unwrap().parse::<u64>().is_ok());
        assert!(show(&r, Some("*300"))
            .unwrap_err()
            .contains("not a group number"));
        assert_eq!(show(&r, Some("*150")).unwrap().len(), 1);
    }
}
