//! `instantActions` (fleet control → vehicle), `instantActions.schema` 2.1.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::v2::Action;

/// Actions to run at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstantActions {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// The actions.
    pub actions: Vec<Action>,
}
