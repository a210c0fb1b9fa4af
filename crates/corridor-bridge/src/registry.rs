//! What master control knows about each vehicle, as pure bookkeeping over the state
//! machines of corridor-vda5050: no I/O, no clock, no async. The MQTT side feeds it what
//! arrives ([`Registry::apply`]) and asks it for the bytes to send ([`Registry::prepare`]).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use corridor_vda5050::model::{ConnectionState, Factsheet, Order};
use corridor_vda5050::{
    Admission, Header, Incoming, IncomingHeaders, OrderTracker, OutgoingHeaders, ProtocolVersion,
    Timestamp, Topic, TopicKind, Vda5050Error, VehicleId, codec,
};

use crate::error::BridgeError;
use crate::master::{VehicleEvent, VehicleInfo};

/// One vehicle's records.
#[derive(Debug)]
struct Record {
    interface_name: String,
    version: ProtocolVersion,
    incoming: IncomingHeaders,
    outgoing: OutgoingHeaders,
    tracker: OrderTracker,
    connection: Option<ConnectionState>,
    state_header: Option<Header>,
    factsheet: Option<Factsheet>,
}

impl Record {
    fn new(interface_name: &str, version: ProtocolVersion, vehicle: &VehicleId) -> Record {
        Record {
            interface_name: interface_name.to_owned(),
            version,
            incoming: IncomingHeaders::new(vehicle.clone()),
            outgoing: OutgoingHeaders::new(vehicle.clone(), version),
            tracker: OrderTracker::new(vehicle.clone()),
            connection: None,
            state_header: None,
            factsheet: None,
        }
    }
}

/// The outcome of one received message.
#[derive(Debug)]
pub(crate) enum Applied {
    /// Fresh and valid: tell the caller.
    Event(VehicleEvent),
    /// Valid but not newer than what was seen (duplicate or out of order).
    Stale { topic: String, reason: String },
    /// Not a message fleet control can use.
    Rejected { topic: String, reason: String },
    /// An empty payload: how MQTT clears a retained message (e.g. a decommissioned
    /// vehicle's `connection`). Nothing to take, nothing wrong.
    Cleared { topic: String },
}

/// A message ready to publish.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub topic: String,
    pub qos: u8,
    pub retain: bool,
    pub payload: Vec<u8>,
}

/// Every vehicle heard of on one interface name.
#[derive(Debug)]
pub(crate) struct Registry {
    interface_name: String,
    vehicles: HashMap<VehicleId, Record>,
}

impl Registry {
    pub(crate) fn new(interface_name: &str) -> Registry {
        Registry {
            interface_name: interface_name.to_owned(),
            vehicles: HashMap::new(),
        }
    }

    /// Takes one message received on `topic`.
    ///
    /// A vehicle's protocol version is the `majorVersion` level of the first valid message
    /// heard from it; a vehicle that comes back `ONLINE` on the other version (new firmware)
    /// starts over on that version. Anything else on the other version is rejected.
    pub(crate) fn apply(&mut self, topic: &str, payload: &[u8]) -> Applied {
        let rejected = |reason: String| Applied::Rejected {
            topic: topic.to_owned(),
            reason,
        };
        let parsed = match Topic::parse(topic) {
            Ok(t) => t,
            Err(e) => return rejected(e.to_string()),
        };
        if parsed.interface_name() != self.interface_name {
            return rejected(format!(
                "interface name `{}` is not this bridge's `{}`",
                parsed.interface_name(),
                self.interface_name
            ));
        }
        if !matches!(
            parsed.kind(),
            TopicKind::State | TopicKind::Connection | TopicKind::Factsheet
        ) {
            return rejected(format!(
                "fleet control does not take `{}` messages",
                parsed.kind()
            ));
        }
        if payload.is_empty() {
            return Applied::Cleared {
                topic: topic.to_owned(),
            };
        }
        let message = match codec::decode(&parsed, payload) {
            Ok(m) => m,
            Err(e) => return rejected(e.to_string()),
        };
        let vehicle = parsed.vehicle().clone();
        let version = parsed.version();
        let record = match self.vehicles.entry(vehicle.clone()) {
            Entry::Vacant(slot) => {
                slot.insert(Record::new(&self.interface_name, version, &vehicle))
            }
            Entry::Occupied(slot) => {
                let record = slot.into_mut();
                if record.version != version {
                    let new_session = matches!(
                        &message,
                        Incoming::Connection(m) if m.body == ConnectionState::Online
                    );
                    if !new_session {
                        return rejected(format!(
                            "vehicle {vehicle} speaks {} in its current session; a {version} \
                             message is ignored until it comes back ONLINE on {version}",
                            record.version
                        ));
                    }
                    tracing::info!(%vehicle, from = %record.version, to = %version,
                        "vehicle came back online on another VDA 5050 version");
                    let tracker =
                        std::mem::replace(&mut record.tracker, OrderTracker::new(vehicle.clone()));
                    *record = Record::new(&self.interface_name, version, &vehicle);
                    record.tracker = tracker;
                }
                record
            }
        };
        let stale = |e: Vda5050Error| Applied::Stale {
            topic: topic.to_owned(),
            reason: e.to_string(),
        };
        match message {
            Incoming::State(m) => {
                if let Err(e) = record.incoming.accept(TopicKind::State, m.header.header_id) {
                    return stale(e);
                }
                record.tracker.observe_state(&m.body);
                record.state_header = Some(m.header.clone());
                Applied::Event(VehicleEvent::State {
                    vehicle,
                    header: m.header,
                    state: Box::new(m.body),
                })
            }
            Incoming::Connection(m) => {
                if let Err(e) = record
                    .incoming
                    .accept_connection(m.header.header_id, m.body)
                {
                    return stale(e);
                }
                record.connection = Some(m.body);
                Applied::Event(VehicleEvent::Connection {
                    vehicle,
                    header: m.header,
                    state: m.body,
                })
            }
            Incoming::Factsheet(m) => {
                if let Err(e) = record
                    .incoming
                    .accept(TopicKind::Factsheet, m.header.header_id)
                {
                    return stale(e);
                }
                record.factsheet = Some(m.body.clone());
                Applied::Event(VehicleEvent::Factsheet {
                    vehicle,
                    header: m.header,
                    factsheet: Box::new(m.body),
                })
            }
            other => rejected(format!(
                "fleet control does not take `{}` messages",
                other.kind()
            )),
        }
    }

