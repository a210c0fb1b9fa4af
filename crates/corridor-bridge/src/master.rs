//! VDA 5050 master control for many vehicles on one MQTT connection.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use corridor_vda5050::model::{
    Action, ConnectionState, Edge, Factsheet, Node, Order, Response, VehicleState, ZoneSet,
};
use corridor_vda5050::{
    Admission, Header, OrderTracker, ProtocolVersion, Timestamp, Topic, TopicKind, VehicleId, codec,
};
use rumqttc::Publish;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::error::BridgeError;
use crate::registry::{Applied, Prepared, Registry};
use crate::session::{MqttSettings, Session, qos};

/// What master control tells its owner about the vehicles, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum VehicleEvent {
    /// A fresh `state` message (stale and duplicate ones are dropped before this).
    State {
        /// Who sent it.
        vehicle: VehicleId,
        /// Its header.
        header: Header,
        /// The state, in the versionless model.
        state: Box<VehicleState>,
    },
    /// A `connection` message: `ONLINE`, `OFFLINE`, `HIBERNATING` (3.0), or
    /// `CONNECTION_BROKEN`, which the broker publishes as the vehicle's last will when its
    /// connection drops without a goodbye.
    Connection {
        /// Whose connection.
        vehicle: VehicleId,
        /// Its header (for a last will, the header of the moment the vehicle connected).
        header: Header,
        /// The new connection state.
        state: ConnectionState,
    },
    /// A `factsheet` message.
    Factsheet {
        /// Whose.
        vehicle: VehicleId,
        /// Its header.
        header: Header,
        /// The factsheet, in the versionless model.
        factsheet: Box<Factsheet>,
    },
    /// A message on a subscribed topic that fleet control cannot use: a topic outside the
    /// VDA 5050 scheme, a payload that does not decode, a header that does not match the
    /// topic, a message in another version than the vehicle's session. Logged and counted
    /// as well; the bridge goes on.
    Rejected {
        /// The MQTT topic it arrived on.
        topic: String,
        /// Why, naming the field or topic level.
        reason: String,
    },
}

/// What master control knows about one vehicle (a copy, taken under a lock).
#[derive(Debug, Clone)]
pub struct VehicleInfo {
    /// The vehicle.
    pub vehicle: VehicleId,
    /// The VDA 5050 version of its current session, for display and logs: the bridge
    /// speaks it, nothing else needs to look at it.
    pub version: ProtocolVersion,
    /// The last connection state it (or the broker, for its last will) published.
    pub connection: Option<ConnectionState>,
    /// Its last fresh state.
    pub state: Option<VehicleState>,
    /// The `headerId` of that state.
    pub state_header_id: Option<u32>,
    /// Its factsheet, if it published one.
    pub factsheet: Option<Factsheet>,
    /// Its order bookkeeping: what was sent, what it reported done.
    pub tracker: OrderTracker,
}

/// Counts kept by master control since it connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MasterCounters {
    /// Publishes received on the subscribed topics (empty ones, which clear a retained
    /// message, are counted here and nowhere else).
    pub received: u64,
    /// Fresh, valid messages turned into events.
    pub accepted: u64,
    /// Valid messages dropped as duplicates or out of order.
    pub stale: u64,
    /// Messages that could not be used ([`VehicleEvent::Rejected`]).
    pub rejected: u64,
    /// Messages published to vehicles.
    pub published: u64,
    /// Connections to the broker lost and re-established since the first.
    pub reconnects: u64,
}

/// How master control connects.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MasterConfig {
    /// Broker and client settings.
    pub mqtt: MqttSettings,
    /// The VDA 5050 `interfaceName` topic level, e.g. `uagv`.
    pub interface_name: String,
    /// Capacity of the event channel. When the owner does not keep up, the bridge waits
    /// (and, past the keep-alive, the broker drops the connection): drain it. Default 4096.
    pub event_capacity: usize,
}

