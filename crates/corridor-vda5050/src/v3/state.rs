//! `state` (mobile robot → fleet control), `state.schema` 3.0.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::timestamp::Timestamp;
use crate::v3::Trajectory;

/// The mobile robot's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// Maps on the robot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maps: Option<Vec<Map>>,
    /// Zone sets on the robot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_sets: Option<Vec<ZoneSetState>>,
    /// Current or last order ("" if none).
    pub order_id: String,
    /// Last accepted update (0 if none).
    pub order_update_id: u32,
    /// Last reached node ("" if none).
    pub last_node_id: String,
    /// Its sequence id (0 if none).
    pub last_node_sequence_id: u32,
    /// Nodes still to traverse.
    pub node_states: Vec<NodeState>,
    /// Edges still to traverse.
    pub edge_states: Vec<EdgeState>,
    /// Planned path of a freely navigating robot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_path: Option<PlannedPath>,
    /// Near-term path with arrival times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate_path: Option<IntermediatePath>,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_robot_position: Option<MobileRobotPosition>,
    /// Velocity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Velocity>,
    /// Loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loads: Option<Vec<Load>>,
    /// Driving or rotating.
    pub driving: bool,
    /// Paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Base running short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_base_request: Option<bool>,
    /// Zone requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_requests: Option<Vec<ZoneRequest>>,
    /// Edge (corridor) requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_requests: Option<Vec<EdgeRequest>>,
    /// Distance past the last node in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_since_last_node: Option<f64>,
    /// Order action states.
    pub action_states: Vec<ActionState>,
    /// Instant action states.
    pub instant_action_states: Vec<ActionState>,
    /// Zone action states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_action_states: Option<Vec<ActionState>>,
    /// Battery.
    pub power_supply: PowerSupply,
    /// Operating mode.
    pub operating_mode: OperatingMode,
    /// Active errors.
    pub errors: Vec<Error>,
    /// Information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information: Option<Vec<Info>>,
    /// Safety.
    pub safety_state: SafetyState,
}

/// A map on the robot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Map {
    /// Map id.
    pub map_id: String,
    /// Version.
    pub map_version: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_descriptor: Option<String>,
    /// ENABLED or DISABLED.
    pub map_status: MapStatus,
}

/// Whether a map version is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MapStatus {
    /// In use.
    Enabled,
    /// Not in use.
    Disabled,
}

/// A zone set on the robot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneSetState {
    /// Zone set id.
    pub zone_set_id: String,
    /// Map id.
    pub map_id: String,
    /// ENABLED or DISABLED.
    pub zone_set_status: ZoneSetStatus,
}

/// Whether a zone set is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ZoneSetStatus {
    /// In use.
    Enabled,
    /// Not in use.
    Disabled,
}

/// A node still to traverse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeState {
    /// Node id.
    pub node_id: String,
    /// Sequence id.
    pub sequence_id: u32,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_descriptor: Option<String>,
    /// Base or horizon.
    pub released: bool,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_position: Option<NodeStatePosition>,
}

/// Position of a node in a node state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatePosition {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Orientation in [−π, π].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theta: Option<f64>,
    /// Map id.
    pub map_id: String,
}

/// An edge still to traverse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeState {
    /// Edge id.
    pub edge_id: String,
    /// Sequence id.
    pub sequence_id: u32,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_descriptor: Option<String>,
    /// Base or horizon.
    pub released: bool,
    /// Trajectory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<Trajectory>,
}

/// A freely navigating robot's planned path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedPath {
    /// The path as a NURBS.
    pub trajectory: Trajectory,
    /// Order nodes on the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traversed_nodes: Option<Vec<String>>,
}

/// Near-term waypoints with arrival times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntermediatePath {
    /// Polyline segment end points.
    pub polyline: Vec<PolylinePoint>,
}

/// A polyline point with its arrival time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolylinePoint {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Orientation in [−π, π].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theta: Option<f64>,
    /// Estimated time of arrival.
    pub eta: Timestamp,
}

/// The robot's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileRobotPosition {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Heading in [−π, π].
    pub theta: f64,
    /// Map id.
    pub map_id: String,
    /// Localized.
    pub localized: bool,
    /// Localization quality in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localization_score: Option<f64>,
    /// Deviation range in m, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation_range: Option<f64>,
}

/// Velocity in robot coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Velocity {
    /// m/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vx: Option<f64>,
    /// m/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vy: Option<f64>,
    /// rad/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omega: Option<f64>,
}

