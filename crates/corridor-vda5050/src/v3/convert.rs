//! 3.0 wire types ⇄ model.

use crate::codec::{Conv, ConvertError, PI_BOUND, in_range, not_expressible, opt_in_range};
use crate::header::Header;
use crate::model::{self, ActionType};
use crate::topic::ProtocolVersion;
use crate::v3;

const V: ProtocolVersion = ProtocolVersion::V3;

// ---------------------------------------------------------------------------------------
// actions

fn action_type_name(action_type: &ActionType) -> String {
    // Every model action type has a 3.0 name.
    action_type
        .wire_name(V)
        .map_or_else(|| format!("{action_type:?}"), str::to_owned)
}

fn blocking_to_wire(blocking: model::BlockingType) -> v3::BlockingType {
    match blocking {
        model::BlockingType::None => v3::BlockingType::None,
        model::BlockingType::Single => v3::BlockingType::Single,
        model::BlockingType::Soft => v3::BlockingType::Soft,
        model::BlockingType::Hard => v3::BlockingType::Hard,
    }
}

fn blocking_from_wire(blocking: v3::BlockingType) -> model::BlockingType {
    match blocking {
        v3::BlockingType::None => model::BlockingType::None,
        v3::BlockingType::Single => model::BlockingType::Single,
        v3::BlockingType::Soft => model::BlockingType::Soft,
        v3::BlockingType::Hard => model::BlockingType::Hard,
    }
}

fn parameters_to_wire(parameters: &[model::ActionParameter]) -> Option<Vec<v3::ActionParameter>> {
    (!parameters.is_empty()).then(|| {
        parameters
            .iter()
            .map(|p| v3::ActionParameter {
                key: p.key.clone(),
                value: p.value.clone(),
            })
            .collect()
    })
}

fn parameters_from_wire(
    parameters: Option<Vec<v3::ActionParameter>>,
) -> Vec<model::ActionParameter> {
    parameters
        .unwrap_or_default()
        .into_iter()
        .map(|p| model::ActionParameter {
            key: p.key,
            value: p.value,
        })
        .collect()
}

fn action_to_wire(action: &model::Action) -> v3::Action {
    v3::Action {
        action_type: action_type_name(&action.action_type),
        action_id: action.action_id.clone(),
        action_descriptor: action.description.clone(),
        blocking_type: blocking_to_wire(action.blocking_type),
        action_parameters: parameters_to_wire(&action.parameters),
        retriable: action.retriable.then_some(true),
    }
}

fn action_from_wire(action: v3::Action) -> model::Action {
    model::Action {
        action_type: ActionType::from_wire(V, &action.action_type),
        action_id: action.action_id,
        description: action.action_descriptor,
        blocking_type: blocking_from_wire(action.blocking_type),
        parameters: parameters_from_wire(action.action_parameters),
        retriable: action.retriable.unwrap_or(false),
    }
}

// ---------------------------------------------------------------------------------------
// order

pub(crate) fn order_to_wire(header: Header, order: &model::Order) -> Conv<v3::Order> {
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
        .map(|(i, e)| edge_to_wire(&format!("edges[{i}]"), e))
        .collect::<Conv<Vec<_>>>()?;
    Ok(v3::Order {
        header,
        order_id: order.order_id.clone(),
        order_update_id: order.order_update_id,
        order_description: None,
        nodes,
        edges,
    })
}

fn node_to_wire(path: &str, node: &model::Node) -> Conv<v3::Node> {
    let node_position = match &node.position {
        None => None,
        Some(p) => {
            opt_in_range(
                || format!("{path}.nodePosition.theta"),
                p.theta,
                -PI_BOUND,
                PI_BOUND,
            )?;
            if let Some(e) = p.allowed_deviation_xy {
                let field = |f: &str| format!("{path}.nodePosition.allowedDeviationXY.{f}");
                in_range(|| field("a"), e.a, 0.0, f64::INFINITY)?;
                in_range(|| field("b"), e.b, 0.0, f64::INFINITY)?;
                in_range(
                    || field("theta"),
                    e.theta,
                    -std::f64::consts::FRAC_PI_2,
                    std::f64::consts::FRAC_PI_2,
                )?;
            }
            opt_in_range(
                || format!("{path}.nodePosition.allowedDeviationTheta"),
                p.allowed_deviation_theta,
                0.0,
                PI_BOUND,
            )?;
            Some(v3::NodePosition {
                x: p.x,
                y: p.y,
                theta: p.theta,
                allowed_deviation_xy: p.allowed_deviation_xy.map(|e| v3::AllowedDeviationXy {
                    a: e.a,
                    b: e.b,
                    theta: e.theta,
                }),
                allowed_deviation_theta: p.allowed_deviation_theta,
                map_id: p.map_id.clone(),
            })
        }
    };
    Ok(v3::Node {
        node_id: node.node_id.clone(),
        sequence_id: node.sequence_id,
        node_descriptor: node.description.clone(),
        released: node.released,
        node_position,
        actions: node.actions.iter().map(action_to_wire).collect(),
    })
}

