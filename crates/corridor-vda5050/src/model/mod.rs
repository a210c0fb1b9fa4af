//! The versionless model: what the rest of Corridor works with, whichever major version a
//! vehicle speaks.
//!
//! The codec ([`crate::codec`]) converts it to and from both versions. Where the versions
//! differ, the model keeps the richer form and the encoder either writes its exact 2.x
//! counterpart or refuses with [`crate::Vda5050Error::NotExpressible`]; nothing is dropped
//! from an instruction to a vehicle. The crate documentation lists every such difference.

mod action;
mod factsheet;
mod order;
mod state;

/// Zone sets exist only in 3.0, so the model uses the 3.0 types as they are; encoding one
/// for a 2.x vehicle is refused.
pub use crate::v3::zone_set::{
    BidirectedLimitation, DirectedLimitation, Vertex, Zone, ZoneAction, ZoneKind,
    ZoneReleaseLossBehavior, ZoneSet,
};
pub use action::{Action, ActionParameter, ActionType, BlockingType};
pub use factsheet::{
    ActionCapability, ActionParameterSpec, ActionScope, ArrayLengthLimits, Factsheet, Kinematics,
    LocalizationType, NavigationType, OptionalParameter, PhysicalParameters, ProtocolFeatures,
    ProtocolLimits, StringLengthLimits, Support, Timing, TypeSpecification, ValueDataType,
    VehicleClass,
};
pub use order::{
    ControlPoint, Corridor, CorridorReferencePoint, DeviationEllipse, Edge, Node, NodePosition,
    Order, OrderBuilder, OrientationType, ReleaseLossBehavior, Trajectory,
};
pub use state::{
    ActionState, ActionStatus, EdgeRequest, EdgeState, EmergencyStop, ErrorLevel, ErrorType, Load,
    LoadDimensions, MapState, NodeState, OperatingMode, Position, PowerSupply, PredefinedError,
    Reference, RequestStatus, SafetyState, VehicleError, VehicleState, Velocity, ZoneRequest,
    ZoneRequestType,
};

pub(crate) use order::number;

use crate::timestamp::Timestamp;

/// The vehicle's connection as published on `connection` (§6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Connected.
    Online,
    /// Disconnected in an orderly way.
    Offline,
    /// 3.0: connected but not publishing state (power saving).
    Hibernating,
    /// Connection lost unexpectedly: the last will (2.x `CONNECTIONBROKEN`, 3.0
    /// `CONNECTION_BROKEN`).
    ConnectionBroken,
}

/// The `visualization` message: pose and velocity at a higher rate than `state`.
#[derive(Debug, Clone, PartialEq)]
pub struct Visualization {
    /// Where the vehicle is.
    pub position: Option<Position>,
    /// How fast it moves.
    pub velocity: Option<Velocity>,
    /// 3.0 (required there): the `headerId` of the state message this refers to.
    pub reference_state_header_id: Option<u32>,
}

/// 3.0: fleet control's answer to a zone or edge request (`responses`, §6.9).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The request answered.
    pub request_id: String,
    /// The answer.
    pub grant_type: GrantType,
    /// When a grant runs out.
    pub lease_expiry: Option<Timestamp>,
}

/// 3.0: the answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// Granted.
    Granted,
    /// Acknowledged and queued; not granted yet.
    Queued,
    /// A grant withdrawn.
    Revoked,
    /// Refused.
    Rejected,
}
