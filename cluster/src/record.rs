//! A ringing call as the registry stores it: one text value per call, and a
//! member name `<node>/<call id>` that orders and finds it.

use grouppickup_core::number::GroupNumber;
use grouppickup_core::ring_time::RingTime;

/// Between the fields of a stored call.
const FIELD: char = '\u{1f}';
/// Between the leg names of a stored call.
const LEG: char = '\u{1e}';

/// One pickable call of one server, as every server sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// The server it rings on.
    pub node: String,
    /// Its id on that server: the microsecond it first rang.
    pub id: u64,
    pub group: GroupNumber,
    pub user: String,
    pub caller_number: String,
    pub caller_name: String,
    /// Its legs' names there, for views.
    pub legs: Vec<String>,
}

/// The registry's name of the call `id` ringing on `node`.
pub fn member(node: &str, id: u64) -> String {
    format!("{node}/{id}")
}

/// The node and id of a member name.
pub fn parse_member(member: &str) -> Option<(&str, u64)> {
    let (node, id) = member.rsplit_once('/')?;
    Some((node, id.parse().ok()?))
}

fn clean(text: &str) -> String {
    text.replace([FIELD, LEG], " ")
}

impl CallRecord {
    pub fn member(&self) -> String {
        member(&self.node, self.id)
    }

    pub fn rang_at(&self) -> RingTime {
        RingTime(self.id)
    }

    pub fn encode(&self) -> String {
        let legs: Vec<String> = self.legs.iter().map(|l| clean(l)).collect();
        [
            self.group.to_string(),
            clean(&self.user),
            clean(&self.caller_number),
            clean(&self.caller_name),
            legs.join(&LEG.to_string()),
        ]
        .join(&FIELD.to_string())
    }

    /// Reads a stored call back; `None` for a value this version cannot
    /// read (written by something else), which is then ignored.
    pub fn decode(member: &str, text: &str) -> Option<CallRecord> {
        let (node, id) = parse_member(member)?;
        let mut fields = text.split(FIELD);
        let group = fields.next()?.parse().ok()?;
        let user = fields.next()?.to_string();
        let caller_number = fields.next()?.to_string();
        let caller_name = fields.next()?.to_string();
        let legs = fields.next()?;
        if fields.next().is_some() {
            return None;
        }
        Some(CallRecord {
            node: node.to_string(),
            id,
            group,
            user,
            caller_number,
            caller_name,
            legs: legs
                .split(LEG)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_written() {
        let call = CallRecord {
            node: "pbx-a".into(),
            id: 1_764_000_000_123_456,
            group: "*101".parse().unwrap(),
            user: "alice".into(),
            caller_number: "4255550199".into(),
            caller_name: "Carl \u{1f} Caller".into(),
            legs: vec![
                "PJSIP/alice-00000001".into(),
                "PJSIP/alice-desk-00000002".into(),
            ],
        };
        let back = CallRecord::decode(&call.member(), &call.encode()).unwrap();
        assert_eq!(back.caller_name, "Carl   Caller");
        assert_eq!(back.legs, call.legs);
        assert_eq!(back.member(), "pbx-a/1764000000123456");
        assert_eq!(CallRecord::decode("pbx-a/x", &call.encode()), None);
        assert_eq!(CallRecord::decode("pbx-a/1", "garbage"), None);
        assert_eq!(parse_member("a/b/7"), Some(("a/b", 7)));
    }
}
