//! `state` (vehicle → fleet control), `state.schema` 2.1.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::v2::Trajectory;

/// The vehicle's full state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// Maps on the vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maps: Option<Vec<Map>>,
    /// Current or last order ("" if none).
    pub order_id: String,
    /// Last accepted order update (0 if none).
    pub order_update_id: u32,
    /// Zone set in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_set_id: Option<String>,
    /// Last reached node ("" if none).
    pub last_node_id: String,
    /// Its sequence id (0 if none).
    pub last_node_sequence_id: u32,
    /// Driving or rotating.
    pub driving: bool,
    /// Paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Base running short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_base_request: Option<bool>,
    /// Distance past the last node in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_since_last_node: Option<f64>,
    /// Operating mode.
    pub operating_mode: OperatingMode,
    /// Nodes still to traverse.
    pub node_states: Vec<NodeState>,
    /// Edges still to traverse.
    pub edge_states: Vec<EdgeState>,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agv_position: Option<AgvPosition>,
    /// Velocity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Velocity>,
    /// Loads (absent: unknown, empty: unloaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loads: Option<Vec<Load>>,
    /// Order and instant action states.
    pub action_states: Vec<ActionState>,
    /// Battery.
    pub battery_state: BatteryState,
    /// Active errors.
    pub errors: Vec<Error>,
    /// Information for visualization and debugging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information: Option<Vec<Info>>,
    /// Safety.
    pub safety_state: SafetyState,
}

/// A map on the vehicle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Map {
    /// Map id.
    pub map_id: String,
    /// Map version.
    pub map_version: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_description: Option<String>,
    /// ENABLED or DISABLED.
    pub map_status: MapStatus,
}

/// Whether a map version is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MapStatus {
    /// In use.
    Enabled,
    /// Stored, not in use.
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
    pub node_description: Option<String>,
    /// Base or horizon.
    pub released: bool,
    /// Position (for debugging).
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
    /// Orientation.
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
    pub edge_description: Option<String>,
    /// Base or horizon.
    pub released: bool,
    /// The trajectory being followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<Trajectory>,
}

/// The vehicle's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgvPosition {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Heading in rad.
    pub theta: f64,
    /// Map id.
    pub map_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_description: Option<String>,
    /// Position initialized.
    pub position_initialized: bool,
    /// Localization quality in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localization_score: Option<f64>,
    /// Deviation range in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation_range: Option<f64>,
}

/// Velocity in vehicle coordinates.
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
    /// Bounding box reference point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_box_reference: Option<BoundingBoxReference>,
    /// Bounding box dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_dimensions: Option<LoadDimensions>,
    /// Weight in kg, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// Reference point of a load's bounding box, in vehicle coordinates.
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

/// Dimensions of a load's bounding box in m.
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
    pub action_description: Option<String>,
    /// Status.
    pub action_status: ActionStatus,
    /// Result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
}

/// 2.x action status (PAUSED per the 2.1 text; the 2.1.0 schema's enum lacks it).
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
    /// Done.
    Finished,
    /// Failed.
    Failed,
}

/// Battery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatteryState {
    /// State of charge in %.
    pub battery_charge: f64,
    /// Voltage in V.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_voltage: Option<f64>,
    /// State of health in % (0-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_health: Option<f64>,
    /// Charging.
    pub charging: bool,
    /// Reach in m, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<f64>,
}

/// An error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    /// Type (free text; 2.x names validationError, orderError, orderUpdateError,
    /// noOrderToCancel).
    pub error_type: String,
    /// References.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_references: Option<Vec<ErrorReference>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_hint: Option<String>,
    /// WARNING or FATAL.
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

/// 2.x error levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ErrorLevel {
    /// Ready to start.
    Warning,
    /// Not in running condition.
    Fatal,
}

/// Information for visualization and debugging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// Type.
    pub info_type: String,
    /// References.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info_references: Option<Vec<InfoReference>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info_description: Option<String>,
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
    pub e_stop: EStop,
    /// Protective field violated.
    pub field_violation: bool,
}

/// 2.x e-stop types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EStop {
    /// Auto-acknowledgeable.
    AutoAck,
    /// Acknowledge at the vehicle.
    Manual,
    /// Acknowledge remotely.
    Remote,
    /// None active.
    None,
}

/// 2.x operating modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OperatingMode {
    /// Full control by master control.
    Automatic,
    /// Speed from the HMI.
    Semiautomatic,
    /// Manual.
    Manual,
    /// Service.
    Service,
    /// Teach-in (`TEACHIN`).
    TeachIn,
}
