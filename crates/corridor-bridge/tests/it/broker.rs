//! The embedded broker: credentials, taken ports, unusable settings, readiness; and master
//! control riding out a lost connection (through a TCP relay the test can cut).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use corridor_bridge::{
    BridgeError, BrokerConfig, BrokerUrl, EmbeddedBroker, MasterConfig, MasterControl,
    MqttSettings, VehicleEvent, free_port, wait_ready,
};
use corridor_vda5050::ProtocolVersion;
use corridor_vda5050::model::ConnectionState;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::fixtures::idle_at;
use crate::support::{
    ScriptedVehicle, WAIT, broker, master, next_connection, next_event, shutdown, unique,
};

async fn connect_master(url: BrokerUrl) -> Result<MasterControl, BridgeError> {
    let mut settings = MqttSettings::new(url, unique("master-"));
    settings.connect_timeout = Duration::from_secs(2);
    let (_stop, until) = shutdown();
    // The sender is dropped here, so a successful connection shuts down again at once;
    // these tests only look at whether it was admitted.
    MasterControl::connect(MasterConfig::new(settings, "uagv"), until)
        .await
        .map(|(master, _events)| master)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_and_password_are_enforced_by_the_embedded_broker() {
    let port = free_port().expect("port");
    let config = BrokerConfig::new(port)
        .with_user("corridor", "s3cret:@")
        .with_user("ops", "other");
    let broker = EmbeddedBroker::start(config).await.expect("broker");
    let url = broker.url();
    assert_eq!(
        url.to_string(),
        format!("mqtt://corridor:***@127.0.0.1:{port}")
    );

    // The right credentials, given in the URL with percent-escapes.
    let typed: BrokerUrl = format!("mqtt://corridor:s3cret%3A%40@127.0.0.1:{port}")
        .parse()
        .expect("url");
    assert_eq!(typed, url);
    wait_ready(&typed, WAIT)
        .await
        .expect("ready with credentials");
    connect_master(typed).await.expect("admitted");
    connect_master(url.clone().with_credentials("ops", "other"))
        .await
        .expect("second user admitted");

    // A wrong password and no credentials at all are refused, naming the broker.
    for refused in [
        url.clone().with_credentials("corridor", "guess"),
        url.clone().without_credentials(),
    ] {
        let e = connect_master(refused).await.expect_err("refused");
        match &e {
            BridgeError::Connect { broker, .. } => assert!(broker.contains(&port.to_string())),
            other => panic!("expected a connection error, got {other}"),
        }
        assert!(!e.to_string().contains("guess"), "password leaked: {e}");
    }

    // A scripted vehicle with credentials reaches the master through the same broker.
    let interface = unique("uagv");
    let (_master, mut events, _stop) = master(&url, &interface).await;
    let vehicle = ScriptedVehicle::connect(&url, &interface, ProtocolVersion::V2, "IGV-1").await;
    assert_eq!(
        next_connection(&mut events, &vehicle.id).await,
        ConnectionState::Online
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_is_reported_with_its_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let e = EmbeddedBroker::start(BrokerConfig::new(port))
        .await
        .expect_err("port in use");
    match &e {
        BridgeError::BrokerStart { addr, reason } => {
            assert_eq!(addr.port(), port);
            assert!(reason.contains("cannot listen"), "{reason}");
        }
        other => panic!("expected BrokerStart, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_settings_are_refused_by_field() {
    let field_of = |config: BrokerConfig| async move {
        match EmbeddedBroker::start(config).await {
            Err(BridgeError::Config { field, .. }) => field,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    };
    let port = free_port().expect("port");
    assert_eq!(field_of(BrokerConfig::new(0)).await, "port");
    let mut c = BrokerConfig::new(port);
    c.max_connections = 0;
    assert_eq!(field_of(c).await, "max_connections");
    let mut c = BrokerConfig::new(port);
    c.max_segment_size = 100;
    assert_eq!(field_of(c).await, "max_segment_size");
    let mut c = BrokerConfig::new(port);
    c.users = Some(Vec::new());
    assert_eq!(field_of(c).await, "users");

    let url = BrokerUrl::mqtt("127.0.0.1", port).expect("url");
    let mut settings = MqttSettings::new(url, "m");
    settings.keep_alive = Duration::from_millis(500);
    let (_stop, until) = shutdown();
    match MasterControl::connect(MasterConfig::new(settings, "uagv"), until).await {
        Err(BridgeError::Config { field, .. }) => assert_eq!(field, "keep_alive"),
        other => panic!("expected a configuration error, got {:?}", other.err()),
    }
    let broker = broker().await;
    let settings = MqttSettings::new(broker.url(), "m");
    let (_stop, until) = shutdown();
    match MasterControl::connect(MasterConfig::new(settings, "bad/name"), until).await {
        Err(e) => assert!(e.to_string().contains("interfaceName"), "{e}"),
        Ok(_) => panic!("an interface name with `/` was accepted"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_listening_is_reported_after_the_bounded_wait() {
    let port = free_port().expect("port");
    let url = BrokerUrl::mqtt("127.0.0.1", port).expect("url");
    let e = wait_ready(&url, Duration::from_millis(300))
        .await
        .expect_err("nobody listens");
    assert!(e.to_string().contains("not ready within"), "{e}");
    let e = connect_master(url).await.expect_err("nobody listens");
    assert!(matches!(e, BridgeError::Connect { .. }), "{e}");
}

/// A TCP relay between master control and the broker whose connections the test can cut.
pub struct Relay {
    pub port: u16,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    pub async fn start(to: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let links = Arc::new(Mutex::new(Vec::new()));
        let list = Arc::clone(&links);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", to)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().expect("links").push(link);
            }
        });
        Relay { port, links }
    }

    /// Closes every relayed connection (both sockets), as a network failure would.
    pub fn cut(&self) {
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_control_reconnects_and_subscribes_again_after_a_lost_connection() {
    let broker = broker().await;
    let relay = Relay::start(broker.local_addr().port()).await;
    let via_relay = BrokerUrl::mqtt("127.0.0.1", relay.port).expect("url");
    let interface = unique("uagv");
    let (master, mut events, _stop) = master(&via_relay, &interface).await;
    let mut vehicle =
        ScriptedVehicle::connect(&broker.url(), &interface, ProtocolVersion::V3, "IGV-9").await;
    let id = vehicle.id.clone();
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );

    relay.cut();
    // After reconnecting, the renewed subscription brings the retained ONLINE again.
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );
    assert_eq!(master.counters().reconnects, 1);
    assert!(master.is_connected());
    // And states flow again.
    let header_id = vehicle.publish_state(&idle_at(2)).await;
    let (got, _) = next_event(&mut events, "state after reconnecting", |e| match e {
        VehicleEvent::State { header, .. } => Some(header.header_id),
        _ => None,
    })
    .await;
    assert_eq!(got, header_id);
}
