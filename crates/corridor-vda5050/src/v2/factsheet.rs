//! `factsheet` (vehicle → fleet control), `factsheet.schema` 2.1.0.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::timestamp::Timestamp;
use crate::v2::state::BoundingBoxReference;
use crate::v2::{BlockingType, LoadDimensions};

/// The factsheet (header id and timestamp are optional in the 2.1.0 schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Factsheet {
    /// Header id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_id: Option<u32>,
    /// Timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Protocol version.
    pub version: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Serial number.
    pub serial_number: String,
    /// Vehicle type.
    pub type_specification: TypeSpecification,
    /// Physical parameters.
    pub physical_parameters: PhysicalParameters,
    /// Protocol limits.
    pub protocol_limits: ProtocolLimits,
    /// Protocol features.
    pub protocol_features: ProtocolFeatures,
    /// Geometry.
    pub agv_geometry: AgvGeometry,
    /// Load handling.
    pub load_specification: LoadSpecification,
    /// Software versions and network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_config: Option<VehicleConfig>,
}

/// Vehicle type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSpecification {
    /// Series name.
    pub series_name: String,
    /// Series description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_description: Option<String>,
    /// Kinematics.
    pub agv_kinematic: AgvKinematic,
    /// Class.
    pub agv_class: AgvClass,
    /// Maximum load in kg, ≥ 0.
    pub max_load_mass: f64,
    /// Localization types.
    pub localization_types: Vec<LocalizationType>,
    /// Navigation types.
    pub navigation_types: Vec<NavigationType>,
}

/// 2.x kinematics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AgvKinematic {
    /// Differential.
    Diff,
    /// Omnidirectional.
    Omni,
    /// Three-wheel.
    ThreeWheel,
}

/// 2.x vehicle class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AgvClass {
    /// Forklift.
    Forklift,
    /// Conveyor.
    Conveyor,
    /// Tugger.
    Tugger,
    /// Carrier.
    Carrier,
}

/// 2.x localization type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LocalizationType {
    /// Natural landmarks.
    Natural,
    /// Reflectors.
    Reflector,
    /// RFID.
    Rfid,
    /// Data matrix codes.
    Dmc,
    /// Magnetic spots.
    Spot,
    /// Magnetic grid.
    Grid,
}

/// 2.x navigation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NavigationType {
    /// Physical lines.
    PhysicalLineGuided,
    /// Virtual lines.
    VirtualLineGuided,
    /// Own path planning.
    Autonomous,
}

/// Physical parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalParameters {
    /// m/s.
    pub speed_min: f64,
    /// m/s.
    pub speed_max: f64,
    /// m/s².
    pub acceleration_max: f64,
    /// m/s².
    pub deceleration_max: f64,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_min: Option<f64>,
    /// m.
    pub height_max: f64,
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
    pub max_string_lens: MaxStringLens,
    /// Array lengths.
    pub max_array_lens: MaxArrayLens,
    /// Timing.
    pub timing: Timing,
}

/// Maximum string lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaxStringLens {
    /// Message length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_len: Option<u32>,
    /// Serial number in topics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_serial_len: Option<u32>,
    /// Other topic elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_elem_len: Option<u32>,
    /// Ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_len: Option<u32>,
    /// Numerical ids only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_numerical_only: Option<bool>,
    /// Enum values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_len: Option<u32>,
    /// Load ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_id_len: Option<u32>,
}

/// Maximum array lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MaxArrayLens {
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

/// Timing in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Minimum order interval.
    pub min_order_interval: f64,
    /// Minimum state interval.
    pub min_state_interval: f64,
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
    pub agv_actions: Vec<AgvAction>,
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
pub struct AgvAction {
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
    pub result_description: Option<String>,
    /// Possible blocking types (an array per the 2.1 text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_types: Option<Vec<BlockingType>>,
}

/// 2.x action scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ActionScope {
    /// Instant action.
    Instant,
    /// Node action.
    Node,
    /// Edge action.
    Edge,
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

/// 2.x value data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ValueDataType {
    /// Boolean.
    Bool,
    /// Number.
    Number,
    /// Integer.
    Integer,
    /// Float.
    Float,
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
pub struct AgvGeometry {
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
    /// Wheel type.
    #[serde(rename = "type")]
    pub wheel_type: WheelType,
    /// Actively driven.
    pub is_active_driven: bool,
    /// Actively steered.
    pub is_active_steered: bool,
    /// Position in vehicle coordinates.
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

/// 2.x wheel types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WheelType {
    /// Drive wheel.
    Drive,
    /// Caster.
    Caster,
    /// Fixed.
    Fixed,
    /// Mecanum.
    Mecanum,
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
    /// Set name.
    pub set: String,
    /// Closed polygon.
    pub polygon_points: Vec<PolygonPoint>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A polygon point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PolygonPoint {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
}

/// A 3D envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope3d {
    /// Set name.
    pub set: String,
    /// Data format, e.g. DXF.
    pub format: String,
    /// Data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
    /// Download URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Free text (a string per the 2.1 text; the 2.1.0 schema says integer).
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
    /// Load dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_dimensions: Option<LoadDimensions>,
    /// kg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_weight: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_loadhandling_height: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_loadhandling_height: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_loadhandling_depth: Option<f64>,
    /// m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_loadhandling_depth: Option<f64>,
    /// rad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_loadhandling_tilt: Option<f64>,
    /// rad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_loadhandling_tilt: Option<f64>,
    /// m/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agv_speed_limit: Option<f64>,
    /// m/s².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agv_acceleration_limit: Option<f64>,
    /// m/s².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agv_deceleration_limit: Option<f64>,
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

/// Software versions and network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VehicleConfig {
    /// Versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionInfo>>,
    /// Network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
}

/// A software or hardware version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Key, e.g. softwareVersion.
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
    /// Local IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_ip_address: Option<String>,
    /// NTP servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntp_servers: Option<Vec<String>>,
    /// Netmask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// Default gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_gateway: Option<String>,
}
