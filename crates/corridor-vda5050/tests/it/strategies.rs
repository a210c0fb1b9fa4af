//! Proptest strategies for valid model messages, per protocol version: a strategy for
//! version V generates only what V can express, so encoding must succeed and decode back
//! to the same value.

use std::f64::consts::{FRAC_PI_2, PI};

use corridor_vda5050::model::{
    Action, ActionCapability, ActionParameter, ActionParameterSpec, ActionScope, ActionState,
    ActionStatus, ActionType, ArrayLengthLimits, BidirectedLimitation, BlockingType,
    ConnectionState, ControlPoint, Corridor, CorridorReferencePoint, DeviationEllipse,
    DirectedLimitation, Edge, EdgeRequest, EdgeState, EmergencyStop, ErrorLevel, ErrorType,
    Factsheet, GrantType, Kinematics, Load, LoadDimensions, LocalizationType, MapState,
    NavigationType, Node, NodePosition, NodeState, OperatingMode, OptionalParameter, Order,
    OrientationType, PhysicalParameters, Position, PowerSupply, PredefinedError, ProtocolFeatures,
    ProtocolLimits, Reference, ReleaseLossBehavior, RequestStatus, Response, SafetyState,
    StringLengthLimits, Support, Timing, Trajectory, TypeSpecification, ValueDataType,
    VehicleClass, VehicleError, VehicleState, Velocity, Vertex, Visualization, Zone, ZoneAction,
    ZoneKind, ZoneReleaseLossBehavior, ZoneRequest, ZoneRequestType, ZoneSet,
};
use corridor_vda5050::{Header, ProtocolVersion, Timestamp, v3};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::Value;

use ProtocolVersion::{V2, V3};

pub fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.:-]{1,10}"
}

pub fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

pub fn coordinate() -> impl Strategy<Value = f64> {
    -1.0e6..1.0e6
}

pub fn non_negative() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..1.0e4]
}

pub fn angle() -> impl Strategy<Value = f64> {
    -PI..=PI
}

pub fn header(version: ProtocolVersion) -> impl Strategy<Value = Header> {
    (any::<u32>(), -62_167_219_200_000i64..=253_402_300_799_999).prop_map(move |(id, ms)| Header {
        header_id: id,
        timestamp: Timestamp::from_unix_millis(ms).unwrap(),
        version: version.default_version_string().to_owned(),
        manufacturer: "Corridor".to_owned(),
        serial_number: "IGV-07".to_owned(),
    })
}

pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-1.0e9f64..1.0e9).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::Array),
            btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn predefined_actions(version: ProtocolVersion) -> Vec<ActionType> {
    use ActionType::*;
    let all = vec![
        StartPause,
        StopPause,
        StartHibernation,
        StopHibernation,
        Shutdown,
        StartCharging,
        StopCharging,
        InitializePosition,
        EnableMap,
        DownloadMap,
        DeleteMap,
        DownloadZoneSet,
        EnableZoneSet,
        DeleteZoneSet,
        ClearInstantActions,
        ClearZoneActions,
        StateRequest,
        LogReport,
        Pick,
        Drop,
        DetectObject,
        FinePositioning,
        WaitForTrigger,
        Trigger,
        Retry,
        SkipRetry,
        CancelOrder,
        FactsheetRequest,
        UpdateCertificate,
    ];
    all.into_iter()
        .filter(|t| t.wire_name(version).is_some())
        .collect()
}

pub fn action_type(version: ProtocolVersion) -> impl Strategy<Value = ActionType> {
    prop_oneof![
        proptest::sample::select(predefined_actions(version)),
        "vendor[A-Z][a-z]{1,6}".prop_map(ActionType::Custom),
    ]
}

pub fn blocking_type(version: ProtocolVersion) -> BoxedStrategy<BlockingType> {
    match version {
        V2 => prop_oneof![
            Just(BlockingType::None),
            Just(BlockingType::Soft),
            Just(BlockingType::Hard)
        ]
        .boxed(),
        V3 => prop_oneof![
            Just(BlockingType::None),
            Just(BlockingType::Single),
            Just(BlockingType::Soft),
            Just(BlockingType::Hard)
        ]
        .boxed(),
    }
}

fn parameters() -> impl Strategy<Value = Vec<ActionParameter>> {
    vec(
        ("[a-zA-Z]{1,8}", json_value()).prop_map(|(key, value)| ActionParameter { key, value }),
        0..3,
    )
}

