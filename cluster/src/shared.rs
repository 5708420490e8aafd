//! The cluster as the arbiter's shared registry.

use crate::cluster::{Claimed, Cluster};
use crate::record::CallRecord;
use grouppickup_core::number::GroupNumber;
use grouppickup_core::registry::CallView;
use grouppickup_core::ring_time::RingTime;
use grouppickup_core::ringing::{CallId, Leg};
use grouppickup_core::shared::{SharedClaim, SharedRegistry, Unavailable};

fn record(node: &str, call: &CallView) -> CallRecord {
    CallRecord {
        node: node.to_string(),
        id: call.id,
        group: call.group,
        user: call.user.clone(),
        caller_number: call.caller_number.clone(),
        caller_name: call.caller_name.clone(),
        legs: call.legs.iter().map(|l| l.name.clone()).collect(),
    }
}

fn view(call: CallRecord, claimed: bool) -> CallView {
    CallView {
        id: call.id,
        group: call.group,
        rang_at: RingTime(call.id),
        claimed,
        legs: call
            .legs
            .into_iter()
            .map(|name| Leg {
                id: String::new(),
                name,
            })
            .collect(),
        node: Some(call.node),
        user: call.user,
        caller_number: call.caller_number,
        caller_name: call.caller_name,
    }
}

impl SharedRegistry for Cluster {
    fn node(&self) -> String {
        Cluster::node(self).to_string()
    }

    fn publish(&self, call: &CallView) {
        Cluster::publish(self, record(self.node(), call));
    }

    fn withdraw(&self, id: CallId) {
        self.remove(id);
    }

    fn claim(&self, group: &GroupNumber) -> Result<SharedClaim, Unavailable> {
        match Cluster::claim(self, group) {
            Ok(Claimed::Nothing) => Ok(SharedClaim::Nothing),
            Ok(Claimed::Here(id)) => Ok(SharedClaim::Here(id)),
            Ok(Claimed::There { call, token }) => Ok(SharedClaim::There {
                call: view(call, true),
                token,
            }),
            Err(_) => Err(Unavailable),
        }
    }

    fn release_here(&self, id: CallId, _group: GroupNumber) {
        Cluster::release_here(self, id);
    }

    fn release_there(&self, call: &CallView) {
        let node = call.node.clone().unwrap_or_default();
        Cluster::release(self, &record(&node, call));
    }

    fn remote_count(&self, group: &GroupNumber) -> usize {
        Cluster::remote_count(self, group)
    }

    fn remote_calls(&self) -> Vec<CallView> {
        Cluster::remote_calls(self)
            .into_iter()
            .map(|c| view(c.call, c.claimed))
            .collect()
    }
}
