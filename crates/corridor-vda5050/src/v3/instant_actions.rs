//! `instantActions` (fleet control → mobile robot), `instantActions.schema` 3.0.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::v3::ActionParameter;

/// Actions to run at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstantActions {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// The actions.
    pub actions: Vec<InstantAction>,
}

/// An instant action (no `retriable`; blocking type always NONE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstantAction {
    /// Action type.
    pub action_type: String,
    /// Unique id.
    pub action_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_descriptor: Option<String>,
    /// Always NONE.
    pub blocking_type: InstantBlockingType,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_parameters: Option<Vec<ActionParameter>>,
}

/// The only blocking type of an instant action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InstantBlockingType {
    /// `NONE`.
    None,
}