/// An order action; its id is replaced by [`unique_action_ids`].
pub fn action(version: ProtocolVersion) -> impl Strategy<Value = Action> {
    (
        action_type(version),
        blocking_type(version),
        option::of(text()),
        parameters(),
        any::<bool>(),
    )
        .prop_map(
            move |(action_type, blocking_type, description, mut parameters, retriable)| {
                if action_type == ActionType::CancelOrder && version == V2 {
                    parameters.retain(|p| p.key != "orderId");
                }
                Action {
                    action_id: String::new(),
                    action_type,
                    blocking_type,
                    description,
                    parameters,
                    retriable: retriable && version == V3,
                }
            },
        )
}

/// An instant action (blocking NONE, never retriable).
pub fn instant_action(version: ProtocolVersion) -> impl Strategy<Value = Action> {
    (action(version), id()).prop_map(|(mut a, id)| {
        a.blocking_type = BlockingType::None;
        a.retriable = false;
        a.action_id = id;
        a
    })
}

fn trajectory(version: ProtocolVersion) -> impl Strategy<Value = Trajectory> {
    // 2.x requires degree and knot vector; 3.0 makes them optional.
    let (degree, knots) = match version {
        V2 => (
            (1u32..5).prop_map(Some).boxed(),
            vec(0.0..=1.0f64, 0..6).prop_map(Some).boxed(),
        ),
        V3 => (
            option::of(1u32..5).boxed(),
            option::of(vec(0.0..=1.0f64, 0..6)).boxed(),
        ),
    };
    (
        degree,
        knots,
        vec(
            (coordinate(), coordinate(), option::of(0.0..10.0f64))
                .prop_map(|(x, y, weight)| ControlPoint { x, y, weight }),
            1..4,
        ),
    )
        .prop_map(|(degree, knot_vector, control_points)| Trajectory {
            degree,
            knot_vector,
            control_points,
        })
}

fn deviation(version: ProtocolVersion) -> BoxedStrategy<DeviationEllipse> {
    match version {
        V2 => non_negative().prop_map(DeviationEllipse::circle).boxed(),
        V3 => (non_negative(), non_negative(), -FRAC_PI_2..=FRAC_PI_2)
            .prop_map(|(a, b, theta)| DeviationEllipse { a, b, theta })
            .boxed(),
    }
}

fn node_position(version: ProtocolVersion) -> impl Strategy<Value = NodePosition> {
    (
        coordinate(),
        coordinate(),
        option::of(angle()),
        option::of(deviation(version)),
        option::of(0.0..=PI),
        id(),
    )
        .prop_map(
            |(x, y, theta, allowed_deviation_xy, allowed_deviation_theta, map_id)| NodePosition {
                x,
                y,
                theta,
                allowed_deviation_xy,
                allowed_deviation_theta,
                map_id,
            },
        )
}

pub fn node(version: ProtocolVersion) -> impl Strategy<Value = Node> {
    (
        id(),
        option::of(text()),
        option::of(node_position(version)),
        vec(action(version), 0..3),
    )
        .prop_map(|(node_id, description, position, actions)| Node {
            node_id,
            sequence_id: 0,
            released: false,
            description,
            position,
            actions,
        })
}

fn corridor(version: ProtocolVersion) -> impl Strategy<Value = Corridor> {
    let release = prop_oneof![
        Just(None),
        Just(Some(ReleaseLossBehavior::Stop)),
        Just(Some(ReleaseLossBehavior::Return))
    ];
    (
        non_negative(),
        non_negative(),
        option::of(prop_oneof![
            Just(CorridorReferencePoint::KinematicCenter),
            Just(CorridorReferencePoint::Contour)
        ]),
        release,
    )
        .prop_map(
            move |(left_width, right_width, reference_point, release)| Corridor {
                left_width,
                right_width,
                reference_point,
                release: release.filter(|_| version == V3),
            },
        )
}

