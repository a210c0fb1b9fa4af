//! The two ways a simulated run carries VDA 5050 between the fleet side and the vehicles:
//!
//! - [`InProcess`]: every message is encoded to the bytes of its version (2.x or 3.0),
//!   with headers numbered as on the wire, and decoded on the other side — the same codec
//!   and rules as over MQTT, without the broker, for a day in seconds;
//! - [`Mqtt`]: through a broker (the embedded one or any other), with [`MasterControl`] on
//!   the fleet side and one [`VehicleLink`] connection per vehicle, exactly as real vehicles
//!   would talk. Each phase waits until every message has arrived, so the virtual clock
//!   stays deterministic.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use corridor_bridge::{
    BrokerUrl, FleetMessage, MasterConfig, MasterControl, MqttSettings, VehicleEvent, VehicleLink,
};
use corridor_fleet::VdaCommand;
use corridor_vda5050::model::ConnectionState;
use corridor_vda5050::{
    Incoming, OutgoingHeaders, ProtocolVersion, Timestamp, Topic, TopicKind, VehicleId, codec,
};
use tokio::sync::mpsc;

use crate::simulation::{FromVehicle, ToVehicle, Transport, version_of};

/// The `interfaceName` level of the topics.
pub const INTERFACE: &str = "uagv";

fn count(counts: &mut BTreeMap<String, u64>, kind: &str) {
    *counts.entry(kind.to_string()).or_default() += 1;
}

fn order_kind(order: &corridor_vda5050::model::Order) -> &'static str {
    if order.order_update_id == 0 {
        "orders"
    } else {
        "order updates"
    }
}

/// One vehicle's end of the in-process wire.
#[derive(Debug)]
struct Wire {
    id: VehicleId,
    version: ProtocolVersion,
    fleet_headers: OutgoingHeaders,
    vehicle_headers: OutgoingHeaders,
    /// The last `connection` message, as the broker would retain it.
    retained: Option<corridor_vda5050::Message<ConnectionState>>,
    /// The vehicle's topics, by [`TopicKind::index`] (`None` where its version has none).
    topics: Vec<Option<Topic>>,
}

impl Wire {
    fn topic(&self, kind: TopicKind) -> Result<&Topic> {
        self.topics[kind.index()]
            .as_ref()
            .with_context(|| format!("{}: no {kind} topic in {:?}", self.id, self.version))
    }
}

/// VDA 5050 through the codec, in process. See the module documentation.
#[derive(Debug)]
pub struct InProcess {
    wires: Vec<Wire>,
    index: HashMap<VehicleId, usize>,
    counts: BTreeMap<String, u64>,
}

