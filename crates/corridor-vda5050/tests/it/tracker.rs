//! The order bookkeeping of one vehicle: when an order or update may be sent, what the
//! vehicle has completed, and the updates it builds.

use corridor_vda5050::model::{
    Action, ActionState, ActionStatus, ActionType, BlockingType, Edge, EdgeState, ErrorLevel,
    ErrorType, Node, NodePosition, NodeState, PredefinedError, Reference, VehicleError,
    VehicleState,
};
use corridor_vda5050::{
    Admission, Header, OrderTracker, ProtocolVersion, Refusal, Timestamp, TopicKind, Vda5050Error,
    VehicleId, codec,
};
use proptest::prelude::*;

use crate::schema::assert_valid;

fn vehicle() -> VehicleId {
    VehicleId::new("Corridor", "IGV-07").unwrap()
}

fn node(id: &str, x: f64) -> Node {
    Node::new(id).at(NodePosition::new(x, 0.0, "huu-nghi"))
}

fn step(i: usize) -> (Edge, Node) {
    (
        Edge::new(format!("e{i}")),
        node(&format!("n{i}"), 10.0 * i as f64),
    )
}

fn refusal(err: Vda5050Error) -> Refusal {
    match err {
        Vda5050Error::OrderRefused { refusal, .. } => *refusal,
        other => panic!("not a refusal: {other}"),
    }
}

/// A vehicle that has received `order_id` up to `update` and stands on node `seq`.
fn reporting(
    order_id: &str,
    update: u32,
    last: (&str, u32),
    remaining: &[(&str, u32)],
) -> VehicleState {
    let mut s = VehicleState::idle(60.0);
    s.order_id = order_id.into();
    s.order_update_id = update;
    s.last_node_id = last.0.into();
    s.last_node_sequence_id = last.1;
    for (id, seq) in remaining {
        s.node_states.push(NodeState {
            node_id: (*id).into(),
            sequence_id: *seq,
            released: true,
        });
        s.edge_states.push(EdgeState {
            edge_id: format!("to-{id}"),
            sequence_id: seq - 1,
            released: true,
        });
    }
    s
}

fn tracker_with_order() -> OrderTracker {
    let mut t = OrderTracker::new(vehicle());
    t.observe_state(&VehicleState::idle(80.0));
    let order = t
        .build_new_order(
            "o-1",
            node("n0", 0.0),
            vec![step(1), step(2)],
            vec![step(3)],
        )
        .unwrap();
    assert_eq!(t.record_sent(&order).unwrap(), Admission::NewOrder);
    t
}

#[test]
fn a_new_order_needs_a_state_first() {
    let t = OrderTracker::new(vehicle());
    let err = t
        .build_new_order("o-1", node("n0", 0.0), vec![], vec![])
        .unwrap_err();
    assert!(err.to_string().contains("Corridor/IGV-07"), "{err}");
    assert_eq!(refusal(err), Refusal::NoStateYet);
}

#[test]
fn new_orders_start_at_zero_and_need_an_idle_vehicle() {
    let mut t = OrderTracker::new(vehicle());
    t.observe_state(&reporting("old", 4, ("x", 6), &[("y", 8)]));
    let err = t
        .build_new_order("o-1", node("n0", 0.0), vec![], vec![])
        .unwrap_err();
    assert!(
        matches!(refusal(err), Refusal::PreviousOrderActive { order_id, .. } if order_id == "old")
    );

    let mut busy = VehicleState::idle(80.0);
    busy.action_states.push(ActionState {
        action_id: "lift".into(),
        action_type: Some(ActionType::Pick),
        status: ActionStatus::Running,
        description: None,
        result: None,
    });
    t.observe_state(&busy);
    let err = t
        .build_new_order("o-1", node("n0", 0.0), vec![], vec![])
        .unwrap_err();
    assert!(err.to_string().contains("lift"), "{err}");

    t.observe_state(&VehicleState::idle(80.0));
    let mut order = t
        .build_new_order("o-1", node("n0", 0.0), vec![step(1)], vec![])
        .unwrap();
    order.order_update_id = 1;
    assert_eq!(
        refusal(t.check(&order).unwrap_err()),
        Refusal::NewOrderNotAtZero { found: 1 }
    );
}