pub fn edge(version: ProtocolVersion) -> impl Strategy<Value = Edge> {
    (
        (
            id(),
            option::of(text()),
            option::of(non_negative()),
            option::of(non_negative()),
            option::of(non_negative()),
            option::of(angle()),
            option::of(prop_oneof![
                Just(OrientationType::Global),
                Just(OrientationType::Tangential)
            ]),
        ),
        (
            option::of(text()),
            option::of(any::<bool>()),
            option::of(non_negative()),
            option::of(non_negative()),
            option::of(trajectory(version)),
            option::of(corridor(version)),
            vec(action(version), 0..2),
        ),
    )
        .prop_map(
            |(
                (edge_id, description, max_speed, max_height, min_height, orientation, ot),
                (direction, reach, max_rotation_speed, length, trajectory, corridor, actions),
            )| Edge {
                edge_id,
                sequence_id: 0,
                released: false,
                description,
                max_speed,
                max_height,
                min_height,
                orientation,
                orientation_type: ot,
                direction,
                reach_orientation_before_entering: reach,
                max_rotation_speed,
                length,
                trajectory,
                corridor,
                actions,
            },
        )
}

/// Gives every action of the order its own id.
pub fn unique_action_ids(order: &mut Order, prefix: &str) {
    let actions = order
        .nodes
        .iter_mut()
        .flat_map(|node| node.actions.iter_mut())
        .chain(order.edges.iter_mut().flat_map(|e| e.actions.iter_mut()));
    for (n, action) in actions.enumerate() {
        action.action_id = format!("{prefix}{n}");
    }
}

/// A valid order or order update: sequence ids from an even start (0 for update 0),
/// a released prefix, unique action ids.
pub fn order(version: ProtocolVersion) -> impl Strategy<Value = Order> {
    (
        id(),
        0u32..4,
        0u32..50,
        vec((edge(version), node(version)), 0..5),
        node(version),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(order_id, update, start, steps, first, released)| {
            let start = if update == 0 { 0 } else { 2 * start };
            let released = released.index(steps.len() + 1);
            let mut nodes = vec![first];
            let mut edges = Vec::new();
            for (edge, node) in steps {
                edges.push(edge);
                nodes.push(node);
            }
            for (i, n) in nodes.iter_mut().enumerate() {
                n.sequence_id = start + 2 * i as u32;
                n.released = i <= released;
            }
            for (i, e) in edges.iter_mut().enumerate() {
                e.sequence_id = start + 2 * i as u32 + 1;
                e.released = i < released;
            }
            let mut order = Order {
                order_id,
                order_update_id: update,
                nodes,
                edges,
            };
            unique_action_ids(&mut order, "act-");
            order
        })
}

fn action_status(version: ProtocolVersion) -> BoxedStrategy<ActionStatus> {
    use ActionStatus::*;
    // 2.x: PAUSED exists in the 2.1 text but not in the 2.1.0 schema (see v2_schema_gaps).
    let statuses = match version {
        V2 => vec![Waiting, Initializing, Running, Finished, Failed],
        V3 => vec![
            Waiting,
            Initializing,
            Running,
            Paused,
            Retriable,
            Finished,
            Failed,
        ],
    };
    proptest::sample::select(statuses).boxed()
}

fn action_state(version: ProtocolVersion) -> impl Strategy<Value = ActionState> {
    (
        id(),
        option::of(action_type(version)),
        action_status(version),
        option::of(text()),
        option::of(text()),
    )
        .prop_map(
            |(action_id, action_type, status, description, result)| ActionState {
                action_id,
                action_type,
                status,
                description,
                result,
            },
        )
}

fn vehicle_error(version: ProtocolVersion) -> impl Strategy<Value = VehicleError> {
    let levels = match version {
        V2 => vec![ErrorLevel::Warning, ErrorLevel::Fatal],
        V3 => vec![
            ErrorLevel::Warning,
            ErrorLevel::Urgent,
            ErrorLevel::Critical,
            ErrorLevel::Fatal,
        ],
    };
    (
        prop_oneof![
            proptest::sample::select(PredefinedError::ALL.to_vec()).prop_map(ErrorType::Predefined),
            "vendor[A-Z][a-z]{1,6}".prop_map(ErrorType::Other),
        ],
        proptest::sample::select(levels),
        vec((id(), text()).prop_map(|(k, v)| Reference::new(k, v)), 0..3),
        option::of(text()),
        option::of(text()),
    )
        .prop_map(
            |(error_type, level, references, description, hint)| VehicleError {
                error_type,
                level,
                references,
                description,
                hint,
            },
        )
}

