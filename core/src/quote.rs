//! How a value someone typed (a dialplan argument, a CLI or AMI header, a
//! line of the configuration file) appears in a message: escaped, so control
//! characters and line breaks cannot garble a log line, and cut short, so a
//! huge value cannot flood the log.

/// At most this many characters of a value are shown.
const SHOWN: usize = 64;

pub fn quote(value: &str) -> String {
    let mut out: String = value.chars().take(SHOWN).collect::<String>();
    out = out.escape_default().to_string();
    if value.chars().count() > SHOWN {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_cut() {
        assert_eq!(quote("*101"), "*101");
        assert_eq!(quote("a\nb"), "a\\nb");
        assert_eq!(quote("é"), "\\u{e9}");
        let long = "9".repeat(100_000);
        assert_eq!(quote(&long), format!("{}...", "9".repeat(64)));
    }
}
