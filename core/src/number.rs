//! Group numbers: what a user dials to pick up a call (`*101`, `#6000`, `300`).
//!
//! The accepted form is the one Lync enforces for call pickup ranges:
//! `([*#]?[1-9]\d{0,7})|([1-9]\d{0,8})` — an optional `*` or `#`, a digit 1–9,
//! then digits, at most nine characters in all.

use super::quote::quote;
use std::fmt;
use std::str::FromStr;

/// The optional feature-code character in front of the digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Prefix {
    None,
    Star,
    Hash,
}

impl Prefix {
    fn as_str(self) -> &'static str {
        match self {
            Prefix::None => "",
            Prefix::Star => "*",
            Prefix::Hash => "#",
        }
    }
}

/// A syntactically valid group number. Two numbers are comparable (for
/// ranges) only when they have the same prefix and the same digit count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupNumber {
    prefix: Prefix,
    digits: u8,
    value: u32,
}

/// Why a string is not a group number; the message says what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberError {
    pub value: String,
    pub reason: &'static str,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a group number: {} (expected an optional * or #, then a digit 1-9 and more digits, at most 9 characters, e.g. *101, #6000, 300)",
            quote(&self.value),
            self.reason
        )
    }
}

impl std::error::Error for NumberError {}

impl GroupNumber {
    pub fn prefix(&self) -> Prefix {
        self.prefix
    }

    /// The numeric part, without the prefix.
    pub fn value(&self) -> u32 {
        self.value
    }

    /// How many digits the numeric part has.
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// True when `self` and `other` can bound the same range.
    pub fn same_shape(&self, other: &GroupNumber) -> bool {
        self.prefix == other.prefix && self.digits == other.digits
    }

    /// The number with the same shape and another numeric value.
    pub fn with_value(&self, value: u32) -> GroupNumber {
        GroupNumber { value, ..*self }
    }
}

impl FromStr for GroupNumber {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason| NumberError {
            value: s.to_string(),
            reason,
        };
        if s.is_empty() {
            return Err(fail("it is empty"));
        }
        if s.len() > 9 {
            return Err(fail("it is longer than 9 characters"));
        }
        let (prefix, digits) = match s.as_bytes()[0] {
            b'*' => (Prefix::Star, &s[1..]),
            b'#' => (Prefix::Hash, &s[1..]),
            _ => (Prefix::None, s),
        };
        if digits.is_empty() {
            return Err(fail("no digits follow the prefix"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail(
                "it contains a character other than digits after the optional * or #",
            ));
        }
        if digits.starts_with('0') {
            return Err(fail("the digits start with 0"));
        }
        // At most 8 digits after a prefix, 9 without: both fit in u32.
        let value = digits
            .parse::<u32>()
            .map_err(|_| fail("the digits do not form a number"))?;
        Ok(GroupNumber {
            prefix,
            digits: digits.len() as u8,
            value,
        })
    }
}

impl fmt::Display for GroupNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // pad() honours width and alignment in tables.
        f.pad(&format!("{}{}", self.prefix.as_str(), self.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> GroupNumber {
        s.parse().unwrap()
    }

    #[test]
    fn accepts_the_lync_examples() {
        for s in [
            "#6000",
            "*92000",
            "*95551212",
            "915551212",
            "300",
            "*100",
            "1",
        ] {
            assert_eq!(n(s).to_string(), s);
        }
    }

    #[test]
    fn refuses_malformed_numbers() {
        for s in [
            "",
            "*",
            "#",
            "0",
            "*0100",
            "0123",
            "1234567890",
            "*123456789",
            "12a",
            "**1",
            "+100",
            " 100",
            "١٢٣",
        ] {
            assert!(s.parse::<GroupNumber>().is_err(), "{s:?} should be refused");
        }
    }

    #[test]
    fn shape_and_value() {
        let a = n("*101");
        assert_eq!(a.prefix(), Prefix::Star);
        assert_eq!(a.value(), 101);
        assert_eq!(a.digits(), 3);
        assert!(a.same_shape(&n("*199")));
        assert!(!a.same_shape(&n("#199")));
        assert!(!a.same_shape(&n("*1000")));
        assert_eq!(a.with_value(150).to_string(), "*150");
    }

    #[test]
    fn error_names_value_and_expectation() {
        let e = "*0".parse::<GroupNumber>().unwrap_err().to_string();
        assert!(e.contains("'*0'") && e.contains("expected"), "{e}");
    }
}
