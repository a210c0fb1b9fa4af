//! Orders: nodes and edges to traverse, the released base and the planned horizon.

use crate::error::Vda5050Error;
use crate::model::Action;
use crate::rules;

/// An order or order update (§6.1), versionless.
///
/// Nodes and edges alternate (node, edge, node, ...) and share one run of sequence ids:
/// nodes even, edges odd, consecutive. The released elements (the base) come first, the
/// unreleased ones (the horizon) after. [`Order::validate`] checks these rules; the encoders
/// and decoders of this crate call it, so an order that breaks them is never sent or taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Identifies all messages of one order.
    pub order_id: String,
    /// 0 for a new order, higher for each update.
    pub order_update_id: u32,
    /// Nodes in traversal order.
    pub nodes: Vec<Node>,
    /// Edges in traversal order; `edges[i]` joins `nodes[i]` and `nodes[i + 1]`.
    pub edges: Vec<Edge>,
}

impl Order {
    /// Checks the rules of §6.1 the JSON schema cannot: at least one node, edges = nodes − 1,
    /// even/odd consecutive sequence ids (starting at 0 for `orderUpdateId` 0), first node
    /// released, base before horizon, an edge released only with both its nodes, non-empty
    /// ids, unique action ids.
    pub fn validate(&self) -> Result<(), Vda5050Error> {
        rules::check_order(self).map_err(|problem| Vda5050Error::InvalidOrder {
            order_id: self.order_id.clone(),
            order_update_id: self.order_update_id,
            problem,
        })
    }

    /// The released nodes (the base).
    pub fn base_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.released)
    }

    /// The released edges (the base).
    pub fn base_edges(&self) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(|e| e.released)
    }

    /// The last released node, where the vehicle stops unless the base is extended.
    pub fn decision_point(&self) -> Option<&Node> {
        self.nodes.iter().rev().find(|n| n.released)
    }

    /// Every action of the order, nodes and edges in traversal order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        let mut edges = self.edges.iter();
        self.nodes.iter().flat_map(move |n| {
            let edge = edges.next();
            n.actions
                .iter()
                .chain(edge.into_iter().flat_map(|e| e.actions.iter()))
        })
    }
}

/// A node of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's id (need not be unique within an order: loops repeat nodes).
    pub node_id: String,
    /// Even; position in the order's node/edge sequence.
    pub sequence_id: u32,
    /// True: part of the base, the vehicle may go there. False: horizon.
    pub released: bool,
    /// Free text (2.x `nodeDescription`, 3.0 `nodeDescriptor`).
    pub description: Option<String>,
    /// Where the node is; optional for line-guided vehicles.
    pub position: Option<NodePosition>,
    /// Actions to run on the node, in order.
    pub actions: Vec<Action>,
}

impl Node {
    /// A node with only an id: sequence id 0, not released, no position, no actions.
    /// [`crate::OrderTracker`] and [`OrderBuilder`] number and release nodes themselves.
    pub fn new(node_id: impl Into<String>) -> Node {
        Node {
            node_id: node_id.into(),
            sequence_id: 0,
            released: false,
            description: None,
            position: None,
            actions: Vec::new(),
        }
    }

    /// Sets the position.
    pub fn at(mut self, position: NodePosition) -> Node {
        self.position = Some(position);
        self
    }

    /// Appends an action.
    pub fn with_action(mut self, action: Action) -> Node {
        self.actions.push(action);
        self
    }
}

/// Where a node is, in the project's map frame (metres, radians).
#[derive(Debug, Clone, PartialEq)]
pub struct NodePosition {
    /// X in metres.
    pub x: f64,
    /// Y in metres.
    pub y: f64,
    /// Orientation the vehicle must take on the node, in [−π, π]; `None`: free.
    pub theta: Option<f64>,
    /// How close the vehicle must pass for the node to count as traversed.
    pub allowed_deviation_xy: Option<DeviationEllipse>,
    /// Allowed orientation deviation in radians, in [0, π].
    pub allowed_deviation_theta: Option<f64>,
    /// The map the position refers to.
    pub map_id: String,
}

