//! Several short strings in one allocation. A ringing call keeps a handful
//! of strings (linkedid, caller number and name, each leg's uniqueid and
//! channel name) for as long as it rings; one allocation for a group of them
//! instead of one each saves the per-string pointer, length and capacity
//! and the allocator's work on the path of every ringing leg.

/// `SPLITS + 1` strings, stored end to end.
#[derive(Clone, PartialEq, Eq)]
pub struct Packed<const SPLITS: usize> {
    text: Box<str>,
    /// Where each string but the last ends.
    ends: [u32; SPLITS],
}

impl<const SPLITS: usize> Packed<SPLITS> {
    /// Packs `parts`, which must be `SPLITS + 1` strings.
    pub fn new(parts: &[&str]) -> Self {
        assert_eq!(parts.len(), SPLITS + 1, "packed strings: wrong count");
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; SPLITS];
        for (i, part) in parts.iter().enumerate() {
            text.push_str(part);
            if i < SPLITS {
                ends[i] =
                    u32::try_from(text.len()).expect("channel strings are shorter than 4 GiB");
            }
        }
        Packed {
            text: text.into_boxed_str(),
            ends,
        }
    }

    /// The string at `index` (0-based).
    #[inline]
    pub fn part(&self, index: usize) -> &str {
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        let end = if index == SPLITS {
            self.text.len()
        } else {
            self.ends[index] as usize
        };
        &self.text[start..end]
    }
}

impl<const SPLITS: usize> std::fmt::Debug for Packed<SPLITS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..=SPLITS).map(|i| self.part(i)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_as_given() {
        let p = Packed::<2>::new(&["1764000000.5", "", "Ünïcode caller"]);
        assert_eq!(p.part(0), "1764000000.5");
        assert_eq!(p.part(1), "");
        assert_eq!(p.part(2), "Ünïcode caller");
        let q = Packed::<1>::new(&["", ""]);
        assert_eq!((q.part(0), q.part(1)), ("", ""));
        assert_eq!(format!("{q:?}"), r#"["", ""]"#);
    }

    #[test]
    #[should_panic(expected = "wrong count")]
    fn the_count_is_checked() {
        Packed::<1>::new(&["a"]);
    }
}
