//! 2.x wire types ⇄ model.

use crate::codec::{Conv, ConvertError, PI_BOUND, in_range, not_expressible, opt_in_range};
use crate::error::OrderProblem;
use crate::header::Header;
use crate::model::{self, ActionType};
use crate::topic::ProtocolVersion;
use crate::v2;

const V: ProtocolVersion = ProtocolVersion::V2;

// ---------------------------------------------------------------------------------------
// actions

fn action_type_name(field: &str, action_type: &ActionType) -> Conv<String> {
    action_type
        .wire_name(V)
        .map(str::to_owned)
        .ok_or_else(|| not_expressible(field, format!("{action_type:?} is new in VDA 5050 3.0")))
}

fn blocking_to_wire(field: &str, blocking: model::BlockingType) -> Conv<v2::BlockingType> {
    Ok(match blocking {
        model::BlockingType::None => v2::BlockingType::None,
        model::BlockingType::Soft => v2::BlockingType::Soft,
        model::BlockingType::Hard => v2::BlockingType::Hard,
        model::BlockingType::Single => {
            return Err(not_expressible(
                field,
                "blocking type SINGLE is new in VDA 5050 3.0",
            ));
        }
    })
}

fn blocking_from_wire(blocking: v2::BlockingType) -> model::BlockingType {
    match blocking {
        v2::BlockingType::None => model::BlockingType::None,
        v2::BlockingType::Soft => model::BlockingType::Soft,
        v2::BlockingType::Hard => model::BlockingType::Hard,
    }
}

fn action_to_wire(path: &str, action: &model::Action) -> Conv<v2::Action> {
    if action.retriable {
        return Err(not_expressible(
            format!("{path}.retriable"),
            "retriable actions are new in VDA 5050 3.0",
        ));
    }
    if action.action_type == ActionType::CancelOrder && action.parameter("orderId").is_some() {
        return Err(not_expressible(
            format!("{path}.actionParameters"),
            "cancelOrder takes no orderId parameter before VDA 5050 3.0",
        ));
    }
    Ok(v2::Action {
        action_type: action_type_name(&format!("{path}.actionType"), &action.action_type)?,
        action_id: action.action_id.clone(),
        action_description: action.description.clone(),
        blocking_type: blocking_to_wire(&format!("{path}.blockingType"), action.blocking_type)?,
        action_parameters: parameters_to_wire(&action.parameters),
    })
}

fn parameters_to_wire(parameters: &[model::ActionParameter]) -> Option<Vec<v2::ActionParameter>> {
    (!parameters.is_empty()).then(|| {
        parameters
            .iter()
            .map(|p| v2::ActionParameter {
                key: p.key.clone(),
                value: p.value.clone(),
            })
            .collect()
    })
}

fn action_from_wire(action: v2::Action) -> model::Action {
    model::Action {
        action_type: ActionType::from_wire(V, &action.action_type),
        action_id: action.action_id,
        description: action.action_description,
        blocking_type: blocking_from_wire(action.blocking_type),
        parameters: action
            .action_parameters
            .unwrap_or_default()
            .into_iter()
            .map(|p| model::ActionParameter {
                key: p.key,
                value: p.value,
            })
            .collect(),
        retriable: false,
    }
}

fn actions_to_wire(path: &str, actions: &[model::Action]) -> Conv<Vec<v2::Action>> {
    actions
        .iter()
        .enumerate()
        .map(|(i, a)| action_to_wire(&format!("{path}[{i}]"), a))
        .collect()
}

// ---------------------------------------------------------------------------------------
// order

pub(crate) fn order_to_wire(header: Header, order: &model::Order) -> Conv<v2::Order> {
    let nodes = order
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| node_to_wire(&format!("nodes[{i}]"), n))
        .collect::<Conv<Vec<_>>>()?;
    let edges = order
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let start = order.nodes.get(i).map_or("", |n| n.node_id.as_str());
            let end = order.nodes.get(i + 1).map_or("", |n| n.node_id.as_str());
            edge_to_wire(&format!("edges[{i}]"), e, start, end)
        })
        .collect::<Conv<Vec<_>>>()?;
    Ok(v2::Order {
        header,
        order_id: order.order_id.clone(),
        order_update_id: order.order_update_id,
        zone_set_id: None,
        nodes,
        edges,
    })
}

fn node_to_wire(path: &str, node: &model::Node) -> Conv<v2::Node> {
    let node_position = match &node.position {
        None => None,
        Some(p) => {
            let allowed_deviation_xy = match p.allowed_deviation_xy {
                None => None,
                Some(ellipse) => Some(ellipse.as_radius().ok_or_else(|| {
                    not_expressible(
                        format!("{path}.nodePosition.allowedDeviationXY"),
                        "2.x knows only a radius (an ellipse with a == b and theta == 0)",
                    )
                })?),
            };
            opt_in_range(
                || format!("{path}.nodePosition.theta"),
                p.theta,
                -PI_BOUND,
                PI_BOUND,
            )?;
            opt_in_range(
                || format!("{path}.nodePosition.allowedDeviationXY"),
                allowed_deviation_xy,
                0.0,
                f64::INFINITY,
            )?;
            opt_in_range(
                || format!("{path}.nodePosition.allowedDeviationTheta"),
                p.allowed_deviation_theta,
                -PI_BOUND,
                PI_BOUND,
            )?;
            Some(v2::NodePosition {
                x: p.x,
                y: p.y,
                theta: p.theta,
                allowed_deviation_xy,
                allowed_deviation_theta: p.allowed_deviation_theta,
                map_id: p.map_id.clone(),
                map_description: None,
            })
        }
    };
    Ok(v2::Node {
        node_id: node.node_id.clone(),
        sequence_id: node.sequence_id,
        node_description: node.description.clone(),
        released: node.released,
        node_position,
        actions: actions_to_wire(&format!("{path}.actions"), &node.actions)?,
    })
}

