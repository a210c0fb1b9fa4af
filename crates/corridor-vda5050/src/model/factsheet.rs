//! What a vehicle says about itself on `factsheet` (§6.10, §7.10): the parts a fleet
//! controller plans with.

use crate::model::{ActionType, BlockingType};

/// A vehicle's capabilities and limits, versionless.
///
/// Covers type, physical parameters, protocol limits and protocol features. Wheel
/// geometry, envelopes, load sets and network configuration stay in the wire types
/// ([`crate::v2::Factsheet`], [`crate::v3::Factsheet`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Factsheet {
    /// Series, kinematics, class, load capacity, localization and navigation.
    pub type_specification: TypeSpecification,
    /// Speeds, accelerations, dimensions.
    pub physical_parameters: PhysicalParameters,
    /// Limits on message, string and array sizes and on message rates.
    pub protocol_limits: ProtocolLimits,
    /// Supported optional parameters and actions.
    pub protocol_features: ProtocolFeatures,
}

/// The vehicle type (`typeSpecification`).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSpecification {
    /// Series name.
    pub series_name: String,
    /// Series description.
    pub series_description: Option<String>,
    /// Kinematics (2.x `agvKinematic`, 3.0 `mobileRobotKinematics`).
    pub kinematics: Kinematics,
    /// Class (2.x `agvClass`, 3.0 `mobileRobotClass`).
    pub class: VehicleClass,
    /// Maximum load in kg (2.x `maxLoadMass`, 3.0 `maximumLoadMass`).
    pub max_load_mass: f64,
    /// Localization types.
    pub localization_types: Vec<LocalizationType>,
    /// Navigation types, by priority.
    pub navigation_types: Vec<NavigationType>,
}

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$doc:meta])* $variant:ident => $v2:literal, $v3:literal; )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$doc])* $variant, )*
            /// A value outside the standard's list (3.0 lists are extensible).
            Other(String),
        }

        impl $name {
            /// The 2.x spelling; `None` for [`Self::Other`] (2.x lists are closed).
            pub fn v2_name(&self) -> Option<&'static str> {
                match self { $( $name::$variant => Some($v2), )* $name::Other(_) => None }
            }

            /// The 3.0 spelling.
            pub fn v3_name(&self) -> &str {
                match self { $( $name::$variant => $v3, )* $name::Other(name) => name }
            }

            /// Reads the 2.x spelling.
            pub fn from_v2(name: &str) -> Option<$name> {
                $( if name == $v2 { return Some($name::$variant); } )*
                None
            }

            /// Reads the 3.0 spelling; unknown names are [`Self::Other`].
            pub fn from_v3(name: &str) -> $name {
                $( if name == $v3 { return $name::$variant; } )*
                $name::Other(name.to_owned())
            }
        }
    };
}

named_enum! {
    /// Simplified kinematics.
    Kinematics {
        /// Differential drive (2.x `DIFF`).
        Differential => "DIFF", "DIFFERENTIAL";
        /// Omnidirectional (2.x `OMNI`).
        Omnidirectional => "OMNI", "OMNIDIRECTIONAL";
        /// Three-wheel drive or similar (2.x `THREEWHEEL`).
        ThreeWheel => "THREEWHEEL", "THREE_WHEEL";
    }
}

named_enum! {
    /// Simplified vehicle class.
    VehicleClass {
        /// Forklift.
        Forklift => "FORKLIFT", "FORKLIFT";
        /// Conveyor on board.
        Conveyor => "CONVEYOR", "CONVEYOR";
        /// Tugger.
        Tugger => "TUGGER", "TUGGER";
        /// Load carrier with or without lifting unit (container carriers).
        Carrier => "CARRIER", "CARRIER";
    }
}

named_enum! {
    /// Localization technique.
    LocalizationType {
        /// Natural landmarks.
        Natural => "NATURAL", "NATURAL";
        /// Laser reflectors.
        Reflector => "REFLECTOR", "REFLECTOR";
        /// RFID tags.
        Rfid => "RFID", "RFID";
        /// Data matrix codes.
        Dmc => "DMC", "DMC";
        /// Magnetic spots.
        Spot => "SPOT", "SPOT";
        /// Magnetic grid.
        Grid => "GRID", "GRID";
    }
}

named_enum! {
    /// Path planning type.
    NavigationType {
        /// Follows physically installed paths.
        PhysicalLineGuided => "PHYSICAL_LINE_GUIDED", "PHYSICAL_LINE_GUIDED";
        /// Follows fixed virtual paths.
        VirtualLineGuided => "VIRTUAL_LINE_GUIDED", "VIRTUAL_LINE_GUIDED";
        /// Plans its own path (2.x `AUTONOMOUS`, 3.0 `FREELY_NAVIGATING`).
        FreelyNavigating => "AUTONOMOUS", "FREELY_NAVIGATING";
    }
}

/// Physical parameters (`physicalParameters`), SI units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhysicalParameters {
    /// Minimal controlled continuous speed, m/s.
    pub min_speed: f64,
    /// Maximum speed, m/s.
    pub max_speed: f64,
    /// 3.0: minimal controlled rotation speed, rad/s.
    pub min_angular_speed: Option<f64>,
    /// 3.0: maximum rotation speed, rad/s.
    pub max_angular_speed: Option<f64>,
    /// Maximum acceleration with maximum load, m/s².
    pub max_acceleration: f64,
    /// Maximum deceleration with maximum load, m/s².
    pub max_deceleration: f64,
    /// Minimum height, m (optional in 2.x, required in 3.0).
    pub min_height: Option<f64>,
    /// Maximum height, m.
    pub max_height: f64,
    /// Width, m.
    pub width: f64,
    /// Length, m.
    pub length: f64,
}