/// A load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Load {
    /// Identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_id: Option<String>,
    /// Type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_type: Option<String>,
    /// Load handling unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_position: Option<String>,
    /// Bounding box reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_box_reference: Option<BoundingBoxReference>,
    /// Bounding box dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_dimensions: Option<LoadDimensions>,
    /// kg, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// Reference point of a load's bounding box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundingBoxReference {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Z in m.
    pub z: f64,
    /// Orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theta: Option<f64>,
}

/// Dimensions of a load's bounding box in m, each ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadDimensions {
    /// Length.
    pub length: f64,
    /// Width.
    pub width: f64,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
}

/// A request about a zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneRequest {
    /// Unique among active requests.
    pub request_id: String,
    /// ACCESS or REPLANNING.
    pub request_type: ZoneRequestType,
    /// Zone id.
    pub zone_id: String,
    /// Zone set id.
    pub zone_set_id: String,
    /// Status.
    pub request_status: RequestStatus,
    /// Intended path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<Trajectory>,
}

/// Zone request type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ZoneRequestType {
    /// Enter a RELEASE zone.
    Access,
    /// Replan in a COORDINATED_REPLANNING zone.
    Replanning,
}

/// Request status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RequestStatus {
    /// Asked.
    Requested,
    /// Granted.
    Granted,
    /// Revoked.
    Revoked,
    /// Expired.
    Expired,
}

/// A request to use an edge's corridor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeRequest {
    /// Unique among active requests.
    pub request_id: String,
    /// Always CORRIDOR.
    pub request_type: EdgeRequestType,
    /// Edge id.
    pub edge_id: String,
    /// Edge sequence id.
    pub sequence_id: u32,
    /// Status.
    pub request_status: RequestStatus,
}

/// Edge request type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EdgeRequestType {
    /// Use the corridor.
    Corridor,
}

/// An action's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionState {
    /// Action id.
    pub action_id: String,
    /// Action type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_descriptor: Option<String>,
    /// Status.
    pub action_status: ActionStatus,
    /// Result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_result: Option<String>,
}

/// 3.0 action status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ActionStatus {
    /// Not triggered yet.
    Waiting,
    /// Preparing.
    Initializing,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Failed, may be retried.
    Retriable,
    /// Done.
    Finished,
    /// Failed.
    Failed,
}

/// Battery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PowerSupply {
    /// State of charge in % (0-100).
    pub state_of_charge: f64,
    /// V.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_voltage: Option<f64>,
    /// A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_current: Option<f64>,
    /// State of health in % (0-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_health: Option<f64>,
    /// Charging.
    pub charging: bool,
    /// Range in m, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<f64>,
}

/// An error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    /// Type.
    pub error_type: String,
    /// References.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_references: Option<Vec<ErrorReference>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Translations of the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description_translations: Option<Vec<Translation>>,
    /// Hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_hint: Option<String>,
    /// Translations of the hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_hint_translations: Option<Vec<Translation>>,
    /// Level.
    pub error_level: ErrorLevel,
}

/// An error reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReference {
    /// Key.
    pub reference_key: String,
    /// Value.
    pub reference_value: String,
}

/// A translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Translation {
    /// ISO 639-1 language code.
    pub translation_key: String,
    /// Text.
    pub translation_value: String,
}

/// 3.0 error levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ErrorLevel {
    /// No immediate attention.
    Warning,
    /// Immediate attention, can continue.
    Urgent,
    /// Cannot continue the order.
    Critical,
    /// User intervention required.
    Fatal,
}

/// Information.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// Type.
    pub info_type: String,
    /// References.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info_references: Option<Vec<InfoReference>>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info_descriptor: Option<String>,
    /// INFO or DEBUG.
    pub info_level: InfoLevel,
}

/// An info reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfoReference {
    /// Key.
    pub reference_key: String,
    /// Value.
    pub reference_value: String,
}

/// Info level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InfoLevel {
    /// Visualization.
    Info,
    /// Debugging.
    Debug,
}

/// Safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyState {
    /// Active e-stop.
    pub active_emergency_stop: ActiveEmergencyStop,
    /// Protective field violated.
    pub field_violation: bool,
}

/// 3.0 e-stop types (no AUTOACK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ActiveEmergencyStop {
    /// Acknowledge at the robot.
    Manual,
    /// Acknowledge remotely.
    Remote,
    /// None active.
    None,
}

/// 3.0 operating modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperatingMode {
    /// Starting up.
    Startup,
    /// Full control by fleet control.
    Automatic,
    /// Speed from the HMI.
    Semiautomatic,
    /// Operator intervening.
    Intervened,
    /// Manual.
    Manual,
    /// Service.
    Service,
    /// Teach-in (`TEACH_IN`).
    TeachIn,
}
