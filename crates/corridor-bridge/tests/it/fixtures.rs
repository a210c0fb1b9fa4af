//! Realistic VDA 5050 messages of a container IGV on the Hữu Nghị freight road, valid in
//! both 2.x and 3.0: used by the socket tests, the codec benchmark (`benches/codec.rs`) and
//! the load run (`examples/load.rs`), which include this file with `#[path]`.

use corridor_vda5050::model::{
    Action, ActionCapability, ActionScope, ActionState, ActionStatus, ActionType,
    ArrayLengthLimits, BlockingType, DeviationEllipse, Edge, EdgeState, Factsheet, Kinematics,
    Load, LoadDimensions, LocalizationType, MapState, NavigationType, Node, NodePosition,
    NodeState, Order, OrderBuilder, PhysicalParameters, Position, ProtocolFeatures, ProtocolLimits,
    StringLengthLimits, Timing, TypeSpecification, VehicleClass, VehicleState, Velocity,
};

/// The map id of the bundled site.
pub const MAP: &str = "huu-nghi";

/// Node `N{i}` on the freight road, 40 m apart, with a 0.5 m deviation circle.
pub fn node(i: usize) -> Node {
    let mut position = NodePosition::new(40.0 * i as f64, 2.5, MAP);
    position.allowed_deviation_xy = Some(DeviationEllipse::circle(0.5));
    Node::new(format!("N{i}")).at(position)
}

/// The lane from `N{i}` to `N{i+1}`: 40 m at 6 m/s.
pub fn edge(i: usize) -> Edge {
    Edge::new(format!("L{i}-{}", i + 1))
        .with_max_speed(6.0)
        .with_length(40.0)
}

/// Steps (edge, node) from `N{from}` to `N{to}`.
pub fn steps(from: usize, to: usize) -> Vec<(Edge, Node)> {
    (from..to).map(|i| (edge(i), node(i + 1))).collect()
}

/// The factsheet of a 40-foot container IGV.
pub fn factsheet() -> Factsheet {
    let capability = |action_type: ActionType, scopes: Vec<ActionScope>| ActionCapability {
        action_type,
        description: None,
        scopes,
        parameters: Vec::new(),
        result_description: None,
        blocking_types: None,
        pause_allowed: Some(true),
        cancel_allowed: Some(true),
    };
    Factsheet {
        type_specification: TypeSpecification {
            series_name: "IGV-40".into(),
            series_description: Some("electric container carrier, 40 ft".into()),
            kinematics: Kinematics::Differential,
            class: VehicleClass::Carrier,
            max_load_mass: 40_000.0,
            localization_types: vec![LocalizationType::Natural],
            navigation_types: vec![NavigationType::VirtualLineGuided],
        },
        physical_parameters: PhysicalParameters {
            min_speed: 0.1,
            max_speed: 6.1,
            min_angular_speed: None,
            max_angular_speed: None,
            max_acceleration: 0.5,
            max_deceleration: 0.8,
            min_height: Some(1.2),
            max_height: 4.3,
            width: 3.0,
            length: 15.6,
        },
        protocol_limits: ProtocolLimits {
            max_string_lengths: StringLengthLimits::default(),
            max_array_lengths: ArrayLengthLimits::default(),
            timing: Timing {
                min_order_interval: 0.5,
                min_state_interval: 0.5,
                default_state_interval: Some(1.0),
                visualization_interval: None,
            },
        },
        protocol_features: ProtocolFeatures {
            optional_parameters: Vec::new(),
            actions: vec![
                capability(ActionType::CancelOrder, vec![ActionScope::Instant]),
                capability(ActionType::StartPause, vec![ActionScope::Instant]),
                capability(ActionType::StopPause, vec![ActionScope::Instant]),
                capability(ActionType::StateRequest, vec![ActionScope::Instant]),
                capability(ActionType::FactsheetRequest, vec![ActionScope::Instant]),
                capability(ActionType::Pick, vec![ActionScope::Node]),
                capability(ActionType::Drop, vec![ActionScope::Node]),
            ],
        },
    }
}