impl MasterConfig {
    /// Settings for `interface_name` with the defaults above.
    pub fn new(mqtt: MqttSettings, interface_name: impl Into<String>) -> MasterConfig {
        MasterConfig {
            mqtt,
            interface_name: interface_name.into(),
            event_capacity: 4096,
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    accepted: AtomicU64,
    stale: AtomicU64,
    rejected: AtomicU64,
    published: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    session: Session,
    registry: Mutex<Registry>,
    /// Held from building a message to handing it to the MQTT client, so that messages
    /// leave in the order of their `headerId`s.
    send: tokio::sync::Mutex<()>,
    counts: Arc<Counts>,
}

/// The fleet-control side of VDA 5050 for every vehicle on one `interfaceName`, over one
/// MQTT connection, whatever version (2.x or 3.0) each vehicle speaks.
///
/// - Subscribes `{interfaceName}/+/+/+/state`, `…/connection` and `…/factsheet` (the `+`
///   on the version level takes `v2` and `v3` vehicles alike) and delivers what arrives as
///   [`VehicleEvent`]s, in arrival order.
/// - Keeps per vehicle its version, its header ids in
///   both directions ([`corridor_vda5050::IncomingHeaders`] drops stale and duplicate
///   messages with a logged reason; [`corridor_vda5050::OutgoingHeaders`] numbers what is
///   sent), its connection state, and its [`OrderTracker`].
/// - Sends orders and order updates only when the vehicle's `OrderTracker` allows them:
///   a refusal is returned as an error and nothing is published. Instant actions, zone
///   sets and responses go out in the vehicle's version, or are refused when that version
///   cannot express them. QoS and retained flags are those of
///   [`corridor_vda5050::Topic::qos`] / [`corridor_vda5050::Topic::retained`].
/// - Garbage on any subscribed topic is logged, counted ([`MasterCounters::rejected`]) and
///   reported as [`VehicleEvent::Rejected`]; it never stops the bridge. Lost connections
///   are re-established with back-off and the subscriptions renewed.
///
/// A vehicle's version is the `majorVersion` level of the first valid message heard from
/// it; a vehicle that comes back `ONLINE` on the other level (new firmware) is spoken to in
/// that version from then on, and any other message on the other level is rejected.
///
/// "Sent" means handed to the MQTT client for the broker: QoS 0 (what VDA 5050 prescribes
/// for orders) gives no delivery receipt; the vehicle's state tells what it took.
///
/// Cloning gives another handle to the same connection.
#[derive(Debug, Clone)]
pub struct MasterControl {
    inner: Arc<Inner>,
}

impl MasterControl {
    /// Connects to the broker, subscribes, and returns once the broker has acknowledged
    /// the subscriptions, with the receiver of the vehicle events. The connection lives
    /// until `shutdown` completes (then it sends DISCONNECT and stops).
    ///
    /// # Errors
    /// [`BridgeError::Config`] or [`BridgeError::Protocol`] (an invalid interface name)
    /// for bad settings; [`BridgeError::Connect`] when the broker cannot be reached within
    /// [`MqttSettings::connect_timeout`], refuses the login, or refuses a subscription.
    pub async fn connect(
        config: MasterConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(MasterControl, mpsc::Receiver<VehicleEvent>), BridgeError> {
        if config.event_capacity == 0 {
            return Err(BridgeError::Config {
                field: "event_capacity",
                problem: "must be at least 1".into(),
            });
        }
        let interface = config.interface_name.as_str();
        let subscriptions = [
            TopicKind::State,
            TopicKind::Connection,
            TopicKind::Factsheet,
        ]
        .into_iter()
        .map(|kind| {
            // The version level is a wildcard; checking with one version checks the name.
            Topic::filter_all_vehicles(interface, ProtocolVersion::V2, kind)
                .map(|_| (format!("{interface}/+/+/+/{kind}"), qos(kind.qos())))
        })
        .collect::<Result<Vec<_>, _>>()?;
        let (session, publishes) =
            Session::open(&config.mqtt, "master control", subscriptions, shutdown).await?;
        let (events, events_rx) = mpsc::channel(config.event_capacity);
        let counts = Arc::new(Counts::default());
        let inner = Arc::new(Inner {
            session,
            registry: Mutex::new(Registry::new(interface)),
            send: tokio::sync::Mutex::new(()),
            counts,
        });
        tokio::spawn(handle(Arc::clone(&inner), publishes, events));
        info!(
            interface_name = interface,
            "VDA 5050 master control subscribed"
        );
        Ok((MasterControl { inner }, events_rx))
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.inner.registry)
    }

    async fn publish(&self, prepared: Prepared) -> Result<(), BridgeError> {
        self.inner
            .session
            .publish(
                prepared.topic,
                qos(prepared.qos),
                prepared.retain,
                prepared.payload,
            )
            .await?;
        self.inner.counts.published.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Sends an order or order update after the vehicle's [`OrderTracker`] has admitted it
    /// (new order on an idle vehicle whose previous order is over; update stitched on the
    /// decision point with a higher `orderUpdateId`; identical resend), and records it as
    /// sent.
    ///
    /// # Errors
    /// [`BridgeError::UnknownVehicle`] when nothing was heard from the vehicle yet;
    /// [`BridgeError::Protocol`] with [`corridor_vda5050::Vda5050Error::OrderRefused`]
    /// (the tracker's reason) or an encoding error — in both cases nothing is published
    /// and nothing recorded; [`BridgeError::Connect`] while the broker connection is down;
    /// [`BridgeError::Closed`] after shutdown.
    pub async fn send_order(
        &self,
        vehicle: &VehicleId,
        order: &Order,
    ) -> Result<Admission, BridgeError> {
        let _turn = self.inner.send.lock().await;
        self.ensure_connected()?;
        let (prepared, admission) = self.registry().prepare_order(vehicle, order, now()?)?;
        self.publish(prepared).await?;
        Ok(admission)
    }

    /// Builds a new order with [`OrderTracker::build_new_order`] (the `base` steps released,
    /// the `horizon` not) and sends it as [`MasterControl::send_order`] does. Returns what
    /// was sent.
    ///
    /// # Errors
    /// As [`MasterControl::send_order`].
    pub async fn start_order(
        &self,
        vehicle: &VehicleId,
        order_id: impl Into<String>,
        start: Node,
        base: Vec<(Edge, Node)>,
        horizon: Vec<(Edge, Node)>,
    ) -> Result<Order, BridgeError> {
        let order_id = order_id.into();
        let _turn = self.inner.send.lock().await;
        self.ensure_connected()?;
        let prepared = {
            let mut registry = self.registry();
            let order = registry.with_tracker(vehicle, |t| {
                t.build_new_order(order_id, start, base, horizon)
            })??;
            let (prepared, _) = registry.prepare_order(vehicle, &order, now()?)?;
            (prepared, order)
        };
        self.publish(prepared.0).await?;
        Ok(prepared.1)
    }

    /// Extends the released base of the vehicle's current order: builds the next update
    /// with [`OrderTracker::build_update`] (stitched on the decision point; `base` released,
    /// `horizon` replacing the previous horizon) and sends it. Returns what was sent.
    ///
    /// # Errors
    /// As [`MasterControl::send_order`]; also when the vehicle has no current order.
    pub async fn extend_order(
        &self,
        vehicle: &VehicleId,
        base: Vec<(Edge, Node)>,
        horizon: Vec<(Edge, Node)>,
    ) -> Result<Order, BridgeError> {
        let _turn = self.inner.send.lock().await;
        self.ensure_connected()?;
        let prepared = {
            let mut registry = self.registry();
            let order = registry.with_tracker(vehicle, |t| t.build_update(base, horizon))??;
            let (prepared, _) = registry.prepare_order(vehicle, &order, now()?)?;
            (prepared, order)
        };
        self.publish(prepared.0).await?;
        Ok(prepared.1)
    }

    /// Sends instant actions (`cancelOrder`, `startPause`, `stopPause`, `factsheetRequest`,
    /// `stateRequest`, `initializePosition`, charging, maps, and the 3.0-only ones to 3.0
    /// vehicles) and notes a `cancelOrder` in the vehicle's [`OrderTracker`].
    ///
    /// # Errors
    /// [`BridgeError::UnknownVehicle`]; [`BridgeError::Protocol`] when the vehicle's
    /// version cannot express an action (e.g. `startHibernation` to a 2.x vehicle) —
    /// nothing is published; [`BridgeError::Connect`] / [`BridgeError::Closed`] as for
    /// orders.
    pub async fn send_instant_actions(
        &self,
        vehicle: &VehicleId,
        actions: &[Action],
    ) -> Result<(), BridgeError> {
        let _turn = self.inner.send.lock().await;
        self.ensure_connected()?;
        let prepared = {
            let mut registry = self.registry();
            let prepared =
                registry.prepare(vehicle, TopicKind::InstantActions, now()?, |v, h| {
                    codec::encode_instant_actions(v, h, actions)
                })?;
            registry.with_tracker(vehicle, |t| t.record_instant_actions(actions))?;
            prepared
        };
        self.publish(prepared).await
    }

    /// Sends a zone set (3.0 vehicles only).
    ///
    /// # Errors
    /// As [`MasterControl::send_instant_actions`]; a 2.x vehicle gets
    /// [`BridgeError::Protocol`].
    pub async fn send_zone_set(
        &self,
        vehicle: &VehicleId,
        zone_set: &ZoneSet,
    ) -> Result<(), BridgeError> {
        let _turn = self.inner.send.lock().await;
        self.ensure_connected()?;
        let prepared = self
            .registry()
            .prepare(vehicle, TopicKind::ZoneSet, now()?, |v, h| {
                codec::encode_zone_set(v, h, zone_set)
            })?;
        self.publish(prepared).await
    }

    /// Answers zone and edge requests (3.0 vehicles only).
    ///
    /// # Errors
    /// As [`MasterControl::send_zone_set`].
    pub async fn send_responses(
        &self,
        vehicle: &VehicleId,
        responses: &[Response],
    ) -> Result<(), BridgeError> {
        let _turn = self.inner.send.lock().await;
        self.ensure_connected()?;
        let prepared = self
            .registry()
            .prepare(vehicle, TopicKind::Responses, now()?, |v, h| {
                codec::encode_responses(v, h, responses)
            })?;
        self.publish(prepared).await
    }

    /// Checked before building a message, so that a send refused for want of a connection
    /// consumes no `headerId` and is not recorded in the tracker.
    fn ensure_connected(&self) -> Result<(), BridgeError> {
        self.inner.session.check_open()
    }

    /// Every vehicle heard from, sorted.
    pub fn vehicles(&self) -> Vec<VehicleId> {
        self.registry().vehicles()
    }

    /// A copy of what is known about `vehicle`.
    pub fn vehicle(&self, vehicle: &VehicleId) -> Option<VehicleInfo> {
        self.registry().info(vehicle)
    }

    /// The vehicle's last connection state.
    pub fn connection(&self, vehicle: &VehicleId) -> Option<ConnectionState> {
        self.registry().info(vehicle).and_then(|i| i.connection)
    }

    /// The counts so far.
    pub fn counters(&self) -> MasterCounters {
        let c = &self.inner.counts;
        let status = self.inner.session.status();
        MasterCounters {
            received: status.received.load(Ordering::Relaxed),
            accepted: c.accepted.load(Ordering::Relaxed),
            stale: c.stale.load(Ordering::Relaxed),
            rejected: c.rejected.load(Ordering::Relaxed),
            published: c.published.load(Ordering::Relaxed),
            reconnects: status.reconnects.load(Ordering::Relaxed),
        }
    }

    /// True while connected to the broker.
    pub fn is_connected(&self) -> bool {
        self.inner.session.is_connected()
    }

    /// Completes once the connection has been shut down.
    pub async fn stopped(&self) {
        self.inner.session.stopped().await;
    }
}

/// The wall clock as a VDA 5050 timestamp.
fn now() -> Result<Timestamp, BridgeError> {
    Ok(Timestamp::from_system_time(SystemTime::now())?)
}

/// A poisoned lock means a panic while it was held; the data is plain bookkeeping that
/// each step leaves consistent, so go on with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The handler task: applies every received message to the registry and tells the owner.
/// It ends when the event loop does (after shutdown).
async fn handle(
    inner: Arc<Inner>,
    mut publishes: mpsc::Receiver<Publish>,
    events: mpsc::Sender<VehicleEvent>,
) {
    let mut owner_listening = true;
    while let Some(publish) = publishes.recv().await {
        let applied = lock(&inner.registry).apply(&publish.topic, &publish.payload);
        let event = match applied {
            Applied::Event(event) => {
                inner.counts.accepted.fetch_add(1, Ordering::Relaxed);
                event
            }
            Applied::Stale { topic, reason } => {
                inner.counts.stale.fetch_add(1, Ordering::Relaxed);
                info!(%topic, %reason, "stale VDA 5050 message ignored");
                continue;
            }
            Applied::Cleared { topic } => {
                debug!(%topic, "retained message cleared");
                continue;
            }
            Applied::Rejected { topic, reason } => {
                inner.counts.rejected.fetch_add(1, Ordering::Relaxed);
                warn!(%topic, %reason, "VDA 5050 message rejected");
                VehicleEvent::Rejected { topic, reason }
            }
        };
        if owner_listening && events.send(event).await.is_err() {
            owner_listening = false;
            info!("the vehicle event receiver was dropped; master control keeps tracking");
        }
    }
}
