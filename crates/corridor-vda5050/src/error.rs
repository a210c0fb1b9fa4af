//! The crate's single error type and the small typed reasons it carries.

use std::fmt;

use crate::topic::{ProtocolVersion, TopicKind, VehicleId};

/// Everything that can go wrong in this crate.
///
/// Every variant names what was wrong: the topic or message (with the vehicle when it is
/// known), the field as a JSON path such as `nodes[2].sequenceId`, and the reason. No
/// function of this crate panics on bad input; it returns one of these instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Vda5050Error {
    /// A topic string, or one level of it, breaks the topic scheme of VDA 5050 §4.2.
    #[error("topic `{topic}`: {part} {problem}")]
    InvalidTopic {
        /// The topic as given (or as it would have been formatted).
        topic: String,
        /// Which level is wrong.
        part: TopicPart,
        /// What is wrong with it.
        problem: String,
    },

    /// A payload is not valid JSON or does not have the structure of its message type.
    #[error("{context}: malformed JSON at `{path}`: {problem}")]
    Malformed {
        /// Message type, version and, when known, the topic it arrived on.
        context: MessageContext,
        /// JSON path of the offending element (`.` for the document itself).
        path: String,
        /// The parser's description of the problem.
        problem: String,
    },

    /// A required header field is absent (allowed by the 2.1.0 schema for `factsheet` and
    /// `visualization`, but required by the standard's text and by this crate's model).
    #[error("{context}: header field `{field}` is missing")]
    MissingHeaderField {
        /// Message type, version and, when known, the topic.
        context: MessageContext,
        /// The missing field (`headerId`, `timestamp`, ...).
        field: &'static str,
    },

    /// A header field disagrees with the topic or with the protocol version in use.
    #[error("{context}: header field `{field}` is `{found}` but `{expected}` was expected")]
    HeaderMismatch {
        /// Message type, version and, when known, the topic.
        context: MessageContext,
        /// The header field (`manufacturer`, `serialNumber` or `version`).
        field: &'static str,
        /// What the topic or the protocol version requires.
        expected: String,
        /// What the message carries.
        found: String,
    },

    /// The model holds something the target protocol version has no way to say.
    ///
    /// Raised when encoding; nothing is silently dropped from an instruction to a vehicle.
    #[error("{context}: `{field}` cannot be expressed: {reason}")]
    NotExpressible {
        /// Message type and target version.
        context: MessageContext,
        /// JSON path of the field in the target version's message.
        field: String,
        /// Why it cannot be expressed.
        reason: String,
    },

    /// A number is outside the range the official schema allows, or is NaN or infinite.
    #[error("{context}: `{field}` is {value}, outside [{min}, {max}]")]
    OutOfRange {
        /// Message type and version.
        context: MessageContext,
        /// JSON path of the field.
        field: String,
        /// The offending value.
        value: f64,
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },

    /// A number to encode is NaN or infinite, or a value to encode is `null` (an action
    /// parameter); JSON and VDA 5050 (§7.1.4) allow neither.
    #[error("{context}: `{path}` is NaN, infinite or null, which VDA 5050 does not allow")]
    NotFinite {
        /// Message type and version.
        context: MessageContext,
        /// JSON path of the value.
        path: String,
    },

    /// A value breaks a constraint of the official schema other than a number range (e.g.
    /// a zone with fewer than 3 vertices).
    #[error("{context}: `{field}` {reason}")]
    SchemaViolation {
        /// Message type and version.
        context: MessageContext,
        /// JSON path of the field.
        field: String,
        /// The constraint broken.
        reason: String,
    },

    /// An order breaks a rule of VDA 5050 §6.1 that the JSON schema cannot check.
    #[error("order `{order_id}` (orderUpdateId {order_update_id}): {problem}")]
    InvalidOrder {
        /// The order's `orderId`.
        order_id: String,
        /// The order's `orderUpdateId`.
        order_update_id: u32,
        /// The rule that is broken.
        problem: OrderProblem,
    },

    /// The order bookkeeping of one vehicle refuses to send an order or order update.
    #[error(
        "vehicle {vehicle}: order `{order_id}` (orderUpdateId {order_update_id}) refused: {refusal}"
    )]
    OrderRefused {
        /// The vehicle the order is for.
        vehicle: VehicleId,
        /// The refused order's `orderId`.
        order_id: String,
        /// The refused order's `orderUpdateId`.
        order_update_id: u32,
        /// Why (boxed to keep the error small).
        refusal: Box<Refusal>,
    },

    /// A received message is not newer than the last one seen on the same topic.
    #[error(
        "vehicle {vehicle}, topic `{kind}`: headerId {header_id} ignored, {staleness} (last seen {last_seen})"
    )]
    StaleMessage {
        /// The sending vehicle.
        vehicle: VehicleId,
        /// The topic the message arrived on.
        kind: TopicKind,
        /// The message's `headerId`.
        header_id: u32,
        /// The highest `headerId` seen before on that topic.
        last_seen: u32,
        /// Duplicate or out of order.
        staleness: Staleness,
    },

    /// A timestamp is not ISO 8601 UTC (`YYYY-MM-DDTHH:mm:ss.fffZ`) or is out of range.
    #[error("timestamp `{input}`: {problem}")]
    InvalidTimestamp {
        /// The text (or the Unix milliseconds) that was given.
        input: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// One level of the topic `{interfaceName}/{majorVersion}/{manufacturer}/{serialNumber}/{topic}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicPart {
    /// The topic as a whole (wrong number of levels).
    Levels,
    /// `interfaceName`.
    InterfaceName,
    /// `majorVersion` (`v2` or `v3`).
    MajorVersion,
    /// `manufacturer`.
    Manufacturer,
    /// `serialNumber`.
    SerialNumber,
    /// The last level, the topic name (`order`, `state`, ...).
    Topic,
}