fn edge_to_wire(path: &str, edge: &model::Edge, start: &str, end: &str) -> Conv<v2::Edge> {
    opt_in_range(
        || format!("{path}.orientation"),
        edge.orientation,
        -PI_BOUND,
        PI_BOUND,
    )?;
    let corridor = match edge.corridor {
        None => None,
        Some(c) => {
            if c.release.is_some() {
                return Err(not_expressible(
                    format!("{path}.corridor.releaseRequired"),
                    "corridors that need a release are new in VDA 5050 3.0",
                ));
            }
            in_range(
                || format!("{path}.corridor.leftWidth"),
                c.left_width,
                0.0,
                f64::INFINITY,
            )?;
            in_range(
                || format!("{path}.corridor.rightWidth"),
                c.right_width,
                0.0,
                f64::INFINITY,
            )?;
            Some(v2::Corridor {
                left_width: c.left_width,
                right_width: c.right_width,
                corridor_ref_point: c.reference_point.map(|r| match r {
                    model::CorridorReferencePoint::KinematicCenter => {
                        v2::CorridorRefPoint::KinematicCenter
                    }
                    model::CorridorReferencePoint::Contour => v2::CorridorRefPoint::Contour,
                }),
            })
        }
    };
    Ok(v2::Edge {
        edge_id: edge.edge_id.clone(),
        sequence_id: edge.sequence_id,
        edge_description: edge.description.clone(),
        released: edge.released,
        start_node_id: start.to_owned(),
        end_node_id: end.to_owned(),
        max_speed: edge.max_speed,
        max_height: edge.max_height,
        min_height: edge.min_height,
        orientation: edge.orientation,
        orientation_type: edge.orientation_type.map(|o| match o {
            model::OrientationType::Global => v2::OrientationType::Global,
            model::OrientationType::Tangential => v2::OrientationType::Tangential,
        }),
        direction: edge.direction.clone(),
        rotation_allowed: edge.reach_orientation_before_entering.map(|reach| !reach),
        max_rotation_speed: edge.max_rotation_speed,
        length: edge.length,
        trajectory: edge
            .trajectory
            .as_ref()
            .map(|t| trajectory_to_wire(&format!("{path}.trajectory"), t))
            .transpose()?,
        corridor,
        actions: actions_to_wire(&format!("{path}.actions"), &edge.actions)?,
    })
}

fn trajectory_to_wire(path: &str, t: &model::Trajectory) -> Conv<v2::Trajectory> {
    let degree = t
        .degree
        .ok_or_else(|| not_expressible(format!("{path}.degree"), "2.x requires the degree"))?;
    let knot_vector = t.knot_vector.clone().ok_or_else(|| {
        not_expressible(format!("{path}.knotVector"), "2.x requires the knot vector")
    })?;
    in_range(
        || format!("{path}.degree"),
        f64::from(degree),
        1.0,
        f64::INFINITY,
    )?;
    for (i, k) in knot_vector.iter().enumerate() {
        in_range(|| format!("{path}.knotVector[{i}]"), *k, 0.0, 1.0)?;
    }
    for (i, c) in t.control_points.iter().enumerate() {
        opt_in_range(
            || format!("{path}.controlPoints[{i}].weight"),
            c.weight,
            0.0,
            f64::INFINITY,
        )?;
    }
    Ok(v2::Trajectory {
        degree,
        knot_vector,
        control_points: t
            .control_points
            .iter()
            .map(|c| v2::ControlPoint {
                x: c.x,
                y: c.y,
                weight: c.weight,
            })
            .collect(),
    })
}

fn trajectory_from_wire(t: v2::Trajectory) -> model::Trajectory {
    model::Trajectory {
        degree: Some(t.degree),
        knot_vector: Some(t.knot_vector),
        control_points: t
            .control_points
            .into_iter()
            .map(|c| model::ControlPoint {
                x: c.x,
                y: c.y,
                weight: c.weight,
            })
            .collect(),
    }
}

pub(crate) fn order_from_wire(order: v2::Order) -> Conv<(Header, model::Order)> {
    let endpoints: Vec<(String, String)> = order
        .edges
        .iter()
        .map(|e| (e.start_node_id.clone(), e.end_node_id.clone()))
        .collect();
    let model = model::Order {
        order_id: order.order_id,
        order_update_id: order.order_update_id,
        nodes: order.nodes.into_iter().map(node_from_wire).collect(),
        edges: order.edges.into_iter().map(edge_from_wire).collect(),
    };
    let fail = |problem| ConvertError::Order {
        order_id: model.order_id.clone(),
        order_update_id: model.order_update_id,
        problem,
    };
    crate::rules::check_order(&model).map_err(fail)?;
    for (i, (start, end)) in endpoints.iter().enumerate() {
        for (field, expected, found) in [
            ("startNodeId", &model.nodes[i].node_id, start),
            ("endNodeId", &model.nodes[i + 1].node_id, end),
        ] {
            if expected != found {
                return Err(fail(OrderProblem::EdgeEndpoint {
                    field: format!("edges[{i}].{field}"),
                    expected: expected.clone(),
                    found: found.clone(),
                }));
            }
        }
    }
    Ok((order.header, model))
}

