//! What a vehicle reports on `state` (§6.6): order progress, action states, power,
//! errors, safety, position.

use crate::model::{ActionType, Trajectory};

/// The state of one vehicle, versionless.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleState {
    /// The current or last finished order; empty when there has been none.
    pub order_id: String,
    /// The last accepted `orderUpdateId` of that order (0 when none).
    pub order_update_id: u32,
    /// The last traversed node, or the node the vehicle stands on; empty when unknown.
    pub last_node_id: String,
    /// Its sequence id (0 when unknown).
    pub last_node_sequence_id: u32,
    /// Nodes still to traverse (base and horizon); empty when idle.
    pub node_states: Vec<NodeState>,
    /// Edges still to traverse; empty when idle.
    pub edge_states: Vec<EdgeState>,
    /// True while driving or rotating.
    pub driving: bool,
    /// True while paused (button or `startPause`).
    pub paused: Option<bool>,
    /// True when the base is running short and the vehicle will slow down.
    pub new_base_request: Option<bool>,
    /// Line-guided vehicles: metres driven since `last_node_id`.
    pub distance_since_last_node: Option<f64>,
    /// States of the order's actions. A 2.x vehicle lists its instant actions here too.
    pub action_states: Vec<ActionState>,
    /// 3.0: states of instant actions (2.x reports them in `action_states`).
    pub instant_action_states: Vec<ActionState>,
    /// 3.0: states of zone actions.
    pub zone_action_states: Vec<ActionState>,
    /// Battery (2.x `batteryState`, 3.0 `powerSupply`).
    pub power: PowerSupply,
    /// Who is in control.
    pub operating_mode: OperatingMode,
    /// Active errors.
    pub errors: Vec<VehicleError>,
    /// E-stop and protective field.
    pub safety: SafetyState,
    /// Where the vehicle is (2.x `agvPosition`, 3.0 `mobileRobotPosition`).
    pub position: Option<Position>,
    /// Velocity in vehicle coordinates.
    pub velocity: Option<Velocity>,
    /// Loads on board; `None`: the vehicle cannot tell, empty: unloaded.
    pub loads: Option<Vec<Load>>,
    /// Maps stored on the vehicle.
    pub maps: Vec<MapState>,
    /// 3.0: open requests to enter zones or replan in them.
    pub zone_requests: Vec<ZoneRequest>,
    /// 3.0: open requests to use the corridor of an edge.
    pub edge_requests: Vec<EdgeRequest>,
}

impl VehicleState {
    /// A state with no order, no actions, no errors: the state of a vehicle that has just
    /// started in automatic mode, with the given battery charge.
    pub fn idle(state_of_charge: f64) -> VehicleState {
        VehicleState {
            order_id: String::new(),
            order_update_id: 0,
            last_node_id: String::new(),
            last_node_sequence_id: 0,
            node_states: Vec::new(),
            edge_states: Vec::new(),
            driving: false,
            paused: None,
            new_base_request: None,
            distance_since_last_node: None,
            action_states: Vec::new(),
            instant_action_states: Vec::new(),
            zone_action_states: Vec::new(),
            power: PowerSupply {
                state_of_charge,
                charging: false,
                voltage: None,
                current: None,
                health: None,
                range: None,
            },
            operating_mode: OperatingMode::Automatic,
            errors: Vec::new(),
            safety: SafetyState {
                emergency_stop: EmergencyStop::None,
                field_violation: false,
            },
            position: None,
            velocity: None,
            loads: None,
            maps: Vec::new(),
            zone_requests: Vec::new(),
            edge_requests: Vec::new(),
        }
    }

    /// Idle as §6.6.8 defines it: no node or edge states left and every order action
    /// FINISHED or FAILED. Only then does a vehicle accept a new order.
    pub fn is_idle(&self) -> bool {
        self.node_states.is_empty()
            && self.edge_states.is_empty()
            && self.action_states.iter().all(|a| a.status.is_terminal())
    }

    /// The state of action `action_id`, searched in the order, instant and zone action
    /// states (a 2.x vehicle reports instant actions among the order's).
    pub fn action_state(&self, action_id: &str) -> Option<&ActionState> {
        self.action_states
            .iter()
            .chain(&self.instant_action_states)
            .chain(&self.zone_action_states)
            .find(|a| a.action_id == action_id)
    }
}

