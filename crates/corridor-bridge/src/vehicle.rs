//! The vehicle side of VDA 5050 on one MQTT connection: what a (simulated or real) vehicle
//! needs to talk to fleet control.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use corridor_vda5050::model::{Action, ConnectionState, Factsheet, Order, VehicleState};
use corridor_vda5050::{
    Header, Message, OutgoingHeaders, ProtocolVersion, Timestamp, Topic, TopicKind, Vda5050Error,
    VehicleId, codec,
};
use rumqttc::{LastWill, Publish};
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::error::BridgeError;
use crate::session::{Hooks, MqttSettings, Session, qos};

/// What fleet control sent this vehicle, decoded in the vehicle's version, in arrival
/// order.
///
/// Nothing is filtered by `headerId`: the header is handed on so that the vehicle can apply
/// its own rules (an order update with a lower `orderUpdateId` is the vehicle's business).
#[derive(Debug, Clone, PartialEq)]
pub enum FleetMessage {
    /// An order or order update, checked with [`Order::validate`] and, for 2.x, for edges
    /// naming their neighbouring nodes.
    Order(Message<Order>),
    /// Instant actions.
    InstantActions(Message<Vec<Action>>),
    /// A publish that did not decode: malformed JSON, a schema rule broken, a header of
    /// another version or another vehicle, an empty payload. Logged with `tracing::warn!`
    /// and counted in [`VehicleLinkCounters::rejected`]; the link goes on.
    Rejected {
        /// The MQTT topic it arrived on.
        topic: String,
        /// Why, naming the field or the topic.
        reason: String,
    },
}

/// Counts kept by a [`VehicleLink`] since it connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VehicleLinkCounters {
    /// Publishes received from the broker on `order` and `instantActions`.
    pub received: u64,
    /// Of those, the ones that did not decode ([`FleetMessage::Rejected`]).
    pub rejected: u64,
    /// Messages handed to the MQTT client by this link: state, factsheet, connection
    /// (including the ONLINE announcements after reconnecting; not the last will, which
    /// the broker publishes).
    pub published: u64,
    /// Connections to the broker lost and re-established since the first.
    pub reconnects: u64,
}

/// The header counters and what the link re-uses without a caller: shared with the
/// session's last-will hook, locked only for short, non-blocking steps.
#[derive(Debug)]
struct Wire {
    headers: OutgoingHeaders,
    /// The last timestamp a caller gave: stamps the renewed last will and the
    /// re-announcement after a reconnection.
    latest: Timestamp,
    /// The last connection state published (ONLINE after `connect`): what a reconnection
    /// announces again.
    announced: ConnectionState,
}

#[derive(Debug, Default)]
struct Counts {
    rejected: AtomicU64,
    published: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    session: Session,
    vehicle: VehicleId,
    version: ProtocolVersion,
    /// The `connection` topic; the others are its siblings.
    topic: Topic,
    wire: Arc<Mutex<Wire>>,
    /// Held from building a message to handing it to the MQTT client, so that messages
    /// leave in the order of their `headerId`s.
    send: tokio::sync::Mutex<()>,
    counts: Counts,
}

/// One vehicle's VDA 5050 connection to the broker: the counterpart of
/// [`crate::MasterControl`], used by the simulator's vehicles (and usable by a real one).
///
/// - Topics are `{interfaceName}/{v2|v3}/{manufacturer}/{serialNumber}/{topic}`, in the
///   version given to [`VehicleLink::connect`]; every message is encoded in that version
///   and stamped with a header from one [`OutgoingHeaders`] (one `headerId` counter per
///   topic, +1 per message, starting at 0). Ids leave in order: a lock is held from
///   building a message to handing it to the MQTT client. A message refused before it is
///   handed over (by the encoder, or for want of a connection) consumes no id.
/// - QoS and retained flags are those of [`Topic::qos`] / [`Topic::retained`]:
///   `connection` and `factsheet` retained, `connection` at QoS 1, the rest at QoS 0.
/// - The last will (§6.5) is `connection` `CONNECTION_BROKEN`, retained, QoS 1, composed
///   with the next `connection` header when each connection is made (the first in
///   `connect`, a fresh one before every reconnection): when the socket closes without a
///   DISCONNECT, the broker publishes it.
/// - After a lost connection the link reconnects with back-off, subscribes again, and,
///   once the broker has acknowledged the subscriptions (so that an order sent in answer is
///   not missed), publishes again the last connection state it announced (ONLINE unless
///   the caller published another), as a real vehicle does.
/// - What arrives on `order` and `instantActions` is decoded in a task and delivered as
///   [`FleetMessage`]s; garbage becomes [`FleetMessage::Rejected`], never a panic or an
///   end of the link.
///
/// "Published" means handed to the MQTT client for the broker: QoS 0 (what VDA 5050
/// prescribes for `state`) gives no delivery receipt.
///
/// Cloning gives another handle to the same connection. It lives until the shutdown
/// future given to [`VehicleLink::connect`] completes (or [`VehicleLink::cut_connection`]),
/// whether or not handles remain.
#[derive(Debug, Clone)]
pub struct VehicleLink {
    inner: Arc<Inner>,
}