fn node_from_wire(node: v2::Node) -> model::Node {
    model::Node {
        node_id: node.node_id,
        sequence_id: node.sequence_id,
        released: node.released,
        description: node.node_description,
        position: node.node_position.map(|p| model::NodePosition {
            x: p.x,
            y: p.y,
            theta: p.theta,
            allowed_deviation_xy: p.allowed_deviation_xy.map(model::DeviationEllipse::circle),
            allowed_deviation_theta: p.allowed_deviation_theta,
            map_id: p.map_id,
        }),
        actions: node.actions.into_iter().map(action_from_wire).collect(),
    }
}

fn edge_from_wire(edge: v2::Edge) -> model::Edge {
    model::Edge {
        edge_id: edge.edge_id,
        sequence_id: edge.sequence_id,
        released: edge.released,
        description: edge.edge_description,
        max_speed: edge.max_speed,
        max_height: edge.max_height,
        min_height: edge.min_height,
        orientation: edge.orientation,
        orientation_type: edge.orientation_type.map(|o| match o {
            v2::OrientationType::Global => model::OrientationType::Global,
            v2::OrientationType::Tangential => model::OrientationType::Tangential,
        }),
        direction: edge.direction,
        reach_orientation_before_entering: edge.rotation_allowed.map(|allowed| !allowed),
        max_rotation_speed: edge.max_rotation_speed,
        length: edge.length,
        trajectory: edge.trajectory.map(trajectory_from_wire),
        corridor: edge.corridor.map(|c| model::Corridor {
            left_width: c.left_width,
            right_width: c.right_width,
            reference_point: c.corridor_ref_point.map(|r| match r {
                v2::CorridorRefPoint::KinematicCenter => {
                    model::CorridorReferencePoint::KinematicCenter
                }
                v2::CorridorRefPoint::Contour => model::CorridorReferencePoint::Contour,
            }),
            release: None,
        }),
        actions: edge.actions.into_iter().map(action_from_wire).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// instant actions

pub(crate) fn instant_actions_to_wire(
    header: Header,
    actions: &[model::Action],
) -> Conv<v2::InstantActions> {
    Ok(v2::InstantActions {
        header,
        actions: actions_to_wire("actions", actions)?,
    })
}

pub(crate) fn instant_actions_from_wire(
    message: v2::InstantActions,
) -> Conv<(Header, Vec<model::Action>)> {
    Ok((
        message.header,
        message.actions.into_iter().map(action_from_wire).collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// state

fn action_status_to_wire(field: &str, status: model::ActionStatus) -> Conv<v2::ActionStatus> {
    Ok(match status {
        model::ActionStatus::Waiting => v2::ActionStatus::Waiting,
        model::ActionStatus::Initializing => v2::ActionStatus::Initializing,
        model::ActionStatus::Running => v2::ActionStatus::Running,
        model::ActionStatus::Paused => v2::ActionStatus::Paused,
        model::ActionStatus::Finished => v2::ActionStatus::Finished,
        model::ActionStatus::Failed => v2::ActionStatus::Failed,
        model::ActionStatus::Retriable => {
            return Err(not_expressible(
                field,
                "action status RETRIABLE is new in VDA 5050 3.0",
            ));
        }
    })
}

fn action_state_to_wire(path: &str, a: &model::ActionState) -> Conv<v2::ActionState> {
    Ok(v2::ActionState {
        action_id: a.action_id.clone(),
        action_type: a
            .action_type
            .as_ref()
            .map(|t| action_type_name(&format!("{path}.actionType"), t))
            .transpose()?,
        action_description: a.description.clone(),
        action_status: action_status_to_wire(&format!("{path}.actionStatus"), a.status)?,
        result_description: a.result.clone(),
    })
}

fn action_state_from_wire(a: v2::ActionState) -> model::ActionState {
    model::ActionState {
        action_type: a.action_type.map(|t| ActionType::from_wire(V, &t)),
        action_id: a.action_id,
        status: match a.action_status {
            v2::ActionStatus::Waiting => model::ActionStatus::Waiting,
            v2::ActionStatus::Initializing => model::ActionStatus::Initializing,
            v2::ActionStatus::Running => model::ActionStatus::Running,
            v2::ActionStatus::Paused => model::ActionStatus::Paused,
            v2::ActionStatus::Finished => model::ActionStatus::Finished,
            v2::ActionStatus::Failed => model::ActionStatus::Failed,
        },
        description: a.action_description,
        result: a.result_description,
    }
}

fn error_type_to_wire(error_type: &model::ErrorType) -> String {
    match error_type {
        model::ErrorType::Predefined(p) => p.v2_name().unwrap_or(p.v3_name()).to_owned(),
        model::ErrorType::Other(name) => name.clone(),
    }
}

fn position_to_wire(path: &str, p: &model::Position) -> Conv<v2::AgvPosition> {
    opt_in_range(
        || format!("{path}.localizationScore"),
        p.localization_score,
        0.0,
        1.0,
    )?;
    Ok(v2::AgvPosition {
        x: p.x,
        y: p.y,
        theta: p.theta,
        map_id: p.map_id.clone(),
        map_description: None,
        position_initialized: p.localized,
        localization_score: p.localization_score,
        deviation_range: p.deviation_range,
    })
}

fn position_from_wire(p: v2::AgvPosition) -> model::Position {
    model::Position {
        x: p.x,
        y: p.y,
        theta: p.theta,
        map_id: p.map_id,
        localized: p.position_initialized,
        localization_score: p.localization_score,
        deviation_range: p.deviation_range,
    }
}

fn velocity_to_wire(v: &model::Velocity) -> v2::Velocity {
    v2::Velocity {
        vx: v.vx,
        vy: v.vy,
        omega: v.omega,
    }
}

fn velocity_from_wire(v: v2::Velocity) -> model::Velocity {
    model::Velocity {
        vx: v.vx,
        vy: v.vy,
        omega: v.omega,
    }
}

pub(crate) fn state_to_wire(header: Header, s: &model::VehicleState) -> Conv<v2::State> {
    if !s.zone_action_states.is_empty() {
        return Err(not_expressible(
            "zoneActionStates",
            "zones are new in VDA 5050 3.0",
        ));
    }
    if !s.zone_requests.is_empty() {
        return Err(not_expressible(
            "zoneRequests",
            "zone requests are new in VDA 5050 3.0",
        ));
    }
    if !s.edge_requests.is_empty() {
        return Err(not_expressible(
            "edgeRequests",
            "edge requests are new in VDA 5050 3.0",
        ));
    }
    // 2.x lists instant action states together with the order's (§6.10.6).
    let action_states = s
        .action_states
        .iter()
        .chain(&s.instant_action_states)
        .enumerate()
        .map(|(i, a)| action_state_to_wire(&format!("actionStates[{i}]"), a))
        .collect::<Conv<Vec<_>>>()?;
    let errors = s
        .errors
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(v2::Error {
                error_type: error_type_to_wire(&e.error_type),
                error_references: (!e.references.is_empty()).then(|| {
                    e.references
                        .iter()
                        .map(|r| v2::ErrorReference {
                            reference_key: r.key.clone(),
                            reference_value: r.value.clone(),
                        })
                        .collect()
                }),
                error_description: e.description.clone(),
                error_hint: e.hint.clone(),
                error_level: match e.level {
                    model::ErrorLevel::Warning => v2::ErrorLevel::Warning,
                    model::ErrorLevel::Fatal => v2::ErrorLevel::Fatal,
                    level @ (model::ErrorLevel::Urgent | model::ErrorLevel::Critical) => {
                        return Err(not_expressible(
                            format!("errors[{i}].errorLevel"),
                            format!("error level {level:?} is new in VDA 5050 3.0 (2.x has WARNING and FATAL)"),
                        ));
                    }
                },
            })
        })
        .collect::<Conv<Vec<_>>>()?;
    let loads = match &s.loads {
        None => None,
        Some(loads) => Some(
            loads
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    opt_in_range(
                        || format!("loads[{i}].weight"),
                        l.weight,
                        0.0,
                        f64::INFINITY,
                    )?;
                    Ok(v2::Load {
                        load_id: l.load_id.clone(),
                        load_type: l.load_type.clone(),
                        load_position: l.load_position.clone(),
                        bounding_box_reference: None,
                        load_dimensions: l.dimensions.map(|d| v2::LoadDimensions {
                            length: d.length,
                            width: d.width,
                            height: d.height,
                        }),
                        weight: l.weight,
                    })
                })
                .collect::<Conv<Vec<_>>>()?,
        ),
    };
    let p = &s.power;
    opt_in_range(
        || "batteryState.batteryHealth".to_owned(),
        p.health,
        0.0,
        100.0,
    )?;
    opt_in_range(
        || "batteryState.reach".to_owned(),
        p.range,
        0.0,
        f64::INFINITY,
    )?;
    Ok(v2::State {
        header,
        maps: (!s.maps.is_empty()).then(|| {
            s.maps
                .iter()
                .map(|m| v2::Map {
                    map_id: m.map_id.clone(),
                    map_version: m.map_version.clone(),
                    map_description: m.description.clone(),
                    map_status: if m.enabled {
                        v2::MapStatus::Enabled
                    } else {
                        v2::MapStatus::Disabled
                    },
                })
                .collect()
        }),
        order_id: s.order_id.clone(),
        order_update_id: s.order_update_id,
        zone_set_id: None,
        last_node_id: s.last_node_id.clone(),
        last_node_sequence_id: s.last_node_sequence_id,
        driving: s.driving,
        paused: s.paused,
        new_base_request: s.new_base_request,
        distance_since_last_node: s.distance_since_last_node,
        operating_mode: match s.operating_mode {
            model::OperatingMode::Automatic => v2::OperatingMode::Automatic,
            model::OperatingMode::Semiautomatic => v2::OperatingMode::Semiautomatic,
            model::OperatingMode::Manual => v2::OperatingMode::Manual,
            model::OperatingMode::Service => v2::OperatingMode::Service,
            model::OperatingMode::TeachIn => v2::OperatingMode::TeachIn,
            mode @ (model::OperatingMode::Startup | model::OperatingMode::Intervened) => {
                return Err(not_expressible(
                    "operatingMode",
                    format!("operating mode {mode:?} is new in VDA 5050 3.0"),
                ));
            }
        },
        node_states: s
            .node_states
            .iter()
            .map(|n| v2::NodeState {
                node_id: n.node_id.clone(),
                sequence_id: n.sequence_id,
                node_description: None,
                released: n.released,
                node_position: None,
            })
            .collect(),
        edge_states: s
            .edge_states
            .iter()
            .map(|e| v2::EdgeState {
                edge_id: e.edge_id.clone(),
                sequence_id: e.sequence_id,
                edge_description: None,
                released: e.released,
                trajectory: None,
            })
            .collect(),
        agv_position: s
            .position
            .as_ref()
            .map(|p| position_to_wire("agvPosition", p))
            .transpose()?,
        velocity: s.velocity.as_ref().map(velocity_to_wire),
        loads,
        action_states,
        battery_state: v2::BatteryState {
            battery_charge: p.state_of_charge,
            battery_voltage: p.voltage,
            battery_health: p.health,
            charging: p.charging,
            reach: p.range,
        },
        errors,
        information: None,
        safety_state: v2::SafetyState {
            e_stop: match s.safety.emergency_stop {
                model::EmergencyStop::AutoAck => v2::EStop::AutoAck,
                model::EmergencyStop::Manual => v2::EStop::Manual,
                model::EmergencyStop::Remote => v2::EStop::Remote,
                model::EmergencyStop::None => v2::EStop::None,
            },
            field_violation: s.safety.field_violation,
        },
    })
}

pub(crate) fn state_from_wire(s: v2::State) -> Conv<(Header, model::VehicleState)> {
    let state = model::VehicleState {
        order_id: s.order_id,
        order_update_id: s.order_update_id,
        last_node_id: s.last_node_id,
        last_node_sequence_id: s.last_node_sequence_id,
        node_states: s
            .node_states
            .into_iter()
            .map(|n| model::NodeState {
                node_id: n.node_id,
                sequence_id: n.sequence_id,
                released: n.released,
            })
            .collect(),
        edge_states: s
            .edge_states
            .into_iter()
            .map(|e| model::EdgeState {
                edge_id: e.edge_id,
                sequence_id: e.sequence_id,
                released: e.released,
            })
            .collect(),
        driving: s.driving,
        paused: s.paused,
        new_base_request: s.new_base_request,
        distance_since_last_node: s.distance_since_last_node,
        action_states: s
            .action_states
            .into_iter()
            .map(action_state_from_wire)
            .collect(),
        instant_action_states: Vec::new(),
        zone_action_states: Vec::new(),
        power: model::PowerSupply {
            state_of_charge: s.battery_state.battery_charge,
            charging: s.battery_state.charging,
            voltage: s.battery_state.battery_voltage,
            current: None,
            health: s.battery_state.battery_health,
            range: s.battery_state.reach,
        },
        operating_mode: match s.operating_mode {
            v2::OperatingMode::Automatic => model::OperatingMode::Automatic,
            v2::OperatingMode::Semiautomatic => model::OperatingMode::Semiautomatic,
            v2::OperatingMode::Manual => model::OperatingMode::Manual,
            v2::OperatingMode::Service => model::OperatingMode::Service,
            v2::OperatingMode::TeachIn => model::OperatingMode::TeachIn,
        },
        errors: s
            .errors
            .into_iter()
            .map(|e| model::VehicleError {
                error_type: model::ErrorType::from_wire(&e.error_type),
                level: match e.error_level {
                    v2::ErrorLevel::Warning => model::ErrorLevel::Warning,
                    v2::ErrorLevel::Fatal => model::ErrorLevel::Fatal,
                },
                references: e
                    .error_references
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| model::Reference {
                        key: r.reference_key,
                        value: r.reference_value,
                    })
                    .collect(),
                description: e.error_description,
                hint: e.error_hint,
            })
            .collect(),
        safety: model::SafetyState {
            emergency_stop: match s.safety_state.e_stop {
                v2::EStop::AutoAck => model::EmergencyStop::AutoAck,
                v2::EStop::Manual => model::EmergencyStop::Manual,
                v2::EStop::Remote => model::EmergencyStop::Remote,
                v2::EStop::None => model::EmergencyStop::None,
            },
            field_violation: s.safety_state.field_violation,
        },
        position: s.agv_position.map(position_from_wire),
        velocity: s.velocity.map(velocity_from_wire),
        loads: s.loads.map(|loads| {
            loads
                .into_iter()
                .map(|l| model::Load {
                    load_id: l.load_id,
                    load_type: l.load_type,
                    load_position: l.load_position,
                    weight: l.weight,
                    dimensions: l.load_dimensions.map(|d| model::LoadDimensions {
                        length: d.length,
                        width: d.width,
                        height: d.height,
                    }),
                })
                .collect()
        }),
        maps: s
            .maps
            .unwrap_or_default()
            .into_iter()
            .map(|m| model::MapState {
                map_id: m.map_id,
                map_version: m.map_version,
                description: m.map_description,
                enabled: m.map_status == v2::MapStatus::Enabled,
            })
            .collect(),
        zone_requests: Vec::new(),
        edge_requests: Vec::new(),
    };
    Ok((s.header, state))
}