/// A node still to traverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeState {
    /// The node's id.
    pub node_id: String,
    /// Its sequence id.
    pub sequence_id: u32,
    /// Base (true) or horizon (false).
    pub released: bool,
}

/// An edge still to traverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeState {
    /// The edge's id.
    pub edge_id: String,
    /// Its sequence id.
    pub sequence_id: u32,
    /// Base (true) or horizon (false).
    pub released: bool,
}

/// Progress of one action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionState {
    /// The action's id.
    pub action_id: String,
    /// Its type (informational).
    pub action_type: Option<ActionType>,
    /// Where it is in its life cycle.
    pub status: ActionStatus,
    /// Free text (2.x `actionDescription`, 3.0 `actionDescriptor`).
    pub description: Option<String>,
    /// The result, e.g. an RFID read (2.x `resultDescription`, 3.0 `actionResult`).
    pub result: Option<String>,
}

/// Life cycle of an action (§6.6.9, Table 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    /// Received; its node not reached or its edge not entered yet.
    Waiting,
    /// Triggered; preparing.
    Initializing,
    /// Running.
    Running,
    /// Paused by `startPause` or an external trigger.
    Paused,
    /// 3.0: failed but may be retried (`retry` / `skipRetry`).
    Retriable,
    /// Done.
    Finished,
    /// Could not be done.
    Failed,
}

impl ActionStatus {
    /// FINISHED or FAILED: the action will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, ActionStatus::Finished | ActionStatus::Failed)
    }
}

/// Battery information.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerSupply {
    /// State of charge in percent (2.x `batteryCharge`, 3.0 `stateOfCharge`, 0-100).
    pub state_of_charge: f64,
    /// True while charging.
    pub charging: bool,
    /// Battery voltage in volts.
    pub voltage: Option<f64>,
    /// 3.0: battery current in amperes (2.x has no field for it).
    pub current: Option<f64>,
    /// State of health in percent (0-100).
    pub health: Option<f64>,
    /// Estimated reach in metres (2.x `reach`, 3.0 `range`).
    pub range: Option<f64>,
}

/// Who controls the vehicle (§6.6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatingMode {
    /// 3.0: starting up, not ready for orders.
    Startup,
    /// Fleet control in full control.
    Automatic,
    /// Fleet control in control, speed from the HMI.
    Semiautomatic,
    /// 3.0: an operator intervenes; orders may be sent for later.
    Intervened,
    /// Manual driving; fleet control sends nothing.
    Manual,
    /// Service; fleet control sends nothing.
    Service,
    /// Teach-in (2.x `TEACHIN`, 3.0 `TEACH_IN`); fleet control sends nothing.
    TeachIn,
}

impl OperatingMode {
    /// Whether fleet control may send orders in this mode (§6.6.6 Table 11).
    pub fn accepts_orders(self) -> bool {
        matches!(
            self,
            OperatingMode::Automatic | OperatingMode::Semiautomatic | OperatingMode::Intervened
        )
    }
}

/// An error the vehicle reports.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleError {
    /// What kind of error.
    pub error_type: ErrorType,
    /// How bad.
    pub level: ErrorLevel,
    /// References such as `("orderId", "o-17")`, `("actionId", "a-3")`.
    pub references: Vec<Reference>,
    /// Human-readable description.
    pub description: Option<String>,
    /// Human-readable hint.
    pub hint: Option<String>,
}

impl VehicleError {
    /// The value of reference `key`, if present.
    pub fn reference(&self, key: &str) -> Option<&str> {
        self.references
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.value.as_str())
    }
}

/// A key/value reference of an error (`errorReferences`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// E.g. `"orderId"`, `"nodeId"`, `"actionId"`.
    pub key: String,
    /// The referenced value.
    pub value: String,
}

