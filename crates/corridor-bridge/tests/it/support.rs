//! What the socket tests share: a broker per test, the bridge under test, a scripted
//! vehicle speaking VDA 5050 through its own rumqttc client, and a log capture.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corridor_bridge::{
    BrokerConfig, BrokerUrl, EmbeddedBroker, MasterConfig, MasterControl, MqttSettings,
    VehicleEvent, free_port,
};
use corridor_vda5050::model::{ConnectionState, Factsheet, VehicleState};
use corridor_vda5050::{
    Header, Message, OutgoingHeaders, ProtocolVersion, Timestamp, Topic, TopicKind, VehicleId,
    codec,
};
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Packet, Publish, QoS};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something that should arrive in milliseconds: long enough
/// never to fail a correct bridge on a loaded machine, short enough to fail a broken one.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a test listens to be sure that nothing arrives.
pub const QUIET: Duration = Duration::from_millis(300);

static NAMES: AtomicU64 = AtomicU64::new(0);

/// A name unique in this process and across runs (brokers such as Mosquitto keep retained
/// messages between runs).
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}{}x{nanos}x{}",
        std::process::id(),
        NAMES.fetch_add(1, Ordering::Relaxed)
    )
}

/// An embedded broker on a free port.
pub async fn broker() -> EmbeddedBroker {
    let port = free_port().expect("a free port");
    EmbeddedBroker::start(BrokerConfig::new(port))
        .await
        .expect("embedded broker")
}

/// Shutdown for a connection: completes when the sender is used or dropped.
pub fn shutdown() -> (
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}

/// Master control on `url` for `interface_name`, with its event receiver and the
/// sender that shuts it down (dropping it shuts it down too).
pub async fn master(
    url: &BrokerUrl,
    interface_name: &str,
) -> (
    MasterControl,
    mpsc::Receiver<VehicleEvent>,
    oneshot::Sender<()>,
) {
    let (stop, until) = shutdown();
    let settings = MqttSettings::new(url.clone(), unique("master-"));
    let (master, events) =
        MasterControl::connect(MasterConfig::new(settings, interface_name), until)
            .await
            .expect("master control connects");
    (master, events, stop)
}

/// The next event that `pick` accepts; the ones before it are returned too, in order.
pub async fn next_event<T>(
    events: &mut mpsc::Receiver<VehicleEvent>,
    what: &str,
    mut pick: impl FnMut(&VehicleEvent) -> Option<T>,
) -> (T, Vec<VehicleEvent>) {
    let mut skipped = Vec::new();
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("the event channel stays open");
            if let Some(found) = pick(&event) {
                return found;
            }
            skipped.push(event);
        }
    })
    .await;
    match found {
        Ok(found) => (found, skipped),
        Err(_) => panic!("no {what} within {WAIT:?}; events seen: {skipped:#?}"),
    }
}

/// The next state event of `vehicle`.
pub async fn next_state(
    events: &mut mpsc::Receiver<VehicleEvent>,
    vehicle: &VehicleId,
) -> (Header, VehicleState) {
    next_event(events, &format!("state of {vehicle}"), |e| match e {
        VehicleEvent::State {
            vehicle: v,
            header,
            state,
        } if v == vehicle => Some((header.clone(), (**state).clone())),
        _ => None,
    })
    .await
    .0
}

/// The next connection event of `vehicle`.
pub async fn next_connection(
    events: &mut mpsc::Receiver<VehicleEvent>,
    vehicle: &VehicleId,
) -> ConnectionState {
    next_event(events, &format!("connection of {vehicle}"), |e| match e {
        VehicleEvent::Connection {
            vehicle: v, state, ..
        } if v == vehicle => Some(*state),
        _ => None,
    })
    .await
    .0
}

/// A vehicle played by the test: its own rumqttc client, its own header numbering, and
/// the VDA 5050 last will on `connection`, as §6.5 asks.
pub struct ScriptedVehicle {
    pub id: VehicleId,
    pub version: ProtocolVersion,
    interface_name: String,
    client: AsyncClient,
    pump: JoinHandle<()>,
    inbox: mpsc::UnboundedReceiver<Publish>,
    headers: OutgoingHeaders,
}

