//! Ranges of group numbers, configured like call park orbits, with the rules
//! Lync enforces: same length at both ends, start <= end, `*`/`#` ranges start
//! at 100 or more, and no two ranges overlap.

use super::number::{GroupNumber, Prefix};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub name: String,
    pub start: GroupNumber,
    pub end: GroupNumber,
}

impl Range {
    /// Checks the rules that concern one range alone.
    pub fn new(name: &str, start: GroupNumber, end: GroupNumber) -> Result<Range, String> {
        if !start.same_shape(&end) {
            return Err(format!(
                "start {start} and end {end} must have the same length and the same leading * or #"
            ));
        }
        if start > end {
            return Err(format!("start {start} is greater than end {end}"));
        }
        if start.prefix() != Prefix::None && start.value() < 100 {
            return Err(format!(
                "a range starting with * or # needs a numeric part of at least 100 (got {start}; the smallest is {}100)",
                &start.to_string()[..1]
            ));
        }
        Ok(Range {
            name: name.to_string(),
            start,
            end,
        })
    }

    pub fn contains(&self, number: &GroupNumber) -> bool {
        self.start.same_shape(number) && self.start <= *number && *number <= self.end
    }

    pub fn overlaps(&self, other: &Range) -> bool {
        self.start.same_shape(&other.start) && self.start <= other.end && other.start <= self.end
    }

    pub fn len(&self) -> u32 {
        self.end.value() - self.start.value() + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every number of the range, in order.
    pub fn numbers(&self) -> impl Iterator<Item = GroupNumber> + '_ {
        (self.start.value()..=self.end.value()).map(|v| self.start.with_value(v))
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// All configured ranges; guaranteed disjoint.
#[derive(Clone, Debug, Default)]
pub struct Ranges {
    ranges: Vec<Range>,
}

impl Ranges {
    /// Adds a range, refusing one that overlaps or repeats an existing one.
    pub fn add(&mut self, range: Range) -> Result<(), String> {
        if let Some(other) = self.ranges.iter().find(|r| r.overlaps(&range)) {
            return Err(format!(
                "range {range} overlaps range {other} of section [{}]",
                other.name
            ));
        }
        self.ranges.push(range);
        Ok(())
    }

    /// The range a number belongs to, if any. There are few ranges, so a
    /// scan of them is the fastest lookup there is.
    pub fn find(&self, number: &GroupNumber) -> Option<&Range> {
        self.ranges.iter().find(|r| r.contains(number))
    }

    pub fn contains(&self, number: &GroupNumber) -> bool {
        self.find(number).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Range> {
        self.ranges.iter()
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many group numbers all ranges hold together.
    pub fn total_numbers(&self) -> u64 {
        self.ranges.iter().map(|r| r.len() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(a: &str, b: &str) -> Result<Range, String> {
        Range::new("r", a.parse().unwrap(), b.parse().unwrap())
    }

    #[test]
    fn valid_ranges() {
        for (a, b) in [
            ("*100", "*199"),
            ("#6000", "#6999"),
            ("300", "399"),
            ("1", "9"),
            ("*92000", "*92000"),
        ] {
            range(a, b).unwrap();
        }
        assert_eq!(range("*100", "*199").unwrap().len(), 100);
    }

    #[test]
    fn invalid_ranges_say_why() {
        assert!(range("*100", "*1000").unwrap_err().contains("same length"));
        assert!(range("*100", "#199").unwrap_err().contains("same length"));
        assert!(range("*199", "*100").unwrap_err().contains("greater"));
        assert!(range("*99", "*99").unwrap_err().contains("at least 100"));
        assert!(range("#5", "#9").unwrap_err().contains("#100"));
    }

    #[test]
    fn membership_respects_shape() {
        let r = range("*100", "*199").unwrap();
        assert!(r.contains(&"*150".parse().unwrap()));
        assert!(!r.contains(&"150".parse().unwrap()));
        assert!(!r.contains(&"#150".parse().unwrap()));
        assert!(!r.contains(&"*200".parse().unwrap()));
        assert!(!r.contains(&"*1500".parse().unwrap()));
        let all: Vec<String> = r.numbers().map(|n| n.to_string()).collect();
        assert_eq!(all.first().unwrap(), "*100");
        assert_eq!(all.last().unwrap(), "*199");
        assert_eq!(all.len(), 100);
    }

    #[test]
    fn overlapping_ranges_are_refused() {
        let mut rs = Ranges::default();
        rs.add(range("*100", "*199").unwrap()).unwrap();
        assert!(rs.add(range("*150", "*250").unwrap()).is_err());
        assert!(rs.add(range("*100", "*199").unwrap()).is_err());
        rs.add(range("#100", "#199").unwrap()).unwrap();
        rs.add(range("100", "199").unwrap()).unwrap();
        rs.add(range("*1000", "*1999").unwrap()).unwrap();
        assert_eq!(rs.len(), 4);
        assert_eq!(rs.total_numbers(), 1300);
        assert!(rs.find(&"*1500".parse().unwrap()).is_some());
        assert!(rs.find(&"*99".parse().unwrap()).is_none());
    }
}