fn position() -> impl Strategy<Value = Position> {
    (
        coordinate(),
        coordinate(),
        angle(),
        id(),
        any::<bool>(),
        option::of(0.0..=1.0f64),
        option::of(non_negative()),
    )
        .prop_map(
            |(x, y, theta, map_id, localized, localization_score, deviation_range)| Position {
                x,
                y,
                theta,
                map_id,
                localized,
                localization_score,
                deviation_range,
            },
        )
}

fn velocity() -> impl Strategy<Value = Velocity> {
    (
        option::of(-20.0..20.0f64),
        option::of(-20.0..20.0f64),
        option::of(-3.0..3.0f64),
    )
        .prop_map(|(vx, vy, omega)| Velocity { vx, vy, omega })
}

fn load() -> impl Strategy<Value = Load> {
    (
        option::of(id()),
        option::of(text()),
        option::of(text()),
        option::of(non_negative()),
        option::of(
            (non_negative(), non_negative(), option::of(non_negative())).prop_map(
                |(length, width, height)| LoadDimensions {
                    length,
                    width,
                    height,
                },
            ),
        ),
    )
        .prop_map(
            |(load_id, load_type, load_position, weight, dimensions)| Load {
                load_id,
                load_type,
                load_position,
                weight,
                dimensions,
            },
        )
}

fn request_status() -> impl Strategy<Value = RequestStatus> {
    prop_oneof![
        Just(RequestStatus::Requested),
        Just(RequestStatus::Granted),
        Just(RequestStatus::Revoked),
        Just(RequestStatus::Expired)
    ]
}

pub fn vehicle_state(version: ProtocolVersion) -> impl Strategy<Value = VehicleState> {
    let v3 = version == V3;
    let modes = match version {
        V2 => vec![
            OperatingMode::Automatic,
            OperatingMode::Semiautomatic,
            OperatingMode::Manual,
            OperatingMode::Service,
            OperatingMode::TeachIn,
        ],
        V3 => vec![
            OperatingMode::Startup,
            OperatingMode::Automatic,
            OperatingMode::Semiautomatic,
            OperatingMode::Intervened,
            OperatingMode::Manual,
            OperatingMode::Service,
            OperatingMode::TeachIn,
        ],
    };
    let stops = match version {
        V2 => vec![
            EmergencyStop::AutoAck,
            EmergencyStop::Manual,
            EmergencyStop::Remote,
            EmergencyStop::None,
        ],
        V3 => vec![
            EmergencyStop::Manual,
            EmergencyStop::Remote,
            EmergencyStop::None,
        ],
    };
    let zone_request = (
        id(),
        prop_oneof![
            Just(ZoneRequestType::Access),
            Just(ZoneRequestType::Replanning)
        ],
        id(),
        id(),
        request_status(),
        option::of(trajectory(V3)),
    )
        .prop_map(
            |(request_id, request_type, zone_id, zone_set_id, status, trajectory)| ZoneRequest {
                request_id,
                request_type,
                zone_id,
                zone_set_id,
                status,
                trajectory,
            },
        );
    let edge_request = (id(), id(), any::<u32>(), request_status()).prop_map(
        |(request_id, edge_id, sequence_id, status)| EdgeRequest {
            request_id,
            edge_id,
            sequence_id,
            status,
        },
    );
    (
        (
            prop_oneof![Just(String::new()), id()],
            any::<u32>(),
            prop_oneof![Just(String::new()), id()],
            any::<u32>(),
            vec(
                (id(), any::<u32>(), any::<bool>()).prop_map(|(node_id, sequence_id, released)| {
                    NodeState {
                        node_id,
                        sequence_id,
                        released,
                    }
                }),
                0..3,
            ),
            vec(
                (id(), any::<u32>(), any::<bool>()).prop_map(|(edge_id, sequence_id, released)| {
                    EdgeState {
                        edge_id,
                        sequence_id,
                        released,
                    }
                }),
                0..3,
            ),
            any::<bool>(),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            option::of(non_negative()),
        ),
        (
            vec(action_state(version), 0..3),
            vec(action_state(version), 0..if v3 { 3 } else { 1 }),
            vec(action_state(version), 0..if v3 { 2 } else { 1 }),
            (
                0.0..=100.0f64,
                any::<bool>(),
                option::of(0.0..100.0f64),
                option::of(-100.0..100.0f64),
                option::of(0.0..=100.0f64),
                option::of(non_negative()),
            ),
            proptest::sample::select(modes),
            vec(vehicle_error(version), 0..3),
            (proptest::sample::select(stops), any::<bool>()),
        ),
        (
            option::of(position()),
            option::of(velocity()),
            option::of(vec(load(), 0..2)),
            vec(
                (id(), id(), option::of(text()), any::<bool>()).prop_map(
                    |(map_id, map_version, description, enabled)| MapState {
                        map_id,
                        map_version,
                        description,
                        enabled,
                    },
                ),
                0..2,
            ),
            vec(zone_request, 0..if v3 { 2 } else { 1 }),
            vec(edge_request, 0..if v3 { 2 } else { 1 }),
        ),
    )
        .prop_map(
            move |(
                (
                    order_id,
                    update,
                    last_node_id,
                    last_seq,
                    nodes,
                    edges,
                    driving,
                    paused,
                    nbr,
                    dist,
                ),
                (
                    actions,
                    instant,
                    zone,
                    (soc, charging, voltage, current, health, range),
                    mode,
                    errors,
                    (stop, fv),
                ),
                (position, velocity, loads, maps, zone_requests, edge_requests),
            )| VehicleState {
                order_id,
                order_update_id: update,
                last_node_id,
                last_node_sequence_id: last_seq,
                node_states: nodes,
                edge_states: edges,
                driving,
                paused,
                new_base_request: nbr,
                distance_since_last_node: dist,
                action_states: actions,
                instant_action_states: instant,
                zone_action_states: zone,
                power: PowerSupply {
                    state_of_charge: soc,
                    charging,
                    voltage,
                    current: current.filter(|_| v3),
                    health,
                    range,
                },
                operating_mode: mode,
                errors,
                safety: SafetyState {
                    emergency_stop: stop,
                    field_violation: fv,
                },
                position,
                velocity,
                loads,
                maps,
                zone_requests,
                edge_requests,
            },
        )
}

