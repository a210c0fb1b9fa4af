//! The VDA 5050 side of a simulated vehicle: what it accepts, what it rejects (and reports
//! in its state), instant actions, and when it publishes.

use std::sync::Arc;

use corridor_map::{CellId, LaneId};
use corridor_sim::vda::{PARAM_STATION, STATION_SERVICE, node_name};
use corridor_sim::{SimError, VdaVehicle, World};
use corridor_vda5050::model::{
    Action, ActionStatus, ActionType, BlockingType, Edge, Node, NodePosition, Order, OrderBuilder,
    PredefinedError,
};

use crate::site;

fn node(world: &World, cell: CellId) -> Node {
    let p = world.site().cells.cell(cell).position;
    Node::new(node_name(cell)).at(NodePosition::new(p.x, p.y, "loop"))
}

fn order(world: &World, id: &str, cells: &[CellId]) -> Order {
    let mut b = OrderBuilder::new(id, node(world, cells[0]));
    for pair in cells.windows(2) {
        b = b.step(
            Edge::new(format!("{}-{}", node_name(pair[0]), node_name(pair[1]))),
            node(world, pair[1]),
        );
    }
    b.build(cells.len() - 1).expect("valid order")
}

fn rejected_as(result: Result<(), SimError>, expected: PredefinedError) {
    match result {
        Err(SimError::OrderRejected { error_type, .. }) => {
            assert_eq!(error_type, expected.v3_name())
        }
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

#[test]
fn orders_are_validated_like_a_real_vehicle_and_rejections_are_reported() {
    let site = site();
    let lane: Vec<CellId> = site.cells.lane_cells(LaneId(0)).collect();
    let mut world = World::new(Arc::clone(&site), 1);
    let v = world
        .add_vehicle("IGV-01", 0, lane[0], 0.8)
        .expect("vehicle");
    let mut vda = VdaVehicle::new(&world, v, "loop").expect("vda");
    assert!(
        vda.needs_publish(&world, 0.0).expect("state"),
        "first state is due"
    );
    let first = vda.poll_state(&world, 0.0).expect("state").expect("due");
    assert_eq!(first.last_node_id, node_name(lane[0]));
    assert!(!vda.needs_publish(&world, 1.0).expect("state"));
    assert!(vda.needs_publish(&world, 30.0).expect("state"), "30 s rule");

    // Not where the vehicle stands.
    rejected_as(
        {
            let o = order(&world, "o1", &lane[1..3]);
            vda.apply_order(&mut world, &o)
        },
        PredefinedError::StartNodeOutOfRange,
    );
    // Another map.
    let mut other_map = order(&world, "o1", &lane[0..3]);
    if let Some(p) = other_map.nodes[1].position.as_mut() {
        p.map_id = "elsewhere".into();
    }
    rejected_as(
        vda.apply_order(&mut world, &other_map),
        PredefinedError::UnknownMapId,
    );
    // Cells that do not follow each other.
    rejected_as(
        {
            let o = order(&world, "o1", &[lane[0], lane[2]]);
            vda.apply_order(&mut world, &o)
        },
        PredefinedError::NoRouteToTarget,
    );
    // An action the vehicle cannot do.
    let mut bad_action = order(&world, "o1", &lane[0..3]);
    bad_action.nodes[2].actions.push(Action::new(
        "a1",
        ActionType::DetectObject,
        BlockingType::Hard,
    ));
    rejected_as(
        vda.apply_order(&mut world, &bad_action),
        PredefinedError::InvalidOrderAction,
    );
    let state = vda.state(&world, 0.0).expect("state");
    assert_eq!(state.errors.len(), 4, "{:?}", state.errors);
    assert!(state.order_id.is_empty() && state.node_states.is_empty());

    // A good order clears the rejections and drives.
    let good = order(&world, "o1", &lane[0..3]);
    vda.apply_order(&mut world, &good).expect("accepted");
    let state = vda.state(&world, 0.0).expect("state");
    assert!(state.errors.is_empty());
    assert_eq!(
        (state.order_id.as_str(), state.node_states.len()),
        ("o1", 2)
    );
    assert_eq!(world.vehicle(v).expect("view").released, 2);
    // Resending it is ignored; an older or same-numbered different update is rejected.
    vda.apply_order(&mut world, &good)
        .expect("identical resend");
    let mut changed = good.clone();
    changed.nodes[2].description = Some("other".into());
    rejected_as(
        vda.apply_order(&mut world, &changed),
        PredefinedError::SameOrderUpdateId,
    );
    // An update not stitched on the last base node.
    let mut update = order(&world, "o1", &lane[1..4]);
    update.order_update_id = 1;
    for (k, n) in update.nodes.iter_mut().enumerate() {
        n.sequence_id = 2 + 2 * k as u32;
    }
    for (k, e) in update.edges.iter_mut().enumerate() {
        e.sequence_id = 3 + 2 * k as u32;
    }
    rejected_as(
        vda.apply_order(&mut world, &update),
        PredefinedError::ValidationFailure,
    );
    // A new order while this one runs.
    rejected_as(
        {
            let o = order(&world, "o2", &lane[0..2]);
            vda.apply_order(&mut world, &o)
        },
        PredefinedError::OtherOrderActive,
    );
    assert!(vda.needs_publish(&world, 0.5).expect("state"));
}

#[test]
fn instant_actions_pause_cancel_and_refuse() {
    let site = site();
    let lane: Vec<CellId> = site.cells.lane_cells(LaneId(0)).collect();
    let mut world = World::new(Arc::clone(&site), 1);
    let v = world
        .add_vehicle("IGV-01", 0, lane[0], 0.8)
        .expect("vehicle");
    let mut vda = VdaVehicle::new(&world, v, "loop").expect("vda");
    // Nothing to cancel.
    let err = vda.apply_instant_actions(&mut world, &[Action::cancel_order("c0")]);
    assert!(matches!(err, Err(SimError::InstantActionRejected { .. })));
    let state = vda.state(&world, 0.0).expect("state");
    assert_eq!(
        state.action_state("c0").map(|a| a.status),
        Some(ActionStatus::Failed)
    );
    // A service stop at the scanner, then a pause, then a cancel.
    let scanner = site.map.station_id("scanner").expect("scanner");
    let cells: Vec<CellId> = site
        .cells
        .lane_cells(LaneId(0))
        .chain(site.cells.lane_cells(LaneId(1)))
        .collect();
    let at = site.cells.station_cells(&site.map, scanner)[0];
    let end = cells.iter().position(|&c| c == at).expect("on the way");
    let mut o = order(&world, "o1", &cells[..=end]);
    o.nodes[end].actions.push(
        Action::new(
            "svc",
            ActionType::Custom(STATION_SERVICE.into()),
            BlockingType::Hard,
        )
        .with_parameter(PARAM_STATION, "scanner"),
    );
    vda.apply_order(&mut world, &o).expect("accepted");
    vda.apply_instant_actions(&mut world, &[Action::start_pause("p1")])
        .expect("pause");
    assert!(world.vehicle(v).expect("view").paused);
    vda.apply_instant_actions(&mut world, &[Action::stop_pause("p2")])
        .expect("resume");
    for _ in 0..20 {
        world.step(0.5);
        let events = world.drain_events();
        vda.observe(&events);
    }
    vda.apply_instant_actions(&mut world, &[Action::cancel_order("c1")])
        .expect("cancel");
    let state = vda.state(&world, 10.0).expect("state");
    assert_eq!(
        state.action_state("svc").map(|a| a.status),
        Some(ActionStatus::Failed)
    );
    assert_eq!(
        state.action_state("c1").map(|a| a.status),
        Some(ActionStatus::Running)
    );
    // It stops at the end of its released base; then the cancel is FINISHED.
    for _ in 0..600 {
        world.step(0.5);
        let events = world.drain_events();
        vda.observe(&events);
    }
    let state = vda.state(&world, 310.0).expect("state");
    assert_eq!(
        state.action_state("c1").map(|a| a.status),
        Some(ActionStatus::Finished)
    );
    assert!(state.node_states.is_empty() && !state.driving);
    // Unsupported: refused, reported.
    let err = vda.apply_instant_actions(&mut world, &[Action::log_report("l1", "why")]);
    assert!(matches!(err, Err(SimError::InstantActionRejected { .. })));
    let state = vda.state(&world, 310.0).expect("state");
    assert!(state.errors.iter().any(|e| e.error_type
        == corridor_vda5050::model::ErrorType::Predefined(PredefinedError::InvalidInstantAction)));
}
