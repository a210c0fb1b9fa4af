//! The protocol header every message starts with (§7.2), the message envelope, and the
//! header bookkeeping of one vehicle: numbering what is sent, spotting stale arrivals.

use serde::{Deserialize, Serialize};

use crate::error::{Staleness, Vda5050Error};
use crate::model::ConnectionState;
use crate::timestamp::Timestamp;
use crate::topic::{ProtocolVersion, TopicKind, VehicleId};

/// The header fields of a VDA 5050 message: `headerId`, `timestamp`, `version`,
/// `manufacturer`, `serialNumber` (the same in 2.x and 3.0). On the wire they sit at the
/// top level of each message (the header is not a JSON object, §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Per topic, incremented by 1 with each message sent (not necessarily received).
    pub header_id: u32,
    /// When the message was created.
    pub timestamp: Timestamp,
    /// Protocol version `[Major].[Minor].[Patch]`, e.g. `"2.1.0"`.
    pub version: String,
    /// The vehicle's manufacturer.
    pub manufacturer: String,
    /// The vehicle's serial number.
    pub serial_number: String,
}

impl Header {
    /// A header for `vehicle` with the default version string of `version`.
    pub fn new(
        vehicle: &VehicleId,
        version: ProtocolVersion,
        header_id: u32,
        timestamp: Timestamp,
    ) -> Header {
        Header {
            header_id,
            timestamp,
            version: version.default_version_string().to_owned(),
            manufacturer: vehicle.manufacturer().to_owned(),
            serial_number: vehicle.serial_number().to_owned(),
        }
    }
}

/// A decoded message: its header and its body in the versionless model.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<T> {
    /// The header fields.
    pub header: Header,
    /// The content.
    pub body: T,
}

/// Numbers the messages sent to (or, in a simulator, by) one vehicle: one `headerId`
/// counter per topic, starting at 0 and incremented by 1 per message (wrapping after
/// `u32::MAX`, the range of the standard's uint32).
///
/// Pure bookkeeping: it never sends anything.
#[derive(Debug, Clone)]
pub struct OutgoingHeaders {
    vehicle: VehicleId,
    version_string: String,
    next: [u32; TopicKind::ALL.len()],
}

impl OutgoingHeaders {
    /// Counters for `vehicle`, writing the default version string of `version`.
    pub fn new(vehicle: VehicleId, version: ProtocolVersion) -> OutgoingHeaders {
        OutgoingHeaders {
            vehicle,
            version_string: version.default_version_string().to_owned(),
            next: [0; TopicKind::ALL.len()],
        }
    }

    /// Counters writing a specific version string (e.g. `"2.0.0"` for a 2.0 vehicle); it
    /// must belong to `version`.
    pub fn with_version_string(
        vehicle: VehicleId,
        version: ProtocolVersion,
        version_string: impl Into<String>,
    ) -> Result<OutgoingHeaders, Vda5050Error> {
        let version_string = version_string.into();
        if !version.accepts_version_string(&version_string) {
            return Err(Vda5050Error::HeaderMismatch {
                context: crate::error::MessageContext::new(TopicKind::Order, version),
                field: "version",
                expected: format!("{}.x.y", version.major()),
                found: version_string,
            });
        }
        Ok(OutgoingHeaders {
            vehicle,
            version_string,
            next: [0; TopicKind::ALL.len()],
        })
    }

    /// The vehicle these headers are for.
    pub fn vehicle(&self) -> &VehicleId {
        &self.vehicle
    }

    /// The header for the next message on `kind`, and advances that topic's counter.
    pub fn next_header(&mut self, kind: TopicKind, timestamp: Timestamp) -> Header {
        let slot = &mut self.next[kind.index()];
        let header_id = *slot;
        *slot = slot.wrapping_add(1);
        Header {
            header_id,
            timestamp,
            version: self.version_string.clone(),
            manufacturer: self.vehicle.manufacturer().to_owned(),
            serial_number: self.vehicle.serial_number().to_owned(),
        }
    }

    /// The `headerId` the next message on `kind` will get.
    pub fn peek(&self, kind: TopicKind) -> u32 {
        self.next[kind.index()]
    }
}

/// Remembers the highest `headerId` received per topic from one vehicle and flags messages
/// that are not newer: duplicates and messages overtaken by later ones.
///
/// Rules:
/// - a message is accepted when its `headerId` is greater than the last accepted on the
///   same topic (the first message on a topic is always accepted);
/// - `connection` with `CONNECTION_BROKEN` is always accepted and changes nothing: it is the
///   last will, composed when the vehicle connected, so its header is old by design (§6.5);
/// - `connection` with `ONLINE` starts a new session: a vehicle that restarts counts its
///   header ids from scratch, so every topic's memory is cleared and the message accepted.
///
/// Pure bookkeeping: it never receives anything itself.
#[derive(Debug, Clone)]
pub struct IncomingHeaders {
    vehicle: VehicleId,
    last: [Option<u32>; TopicKind::ALL.len()],
}