pub fn connection_state(version: ProtocolVersion) -> BoxedStrategy<ConnectionState> {
    let mut states = vec![
        ConnectionState::Online,
        ConnectionState::Offline,
        ConnectionState::ConnectionBroken,
    ];
    if version == V3 {
        states.push(ConnectionState::Hibernating);
    }
    proptest::sample::select(states).boxed()
}

pub fn visualization(version: ProtocolVersion) -> impl Strategy<Value = Visualization> {
    (option::of(position()), option::of(velocity()), any::<u32>()).prop_map(
        move |(position, velocity, reference)| Visualization {
            position,
            velocity,
            reference_state_header_id: (version == V3).then_some(reference),
        },
    )
}

fn named<T: Clone + std::fmt::Debug + 'static>(
    version: ProtocolVersion,
    predefined: Vec<T>,
    other: fn(String) -> T,
) -> BoxedStrategy<T> {
    match version {
        V2 => proptest::sample::select(predefined).boxed(),
        V3 => prop_oneof![
            proptest::sample::select(predefined),
            "X_[A-Z]{1,6}".prop_map(other)
        ]
        .boxed(),
    }
}

fn limit() -> impl Strategy<Value = Option<u32>> {
    option::of(any::<u32>())
}

pub fn factsheet(version: ProtocolVersion) -> impl Strategy<Value = Factsheet> {
    let v3 = version == V3;
    let type_specification = (
        text(),
        option::of(text()),
        named(
            version,
            vec![
                Kinematics::Differential,
                Kinematics::Omnidirectional,
                Kinematics::ThreeWheel,
            ],
            Kinematics::Other,
        ),
        named(
            version,
            vec![
                VehicleClass::Forklift,
                VehicleClass::Conveyor,
                VehicleClass::Tugger,
                VehicleClass::Carrier,
            ],
            VehicleClass::Other,
        ),
        non_negative(),
        vec(
            named(
                version,
                vec![
                    LocalizationType::Natural,
                    LocalizationType::Reflector,
                    LocalizationType::Rfid,
                    LocalizationType::Dmc,
                    LocalizationType::Spot,
                    LocalizationType::Grid,
                ],
                LocalizationType::Other,
            ),
            0..3,
        ),
        vec(
            named(
                version,
                vec![
                    NavigationType::PhysicalLineGuided,
                    NavigationType::VirtualLineGuided,
                    NavigationType::FreelyNavigating,
                ],
                NavigationType::Other,
            ),
            0..3,
        ),
    )
        .prop_map(
            |(series_name, series_description, kinematics, class, mass, loc, nav)| {
                TypeSpecification {
                    series_name,
                    series_description,
                    kinematics,
                    class,
                    max_load_mass: mass,
                    localization_types: loc,
                    navigation_types: nav,
                }
            },
        );
    let physical = (
        non_negative(),
        non_negative(),
        option::of(non_negative()),
        option::of(non_negative()),
        non_negative(),
        non_negative(),
        option::of(non_negative()),
        non_negative(),
        non_negative(),
        non_negative(),
    )
        .prop_map(
            move |(min_s, max_s, min_a, max_a, acc, dec, min_h, max_h, width, length)| {
                PhysicalParameters {
                    min_speed: min_s,
                    max_speed: max_s,
                    min_angular_speed: min_a.filter(|_| v3),
                    max_angular_speed: max_a.filter(|_| v3),
                    max_acceleration: acc,
                    max_deceleration: dec,
                    min_height: if v3 {
                        Some(min_h.unwrap_or(0.5))
                    } else {
                        min_h
                    },
                    max_height: max_h,
                    width,
                    length,
                }
            },
        );
    let limits = (
        (
            limit(),
            limit(),
            limit(),
            limit(),
            option::of(any::<bool>()),
            limit(),
        ),
        (
            (
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
            ),
            (
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
                limit(),
            ),
            (limit(), limit(), limit()),
        ),
        (
            non_negative(),
            non_negative(),
            option::of(non_negative()),
            option::of(non_negative()),
        ),
    )
        .prop_map(
            move |(
                s,
                ((a0, a1, a2, a3, a4, a5, a6, a7), (b0, b1, b2, b3, b4, b5, b6, b7), (c0, c1, c2)),
                t,
            )| {
                ProtocolLimits {
                    max_string_lengths: StringLengthLimits {
                        message: s.0,
                        topic_serial: s.1,
                        topic_element: s.2,
                        id: s.3,
                        id_numerical_only: s.4,
                        load_id: s.5,
                    },
                    max_array_lengths: ArrayLengthLimits {
                        order_nodes: a0,
                        order_edges: a1,
                        node_actions: a2,
                        edge_actions: a3,
                        action_parameters: a4,
                        instant_actions: a5,
                        knot_vector: a6,
                        control_points: a7,
                        zone_set_zones: b0.filter(|_| v3),
                        node_states: b1,
                        edge_states: b2,
                        loads: b3,
                        action_states: b4,
                        instant_action_states: b5.filter(|_| v3),
                        zone_action_states: b6.filter(|_| v3),
                        errors: b7,
                        information: c0,
                        error_references: c1,
                        info_references: c2,
                    },
                    timing: Timing {
                        min_order_interval: t.0,
                        min_state_interval: t.1,
                        default_state_interval: t.2,
                        visualization_interval: t.3,
                    },
                }
            },
        );
    let mut scopes = vec![ActionScope::Instant, ActionScope::Node, ActionScope::Edge];
    let mut data_types = vec![
        ValueDataType::Bool,
        ValueDataType::Number,
        ValueDataType::Integer,
        ValueDataType::String,
        ValueDataType::Object,
        ValueDataType::Array,
    ];
    match version {
        V2 => data_types.push(ValueDataType::Float),
        V3 => scopes.push(ActionScope::Zone),
    }
    let capability = (
        action_type(version),
        option::of(text()),
        proptest::sample::subsequence(scopes.clone(), 1..=scopes.len()),
        vec(
            (
                id(),
                proptest::sample::select(data_types),
                option::of(text()),
                option::of(any::<bool>()),
            )
                .prop_map(|(key, value_data_type, description, is_optional)| {
                    ActionParameterSpec {
                        key,
                        value_data_type,
                        description,
                        is_optional,
                    }
                }),
            0..2,
        ),
        option::of(text()),
        option::of(vec(blocking_type(version), 1..3)),
        any::<(bool, bool)>(),
    )
        .prop_map(
            move |(action_type, description, scopes, parameters, result, blocking, (p, c))| {
                ActionCapability {
                    action_type,
                    description,
                    scopes,
                    parameters,
                    result_description: result,
                    // The 2.1.0 schema rejects every blockingTypes array (see v2_schema_gaps).
                    blocking_types: blocking.filter(|_| v3),
                    pause_allowed: v3.then_some(p),
                    cancel_allowed: v3.then_some(c),
                }
            },
        );
    let features = (
        vec(
            (
                text(),
                prop_oneof![Just(Support::Supported), Just(Support::Required)],
                option::of(text()),
            )
                .prop_map(|(parameter, support, description)| OptionalParameter {
                    parameter,
                    support,
                    description,
                }),
            0..3,
        ),
        vec(capability, 0..3),
    )
        .prop_map(|(optional_parameters, actions)| ProtocolFeatures {
            optional_parameters,
            actions,
        });
    (type_specification, physical, limits, features).prop_map(|(t, p, l, f)| Factsheet {
        type_specification: t,
        physical_parameters: p,
        protocol_limits: l,
        protocol_features: f,
    })
}