fn edge_to_wire(path: &str, edge: &model::Edge) -> Conv<v3::Edge> {
    opt_in_range(
        || format!("{path}.orientation"),
        edge.orientation,
        -PI_BOUND,
        PI_BOUND,
    )?;
    let corridor = match edge.corridor {
        None => None,
        Some(c) => {
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
            Some(v3::Corridor {
                left_width: c.left_width,
                right_width: c.right_width,
                corridor_reference_point: c.reference_point.map(|r| match r {
                    model::CorridorReferencePoint::KinematicCenter => {
                        v3::CorridorReferencePoint::KinematicCenter
                    }
                    model::CorridorReferencePoint::Contour => v3::CorridorReferencePoint::Contour,
                }),
                release_required: c.release.map(|_| true),
                release_loss_behavior: c.release.map(|b| match b {
                    model::ReleaseLossBehavior::Stop => v3::ReleaseLossBehavior::Stop,
                    model::ReleaseLossBehavior::Return => v3::ReleaseLossBehavior::Return,
                }),
            })
        }
    };
    Ok(v3::Edge {
        edge_id: edge.edge_id.clone(),
        sequence_id: edge.sequence_id,
        edge_descriptor: edge.description.clone(),
        released: edge.released,
        maximum_speed: edge.max_speed,
        maximum_mobile_robot_height: edge.max_height,
        minimum_load_handling_device_height: edge.min_height,
        orientation: edge.orientation,
        orientation_type: edge.orientation_type.map(|o| match o {
            model::OrientationType::Global => v3::OrientationType::Global,
            model::OrientationType::Tangential => v3::OrientationType::Tangential,
        }),
        direction: edge.direction.clone(),
        reach_orientation_before_entering: edge.reach_orientation_before_entering,
        max_rotation_speed: edge.max_rotation_speed,
        trajectory: edge
            .trajectory
            .as_ref()
            .map(|t| trajectory_to_wire(&format!("{path}.trajectory"), t))
            .transpose()?,
        length: edge.length,
        corridor,
        actions: edge.actions.iter().map(action_to_wire).collect(),
    })
}

fn trajectory_to_wire(path: &str, t: &model::Trajectory) -> Conv<v3::Trajectory> {
    if let Some(degree) = t.degree {
        in_range(
            || format!("{path}.degree"),
            f64::from(degree),
            1.0,
            f64::INFINITY,
        )?;
    }
    for (i, k) in t.knot_vector.iter().flatten().enumerate() {
        in_range(|| format!("{path}.knotVector[{i}]"), *k, 0.0, 1.0)?;
    }
    Ok(v3::Trajectory {
        degree: t.degree,
        knot_vector: t.knot_vector.clone(),
        control_points: t
            .control_points
            .iter()
            .map(|c| v3::ControlPoint {
                x: c.x,
                y: c.y,
                weight: c.weight,
            })
            .collect(),
    })
}

