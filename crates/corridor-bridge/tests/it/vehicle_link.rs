//! `VehicleLink`, the vehicle side, against `MasterControl` over real sockets: the
//! announcement, states up, orders and instant actions down (2.x and 3.0), the last will
//! when the socket is cut, ONLINE again after a reconnection, garbage on the order topic,
//! the clean goodbye.

use corridor_bridge::{
    BridgeError, BrokerUrl, FleetMessage, MqttSettings, VehicleEvent, VehicleLink,
};
use corridor_vda5050::model::{Action, ConnectionState};
use corridor_vda5050::{Header, ProtocolVersion, TopicKind, VehicleId, codec};
use rumqttc::{AsyncClient, Event, MqttOptions, QoS};
use tokio::sync::{mpsc, oneshot};

use crate::broker::Relay;
use crate::fixtures::{factsheet, idle_at, node, realistic_order, steps};
use crate::support::{
    LogCapture, QUIET, WAIT, broker, master, next_connection, next_event, next_state, now,
    retained_on, shutdown, unique,
};

/// A link for `serial` on `url`, with the sender that shuts it down.
async fn link(
    url: &BrokerUrl,
    interface: &str,
    version: ProtocolVersion,
    serial: &str,
) -> (
    VehicleLink,
    mpsc::Receiver<FleetMessage>,
    oneshot::Sender<()>,
) {
    let (stop, until) = shutdown();
    let id = VehicleId::new("Corridor", serial).expect("vehicle id");
    let settings = MqttSettings::new(url.clone(), unique("vehicle-"));
    let (link, messages) = VehicleLink::connect(settings, interface, version, id, now(), until)
        .await
        .expect("the vehicle link connects");
    (link, messages, stop)
}

/// The next message fleet control sent the link.
async fn next_message(messages: &mut mpsc::Receiver<FleetMessage>) -> FleetMessage {
    tokio::time::timeout(WAIT, messages.recv())
        .await
        .unwrap_or_else(|_| panic!("no fleet message within {WAIT:?}"))
        .expect("the fleet message channel stays open")
}

/// Publishes raw bytes on `topic` from a client of its own, and waits until they are
/// written.
async fn publish_raw(url: &BrokerUrl, topic: &str, payloads: &[Vec<u8>]) {
    let mut options = MqttOptions::new(unique("raw-"), url.host(), url.port());
    options.set_keep_alive(std::time::Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(options, 64);
    for payload in payloads {
        client
            .publish(topic, QoS::AtLeastOnce, false, payload.clone())
            .await
            .expect("queue");
    }
    let mut acked = 0;
    let acks = async {
        while acked < payloads.len() {
            if let Event::Incoming(rumqttc::Packet::PubAck(_)) =
                eventloop.poll().await.expect("raw client connects")
            {
                acked += 1;
            }
        }
    };
    tokio::time::timeout(WAIT, acks)
        .await
        .expect("the broker took the raw publishes");
}

async fn round_trip(version: ProtocolVersion) {
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (master, mut events, _stop_master) = master(&url, &interface).await;
    let (link, mut messages, _stop_link) = link(&url, &interface, version, "IGV-07").await;
    let id = link.vehicle().clone();
    assert_eq!(link.version(), version);

    // ONLINE first, retained: a late subscriber sees it too.
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );
    let topic = link.topic(TopicKind::Connection).expect("topic");
    assert!(topic.contains(version.topic_level()), "{topic}");
    let retained = retained_on(&url, &topic).await.expect("ONLINE is retained");
    let online = codec::decode_connection(version, &retained.payload).expect("decodes");
    assert_eq!(online.body, ConnectionState::Online);
    // Header 0 went into the last will, composed before connecting.
    assert_eq!(online.header.header_id, 1);

    // The factsheet and a state go up, numbered per topic.
    link.publish_factsheet(&factsheet(), now())
        .await
        .expect("factsheet");
    assert_eq!(
        link.publish_state(&idle_at(0), now()).await.expect("state"),
        0
    );
    let (header, state) = next_state(&mut events, &id).await;
    assert_eq!(header.header_id, 0);
    assert_eq!(header.version, version.default_version_string());
    assert!(state.order_id.is_empty());
    assert_eq!(master.vehicle(&id).expect("known").version, version);
    assert!(master.vehicle(&id).expect("known").factsheet.is_some());
    assert_eq!(
        link.publish_state(&idle_at(0), now()).await.expect("state"),
        1
    );
    assert_eq!(next_state(&mut events, &id).await.0.header_id, 1);

    // An order and an instant action come down, decoded in the link's version.
    let sent = master
        .start_order(&id, "move-1", node(0), steps(0, 2), steps(2, 3))
        .await
        .expect("order admitted");
    match next_message(&mut messages).await {
        FleetMessage::Order(order) => {
            assert_eq!(order.body, sent);
            assert_eq!(order.header.header_id, 0);
            assert_eq!(order.header.serial_number, "IGV-07");
        }
        other => panic!("expected the order, got {other:?}"),
    }
    master
        .send_instant_actions(&id, &[Action::start_pause("pause-1")])
        .await
        .expect("instant action sent");
    match next_message(&mut messages).await {
        FleetMessage::InstantActions(actions) => {
            assert_eq!(actions.body, vec![Action::start_pause("pause-1")]);
        }
        other => panic!("expected the instant actions, got {other:?}"),
    }

    // Only the broker publishes CONNECTION_BROKEN; 2.x has no HIBERNATING.
    let refused = link
        .publish_connection(ConnectionState::ConnectionBroken, now())
        .await
        .expect_err("refused");
    assert!(matches!(refused, BridgeError::Refused { .. }), "{refused}");
    if version == ProtocolVersion::V2 {
        let refused = link
            .publish_connection(ConnectionState::Hibernating, now())
            .await
            .expect_err("2.x cannot hibernate");
        assert!(matches!(refused, BridgeError::Protocol(_)), "{refused}");
    }
    let counters = link.counters();
    assert_eq!(
        (counters.received, counters.rejected, counters.published),
        (2, 0, 4),
        "{counters:?}"
    );
}

