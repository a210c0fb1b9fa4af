//! One MQTT connection: the rumqttc event loop in a task that reconnects, resubscribes after
//! every reconnection, hands received publishes to a handler task through a channel, and
//! ends on the shutdown future. Used by [`crate::MasterControl`], [`crate::OperatorApi`] and
//! [`crate::VehicleLink`] (which adds a last will, renewed for every connection, and
//! re-announces itself after every resubscription: see [`Hooks`]).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, LastWill, MqttOptions, Outgoing, Packet,
    Publish, QoS, SubscribeReasonCode,
};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info, warn};

use crate::error::BridgeError;
use crate::url::{BrokerUrl, Scheme};

/// How to reach the broker: shared by [`crate::MasterControl`] and [`crate::OperatorApi`].
///
/// Build it with [`MqttSettings::new`] and change the fields you need.
#[derive(Clone)]
#[non_exhaustive]
pub struct MqttSettings {
    /// The broker, with the username and password to log in with, if any.
    pub broker: BrokerUrl,
    /// The MQTT client id; must be unique on the broker (a second client with the same id
    /// disconnects the first).
    pub client_id: String,
    /// MQTT keep-alive: the broker declares the client gone after 1.5 times this without
    /// traffic. At least one second. Default 10 s.
    pub keep_alive: Duration,
    /// Largest packet sent or accepted, in bytes. Default 1 MiB.
    pub max_packet_size: usize,
    /// How long [`crate::MasterControl::connect`] / [`crate::OperatorApi::connect`] try to
    /// connect and subscribe before giving up. Default 10 s.
    pub connect_timeout: Duration,
    /// Capacity of the channel between the API and the MQTT event loop (publishes waiting to
    /// be written). Default 1024.
    pub request_capacity: usize,
    /// With `mqtts://`: the CA certificate(s), PEM, that signed the broker's certificate.
    #[cfg(feature = "tls")]
    pub ca_pem: Option<Vec<u8>>,
}

impl MqttSettings {
    /// Settings for `broker` with client id `client_id` and the defaults above.
    pub fn new(broker: BrokerUrl, client_id: impl Into<String>) -> MqttSettings {
        MqttSettings {
            broker,
            client_id: client_id.into(),
            keep_alive: Duration::from_secs(10),
            max_packet_size: 1 << 20,
            connect_timeout: Duration::from_secs(10),
            request_capacity: 1024,
            #[cfg(feature = "tls")]
            ca_pem: None,
        }
    }

    /// The rumqttc options, after checking every field.
    pub(crate) fn options(&self) -> Result<MqttOptions, BridgeError> {
        let config = |field: &'static str, problem: String| BridgeError::Config { field, problem };
        if self.client_id.is_empty() {
            return Err(config("client_id", "must not be empty".into()));
        }
        if self.keep_alive < Duration::from_secs(1) {
            return Err(config(
                "keep_alive",
                format!(
                    "{:?} is below one second, the smallest keep-alive MQTT can carry",
                    self.keep_alive
                ),
            ));
        }
        if self.max_packet_size < 1024 {
            return Err(config(
                "max_packet_size",
                format!(
                    "{} bytes is too small for any VDA 5050 message",
                    self.max_packet_size
                ),
            ));
        }
        if self.request_capacity == 0 {
            return Err(config("request_capacity", "must be at least 1".into()));
        }
        if self.connect_timeout.is_zero() {
            return Err(config("connect_timeout", "must be longer than zero".into()));
        }
        let url = &self.broker;
        let mut options = MqttOptions::new(self.client_id.clone(), url.host(), url.port());
        options
            .set_keep_alive(self.keep_alive)
            .set_max_packet_size(self.max_packet_size, self.max_packet_size)
            .set_clean_session(true);
        if let Some(user) = url.username() {
            options.set_credentials(user, url.password().unwrap_or_default());
        }
        match url.scheme() {
            Scheme::Mqtt => {}
            #[cfg(feature = "tls")]
            Scheme::Mqtts => {
                let Some(ca) = self.ca_pem.clone() else {
                    return Err(config(
                        "ca_pem",
                        format!("{url} uses TLS: give the broker's CA certificate (PEM)"),
                    ));
                };
                options.set_transport(rumqttc::Transport::tls(ca, None, None));
            }
            #[cfg(not(feature = "tls"))]
            Scheme::Mqtts => {
                return Err(BridgeError::InvalidBrokerUrl {
                    url: url.to_string(),
                    part: "scheme",
                    problem: "mqtts needs the `tls` feature of corridor-bridge".into(),
                });
            }
        }
        Ok(options)
    }
}