fn trajectory_from_wire(t: v3::Trajectory) -> model::Trajectory {
    model::Trajectory {
        degree: t.degree,
        knot_vector: t.knot_vector,
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

pub(crate) fn order_from_wire(order: v3::Order) -> Conv<(Header, model::Order)> {
    let model = model::Order {
        order_id: order.order_id,
        order_update_id: order.order_update_id,
        nodes: order.nodes.into_iter().map(node_from_wire).collect(),
        edges: order.edges.into_iter().map(edge_from_wire).collect(),
    };
    crate::rules::check_order(&model).map_err(|problem| ConvertError::Order {
        order_id: model.order_id.clone(),
        order_update_id: model.order_update_id,
        problem,
    })?;
    Ok((order.header, model))
}

fn node_from_wire(node: v3::Node) -> model::Node {
    model::Node {
        node_id: node.node_id,
        sequence_id: node.sequence_id,
        released: node.released,
        description: node.node_descriptor,
        position: node.node_position.map(|p| model::NodePosition {
            x: p.x,
            y: p.y,
            theta: p.theta,
            allowed_deviation_xy: p.allowed_deviation_xy.map(|e| model::DeviationEllipse {
                a: e.a,
                b: e.b,
                theta: e.theta,
            }),
            allowed_deviation_theta: p.allowed_deviation_theta,
            map_id: p.map_id,
        }),
        actions: node.actions.into_iter().map(action_from_wire).collect(),
    }
}

fn edge_from_wire(edge: v3::Edge) -> model::Edge {
    model::Edge {
        edge_id: edge.edge_id,
        sequence_id: edge.sequence_id,
        released: edge.released,
        description: edge.edge_descriptor,
        max_speed: edge.maximum_speed,
        max_height: edge.maximum_mobile_robot_height,
        min_height: edge.minimum_load_handling_device_height,
        orientation: edge.orientation,
        orientation_type: edge.orientation_type.map(|o| match o {
            v3::OrientationType::Global => model::OrientationType::Global,
            v3::OrientationType::Tangential => model::OrientationType::Tangential,
        }),
        direction: edge.direction,
        reach_orientation_before_entering: edge.reach_orientation_before_entering,
        max_rotation_speed: edge.max_rotation_speed,
        length: edge.length,
        trajectory: edge.trajectory.map(trajectory_from_wire),
        corridor: edge.corridor.map(|c| model::Corridor {
            left_width: c.left_width,
            right_width: c.right_width,
            reference_point: c.corridor_reference_point.map(|r| match r {
                v3::CorridorReferencePoint::KinematicCenter => {
                    model::CorridorReferencePoint::KinematicCenter
                }
                v3::CorridorReferencePoint::Contour => model::CorridorReferencePoint::Contour,
            }),
            // releaseLossBehavior without releaseRequired has no effect; absent means STOP.
            release: (c.release_required == Some(true)).then_some(match c.release_loss_behavior {
                Some(v3::ReleaseLossBehavior::Return) => model::ReleaseLossBehavior::Return,
                Some(v3::ReleaseLossBehavior::Stop) | None => model::ReleaseLossBehavior::Stop,
            }),
        }),
        actions: edge.actions.into_iter().map(action_from_wire).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// instant actions

pub(crate) fn instant_actions_to_wire(
    header: Header,
    actions: &[model::Action],
) -> Conv<v3::InstantActions> {
    let actions = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if a.blocking_type != model::BlockingType::None {
                return Err(not_expressible(
                    format!("actions[{i}].blockingType"),
                    "an instant action's blocking type is always NONE in VDA 5050 3.0",
                ));
            }
            if a.retriable {
                return Err(not_expressible(
                    format!("actions[{i}].retriable"),
                    "instant actions have no retriable flag",
                ));
            }
            Ok(v3::InstantAction {
                action_type: action_type_name(&a.action_type),
                action_id: a.action_id.clone(),
                action_descriptor: a.description.clone(),
                blocking_type: v3::InstantBlockingType::None,
                action_parameters: parameters_to_wire(&a.parameters),
            })
        })
        .collect::<Conv<Vec<_>>>()?;
    Ok(v3::InstantActions { header, actions })
}

pub(crate) fn instant_actions_from_wire(
    message: v3::InstantActions,
) -> Conv<(Header, Vec<model::Action>)> {
    Ok((
        message.header,
        message
            .actions
            .into_iter()
            .map(|a| model::Action {
                action_type: ActionType::from_wire(V, &a.action_type),
                action_id: a.action_id,
                description: a.action_descriptor,
                blocking_type: model::BlockingType::None,
                parameters: parameters_from_wire(a.action_parameters),
                retriable: false,
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// state

fn action_state_to_wire(a: &model::ActionState) -> v3::ActionState {
    v3::ActionState {
        action_id: a.action_id.clone(),
        action_type: a.action_type.as_ref().map(action_type_name),
        action_descriptor: a.description.clone(),
        action_status: match a.status {
            model::ActionStatus::Waiting => v3::ActionStatus::Waiting,
            model::ActionStatus::Initializing => v3::ActionStatus::Initializing,
            model::ActionStatus::Running => v3::ActionStatus::Running,
            model::ActionStatus::Paused => v3::ActionStatus::Paused,
            model::ActionStatus::Retriable => v3::ActionStatus::Retriable,
            model::ActionStatus::Finished => v3::ActionStatus::Finished,
            model::ActionStatus::Failed => v3::ActionStatus::Failed,
        },
        action_result: a.result.clone(),
    }
}

fn action_state_from_wire(a: v3::ActionState) -> model::ActionState {
    model::ActionState {
        action_type: a.action_type.map(|t| ActionType::from_wire(V, &t)),
        action_id: a.action_id,
        status: match a.action_status {
            v3::ActionStatus::Waiting => model::ActionStatus::Waiting,
            v3::ActionStatus::Initializing => model::ActionStatus::Initializing,
            v3::ActionStatus::Running => model::ActionStatus::Running,
            v3::ActionStatus::Paused => model::ActionStatus::Paused,
            v3::ActionStatus::Retriable => model::ActionStatus::Retriable,
            v3::ActionStatus::Finished => model::ActionStatus::Finished,
            v3::ActionStatus::Failed => model::ActionStatus::Failed,
        },
        description: a.action_descriptor,
        result: a.action_result,
    }
}

fn position_to_wire(path: &str, p: &model::Position) -> Conv<v3::MobileRobotPosition> {
    in_range(|| format!("{path}.theta"), p.theta, -PI_BOUND, PI_BOUND)?;
    opt_in_range(
        || format!("{path}.localizationScore"),
        p.localization_score,
        0.0,
        1.0,
    )?;
    opt_in_range(
        || format!("{path}.deviationRange"),
        p.deviation_range,
        0.0,
        f64::INFINITY,
    )?;
    Ok(v3::MobileRobotPosition {
        x: p.x,
        y: p.y,
        theta: p.theta,
        map_id: p.map_id.clone(),
        localized: p.localized,
        localization_score: p.localization_score,
        deviation_range: p.deviation_range,
    })
}

fn position_from_wire(p: v3::MobileRobotPosition) -> model::Position {
    model::Position {
        x: p.x,
        y: p.y,
        theta: p.theta,
        map_id: p.map_id,
        localized: p.localized,
        localization_score: p.localization_score,
        deviation_range: p.deviation_range,
    }
}

fn velocity_to_wire(v: &model::Velocity) -> v3::Velocity {
    v3::Velocity {
        vx: v.vx,
        vy: v.vy,
        omega: v.omega,
    }
}

fn velocity_from_wire(v: v3::Velocity) -> model::Velocity {
    model::Velocity {
        vx: v.vx,
        vy: v.vy,
        omega: v.omega,
    }
}

fn request_status_to_wire(s: model::RequestStatus) -> v3::RequestStatus {
    match s {
        model::RequestStatus::Requested => v3::RequestStatus::Requested,
        model::RequestStatus::Granted => v3::RequestStatus::Granted,
        model::RequestStatus::Revoked => v3::RequestStatus::Revoked,
        model::RequestStatus::Expired => v3::RequestStatus::Expired,
    }
}

fn request_status_from_wire(s: v3::RequestStatus) -> model::RequestStatus {
    match s {
        v3::RequestStatus::Requested => model::RequestStatus::Requested,
        v3::RequestStatus::Granted => model::RequestStatus::Granted,
        v3::RequestStatus::Revoked => model::RequestStatus::Revoked,
        v3::RequestStatus::Expired => model::RequestStatus::Expired,
    }
}

pub(crate) fn state_to_wire(header: Header, s: &model::VehicleState) -> Conv<v3::State> {
    let p = &s.power;
    in_range(
        || "powerSupply.stateOfCharge".to_owned(),
        p.state_of_charge,
        0.0,
        100.0,
    )?;
    opt_in_range(
        || "powerSupply.batteryHealth".to_owned(),
        p.health,
        0.0,
        100.0,
    )?;
    opt_in_range(
        || "powerSupply.range".to_owned(),
        p.range,
        0.0,
        f64::INFINITY,
    )?;
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
                    if let Some(d) = l.dimensions {
                        let field = |f: &str| format!("loads[{i}].loadDimensions.{f}");
                        in_range(|| field("length"), d.length, 0.0, f64::INFINITY)?;
                        in_range(|| field("width"), d.width, 0.0, f64::INFINITY)?;
                        opt_in_range(|| field("height"), d.height, 0.0, f64::INFINITY)?;
                    }
                    Ok(v3::Load {
                        load_id: l.load_id.clone(),
                        load_type: l.load_type.clone(),
                        load_position: l.load_position.clone(),
                        bounding_box_reference: None,
                        load_dimensions: l.dimensions.map(|d| v3::LoadDimensions {
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
    let zone_requests = s
        .zone_requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(v3::ZoneRequest {
                request_id: r.request_id.clone(),
                request_type: match r.request_type {
                    model::ZoneRequestType::Access => v3::ZoneRequestType::Access,
                    model::ZoneRequestType::Replanning => v3::ZoneRequestType::Replanning,
                },
                zone_id: r.zone_id.clone(),
                zone_set_id: r.zone_set_id.clone(),
                request_status: request_status_to_wire(r.status),
                trajectory: r
                    .trajectory
                    .as_ref()
                    .map(|t| trajectory_to_wire(&format!("zoneRequests[{i}].trajectory"), t))
                    .transpose()?,
            })
        })
        .collect::<Conv<Vec<_>>>()?;
    Ok(v3::State {
        header,
        maps: (!s.maps.is_empty()).then(|| {
            s.maps
                .iter()
                .map(|m| v3::Map {
                    map_id: m.map_id.clone(),
                    map_version: m.map_version.clone(),
                    map_descriptor: m.description.clone(),
                    map_status: if m.enabled {
                        v3::MapStatus::Enabled
                    } else {
                        v3::MapStatus::Disabled
                    },
                })
                .collect()
        }),
        zone_sets: None,
        order_id: s.order_id.clone(),
        order_update_id: s.order_update_id,
        last_node_id: s.last_node_id.clone(),
        last_node_sequence_id: s.last_node_sequence_id,
        node_states: s
            .node_states
            .iter()
            .map(|n| v3::NodeState {
                node_id: n.node_id.clone(),
                sequence_id: n.sequence_id,
                node_descriptor: None,
                released: n.released,
                node_position: None,
            })
            .collect(),
        edge_states: s
            .edge_states
            .iter()
            .map(|e| v3::EdgeState {
                edge_id: e.edge_id.clone(),
                sequence_id: e.sequence_id,
                edge_descriptor: None,
                released: e.released,
                trajectory: None,
            })
            .collect(),
        planned_path: None,
        intermediate_path: None,
        mobile_robot_position: s
            .position
            .as_ref()
            .map(|p| position_to_wire("mobileRobotPosition", p))
            .transpose()?,
        velocity: s.velocity.as_ref().map(velocity_to_wire),
        loads,
        driving: s.driving,
        paused: s.paused,
        new_base_request: s.new_base_request,
        zone_requests: (!zone_requests.is_empty()).then_some(zone_requests),
        edge_requests: (!s.edge_requests.is_empty()).then(|| {
            s.edge_requests
                .iter()
                .map(|r| v3::EdgeRequest {
                    request_id: r.request_id.clone(),
                    request_type: v3::EdgeRequestType::Corridor,
                    edge_id: r.edge_id.clone(),
                    sequence_id: r.sequence_id,
                    request_status: request_status_to_wire(r.status),
                })
                .collect()
        }),
        distance_since_last_node: s.distance_since_last_node,
        action_states: s.action_states.iter().map(action_state_to_wire).collect(),
        instant_action_states: s
            .instant_action_states
            .iter()
            .map(action_state_to_wire)
            .collect(),
        zone_action_states: (!s.zone_action_states.is_empty()).then(|| {
            s.zone_action_states
                .iter()
                .map(action_state_to_wire)
                .collect()
        }),
        power_supply: v3::PowerSupply {
            state_of_charge: p.state_of_charge,
            battery_voltage: p.voltage,
            battery_current: p.current,
            battery_health: p.health,
            charging: p.charging,
            range: p.range,
        },
        operating_mode: match s.operating_mode {
            model::OperatingMode::Startup => v3::OperatingMode::Startup,
            model::OperatingMode::Automatic => v3::OperatingMode::Automatic,
            model::OperatingMode::Semiautomatic => v3::OperatingMode::Semiautomatic,
            model::OperatingMode::Intervened => v3::OperatingMode::Intervened,
            model::OperatingMode::Manual => v3::OperatingMode::Manual,
            model::OperatingMode::Service => v3::OperatingMode::Service,
            model::OperatingMode::TeachIn => v3::OperatingMode::TeachIn,
        },
        errors: s
            .errors
            .iter()
            .map(|e| v3::Error {
                error_type: match &e.error_type {
                    model::ErrorType::Predefined(p) => p.v3_name().to_owned(),
                    model::ErrorType::Other(name) => name.clone(),
                },
                error_references: (!e.references.is_empty()).then(|| {
                    e.references
                        .iter()
                        .map(|r| v3::ErrorReference {
                            reference_key: r.key.clone(),
                            reference_value: r.value.clone(),
                        })
                        .collect()
                }),
                error_description: e.description.clone(),
                error_description_translations: None,
                error_hint: e.hint.clone(),
                error_hint_translations: None,
                error_level: match e.level {
                    model::ErrorLevel::Warning => v3::ErrorLevel::Warning,
                    model::ErrorLevel::Urgent => v3::ErrorLevel::Urgent,
                    model::ErrorLevel::Critical => v3::ErrorLevel::Critical,
                    model::ErrorLevel::Fatal => v3::ErrorLevel::Fatal,
                },
            })
            .collect(),
        information: None,
        safety_state: v3::SafetyState {
            active_emergency_stop: match s.safety.emergency_stop {
                model::EmergencyStop::Manual => v3::ActiveEmergencyStop::Manual,
                model::EmergencyStop::Remote => v3::ActiveEmergencyStop::Remote,
                model::EmergencyStop::None => v3::ActiveEmergencyStop::None,
                model::EmergencyStop::AutoAck => {
                    return Err(not_expressible(
                        "safetyState.activeEmergencyStop",
                        "AUTOACK was removed in VDA 5050 3.0",
                    ));
                }
            },
            field_violation: s.safety.field_violation,
        },
    })
}

pub(crate) fn state_from_wire(s: v3::State) -> Conv<(Header, model::VehicleState)> {
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
        instant_action_states: s
            .instant_action_states
            .into_iter()
            .map(action_state_from_wire)
            .collect(),
        zone_action_states: s
            .zone_action_states
            .unwrap_or_default()
            .into_iter()
            .map(action_state_from_wire)
            .collect(),
        power: model::PowerSupply {
            state_of_charge: s.power_supply.state_of_charge,
            charging: s.power_supply.charging,
            voltage: s.power_supply.battery_voltage,
            current: s.power_supply.battery_current,
            health: s.power_supply.battery_health,
            range: s.power_supply.range,
        },
        operating_mode: match s.operating_mode {
            v3::OperatingMode::Startup => model::OperatingMode::Startup,
            v3::OperatingMode::Automatic => model::OperatingMode::Automatic,
            v3::OperatingMode::Semiautomatic => model::OperatingMode::Semiautomatic,
            v3::OperatingMode::Intervened => model::OperatingMode::Intervened,
            v3::OperatingMode::Manual => model::OperatingMode::Manual,
            v3::OperatingMode::Service => model::OperatingMode::Service,
            v3::OperatingMode::TeachIn => model::OperatingMode::TeachIn,
        },
        errors: s
            .errors
            .into_iter()
            .map(|e| model::VehicleError {
                error_type: model::ErrorType::from_wire(&e.error_type),
                level: match e.error_level {
                    v3::ErrorLevel::Warning => model::ErrorLevel::Warning,
                    v3::ErrorLevel::Urgent => model::ErrorLevel::Urgent,
                    v3::ErrorLevel::Critical => model::ErrorLevel::Critical,
                    v3::ErrorLevel::Fatal => model::ErrorLevel::Fatal,
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
            emergency_stop: match s.safety_state.active_emergency_stop {
                v3::ActiveEmergencyStop::Manual => model::EmergencyStop::Manual,
                v3::ActiveEmergencyStop::Remote => model::EmergencyStop::Remote,
                v3::ActiveEmergencyStop::None => model::EmergencyStop::None,
            },
            field_violation: s.safety_state.field_violation,
        },
        position: s.mobile_robot_position.map(position_from_wire),
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
                description: m.map_descriptor,
                enabled: m.map_status == v3::MapStatus::Enabled,
            })
            .collect(),
        zone_requests: s
            .zone_requests
            .unwrap_or_default()
            .into_iter()
            .map(|r| model::ZoneRequest {
                request_id: r.request_id,
                request_type: match r.request_type {
                    v3::ZoneRequestType::Access => model::ZoneRequestType::Access,
                    v3::ZoneRequestType::Replanning => model::ZoneRequestType::Replanning,
                },
                zone_id: r.zone_id,
                zone_set_id: r.zone_set_id,
                status: request_status_from_wire(r.request_status),
                trajectory: r.trajectory.map(trajectory_from_wire),
            })
            .collect(),
        edge_requests: s
            .edge_requests
            .unwrap_or_default()
            .into_iter()
            .map(|r| model::EdgeRequest {
                request_id: r.request_id,
                edge_id: r.edge_id,
                sequence_id: r.sequence_id,
                status: request_status_from_wire(r.request_status),
            })
            .collect(),
    };
    Ok((s.header, state))
}

// ---------------------------------------------------------------------------------------
// connection, visualization, responses, zone set

pub(crate) fn connection_to_wire(
    header: Header,
    state: model::ConnectionState,
) -> Conv<v3::Connection> {
    Ok(v3::Connection {
        header,
        connection_state: match state {
            model::ConnectionState::Online => v3::ConnectionState::Online,
            model::ConnectionState::Offline => v3::ConnectionState::Offline,
            model::ConnectionState::Hibernating => v3::ConnectionState::Hibernating,
            model::ConnectionState::ConnectionBroken => v3::ConnectionState::ConnectionBroken,
        },
    })
}

pub(crate) fn connection_from_wire(c: v3::Connection) -> Conv<(Header, model::ConnectionState)> {
    Ok((
        c.header,
        match c.connection_state {
            v3::ConnectionState::Online => model::ConnectionState::Online,
            v3::ConnectionState::Offline => model::ConnectionState::Offline,
            v3::ConnectionState::Hibernating => model::ConnectionState::Hibernating,
            v3::ConnectionState::ConnectionBroken => model::ConnectionState::ConnectionBroken,
        },
    ))
}

pub(crate) fn visualization_to_wire(
    header: Header,
    v: &model::Visualization,
) -> Conv<v3::Visualization> {
    Ok(v3::Visualization {
        header,
        reference_state_header_id: v.reference_state_header_id.ok_or_else(|| {
            not_expressible(
                "referenceStateHeaderId",
                "3.0 requires the headerId of the state message referred to",
            )
        })?,
        planned_path: None,
        intermediate_path: None,
        mobile_robot_position: v
            .position
            .as_ref()
            .map(|p| position_to_wire("mobileRobotPosition", p))
            .transpose()?,
        velocity: v.velocity.as_ref().map(velocity_to_wire),
    })
}

pub(crate) fn visualization_from_wire(
    v: v3::Visualization,
) -> Conv<(Header, model::Visualization)> {
    Ok((
        v.header,
        model::Visualization {
            position: v.mobile_robot_position.map(position_from_wire),
            velocity: v.velocity.map(velocity_from_wire),
            reference_state_header_id: Some(v.reference_state_header_id),
        },
    ))
}

pub(crate) fn responses_to_wire(header: Header, responses: &[model::Response]) -> v3::Responses {
    v3::Responses {
        header,
        responses: responses
            .iter()
            .map(|r| v3::Response {
                request_id: r.request_id.clone(),
                grant_type: match r.grant_type {
                    model::GrantType::Granted => v3::GrantType::Granted,
                    model::GrantType::Queued => v3::GrantType::Queued,
                    model::GrantType::Revoked => v3::GrantType::Revoked,
                    model::GrantType::Rejected => v3::GrantType::Rejected,
                },
                lease_expiry: r.lease_expiry,
            })
            .collect(),
    }
}

pub(crate) fn responses_from_wire(r: v3::Responses) -> Conv<(Header, Vec<model::Response>)> {
    Ok((
        r.header,
        r.responses
            .into_iter()
            .map(|r| model::Response {
                request_id: r.request_id,
                grant_type: match r.grant_type {
                    v3::GrantType::Granted => model::GrantType::Granted,
                    v3::GrantType::Queued => model::GrantType::Queued,
                    v3::GrantType::Revoked => model::GrantType::Revoked,
                    v3::GrantType::Rejected => model::GrantType::Rejected,
                },
                lease_expiry: r.lease_expiry,
            })
            .collect(),
    ))
}

pub(crate) fn zone_set_to_wire(
    header: Header,
    zone_set: &model::ZoneSet,
) -> Conv<v3::ZoneSetMessage> {
    for (i, zone) in zone_set.zones.iter().enumerate() {
        if zone.vertices.len() < 3 {
            return Err(ConvertError::SchemaViolation {
                field: format!("zoneSet.zones[{i}].vertices"),
                reason: format!(
                    "has {} vertices; a zone needs at least 3",
                    zone.vertices.len()
                ),
            });
        }
        match zone.kind {
            v3::zone_set::ZoneKind::Priority { priority_factor } => in_range(
                || format!("zoneSet.zones[{i}].priorityFactor"),
                priority_factor,
                0.0,
                1.0,
            )?,
            v3::zone_set::ZoneKind::Penalty { penalty_factor } => in_range(
                || format!("zoneSet.zones[{i}].penaltyFactor"),
                penalty_factor,
                0.0,
                1.0,
            )?,
            _ => {}
        }
    }
    Ok(v3::ZoneSetMessage {
        header,
        zone_set: zone_set.clone(),
    })
}

pub(crate) fn zone_set_from_wire(z: v3::ZoneSetMessage) -> Conv<(Header, model::ZoneSet)> {
    Ok((z.header, z.zone_set))
}

// ---------------------------------------------------------------------------------------
// factsheet

pub(crate) fn factsheet_to_wire(header: Header, f: &model::Factsheet) -> Conv<v3::Factsheet> {
    let t = &f.type_specification;
    let p = &f.physical_parameters;
    let l = &f.protocol_limits;
    let s = &l.max_string_lengths;
    let a = &l.max_array_lengths;
    let non_negative =
        |field: &str, value: f64| in_range(|| field.to_owned(), value, 0.0, f64::INFINITY);
    non_negative("typeSpecification.maximumLoadMass", t.max_load_mass)?;
    non_negative("physicalParameters.minimumSpeed", p.min_speed)?;
    non_negative("physicalParameters.maximumSpeed", p.max_speed)?;
    non_negative("physicalParameters.maximumAcceleration", p.max_acceleration)?;
    opt_in_range(
        || "physicalParameters.minimumAngularSpeed".to_owned(),
        p.min_angular_speed,
        0.0,
        f64::INFINITY,
    )?;
    opt_in_range(
        || "physicalParameters.maximumAngularSpeed".to_owned(),
        p.max_angular_speed,
        0.0,
        f64::INFINITY,
    )?;
    non_negative(
        "protocolLimits.timing.minimumOrderInterval",
        l.timing.min_order_interval,
    )?;
    non_negative(
        "protocolLimits.timing.minimumStateInterval",
        l.timing.min_state_interval,
    )?;
    opt_in_range(
        || "protocolLimits.timing.defaultStateInterval".to_owned(),
        l.timing.default_state_interval,
        0.0,
        f64::INFINITY,
    )?;
    opt_in_range(
        || "protocolLimits.timing.visualizationInterval".to_owned(),
        l.timing.visualization_interval,
        0.0,
        f64::INFINITY,
    )?;
    let minimum_height = p.min_height.ok_or_else(|| {
        not_expressible(
            "physicalParameters.minimumHeight",
            "3.0 requires the minimum height",
        )
    })?;
    let mobile_robot_actions = f
        .protocol_features
        .actions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let path = format!("protocolFeatures.mobileRobotActions[{i}]");
            let required = |field: &str, value: Option<bool>| {
                value.ok_or_else(|| {
                    not_expressible(format!("{path}.{field}"), format!("3.0 requires {field}"))
                })
            };
            Ok(v3::MobileRobotAction {
                action_type: action_type_name(&c.action_type),
                action_description: c.description.clone(),
                action_scopes: c
                    .scopes
                    .iter()
                    .map(|scope| match scope {
                        model::ActionScope::Instant => v3::ActionScope::Instant,
                        model::ActionScope::Node => v3::ActionScope::Node,
                        model::ActionScope::Edge => v3::ActionScope::Edge,
                        model::ActionScope::Zone => v3::ActionScope::Zone,
                    })
                    .collect(),
                action_parameters: if c.parameters.is_empty() {
                    None
                } else {
                    Some(
                        c.parameters
                            .iter()
                            .enumerate()
                            .map(|(j, d)| {
                                Ok(v3::ActionParameterDefinition {
                                    key: d.key.clone(),
                                    value_data_type: match d.value_data_type {
                                        model::ValueDataType::Bool => v3::ValueDataType::Bool,
                                        model::ValueDataType::Number => v3::ValueDataType::Number,
                                        model::ValueDataType::Integer => v3::ValueDataType::Integer,
                                        model::ValueDataType::String => v3::ValueDataType::String,
                                        model::ValueDataType::Object => v3::ValueDataType::Object,
                                        model::ValueDataType::Array => v3::ValueDataType::Array,
                                        model::ValueDataType::Float => {
                                            return Err(not_expressible(
                                                format!(
                                                    "{path}.actionParameters[{j}].valueDataType"
                                                ),
                                                "FLOAT was removed in VDA 5050 3.0 (use NUMBER)",
                                            ));
                                        }
                                    },
                                    description: d.description.clone(),
                                    is_optional: d.is_optional,
                                })
                            })
                            .collect::<Conv<Vec<_>>>()?,
                    )
                },
                action_result: c.result_description.clone(),
                blocking_types: c
                    .blocking_types
                    .as_ref()
                    .map(|types| types.iter().map(|b| blocking_to_wire(*b)).collect()),
                pause_allowed: required("pauseAllowed", c.pause_allowed)?,
                cancel_allowed: required("cancelAllowed", c.cancel_allowed)?,
            })
        })
        .collect::<Conv<Vec<_>>>()?;
    Ok(v3::Factsheet {
        header,
        type_specification: v3::TypeSpecification {
            series_name: t.series_name.clone(),
            series_description: t.series_description.clone(),
            mobile_robot_kinematics: t.kinematics.v3_name().to_owned(),
            mobile_robot_class: t.class.v3_name().to_owned(),
            maximum_load_mass: t.max_load_mass,
            localization_types: t
                .localization_types
                .iter()
                .map(|l| l.v3_name().to_owned())
                .collect(),
            navigation_types: t
                .navigation_types
                .iter()
                .map(|n| n.v3_name().to_owned())
                .collect(),
            supported_zones: None,
        },
        physical_parameters: v3::PhysicalParameters {
            minimum_speed: p.min_speed,
            maximum_speed: p.max_speed,
            minimum_angular_speed: p.min_angular_speed,
            maximum_angular_speed: p.max_angular_speed,
            maximum_acceleration: p.max_acceleration,
            maximum_deceleration: p.max_deceleration,
            minimum_height,
            maximum_height: p.max_height,
            width: p.width,
            length: p.length,
        },
        protocol_limits: v3::ProtocolLimits {
            maximum_string_lengths: v3::MaximumStringLengths {
                maximum_message_length: s.message,
                maximum_topic_serial_length: s.topic_serial,
                maximum_topic_element_length: s.topic_element,
                maximum_id_length: s.id,
                id_numerical_only: s.id_numerical_only,
                maximum_load_id_length: s.load_id,
            },
            maximum_array_lengths: v3::MaximumArrayLengths {
                order_nodes: a.order_nodes,
                order_edges: a.order_edges,
                node_actions: a.node_actions,
                edge_actions: a.edge_actions,
                actions_parameters: a.action_parameters,
                instant_actions: a.instant_actions,
                trajectory_knot_vector: a.knot_vector,
                trajectory_control_points: a.control_points,
                zone_set_zones: a.zone_set_zones,
                state_node_states: a.node_states,
                state_edge_states: a.edge_states,
                state_loads: a.loads,
                state_action_states: a.action_states,
                state_instant_action_states: a.instant_action_states,
                state_zone_action_states: a.zone_action_states,
                state_errors: a.errors,
                state_information: a.information,
                error_error_references: a.error_references,
                information_info_references: a.info_references,
            },
            timing: v3::Timing {
                minimum_order_interval: l.timing.min_order_interval,
                minimum_state_interval: l.timing.min_state_interval,
                default_state_interval: l.timing.default_state_interval,
                visualization_interval: l.timing.visualization_interval,
            },
        },
        protocol_features: v3::ProtocolFeatures {
            optional_parameters: f
                .protocol_features
                .optional_parameters
                .iter()
                .map(|o| v3::OptionalParameter {
                    parameter: o.parameter.clone(),
                    support: match o.support {
                        model::Support::Supported => v3::Support::Supported,
                        model::Support::Required => v3::Support::Required,
                    },
                    description: o.description.clone(),
                })
                .collect(),
            mobile_robot_actions,
        },
        mobile_robot_geometry: v3::MobileRobotGeometry::default(),
        load_specification: v3::LoadSpecification::default(),
        mobile_robot_configuration: None,
    })
}

pub(crate) fn factsheet_from_wire(f: v3::Factsheet) -> Conv<(Header, model::Factsheet)> {
    let t = f.type_specification;
    let p = f.physical_parameters;
    let l = f.protocol_limits;
    let s = l.maximum_string_lengths;
    let a = l.maximum_array_lengths;
    let factsheet = model::Factsheet {
        type_specification: model::TypeSpecification {
            series_name: t.series_name,
            series_description: t.series_description,
            kinematics: model::Kinematics::from_v3(&t.mobile_robot_kinematics),
            class: model::VehicleClass::from_v3(&t.mobile_robot_class),
            max_load_mass: t.maximum_load_mass,
            localization_types: t
                .localization_types
                .iter()
                .map(|n| model::LocalizationType::from_v3(n))
                .collect(),
            navigation_types: t
                .navigation_types
                .iter()
                .map(|n| model::NavigationType::from_v3(n))
                .collect(),
        },
        physical_parameters: model::PhysicalParameters {
            min_speed: p.minimum_speed,
            max_speed: p.maximum_speed,
            min_angular_speed: p.minimum_angular_speed,
            max_angular_speed: p.maximum_angular_speed,
            max_acceleration: p.maximum_acceleration,
            max_deceleration: p.maximum_deceleration,
            min_height: Some(p.minimum_height),
            max_height: p.maximum_height,
            width: p.width,
            length: p.length,
        },
        protocol_limits: model::ProtocolLimits {
            max_string_lengths: model::StringLengthLimits {
                message: s.maximum_message_length,
                topic_serial: s.maximum_topic_serial_length,
                topic_element: s.maximum_topic_element_length,
                id: s.maximum_id_length,
                id_numerical_only: s.id_numerical_only,
                load_id: s.maximum_load_id_length,
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
                zone_set_zones: a.zone_set_zones,
                node_states: a.state_node_states,
                edge_states: a.state_edge_states,
                loads: a.state_loads,
                action_states: a.state_action_states,
                instant_action_states: a.state_instant_action_states,
                zone_action_states: a.state_zone_action_states,
                errors: a.state_errors,
                information: a.state_information,
                error_references: a.error_error_references,
                info_references: a.information_info_references,
            },
            timing: model::Timing {
                min_order_interval: l.timing.minimum_order_interval,
                min_state_interval: l.timing.minimum_state_interval,
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
                        v3::Support::Supported => model::Support::Supported,
                        v3::Support::Required => model::Support::Required,
                    },
                    description: o.description,
                })
                .collect(),
            actions: f
                .protocol_features
                .mobile_robot_actions
                .into_iter()
                .map(|c| model::ActionCapability {
                    action_type: ActionType::from_wire(V, &c.action_type),
                    description: c.action_description,
                    scopes: c
                        .action_scopes
                        .into_iter()
                        .map(|s| match s {
                            v3::ActionScope::Instant => model::ActionScope::Instant,
                            v3::ActionScope::Node => model::ActionScope::Node,
                            v3::ActionScope::Edge => model::ActionScope::Edge,
                            v3::ActionScope::Zone => model::ActionScope::Zone,
                        })
                        .collect(),
                    parameters: c
                        .action_parameters
                        .unwrap_or_default()
                        .into_iter()
                        .map(|d| model::ActionParameterSpec {
                            key: d.key,
                            value_data_type: match d.value_data_type {
                                v3::ValueDataType::Bool => model::ValueDataType::Bool,
                                v3::ValueDataType::Number => model::ValueDataType::Number,
                                v3::ValueDataType::Integer => model::ValueDataType::Integer,
                                v3::ValueDataType::String => model::ValueDataType::String,
                                v3::ValueDataType::Object => model::ValueDataType::Object,
                                v3::ValueDataType::Array => model::ValueDataType::Array,
                            },
                            description: d.description,
                            is_optional: d.is_optional,
                        })
                        .collect(),
                    result_description: c.action_result,
                    blocking_types: c
                        .blocking_types
                        .map(|types| types.into_iter().map(blocking_from_wire).collect()),
                    pause_allowed: Some(c.pause_allowed),
                    cancel_allowed: Some(c.cancel_allowed),
                })
                .collect(),
        },
    };
    Ok((f.header, factsheet))
}