#[tokio::test]
async fn a_v2_link_announces_itself_reports_state_and_receives_orders_and_instant_actions() {
    round_trip(ProtocolVersion::V2).await;
}

#[tokio::test]
async fn a_v3_link_announces_itself_reports_state_and_receives_orders_and_instant_actions() {
    round_trip(ProtocolVersion::V3).await;
}

#[tokio::test]
async fn a_cut_connection_makes_the_broker_publish_the_last_will() {
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (_master, mut events, _stop_master) = master(&url, &interface).await;
    let (link, mut messages, _stop_link) =
        link(&url, &interface, ProtocolVersion::V3, "IGV-11").await;
    let id = link.vehicle().clone();
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );

    link.cut_connection();
    let (header, _) = next_event(&mut events, "the last will", |e| match e {
        VehicleEvent::Connection {
            vehicle,
            header,
            state: ConnectionState::ConnectionBroken,
        } if *vehicle == id => Some(header.clone()),
        _ => None,
    })
    .await;
    assert_eq!(header.header_id, 0, "composed before ONLINE (header 1)");
    tokio::time::timeout(WAIT, link.stopped())
        .await
        .expect("the link stopped");
    assert!(messages.recv().await.is_none(), "the channel closes");
    let closed = link
        .publish_state(&idle_at(0), now())
        .await
        .expect_err("nothing is sent after the cut");
    assert!(matches!(closed, BridgeError::Closed { .. }), "{closed}");
    assert!(!link.is_connected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_loses_its_connection_reconnects_and_announces_itself_again() {
    let broker = broker().await;
    let relay = Relay::start(broker.local_addr().port()).await;
    let via_relay = BrokerUrl::mqtt("127.0.0.1", relay.port).expect("url");
    let interface = unique("uagv");
    let (master, mut events, _stop_master) = master(&broker.url(), &interface).await;
    let (link, mut messages, _stop_link) =
        link(&via_relay, &interface, ProtocolVersion::V2, "IGV-12").await;
    let id = link.vehicle().clone();
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );
    link.publish_state(&idle_at(0), now()).await.expect("state");
    next_state(&mut events, &id).await;

    relay.cut();
    // The broker publishes the will; the link reconnects after its back-off, subscribes
    // again, and announces ONLINE with a fresh header (the renewed will took id 2).
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::ConnectionBroken
    );
    let (header, _) = next_event(&mut events, "ONLINE again", |e| match e {
        VehicleEvent::Connection {
            vehicle,
            header,
            state: ConnectionState::Online,
        } if *vehicle == id => Some(header.clone()),
        _ => None,
    })
    .await;
    assert_eq!(header.header_id, 3);
    assert_eq!(link.counters().reconnects, 1);
    assert!(link.is_connected());

    // It is subscribed again: an order sent now arrives.
    link.publish_state(&idle_at(0), now()).await.expect("state");
    next_state(&mut events, &id).await;
    let sent = master
        .start_order(&id, "after-reconnect", node(0), steps(0, 1), vec![])
        .await
        .expect("order admitted");
    match next_message(&mut messages).await {
        FleetMessage::Order(order) => assert_eq!(order.body, sent),
        other => panic!("expected the order, got {other:?}"),
    }

    // The will of the new connection is the renewed one.
    relay.cut();
    let (header, _) = next_event(&mut events, "the renewed will", |e| match e {
        VehicleEvent::Connection {
            vehicle,
            header,
            state: ConnectionState::ConnectionBroken,
        } if *vehicle == id => Some(header.clone()),
        _ => None,
    })
    .await;
    assert_eq!(header.header_id, 2);
}

