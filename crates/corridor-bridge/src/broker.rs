//! The embedded rumqttd broker (cargo feature `embedded-broker`), a free-port helper for
//! tests, and a readiness wait that works for any broker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet};
use tokio::time::Instant;

use crate::error::BridgeError;
use crate::url::BrokerUrl;

/// A TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads the port the
/// system chose, and closes the socket. Another process may take the port before it is
/// used (a small race, acceptable in tests); rumqttd cannot report the port it bound, so
/// it must be given one.
///
/// # Errors
/// [`BridgeError::Io`] when no socket can be bound.
pub fn free_port() -> Result<u16, BridgeError> {
    let listener =
        std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|source| BridgeError::Io {
            context: "binding 127.0.0.1:0 to find a free port".into(),
            source,
        })?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| BridgeError::Io {
            context: "reading the port bound on 127.0.0.1".into(),
            source,
        })
}

/// Waits until an MQTT client can log in to `broker` (with its credentials, if any),
/// trying again every 25 ms, for at most `timeout`. Works for the embedded broker and any
/// external one.
///
/// # Errors
/// [`BridgeError::Connect`] with the broker's refusal (wrong username or password) at
/// once, or with the last connection error when `timeout` passes.
pub async fn wait_ready(broker: &BrokerUrl, timeout: Duration) -> Result<(), BridgeError> {
    wait_ready_while(broker, timeout, || true).await
}

static PROBES: AtomicU64 = AtomicU64::new(0);

