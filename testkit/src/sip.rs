//! Reading SIP messages: the value of a header, the Contact's URI.

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

/// The URI of a message's Contact header (what a request in its dialog is
/// sent to), or "".
pub fn contact_uri(message: &str) -> &str {
    sip_header(message, "contact")
        .trim_start_matches('<')
        .split(['>', ';'])
        .next()
        .unwrap_or("")
}