impl VehicleLink {
    /// Capacity of the [`FleetMessage`] channel. When the receiver does not keep up, the
    /// decoding task waits, then the connection's event loop (after its own buffer of 1,024
    /// publishes), and past 1.5 × [`MqttSettings::keep_alive`] the broker drops the
    /// connection (the last will fires, the link reconnects): drain it. Dropping the
    /// receiver is allowed: the link keeps running, decoding and counting.
    pub const FLEET_MESSAGE_CAPACITY: usize = 4096;

    /// Connects as `vehicle` speaking `version` on `interface_name`, with the last will
    /// set; subscribes `order` and `instantActions` (QoS 0) and returns only after the
    /// broker has acknowledged them, so nothing sent to the vehicle afterwards is missed;
    /// then publishes `connection` ONLINE. Returns the handle and the receiver of what
    /// fleet control sends (capacity [`VehicleLink::FLEET_MESSAGE_CAPACITY`]).
    ///
    /// `now` stamps the headers of the will and of ONLINE (a simulator passes its virtual
    /// clock, a real vehicle the wall clock). The connection lives until `shutdown`
    /// completes; then the client sends DISCONNECT (so the broker discards the will) and
    /// its tasks end. Publish OFFLINE first with [`VehicleLink::go_offline`] for a clean
    /// goodbye.
    ///
    /// # Errors
    /// [`BridgeError::Config`] for bad settings; [`BridgeError::Protocol`] for an invalid
    /// interface name or vehicle id topic level; [`BridgeError::Connect`] when the broker
    /// cannot be reached within [`MqttSettings::connect_timeout`], refuses the login or a
    /// subscription, or the connection drops before ONLINE is handed over.
    pub async fn connect(
        settings: MqttSettings,
        interface_name: &str,
        version: ProtocolVersion,
        vehicle: VehicleId,
        now: Timestamp,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(VehicleLink, mpsc::Receiver<FleetMessage>), BridgeError> {
        let topic = Topic::new(
            interface_name,
            version,
            vehicle.clone(),
            TopicKind::Connection,
        )?;
        let subscriptions = [TopicKind::Order, TopicKind::InstantActions]
            .into_iter()
            .map(|kind| {
                let t = topic.sibling(kind)?;
                Ok((t.to_string(), qos(t.qos())))
            })
            .collect::<Result<Vec<_>, Vda5050Error>>()?;
        let wire = Arc::new(Mutex::new(Wire {
            headers: OutgoingHeaders::new(vehicle.clone(), version),
            latest: now,
            announced: ConnectionState::Online,
        }));
        let will = {
            let wire = Arc::clone(&wire);
            let topic = topic.clone();
            Box::new(move || last_will(&wire, &topic))
        };
        let (session, publishes) = Session::open_with(
            &settings,
            "vehicle link",
            subscriptions,
            Hooks { will: Some(will) },
            shutdown,
        )
        .await?;
        let inner = Arc::new(Inner {
            session,
            vehicle,
            version,
            topic,
            wire,
            send: tokio::sync::Mutex::new(()),
            counts: Counts::default(),
        });
        let link = VehicleLink { inner };
        // Announce before anything else can be queued, then watch for reconnections.
        if let Err(error) = link
            .publish_connection_state(ConnectionState::Online, now)
            .await
        {
            // No half-open link left behind (the broker publishes the will).
            link.inner.session.abort();
            return Err(error);
        }
        let (messages, messages_rx) = mpsc::channel(VehicleLink::FLEET_MESSAGE_CAPACITY);
        tokio::spawn(decode_all(link.clone(), publishes, messages));
        tokio::spawn(reannounce(link.clone(), link.inner.session.subscribed()));
        info!(vehicle = %link.inner.vehicle, %version, interface_name,
            "VDA 5050 vehicle link online");
        Ok((link, messages_rx))
    }

    /// Publishes a `state` (QoS 0, not retained) with the next `state` header; returns its
    /// `headerId`.
    ///
    /// # Errors
    /// [`BridgeError::Protocol`] when the state cannot be encoded in the link's version
    /// (nothing published, no id consumed); [`BridgeError::Connect`] while reconnecting
    /// (nothing published, no id consumed: send a fresh state once connected);
    /// [`BridgeError::Closed`] after shutdown.
    pub async fn publish_state(
        &self,
        state: &VehicleState,
        now: Timestamp,
    ) -> Result<u32, BridgeError> {
        self.publish(TopicKind::State, now, |v, h| {
            codec::encode_state(v, h, state)
        })
        .await
    }

    /// Publishes the `factsheet` (retained, QoS 0) with the next `factsheet` header.
    ///
    /// # Errors
    /// As [`VehicleLink::publish_state`].
    pub async fn publish_factsheet(
        &self,
        factsheet: &Factsheet,
        now: Timestamp,
    ) -> Result<(), BridgeError> {
        self.publish(TopicKind::Factsheet, now, |v, h| {
            codec::encode_factsheet(v, h, factsheet)
        })
        .await
        .map(drop)
    }

    /// Publishes `connection` (retained, QoS 1) with `state`: `ONLINE`, `OFFLINE`, or
    /// (3.0) `HIBERNATING`. The state is remembered and published again after every
    /// reconnection.
    ///
    /// # Errors
    /// [`BridgeError::Refused`] for `CONNECTION_BROKEN`, which only the broker publishes
    /// (the last will); [`BridgeError::Protocol`] for `HIBERNATING` on a 2.x link; otherwise
    /// as [`VehicleLink::publish_state`].
    pub async fn publish_connection(
        &self,
        state: ConnectionState,
        now: Timestamp,
    ) -> Result<(), BridgeError> {
        if state == ConnectionState::ConnectionBroken {
            return Err(BridgeError::Refused {
                vehicle: self.inner.vehicle.clone(),
                reason: "CONNECTION_BROKEN is the last will, published by the broker; \
                         a vehicle does not publish it itself"
                    .into(),
            });
        }
        self.publish_connection_state(state, now).await
    }

    /// Publishes `connection` OFFLINE, the clean goodbye of §6.5; then complete the
    /// shutdown future given to [`VehicleLink::connect`]: the DISCONNECT that follows is
    /// written after OFFLINE, and makes the broker discard the last will. Should the
    /// connection drop before that, the link announces OFFLINE again after reconnecting.
    ///
    /// # Errors
    /// As [`VehicleLink::publish_state`].
    pub async fn go_offline(&self, now: Timestamp) -> Result<(), BridgeError> {
        self.publish_connection_state(ConnectionState::Offline, now)
            .await
    }

    /// Closes the socket at once, without OFFLINE and without DISCONNECT, as a vehicle
    /// that loses power does: the broker publishes the last will (`CONNECTION_BROKEN`).
    /// The link does not reconnect; publishing afterwards gives [`BridgeError::Closed`],
    /// the [`FleetMessage`] channel closes, and [`VehicleLink::stopped`] completes. For
    /// fault injection in the simulator and for tests.
    pub fn cut_connection(&self) {
        warn!(vehicle = %self.inner.vehicle, "vehicle link cut without a goodbye");
        self.inner.session.abort();
    }

    /// The vehicle this link speaks for.
    pub fn vehicle(&self) -> &VehicleId {
        &self.inner.vehicle
    }

    /// The VDA 5050 version the link speaks (the `majorVersion` level of its topics).
    pub fn version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// The MQTT topic of `kind` for this vehicle, e.g. `uagv/v2/Corridor/IGV-07/order`.
    ///
    /// # Errors
    /// [`BridgeError::Protocol`] for a topic the link's version does not have (`zoneSet`
    /// and `responses` on 2.x).
    pub fn topic(&self, kind: TopicKind) -> Result<String, BridgeError> {
        Ok(self.inner.topic.sibling(kind)?.to_string())
    }

    /// The counts so far.
    pub fn counters(&self) -> VehicleLinkCounters {
        let status = self.inner.session.status();
        VehicleLinkCounters {
            received: status.received.load(Ordering::Relaxed),
            rejected: self.inner.counts.rejected.load(Ordering::Relaxed),
            published: self.inner.counts.published.load(Ordering::Relaxed),
            reconnects: status.reconnects.load(Ordering::Relaxed),
        }
    }

    /// True while connected to the broker.
    pub fn is_connected(&self) -> bool {
        self.inner.session.is_connected()
    }

    /// Completes once the connection has ended (shutdown or
    /// [`VehicleLink::cut_connection`]).
    pub async fn stopped(&self) {
        self.inner.session.stopped().await;
    }

    async fn publish_connection_state(
        &self,
        state: ConnectionState,
        now: Timestamp,
    ) -> Result<(), BridgeError> {
        self.publish(TopicKind::Connection, now, |v, h| {
            codec::encode_connection(v, h, state)
        })
        .await?;
        lock(&self.inner.wire).announced = state;
        Ok(())
    }

    /// Numbers, encodes and hands over one message; returns its `headerId`.
    async fn publish(
        &self,
        kind: TopicKind,
        now: Timestamp,
        encode: impl FnOnce(ProtocolVersion, &Header) -> Result<Vec<u8>, Vda5050Error>,
    ) -> Result<u32, BridgeError> {
        let inner = &self.inner;
        let topic = inner.topic.sibling(kind)?;
        let _turn = inner.send.lock().await;
        // Checked before numbering, so that a refused send consumes no headerId.
        inner.session.check_open()?;
        let (header_id, payload) = {
            let mut wire = lock(&inner.wire);
            let mut headers = wire.headers.clone();
            let header = headers.next_header(kind, now);
            let payload = encode(inner.version, &header)?;
            wire.headers = headers;
            wire.latest = now;
            (header.header_id, payload)
        };
        inner
            .session
            .publish(
                topic.to_string(),
                qos(topic.qos()),
                topic.retained(),
                payload,
            )
            .await?;
        inner.counts.published.fetch_add(1, Ordering::Relaxed);
        Ok(header_id)
    }
}

/// The last will: `connection` CONNECTION_BROKEN with the next `connection` header, stamped
/// with the latest time a caller gave.
fn last_will(wire: &Mutex<Wire>, topic: &Topic) -> Result<LastWill, BridgeError> {
    let mut wire = lock(wire);
    let version = topic.version();
    let mut headers = wire.headers.clone();
    let header = headers.next_header(TopicKind::Connection, wire.latest);
    let payload = codec::encode_connection(version, &header, ConnectionState::ConnectionBroken)?;
    wire.headers = headers;
    Ok(LastWill::new(
        topic.to_string(),
        payload,
        qos(topic.qos()),
        topic.retained(),
    ))
}

/// A poisoned lock means a panic while it was held; the data is plain bookkeeping that
/// each step leaves consistent, so go on with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The decoding task: turns every publish into a [`FleetMessage`]. It ends when the event
/// loop does.
async fn decode_all(
    link: VehicleLink,
    mut publishes: mpsc::Receiver<Publish>,
    messages: mpsc::Sender<FleetMessage>,
) {
    let inner = &link.inner;
    let topics: Vec<(String, Topic)> = [TopicKind::Order, TopicKind::InstantActions]
        .into_iter()
        .filter_map(|kind| inner.topic.sibling(kind).ok())
        .map(|t| (t.to_string(), t))
        .collect();
    let mut owner_listening = true;
    while let Some(publish) = publishes.recv().await {
        let message = decode(&publish, &topics);
        if let FleetMessage::Rejected { topic, reason } = &message {
            inner.counts.rejected.fetch_add(1, Ordering::Relaxed);
            warn!(vehicle = %inner.vehicle, %topic, %reason, "message from fleet control rejected");
        }
        if owner_listening && messages.send(message).await.is_err() {
            owner_listening = false;
            info!(vehicle = %inner.vehicle,
                "the fleet message receiver was dropped; the vehicle link keeps running");
        }
    }
}

/// Decodes one publish; `topics` are the subscribed ones, by name.
fn decode(publish: &Publish, topics: &[(String, Topic)]) -> FleetMessage {
    let rejected = |reason: String| FleetMessage::Rejected {
        topic: publish.topic.clone(),
        reason,
    };
    let topic = topics
        .iter()
        .find_map(|(name, topic)| (*name == publish.topic).then_some(topic));
    let Some(topic) = topic else {
        return rejected("not the `order` or `instantActions` topic of this vehicle".into());
    };
    if publish.payload.is_empty() {
        return rejected("empty payload".into());
    }
    match codec::decode(topic, &publish.payload) {
        Ok(codec::Incoming::Order(message)) => FleetMessage::Order(message),
        Ok(codec::Incoming::InstantActions(message)) => FleetMessage::InstantActions(message),
        Ok(other) => rejected(format!("unexpected `{}` message", other.kind())),
        Err(error) => rejected(error.to_string()),
    }
}

/// After every reconnection (once the subscriptions are renewed), publishes the last
/// announced connection state again. Ends when the event loop does.
async fn reannounce(link: VehicleLink, mut subscribed: watch::Receiver<u64>) {
    let mut seen = 1;
    loop {
        let count = *subscribed.borrow_and_update();
        if count > seen {
            seen = count;
            let (state, now) = {
                let wire = lock(&link.inner.wire);
                (wire.announced, wire.latest)
            };
            match link.publish_connection_state(state, now).await {
                Ok(()) => info!(vehicle = %link.inner.vehicle, ?state,
                    "reconnected; connection state announced again"),
                Err(error) => warn!(vehicle = %link.inner.vehicle, %error,
                    "reconnected, but the connection state could not be announced"),
            }
        }
        if subscribed.changed().await.is_err() {
            break;
        }
    }
}