impl NodePosition {
    /// A position without orientation or deviation.
    pub fn new(x: f64, y: f64, map_id: impl Into<String>) -> NodePosition {
        NodePosition {
            x,
            y,
            theta: None,
            allowed_deviation_xy: None,
            allowed_deviation_theta: None,
            map_id: map_id.into(),
        }
    }
}

/// The area around a node in which it counts as traversed: an ellipse centred on the node
/// (3.0). 2.x knows only a radius, which is the ellipse with `a == b` and `theta == 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviationEllipse {
    /// Semi-major axis in metres, ≥ 0.
    pub a: f64,
    /// Semi-minor axis in metres, ≥ 0.
    pub b: f64,
    /// Rotation in radians, in [−π/2, π/2].
    pub theta: f64,
}

impl DeviationEllipse {
    /// A circle of `radius` metres (the only shape 2.x can send).
    pub fn circle(radius: f64) -> DeviationEllipse {
        DeviationEllipse {
            a: radius,
            b: radius,
            theta: 0.0,
        }
    }

    /// The radius when the ellipse is a circle as 2.x writes it (`a == b`, `theta == 0`).
    pub fn as_radius(&self) -> Option<f64> {
        (self.a == self.b && self.theta == 0.0).then_some(self.a)
    }
}

/// An edge of an order: the way from the node before it to the node after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The edge's id.
    pub edge_id: String,
    /// Odd; position in the order's node/edge sequence.
    pub sequence_id: u32,
    /// True: part of the base. False: horizon.
    pub released: bool,
    /// Free text (2.x `edgeDescription`, 3.0 `edgeDescriptor`).
    pub description: Option<String>,
    /// Speed limit in m/s (2.x `maxSpeed`, 3.0 `maximumSpeed`).
    pub max_speed: Option<f64>,
    /// Height limit of vehicle and load in metres (2.x `maxHeight`, 3.0
    /// `maximumMobileRobotHeight`).
    pub max_height: Option<f64>,
    /// Lowest load-handling-device height in metres (2.x `minHeight`, 3.0
    /// `minimumLoadHandlingDeviceHeight`).
    pub min_height: Option<f64>,
    /// Orientation on the edge in radians, in [−π, π].
    pub orientation: Option<f64>,
    /// How `orientation` is meant; `None` means TANGENTIAL.
    pub orientation_type: Option<OrientationType>,
    /// Direction at junctions for line-guided vehicles.
    pub direction: Option<String>,
    /// True: reach the edge's orientation before entering it. 3.0
    /// `reachOrientationBeforeEntering`; 2.x says the same as `rotationAllowed = !value`.
    pub reach_orientation_before_entering: Option<bool>,
    /// Rotation speed limit in rad/s.
    pub max_rotation_speed: Option<f64>,
    /// Length of the path in metres.
    pub length: Option<f64>,
    /// The curve to follow, as a NURBS.
    pub trajectory: Option<Trajectory>,
    /// Boundaries within which the vehicle may leave the trajectory.
    pub corridor: Option<Corridor>,
    /// Actions active while on the edge.
    pub actions: Vec<Action>,
}

impl Edge {
    /// An edge with only an id: sequence id 0, not released, no limits, no actions.
    pub fn new(edge_id: impl Into<String>) -> Edge {
        Edge {
            edge_id: edge_id.into(),
            sequence_id: 0,
            released: false,
            description: None,
            max_speed: None,
            max_height: None,
            min_height: None,
            orientation: None,
            orientation_type: None,
            direction: None,
            reach_orientation_before_entering: None,
            max_rotation_speed: None,
            length: None,
            trajectory: None,
            corridor: None,
            actions: Vec::new(),
        }
    }

    /// Sets the speed limit (m/s).
    pub fn with_max_speed(mut self, max_speed: f64) -> Edge {
        self.max_speed = Some(max_speed);
        self
    }

    /// Sets the length (m).
    pub fn with_length(mut self, length: f64) -> Edge {
        self.length = Some(length);
        self
    }

    /// Appends an action.
    pub fn with_action(mut self, action: Action) -> Edge {
        self.actions.push(action);
        self
    }
}

/// How an edge's `orientation` is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrientationType {
    /// Relative to the map frame.
    Global,
    /// Relative to the edge's tangent (0 forwards, π backwards).
    Tangential,
}

