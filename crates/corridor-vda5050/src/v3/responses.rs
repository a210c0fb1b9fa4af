//! `responses` (fleet control → mobile robot), `responses.schema` 3.0.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;
use crate::timestamp::Timestamp;

/// Answers to requests from the mobile robot's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Responses {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// The answers.
    pub responses: Vec<Response>,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The request answered.
    pub request_id: String,
    /// The answer.
    pub grant_type: GrantType,
    /// When a grant runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expiry: Option<Timestamp>,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GrantType {
    /// Granted.
    Granted,
    /// Queued.
    Queued,
    /// Revoked.
    Revoked,
    /// Rejected.
    Rejected,
}
