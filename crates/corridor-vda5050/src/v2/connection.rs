//! `connection` (vehicle/broker → fleet control), `connection.schema` 2.1.0.

use serde::{Deserialize, Serialize};

use crate::header::Header;

/// The connection message (also the last will).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Header fields.
    #[serde(flatten)]
    pub header: Header,
    /// ONLINE, OFFLINE or CONNECTIONBROKEN.
    pub connection_state: ConnectionState,
}

/// 2.x connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConnectionState {
    /// `ONLINE`.
    Online,
    /// `OFFLINE`.
    Offline,
    /// `CONNECTIONBROKEN` (no underscore in 2.x).
    ConnectionBroken,
}
