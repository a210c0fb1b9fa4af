//! Bytes ⇄ model: encoding and decoding of every message type for either version.
//!
//! Decoding checks, in this order: the JSON and its structure (errors carry the JSON path),
//! the header (`version` of the right major version; with a topic, `manufacturer` and
//! `serialNumber` equal to the topic's), the conversion to the model, and for orders the
//! rules of [`Order::validate`]. Encoding checks the model (orders with
//! [`Order::validate`]), that everything can be said in the target version, the number
//! ranges of the official schema, and that no number is NaN or infinite. Guarantee: bytes
//! produced by an `encode_*` function validate against the official schema of their
//! version and decode back to the same model value — except where the 2.1 text overrides
//! the 2.1.0 schema (see [`crate::v2`]): a 2.x state may report action status `PAUSED`
//! and a 2.x factsheet may list `blockingTypes`, as the text defines them.

use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{MessageContext, OrderProblem, Vda5050Error};
use crate::header::{Header, Message};
use crate::model::{
    Action, ConnectionState, Factsheet, Order, Response, VehicleState, Visualization, ZoneSet,
};
use crate::topic::{ProtocolVersion, Topic, TopicKind, VehicleId};
use crate::{v2, v3};

/// A conversion problem, before the message context is attached.
#[derive(Debug)]
pub(crate) enum ConvertError {
    NotExpressible {
        field: String,
        reason: String,
    },
    OutOfRange {
        field: String,
        value: f64,
        min: f64,
        max: f64,
    },
    SchemaViolation {
        field: String,
        reason: String,
    },
    MissingHeaderField(&'static str),
    Order {
        order_id: String,
        order_update_id: u32,
        problem: OrderProblem,
    },
}

pub(crate) type Conv<T> = Result<T, ConvertError>;

/// Bound of angles: the schemas write ±3.14159265359, which π is within.
pub(crate) const PI_BOUND: f64 = std::f64::consts::PI;

/// Checks `min <= value <= max` (and finiteness).
pub(crate) fn in_range(field: impl FnOnce() -> String, value: f64, min: f64, max: f64) -> Conv<()> {
    if value.is_finite() && value >= min && value <= max {
        Ok(())
    } else {
        Err(ConvertError::OutOfRange {
            field: field(),
            value,
            min,
            max,
        })
    }
}

/// [`in_range`] for an optional value.
pub(crate) fn opt_in_range(
    field: impl FnOnce() -> String,
    value: Option<f64>,
    min: f64,
    max: f64,
) -> Conv<()> {
    match value {
        Some(v) => in_range(field, v, min, max),
        None => Ok(()),
    }
}

pub(crate) fn not_expressible(field: impl Into<String>, reason: impl Into<String>) -> ConvertError {
    ConvertError::NotExpressible {
        field: field.into(),
        reason: reason.into(),
    }
}

impl ConvertError {
    fn into_error(self, context: MessageContext) -> Vda5050Error {
        match self {
            ConvertError::NotExpressible { field, reason } => Vda5050Error::NotExpressible {
                context,
                field,
                reason,
            },
            ConvertError::OutOfRange {
                field,
                value,
                min,
                max,
            } => Vda5050Error::OutOfRange {
                context,
                field,
                value,
                min,
                max,
            },
            ConvertError::SchemaViolation { field, reason } => Vda5050Error::SchemaViolation {
                context,
                field,
                reason,
            },
            ConvertError::MissingHeaderField(field) => {
                Vda5050Error::MissingHeaderField { context, field }
            }
            ConvertError::Order {
                order_id,
                order_update_id,
                problem,
            } => Vda5050Error::InvalidOrder {
                order_id,
                order_update_id,
                problem,
            },
        }
    }
}

/// A JSON formatter that refuses `null`, which serde_json writes for NaN and infinity and
/// which none of the wire types writes for anything else.
struct FiniteOnly;

impl serde_json::ser::Formatter for FiniteOnly {
    fn write_null<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "NaN, infinity or null",
        ))
    }
}

fn to_bytes<W: Serialize>(context: &MessageContext, wire: &W) -> Result<Vec<u8>, Vda5050Error> {
    let mut bytes = Vec::with_capacity(2048);
    // The fast way first; only a message that fails is written again with its path
    // tracked, to name the field.
    if wire
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut bytes, FiniteOnly,
        ))
        .is_ok()
    {
        return Ok(bytes);
    }
    bytes.clear();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, FiniteOnly);
    match serde_path_to_error::serialize(wire, &mut serializer) {
        Ok(()) => Ok(bytes),
        Err(e) if e.inner().is_io() => Err(Vda5050Error::NotFinite {
            context: context.clone(),
            path: e.path().to_string(),
        }),
        Err(e) => Err(Vda5050Error::Malformed {
            context: context.clone(),
            path: e.path().to_string(),
            problem: e.inner().to_string(),
        }),
    }
}