async fn wait_ready_while(
    broker: &BrokerUrl,
    timeout: Duration,
    alive: impl Fn() -> bool,
) -> Result<(), BridgeError> {
    let deadline = Instant::now() + timeout;
    let mut last_error = String::from("no attempt finished");
    loop {
        if !alive() {
            return Err(BridgeError::Connect {
                broker: broker.to_string(),
                reason: "the embedded broker stopped (see its log)".into(),
            });
        }
        let attempt = probe(broker);
        match tokio::time::timeout_at(deadline, attempt).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(ConnectionError::ConnectionRefused(code))) => {
                return Err(BridgeError::Connect {
                    broker: broker.to_string(),
                    reason: format!("refused the connection: {code:?}"),
                });
            }
            Ok(Err(e)) => last_error = e.to_string(),
            Err(_) => {}
        }
        if Instant::now() + Duration::from_millis(25) >= deadline {
            return Err(BridgeError::Connect {
                broker: broker.to_string(),
                reason: format!("not ready within {timeout:?}: {last_error}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// One login attempt: CONNECT, wait for CONNACK, close the connection.
async fn probe(broker: &BrokerUrl) -> Result<(), ConnectionError> {
    let id = format!(
        "corridor-probe-{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    );
    let mut options = MqttOptions::new(id, broker.host(), broker.port());
    options.set_keep_alive(Duration::from_secs(5));
    if let Some(user) = broker.username() {
        options.set_credentials(user, broker.password().unwrap_or_default());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 4);
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = eventloop.poll().await? {
            // Close the connection without DISCONNECT: rumqttd logs a DISCONNECT at ERROR
            // ("router-drop"), a socket closed after CONNACK at INFO.
            drop(client);
            return Ok(());
        }
    }
}

#[cfg(feature = "embedded-broker")]
pub use embedded::{BrokerConfig, EmbeddedBroker};

#[cfg(feature = "embedded-broker")]
mod embedded {
    use std::collections::HashMap;
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings, Strategy};
    use tracing::{error, info};

    use super::wait_ready_while;
    use crate::error::BridgeError;
    use crate::url::BrokerUrl;

    /// Settings of the embedded broker. Every rumqttd router and listener setting is set
    /// from here (rumqttd's own defaults are zeros that refuse every connection).
    #[derive(Clone)]
    #[non_exhaustive]
    pub struct BrokerConfig {
        /// TCP port to listen on (not 0: rumqttd cannot report the port it bound; use
        /// [`crate::free_port`] in tests).
        pub port: u16,
        /// Address to listen on. Default 127.0.0.1 (loopback only).
        pub bind: IpAddr,
        /// `Some`: only these (username, password) pairs may connect. `None`: anyone.
        pub users: Option<Vec<(String, String)>>,
        /// Most simultaneous client connections. Default 10,000 (each vehicle holds one).
        pub max_connections: usize,
        /// Largest accepted payload in bytes. Default 1 MiB.
        pub max_payload_size: usize,
        /// Most unacknowledged QoS 1/2 messages per connection. Default 100.
        pub max_inflight_count: usize,
        /// How long a new TCP connection may take to send CONNECT, in ms. Default 5,000.
        pub connection_timeout_ms: u16,
        /// Most packets the router hands one connection per round. Default 200.
        pub max_outgoing_packet_count: u64,
        /// Size of one segment of a subscription's in-memory log, bytes. Default 1 MiB.
        pub max_segment_size: usize,
        /// Segments kept per subscription log (older messages are dropped). Default 10.
        pub max_segment_count: usize,
        /// How long [`EmbeddedBroker::start`] waits for the broker to accept a login.
        /// Default 10 s.
        pub ready_timeout: Duration,
    }

    impl BrokerConfig {
        /// A loopback broker on `port` without authentication and the defaults above.
        pub fn new(port: u16) -> BrokerConfig {
            BrokerConfig {
                port,
                bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
                users: None,
                max_connections: 10_000,
                max_payload_size: 1 << 20,
                max_inflight_count: 100,
                connection_timeout_ms: 5_000,
                max_outgoing_packet_count: 200,
                max_segment_size: 1 << 20,
                max_segment_count: 10,
                ready_timeout: Duration::from_secs(10),
            }
        }

        /// Only `username` / `password` (and other pairs added the same way) may connect.
        pub fn with_user(
            mut self,
            username: impl Into<String>,
            password: impl Into<String>,
        ) -> BrokerConfig {
            self.users
                .get_or_insert_with(Vec::new)
                .push((username.into(), password.into()));
            self
        }

        fn check(&self) -> Result<(), BridgeError> {
            let bad = |field: &'static str, problem: &str| {
                Err(BridgeError::Config {
                    field,
                    problem: problem.to_owned(),
                })
            };
            if self.port == 0 {
                return bad(
                    "port",
                    "0: rumqttd cannot report the port it binds; choose one (free_port() in tests)",
                );
            }
            if self.max_connections == 0 {
                return bad("max_connections", "0 would refuse every connection");
            }
            if self.max_payload_size < 1024 {
                return bad("max_payload_size", "below 1 KiB, too small for VDA 5050");
            }
            if self.max_inflight_count == 0 {
                return bad("max_inflight_count", "must be at least 1");
            }
            if self.connection_timeout_ms == 0 {
                return bad("connection_timeout_ms", "must be at least 1");
            }
            if self.max_outgoing_packet_count == 0 {
                return bad(
                    "max_outgoing_packet_count",
                    "0 would never deliver anything",
                );
            }
            if self.max_segment_size < 1024 {
                return bad("max_segment_size", "rumqttd needs at least 1 KiB");
            }
            if self.max_segment_count == 0 {
                return bad("max_segment_count", "rumqttd needs at least 1");
            }
            match &self.users {
                Some(users) if users.is_empty() => {
                    return bad("users", "an empty list would refuse every client; use None");
                }
                Some(users) if users.iter().any(|(u, _)| u.is_empty()) => {
                    return bad("users", "a username is empty");
                }
                _ => {}
            }
            Ok(())
        }

        fn rumqttd(&self) -> Config {
            let connections = ConnectionSettings {
                connection_timeout_ms: self.connection_timeout_ms,
                max_payload_size: self.max_payload_size,
                max_inflight_count: self.max_inflight_count,
                auth: self
                    .users
                    .as_ref()
                    .map(|users| users.iter().cloned().collect::<HashMap<_, _>>()),
                external_auth: None,
                dynamic_filters: true,
            };
            let server = ServerSettings {
                name: "corridor-v4".into(),
                listen: SocketAddr::new(self.bind, self.port),
                tls: None,
                next_connection_delay_ms: 0,
                connections,
            };
            Config {
                id: 0,
                router: RouterConfig {
                    max_connections: self.max_connections,
                    max_outgoing_packet_count: self.max_outgoing_packet_count,
                    max_segment_size: self.max_segment_size,
                    max_segment_count: self.max_segment_count,
                    custom_segment: None,
                    initialized_filters: None,
                    shared_subscriptions_strategy: Strategy::RoundRobin,
                },
                v4: Some(HashMap::from([("1".to_owned(), server)])),
                v5: None,
                ws: None,
                cluster: None,
                console: None,
                bridge: None,
                prometheus: None,
                metrics: None,
            }
        }
    }

    impl std::fmt::Debug for BrokerConfig {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("BrokerConfig")
                .field("port", &self.port)
                .field("bind", &self.bind)
                .field(
                    "users",
                    &self
                        .users
                        .as_ref()
                        .map(|u| u.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>()),
                )
                .field("max_connections", &self.max_connections)
                .field("max_payload_size", &self.max_payload_size)
                .field("ready_timeout", &self.ready_timeout)
                .finish_non_exhaustive()
        }
    }

    /// An MQTT 3.1.1 broker (rumqttd) running in this process on its own OS threads, so
    /// that one command runs everything on a bare machine.
    ///
    /// rumqttd has no shutdown: the broker serves until the process exits, whatever happens
    /// to this handle. It never uses the caller's tokio runtime.
    #[derive(Debug)]
    pub struct EmbeddedBroker {
        addr: SocketAddr,
        url: BrokerUrl,
        running: Arc<AtomicBool>,
    }

    impl EmbeddedBroker {
        /// Starts the broker and returns once an MQTT client can log in to it (bounded by
        /// [`BrokerConfig::ready_timeout`]).
        ///
        /// # Errors
        /// [`BridgeError::Config`] for an unusable setting; [`BridgeError::BrokerStart`]
        /// when the address cannot be listened on (port in use) or the broker thread
        /// cannot start; [`BridgeError::Connect`] when it does not become ready in time.
        pub async fn start(config: BrokerConfig) -> Result<EmbeddedBroker, BridgeError> {
            config.check()?;
            let addr = SocketAddr::new(config.bind, config.port);
            // rumqttd only logs a failed bind; find out here and say so.
            drop(
                std::net::TcpListener::bind(addr).map_err(|e| BridgeError::BrokerStart {
                    addr,
                    reason: format!("cannot listen: {e}"),
                })?,
            );
            let host = match config.bind {
                IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
                IpAddr::V6(ip) if ip.is_unspecified() => "::1".to_owned(),
                ip => ip.to_string(),
            };
            let mut url = BrokerUrl::mqtt(&host, config.port)?;
            if let Some((user, pass)) = config.users.as_ref().and_then(|u| u.first()) {
                url = url.with_credentials(user.clone(), pass.clone());
            }
            let running = Arc::new(AtomicBool::new(true));
            let flag = Arc::clone(&running);
            let rumqttd_config = config.rumqttd();
            std::thread::Builder::new()
                .name("corridor-broker".into())
                .spawn(move || {
                    let mut broker = Broker::new(rumqttd_config);
                    // start() blocks while the listener runs; it returns only on failure.
                    match broker.start() {
                        Ok(()) => error!(%addr, "embedded MQTT broker stopped serving"),
                        Err(e) => error!(%addr, error = %e, "embedded MQTT broker failed"),
                    }
                    flag.store(false, Ordering::Release);
                })
                .map_err(|e| BridgeError::BrokerStart {
                    addr,
                    reason: format!("cannot start its thread: {e}"),
                })?;
            let alive = || running.load(Ordering::Acquire);
            wait_ready_while(&url, config.ready_timeout, alive).await?;
            info!(%addr, auth = config.users.is_some(), "embedded MQTT broker ready");
            Ok(EmbeddedBroker { addr, url, running })
        }

        /// The address it listens on.
        pub fn local_addr(&self) -> SocketAddr {
            self.addr
        }

        /// `mqtt://[user:password@]host:port` for clients of this broker, with the first
        /// configured user's credentials.
        pub fn url(&self) -> BrokerUrl {
            self.url.clone()
        }

        /// False once the broker thread has stopped (it logged why).
        pub fn is_running(&self) -> bool {
            self.running.load(Ordering::Acquire)
        }
    }
}