/// Current-thread runtime: the link's tasks log on the test's thread, where the capture
/// sees them.
#[tokio::test]
async fn garbage_on_the_order_topic_is_rejected_and_a_valid_order_still_arrives() {
    let log = LogCapture::default();
    let _guard = log.install();
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (link, mut messages, _stop) = link(&url, &interface, ProtocolVersion::V2, "IGV-13").await;
    let id = link.vehicle().clone();
    let order_topic = link.topic(TopicKind::Order).expect("topic");
    let order = realistic_order();
    let encoded = |version, vehicle: &VehicleId, header_id| {
        let header = Header::new(vehicle, version, header_id, now());
        codec::encode_order(version, &header, &order).expect("order encodes")
    };
    let broken_rule = {
        let header = Header::new(&id, ProtocolVersion::V2, 1, now());
        let json = codec::encode_order(ProtocolVersion::V2, &header, &order).expect("encodes");
        // Re-number a node by hand: the encoder would refuse it.
        let mut value: serde_json::Value = serde_json::from_slice(&json).expect("json");
        value["nodes"][1]["sequenceId"] = serde_json::json!(1);
        serde_json::to_vec(&value).expect("json")
    };
    let other = VehicleId::new("Corridor", "IGV-99").expect("id");
    // (payload, a fragment the reason must contain)
    let garbage: Vec<(Vec<u8>, &str)> = vec![
        (b"not json".to_vec(), "malformed JSON"),
        (vec![0xff, 0xfe, 0x00], "malformed JSON"),
        (b"{}".to_vec(), "missing field"),
        (Vec::new(), "empty payload"),
        (encoded(ProtocolVersion::V3, &id, 1), "v2 `order` message"),
        (encoded(ProtocolVersion::V2, &other, 1), "serialNumber"),
        (broken_rule, "sequenceId"),
    ];
    let payloads: Vec<Vec<u8>> = garbage
        .iter()
        .map(|(p, _)| p.clone())
        .chain([encoded(ProtocolVersion::V2, &id, 7)])
        .collect();
    publish_raw(&url, &order_topic, &payloads).await;

    for (_, fragment) in &garbage {
        match next_message(&mut messages).await {
            FleetMessage::Rejected { topic, reason } => {
                assert_eq!(topic, order_topic);
                assert!(reason.contains(fragment), "`{reason}` lacks `{fragment}`");
                let logged = log.text();
                assert!(
                    logged.contains("WARN")
                        && logged.contains(&order_topic)
                        && logged.contains(&reason),
                    "not logged: {reason}\n{logged}"
                );
            }
            other => panic!("expected a rejection ({fragment}), got {other:?}"),
        }
    }
    match next_message(&mut messages).await {
        FleetMessage::Order(message) => {
            assert_eq!(message.header.header_id, 7);
            assert_eq!(message.body, order);
        }
        other => panic!("expected the valid order, got {other:?}"),
    }
    let counters = link.counters();
    assert_eq!(
        (counters.received, counters.rejected),
        (garbage.len() as u64 + 1, garbage.len() as u64)
    );
    assert!(link.is_connected());
}

#[tokio::test]
async fn go_offline_is_seen_as_offline_and_no_last_will_follows() {
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (master, mut events, _stop_master) = master(&url, &interface).await;
    let (link, _messages, stop_link) = link(&url, &interface, ProtocolVersion::V3, "IGV-14").await;
    let id = link.vehicle().clone();
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );

    link.go_offline(now()).await.expect("OFFLINE published");
    drop(stop_link);
    tokio::time::timeout(WAIT, link.stopped())
        .await
        .expect("the link stopped");
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Offline
    );
    // DISCONNECT made the broker discard the will: nothing more, and OFFLINE stays retained.
    if let Ok(Some(event)) = tokio::time::timeout(QUIET, events.recv()).await {
        panic!("expected nothing after OFFLINE, got {event:?}");
    }
    assert_eq!(master.connection(&id), Some(ConnectionState::Offline));
    let topic = link.topic(TopicKind::Connection).expect("topic");
    let retained = retained_on(&url, &topic).await.expect("retained");
    let offline =
        codec::decode_connection(ProtocolVersion::V3, &retained.payload).expect("decodes");
    assert_eq!(offline.body, ConnectionState::Offline);
}