impl std::fmt::Debug for MqttSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttSettings")
            .field("broker", &self.broker)
            .field("client_id", &self.client_id)
            .field("keep_alive", &self.keep_alive)
            .field("max_packet_size", &self.max_packet_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_capacity", &self.request_capacity)
            .finish_non_exhaustive()
    }
}

/// What the event loop task shares with the API side.
#[derive(Debug, Default)]
pub(crate) struct Status {
    /// True between a CONNACK and the next connection error.
    pub connected: AtomicBool,
    /// Publishes received from the broker.
    pub received: AtomicU64,
    /// Connections lost after the first one was made.
    pub reconnects: AtomicU64,
    /// The last connection error, for error messages.
    pub last_error: Mutex<Option<String>>,
}

impl Status {
    fn set_last_error(&self, error: String) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = Some(error);
        }
    }

    fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|slot| slot.clone())
    }
}

/// Composes the MQTT last will for the next connection.
pub(crate) type WillFn = Box<dyn FnMut() -> Result<LastWill, BridgeError> + Send>;

/// What a connection may add to the plain session (none of it is used by master control or
/// the operator API, whose sessions behave as without hooks).
#[derive(Default)]
pub(crate) struct Hooks {
    /// The last will: composed once before the first connection (an error there fails
    /// [`Session::open_with`]) and again after every lost connection, before reconnecting,
    /// so that each connection carries a will composed when it was made. A failure on
    /// renewal is logged and the previous will kept.
    pub will: Option<WillFn>,
}

/// An open connection, seen from the API side.
#[derive(Debug)]
pub(crate) struct Session {
    client: AsyncClient,
    status: Arc<Status>,
    stopped: watch::Receiver<bool>,
    /// How many connections have had their subscriptions acknowledged: 1 once `open`
    /// returns, one more after each reconnection's SUBACK.
    subscribed: watch::Receiver<u64>,
    task: tokio::task::AbortHandle,
    broker: String,
    what: &'static str,
}

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const CHANNEL: usize = 1024;