fn zone_action() -> impl Strategy<Value = ZoneAction> {
    (
        action_type(V3),
        option::of(text()),
        prop_oneof![
            Just(v3::BlockingType::None),
            Just(v3::BlockingType::Soft),
            Just(v3::BlockingType::Single),
            Just(v3::BlockingType::Hard)
        ],
        option::of(any::<bool>()),
    )
        .prop_map(|(t, descriptor, blocking_type, retriable)| ZoneAction {
            action_type: t.wire_name(V3).unwrap().to_owned(),
            action_descriptor: descriptor,
            blocking_type,
            action_parameters: None,
            retriable,
        })
}

fn zone_kind() -> impl Strategy<Value = ZoneKind> {
    prop_oneof![
        Just(ZoneKind::Blocked),
        Just(ZoneKind::LineGuided),
        prop_oneof![
            Just(ZoneReleaseLossBehavior::Stop),
            Just(ZoneReleaseLossBehavior::Continue),
            Just(ZoneReleaseLossBehavior::Evacuate)
        ]
        .prop_map(|b| ZoneKind::Release {
            release_loss_behavior: b
        }),
        Just(ZoneKind::CoordinatedReplanning),
        non_negative().prop_map(|s| ZoneKind::SpeedLimit { maximum_speed: s }),
        (
            vec(zone_action(), 0..2),
            vec(zone_action(), 0..2),
            vec(zone_action(), 0..2)
        )
            .prop_map(|(entry, during, exit)| ZoneKind::Action {
                entry_actions: entry,
                during_actions: during,
                exit_actions: exit
            }),
        (0.0..=1.0f64).prop_map(|f| ZoneKind::Priority { priority_factor: f }),
        (0.0..=1.0f64).prop_map(|f| ZoneKind::Penalty { penalty_factor: f }),
        (
            angle(),
            prop_oneof![
                Just(DirectedLimitation::Soft),
                Just(DirectedLimitation::Restricted),
                Just(DirectedLimitation::Strict)
            ]
        )
            .prop_map(|(direction, l)| ZoneKind::Directed {
                direction,
                directed_limitation: l
            }),
        (
            angle(),
            prop_oneof![
                Just(BidirectedLimitation::Soft),
                Just(BidirectedLimitation::Restricted)
            ]
        )
            .prop_map(|(direction, l)| ZoneKind::Bidirected {
                direction,
                bidirected_limitation: l
            }),
    ]
}

