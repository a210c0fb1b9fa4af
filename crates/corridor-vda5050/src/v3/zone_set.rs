//! `zoneSet` (fleet control → mobile robot), `zoneSet.schema` 3.0.0. These types are also
//! the model's zone types: zones exist only in 3.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::v3::{ActionParameter, BlockingType};

/// The `zoneSet` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneSetMessage {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// The zone set.
    pub zone_set: ZoneSet,
}

/// A zone set for one map; immutable per `zoneSetId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneSet {
    /// The map.
    pub map_id: String,
    /// Globally unique id.
    pub zone_set_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_set_descriptor: Option<String>,
    /// The zones.
    pub zones: Vec<Zone>,
}

/// A zone: a polygon with a type and the type's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Zone {
    /// Unique within the zone set.
    pub zone_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_descriptor: Option<String>,
    /// At least 3 vertices.
    pub vertices: Vec<Vertex>,
    /// `zoneType` and the fields it requires.
    #[serde(flatten)]
    pub kind: ZoneKind,
}

/// The zone type (`zoneType`) with the fields the schema requires for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "zoneType",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ZoneKind {
    /// No entry.
    Blocked,
    /// Follow lines only.
    LineGuided,
    /// Entry needs a release from fleet control.
    Release {
        /// What to do when the release is lost.
        release_loss_behavior: ZoneReleaseLossBehavior,
    },
    /// Replanning needs permission.
    CoordinatedReplanning,
    /// Speed limit.
    SpeedLimit {
        /// m/s.
        maximum_speed: f64,
    },
    /// Actions on entry, while inside and on exit.
    Action {
        /// On entry.
        entry_actions: Vec<ZoneAction>,
        /// While inside.
        during_actions: Vec<ZoneAction>,
        /// On exit.
        exit_actions: Vec<ZoneAction>,
    },
    /// Preferred area.
    Priority {
        /// In [0, 1].
        priority_factor: f64,
    },
    /// Area to avoid.
    Penalty {
        /// In [0, 1].
        penalty_factor: f64,
    },
    /// One-way area.
    Directed {
        /// Direction of travel in rad.
        direction: f64,
        /// How strict.
        directed_limitation: DirectedLimitation,
    },
    /// Two-way area along one axis.
    Bidirected {
        /// Direction (and its opposite) in rad.
        direction: f64,
        /// How strict.
        bidirected_limitation: BidirectedLimitation,
    },
}

/// A polygon vertex.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Vertex {
    /// X in m.
    pub x: f64,
    /// Y in m.
    pub y: f64,
}

/// An action of an ACTION zone (no `actionId`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneAction {
    /// Action type.
    pub action_type: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_descriptor: Option<String>,
    /// Blocking type.
    pub blocking_type: BlockingType,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_parameters: Option<Vec<ActionParameter>>,
    /// May enter RETRIABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retriable: Option<bool>,
}

/// Behaviour on loss of a RELEASE zone's release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ZoneReleaseLossBehavior {
    /// Stop.
    Stop,
    /// Continue.
    Continue,
    /// Leave the zone.
    Evacuate,
}

/// Strictness of a DIRECTED zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DirectedLimitation {
    /// Avoid other directions.
    Soft,
    /// Never the opposite direction.
    Restricted,
    /// Only the direction.
    Strict,
}

/// Strictness of a BIDIRECTED zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BidirectedLimitation {
    /// Avoid other directions.
    Soft,
    /// Other directions only to avoid obstacles.
    Restricted,
}