#[test]
fn updates_stitch_on_the_decision_point() {
    let mut t = tracker_with_order();
    assert_eq!(t.decision_point().unwrap().node_id, "n2");
    let update = t.build_update(vec![step(3)], vec![step(4)]).unwrap();
    assert_eq!(update.order_update_id, 1);
    assert_eq!(update.nodes[0], *t.decision_point().unwrap());
    let seqs: Vec<(u32, bool)> = update
        .nodes
        .iter()
        .map(|n| (n.sequence_id, n.released))
        .collect();
    assert_eq!(seqs, vec![(4, true), (6, true), (8, false)]);
    assert_eq!(
        update
            .edges
            .iter()
            .map(|e| e.sequence_id)
            .collect::<Vec<_>>(),
        vec![5, 7]
    );
    assert_eq!(t.record_sent(&update).unwrap(), Admission::Update);
    assert_eq!(t.decision_point().unwrap().node_id, "n3");
    let ids: Vec<&str> = t.base_nodes().iter().map(|n| n.node_id.as_str()).collect();
    assert_eq!(ids, ["n0", "n1", "n2", "n3"]);
    assert_eq!(t.base_edges().len(), 3);

    // Every update built validates against both schemas.
    let header = Header::new(&vehicle(), ProtocolVersion::V2, 0, Timestamp::UNIX_EPOCH);
    assert_valid(
        ProtocolVersion::V2,
        TopicKind::Order,
        &codec::encode_order(ProtocolVersion::V2, &header, &update).unwrap(),
    );
}

#[test]
fn update_rules() {
    let mut t = tracker_with_order();
    let good = t.build_update(vec![step(3)], vec![]).unwrap();

    // Not on the decision point.
    let mut wrong = good.clone();
    wrong.nodes[0].node_id = "n1".into();
    assert!(matches!(
        refusal(t.check(&wrong).unwrap_err()),
        Refusal::NotStitched { expected_node_id, expected_sequence_id: 4, found_node_id, .. }
            if expected_node_id == "n2" && found_node_id == "n1"
    ));

    // Same node, changed content.
    let mut changed = good.clone();
    changed.nodes[0].position.as_mut().unwrap().x += 1.0;
    assert!(matches!(
        refusal(t.check(&changed).unwrap_err()),
        Refusal::StitchingNodeChanged { .. }
    ));

    // Reusing an action id of the base.
    let mut t2 = OrderTracker::new(vehicle());
    t2.observe_state(&VehicleState::idle(80.0));
    let pick = Action::new("pick-1", ActionType::Pick, BlockingType::Hard);
    let first = t2
        .build_new_order(
            "o-9",
            node("n0", 0.0),
            vec![
                (Edge::new("e1"), node("n1", 5.0).with_action(pick.clone())),
                step(2),
            ],
            vec![],
        )
        .unwrap();
    t2.record_sent(&first).unwrap();
    let err = t2
        .build_update(
            vec![(Edge::new("e3"), node("n3", 9.0).with_action(pick))],
            vec![],
        )
        .unwrap_err();
    assert_eq!(
        refusal(err),
        Refusal::ActionIdReused {
            action_id: "pick-1".into()
        }
    );

    // Identical resend: fine, and nothing changes.
    t.record_sent(&good).unwrap();
    assert_eq!(t.record_sent(&good).unwrap(), Admission::Resend);
    assert_eq!(t.last_sent().unwrap().order_update_id, 1);
    // Same id, different content.
    let mut other = good.clone();
    other.edges[0].max_speed = Some(3.0);
    assert_eq!(
        refusal(t.check(&other).unwrap_err()),
        Refusal::SameUpdateIdDifferentContent
    );
    // Lower id.
    let mut older = good.clone();
    older.order_update_id = 0;
    for n in &mut older.nodes {
        n.sequence_id -= 4;
    }
    for e in &mut older.edges {
        e.sequence_id -= 4;
    }
    assert_eq!(
        refusal(t.check(&older).unwrap_err()),
        Refusal::OutdatedUpdate { last_sent: 1 }
    );
    // Higher ids may skip numbers.
    let mut later = t.build_update(vec![step(4)], vec![]).unwrap();
    later.order_update_id = 7;
    assert_eq!(t.check(&later).unwrap(), Admission::Update);
}