fn from_bytes<W: DeserializeOwned>(
    context: &MessageContext,
    payload: &[u8],
) -> Result<W, Vda5050Error> {
    // The fast way first; only a payload that fails is read again with its path tracked,
    // to name the field that is wrong.
    if let Ok(wire) = serde_json::from_slice(payload) {
        return Ok(wire);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let wire = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        Vda5050Error::Malformed {
            context: context.clone(),
            path: e.path().to_string(),
            problem: e.inner().to_string(),
        }
    })?;
    deserializer.end().map_err(|e| Vda5050Error::Malformed {
        context: context.clone(),
        path: ".".to_owned(),
        problem: e.to_string(),
    })?;
    Ok(wire)
}

/// The header's `version` must belong to the version in use; with a known vehicle its
/// `manufacturer` and `serialNumber` must be the vehicle's.
fn check_header(
    context: &MessageContext,
    header: &Header,
    vehicle: Option<&VehicleId>,
) -> Result<(), Vda5050Error> {
    if !context.version.accepts_version_string(&header.version) {
        return Err(Vda5050Error::HeaderMismatch {
            context: context.clone(),
            field: "version",
            expected: format!("{}.x.y", context.version.major()),
            found: header.version.clone(),
        });
    }
    if let Some(vehicle) = vehicle {
        for (field, expected, found) in [
            ("manufacturer", vehicle.manufacturer(), &header.manufacturer),
            (
                "serialNumber",
                vehicle.serial_number(),
                &header.serial_number,
            ),
        ] {
            if expected != found {
                return Err(Vda5050Error::HeaderMismatch {
                    context: context.clone(),
                    field,
                    expected: expected.to_owned(),
                    found: found.clone(),
                });
            }
        }
    }
    Ok(())
}

fn encode_with<W: Serialize>(
    kind: TopicKind,
    version: ProtocolVersion,
    header: &Header,
    convert: impl FnOnce(Header) -> Conv<W>,
) -> Result<Vec<u8>, Vda5050Error> {
    let context = MessageContext::new(kind, version);
    if !kind.exists_in(version) {
        return Err(Vda5050Error::NotExpressible {
            context,
            field: ".".to_owned(),
            reason: format!("the `{kind}` topic is new in VDA 5050 3.0"),
        });
    }
    check_header(&context, header, None)?;
    let wire = convert(header.clone()).map_err(|e| e.into_error(context.clone()))?;
    to_bytes(&context, &wire)
}

fn decode_with<W: DeserializeOwned, T>(
    context: MessageContext,
    vehicle: Option<&VehicleId>,
    payload: &[u8],
    convert: impl FnOnce(W) -> Conv<(Header, T)>,
) -> Result<Message<T>, Vda5050Error> {
    if !context.kind.exists_in(context.version) {
        return Err(Vda5050Error::NotExpressible {
            reason: format!("the `{}` topic is new in VDA 5050 3.0", context.kind),
            context,
            field: ".".to_owned(),
        });
    }
    let wire: W = from_bytes(&context, payload)?;
    let (header, body) = convert(wire).map_err(|e| e.into_error(context.clone()))?;
    check_header(&context, &header, vehicle)?;
    Ok(Message { header, body })
}

/// Encodes an order or order update after checking it with [`Order::validate`].
pub fn encode_order(
    version: ProtocolVersion,
    header: &Header,
    order: &Order,
) -> Result<Vec<u8>, Vda5050Error> {
    order.validate()?;
    encode_with(TopicKind::Order, version, header, |h| match version {
        ProtocolVersion::V2 => v2::convert::order_to_wire(h, order).map(Wire::V2),
        ProtocolVersion::V3 => v3::convert::order_to_wire(h, order).map(Wire::V3),
    })
}

/// Encodes instant actions. 3.0 requires blocking type NONE for every instant action.
pub fn encode_instant_actions(
    version: ProtocolVersion,
    header: &Header,
    actions: &[Action],
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(
        TopicKind::InstantActions,
        version,
        header,
        |h| match version {
            ProtocolVersion::V2 => v2::convert::instant_actions_to_wire(h, actions).map(Wire::V2),
            ProtocolVersion::V3 => v3::convert::instant_actions_to_wire(h, actions).map(Wire::V3),
        },
    )
}