// ---------------------------------------------------------------------------------------
// connection, visualization

pub(crate) fn connection_to_wire(
    header: Header,
    state: model::ConnectionState,
) -> Conv<v2::Connection> {
    Ok(v2::Connection {
        header,
        connection_state: match state {
            model::ConnectionState::Online => v2::ConnectionState::Online,
            model::ConnectionState::Offline => v2::ConnectionState::Offline,
            model::ConnectionState::ConnectionBroken => v2::ConnectionState::ConnectionBroken,
            model::ConnectionState::Hibernating => {
                return Err(not_expressible(
                    "connectionState",
                    "HIBERNATING is new in VDA 5050 3.0",
                ));
            }
        },
    })
}

pub(crate) fn connection_from_wire(c: v2::Connection) -> Conv<(Header, model::ConnectionState)> {
    Ok((
        c.header,
        match c.connection_state {
            v2::ConnectionState::Online => model::ConnectionState::Online,
            v2::ConnectionState::Offline => model::ConnectionState::Offline,
            v2::ConnectionState::ConnectionBroken => model::ConnectionState::ConnectionBroken,
        },
    ))
}

/// `referenceStateHeaderId` (3.0) has no 2.x field and is left out.
pub(crate) fn visualization_to_wire(
    header: Header,
    v: &model::Visualization,
) -> Conv<v2::Visualization> {
    Ok(v2::Visualization {
        header_id: Some(header.header_id),
        timestamp: Some(header.timestamp),
        version: Some(header.version),
        manufacturer: Some(header.manufacturer),
        serial_number: Some(header.serial_number),
        agv_position: v
            .position
            .as_ref()
            .map(|p| position_to_wire("agvPosition", p))
            .transpose()?,
        velocity: v.velocity.as_ref().map(velocity_to_wire),
    })
}