    fn record(&mut self, vehicle: &VehicleId) -> Result<&mut Record, BridgeError> {
        self.vehicles
            .get_mut(vehicle)
            .ok_or_else(|| BridgeError::UnknownVehicle {
                vehicle: vehicle.clone(),
            })
    }

    /// Encodes a message on `kind` for `vehicle` in its version with the next `headerId`.
    /// The header counter advances only when encoding succeeds.
    pub(crate) fn prepare(
        &mut self,
        vehicle: &VehicleId,
        kind: TopicKind,
        now: Timestamp,
        encode: impl FnOnce(ProtocolVersion, &Header) -> Result<Vec<u8>, Vda5050Error>,
    ) -> Result<Prepared, BridgeError> {
        let record = self.record(vehicle)?;
        let topic = Topic::new(
            record.interface_name.clone(),
            record.version,
            vehicle.clone(),
            kind,
        )?;
        let mut headers = record.outgoing.clone();
        let header = headers.next_header(kind, now);
        let payload = encode(record.version, &header)?;
        record.outgoing = headers;
        Ok(Prepared {
            topic: topic.to_string(),
            qos: topic.qos(),
            retain: topic.retained(),
            payload,
        })
    }

    /// Checks `order` with the vehicle's [`OrderTracker`], encodes it and records it as
    /// sent. A refused order changes nothing and uses no `headerId`.
    pub(crate) fn prepare_order(
        &mut self,
        vehicle: &VehicleId,
        order: &Order,
        now: Timestamp,
    ) -> Result<(Prepared, Admission), BridgeError> {
        let admission = self.record(vehicle)?.tracker.check(order)?;
        let prepared = self.prepare(vehicle, TopicKind::Order, now, |version, header| {
            codec::encode_order(version, header, order)
        })?;
        self.record(vehicle)?.tracker.record_sent(order)?;
        Ok((prepared, admission))
    }

    /// Runs `f` on the vehicle's order tracker.
    pub(crate) fn with_tracker<R>(
        &mut self,
        vehicle: &VehicleId,
        f: impl FnOnce(&mut OrderTracker) -> R,
    ) -> Result<R, BridgeError> {
        Ok(f(&mut self.record(vehicle)?.tracker))
    }

    pub(crate) fn vehicles(&self) -> Vec<VehicleId> {
        let mut ids: Vec<VehicleId> = self.vehicles.keys().cloned().collect();
        ids.sort();
        ids
    }

