//! Reading SIP messages: the value of a header.

/// The value of a SIP header (name case-insensitive), or "".
pub fn sip_header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
        .unwrap_or("")
}