impl ScriptedVehicle {
    /// Connects with its last will set, subscribes to `order` and `instantActions`, and
    /// announces itself: `connection` ONLINE (retained, QoS 1) and its factsheet
    /// (retained).
    pub async fn connect(
        url: &BrokerUrl,
        interface_name: &str,
        version: ProtocolVersion,
        serial: &str,
    ) -> ScriptedVehicle {
        let id = VehicleId::new("Corridor", serial).expect("vehicle id");
        let mut headers = OutgoingHeaders::new(id.clone(), version);
        let topic = |kind| {
            Topic::new(interface_name, version, id.clone(), kind)
                .expect("topic")
                .to_string()
        };
        // The last will is composed now, with the connection topic's next header.
        let will = codec::encode_connection(
            version,
            &headers.next_header(TopicKind::Connection, now()),
            ConnectionState::ConnectionBroken,
        )
        .expect("last will");
        let mut options = MqttOptions::new(unique("vehicle-"), url.host(), url.port());
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_max_packet_size(1 << 20, 1 << 20)
            .set_last_will(LastWill::new(
                topic(TopicKind::Connection),
                will,
                QoS::AtLeastOnce,
                true,
            ));
        if let Some(user) = url.username() {
            options.set_credentials(user, url.password().unwrap_or_default());
        }
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let (tx, inbox) = mpsc::unbounded_channel();
        let (subscribed_tx, subscribed) = oneshot::channel();
        let pump = tokio::spawn(async move {
            let mut subscribed_tx = Some(subscribed_tx);
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        if tx.send(p).is_err() {
                            return;
                        }
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        if let Some(s) = subscribed_tx.take() {
                            let _ = s.send(());
                        }
                    }
                    Ok(_) => {}
                    // Disconnected (on purpose, or the broker went away): the inbox closes,
                    // and a test still waiting for a message fails there, by name.
                    Err(_) => return,
                }
            }
        });
        client
            .subscribe_many([
                rumqttc::SubscribeFilter::new(topic(TopicKind::Order), QoS::AtMostOnce),
                rumqttc::SubscribeFilter::new(topic(TopicKind::InstantActions), QoS::AtMostOnce),
            ])
            .await
            .expect("subscribe");
        tokio::time::timeout(WAIT, subscribed)
            .await
            .expect("vehicle subscribed in time")
            .expect("vehicle pump alive");
        let mut vehicle = ScriptedVehicle {
            id,
            version,
            interface_name: interface_name.to_owned(),
            client,
            pump,
            inbox,
            headers,
        };
        let online = codec::encode_connection(
            version,
            &vehicle.headers.next_header(TopicKind::Connection, now()),
            ConnectionState::Online,
        )
        .expect("online");
        vehicle.publish(TopicKind::Connection, online).await;
        vehicle
            .publish_factsheet(&crate::fixtures::factsheet())
            .await;
        vehicle
    }

    pub fn topic(&self, kind: TopicKind) -> String {
        Topic::new(
            self.interface_name.clone(),
            self.version,
            self.id.clone(),
            kind,
        )
        .expect("topic")
        .to_string()
    }

    /// Publishes `payload` on its topic `kind` with the QoS and retained flag VDA 5050 gives.
    pub async fn publish(&self, kind: TopicKind, payload: Vec<u8>) {
        let qos = if kind.qos() == 1 {
            QoS::AtLeastOnce
        } else {
            QoS::AtMostOnce
        };
        self.client
            .publish(self.topic(kind), qos, kind.retained(), payload)
            .await
            .expect("vehicle publish");
    }

    /// Publishes raw bytes on any topic.
    pub async fn publish_raw(&self, topic: &str, payload: &[u8]) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
            .await
            .expect("vehicle publish");
    }

    /// Publishes a state with the next header id; returns that id.
    pub async fn publish_state(&mut self, state: &VehicleState) -> u32 {
        let header = self.headers.next_header(TopicKind::State, now());
        let bytes = codec::encode_state(self.version, &header, state).expect("state encodes");
        self.publish(TopicKind::State, bytes).await;
        header.header_id
    }

    /// Publishes a state with a chosen header id (for stale-message tests).
    pub async fn publish_state_with_id(&self, header_id: u32, state: &VehicleState) {
        let header = Header::new(&self.id, self.version, header_id, now());
        let bytes = codec::encode_state(self.version, &header, state).expect("state encodes");
        self.publish(TopicKind::State, bytes).await;
    }

    pub async fn publish_factsheet(&mut self, factsheet: &Factsheet) {
        let header = self.headers.next_header(TopicKind::Factsheet, now());
        let bytes =
            codec::encode_factsheet(self.version, &header, factsheet).expect("factsheet encodes");
        self.publish(TopicKind::Factsheet, bytes).await;
    }

    /// The next message the broker delivers to the vehicle.
    pub async fn next_message(&mut self) -> Publish {
        tokio::time::timeout(WAIT, self.inbox.recv())
            .await
            .unwrap_or_else(|_| panic!("{}: nothing arrived within {WAIT:?}", self.id))
            .expect("vehicle pump alive")
    }

    /// Asserts that nothing arrives for a short while.
    pub async fn expect_quiet(&mut self) {
        if let Ok(Some(p)) = tokio::time::timeout(QUIET, self.inbox.recv()).await {
            panic!(
                "{}: expected nothing, got `{}`: {}",
                self.id,
                p.topic,
                String::from_utf8_lossy(&p.payload)
            );
        }
    }

    /// The next order, decoded in the vehicle's version (which checks its schema rules),
    /// with the MQTT flags it arrived with.
    pub async fn next_order(&mut self) -> (Publish, Message<corridor_vda5050::model::Order>) {
        let p = self.next_message().await;
        assert_eq!(p.topic, self.topic(TopicKind::Order), "expected an order");
        let order = codec::decode_order(self.version, &p.payload).expect("order decodes");
        (p, order)
    }

    /// The next instant actions, decoded.
    pub async fn next_instant_actions(
        &mut self,
    ) -> (Publish, Message<Vec<corridor_vda5050::model::Action>>) {
        let p = self.next_message().await;
        assert_eq!(p.topic, self.topic(TopicKind::InstantActions));
        let actions =
            codec::decode_instant_actions(self.version, &p.payload).expect("actions decode");
        (p, actions)
    }

    /// Sends OFFLINE and disconnects cleanly (§6.5).
    pub async fn go_offline(mut self) {
        let offline = codec::encode_connection(
            self.version,
            &self.headers.next_header(TopicKind::Connection, now()),
            ConnectionState::Offline,
        )
        .expect("offline");
        self.publish(TopicKind::Connection, offline).await;
        self.client.disconnect().await.expect("disconnect");
        // The pump ends with an error once the broker closes; do not wait for it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.pump.abort();
    }

    /// Cuts the network connection without a goodbye: the socket closes, the broker
    /// publishes the last will.
    pub fn lose_connection(self) {
        self.pump.abort();
    }
}

