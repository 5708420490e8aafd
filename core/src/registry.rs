//! The ringing registry: what every store of ringing calls must do, so the
//! arbiter works the same over the in-memory index of one server
//! ([`RingingIndex`](super::ringing::RingingIndex)) and over a registry
//! shared by several servers.
//!
//! Ring order is by [`RingTime`], a wall clock other machines share. Views
//! (CLI, management interfaces) read one [`snapshot`](RingingRegistry::snapshot)
//! of owned values, never the store itself.

use super::number::GroupNumber;
use super::ring_time::RingTime;
pub use super::ringing::{CallId, Claim, Leg, RingingLeg, Stopped};

pub trait RingingRegistry: Send {
    /// A leg rings (a 180 reached the host). True when this started a new
    /// call: the first leg of that caller towards that user.
    fn ring(&mut self, leg: RingingLeg<'_>, now: RingTime) -> bool;

    /// A leg stopped ringing (answered, cancelled, hung up, picked up).
    fn stop(&mut self, leg: &str) -> Stopped;

    /// Hands the oldest pickable call of a group to one picker, exclusively
    /// until [`finish`](Self::finish) or [`release`](Self::release).
    fn claim_oldest(&mut self, group: &GroupNumber) -> Option<Claim>;

    /// The claimed call was picked up, or could not be: it is gone.
    fn finish(&mut self, id: CallId);

    /// The picker's own side failed: the call is offered again, in its
    /// original ring position.
    fn release(&mut self, id: CallId);

    /// Files every call under the group `group_of` gives for its user now;
    /// a user in no group keeps its calls unoffered until it is in one.
    fn regroup(&mut self, group_of: &dyn Fn(&str) -> Option<GroupNumber>);

    /// Pickable (unclaimed) calls ringing in a group.
    fn count(&self, group: &GroupNumber) -> usize;

    /// Groups with pickable calls.
    fn groups(&self) -> Vec<GroupNumber>;

    /// Every call ringing in a group now, claimed or not, oldest first.
    fn snapshot(&self) -> Vec<CallView>;

    /// Claims one call by its id (a shared registry chose it), if it still
    /// rings here, pickable.
    fn claim_call(&mut self, id: CallId) -> Option<Claim>;

    /// One call as views show it.
    fn view(&self, id: CallId) -> Option<CallView>;

    /// The call a leg belongs to.
    fn call_of(&self, leg: &str) -> Option<CallId>;
}

/// One ringing call as views show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallView {
    pub id: CallId,
    pub group: GroupNumber,
    pub user: String,
    pub caller_number: String,
    pub caller_name: String,
    pub rang_at: RingTime,
    pub claimed: bool,
    pub legs: Vec<Leg>,
    /// The server it rings on, when another one (a cluster); `None` here.
    pub node: Option<String>,
}