#[test]
fn progress_from_the_vehicle_state() {
    let mut t = tracker_with_order();
    assert_eq!(t.completed_through(), None);
    assert!(t.completed_nodes().is_empty());
    assert_eq!(t.remaining_base_nodes().len(), 3);

    // The vehicle has passed n1 (seq 2) and drives to n2.
    t.observe_state(&reporting("o-1", 0, ("n1", 2), &[("n2", 4), ("n3", 6)]));
    assert_eq!(t.acknowledged_update(), Some(0));
    assert_eq!(t.completed_through(), Some(2));
    let done: Vec<&str> = t
        .completed_nodes()
        .iter()
        .map(|n| n.node_id.as_str())
        .collect();
    assert_eq!(done, ["n0", "n1"]);
    assert_eq!(t.completed_edges().len(), 1);
    assert_eq!(t.remaining_base_nodes()[0].node_id, "n2");
    assert!(!t.is_finished());
}

#[test]
fn a_new_order_waits_for_the_previous_to_finish() {
    let mut t = tracker_with_order();
    let next = |t: &OrderTracker| t.build_new_order("o-2", node("n2", 20.0), vec![step(5)], vec![]);

    // Not yet reported by the vehicle.
    let err = next(&t).unwrap_err();
    assert!(
        matches!(refusal(err), Refusal::PreviousOrderActive { order_id, .. } if order_id == "o-1")
    );

    // Still driving.
    t.observe_state(&reporting("o-1", 0, ("n1", 2), &[("n2", 4), ("n3", 6)]));
    assert!(next(&t).is_err());

    // Stopped at the decision point, but the horizon (n3) is still held: not idle.
    t.observe_state(&reporting("o-1", 0, ("n2", 4), &[("n3", 6)]));
    assert!(next(&t).is_err());

    // Idle with the last update: finished.
    t.observe_state(&reporting("o-1", 0, ("n2", 4), &[]));
    assert!(t.is_finished());
    let order = next(&t).unwrap();
    assert_eq!(t.clone().record_sent(&order).unwrap(), Admission::NewOrder);

    // An idle vehicle that has not seen the last update is not finished.
    let update = t.build_update(vec![step(3)], vec![]).unwrap();
    t.record_sent(&update).unwrap();
    assert!(!t.is_finished());
    assert!(next(&t).is_err());
}

#[test]
fn cancel_then_new_order() {
    let mut t = tracker_with_order();
    t.record_instant_actions(&[Action::cancel_order("cancel-1")]);
    assert!(t.is_cancelled());
    let err = t.build_update(vec![step(3)], vec![]).unwrap_err();
    assert_eq!(refusal(err), Refusal::UpdateAfterCancel);

    // Cancel still running: the vehicle is stopping.
    let mut s = reporting("o-1", 0, ("n1", 2), &[]);
    s.instant_action_states.push(ActionState {
        action_id: "cancel-1".into(),
        action_type: Some(ActionType::CancelOrder),
        status: ActionStatus::Running,
        description: None,
        result: None,
    });
    t.observe_state(&s);
    assert!(
        t.build_new_order("o-2", node("n1", 10.0), vec![], vec![])
            .is_err()
    );

    // Finished (a 2.x vehicle lists it among the order's action states: found as well).
    let mut s = reporting("o-1", 0, ("n1", 2), &[]);
    s.action_states.push(ActionState {
        action_id: "cancel-1".into(),
        action_type: Some(ActionType::CancelOrder),
        status: ActionStatus::Finished,
        description: None,
        result: None,
    });
    t.observe_state(&s);
    let order = t
        .build_new_order("o-2", node("n1", 10.0), vec![step(4)], vec![])
        .unwrap();
    assert_eq!(t.record_sent(&order).unwrap(), Admission::NewOrder);
    assert!(!t.is_cancelled());

    // A cancelOrder naming another order does not cancel this one.
    t.record_instant_actions(&[Action::cancel_order_of("cancel-2", "o-1")]);
    assert!(!t.is_cancelled());
}

