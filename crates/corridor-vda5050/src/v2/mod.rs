//! VDA 5050 **2.x** wire types (topic level `v2`), field for field as the official 2.1.0
//! JSON schemas (`shared/vda5050/v2.1.0/`), camelCase names, optional fields as `Option`
//! and left out when `None`.
//!
//! Where the 2.1.0 schema contradicts the 2.1 text, the text wins (the VDA says so):
//! `actionStatus` also has `PAUSED` (§6.10.6, §6.11), the factsheet's
//! `agvActions[].blockingTypes` is an array of blocking types, and
//! `envelopes3d[].description` is a string (§6.15.1). The schema as published rejects the
//! first two whatever their value and types the third as an integer.

mod connection;
mod factsheet;
mod instant_actions;
mod order;
mod state;
mod visualization;

pub(crate) mod convert;

pub use connection::{Connection, ConnectionState};
pub use factsheet::{
    ActionParameterDefinition, ActionScope, AgvAction, AgvClass, AgvGeometry, AgvKinematic,
    Envelope2d, Envelope3d, Factsheet, LoadSet, LoadSpecification, LocalizationType, MaxArrayLens,
    MaxStringLens, NavigationType, Network, OptionalParameter, PhysicalParameters, PolygonPoint,
    ProtocolFeatures, ProtocolLimits, Support, Timing, TypeSpecification, ValueDataType,
    VehicleConfig, VersionInfo, WheelDefinition, WheelPosition, WheelType,
};
pub use instant_actions::InstantActions;
pub use order::{
    Action, ActionParameter, BlockingType, ControlPoint, Corridor, CorridorRefPoint, Edge, Node,
    NodePosition, Order, OrientationType, Trajectory,
};
pub use state::{
    ActionState, ActionStatus, AgvPosition, BatteryState, BoundingBoxReference, EStop, EdgeState,
    Error, ErrorLevel, ErrorReference, Info, InfoLevel, InfoReference, Load, LoadDimensions, Map,
    MapStatus, NodeState, NodeStatePosition, OperatingMode, SafetyState, State, Velocity,
};
pub use visualization::Visualization;
