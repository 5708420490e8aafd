//! Group numbers and ranges. Each input line is a number (`*101`) or a
//! range (`*100-*199`, `300 399`). The parser must agree with an
//! independent reading of Lync's rule `([*#]?[1-9]\d{0,7})|([1-9]\d{0,8})`
//! and print back what it read; `Range::new` must accept exactly the ranges
//! the rules allow; `Ranges::add` must refuse exactly the overlapping ones;
//! `Ranges::find` must agree with a scan of the accepted ranges.
#![no_main]

use libfuzzer_sys::fuzz_target;


use grouppickup_core::number::{GroupNumber, Prefix};
use grouppickup_core::ranges::{Range, Ranges};

/// The rule, read without the parser's code.
fn lync_valid(s: &str) -> bool {
    let digits = s.strip_prefix(['*', '#']).unwrap_or(s);
    let max = if digits.len() == s.len() { 9 } else { 8 };
    !digits.is_empty()
        && digits.len() <= max
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn number(text: &str) -> Option<GroupNumber> {
    let parsed = text.parse::<GroupNumber>();
    assert_eq!(parsed.is_ok(), lync_valid(text), "{text:?}: {parsed:?}");
    match parsed {
        Ok(n) => {
            assert_eq!(n.to_string(), text);
            let digits = text.trim_start_matches(['*', '#']);
            assert_eq!(n.digits() as usize, digits.len());
            assert_eq!(n.value().to_string(), digits);
            Some(n)
        }
        Err(e) => {
            assert!(e.to_string().contains("expected"), "{e}");
            None
        }
    }
}

fn allowed(start: &GroupNumber, end: &GroupNumber) -> bool {
    start.same_shape(end)
        && start <= end
        && (start.prefix() == Prefix::None || start.value() >= 100)
}

fn overlap(a: &Range, b: &Range) -> bool {
    a.start.same_shape(&b.start)
        && a.start.value() <= b.end.value()
        && b.start.value() <= a.end.value()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut ranges = Ranges::default();
    let mut accepted: Vec<Range> = Vec::new();
    let mut seen: Vec<GroupNumber> = Vec::new();
    for line in text.lines() {
        seen.extend(number(line));
        let Some((a, b)) = line.split_once(['-', ' ']) else {
            continue;
        };
        let (Some(start), Some(end)) = (number(a), number(b)) else {
            continue;
        };
        seen.extend([start, end]);
        let range = match Range::new("fuzz", start, end) {
            Ok(range) => range,
            Err(message) => {
                assert!(!allowed(&start, &end), "{line}: refused: {message}");
                assert!(!message.is_empty());
                continue;
            }
        };
        assert!(allowed(&start, &end), "{line}: accepted");
        assert_eq!(
            u64::from(range.len()),
            u64::from(end.value() - start.value()) + 1
        );
        assert!(range.contains(&start) && range.contains(&end));
        let overlapping = accepted.iter().any(|r| overlap(r, &range));
        match ranges.add(range.clone()) {
            Ok(()) => {
                assert!(!overlapping, "{line}: overlap accepted");
                accepted.push(range);
            }
            Err(message) => assert!(overlapping, "{line}: refused: {message}"),
        }
    }
    assert_eq!(ranges.len(), accepted.len());
    // Every number seen, and its neighbours, is found in the right range.
    let neighbours: Vec<GroupNumber> = seen
        .iter()
        .flat_map(|n| {
            [n.value().checked_sub(1), n.value().checked_add(1)]
                .into_iter()
                .flatten()
                .filter(|v| v.to_string().len() == usize::from(n.digits()))
                .map(|v| n.with_value(v))
        })
        .collect();
    for n in seen.iter().chain(&neighbours) {
        let expected = accepted.iter().find(|r| {
            r.start.same_shape(n) && r.start.value() <= n.value() && n.value() <= r.end.value()
        });
        let found = ranges.find(n);
        assert_eq!(
            found.map(|r| (r.start, r.end)),
            expected.map(|r| (r.start, r.end)),
            "{n}"
        );
        assert_eq!(ranges.contains(n), expected.is_some());
    }
});