/// Encodes a vehicle state (as a simulated vehicle publishes it).
pub fn encode_state(
    version: ProtocolVersion,
    header: &Header,
    state: &VehicleState,
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(TopicKind::State, version, header, |h| match version {
        ProtocolVersion::V2 => v2::convert::state_to_wire(h, state).map(Wire::V2),
        ProtocolVersion::V3 => v3::convert::state_to_wire(h, state).map(Wire::V3),
    })
}

/// Encodes a connection message (also what a vehicle sets as its last will).
pub fn encode_connection(
    version: ProtocolVersion,
    header: &Header,
    state: ConnectionState,
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(TopicKind::Connection, version, header, |h| match version {
        ProtocolVersion::V2 => v2::convert::connection_to_wire(h, state).map(Wire::V2),
        ProtocolVersion::V3 => v3::convert::connection_to_wire(h, state).map(Wire::V3),
    })
}

/// Encodes a factsheet.
pub fn encode_factsheet(
    version: ProtocolVersion,
    header: &Header,
    factsheet: &Factsheet,
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(TopicKind::Factsheet, version, header, |h| match version {
        ProtocolVersion::V2 => v2::convert::factsheet_to_wire(h, factsheet).map(Wire::V2),
        ProtocolVersion::V3 => v3::convert::factsheet_to_wire(h, factsheet).map(Wire::V3),
    })
}

/// Encodes a visualization message.
pub fn encode_visualization(
    version: ProtocolVersion,
    header: &Header,
    visualization: &Visualization,
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(
        TopicKind::Visualization,
        version,
        header,
        |h| match version {
            ProtocolVersion::V2 => {
                v2::convert::visualization_to_wire(h, visualization).map(Wire::V2)
            }
            ProtocolVersion::V3 => {
                v3::convert::visualization_to_wire(h, visualization).map(Wire::V3)
            }
        },
    )
}

/// Encodes a zone set (3.0 only).
pub fn encode_zone_set(
    version: ProtocolVersion,
    header: &Header,
    zone_set: &ZoneSet,
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(TopicKind::ZoneSet, version, header, |h| {
        v3::convert::zone_set_to_wire(h, zone_set)
    })
}

/// Encodes responses to requests (3.0 only).
pub fn encode_responses(
    version: ProtocolVersion,
    header: &Header,
    responses: &[Response],
) -> Result<Vec<u8>, Vda5050Error> {
    encode_with(TopicKind::Responses, version, header, |h| {
        Ok(v3::convert::responses_to_wire(h, responses))
    })
}

/// One of two wire types, serialized as whichever it holds.
#[derive(Serialize)]
#[serde(untagged)]
enum Wire<A, B> {
    V2(A),
    V3(B),
}

macro_rules! decoders {
    ($( $(#[$doc:meta])* $name:ident, $inner:ident, $kind:ident, $body:ty, $v2:expr, $v3:expr; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(version: ProtocolVersion, payload: &[u8]) -> Result<Message<$body>, Vda5050Error> {
                $inner(MessageContext::new(TopicKind::$kind, version), None, payload)
            }

            fn $inner(
                context: MessageContext,
                vehicle: Option<&VehicleId>,
                payload: &[u8],
            ) -> Result<Message<$body>, Vda5050Error> {
                match context.version {
                    ProtocolVersion::V2 => decode_with(context, vehicle, payload, $v2),
                    ProtocolVersion::V3 => decode_with(context, vehicle, payload, $v3),
                }
            }
        )*
    };
}

fn not_in_v2<W, T>(_: W) -> Conv<(Header, T)> {
    // Never called: decode_with refuses the 3.0-only topics for 2.x before parsing.
    Err(not_expressible(".", "the topic is new in VDA 5050 3.0"))
}