/// Protocol limits (`protocolLimits`). `None` or 0: no explicit limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProtocolLimits {
    /// String lengths.
    pub max_string_lengths: StringLengthLimits,
    /// Array lengths.
    pub max_array_lengths: ArrayLengthLimits,
    /// Message rates.
    pub timing: Timing,
}

/// Maximum string lengths.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StringLengthLimits {
    /// Whole MQTT message.
    pub message: Option<u32>,
    /// Serial number part of topics.
    pub topic_serial: Option<u32>,
    /// Other topic parts.
    pub topic_element: Option<u32>,
    /// Id strings.
    pub id: Option<u32>,
    /// Ids must be numerical.
    pub id_numerical_only: Option<bool>,
    /// `loadId` strings.
    pub load_id: Option<u32>,
}

/// Maximum array lengths the vehicle can process.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArrayLengthLimits {
    /// Nodes per order (`order.nodes`).
    pub order_nodes: Option<u32>,
    /// Edges per order (`order.edges`).
    pub order_edges: Option<u32>,
    /// Actions per node (`node.actions`).
    pub node_actions: Option<u32>,
    /// Actions per edge (`edge.actions`).
    pub edge_actions: Option<u32>,
    /// Parameters per action (`actions.actionsParameters`).
    pub action_parameters: Option<u32>,
    /// Instant actions per message (`instantActions`).
    pub instant_actions: Option<u32>,
    /// Knots per trajectory (`trajectory.knotVector`).
    pub knot_vector: Option<u32>,
    /// Control points per trajectory (`trajectory.controlPoints`).
    pub control_points: Option<u32>,
    /// 3.0: zones per zone set (`zoneSet.zones`).
    pub zone_set_zones: Option<u32>,
    /// `state.nodeStates`.
    pub node_states: Option<u32>,
    /// `state.edgeStates`.
    pub edge_states: Option<u32>,
    /// `state.loads`.
    pub loads: Option<u32>,
    /// `state.actionStates`.
    pub action_states: Option<u32>,
    /// 3.0: `state.instantActionStates`.
    pub instant_action_states: Option<u32>,
    /// 3.0: `state.zoneActionStates`.
    pub zone_action_states: Option<u32>,
    /// `state.errors`.
    pub errors: Option<u32>,
    /// `state.information`.
    pub information: Option<u32>,
    /// `error.errorReferences`.
    pub error_references: Option<u32>,
    /// `information.infoReferences`.
    pub info_references: Option<u32>,
}

/// Message rates, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Minimum interval between orders sent to the vehicle.
    pub min_order_interval: f64,
    /// Minimum interval between state messages.
    pub min_state_interval: f64,
    /// Default state interval.
    pub default_state_interval: Option<f64>,
    /// Default visualization interval.
    pub visualization_interval: Option<f64>,
}

/// Supported protocol features (`protocolFeatures`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtocolFeatures {
    /// Optional parameters the vehicle supports or requires.
    pub optional_parameters: Vec<OptionalParameter>,
    /// Actions the vehicle supports (2.x `agvActions`, 3.0 `mobileRobotActions`).
    pub actions: Vec<ActionCapability>,
}

/// Support of one optional parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalParameter {
    /// Full name, e.g. `order.nodes.nodePosition.allowedDeviationTheta`.
    pub parameter: String,
    /// Supported or required.
    pub support: Support,
    /// Free text.
    pub description: Option<String>,
}

/// How an optional parameter is supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Support {
    /// Supported as specified.
    Supported,
    /// Required for proper operation.
    Required,
}

/// One supported action type.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionCapability {
    /// The action type.
    pub action_type: ActionType,
    /// Free text.
    pub description: Option<String>,
    /// Where it may be used.
    pub scopes: Vec<ActionScope>,
    /// Its parameters.
    pub parameters: Vec<ActionParameterSpec>,
    /// Free text about the result (2.x `resultDescription`, 3.0 `actionResult`).
    pub result_description: Option<String>,
    /// Possible blocking types.
    pub blocking_types: Option<Vec<BlockingType>>,
    /// 3.0 (required there): the action can be paused by `startPause`.
    pub pause_allowed: Option<bool>,
    /// 3.0 (required there): the action can be cancelled.
    pub cancel_allowed: Option<bool>,
}

/// Where an action may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionScope {
    /// As an instant action.
    Instant,
    /// On nodes.
    Node,
    /// On edges.
    Edge,
    /// 3.0: as a zone action.
    Zone,
}

/// One parameter of a supported action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionParameterSpec {
    /// The key.
    pub key: String,
    /// The value's data type.
    pub value_data_type: ValueDataType,
    /// Free text.
    pub description: Option<String>,
    /// True: optional.
    pub is_optional: Option<bool>,
}

/// Data type of an action parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueDataType {
    /// Boolean.
    Bool,
    /// Number.
    Number,
    /// Integer.
    Integer,
    /// 2.x only: float.
    Float,
    /// String.
    String,
    /// Object.
    Object,
    /// Array.
    Array,
}