impl InProcess {
    /// Wires for `vehicles`, vehicle `k` speaking [`version_of`]`(k)`.
    ///
    /// # Errors
    /// A vehicle identity that cannot name a topic.
    pub fn new(vehicles: &[VehicleId]) -> Result<InProcess> {
        let wires = vehicles
            .iter()
            .enumerate()
            .map(|(k, id)| {
                let topics = TopicKind::ALL
                    .iter()
                    .map(|&kind| {
                        kind.exists_in(version_of(k))
                            .then(|| Topic::new(INTERFACE, version_of(k), id.clone(), kind))
                            .transpose()
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Wire {
                    id: id.clone(),
                    version: version_of(k),
                    fleet_headers: OutgoingHeaders::new(id.clone(), version_of(k)),
                    vehicle_headers: OutgoingHeaders::new(id.clone(), version_of(k)),
                    retained: None,
                    topics,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(InProcess {
            wires,
            index: vehicles
                .iter()
                .enumerate()
                .map(|(k, id)| (id.clone(), k))
                .collect(),
            counts: BTreeMap::new(),
        })
    }
}

impl Transport for InProcess {
    fn name(&self) -> &'static str {
        "in-process"
    }

    async fn connect(&mut self, now: Timestamp) -> Result<Vec<FromVehicle>> {
        let mut out = Vec::new();
        for w in &mut self.wires {
            let header = w.vehicle_headers.next_header(TopicKind::Connection, now);
            let bytes = codec::encode_connection(w.version, &header, ConnectionState::Online)?;
            match codec::decode(w.topic(TopicKind::Connection)?, &bytes)? {
                Incoming::Connection(m) => {
                    w.retained = Some(m.clone());
                    out.push(FromVehicle::Connection(m));
                }
                other => bail!("{}: a connection decoded as {:?}", w.id, other.kind()),
            }
            count(&mut self.counts, "connections");
        }
        Ok(out)
    }

    async fn restart_master(&mut self, _now: Timestamp) -> Result<Vec<FromVehicle>> {
        let mut out = Vec::new();
        for w in &mut self.wires {
            // A new process numbers its messages from the start again.
            w.fleet_headers = OutgoingHeaders::new(w.id.clone(), w.version);
            if let Some(m) = &w.retained {
                count(&mut self.counts, "connections");
                out.push(FromVehicle::Connection(m.clone()));
            }
        }
        Ok(out)
    }

    async fn to_vehicles(
        &mut self,
        commands: Vec<VdaCommand>,
        now: Timestamp,
    ) -> Result<Vec<(usize, ToVehicle)>> {
        let mut out = Vec::with_capacity(commands.len());
        for cmd in commands {
            let (vehicle, kind) = match &cmd {
                VdaCommand::Order { vehicle, .. } => (vehicle, TopicKind::Order),
                VdaCommand::InstantActions { vehicle, .. } => (vehicle, TopicKind::InstantActions),
            };
            let Some(&k) = self.index.get(vehicle) else {
                bail!("a message for {vehicle}, which is not in the fleet");
            };
            let w = &mut self.wires[k];
            let header = w.fleet_headers.next_header(kind, now);
            let bytes = match &cmd {
                VdaCommand::Order { order, .. } => {
                    count(&mut self.counts, order_kind(order));
                    codec::encode_order(w.version, &header, order)?
                }
                VdaCommand::InstantActions { actions, .. } => {
                    count(&mut self.counts, "instant actions");
                    codec::encode_instant_actions(w.version, &header, actions)?
                }
            };
            let message = match codec::decode(w.topic(kind)?, &bytes)? {
                Incoming::Order(m) => ToVehicle::Order(m.body),
                Incoming::InstantActions(m) => ToVehicle::InstantActions(m.body),
                other => bail!("{}: a {kind} decoded as {:?}", w.id, other.kind()),
            };
            out.push((k, message));
        }
        Ok(out)
    }

    async fn to_fleet(
        &mut self,
        states: Vec<(usize, corridor_vda5050::model::VehicleState)>,
        now: Timestamp,
    ) -> Result<Vec<FromVehicle>> {
        let mut out = Vec::with_capacity(states.len());
        for (k, state) in states {
            let w = self
                .wires
                .get_mut(k)
                .with_context(|| format!("a state from vehicle #{k}, which does not exist"))?;
            let header = w.vehicle_headers.next_header(TopicKind::State, now);
            let bytes = codec::encode_state(w.version, &header, &state)?;
            match codec::decode(w.topic(TopicKind::State)?, &bytes)? {
                Incoming::State(m) => out.push(FromVehicle::State(Box::new(m))),
                other => bail!("{}: a state decoded as {:?}", w.id, other.kind()),
            }
            count(&mut self.counts, "states");
        }
        Ok(out)
    }

    fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.clone()
    }
}

/// How long one phase may wait for its messages before the run fails.
const PHASE_TIMEOUT: Duration = Duration::from_secs(10);

/// VDA 5050 over MQTT. See the module documentation.
#[derive(Debug)]
pub struct Mqtt {
    broker: BrokerUrl,
    master: MasterControl,
    events: mpsc::Receiver<VehicleEvent>,
    /// Ends master control's connection when sent (or dropped).
    master_stop: tokio::sync::watch::Sender<bool>,
    /// Master control connections made so far (names the next client).
    masters: u32,
    links: Vec<VehicleLink>,
    inboxes: Vec<mpsc::Receiver<FleetMessage>>,
    index: HashMap<VehicleId, usize>,
    counts: BTreeMap<String, u64>,
    /// Keeps every connection open until dropped.
    _stop: tokio::sync::watch::Sender<bool>,
}

impl Mqtt {
    /// Connects master control and one link per vehicle (vehicle `k` speaking
    /// [`version_of`]`(k)`) to `broker`.
    ///
    /// # Errors
    /// A connection the broker refuses or does not answer.
    pub async fn connect(
        broker: &BrokerUrl,
        vehicles: &[VehicleId],
        now: Timestamp,
    ) -> Result<Mqtt> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (master, events, master_stop) = connect_master(broker, 1).await?;
        let mut links = Vec::with_capacity(vehicles.len());
        let mut inboxes = Vec::with_capacity(vehicles.len());
        for (k, id) in vehicles.iter().enumerate() {
            let settings = MqttSettings::new(
                broker.clone(),
                format!("corridor-sim-{}-{}", std::process::id(), id.serial_number()),
            );
            let (link, inbox) = VehicleLink::connect(
                settings,
                INTERFACE,
                version_of(k),
                id.clone(),
                now,
                shutdown(stopped.clone()),
            )
            .await
            .with_context(|| format!("connecting simulated vehicle {id}"))?;
            links.push(link);
            inboxes.push(inbox);
        }
        Ok(Mqtt {
            broker: broker.clone(),
            master,
            events,
            master_stop,
            masters: 1,
            links,
            inboxes,
            index: vehicles
                .iter()
                .enumerate()
                .map(|(k, id)| (id.clone(), k))
                .collect(),
            counts: BTreeMap::new(),
            _stop: stop,
        })
    }

    /// Connection messages from master control until one per vehicle `counts` has come.
    async fn connections(
        &mut self,
        counts: impl Fn(ConnectionState) -> bool,
    ) -> Result<Vec<FromVehicle>> {
        let mut out = Vec::new();
        let mut counted = 0;
        while counted < self.links.len() {
            match self.next_event().await? {
                VehicleEvent::Connection { header, state, .. } => {
                    counted += usize::from(counts(state));
                    count(&mut self.counts, "connections");
                    out.push(FromVehicle::Connection(corridor_vda5050::Message {
                        header,
                        body: state,
                    }));
                }
                VehicleEvent::Rejected { topic, reason } => tracing::warn!("{topic}: {reason}"),
                _ => {}
            }
        }
        Ok(out)
    }

    /// The next event from master control, within the phase timeout.
    async fn next_event(&mut self) -> Result<VehicleEvent> {
        match tokio::time::timeout(PHASE_TIMEOUT, self.events.recv()).await {
            Ok(Some(e)) => Ok(e),
            Ok(None) => bail!("master control stopped"),
            Err(_) => bail!("no message from the vehicles within {PHASE_TIMEOUT:?}"),
        }
    }
}

/// Waits until a watch channel says stop.
async fn shutdown(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Connects master control (client `corridor-master-{pid}-{n}`); it runs until the returned
/// sender sends `true` or is dropped.
async fn connect_master(
    broker: &BrokerUrl,
    n: u32,
) -> Result<(
    MasterControl,
    mpsc::Receiver<VehicleEvent>,
    tokio::sync::watch::Sender<bool>,
)> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let settings = MqttSettings::new(
        broker.clone(),
        format!("corridor-master-{}-{n}", std::process::id()),
    );
    let mut config = MasterConfig::new(settings, INTERFACE);
    config.event_capacity = 1 << 16;
    let (master, events) = MasterControl::connect(config, shutdown(stopped))
        .await
        .context("connecting VDA 5050 master control")?;
    Ok((master, events, stop))
}

impl Transport for Mqtt {
    fn name(&self) -> &'static str {
        "mqtt"
    }

    async fn connect(&mut self, _now: Timestamp) -> Result<Vec<FromVehicle>> {
        // Every link published ONLINE when it connected; collect them.
        self.connections(|state| state == ConnectionState::Online)
            .await
    }

    async fn restart_master(&mut self, _now: Timestamp) -> Result<Vec<FromVehicle>> {
        // Kill: the old connection goes (what it had not read is lost with it).
        let _ = self.master_stop.send(true);
        self.masters += 1;
        let (master, events, stop) = connect_master(&self.broker, self.masters).await?;
        self.master = master;
        self.events = events;
        self.master_stop = stop;
        // On subscribing, the broker hands over every vehicle's retained connection.
        self.connections(|_| true).await
    }

    async fn to_vehicles(
        &mut self,
        commands: Vec<VdaCommand>,
        _now: Timestamp,
    ) -> Result<Vec<(usize, ToVehicle)>> {
        let mut expected = vec![0usize; self.links.len()];
        for cmd in &commands {
            match cmd {
                VdaCommand::Order { vehicle, order } => {
                    let k = *self
                        .index
                        .get(vehicle)
                        .with_context(|| format!("a message for {vehicle}, not in the fleet"))?;
                    self.master
                        .send_order(vehicle, order)
                        .await
                        .with_context(|| {
                            format!("sending order {} to {vehicle}", order.order_id)
                        })?;
                    count(&mut self.counts, order_kind(order));
                    expected[k] += 1;
                }
                VdaCommand::InstantActions { vehicle, actions } => {
                    let k = *self
                        .index
                        .get(vehicle)
                        .with_context(|| format!("a message for {vehicle}, not in the fleet"))?;
                    self.master
                        .send_instant_actions(vehicle, actions)
                        .await
                        .with_context(|| format!("sending instant actions to {vehicle}"))?;
                    count(&mut self.counts, "instant actions");
                    expected[k] += 1;
                }
            }
        }
        let mut out = Vec::with_capacity(commands.len());
        for (k, &n) in expected.iter().enumerate() {
            for _ in 0..n {
                let msg = match tokio::time::timeout(PHASE_TIMEOUT, self.inboxes[k].recv()).await {
                    Ok(Some(m)) => m,
                    Ok(None) => bail!("{}: the link stopped", self.links[k].vehicle()),
                    Err(_) => bail!(
                        "{}: a message sent did not arrive within {PHASE_TIMEOUT:?}",
                        self.links[k].vehicle()
                    ),
                };
                match msg {
                    FleetMessage::Order(m) => out.push((k, ToVehicle::Order(m.body))),
                    FleetMessage::InstantActions(m) => {
                        out.push((k, ToVehicle::InstantActions(m.body)));
                    }
                    FleetMessage::Rejected { topic, reason } => {
                        bail!("{topic}: the vehicle could not read it: {reason}")
                    }
                }
            }
        }
        Ok(out)
    }

    async fn to_fleet(
        &mut self,
        states: Vec<(usize, corridor_vda5050::model::VehicleState)>,
        now: Timestamp,
    ) -> Result<Vec<FromVehicle>> {
        let n = states.len();
        for (k, state) in &states {
            let link = self
                .links
                .get(*k)
                .with_context(|| format!("a state from vehicle #{k}, which does not exist"))?;
            link.publish_state(state, now)
                .await
                .with_context(|| format!("{}: publishing its state", link.vehicle()))?;
            count(&mut self.counts, "states");
        }
        let mut out = Vec::with_capacity(n);
        let mut got = 0;
        while got < n {
            match self.next_event().await? {
                VehicleEvent::State { header, state, .. } => {
                    got += 1;
                    out.push(FromVehicle::State(Box::new(corridor_vda5050::Message {
                        header,
                        body: *state,
                    })));
                }
                VehicleEvent::Connection { header, state, .. } => {
                    out.push(FromVehicle::Connection(corridor_vda5050::Message {
                        header,
                        body: state,
                    }));
                }
                VehicleEvent::Factsheet { .. } => {}
                VehicleEvent::Rejected { topic, reason } => {
                    bail!("{topic}: master control could not use it: {reason}")
                }
            }
        }
        Ok(out)
    }

    fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.clone()
    }
}
