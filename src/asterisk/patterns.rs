//! Dialplan patterns that match exactly the numbers of a range.
//!
//! A range of 10,000 group numbers registered as 10,000 extensions makes
//! every extension lookup in that context slower: with Asterisk's default
//! matcher (`extenpatternmatchnew = no`) each lookup walks the context's
//! extension list, so loading the numbers and their hints is quadratic and
//! every dial into the context pays for the whole list. A range is instead
//! covered by a few patterns (`*10000`–`*19999` is the single pattern
//! `_*1XXXX`; `*100`–`*137` is `_*1[0-2]X` and `_*13[0-7]`), at most about
//! twenty per digit of the number.

use grouppickup_core::number::GroupNumber;
use grouppickup_core::ranges::Range;

/// The extensions (patterns, or a plain number where a block holds one
/// number) that together match every number of `range` and nothing else.
pub fn range_patterns(range: &Range) -> Vec<String> {
    let width = range.start.digits() as usize;
    let lo = format!("{:0width$}", range.start.value());
    let hi = format!("{:0width$}", range.end.value());
    let start = range.start.to_string();
    // The * or # in front of the digits, if any.
    let prefix = &start[..start.len() - width];
    let mut out = Vec::new();
    cover(lo.as_bytes(), hi.as_bytes(), &mut Vec::new(), &mut out);
    out.into_iter()
        .map(|classes| extension(prefix, &classes))
        .collect()
}

/// One position of a pattern: the digits it accepts, inclusive.
type Class = (u8, u8);

/// Appends to `out` the class sequences covering `lo..=hi` (same length,
/// ASCII digits), each prefixed with `head`.
fn cover(lo: &[u8], hi: &[u8], head: &mut Vec<Class>, out: &mut Vec<Vec<Class>>) {
    let Some((&l, lo_rest)) = lo.split_first() else {
        out.push(head.clone());
        return;
    };
    let (&h, hi_rest) = hi.split_first().expect("same length");
    let all_low = lo_rest.iter().all(|&d| d == b'0');
    let all_high = hi_rest.iter().all(|&d| d == b'9');
    if l == h {
        head.push((l, l));
        cover(lo_rest, hi_rest, head, out);
        head.pop();
        return;
    }
    // lo = l000…, hi = h999…: one class for the first digit, anything after.
    if all_low && all_high {
        let mut pattern = head.clone();
        pattern.push((l, h));
        pattern.extend(std::iter::repeat_n((b'0', b'9'), lo_rest.len()));
        out.push(pattern);
        return;
    }
    let nines = vec![b'9'; lo_rest.len()];
    let zeros = vec![b'0'; lo_rest.len()];
    // The partial block at the low end, the full blocks between, the
    // partial block at the high end.
    let first_full = if all_low { l } else { l + 1 };
    let last_full = if all_high { h } else { h - 1 };
    if !all_low {
        head.push((l, l));
        cover(lo_rest, &nines, head, out);
        head.pop();
    }
    if first_full <= last_full {
        let mut pattern = head.clone();
        pattern.push((first_full, last_full));
        pattern.extend(std::iter::repeat_n((b'0', b'9'), lo_rest.len()));
        out.push(pattern);
    }
    if !all_high {
        head.push((h, h));
        cover(&zeros, hi_rest, head, out);
        head.pop();
    }
}

/// Writes classes in Asterisk's pattern syntax; a sequence of single digits
/// is a plain extension, not a pattern.
fn extension(prefix: &str, classes: &[Class]) -> String {
    let plain = classes.iter().all(|(a, b)| a == b);
    let mut text = String::with_capacity(prefix.len() + classes.len() * 5 + 1);
    if !plain {
        text.push('_');
    }
    text.push_str(prefix);
    for &(a, b) in classes {
        match (a, b) {
            _ if a == b => text.push(a as char),
            (b'0', b'9') => text.push('X'),
            (b'1', b'9') => text.push('Z'),
            (b'2', b'9') => text.push('N'),
            _ => {
                text.push('[');
                text.push(a as char);
                text.push('-');
                text.push(b as char);
                text.push(']');
            }
        }
    }
    text
}