/// A NURBS curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Degree, ≥ 1 (3.0 default 1 when absent; required in 2.x).
    pub degree: Option<u32>,
    /// Knots in [0, 1] (optional in 3.0, required in 2.x).
    pub knot_vector: Option<Vec<f64>>,
    /// Control points including the start and end point.
    pub control_points: Vec<ControlPoint>,
}

/// A NURBS control point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlPoint {
    /// X in metres.
    pub x: f64,
    /// Y in metres.
    pub y: f64,
    /// Weight (default 1.0).
    pub weight: Option<f64>,
}

/// Boundaries left and right of the trajectory within which the vehicle may deviate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Corridor {
    /// Width to the left in metres, ≥ 0.
    pub left_width: f64,
    /// Width to the right in metres, ≥ 0.
    pub right_width: f64,
    /// Whether the kinematic centre or the contour must stay inside.
    pub reference_point: Option<CorridorReferencePoint>,
    /// 3.0 only: `Some(behaviour)` means the vehicle must ask fleet control before using the
    /// corridor (`releaseRequired: true`) and acts so when the release is lost.
    pub release: Option<ReleaseLossBehavior>,
}

/// What must stay inside a corridor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorridorReferencePoint {
    /// The kinematic centre (2.x `KINEMATICCENTER`, 3.0 `KINEMATIC_CENTER`).
    KinematicCenter,
    /// The vehicle's contour.
    Contour,
}

/// What a vehicle does when its corridor release expires or is revoked (3.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseLossBehavior {
    /// Stop and wait.
    Stop,
    /// Return to the trajectory the way it came.
    Return,
}

/// Builds an order by appending (edge, node) steps; numbers sequence ids from 0 and
/// releases the first `released` steps.
///
/// ```
/// use corridor_vda5050::model::{Edge, Node, OrderBuilder};
///
/// let order = OrderBuilder::new("move-1", Node::new("A"))
///     .step(Edge::new("A-B"), Node::new("B"))
///     .step(Edge::new("B-C"), Node::new("C"))
///     .build(1)?; // release A, A-B, B; C is horizon
/// assert_eq!(order.decision_point().unwrap().node_id, "B");
/// assert_eq!(order.nodes[2].sequence_id, 4);
/// # Ok::<(), corridor_vda5050::Vda5050Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OrderBuilder {
    order_id: String,
    start: Node,
    steps: Vec<(Edge, Node)>,
}

impl OrderBuilder {
    /// A new order (`orderUpdateId` 0) starting on `start`.
    pub fn new(order_id: impl Into<String>, start: Node) -> OrderBuilder {
        OrderBuilder {
            order_id: order_id.into(),
            start,
            steps: Vec::new(),
        }
    }

    /// Appends an edge and the node it leads to.
    pub fn step(mut self, edge: Edge, node: Node) -> OrderBuilder {
        self.steps.push((edge, node));
        self
    }

    /// Numbers everything, releases the start node and the first `released_steps` steps, and
    /// checks the result with [`Order::validate`].
    pub fn build(self, released_steps: usize) -> Result<Order, Vda5050Error> {
        let order = number(self.order_id, 0, self.start, 0, self.steps, released_steps);
        order.validate()?;
        Ok(order)
    }
}

/// Lays out `first` at `first_sequence_id` followed by `steps`, releasing the first node and
/// the first `released_steps` steps.
pub(crate) fn number(
    order_id: String,
    order_update_id: u32,
    mut first: Node,
    first_sequence_id: u32,
    steps: Vec<(Edge, Node)>,
    released_steps: usize,
) -> Order {
    first.sequence_id = first_sequence_id;
    first.released = true;
    let mut nodes = vec![first];
    let mut edges = Vec::with_capacity(steps.len());
    let mut seq = first_sequence_id;
    for (i, (mut edge, mut node)) in steps.into_iter().enumerate() {
        let released = i < released_steps;
        seq = seq.saturating_add(1);
        edge.sequence_id = seq;
        edge.released = released;
        seq = seq.saturating_add(1);
        node.sequence_id = seq;
        node.released = released;
        edges.push(edge);
        nodes.push(node);
    }
    Order {
        order_id,
        order_update_id,
        nodes,
        edges,
    }
}
