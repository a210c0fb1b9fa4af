//! `order` (fleet control → mobile robot), `order.schema` 3.0.0.

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
    /// 0 for a new order.
    pub order_update_id: u32,
    /// Free text for visualization only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_description: Option<String>,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Edges.
    pub edges: Vec<Edge>,
}

/// A node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
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
    pub node_position: Option<NodePosition>,
    /// Actions.
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
    /// Deviation ellipse.
    #[serde(
        rename = "allowedDeviationXY",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_deviation_xy: Option<AllowedDeviationXy>,
    /// Allowed orientation deviation in [0, π].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_deviation_theta: Option<f64>,
    /// Map id.
    pub map_id: String,
}

/// The ellipse within which a node counts as traversed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AllowedDeviationXy {
    /// Semi-major axis in m.
    pub a: f64,
    /// Semi-minor axis in m.
    pub b: f64,
    /// Rotation in [−π/2, π/2].
    pub theta: f64,
}

/// An edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// Edge id.
    pub edge_id: String,
    /// Sequence id.
    pub sequence_id: u32,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_descriptor: Option<String>,
    /// Base or horizon.
    pub released: bool,
    /// Speed limit in m/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_speed: Option<f64>,
    /// Height limit in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_mobile_robot_height: Option<f64>,
    /// Minimal load handling device height in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_load_handling_device_height: Option<f64>,
    /// Orientation in [−π, π].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<f64>,
    /// GLOBAL or TANGENTIAL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation_type: Option<OrientationType>,
    /// Direction at junctions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Reach the orientation before entering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach_orientation_before_entering: Option<bool>,
    /// Rotation speed limit in rad/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rotation_speed: Option<f64>,
    /// NURBS trajectory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<Trajectory>,
    /// Length in m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<f64>,
    /// Corridor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor: Option<Corridor>,
    /// Actions.
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

/// A NURBS trajectory (only the control points are required in 3.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trajectory {
    /// Degree, ≥ 1 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree: Option<u32>,
    /// Knots in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knot_vector: Option<Vec<f64>>,
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
    /// Weight.
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
    pub corridor_reference_point: Option<CorridorReferencePoint>,
    /// Ask fleet control before using the corridor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_required: Option<bool>,
    /// What to do when the release is lost (default STOP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_loss_behavior: Option<ReleaseLossBehavior>,
}

/// What must stay inside the corridor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CorridorReferencePoint {
    /// `KINEMATIC_CENTER`.
    KinematicCenter,
    /// `CONTOUR`.
    Contour,
}

/// Behaviour on loss of a corridor release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReleaseLossBehavior {
    /// Stop.
    Stop,
    /// Return to the trajectory.
    Return,
}

/// An action on a node or edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Action type.
    pub action_type: String,
    /// Unique id.
    pub action_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_descriptor: Option<String>,
    /// NONE, SINGLE, SOFT or HARD.
    pub blocking_type: BlockingType,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_parameters: Option<Vec<ActionParameter>>,
    /// May enter RETRIABLE on failure (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retriable: Option<bool>,
}

/// An action parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionParameter {
    /// Key.
    pub key: String,
    /// Array, boolean, number, string or object.
    pub value: Value,
}

/// Blocking type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BlockingType {
    /// Driving and other actions allowed.
    None,
    /// Other actions allowed, no driving.
    Soft,
    /// Driving allowed, no other action.
    Single,
    /// Nothing else.
    Hard,
}
