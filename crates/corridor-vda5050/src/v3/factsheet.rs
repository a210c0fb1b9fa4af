//! `factsheet` (mobile robot → fleet control), `factsheet.schema` 3.0.0.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::header::Header;
use crate::v3::{BlockingType, BoundingBoxReference, LoadDimensions};

/// The factsheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Factsheet {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// Robot type.
    pub type_specification: TypeSpecification,
    /// Physical parameters.
    pub physical_parameters: PhysicalParameters,
    /// Protocol limits.
    pub protocol_limits: ProtocolLimits,
    /// Protocol features.
    pub protocol_features: ProtocolFeatures,
    /// Geometry.
    pub mobile_robot_geometry: MobileRobotGeometry,
    /// Load handling.
    pub load_specification: LoadSpecification,
    /// Software versions, network, charging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_robot_configuration: Option<MobileRobotConfiguration>,
}

/// Robot type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSpecification {
    /// Series name.
    pub series_name: String,
    /// Series description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_description: Option<String>,
    /// Extensible enum: DIFFERENTIAL, OMNIDIRECTIONAL, THREE_WHEEL, ...
    pub mobile_robot_kinematics: String,
    /// Extensible enum: FORKLIFT, CONVEYOR, TUGGER, CARRIER, ...
    pub mobile_robot_class: String,
    /// kg, ≥ 0.
    pub maximum_load_mass: f64,
    /// Extensible enum: NATURAL, REFLECTOR, RFID, DMC, SPOT, GRID, ...
    pub localization_types: Vec<String>,
    /// Extensible enum: PHYSICAL_LINE_GUIDED, VIRTUAL_LINE_GUIDED, FREELY_NAVIGATING, ...
    pub navigation_types: Vec<String>,
    /// Supported zone types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_zones: Option<Vec<ZoneType>>,
}

/// Zone types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ZoneType {
    /// BLOCKED.
    Blocked,
    /// LINE_GUIDED.
    LineGuided,
    /// RELEASE.
    Release,
    /// COORDINATED_REPLANNING.
    CoordinatedReplanning,
    /// SPEED_LIMIT.
    SpeedLimit,
    /// ACTION.
    Action,
    /// PRIORITY.
    Priority,
    /// PENALTY.
    Penalty,
    /// DIRECTED.
    Directed,
    /// BIDIRECTED.
    Bidirected,
}

/// Physical parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalParameters {
    /// m/s, ≥ 0.
    pub minimum_speed: f64,
    /// m/s, ≥ 0.
    pub maximum_speed: f64,
    /// rad/s, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_angular_speed: Option<f64>,
    /// rad/s, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_angular_speed: Option<f64>,
    /// m/s², ≥ 0.
    pub maximum_acceleration: f64,
    /// m/s².
    pub maximum_deceleration: f64,
    /// m.
    pub minimum_height: f64,
    /// m.
    pub maximum_height: f64,
    /// m.
    pub width: f64,
    /// m.
    pub length: f64,
}

/// Protocol limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolLimits {
    /// String lengths.
    pub maximum_string_lengths: MaximumStringLengths,
    /// Array lengths.
    pub maximum_array_lengths: MaximumArrayLengths,
    /// Timing.
    pub timing: Timing,
}

/// Maximum string lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaximumStringLengths {
    /// Message length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_message_length: Option<u32>,
    /// Serial number in topics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_topic_serial_length: Option<u32>,
    /// Other topic elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_topic_element_length: Option<u32>,
    /// Ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_id_length: Option<u32>,
    /// Numerical ids only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_numerical_only: Option<bool>,
    /// Load ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_load_id_length: Option<u32>,
}

/// Maximum array lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MaximumArrayLengths {
    /// `order.nodes`.
    #[serde(
        rename = "order.nodes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub order_nodes: Option<u32>,
    /// `order.edges`.
    #[serde(
        rename = "order.edges",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub order_edges: Option<u32>,
    /// `node.actions`.
    #[serde(
        rename = "node.actions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub node_actions: Option<u32>,
    /// `edge.actions`.
    #[serde(
        rename = "edge.actions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub edge_actions: Option<u32>,
    /// `actions.actionsParameters`.
    #[serde(
        rename = "actions.actionsParameters",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub actions_parameters: Option<u32>,
    /// `instantActions`.
    #[serde(
        rename = "instantActions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub instant_actions: Option<u32>,
    /// `trajectory.knotVector`.
    #[serde(
        rename = "trajectory.knotVector",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub trajectory_knot_vector: Option<u32>,
    /// `trajectory.controlPoints`.
    #[serde(
        rename = "trajectory.controlPoints",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub trajectory_control_points: Option<u32>,
    /// `zoneSet.zones`.
    #[serde(
        rename = "zoneSet.zones",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub zone_set_zones: Option<u32>,
    /// `state.nodeStates`.
    #[serde(
        rename = "state.nodeStates",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_node_states: Option<u32>,
    /// `state.edgeStates`.
    #[serde(
        rename = "state.edgeStates",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_edge_states: Option<u32>,
    /// `state.loads`.
    #[serde(
        rename = "state.loads",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_loads: Option<u32>,
    /// `state.actionStates`.
    #[serde(
        rename = "state.actionStates",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_action_states: Option<u32>,
    /// `state.instantActionStates`.
    #[serde(
        rename = "state.instantActionStates",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_instant_action_states: Option<u32>,
    /// `state.zoneActionStates`.
    #[serde(
        rename = "state.zoneActionStates",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_zone_action_states: Option<u32>,
    /// `state.errors`.
    #[serde(
        rename = "state.errors",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_errors: Option<u32>,
    /// `state.information`.
    #[serde(
        rename = "state.information",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state_information: Option<u32>,
    /// `error.errorReferences`.
    #[serde(
        rename = "error.errorReferences",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_error_references: Option<u32>,
    /// `information.infoReferences`.
    #[serde(
        rename = "information.infoReferences",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub information_info_references: Option<u32>,
}