/// Whether `exten` (an extension name as Asterisk stores it) is one of the
/// numbers of `range`.
pub fn is_number_of(exten: &str, range: &Range) -> bool {
    exten
        .parse::<GroupNumber>()
        .is_ok_and(|number| range.contains(&number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(a: &str, b: &str) -> Range {
        Range::new("r", a.parse().unwrap(), b.parse().unwrap()).unwrap()
    }

    /// What an Asterisk pattern (in the subset written here) matches.
    fn matches(pattern: &str, number: &str) -> bool {
        let Some(pattern) = pattern.strip_prefix('_') else {
            return pattern == number;
        };
        let mut chars = number.bytes();
        let mut p = pattern.bytes().peekable();
        while let Some(c) = p.next() {
            let Some(d) = chars.next() else {
                return false;
            };
            let ok = match c {
                b'X' => d.is_ascii_digit(),
                b'Z' => (b'1'..=b'9').contains(&d),
                b'N' => (b'2'..=b'9').contains(&d),
                b'[' => {
                    let a = p.next().unwrap();
                    assert_eq!(p.next(), Some(b'-'));
                    let b = p.next().unwrap();
                    assert_eq!(p.next(), Some(b']'));
                    (a..=b).contains(&d)
                }
                _ => c == d,
            };
            if !ok {
                return false;
            }
        }
        chars.next().is_none()
    }

    /// Every number of the same shape is matched by exactly one pattern if
    /// it is in the range, by none otherwise.
    fn check(a: &str, b: &str) -> usize {
        let r = range(a, b);
        let patterns = range_patterns(&r);
        let first = r.start.with_value(10u32.pow(r.start.digits() as u32 - 1));
        let last = r.start.with_value(10u32.pow(r.start.digits() as u32) - 1);
        for value in first.value()..=last.value() {
            let number = r.start.with_value(value).to_string();
            let hits = patterns.iter().filter(|p| matches(p, &number)).count();
            let want = usize::from(r.contains(&r.start.with_value(value)));
            assert_eq!(hits, want, "{number} in {a}-{b}: {patterns:?}");
        }
        patterns.len()
    }

    #[test]
    fn a_whole_block_is_one_pattern() {
        assert_eq!(range_patterns(&range("*10000", "*19999")), ["_*1XXXX"]);
        assert_eq!(range_patterns(&range("200", "999")), ["_NXX"]);
        assert_eq!(range_patterns(&range("#6000", "#6009")), ["_#600X"]);
        assert_eq!(range_patterns(&range("*101", "*101")), ["*101"]);
    }

    #[test]
    fn ragged_ends_are_split_into_blocks() {
        assert_eq!(
            range_patterns(&range("*100", "*137")),
            ["_*1[0-2]X", "_*13[0-7]"]
        );
        assert_eq!(
            range_patterns(&range("105", "213")),
            ["_10[5-9]", "_1ZX", "_20X", "_21[0-3]"]
        );
    }

    #[test]
    fn patterns_match_exactly_the_range() {
        for (a, b) in [
            ("*100", "*119"),
            ("*100", "*999"),
            ("*123", "*876"),
            ("*999", "*999"),
            ("1000", "1000"),
            ("1001", "9998"),
            ("1234", "5678"),
            ("#1990", "#2010"),
            ("10", "99"),
            ("1", "9"),
            ("3", "7"),
        ] {
            let n = check(a, b);
            assert!(n <= 20 * a.len(), "{a}-{b}: {n} patterns");
        }
    }

    #[test]
    fn a_number_of_the_range_is_recognised() {
        let r = range("*100", "*119");
        assert!(is_number_of("*105", &r));
        assert!(!is_number_of("*120", &r));
        assert!(!is_number_of("_*1[01]X", &r));
        assert!(!is_number_of("105", &r));
    }
}