/// The retained message on `topic`, if the broker holds one: what a client subscribing
/// now receives at once.
pub async fn retained_on(url: &BrokerUrl, topic: &str) -> Option<Publish> {
    let mut options = MqttOptions::new(unique("late-"), url.host(), url.port());
    options.set_keep_alive(Duration::from_secs(5));
    if let Some(user) = url.username() {
        options.set_credentials(user, url.password().unwrap_or_default());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    client
        .subscribe(topic, QoS::AtLeastOnce)
        .await
        .expect("queue");
    let subscribed = async {
        loop {
            match eventloop.poll().await.expect("late subscriber connects") {
                Event::Incoming(Packet::SubAck(_)) => break,
                Event::Incoming(Packet::Publish(p)) => return Some(p),
                _ => {}
            }
        }
        None
    };
    if let Some(p) = tokio::time::timeout(WAIT, subscribed)
        .await
        .expect("subscribed")
    {
        return Some(p);
    }
    let next = async {
        loop {
            if let Ok(Event::Incoming(Packet::Publish(p))) = eventloop.poll().await {
                return p;
            }
        }
    };
    tokio::time::timeout(QUIET, next).await.ok()
}

/// Clears retained messages on `topics` (external brokers keep them across runs).
pub async fn clear_retained(url: &BrokerUrl, topics: &[String]) {
    let mut options = MqttOptions::new(unique("cleaner-"), url.host(), url.port());
    options.set_keep_alive(Duration::from_secs(5));
    if let Some(user) = url.username() {
        options.set_credentials(user, url.password().unwrap_or_default());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    for topic in topics {
        client
            .publish(topic.clone(), QoS::AtLeastOnce, true, Vec::new())
            .await
            .expect("queue");
    }
    client.disconnect().await.expect("queue");
    let drain = async {
        while let Ok(event) = eventloop.poll().await {
            if let Event::Outgoing(rumqttc::Outgoing::Disconnect) = event {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(WAIT, drain).await;
}

pub fn now() -> Timestamp {
    Timestamp::from_system_time(std::time::SystemTime::now()).expect("clock within range")
}

/// Captures what `tracing` writes on this thread (current-thread runtimes run the
/// bridge's tasks on the test's thread).
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(self.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
