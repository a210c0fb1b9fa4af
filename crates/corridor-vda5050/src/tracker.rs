//! Order bookkeeping of one vehicle on the fleet-control side: what has been sent, what the
//! vehicle reported, whether an order or update may be sent, and the next update.

use std::collections::HashSet;

use crate::error::{Refusal, Vda5050Error};
use crate::model::{Action, ActionType, Edge, Node, Order, VehicleState, number};
use crate::topic::VehicleId;

/// How an order that may be sent relates to what was sent before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admission {
    /// A new `orderId`, starting at `orderUpdateId` 0.
    NewOrder,
    /// A higher `orderUpdateId` of the current order, stitched on its decision point.
    Update,
    /// Identical to the last message sent (same `orderId`, `orderUpdateId` and content): may be
    /// published again, the vehicle ignores a duplicate (§6.1.4.5); nothing changes here.
    Resend,
}

/// The order sent last to the vehicle, accumulated over its updates.
#[derive(Debug, Clone)]
struct SentOrder {
    /// The last message sent (for resends and the decision point).
    last_message: Order,
    /// Every released node and edge sent for this order, in sequence order.
    base_nodes: Vec<Node>,
    base_edges: Vec<Edge>,
    /// Action ids of every released element sent.
    base_action_ids: HashSet<String>,
    /// The `actionId` of the `cancelOrder` sent for this order, if any.
    cancel_action_id: Option<String>,
}

/// The order bookkeeping of one vehicle, as fleet control keeps it: a pure state machine
/// that never sends or receives anything. The bridge feeds it what it sends
/// ([`OrderTracker::record_sent`], [`OrderTracker::record_instant_actions`]) and what the
/// vehicle reports ([`OrderTracker::observe_state`]), and asks it before sending.
///
/// Rules enforced (VDA 5050 §6.1.2, §6.1.3, §6.1.4, §6.6.8):
/// - an order must pass [`Order::validate`];
/// - same `orderId`: `orderUpdateId` strictly increases; a lower one is refused; the same
///   one with identical content is an accepted [`Admission::Resend`], with different
///   content it is refused; the first node must be the decision point (last released node)
///   of the message sent before, with the same `nodeId`, `sequenceId` and content; action
///   ids already released in this order must not be reused; no update after `cancelOrder`;
/// - new `orderId`: starts at `orderUpdateId` 0 and is allowed only when a state has been
///   received and shows the vehicle idle (§6.6.8: no node or edge states, every order action
///   FINISHED or FAILED) **and** the previous order is over: the vehicle reports the last
///   update sent (finished), or — once a `cancelOrder` was sent for it — reports that
///   `cancelOrder` FINISHED or FAILED (cancelled; until then the vehicle may still be
///   stopping), or holds another order and reports an error referencing ours (rejected). Before
///   any order has been sent, the vehicle must merely be idle and not already hold an order
///   with the same id.
///
/// Feed it only fresh states (see [`crate::IncomingHeaders`]).
#[derive(Debug, Clone)]
pub struct OrderTracker {
    vehicle: VehicleId,
    sent: Option<SentOrder>,
    state: Option<VehicleState>,
}

impl OrderTracker {
    /// Bookkeeping for `vehicle`, with nothing sent and nothing heard yet.
    pub fn new(vehicle: VehicleId) -> OrderTracker {
        OrderTracker {
            vehicle,
            sent: None,
            state: None,
        }
    }

    /// The vehicle.
    pub fn vehicle(&self) -> &VehicleId {
        &self.vehicle
    }

    /// The latest state the vehicle reported.
    pub fn vehicle_state(&self) -> Option<&VehicleState> {
        self.state.as_ref()
    }

    /// The `orderId` of the current (last sent) order.
    pub fn order_id(&self) -> Option<&str> {
        self.sent.as_ref().map(|s| s.last_message.order_id.as_str())
    }

    /// The last message sent for the current order.
    pub fn last_sent(&self) -> Option<&Order> {
        self.sent.as_ref().map(|s| &s.last_message)
    }

