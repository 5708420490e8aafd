//! The channels of one ringing call, in the order they started ringing. Most
//! calls ring one device, so one leg is kept inline; a user whose phones
//! ring simultaneously gets a list.

use super::packed::Packed;

/// A leg's id and name.
type Stored = Packed<1>;

/// One channel towards one device, seen inside the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

impl LegRef<'_> {
    pub fn to_leg(self) -> super::ringing::Leg {
        super::ringing::Leg {
            id: self.id.to_string(),
            name: self.name.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Legs {
    One(Stored),
    /// Several legs, or none after the last one went (the call is then
    /// about to be forgotten).
    Many(Vec<Stored>),
}

fn stored(id: &str, name: &str) -> Stored {
    Packed::new(&[id, name])
}

fn view(leg: &Stored) -> LegRef<'_> {
    LegRef {
        id: leg.part(0),
        name: leg.part(1),
    }
}

impl Legs {
    pub fn new(id: &str, name: &str) -> Legs {
        Legs::One(stored(id, name))
    }

    fn slice(&self) -> &[Stored] {
        match self {
            Legs::One(leg) => std::slice::from_ref(leg),
            Legs::Many(legs) => legs,
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = LegRef<'_>> {
        self.slice().iter().map(view)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.slice().iter().any(|l| l.part(0) == id)
    }

    pub fn push(&mut self, id: &str, name: &str) {
        let leg = stored(id, name);
        match std::mem::replace(self, Legs::Many(Vec::new())) {
            Legs::One(first) => *self = Legs::Many(vec![first, leg]),
            Legs::Many(mut legs) => {
                legs.push(leg);
                *self = Legs::Many(legs);
            }
        }
    }

    /// A known leg rang again, perhaps under a new channel name (a
    /// masquerade renames channels).
    pub fn rename(&mut self, id: &str, name: &str) {
        let legs = match self {
            Legs::One(leg) => std::slice::from_mut(leg),
            Legs::Many(legs) => legs.as_mut_slice(),
        };
        if let Some(leg) = legs.iter_mut().find(|l| l.part(0) == id) {
            if leg.part(1) != name {
                *leg = stored(id, name);
            }
        }
    }

    /// Removes a leg; returns false when none is left.
    pub fn remove(&mut self, id: &str) -> bool {
        match self {
            Legs::One(leg) if leg.part(0) == id => {
                *self = Legs::Many(Vec::new());
                false
            }
            Legs::One(_) => true,
            Legs::Many(legs) => {
                if let Some(at) = legs.iter().position(|l| l.part(0) == id) {
                    legs.remove(at);
                }
                if legs.len() == 1 {
                    *self = Legs::One(legs.remove(0));
                    return true;
                }
                !legs.is_empty()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniqueids(legs: &Legs) -> Vec<&str> {
        legs.iter().map(|l| l.id).collect()
    }

    #[test]
    fn grows_and_shrinks_in_ring_order() {
        let mut legs = Legs::new("1", "PJSIP/a-1");
        legs.push("2", "PJSIP/a-2");
        legs.push("3", "PJSIP/a-3");
        assert_eq!(uniqueids(&legs), ["1", "2", "3"]);
        assert!(legs.remove("2"));
        assert!(legs.remove("9"));
        assert_eq!(uniqueids(&legs), ["1", "3"]);
        assert!(legs.remove("1"));
        assert!(matches!(legs, Legs::One(_)));
        legs.rename("3", "PJSIP/a-3<MASQ>");
        assert_eq!(legs.iter().next().unwrap().name, "PJSIP/a-3<MASQ>");
        assert!(legs.contains("3") && !legs.contains("1"));
        assert!(!legs.remove("3"));
        assert_eq!(legs.iter().len(), 0);
    }
}