pub(crate) fn visualization_from_wire(
    v: v2::Visualization,
) -> Conv<(Header, model::Visualization)> {
    let header = Header {
        header_id: v
            .header_id
            .ok_or(ConvertError::MissingHeaderField("headerId"))?,
        timestamp: v
            .timestamp
            .ok_or(ConvertError::MissingHeaderField("timestamp"))?,
        version: v
            .version
            .ok_or(ConvertError::MissingHeaderField("version"))?,
        manufacturer: v
            .manufacturer
            .ok_or(ConvertError::MissingHeaderField("manufacturer"))?,
        serial_number: v
            .serial_number
            .ok_or(ConvertError::MissingHeaderField("serialNumber"))?,
    };
    Ok((
        header,
        model::Visualization {
            position: v.agv_position.map(position_from_wire),
            velocity: v.velocity.map(velocity_from_wire),
            reference_state_header_id: None,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// factsheet

fn named_v2<T>(field: &str, name: Option<T>) -> Conv<T> {
    name.ok_or_else(|| not_expressible(field, "2.x has a closed list; this value is not in it"))
}

pub(crate) fn factsheet_to_wire(header: Header, f: &model::Factsheet) -> Conv<v2::Factsheet> {
    let t = &f.type_specification;
    in_range(
        || "typeSpecification.maxLoadMass".to_owned(),
        t.max_load_mass,
        0.0,
        f64::INFINITY,
    )?;
    let kinematic = match named_v2("typeSpecification.agvKinematic", t.kinematics.v2_name())? {
        "DIFF" => v2::AgvKinematic::Diff,
        "OMNI" => v2::AgvKinematic::Omni,
        _ => v2::AgvKinematic::ThreeWheel,
    };
    let class = match named_v2("typeSpecification.agvClass", t.class.v2_name())? {
        "FORKLIFT" => v2::AgvClass::Forklift,
        "CONVEYOR" => v2::AgvClass::Conveyor,
        "TUGGER" => v2::AgvClass::Tugger,
        _ => v2::AgvClass::Carrier,
    };
    let localization_types = t
        .localization_types
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(
                match named_v2(
                    &format!("typeSpecification.localizationTypes[{i}]"),
                    l.v2_name(),
                )? {
                    "NATURAL" => v2::LocalizationType::Natural,
                    "REFLECTOR" => v2::LocalizationType::Reflector,
                    "RFID" => v2::LocalizationType::Rfid,
                    "DMC" => v2::LocalizationType::Dmc,
                    "SPOT" => v2::LocalizationType::Spot,
                    _ => v2::LocalizationType::Grid,
                },
            )
        })
        .collect::<Conv<Vec<_>>>()?;
    let navigation_types = t
        .navigation_types
        .iter()
        .enumerate()
        .map(|(i, n)| {
            Ok(
                match named_v2(
                    &format!("typeSpecification.navigationTypes[{i}]"),
                    n.v2_name(),
                )? {
                    "PHYSICAL_LINE_GUIDED" => v2::NavigationType::PhysicalLineGuided,
                    "VIRTUAL_LINE_GUIDED" => v2::NavigationType::VirtualLineGuided,
                    _ => v2::NavigationType::Autonomous,
                },
            )
        })
        .collect::<Conv<Vec<_>>>()?;
    let p = &f.physical_parameters;
    let l = &f.protocol_limits;
    let s = &l.max_string_lengths;
    let a = &l.max_array_lengths;
    let agv_actions = f
        .protocol_features
        .actions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let path = format!("protocolFeatures.agvActions[{i}]");
            Ok(v2::AgvAction {
                action_type: action_type_name(&format!("{path}.actionType"), &c.action_type)?,
                action_description: c.description.clone(),
                action_scopes: c
                    .scopes
                    .iter()
                    .map(|scope| {
                        Ok(match scope {
                            model::ActionScope::Instant => v2::ActionScope::Instant,
                            model::ActionScope::Node => v2::ActionScope::Node,
                            model::ActionScope::Edge => v2::ActionScope::Edge,
                            model::ActionScope::Zone => {
                                return Err(not_expressible(
                                    format!("{path}.actionScopes"),
                                    "scope ZONE is new in VDA 5050 3.0",
                                ));
                            }
                        })
                    })
                    .collect::<Conv<Vec<_>>>()?,
                action_parameters: (!c.parameters.is_empty()).then(|| {
                    c.parameters
                        .iter()
                        .map(|d| v2::ActionParameterDefinition {
                            key: d.key.clone(),
                            value_data_type: match d.value_data_type {
                                model::ValueDataType::Bool => v2::ValueDataType::Bool,
                                model::ValueDataType::Number => v2::ValueDataType::Number,
                                model::ValueDataType::Integer => v2::ValueDataType::Integer,
                                model::ValueDataType::Float => v2::ValueDataType::Float,
                                model::ValueDataType::String => v2::ValueDataType::String,
                                model::ValueDataType::Object => v2::ValueDataType::Object,
                                model::ValueDataType::Array => v2::ValueDataType::Array,
                            },
                            description: d.description.clone(),
                            is_optional: d.is_optional,
                        })
                        .collect()
                }),
                result_description: c.result_description.clone(),
                blocking_types: c
                    .blocking_types
                    .as_ref()
                    .map(|types| {
                        types
                            .iter()
                            .map(|b| blocking_to_wire(&format!("{path}.blockingTypes"), *b))
                            .collect::<Conv<Vec<_>>>()
                    })
                    .transpose()?,
            })
        })
        .collect::<Conv<Vec<_>>>()?;
    Ok(v2::Factsheet {
        header_id: Some(header.header_id),
        timestamp: Some(header.timestamp),
        version: header.version,
        manufacturer: header.manufacturer,
        serial_number: header.serial_number,
        type_specification: v2::TypeSpecification {
            series_name: t.series_name.clone(),
            series_description: t.series_description.clone(),
            agv_kinematic: kinematic,
            agv_class: class,
            max_load_mass: t.max_load_mass,
            localization_types,
            navigation_types,
        },
        physical_parameters: v2::PhysicalParameters {
            speed_min: p.min_speed,
            speed_max: p.max_speed,
            acceleration_max: p.max_acceleration,
            deceleration_max: p.max_deceleration,
            height_min: p.min_height,
            height_max: p.max_height,
            width: p.width,
            length: p.length,
        },
        protocol_limits: v2::ProtocolLimits {
            max_string_lens: v2::MaxStringLens {
                msg_len: s.message,
                topic_serial_len: s.topic_serial,
                topic_elem_len: s.topic_element,
                id_len: s.id,
                id_numerical_only: s.id_numerical_only,
                enum_len: None,
                load_id_len: s.load_id,
            },
            max_array_lens: v2::MaxArrayLens {
                order_nodes: a.order_nodes,
                order_edges: a.order_edges,
                node_actions: a.node_actions,
                edge_actions: a.edge_actions,
                actions_parameters: a.action_parameters,
                instant_actions: a.instant_actions,
                trajectory_knot_vector: a.knot_vector,
                trajectory_control_points: a.control_points,
                state_node_states: a.node_states,
                state_edge_states: a.edge_states,
                state_loads: a.loads,
                state_action_states: a.action_states,
                state_errors: a.errors,
                state_information: a.information,
                error_error_references: a.error_references,
                information_info_references: a.info_references,
            },
            timing: v2::Timing {
                min_order_interval: l.timing.min_order_interval,
                min_state_interval: l.timing.min_state_interval,
                default_state_interval: l.timing.default_state_interval,
                visualization_interval: l.timing.visualization_interval,
            },
        },
        protocol_features: v2::ProtocolFeatures {
            optional_parameters: f
                .protocol_features
                .optional_parameters
                .iter()
                .map(|o| v2::OptionalParameter {
                    parameter: o.parameter.clone(),
                    support: match o.support {
                        model::Support::Supported => v2::Support::Supported,
                        model::Support::Required => v2::Support::Required,
                    },
                    description: o.description.clone(),
                })
                .collect(),
            agv_actions,
        },
        agv_geometry: v2::AgvGeometry::default(),
        load_specification: v2::LoadSpecification::default(),
        vehicle_config: None,
    })
}