impl Session {
    /// Connects, subscribes to `subscriptions`, and returns once the broker has
    /// acknowledged the subscriptions (so nothing published after this is missed), with
    /// the receiving end of the publishes that arrive.
    pub(crate) async fn open(
        settings: &MqttSettings,
        what: &'static str,
        subscriptions: Vec<(String, QoS)>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(Session, mpsc::Receiver<Publish>), BridgeError> {
        Session::open_with(settings, what, subscriptions, Hooks::default(), shutdown).await
    }

    /// [`Session::open`] with [`Hooks`].
    pub(crate) async fn open_with(
        settings: &MqttSettings,
        what: &'static str,
        subscriptions: Vec<(String, QoS)>,
        mut hooks: Hooks,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(Session, mpsc::Receiver<Publish>), BridgeError> {
        let mut options = settings.options()?;
        if let Some(will) = hooks.will.as_mut() {
            options.set_last_will(will()?);
        }
        let broker = settings.broker.to_string();
        let (client, mut eventloop) = AsyncClient::new(options, settings.request_capacity);
        // Small messages leave at once: without TCP_NODELAY, Nagle's algorithm and the
        // peer's delayed ACK hold a publish that follows another for up to 40 ms.
        let mut network = eventloop.network_options();
        network.set_tcp_nodelay(true);
        eventloop.set_network_options(network);
        let status = Arc::new(Status::default());
        let (publish_tx, publish_rx) = mpsc::channel(CHANNEL);
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stopped_tx, stopped) = watch::channel(false);
        let (subscribed_tx, subscribed) = watch::channel(0);
        let task = tokio::spawn(run(
            Loop {
                eventloop,
                client: client.clone(),
                subscriptions,
                publishes: publish_tx,
                status: Arc::clone(&status),
                ready: Some(ready_tx),
                subscribed: subscribed_tx,
                will: hooks.will,
                broker: broker.clone(),
                what,
            },
            shutdown,
            stopped_tx,
        ));
        let outcome = tokio::time::timeout(settings.connect_timeout, ready_rx).await;
        let failure = match outcome {
            Ok(Ok(Ok(()))) => None,
            Ok(Ok(Err(reason))) => Some(reason),
            // The task ended without a word: the shutdown future completed first.
            Ok(Err(_)) => Some("shut down before the connection was made".to_owned()),
            Err(_) => Some(format!(
                "no connection within {:?}: {}",
                settings.connect_timeout,
                status
                    .last_error()
                    .unwrap_or_else(|| "the broker did not answer".to_owned())
            )),
        };
        if let Some(reason) = failure {
            task.abort();
            return Err(BridgeError::Connect { broker, reason });
        }
        Ok((
            Session {
                client,
                status,
                stopped,
                subscribed,
                task: task.abort_handle(),
                broker,
                what,
            },
            publish_rx,
        ))
    }

    /// Queues a publish. Refused while the connection is down (the caller decides whether
    /// to try again with fresher information) and after shutdown.
    pub(crate) async fn publish(
        &self,
        topic: String,
        qos: QoS,
        retain: bool,
        payload: Vec<u8>,
    ) -> Result<(), BridgeError> {
        self.check_open()?;
        self.client
            .publish(topic, qos, retain, payload)
            .await
            .map_err(|_| BridgeError::Closed { what: self.what })
    }

    /// `Ok` while connected; [`BridgeError::Connect`] while reconnecting,
    /// [`BridgeError::Closed`] after shutdown.
    pub(crate) fn check_open(&self) -> Result<(), BridgeError> {
        // The sender is gone when the event loop task was aborted ([`Session::abort`]).
        if *self.stopped.borrow() || self.stopped.has_changed().is_err() {
            return Err(BridgeError::Closed { what: self.what });
        }
        if !self.status.connected.load(Ordering::Acquire) {
            return Err(BridgeError::Connect {
                broker: self.broker.clone(),
                reason: format!(
                    "not connected ({}); nothing was sent",
                    self.status
                        .last_error()
                        .unwrap_or_else(|| "reconnecting".to_owned())
                ),
            });
        }
        Ok(())
    }

    pub(crate) fn status(&self) -> &Status {
        &self.status
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.status.connected.load(Ordering::Acquire)
    }

    /// Counts the connections whose subscriptions the broker acknowledged (see the field);
    /// `changed()` fires after every resubscription, and errs once the loop has ended.
    pub(crate) fn subscribed(&self) -> watch::Receiver<u64> {
        self.subscribed.clone()
    }

    /// Ends the event loop at once, without DISCONNECT: the socket is dropped, as when a
    /// device loses power, and the broker publishes the last will. Nothing reconnects.
    pub(crate) fn abort(&self) {
        self.status.connected.store(false, Ordering::Release);
        self.task.abort();
    }

    /// Waits until the event loop has ended (after the shutdown future completed).
    pub(crate) async fn stopped(&self) {
        let mut stopped = self.stopped.clone();
        // Err only when the sender is gone, which also means the loop has ended.
        let _ = stopped.wait_for(|s| *s).await;
    }
}

/// QoS from the number VDA 5050 and the operator API use.
pub(crate) fn qos(level: u8) -> QoS {
    match level {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

struct Loop {
    eventloop: EventLoop,
    client: AsyncClient,
    subscriptions: Vec<(String, QoS)>,
    publishes: mpsc::Sender<Publish>,
    status: Arc<Status>,
    /// Present until the first subscription is acknowledged (or refused).
    ready: Option<oneshot::Sender<Result<(), String>>>,
    /// Counts the acknowledged subscriptions, one per connection.
    subscribed: watch::Sender<u64>,
    /// Renews the last will after a lost connection ([`Hooks::will`]).
    will: Option<WillFn>,
    broker: String,
    what: &'static str,
}

async fn run(
    mut l: Loop,
    shutdown: impl Future<Output = ()> + Send + 'static,
    stopped: watch::Sender<bool>,
) {
    tokio::pin!(shutdown);
    let mut backoff = MIN_BACKOFF;
    loop {
        let event = tokio::select! {
            biased;
            () = &mut shutdown => {
                disconnect(&mut l).await;
                break;
            }
            event = l.eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                l.status.connected.store(true, Ordering::Release);
                backoff = MIN_BACKOFF;
                info!(broker = %l.broker, what = l.what, "connected to the MQTT broker");
                // Subscribing goes through the request channel, which this loop drains:
                // queue it from another task so that a full channel cannot stall the loop.
                let client = l.client.clone();
                let filters = l.subscriptions.clone();
                tokio::spawn(async move {
                    // Err only when the event loop has ended, and then there is nothing to do.
                    let _ = client
                        .subscribe_many(
                            filters
                                .into_iter()
                                .map(|(f, q)| rumqttc::SubscribeFilter::new(f, q)),
                        )
                        .await;
                });
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                let refused = ack
                    .return_codes
                    .iter()
                    .position(|c| matches!(c, SubscribeReasonCode::Failure));
                match refused {
                    Some(i) => {
                        let filter = l.subscriptions.get(i).map_or("?", |(f, _)| f.as_str());
                        let reason = format!("refused the subscription to `{filter}`");
                        match l.ready.take() {
                            Some(ready) => {
                                let _ = ready.send(Err(reason));
                                break;
                            }
                            None => warn!(broker = %l.broker, what = l.what, %reason,
                                "subscription refused after reconnecting; messages on it are lost"),
                        }
                    }
                    None => {
                        l.subscribed.send_modify(|n| *n += 1);
                        if let Some(ready) = l.ready.take() {
                            let _ = ready.send(Ok(()));
                        }
                        debug!(broker = %l.broker, what = l.what, "subscriptions in place");
                    }
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                l.status.received.fetch_add(1, Ordering::Relaxed);
                if l.publishes.send(publish).await.is_err() {
                    // The handler is gone: nothing left to do with what arrives.
                    break;
                }
            }
            Ok(_) => {}
            Err(error) => {
                let was_connected = l.status.connected.swap(false, Ordering::AcqRel);
                let reason = error.to_string();
                if let ConnectionError::ConnectionRefused(code) = &error
                    && let Some(ready) = l.ready.take()
                {
                    let _ = ready.send(Err(format!("refused the connection: {code:?}")));
                    break;
                }
                l.status.set_last_error(reason.clone());
                if was_connected && let Some(will) = l.will.as_mut() {
                    // The next connection carries a will composed now, not the old one.
                    match will() {
                        Ok(will) => {
                            l.eventloop.mqtt_options.set_last_will(will);
                        }
                        Err(error) => warn!(broker = %l.broker, what = l.what, %error,
                            "could not compose a new last will; the previous one stays"),
                    }
                }
                if l.ready.is_none() {
                    if was_connected {
                        l.status.reconnects.fetch_add(1, Ordering::Relaxed);
                        warn!(broker = %l.broker, what = l.what, error = %reason,
                            "MQTT connection lost; reconnecting");
                    } else {
                        debug!(broker = %l.broker, what = l.what, error = %reason,
                            "MQTT reconnection failed; trying again");
                    }
                }
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    l.status.connected.store(false, Ordering::Release);
    let _ = stopped.send(true);
    info!(broker = %l.broker, what = l.what, "MQTT connection closed");
}

/// Sends DISCONNECT and lets the event loop write it, for at most a second.
async fn disconnect(l: &mut Loop) {
    if !l.status.connected.load(Ordering::Acquire) || l.client.try_disconnect().is_err() {
        return;
    }
    let flush = async {
        loop {
            match l.eventloop.poll().await {
                Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), flush).await;
}