#[test]
fn a_rejected_order_can_be_replaced() {
    let mut t = tracker_with_order();
    // The vehicle kept its old order and reports why it refused ours.
    let mut s = VehicleState::idle(80.0);
    s.order_id = "old".into();
    s.errors.push(VehicleError {
        error_type: ErrorType::Predefined(PredefinedError::ValidationFailure),
        level: ErrorLevel::Warning,
        references: vec![Reference::new("orderId", "o-1")],
        description: None,
        hint: None,
    });
    t.observe_state(&s);
    let order = t
        .build_new_order("o-2", node("n0", 0.0), vec![], vec![])
        .unwrap();
    assert_eq!(t.record_sent(&order).unwrap(), Admission::NewOrder);
    // The vehicle still holds "old": that id cannot be reused for a new order.
    let mut t = OrderTracker::new(vehicle());
    t.observe_state(&s);
    let err = t
        .build_new_order("old", node("n0", 0.0), vec![], vec![])
        .unwrap_err();
    assert_eq!(refusal(err), Refusal::OrderIdInUse);
}

proptest! {
    /// The execution graph releases cells step by step: any sequence of extensions of any
    /// sizes is accepted, keeps sequence ids consecutive, and each update encodes for both
    /// versions to schema-valid JSON that decodes back unchanged.
    #[test]
    fn step_by_step_release(plan in proptest::collection::vec((0usize..3, 0usize..3), 1..8)) {
        let mut t = OrderTracker::new(vehicle());
        t.observe_state(&VehicleState::idle(80.0));
        let mut next = 1usize;
        let mut steps = |n: usize| -> Vec<(Edge, Node)> {
            (0..n).map(|_| { next += 1; step(next) }).collect()
        };
        let first = t.build_new_order("o", node("n0", 0.0), steps(plan[0].0), steps(plan[0].1)).unwrap();
        prop_assert_eq!(t.record_sent(&first).unwrap(), Admission::NewOrder);
        for (i, (base, horizon)) in plan.iter().enumerate().skip(1) {
            let update = t.build_update(steps(*base), steps(*horizon)).unwrap();
            prop_assert_eq!(update.order_update_id, i as u32);
            prop_assert_eq!(t.record_sent(&update).unwrap(), Admission::Update);
            for version in ProtocolVersion::ALL {
                let header = Header::new(&vehicle(), version, i as u32, Timestamp::UNIX_EPOCH);
                let bytes = codec::encode_order(version, &header, &update).unwrap();
                assert_valid(version, TopicKind::Order, &bytes);
                prop_assert_eq!(&codec::decode_order(version, &bytes).unwrap().body, &update);
            }
        }
        let seqs: Vec<u32> = t.base_nodes().iter().map(|n| n.sequence_id).collect();
        let expected: Vec<u32> = (0..seqs.len() as u32).map(|k| 2 * k).collect();
        prop_assert_eq!(seqs, expected);
        let edge_seqs: Vec<u32> = t.base_edges().iter().map(|e| e.sequence_id).collect();
        prop_assert_eq!(edge_seqs, (0..t.base_edges().len() as u32).map(|k| 2 * k + 1).collect::<Vec<_>>());
    }
}