/// An idle vehicle standing on node `N{at}` (nothing traversed for any order yet).
pub fn idle_at(at: usize) -> VehicleState {
    let mut state = VehicleState::idle(87.5);
    state.position = Some(Position {
        x: 40.0 * at as f64,
        y: 2.5,
        theta: 0.0,
        map_id: MAP.into(),
        localized: true,
        localization_score: None,
        deviation_range: None,
    });
    state
}

/// The state of a vehicle working on `order` that has traversed node `N{at}` (sequence id
/// `2 * (at - first)` in the order's numbering) and still has every later node and edge
/// of the order before it, base and horizon as sent.
pub fn progress(order: &Order, at: usize, driving: bool) -> VehicleState {
    let mut state = idle_at(at);
    let done = order
        .nodes
        .iter()
        .position(|n| n.node_id == format!("N{at}"))
        .expect("the node is in the order");
    let last = &order.nodes[done];
    state.order_id = order.order_id.clone();
    state.order_update_id = order.order_update_id;
    state.last_node_id = last.node_id.clone();
    state.last_node_sequence_id = last.sequence_id;
    state.driving = driving;
    state.node_states = order.nodes[done + 1..]
        .iter()
        .map(|n| NodeState {
            node_id: n.node_id.clone(),
            sequence_id: n.sequence_id,
            released: n.released,
        })
        .collect();
    state.edge_states = order.edges[done..]
        .iter()
        .map(|e| EdgeState {
            edge_id: e.edge_id.clone(),
            sequence_id: e.sequence_id,
            released: e.released,
        })
        .collect();
    state
}

/// A busy vehicle's state as the codec benchmark measures it: mid-route with ten nodes
/// and edges to go, a container on board, action states, a map, position and velocity.
pub fn realistic_state() -> VehicleState {
    let order = realistic_order();
    let mut state = progress(&order, 9, true);
    state.distance_since_last_node = Some(12.4);
    state.velocity = Some(Velocity {
        vx: Some(5.8),
        vy: Some(0.0),
        omega: Some(0.0),
    });
    state.loads = Some(vec![Load {
        load_id: Some("MSKU1234565".into()),
        load_type: Some("40HC".into()),
        load_position: Some("deck".into()),
        weight: Some(26_500.0),
        dimensions: Some(LoadDimensions {
            length: 12.19,
            width: 2.44,
            height: Some(2.9),
        }),
    }]);
    state.maps = vec![MapState {
        map_id: MAP.into(),
        map_version: "2026.11".into(),
        description: None,
        enabled: true,
    }];
    state.action_states = order
        .actions()
        .map(|a| ActionState {
            action_id: a.action_id.clone(),
            action_type: Some(a.action_type.clone()),
            status: if a.action_id == "pick-N0" {
                ActionStatus::Finished
            } else {
                ActionStatus::Waiting
            },
            description: None,
            result: None,
        })
        .collect();
    state
}

/// An order of 20 nodes along the road, 12 released, with a pick at the start and a drop
/// at the end, as a fleet controller sends it.
pub fn realistic_order() -> Order {
    let pick = Action::new("pick-N0", ActionType::Pick, BlockingType::Hard)
        .with_parameter("loadId", "MSKU1234565");
    let drop = Action::new("drop-N19", ActionType::Drop, BlockingType::Hard)
        .with_parameter("loadId", "MSKU1234565");
    let mut builder = OrderBuilder::new("move-MSKU1234565", node(0).with_action(pick));
    for (i, (e, n)) in steps(0, 19).into_iter().enumerate() {
        let n = if i == 18 {
            n.with_action(drop.clone())
        } else {
            n
        };
        builder = builder.step(e, n);
    }
    builder.build(11).expect("a valid order")
}