    /// The decision point: the last released node sent, where the vehicle stops unless the
    /// base is extended, and where the next update must start.
    pub fn decision_point(&self) -> Option<&Node> {
        self.sent.as_ref().and_then(|s| s.base_nodes.last())
    }

    /// Every released node sent for the current order, over all its updates.
    pub fn base_nodes(&self) -> &[Node] {
        self.sent.as_ref().map_or(&[], |s| &s.base_nodes)
    }

    /// Every released edge sent for the current order, over all its updates.
    pub fn base_edges(&self) -> &[Edge] {
        self.sent.as_ref().map_or(&[], |s| &s.base_edges)
    }

    /// True once a `cancelOrder` has been recorded for the current order.
    pub fn is_cancelled(&self) -> bool {
        self.sent
            .as_ref()
            .is_some_and(|s| s.cancel_action_id.is_some())
    }

    /// The `orderUpdateId` of the current order that the vehicle has acknowledged in its
    /// state, if it reports the current order.
    pub fn acknowledged_update(&self) -> Option<u32> {
        let sent = self.sent.as_ref()?;
        let state = self.state.as_ref()?;
        (state.order_id == sent.last_message.order_id).then_some(state.order_update_id)
    }

    /// The sequence id of the last node of the current order the vehicle has traversed (or
    /// stands on), when its state reports the current order.
    pub fn completed_through(&self) -> Option<u32> {
        self.acknowledged_update()?;
        self.state.as_ref().map(|s| s.last_node_sequence_id)
    }

    /// The released nodes the vehicle has traversed, as far as its state tells.
    pub fn completed_nodes(&self) -> &[Node] {
        let nodes = self.base_nodes();
        match self.completed_through() {
            Some(seq) => &nodes[..nodes.partition_point(|n| n.sequence_id <= seq)],
            None => &[],
        }
    }

    /// The released edges the vehicle has left behind (the node after them is traversed).
    pub fn completed_edges(&self) -> &[Edge] {
        let edges = self.base_edges();
        match self.completed_through() {
            Some(seq) => &edges[..edges.partition_point(|e| e.sequence_id < seq)],
            None => &[],
        }
    }

    /// The released nodes not yet traversed: what the vehicle may still drive to. When the
    /// state does not report the current order yet, the whole base.
    pub fn remaining_base_nodes(&self) -> &[Node] {
        let nodes = self.base_nodes();
        &nodes[self.completed_nodes().len()..]
    }

    /// True when the state reports the last update sent and the vehicle idle.
    pub fn is_finished(&self) -> bool {
        match (&self.sent, &self.state) {
            (Some(sent), Some(state)) => {
                state.order_id == sent.last_message.order_id
                    && state.order_update_id == sent.last_message.order_update_id
                    && state.is_idle()
            }
            _ => false,
        }
    }

    /// Notes a state message from the vehicle (the newest replaces the one before).
    pub fn observe_state(&mut self, state: &VehicleState) {
        self.state = Some(state.clone());
    }

    /// Notes instant actions sent to the vehicle: a `cancelOrder` (for the current order, or
    /// naming no order) marks the current order cancelled.
    pub fn record_instant_actions(&mut self, actions: &[Action]) {
        let Some(sent) = self.sent.as_mut() else {
            return;
        };
        for action in actions {
            if action.action_type != ActionType::CancelOrder {
                continue;
            }
            let target = action.parameter("orderId").and_then(|v| v.as_str());
            if target.is_none_or(|id| id == sent.last_message.order_id) {
                sent.cancel_action_id = Some(action.action_id.clone());
            }
        }
    }