impl IncomingHeaders {
    /// Empty memory for `vehicle`.
    pub fn new(vehicle: VehicleId) -> IncomingHeaders {
        IncomingHeaders {
            vehicle,
            last: [None; TopicKind::ALL.len()],
        }
    }

    /// The vehicle this memory is for.
    pub fn vehicle(&self) -> &VehicleId {
        &self.vehicle
    }

    /// The highest `headerId` accepted on `kind` in the current session.
    pub fn last_seen(&self, kind: TopicKind) -> Option<u32> {
        self.last[kind.index()]
    }

    /// Checks a message on any topic other than `connection` without recording it.
    pub fn check(&self, kind: TopicKind, header_id: u32) -> Result<(), Vda5050Error> {
        match self.last[kind.index()] {
            Some(last_seen) if header_id <= last_seen => Err(Vda5050Error::StaleMessage {
                vehicle: self.vehicle.clone(),
                kind,
                header_id,
                last_seen,
                staleness: if header_id == last_seen {
                    Staleness::Duplicate
                } else {
                    Staleness::OutOfOrder
                },
            }),
            _ => Ok(()),
        }
    }

    /// Checks a message and, when it is newer, records its `headerId`.
    ///
    /// For `connection` messages use [`IncomingHeaders::accept_connection`], which applies
    /// the last-will and new-session rules.
    pub fn accept(&mut self, kind: TopicKind, header_id: u32) -> Result<(), Vda5050Error> {
        self.check(kind, header_id)?;
        self.last[kind.index()] = Some(header_id);
        Ok(())
    }

    /// Checks and records a `connection` message.
    pub fn accept_connection(
        &mut self,
        header_id: u32,
        state: ConnectionState,
    ) -> Result<(), Vda5050Error> {
        match state {
            ConnectionState::ConnectionBroken => Ok(()),
            ConnectionState::Online => {
                self.reset();
                self.last[TopicKind::Connection.index()] = Some(header_id);
                Ok(())
            }
            ConnectionState::Offline | ConnectionState::Hibernating => {
                self.accept(TopicKind::Connection, header_id)
            }
        }
    }

    /// Forgets everything, as after a vehicle restart.
    pub fn reset(&mut self) {
        self.last = [None; TopicKind::ALL.len()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vehicle() -> VehicleId {
        VehicleId::new("KIT", "0001").unwrap()
    }

    #[test]
    fn outgoing_counts_per_topic() {
        let mut out = OutgoingHeaders::new(vehicle(), ProtocolVersion::V3);
        let t = Timestamp::UNIX_EPOCH;
        assert_eq!(out.next_header(TopicKind::Order, t).header_id, 0);
        assert_eq!(out.next_header(TopicKind::Order, t).header_id, 1);
        assert_eq!(out.next_header(TopicKind::InstantActions, t).header_id, 0);
        let h = out.next_header(TopicKind::Order, t);
        assert_eq!(
            (h.header_id, h.version.as_str(), h.serial_number.as_str()),
            (2, "3.0.0", "0001")
        );
        assert_eq!(out.peek(TopicKind::Order), 3);
        out.next[TopicKind::State.index()] = u32::MAX;
        assert_eq!(out.next_header(TopicKind::State, t).header_id, u32::MAX);
        assert_eq!(out.next_header(TopicKind::State, t).header_id, 0);
        assert!(
            OutgoingHeaders::with_version_string(vehicle(), ProtocolVersion::V2, "3.0.0").is_err()
        );
    }

    #[test]
    fn incoming_flags_duplicates_and_reordering() {
        let mut inc = IncomingHeaders::new(vehicle());
        inc.accept(TopicKind::State, 5).unwrap();
        let dup = inc.accept(TopicKind::State, 5).unwrap_err();
        assert!(matches!(
            dup,
            Vda5050Error::StaleMessage {
                staleness: Staleness::Duplicate,
                last_seen: 5,
                ..
            }
        ));
        let old = inc.accept(TopicKind::State, 3).unwrap_err().to_string();
        assert!(old.contains("KIT/0001") && old.contains("out of order") && old.contains("state"));
        inc.accept(TopicKind::State, 9).unwrap();
        // Other topics count on their own.
        inc.accept(TopicKind::Factsheet, 0).unwrap();
        assert_eq!(inc.last_seen(TopicKind::State), Some(9));
    }

    #[test]
    fn connection_rules() {
        let mut inc = IncomingHeaders::new(vehicle());
        inc.accept_connection(10, ConnectionState::Online).unwrap();
        inc.accept(TopicKind::State, 100).unwrap();
        // The last will carries the header of connection time: always accepted.
        inc.accept_connection(9, ConnectionState::ConnectionBroken)
            .unwrap();
        assert_eq!(inc.last_seen(TopicKind::Connection), Some(10));
        // A restart: new session, header ids from 0 again.
        inc.accept_connection(0, ConnectionState::Online).unwrap();
        inc.accept(TopicKind::State, 0).unwrap();
        assert!(inc.accept_connection(0, ConnectionState::Offline).is_err());
        inc.accept_connection(1, ConnectionState::Offline).unwrap();
    }
}