impl fmt::Display for TopicPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TopicPart::Levels => "topic levels:",
            TopicPart::InterfaceName => "level interfaceName",
            TopicPart::MajorVersion => "level majorVersion",
            TopicPart::Manufacturer => "level manufacturer",
            TopicPart::SerialNumber => "level serialNumber",
            TopicPart::Topic => "level topic",
        })
    }
}

impl Vda5050Error {
    /// The same error, naming `topic` as the one the message arrived on when its context
    /// names none (decoding builds the topic's text only for a message that fails).
    pub fn on_topic(mut self, topic: impl FnOnce() -> String) -> Vda5050Error {
        match &mut self {
            Vda5050Error::Malformed { context, .. }
            | Vda5050Error::MissingHeaderField { context, .. }
            | Vda5050Error::HeaderMismatch { context, .. }
            | Vda5050Error::NotExpressible { context, .. }
            | Vda5050Error::OutOfRange { context, .. }
            | Vda5050Error::NotFinite { context, .. }
            | Vda5050Error::SchemaViolation { context, .. }
                if context.topic.is_none() =>
            {
                context.topic = Some(topic());
            }
            _ => {}
        }
        self
    }
}

/// Which message an error is about: its type, its protocol version and, when the caller
/// gave it, the MQTT topic (which names the vehicle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContext {
    /// The message type.
    pub kind: TopicKind,
    /// The protocol version of the message.
    pub version: ProtocolVersion,
    /// The full topic, when known.
    pub topic: Option<String>,
}

impl MessageContext {
    /// A context without a topic.
    pub fn new(kind: TopicKind, version: ProtocolVersion) -> Self {
        MessageContext {
            kind,
            version,
            topic: None,
        }
    }
}

