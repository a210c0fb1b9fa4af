//! `order` (fleet control → vehicle), `order.schema` 2.1.0.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::header::Header;

/// An order or order update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// Identifies all messages of one order.
    pub order_id: String,
    /// Unique per orderId.
    pub order_update_id: u32,
    /// Zone set to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_set_id: Option<String>,
    /// Nodes to traverse.
    pub nodes: Vec<Node>,
    /// Edges to traverse.
    pub edges: Vec<Edge>,
}

/// A node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Node id.
    pub node_id: String,
    /// Sequence id (even).
    pub sequence_id: u32,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_description: Option<String>,
    /// Base (true) or horizon (false).
    pub released: bool,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_position: Option<NodePosition>,
    /// Actions on the node.
    pub actions: Vec<Action>,
}

/// A node's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePosition {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Orientation in [−π, π].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theta: Option<f64>,
    /// Allowed deviation radius in m, ≥ 0.
    #[serde(
        rename = "allowedDeviationXY",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_deviation_xy: Option<f64>,
    /// Allowed orientation deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_deviation_theta: Option<f64>,
    /// Map id.
    pub map_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_description: Option<String>,
}

/// An edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// Edge id.
    pub edge_id: String,
    /// Sequence id (odd).
    pub sequence_id: u32,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_description: Option<String>,
    /// Base (true) or horizon (false).
    pub released: bool,
    /// `nodeId` of the node before.
    pub start_node_id: String,
    /// `nodeId` of the node after.
    pub end_node_id: String,
    /// Speed limit in m/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_speed: Option<f64>,
    /// Height limit in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_height: Option<f64>,
    /// Minimal load handling device height in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_height: Option<f64>,
    /// Orientation in [−π, π].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<f64>,
    /// GLOBAL or TANGENTIAL (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation_type: Option<OrientationType>,
    /// Direction at junctions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Rotation allowed on the edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_allowed: Option<bool>,
    /// Rotation speed limit in rad/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rotation_speed: Option<f64>,
    /// Length in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<f64>,
    /// NURBS trajectory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<Trajectory>,
    /// Corridor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor: Option<Corridor>,
    /// Actions on the edge.
    pub actions: Vec<Action>,
}

/// Orientation reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OrientationType {
    /// Map frame.
    Global,
    /// Edge tangent.
    Tangential,
}

/// A NURBS trajectory (all three fields required in 2.1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trajectory {
    /// Degree, ≥ 1.
    pub degree: u32,
    /// Knots in [0, 1].
    pub knot_vector: Vec<f64>,
    /// Control points.
    pub control_points: Vec<ControlPoint>,
}

/// A NURBS control point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlPoint {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
    /// Weight, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// Corridor boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Corridor {
    /// Left width in m, ≥ 0.
    pub left_width: f64,
    /// Right width in m, ≥ 0.
    pub right_width: f64,
    /// Kinematic centre or contour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor_ref_point: Option<CorridorRefPoint>,
}

/// What must stay inside the corridor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CorridorRefPoint {
    /// `KINEMATICCENTER`.
    KinematicCenter,
    /// `CONTOUR`.
    Contour,
}

/// An action (the same object in `order` and `instantActions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Action type, e.g. `pick`.
    pub action_type: String,
    /// Unique id.
    pub action_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_description: Option<String>,
    /// NONE, SOFT or HARD.
    pub blocking_type: BlockingType,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_parameters: Option<Vec<ActionParameter>>,
}

/// An action parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionParameter {
    /// Key.
    pub key: String,
    /// Array, boolean, number, string or object.
    pub value: Value,
}

/// Blocking type (2.x has no SINGLE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BlockingType {
    /// Driving and other actions allowed.
    None,
    /// Other actions allowed, no driving.
    Soft,
    /// Nothing else.
    Hard,
}
