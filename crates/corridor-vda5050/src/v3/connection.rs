//! `connection` (mobile robot/broker → fleet control), `connection.schema` 3.0.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;

/// The connection message (also the last will).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// ONLINE, OFFLINE, HIBERNATING or CONNECTION_BROKEN.
    pub connection_state: ConnectionState,
}

/// 3.0 connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionState {
    /// `ONLINE`.
    Online,
    /// `OFFLINE`.
    Offline,
    /// `HIBERNATING`.
    Hibernating,
    /// `CONNECTION_BROKEN`.
    ConnectionBroken,
}