/// Timing in seconds, each ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Minimum order interval.
    pub minimum_order_interval: f64,
    /// Minimum state interval.
    pub minimum_state_interval: f64,
    /// Default state interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_state_interval: Option<f64>,
    /// Visualization interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visualization_interval: Option<f64>,
}

/// Protocol features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolFeatures {
    /// Optional parameters.
    pub optional_parameters: Vec<OptionalParameter>,
    /// Supported actions.
    pub mobile_robot_actions: Vec<MobileRobotAction>,
}

/// Support of an optional parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionalParameter {
    /// Full parameter name.
    pub parameter: String,
    /// SUPPORTED or REQUIRED.
    pub support: Support,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Kind of support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Support {
    /// Supported.
    Supported,
    /// Required.
    Required,
}

/// A supported action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileRobotAction {
    /// Action type.
    pub action_type: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_description: Option<String>,
    /// Scopes.
    pub action_scopes: Vec<ActionScope>,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_parameters: Option<Vec<ActionParameterDefinition>>,
    /// Free text about the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_result: Option<String>,
    /// Possible blocking types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_types: Option<Vec<BlockingType>>,
    /// Can be paused.
    pub pause_allowed: bool,
    /// Can be cancelled.
    pub cancel_allowed: bool,
}

/// 3.0 action scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ActionScope {
    /// Instant action.
    Instant,
    /// Node action.
    Node,
    /// Edge action.
    Edge,
    /// Zone action.
    Zone,
}

/// A parameter of a supported action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionParameterDefinition {
    /// Key.
    pub key: String,
    /// Data type.
    pub value_data_type: ValueDataType,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_optional: Option<bool>,
}

/// 3.0 value data types (no FLOAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ValueDataType {
    /// Boolean.
    Bool,
    /// Number.
    Number,
    /// Integer.
    Integer,
    /// String.
    String,
    /// Object.
    Object,
    /// Array.
    Array,
}

/// Geometry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileRobotGeometry {
    /// Wheels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wheel_definitions: Option<Vec<WheelDefinition>>,
    /// 2D envelopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelopes2d: Option<Vec<Envelope2d>>,
    /// 3D envelopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelopes3d: Option<Vec<Envelope3d>>,
}

/// A wheel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WheelDefinition {
    /// Wheel type (DRIVE, CASTER, FIXED, MECANUM, ...).
    #[serde(rename = "type")]
    pub wheel_type: String,
    /// Actively driven.
    pub is_active_driven: bool,
    /// Actively steered.
    pub is_active_steered: bool,
    /// Position.
    pub position: WheelPosition,
    /// Diameter in m.
    pub diameter: f64,
    /// Width in m.
    pub width: f64,
    /// Centre displacement in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center_displacement: Option<f64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<String>,
}

/// A wheel's position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WheelPosition {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Orientation in rad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theta: Option<f64>,
}

/// A 2D envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope2d {
    /// Envelope id.
    pub envelope2d_id: String,
    /// Closed polygon.
    pub vertices: Vec<Vertex2d>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A polygon vertex.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Vertex2d {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
}

/// A 3D envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope3d {
    /// Envelope id.
    pub envelope3d_id: String,
    /// Data format.
    pub format: String,
    /// Data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
    /// Download URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Load handling.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadSpecification {
    /// Load positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_positions: Option<Vec<String>>,
    /// Load sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_sets: Option<Vec<LoadSet>>,
}

/// A load set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadSet {
    /// Set name.
    pub set_name: String,
    /// Load type.
    pub load_type: String,
    /// Load positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_positions: Option<Vec<String>>,
    /// Bounding box reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_box_reference: Option<BoundingBoxReference>,
    /// Dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_dimensions: Option<LoadDimensions>,
    /// kg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_weight: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_loadhandling_height: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_loadhandling_height: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_loadhandling_depth: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_loadhandling_depth: Option<f64>,
    /// rad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_loadhandling_tilt: Option<f64>,
    /// rad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_loadhandling_tilt: Option<f64>,
    /// m/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_speed: Option<f64>,
    /// m/s².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_acceleration: Option<f64>,
    /// m/s².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_deceleration: Option<f64>,
    /// s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pick_time: Option<f64>,
    /// s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_time: Option<f64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Software versions, network and charging configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileRobotConfiguration {
    /// Versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionInfo>>,
    /// Network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// Charging levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_charging: Option<BatteryCharging>,
}

/// A software or hardware version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Network information.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    /// DNS servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_servers: Option<Vec<String>>,
    /// NTP servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntp_servers: Option<Vec<String>>,
    /// Local IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_ip_address: Option<String>,
    /// Netmask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// Default gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_gateway: Option<String>,
}

/// Charging levels in % and times in s.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatteryCharging {
    /// Critical low level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_low_charging_level: Option<f64>,
    /// Minimum desired level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_desired_charging_level: Option<f64>,
    /// Maximum desired level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_desired_charging_level: Option<f64>,
    /// Minimum charging time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_charging_time: Option<f64>,
}
