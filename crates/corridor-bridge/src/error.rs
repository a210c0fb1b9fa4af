//! The crate's one error type.

use std::net::SocketAddr;

use corridor_vda5050::{Vda5050Error, VehicleId};

/// Everything that can go wrong in the bridge.
///
/// Each variant names what was wrong: the broker (its URL with the password hidden), the
/// vehicle, the configuration field, or the topic. Bad messages *received* from vehicles or
/// operators are not errors of the API: they are logged, counted and reported as
/// [`crate::VehicleEvent::Rejected`] or answered with an error reply, and the bridge keeps
/// running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// A broker URL does not parse; `part` names the piece that is wrong.
    #[error("broker URL `{url}`: {part}: {problem}")]
    InvalidBrokerUrl {
        /// The URL as given, with any password replaced by `***`.
        url: String,
        /// `scheme`, `user`, `password`, `host`, `port` or `path`.
        part: &'static str,
        /// What is wrong with it.
        problem: String,
    },

    /// A configuration value is unusable.
    #[error("configuration: {field}: {problem}")]
    Config {
        /// The field, e.g. `site` or `keep_alive`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },

    /// The embedded broker could not be started or stopped by itself.
    #[error("embedded broker on {addr}: {reason}")]
    BrokerStart {
        /// The address it was to listen on.
        addr: SocketAddr,
        /// Why it is not serving.
        reason: String,
    },

    /// The broker could not be reached, refused the client, or refused a subscription.
    #[error("broker {broker}: {reason}")]
    Connect {
        /// The broker URL, password hidden.
        broker: String,
        /// What went wrong (the last connection error seen, or the broker's refusal).
        reason: String,
    },

    /// A vehicle that the bridge has never heard from: its protocol version (the
    /// `majorVersion` level of its topics) is unknown, so nothing can be sent to it.
    #[error("vehicle {vehicle}: unknown; no state, connection or factsheet received from it yet")]
    UnknownVehicle {
        /// The vehicle.
        vehicle: VehicleId,
    },

    /// The protocol layer refused: an order the vehicle's order bookkeeping does not allow
    /// (never published), a message its version cannot express, an invalid topic level.
    #[error(transparent)]
    Protocol(#[from] Vda5050Error),

    /// A call that the vehicle's side of VDA 5050 does not allow, e.g. publishing
    /// `CONNECTION_BROKEN` (only the broker publishes it, as the last will). Nothing was
    /// published.
    #[error("vehicle {vehicle}: {reason}")]
    Refused {
        /// The vehicle the call was made for.
        vehicle: VehicleId,
        /// What is not allowed, and why.
        reason: String,
    },

    /// The connection's event loop has stopped (after shutdown); nothing more can be sent.
    #[error("{what}: the MQTT connection has been shut down")]
    Closed {
        /// Which connection (`master control`, `operator API` or `vehicle link`).
        what: &'static str,
    },

    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}