    /// Answers "may I send this order?" without changing anything.
    pub fn check(&self, order: &Order) -> Result<Admission, Vda5050Error> {
        let refuse = |refusal| Vda5050Error::OrderRefused {
            vehicle: self.vehicle.clone(),
            order_id: order.order_id.clone(),
            order_update_id: order.order_update_id,
            refusal: Box::new(refusal),
        };
        crate::rules::check_order(order).map_err(|p| refuse(Refusal::Invalid(p)))?;
        match &self.sent {
            Some(sent) if sent.last_message.order_id == order.order_id => {
                check_update(sent, order).map_err(refuse)
            }
            _ => self.check_new_order(order).map_err(refuse),
        }
    }

    fn check_new_order(&self, order: &Order) -> Result<Admission, Refusal> {
        if order.order_update_id != 0 {
            return Err(Refusal::NewOrderNotAtZero {
                found: order.order_update_id,
            });
        }
        let state = self.state.as_ref().ok_or(Refusal::NoStateYet)?;
        if state.order_id == order.order_id {
            return Err(Refusal::OrderIdInUse);
        }
        let active = |reason: String| Refusal::PreviousOrderActive {
            order_id: state.order_id.clone(),
            reason,
        };
        if let Some(sent) = &self.sent {
            let previous = &sent.last_message;
            let reported = state.order_id == previous.order_id;
            let finished = reported && state.order_update_id == previous.order_update_id;
            let cancelled = sent.cancel_action_id.as_deref().is_some_and(|id| {
                state
                    .action_state(id)
                    .is_some_and(|a| a.status.is_terminal())
            });
            let rejected = !reported
                && state
                    .errors
                    .iter()
                    .any(|e| e.reference("orderId") == Some(previous.order_id.as_str()));
            // After a cancelOrder only its end counts: the vehicle may still be stopping.
            let over = match &sent.cancel_action_id {
                Some(_) => cancelled || rejected,
                None => finished || rejected,
            };
            if !over {
                let reason = if let Some(id) = &sent.cancel_action_id {
                    format!("cancelOrder `{id}` has not been reported FINISHED or FAILED yet")
                } else if reported {
                    format!(
                        "the vehicle reports orderUpdateId {} of `{}`, update {} was sent",
                        state.order_update_id, previous.order_id, previous.order_update_id
                    )
                } else {
                    format!(
                        "order `{}` was sent but the vehicle has not reported it yet",
                        previous.order_id
                    )
                };
                return Err(Refusal::PreviousOrderActive {
                    order_id: previous.order_id.clone(),
                    reason,
                });
            }
        }
        if !state.node_states.is_empty() || !state.edge_states.is_empty() {
            return Err(active(format!(
                "{} node and {} edge states left to traverse",
                state.node_states.len(),
                state.edge_states.len()
            )));
        }
        if let Some(open) = state.action_states.iter().find(|a| !a.status.is_terminal()) {
            return Err(active(format!(
                "action `{}` is {:?}",
                open.action_id, open.status
            )));
        }
        Ok(Admission::NewOrder)
    }

    /// Checks `order` and, when it may be sent, records it as sent.
    pub fn record_sent(&mut self, order: &Order) -> Result<Admission, Vda5050Error> {
        let admission = self.check(order)?;
        match admission {
            Admission::Resend => {}
            Admission::NewOrder => {
                let mut sent = SentOrder {
                    last_message: order.clone(),
                    base_nodes: Vec::new(),
                    base_edges: Vec::new(),
                    base_action_ids: HashSet::new(),
                    cancel_action_id: None,
                };
                sent.absorb_base(order, false);
                self.sent = Some(sent);
            }
            Admission::Update => {
                if let Some(sent) = self.sent.as_mut() {
                    sent.absorb_base(order, true);
                    sent.last_message = order.clone();
                }
            }
        }
        Ok(admission)
    }

    /// Builds a new order (`orderUpdateId` 0) starting on `start` and checks it may be sent
    /// (it is not recorded; call [`OrderTracker::record_sent`] when it is published).
    ///
    /// `base` steps (edge, then the node it leads to) are released, `horizon` steps are
    /// not. Sequence ids and `released` flags of the given nodes and edges are overwritten.
    pub fn build_new_order(
        &self,
        order_id: impl Into<String>,
        start: Node,
        base: Vec<(Edge, Node)>,
        horizon: Vec<(Edge, Node)>,
    ) -> Result<Order, Vda5050Error> {
        let released = base.len();
        let steps = base.into_iter().chain(horizon).collect();
        let order = number(order_id.into(), 0, start, 0, steps, released);
        self.check(&order)?;
        Ok(order)
    }