pub fn zone_set() -> impl Strategy<Value = ZoneSet> {
    (
        id(),
        id(),
        option::of(text()),
        vec(
            (
                id(),
                option::of(text()),
                vec(
                    (coordinate(), coordinate()).prop_map(|(x, y)| Vertex { x, y }),
                    3..6,
                ),
                zone_kind(),
            )
                .prop_map(|(zone_id, zone_descriptor, vertices, kind)| Zone {
                    zone_id,
                    zone_descriptor,
                    vertices,
                    kind,
                }),
            0..4,
        ),
    )
        .prop_map(
            |(map_id, zone_set_id, zone_set_descriptor, zones)| ZoneSet {
                map_id,
                zone_set_id,
                zone_set_descriptor,
                zones,
            },
        )
}

pub fn responses() -> impl Strategy<Value = Vec<Response>> {
    vec(
        (
            id(),
            prop_oneof![
                Just(GrantType::Granted),
                Just(GrantType::Queued),
                Just(GrantType::Revoked),
                Just(GrantType::Rejected)
            ],
            option::of(
                (0i64..4_102_444_800_000).prop_map(|ms| Timestamp::from_unix_millis(ms).unwrap()),
            ),
        )
            .prop_map(|(request_id, grant_type, lease_expiry)| Response {
                request_id,
                grant_type,
                lease_expiry,
            }),
        0..4,
    )
}