impl Reference {
    /// A reference.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Reference {
        Reference {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Error severity (§6.6.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorLevel {
    /// No immediate attention needed.
    Warning,
    /// 3.0: immediate attention; the vehicle can go on.
    Urgent,
    /// 3.0: the vehicle cannot continue its order but can take a new one.
    Critical,
    /// User intervention required.
    Fatal,
}

macro_rules! error_types {
    ($( $(#[$doc:meta])* $variant:ident => $v3:literal, $v2:expr; )*) => {
        /// Predefined error types (§6.6.5.4 Table 9; in 2.x the four camelCase names of
        /// §6.6.3-6.6.4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum PredefinedError {
            $( $(#[$doc])* $variant, )*
        }

        impl PredefinedError {
            /// Every predefined error type.
            pub const ALL: &'static [PredefinedError] = &[$(PredefinedError::$variant),*];

            /// The 3.0 name.
            pub fn v3_name(self) -> &'static str {
                match self { $(PredefinedError::$variant => $v3,)* }
            }

            /// The 2.x name, for the four types 2.x names itself.
            pub fn v2_name(self) -> Option<&'static str> {
                match self { $(PredefinedError::$variant => $v2,)* }
            }
        }
    };
}

error_types! {
    /// Malformed order (2.x `validationError`).
    ValidationFailure => "VALIDATION_FAILURE", Some("validationError");
    /// Order with optional fields the vehicle cannot use (2.x has no name of its own: its
    /// `orderError` reads as [`PredefinedError::InvalidOrderAction`]).
    UnsupportedParameter => "UNSUPPORTED_PARAMETER", None;
    /// Order with actions the vehicle cannot perform (2.x `orderError`).
    InvalidOrderAction => "INVALID_ORDER_ACTION", Some("orderError");
    /// Unsupported instant action.
    InvalidInstantAction => "INVALID_INSTANT_ACTION", None;
    /// Same orderId, lower orderUpdateId (2.x `orderUpdateError`).
    OutdatedOrderUpdate => "OUTDATED_ORDER_UPDATE", Some("orderUpdateError");
    /// Same orderId and orderUpdateId with different content.
    SameOrderUpdateId => "SAME_ORDER_UPDATE_ID", None;
    /// Update of a cancelled order.
    OrderUpdateFollowingCancel => "ORDER_UPDATE_FOLLOWING_CANCEL", None;
    /// cancelOrder without an order (2.x `noOrderToCancel`).
    NoOrderToCancel => "NO_ORDER_TO_CANCEL", Some("noOrderToCancel");
    /// New order while another is active.
    OtherOrderActive => "OTHER_ORDER_ACTIVE", None;
    /// First node of the order not reachable.
    StartNodeOutOfRange => "START_NODE_OUT_OF_RANGE", None;
    /// A node of the order not reachable.
    NoRouteToTarget => "NO_ROUTE_TO_TARGET", None;
    /// Order while in a mode that takes none.
    MobileRobotNotAvailable => "MOBILE_ROBOT_NOT_AVAILABLE", None;
    /// Order with an unknown mapId.
    UnknownMapId => "UNKNOWN_MAP_ID", None;
    /// Not enough memory for the order.
    InsufficientMemory => "INSUFFICIENT_MEMORY", None;
    /// Left the corridor of an edge.
    OutsideOfCorridor => "OUTSIDE_OF_CORRIDOR", None;
    /// Map already present.
    DuplicateMap => "DUPLICATE_MAP", None;
    /// Entered a BLOCKED zone.
    BlockedZoneViolation => "BLOCKED_ZONE_VIOLATION", None;
    /// Zone set already present.
    DuplicateZoneSet => "DUPLICATE_ZONE_SET", None;
    /// Release of a RELEASE zone lost.
    ReleaseLost => "RELEASE_LOST", None;
    /// Zone behaviour conflicts with zone actions.
    ZoneActionConflict => "ZONE_ACTION_CONFLICT", None;
    /// A node of the order cannot be reached.
    NodeUnreachable => "NODE_UNREACHABLE", None;
    /// Not localized.
    LocalizationError => "LOCALIZATION_ERROR", None;
}

impl PredefinedError {
    /// Whether this error rejects an order or order update (the vehicle keeps its previous
    /// order, or none).
    pub fn rejects_order(self) -> bool {
        matches!(
            self,
            PredefinedError::ValidationFailure
                | PredefinedError::UnsupportedParameter
                | PredefinedError::InvalidOrderAction
                | PredefinedError::OutdatedOrderUpdate
                | PredefinedError::SameOrderUpdateId
                | PredefinedError::OrderUpdateFollowingCancel
                | PredefinedError::OtherOrderActive
                | PredefinedError::StartNodeOutOfRange
                | PredefinedError::NoRouteToTarget
                | PredefinedError::MobileRobotNotAvailable
                | PredefinedError::UnknownMapId
                | PredefinedError::InsufficientMemory
        )
    }
}

/// The type of a reported error: predefined by the standard or the manufacturer's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// One of the standard's error types.
    Predefined(PredefinedError),
    /// Any other text.
    Other(String),
}

impl ErrorType {
    /// Reads an `errorType`: both the 3.0 names and the 2.x names are recognised, whatever
    /// the version (a 2.x vehicle may use the 3.0 names as free text).
    pub fn from_wire(name: &str) -> ErrorType {
        PredefinedError::ALL
            .iter()
            .find(|p| p.v3_name() == name || p.v2_name() == Some(name))
            .map_or_else(
                || ErrorType::Other(name.to_owned()),
                |p| ErrorType::Predefined(*p),
            )
    }

    /// The predefined type, if it is one.
    pub fn predefined(&self) -> Option<PredefinedError> {
        match self {
            ErrorType::Predefined(p) => Some(*p),
            ErrorType::Other(_) => None,
        }
    }
}

/// Safety information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SafetyState {
    /// Which e-stop is active.
    pub emergency_stop: EmergencyStop,
    /// True while a protective field is violated.
    pub field_violation: bool,
}

/// Active emergency stop (2.x `eStop`, 3.0 `activeEmergencyStop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmergencyStop {
    /// 2.x only: auto-acknowledgeable (bumper, protective field).
    AutoAck,
    /// Must be acknowledged at the vehicle.
    Manual,
    /// Facility e-stop, acknowledged remotely.
    Remote,
    /// No e-stop active.
    None,
}

/// The vehicle's pose on a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// X in metres.
    pub x: f64,
    /// Y in metres.
    pub y: f64,
    /// Heading in radians, in [−π, π].
    pub theta: f64,
    /// The map.
    pub map_id: String,
    /// True when the pose can be trusted (2.x `positionInitialized`, 3.0 `localized`).
    pub localized: bool,
    /// Localization quality in [0, 1].
    pub localization_score: Option<f64>,
    /// Position uncertainty in metres.
    pub deviation_range: Option<f64>,
}