decoders! {
    /// Decodes an order and checks it with [`Order::validate`] (and, for 2.x, that each
    /// edge's `startNodeId`/`endNodeId` name its neighbours).
    decode_order, decode_order_in, Order, Order, v2::convert::order_from_wire, v3::convert::order_from_wire;
    /// Decodes instant actions.
    decode_instant_actions, decode_instant_actions_in, InstantActions, Vec<Action>,
        v2::convert::instant_actions_from_wire, v3::convert::instant_actions_from_wire;
    /// Decodes a vehicle state.
    decode_state, decode_state_in, State, VehicleState, v2::convert::state_from_wire, v3::convert::state_from_wire;
    /// Decodes a connection message.
    decode_connection, decode_connection_in, Connection, ConnectionState,
        v2::convert::connection_from_wire, v3::convert::connection_from_wire;
    /// Decodes a factsheet.
    decode_factsheet, decode_factsheet_in, Factsheet, Factsheet,
        v2::convert::factsheet_from_wire, v3::convert::factsheet_from_wire;
    /// Decodes a visualization message.
    decode_visualization, decode_visualization_in, Visualization, Visualization,
        v2::convert::visualization_from_wire, v3::convert::visualization_from_wire;
    /// Decodes a zone set (3.0 only).
    decode_zone_set, decode_zone_set_in, ZoneSet, ZoneSet,
        not_in_v2::<v3::ZoneSetMessage, ZoneSet>, v3::convert::zone_set_from_wire;
    /// Decodes responses (3.0 only).
    decode_responses, decode_responses_in, Responses, Vec<Response>,
        not_in_v2::<v3::Responses, Vec<Response>>, v3::convert::responses_from_wire;
}

/// A message received on some topic, decoded into the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// From `order`.
    Order(Message<Order>),
    /// From `instantActions`.
    InstantActions(Message<Vec<Action>>),
    /// From `state`.
    State(Message<VehicleState>),
    /// From `visualization`.
    Visualization(Message<Visualization>),
    /// From `connection`.
    Connection(Message<ConnectionState>),
    /// From `factsheet`.
    Factsheet(Message<Factsheet>),
    /// From `zoneSet`.
    ZoneSet(Message<ZoneSet>),
    /// From `responses`.
    Responses(Message<Vec<Response>>),
}

impl Incoming {
    /// The message's header.
    pub fn header(&self) -> &Header {
        match self {
            Incoming::Order(m) => &m.header,
            Incoming::InstantActions(m) => &m.header,
            Incoming::State(m) => &m.header,
            Incoming::Visualization(m) => &m.header,
            Incoming::Connection(m) => &m.header,
            Incoming::Factsheet(m) => &m.header,
            Incoming::ZoneSet(m) => &m.header,
            Incoming::Responses(m) => &m.header,
        }
    }

    /// The topic the message belongs to.
    pub fn kind(&self) -> TopicKind {
        match self {
            Incoming::Order(_) => TopicKind::Order,
            Incoming::InstantActions(_) => TopicKind::InstantActions,
            Incoming::State(_) => TopicKind::State,
            Incoming::Visualization(_) => TopicKind::Visualization,
            Incoming::Connection(_) => TopicKind::Connection,
            Incoming::Factsheet(_) => TopicKind::Factsheet,
            Incoming::ZoneSet(_) => TopicKind::ZoneSet,
            Incoming::Responses(_) => TopicKind::Responses,
        }
    }
}

/// Decodes a payload received on `topic`: the message type and version come from the
/// topic, and the header's `manufacturer` and `serialNumber` must match it. Errors name the
/// topic.
pub fn decode(topic: &Topic, payload: &[u8]) -> Result<Incoming, Vda5050Error> {
    decode_on(topic, payload).map_err(|e| e.on_topic(|| topic.to_string()))
}

fn decode_on(topic: &Topic, payload: &[u8]) -> Result<Incoming, Vda5050Error> {
    let context = MessageContext {
        kind: topic.kind(),
        version: topic.version(),
        topic: None,
    };
    let vehicle = Some(topic.vehicle());
    Ok(match topic.kind() {
        TopicKind::Order => Incoming::Order(decode_order_in(context, vehicle, payload)?),
        TopicKind::InstantActions => {
            Incoming::InstantActions(decode_instant_actions_in(context, vehicle, payload)?)
        }
        TopicKind::State => Incoming::State(decode_state_in(context, vehicle, payload)?),
        TopicKind::Visualization => {
            Incoming::Visualization(decode_visualization_in(context, vehicle, payload)?)
        }
        TopicKind::Connection => {
            Incoming::Connection(decode_connection_in(context, vehicle, payload)?)
        }
        TopicKind::Factsheet => {
            Incoming::Factsheet(decode_factsheet_in(context, vehicle, payload)?)
        }
        TopicKind::ZoneSet => Incoming::ZoneSet(decode_zone_set_in(context, vehicle, payload)?),
        TopicKind::Responses => {
            Incoming::Responses(decode_responses_in(context, vehicle, payload)?)
        }
    })
}