pub(crate) fn factsheet_from_wire(f: v2::Factsheet) -> Conv<(Header, model::Factsheet)> {
    let header = Header {
        header_id: f
            .header_id
            .ok_or(ConvertError::MissingHeaderField("headerId"))?,
        timestamp: f
            .timestamp
            .ok_or(ConvertError::MissingHeaderField("timestamp"))?,
        version: f.version,
        manufacturer: f.manufacturer,
        serial_number: f.serial_number,
    };
    let t = f.type_specification;
    let p = f.physical_parameters;
    let l = f.protocol_limits;
    let s = l.max_string_lens;
    let a = l.max_array_lens;
    let factsheet = model::Factsheet {
        type_specification: model::TypeSpecification {
            series_name: t.series_name,
            series_description: t.series_description,
            kinematics: match t.agv_kinematic {
                v2::AgvKinematic::Diff => model::Kinematics::Differential,
                v2::AgvKinematic::Omni => model::Kinematics::Omnidirectional,
                v2::AgvKinematic::ThreeWheel => model::Kinematics::ThreeWheel,
            },
            class: match t.agv_class {
                v2::AgvClass::Forklift => model::VehicleClass::Forklift,
                v2::AgvClass::Conveyor => model::VehicleClass::Conveyor,
                v2::AgvClass::Tugger => model::VehicleClass::Tugger,
                v2::AgvClass::Carrier => model::VehicleClass::Carrier,
            },
            max_load_mass: t.max_load_mass,
            localization_types: t
                .localization_types
                .into_iter()
                .map(|l| match l {
                    v2::LocalizationType::Natural => model::LocalizationType::Natural,
                    v2::LocalizationType::Reflector => model::LocalizationType::Reflector,
                    v2::LocalizationType::Rfid => model::LocalizationType::Rfid,
                    v2::LocalizationType::Dmc => model::LocalizationType::Dmc,
                    v2::LocalizationType::Spot => model::LocalizationType::Spot,
                    v2::LocalizationType::Grid => model::LocalizationType::Grid,
                })
                .collect(),
            navigation_types: t
                .navigation_types
                .into_iter()
                .map(|n| match n {
                    v2::NavigationType::PhysicalLineGuided => {
                        model::NavigationType::PhysicalLineGuided
                    }
                    v2::NavigationType::VirtualLineGuided => {
                        model::NavigationType::VirtualLineGuided
                    }
                    v2::NavigationType::Autonomous => model::NavigationType::FreelyNavigating,
                })
                .collect(),
        },
        physical_parameters: model::PhysicalParameters {
            min_speed: p.speed_min,
            max_speed: p.speed_max,
            min_angular_speed: None,
            max_angular_speed: None,
            max_acceleration: p.acceleration_max,
            max_deceleration: p.deceleration_max,
            min_height: p.height_min,
            max_height: p.height_max,
            width: p.width,
            length: p.length,
        },
        protocol_limits: model::ProtocolLimits {
            max_string_lengths: model::StringLengthLimits {
                message: s.msg_len,
                topic_serial: s.topic_serial_len,
                topic_element: s.topic_elem_len,
                id: s.id_len,
                id_numerical_only: s.id_numerical_only,
                load_id: s.load_id_len,
            },
            max_array_lengths: model::ArrayLengthLimits {
                order_nodes: a.order_nodes,
                order_edges: a.order_edges,
                node_actions: a.node_actions,
                edge_actions: a.edge_actions,
                action_parameters: a.actions_parameters,
                instant_actions: a.instant_actions,
                knot_vector: a.trajectory_knot_vector,
                control_points: a.trajectory_control_points,
                zone_set_zones: None,
                node_states: a.state_node_states,
                edge_states: a.state_edge_states,
                loads: a.state_loads,
                action_states: a.state_action_states,
                instant_action_states: None,
                zone_action_states: None,
                errors: a.state_errors,
                information: a.state_information,
                error_references: a.error_error_references,
                info_references: a.information_info_references,
            },
            timing: model::Timing {
                min_order_interval: l.timing.min_order_interval,
                min_state_interval: l.timing.min_state_interval,
                default_state_interval: l.timing.default_state_interval,
                visualization_interval: l.timing.visualization_interval,
            },
        },
        protocol_features: model::ProtocolFeatures {
            optional_parameters: f
                .protocol_features
                .optional_parameters
                .into_iter()
                .map(|o| model::OptionalParameter {
                    parameter: o.parameter,
                    support: match o.support {
                        v2::Support::Supported => model::Support::Supported,
                        v2::Support::Required => model::Support::Required,
                    },
                    description: o.description,
                })
                .collect(),
            actions: f
                .protocol_features
                .agv_actions
                .into_iter()
                .map(|c| model::ActionCapability {
                    action_type: ActionType::from_wire(V, &c.action_type),
                    description: c.action_description,
                    scopes: c
                        .action_scopes
                        .into_iter()
                        .map(|s| match s {
                            v2::ActionScope::Instant => model::ActionScope::Instant,
                            v2::ActionScope::Node => model::ActionScope::Node,
                            v2::ActionScope::Edge => model::ActionScope::Edge,
                        })
                        .collect(),
                    parameters: c
                        .action_parameters
                        .unwrap_or_default()
                        .into_iter()
                        .map(|d| model::ActionParameterSpec {
                            key: d.key,
                            value_data_type: match d.value_data_type {
                                v2::ValueDataType::Bool => model::ValueDataType::Bool,
                                v2::ValueDataType::Number => model::ValueDataType::Number,
                                v2::ValueDataType::Integer => model::ValueDataType::Integer,
                                v2::ValueDataType::Float => model::ValueDataType::Float,
                                v2::ValueDataType::String => model::ValueDataType::String,
                                v2::ValueDataType::Object => model::ValueDataType::Object,
                                v2::ValueDataType::Array => model::ValueDataType::Array,
                            },
                            description: d.description,
                            is_optional: d.is_optional,
                        })
                        .collect(),
                    result_description: c.result_description,
                    blocking_types: c
                        .blocking_types
                        .map(|types| types.into_iter().map(blocking_from_wire).collect()),
                    pause_allowed: None,
                    cancel_allowed: None,
                })
                .collect(),
        },
    };
    Ok((header, factsheet))
}