    pub(crate) fn info(&self, vehicle: &VehicleId) -> Option<VehicleInfo> {
        self.vehicles.get(vehicle).map(|r| VehicleInfo {
            vehicle: vehicle.clone(),
            version: r.version,
            connection: r.connection,
            state: r.tracker.vehicle_state().cloned(),
            state_header_id: r.state_header.as_ref().map(|h| h.header_id),
            factsheet: r.factsheet.clone(),
            tracker: r.tracker.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use corridor_vda5050::model::{Edge, Node, VehicleState};

    use super::*;

    fn id() -> VehicleId {
        VehicleId::new("acme", "IGV-1").unwrap()
    }

    fn state(version: ProtocolVersion, header_id: u32, state: &VehicleState) -> Vec<u8> {
        let header = Header::new(&id(), version, header_id, Timestamp::UNIX_EPOCH);
        codec::encode_state(version, &header, state).unwrap()
    }

    fn connection(version: ProtocolVersion, header_id: u32, c: ConnectionState) -> Vec<u8> {
        let header = Header::new(&id(), version, header_id, Timestamp::UNIX_EPOCH);
        codec::encode_connection(version, &header, c).unwrap()
    }

    #[test]
    fn version_is_the_topics_and_sticks_for_the_session() {
        let mut r = Registry::new("uagv");
        let idle = VehicleState::idle(90.0);
        assert!(matches!(
            r.apply(
                "uagv/v3/acme/IGV-1/state",
                &state(ProtocolVersion::V3, 0, &idle)
            ),
            Applied::Event(VehicleEvent::State { .. })
        ));
        assert_eq!(r.info(&id()).unwrap().version, ProtocolVersion::V3);
        // A v2 state of the same vehicle is refused, naming both versions.
        match r.apply(
            "uagv/v2/acme/IGV-1/state",
            &state(ProtocolVersion::V2, 1, &idle),
        ) {
            Applied::Rejected { reason, .. } => assert!(reason.contains("speaks v3"), "{reason}"),
            other => panic!("{other:?}"),
        }
        // ONLINE on v2 starts a v2 session.
        assert!(matches!(
            r.apply(
                "uagv/v2/acme/IGV-1/connection",
                &connection(ProtocolVersion::V2, 0, ConnectionState::Online)
            ),
            Applied::Event(VehicleEvent::Connection { .. })
        ));
        assert_eq!(r.info(&id()).unwrap().version, ProtocolVersion::V2);
        let prepared = r
            .prepare(
                &id(),
                TopicKind::InstantActions,
                Timestamp::UNIX_EPOCH,
                |v, h| codec::encode_instant_actions(v, h, &[]),
            )
            .unwrap();
        assert_eq!(prepared.topic, "uagv/v2/acme/IGV-1/instantActions");
    }

    #[test]
    fn stale_and_garbage_are_told_apart() {
        let mut r = Registry::new("uagv");
        let idle = VehicleState::idle(90.0);
        let topic = "uagv/v2/acme/IGV-1/state";
        assert!(matches!(
            r.apply(topic, &state(ProtocolVersion::V2, 4, &idle)),
            Applied::Event(_)
        ));
        match r.apply(topic, &state(ProtocolVersion::V2, 4, &idle)) {
            Applied::Stale { reason, .. } => assert!(reason.contains("duplicate"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match r.apply(topic, b"{\"headerId\": 1") {
            Applied::Rejected { reason, .. } => assert!(reason.contains(topic), "{reason}"),
            other => panic!("{other:?}"),
        }
        match r.apply("uagv/v2/acme/IGV-1/order", b"{}") {
            Applied::Rejected { reason, .. } => assert!(reason.contains("order"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match r.apply(
            "other/v2/acme/IGV-1/state",
            &state(ProtocolVersion::V2, 9, &idle),
        ) {
            Applied::Rejected { reason, .. } => assert!(reason.contains("other"), "{reason}"),
            other => panic!("{other:?}"),
        }
        // A cleared retained message is neither garbage nor news.
        assert!(matches!(
            r.apply("uagv/v2/acme/IGV-2/connection", b""),
            Applied::Cleared { .. }
        ));
        // Garbage created no vehicle.
        assert_eq!(r.vehicles(), vec![id()]);
    }

    #[test]
    fn refused_orders_use_no_header_id() {
        let mut r = Registry::new("uagv");
        let now = Timestamp::UNIX_EPOCH;
        let order = OrderTracker::new(id()).build_new_order(
            "o1",
            Node::new("A"),
            vec![(Edge::new("A-B"), Node::new("B"))],
            vec![],
        );
        // The tracker refuses before a state: build through a tracker that has one.
        assert!(order.is_err());
        assert!(matches!(
            r.prepare_order(
                &id(),
                &Order {
                    order_id: "o".into(),
                    order_update_id: 0,
                    nodes: vec![],
                    edges: vec![]
                },
                now
            ),
            Err(BridgeError::UnknownVehicle { .. })
        ));
        r.apply(
            "uagv/v2/acme/IGV-1/state",
            &state(ProtocolVersion::V2, 0, &VehicleState::idle(50.0)),
        );
        let order = r
            .with_tracker(&id(), |t| {
                t.build_new_order(
                    "o1",
                    Node::new("A"),
                    vec![(Edge::new("A-B"), Node::new("B"))],
                    vec![],
                )
            })
            .unwrap()
            .unwrap();
        let bad = Order {
            order_update_id: 3,
            ..order.clone()
        };
        assert!(matches!(
            r.prepare_order(&id(), &bad, now),
            Err(BridgeError::Protocol(_))
        ));
        let (prepared, admission) = r.prepare_order(&id(), &order, now).unwrap();
        assert_eq!(admission, Admission::NewOrder);
        let decoded = codec::decode_order(ProtocolVersion::V2, &prepared.payload).unwrap();
        assert_eq!(decoded.header.header_id, 0);
        assert_eq!((prepared.qos, prepared.retain), (0, false));
    }
}