impl fmt::Display for MessageContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}` message", self.version, self.kind)?;
        if let Some(topic) = &self.topic {
            write!(f, " on `{topic}`")?;
        }
        Ok(())
    }
}

/// Whether a stale message repeats the last one or is older than it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Staleness {
    /// Same `headerId` as the last message seen.
    Duplicate,
    /// Lower `headerId` than the last message seen.
    OutOfOrder,
}

impl fmt::Display for Staleness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Staleness::Duplicate => "duplicate",
            Staleness::OutOfOrder => "out of order",
        })
    }
}

/// A rule of VDA 5050 §6.1 broken by one order message on its own.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OrderProblem {
    /// An order needs at least one node.
    NoNodes,
    /// The number of edges must be the number of nodes minus one.
    EdgeCount {
        /// Nodes in the message.
        nodes: usize,
        /// Edges in the message.
        edges: usize,
    },
    /// `orderId`, a `nodeId`, an `edgeId` or an `actionId` is empty.
    EmptyId {
        /// JSON path of the empty identifier.
        field: String,
    },
    /// Node sequence ids are even, edge sequence ids odd, and they run on without gaps
    /// (node, edge, node, ...); a new order (`orderUpdateId` 0) starts at 0.
    SequenceId {
        /// JSON path of the element, e.g. `edges[1]`.
        element: String,
        /// The element's `nodeId` or `edgeId`.
        id: String,
        /// The sequence id it must have.
        expected: u32,
        /// The sequence id it has.
        found: u32,
    },
    /// The first node of an order is the start (or stitching) node and is always released.
    FirstNodeNotReleased {
        /// Its `nodeId`.
        node_id: String,
    },
    /// The base (released) comes first; nothing released may follow an unreleased element,
    /// and an edge is released only if both its nodes are.
    ReleasedAfterHorizon {
        /// JSON path of the released element.
        element: String,
        /// Its `nodeId` or `edgeId`.
        id: String,
        /// Its sequence id.
        sequence_id: u32,
    },
    /// An `actionId` appears twice in one order.
    DuplicateActionId {
        /// The repeated `actionId`.
        action_id: String,
    },
    /// A 2.x edge's `startNodeId`/`endNodeId` does not name the nodes around it.
    EdgeEndpoint {
        /// JSON path of the edge field.
        field: String,
        /// `nodeId` of the neighbouring node.
        expected: String,
        /// What the edge says.
        found: String,
    },
}

impl fmt::Display for OrderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderProblem::NoNodes => f.write_str("an order needs at least one node"),
            OrderProblem::EdgeCount { nodes, edges } => write!(
                f,
                "{nodes} nodes need {} edges, found {edges}",
                nodes.saturating_sub(1)
            ),
            OrderProblem::EmptyId { field } => write!(f, "`{field}` is empty"),
            OrderProblem::SequenceId {
                element,
                id,
                expected,
                found,
            } => write!(
                f,
                "`{element}` (`{id}`) has sequenceId {found}, expected {expected} \
                 (nodes even, edges odd, consecutive)"
            ),
            OrderProblem::FirstNodeNotReleased { node_id } => {
                write!(f, "first node `{node_id}` must be released")
            }
            OrderProblem::ReleasedAfterHorizon {
                element,
                id,
                sequence_id,
            } => write!(
                f,
                "`{element}` (`{id}`, sequenceId {sequence_id}) is released but follows the \
                 horizon or ends on an unreleased node"
            ),
            OrderProblem::DuplicateActionId { action_id } => {
                write!(f, "actionId `{action_id}` is used twice")
            }
            OrderProblem::EdgeEndpoint {
                field,
                expected,
                found,
            } => write!(
                f,
                "`{field}` is `{found}` but the node there is `{expected}`"
            ),
        }
    }
}

/// Why the order bookkeeping of a vehicle refuses an order or order update.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Refusal {
    /// The order itself breaks a rule (see [`OrderProblem`]).
    Invalid(OrderProblem),
    /// No state has been received from the vehicle yet, so it is unknown whether it is idle.
    NoStateYet,
    /// A lower `orderUpdateId` than one already sent for this order (§6.1.4.4).
    OutdatedUpdate {
        /// The highest `orderUpdateId` sent so far.
        last_sent: u32,
    },
    /// The same `orderId` and `orderUpdateId` as the last message, but different content
    /// (§6.1.4.5); an identical resend is accepted instead.
    SameUpdateIdDifferentContent,
    /// The first node of the update is not the last base node (decision point) sent before.
    NotStitched {
        /// `nodeId` of the decision point.
        expected_node_id: String,
        /// `sequenceId` of the decision point.
        expected_sequence_id: u32,
        /// `nodeId` of the update's first node.
        found_node_id: String,
        /// `sequenceId` of the update's first node.
        found_sequence_id: u32,
    },
    /// The stitching node repeats the decision point's id and sequence id but changes its
    /// content (position, actions, ...); the base cannot be changed (§6.1.2).
    StitchingNodeChanged {
        /// `nodeId` of the stitching node.
        node_id: String,
    },
    /// The order was cancelled with `cancelOrder`; no further updates may follow (§6.1.3.1).
    UpdateAfterCancel,
    /// A new order must start with `orderUpdateId` 0.
    NewOrderNotAtZero {
        /// The `orderUpdateId` given.
        found: u32,
    },
    /// A new `orderId` while the previous order is neither finished nor cancelled (§6.6.8).
    PreviousOrderActive {
        /// The order the vehicle still holds.
        order_id: String,
        /// What is still open.
        reason: String,
    },
    /// The vehicle already holds (or held) an order with this `orderId`; a new order needs a
    /// fresh id.
    OrderIdInUse,
    /// An `actionId` already sent in the base of this order is used again for another action.
    ActionIdReused {
        /// The reused `actionId`.
        action_id: String,
    },
    /// An update was asked for, but no order has been sent to this vehicle.
    NoCurrentOrder,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Invalid(problem) => write!(f, "{problem}"),
            Refusal::NoStateYet => f.write_str(
                "no state received from the vehicle yet (send stateRequest and wait for its state)",
            ),
            Refusal::OutdatedUpdate { last_sent } => {
                write!(f, "outdated orderUpdateId, {last_sent} was already sent")
            }
            Refusal::SameUpdateIdDifferentContent => f.write_str(
                "same orderUpdateId as the last message but different content \
                 (an update needs a higher orderUpdateId)",
            ),
            Refusal::NotStitched {
                expected_node_id,
                expected_sequence_id,
                found_node_id,
                found_sequence_id,
            } => write!(
                f,
                "first node `{found_node_id}` (sequenceId {found_sequence_id}) is not the \
                 decision point `{expected_node_id}` (sequenceId {expected_sequence_id})"
            ),
            Refusal::StitchingNodeChanged { node_id } => write!(
                f,
                "stitching node `{node_id}` differs from the decision point sent before \
                 (the base cannot be changed)"
            ),
            Refusal::UpdateAfterCancel => {
                f.write_str("the order was cancelled; send a new order instead of an update")
            }
            Refusal::NewOrderNotAtZero { found } => {
                write!(f, "a new order starts at orderUpdateId 0, not {found}")
            }
            Refusal::PreviousOrderActive { order_id, reason } => {
                write!(f, "order `{order_id}` is still active: {reason}")
            }
            Refusal::OrderIdInUse => {
                f.write_str("the vehicle already holds an order with this orderId")
            }
            Refusal::ActionIdReused { action_id } => {
                write!(
                    f,
                    "actionId `{action_id}` was already sent in this order's base"
                )
            }
            Refusal::NoCurrentOrder => f.write_str("no order has been sent to this vehicle"),
        }
    }
}