    /// Builds the next update of the current order: the decision point sent last (as it
    /// was sent), then `base` released and `horizon` unreleased, with the next
    /// `orderUpdateId`, and checks it may be sent (it is not recorded). The previous horizon
    /// is replaced by `horizon`.
    pub fn build_update(
        &self,
        base: Vec<(Edge, Node)>,
        horizon: Vec<(Edge, Node)>,
    ) -> Result<Order, Vda5050Error> {
        let Some(sent) = &self.sent else {
            return Err(Vda5050Error::OrderRefused {
                vehicle: self.vehicle.clone(),
                order_id: String::new(),
                order_update_id: 0,
                refusal: Box::new(Refusal::NoCurrentOrder),
            });
        };
        let previous = &sent.last_message;
        let decision = sent
            .base_nodes
            .last()
            .cloned()
            .unwrap_or_else(|| previous.nodes[0].clone());
        let released = base.len();
        let steps = base.into_iter().chain(horizon).collect();
        let first_sequence_id = decision.sequence_id;
        let order = number(
            previous.order_id.clone(),
            previous.order_update_id.saturating_add(1),
            decision,
            first_sequence_id,
            steps,
            released,
        );
        self.check(&order)?;
        Ok(order)
    }
}

impl SentOrder {
    /// Adds the released elements of `order` to the accumulated base; for an update the
    /// first node (the stitching node) is already there.
    fn absorb_base(&mut self, order: &Order, is_update: bool) {
        let skip = usize::from(is_update);
        for node in order.nodes.iter().skip(skip).filter(|n| n.released) {
            self.base_action_ids
                .extend(node.actions.iter().map(|a| a.action_id.clone()));
            self.base_nodes.push(node.clone());
        }
        for edge in order.edges.iter().filter(|e| e.released) {
            self.base_action_ids
                .extend(edge.actions.iter().map(|a| a.action_id.clone()));
            self.base_edges.push(edge.clone());
        }
    }
}

fn check_update(sent: &SentOrder, order: &Order) -> Result<Admission, Refusal> {
    let previous = &sent.last_message;
    if order.order_update_id < previous.order_update_id {
        return Err(Refusal::OutdatedUpdate {
            last_sent: previous.order_update_id,
        });
    }
    if order.order_update_id == previous.order_update_id {
        return if order == previous {
            Ok(Admission::Resend)
        } else {
            Err(Refusal::SameUpdateIdDifferentContent)
        };
    }
    if sent.cancel_action_id.is_some() {
        return Err(Refusal::UpdateAfterCancel);
    }
    // The first node of any valid order exists and is released (rules::check_order).
    let first = &order.nodes[0];
    let decision = sent.base_nodes.last().unwrap_or(&previous.nodes[0]);
    if first.node_id != decision.node_id || first.sequence_id != decision.sequence_id {
        return Err(Refusal::NotStitched {
            expected_node_id: decision.node_id.clone(),
            expected_sequence_id: decision.sequence_id,
            found_node_id: first.node_id.clone(),
            found_sequence_id: first.sequence_id,
        });
    }
    if first != decision {
        return Err(Refusal::StitchingNodeChanged {
            node_id: first.node_id.clone(),
        });
    }
    let new_actions = order
        .nodes
        .iter()
        .skip(1)
        .flat_map(|n| &n.actions)
        .chain(order.edges.iter().flat_map(|e| &e.actions));
    for action in new_actions {
        if sent.base_action_ids.contains(&action.action_id) {
            return Err(Refusal::ActionIdReused {
                action_id: action.action_id.clone(),
            });
        }
    }
    Ok(Admission::Update)
}