/// Velocity in vehicle coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Velocity {
    /// m/s along the vehicle's x axis.
    pub vx: Option<f64>,
    /// m/s along the vehicle's y axis.
    pub vy: Option<f64>,
    /// rad/s about the z axis.
    pub omega: Option<f64>,
}

/// A load on board.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Identification (e.g. the container number); empty when not yet identified.
    pub load_id: Option<String>,
    /// Type of load.
    pub load_type: Option<String>,
    /// Which load handling unit carries it.
    pub load_position: Option<String>,
    /// Weight in kg.
    pub weight: Option<f64>,
    /// Bounding box dimensions.
    pub dimensions: Option<LoadDimensions>,
}

/// Dimensions of a load's bounding box in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadDimensions {
    /// Length.
    pub length: f64,
    /// Width.
    pub width: f64,
    /// Height, when known.
    pub height: Option<f64>,
}

/// A map stored on the vehicle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapState {
    /// Map id.
    pub map_id: String,
    /// Map version.
    pub map_version: String,
    /// Free text (2.x `mapDescription`, 3.0 `mapDescriptor`).
    pub description: Option<String>,
    /// Whether this version is in use.
    pub enabled: bool,
}

/// 3.0: a vehicle's request concerning a zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneRequest {
    /// Unique among the vehicle's active requests.
    pub request_id: String,
    /// Access or replanning.
    pub request_type: ZoneRequestType,
    /// The zone.
    pub zone_id: String,
    /// The zone set the zone belongs to.
    pub zone_set_id: String,
    /// Where the request stands.
    pub status: RequestStatus,
    /// The intended path, for replanning requests.
    pub trajectory: Option<Trajectory>,
}

/// 3.0: what a zone request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoneRequestType {
    /// Enter a RELEASE zone.
    Access,
    /// Replan inside a COORDINATED_REPLANNING zone.
    Replanning,
}

/// 3.0: where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Asked, not answered.
    Requested,
    /// Granted by fleet control.
    Granted,
    /// Revoked by fleet control.
    Revoked,
    /// The lease ran out.
    Expired,
}

/// 3.0: a vehicle's request to use the corridor of an edge of its base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRequest {
    /// Unique among the vehicle's active requests.
    pub request_id: String,
    /// The edge.
    pub edge_id: String,
    /// The edge's sequence id in the order.
    pub sequence_id: u32,
    /// Where the request stands.
    pub status: RequestStatus,
}
