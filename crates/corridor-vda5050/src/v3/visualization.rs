//! `visualization` (mobile robot → visualization systems), `visualization.schema` 3.0.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::v3::{IntermediatePath, MobileRobotPosition, PlannedPath, Velocity};

/// Position, velocity and paths at a higher rate than `state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Visualization {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// `headerId` of the state message this refers to.
    pub reference_state_header_id: u32,
    /// Planned path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_path: Option<PlannedPath>,
    /// Intermediate path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate_path: Option<IntermediatePath>,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_robot_position: Option<MobileRobotPosition>,
    /// Velocity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Velocity>,
}
