//! VDA 5050 **3.0** wire types (topic level `v3`), field for field as the official 3.0.0
//! JSON schemas (`shared/vda5050/v3.0.0/`), camelCase names, optional fields as `Option`
//! and left out when `None`. 3.0 adds the `zoneSet` and `responses` topics.

mod connection;
mod factsheet;
mod instant_actions;
mod order;
mod responses;
mod state;
mod visualization;
pub mod zone_set;

pub(crate) mod convert;

pub use connection::{Connection, ConnectionState};
pub use factsheet::{
    ActionParameterDefinition, ActionScope, BatteryCharging, Envelope2d, Envelope3d, Factsheet,
    LoadSet, LoadSpecification, MaximumArrayLengths, MaximumStringLengths, MobileRobotAction,
    MobileRobotConfiguration, MobileRobotGeometry, Network, OptionalParameter, PhysicalParameters,
    ProtocolFeatures, ProtocolLimits, Support, Timing, TypeSpecification, ValueDataType,
    VersionInfo, Vertex2d, WheelDefinition, WheelPosition, ZoneType,
};
pub use instant_actions::{InstantAction, InstantActions, InstantBlockingType};
pub use order::{
    Action, ActionParameter, AllowedDeviationXy, BlockingType, ControlPoint, Corridor,
    CorridorReferencePoint, Edge, Node, NodePosition, Order, OrientationType, ReleaseLossBehavior,
    Trajectory,
};
pub use responses::{GrantType, Response, Responses};
pub use state::{
    ActionState, ActionStatus, ActiveEmergencyStop, BoundingBoxReference, EdgeRequest,
    EdgeRequestType, EdgeState, Error, ErrorLevel, ErrorReference, Info, InfoLevel, InfoReference,
    IntermediatePath, Load, LoadDimensions, Map, MapStatus, MobileRobotPosition, NodeState,
    NodeStatePosition, OperatingMode, PlannedPath, PolylinePoint, PowerSupply, RequestStatus,
    SafetyState, State, Translation, Velocity, ZoneRequest, ZoneRequestType, ZoneSetState,
    ZoneSetStatus,
};
pub use visualization::Visualization;
pub use zone_set::ZoneSetMessage;
