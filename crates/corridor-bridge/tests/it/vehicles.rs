//! Master control against scripted vehicles over real sockets: orders, progress, base
//! extension, instant actions, the last will; 2.x and 3.0 vehicles, alone and together.

use corridor_bridge::{BridgeError, BrokerUrl, VehicleEvent};
use corridor_vda5050::model::{Action, ConnectionState};
use corridor_vda5050::{ProtocolVersion, TopicKind, Vda5050Error};

use crate::fixtures::{idle_at, node, progress, steps};
use crate::support::{
    ScriptedVehicle, broker, clear_retained, master, next_connection, next_event, next_state,
    retained_on, unique,
};

/// The whole life of one order between master control and a vehicle speaking `version`,
/// on the broker at `url`; ends with the vehicle's connection lost and its last will
/// reported. Also run against Mosquitto (`mosquitto.rs`).
pub async fn vehicle_round_trip(url: &BrokerUrl, version: ProtocolVersion) {
    let interface = unique("uagv");
    let (master, mut events, _stop) = master(url, &interface).await;
    let mut vehicle = ScriptedVehicle::connect(url, &interface, version, "IGV-07").await;
    let id = vehicle.id.clone();

    // It announces itself: ONLINE, factsheet, an idle state on N0.
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );
    let (series, _) = next_event(&mut events, "factsheet", |e| match e {
        VehicleEvent::Factsheet {
            vehicle, factsheet, ..
        } if *vehicle == id => Some(factsheet.type_specification.series_name.clone()),
        _ => None,
    })
    .await;
    assert_eq!(series, "IGV-40");
    vehicle.publish_state(&idle_at(0)).await;
    let (_, state) = next_state(&mut events, &id).await;
    assert!(state.order_id.is_empty() && state.node_states.is_empty());
    let info = master.vehicle(&id).expect("known vehicle");
    assert_eq!(info.version, version, "the version of its topics");
    assert_eq!(info.connection, Some(ConnectionState::Online));

    // Fleet control releases N0→N2 and plans N2→N4.
    let sent = master
        .start_order(&id, "move-1", node(0), steps(0, 2), steps(2, 4))
        .await
        .expect("order admitted");
    let (_, order) = vehicle.next_order().await;
    assert_eq!(order.header.header_id, 0);
    assert_eq!(order.header.version, version.default_version_string());
    assert_eq!(order.header.serial_number, "IGV-07");
    assert_eq!(order.body, sent);
    let decision = order.body.decision_point().expect("a base");
    assert_eq!((decision.node_id.as_str(), decision.sequence_id), ("N2", 4));
    assert!(!order.body.nodes[4].released, "N4 is horizon");
    // Orders are not retained: a client subscribing now gets nothing.
    assert!(
        retained_on(url, &vehicle.topic(TopicKind::Order))
            .await
            .is_none()
    );

    // A new order while this one runs is refused by the tracker and never published.
    let refused = master
        .start_order(&id, "move-2", node(0), steps(0, 1), vec![])
        .await
        .expect_err("the vehicle is busy");
    match &refused {
        BridgeError::Protocol(Vda5050Error::OrderRefused { vehicle, .. }) => {
            assert_eq!(vehicle, &id);
        }
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(refused.to_string().contains("IGV-07"), "{refused}");
    vehicle.expect_quiet().await;

    // The vehicle reports progress: it drove N0→N1→N2 and waits at the decision point.
    vehicle.publish_state(&progress(&sent, 1, true)).await;
    let (_, state) = next_state(&mut events, &id).await;
    assert_eq!(
        (state.last_node_id.as_str(), state.last_node_sequence_id),
        ("N1", 2)
    );
    vehicle.publish_state(&progress(&sent, 2, false)).await;
    let (_, state) = next_state(&mut events, &id).await;
    assert_eq!(
        (state.last_node_id.as_str(), state.last_node_sequence_id),
        ("N2", 4)
    );
    assert_eq!(state.node_states.len(), 2, "N3 and N4 left, unreleased");
    let tracker = master.vehicle(&id).expect("known").tracker;
    assert_eq!(tracker.completed_through(), Some(4));
    assert!(tracker.remaining_base_nodes().is_empty());

    // The cells ahead are free: extend the base to N4 and plan N4→N5.
    let update = master
        .extend_order(&id, steps(2, 4), steps(4, 5))
        .await
        .expect("update admitted");
    let (_, got) = vehicle.next_order().await;
    assert_eq!(
        got.header.header_id, 1,
        "the refused order used no headerId"
    );
    assert_eq!(got.body, update);
    assert_eq!(
        (got.body.order_id.as_str(), got.body.order_update_id),
        ("move-1", 1)
    );
    let first = &got.body.nodes[0];
    assert_eq!(
        (first.node_id.as_str(), first.sequence_id, first.released),
        ("N2", 4, true)
    );
    let released: Vec<&str> = got.body.base_nodes().map(|n| n.node_id.as_str()).collect();
    assert_eq!(released, ["N2", "N3", "N4"]);
    assert_eq!(got.body.nodes.last().map(|n| n.released), Some(false));

    // Instant actions go out in the vehicle's version with their own header numbering.
    let actions = [
        Action::start_pause("pause-1"),
        Action::stop_pause("pause-2"),
        Action::state_request("state-1"),
        Action::factsheet_request("factsheet-1"),
    ];
    master
        .send_instant_actions(&id, &actions)
        .await
        .expect("instant actions");
    let (_, got) = vehicle.next_instant_actions().await;
    assert_eq!(got.header.header_id, 0);
    assert_eq!(got.body, actions);
    let hibernate = [Action::start_hibernation("sleep-1", None)];
    let mut instant_header = 1;
    match version {
        ProtocolVersion::V2 => {
            let e = master
                .send_instant_actions(&id, &hibernate)
                .await
                .expect_err("2.x has no hibernation");
            assert!(
                matches!(
                    e,
                    BridgeError::Protocol(Vda5050Error::NotExpressible { .. })
                ),
                "{e}"
            );
            vehicle.expect_quiet().await;
        }
        ProtocolVersion::V3 => {
            master
                .send_instant_actions(&id, &hibernate)
                .await
                .expect("3.0 hibernates");
            let (_, got) = vehicle.next_instant_actions().await;
            assert_eq!(
                (got.header.header_id, got.body.as_slice()),
                (1, &hibernate[..])
            );
            instant_header = 2;
        }
    }

    // cancelOrder: the tracker refuses further updates of the cancelled order.
    master
        .send_instant_actions(&id, &[Action::cancel_order("cancel-1")])
        .await
        .expect("cancel");
    let (_, got) = vehicle.next_instant_actions().await;
    assert_eq!(got.header.header_id, instant_header);
    assert!(master.vehicle(&id).expect("known").tracker.is_cancelled());
    let e = master
        .extend_order(&id, steps(4, 5), vec![])
        .await
        .expect_err("no update after cancelOrder");
    assert!(e.to_string().contains("cancel"), "{e}");

    // The connection drops without a goodbye: the broker publishes the last will.
    let retained = [
        vehicle.topic(TopicKind::Connection),
        vehicle.topic(TopicKind::Factsheet),
    ];
    vehicle.lose_connection();
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::ConnectionBroken
    );
    assert_eq!(
        master.connection(&id),
        Some(ConnectionState::ConnectionBroken)
    );

    let counters = master.counters();
    assert_eq!(counters.rejected, 0, "{counters:?}");
    assert_eq!(
        counters.published,
        2 + 2 + u64::from(version == ProtocolVersion::V3)
    );
    assert!(master.is_connected());
    clear_retained(url, &retained).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_vehicle_gets_orders_and_updates_and_its_last_will_is_reported() {
    let broker = broker().await;
    vehicle_round_trip(&broker.url(), ProtocolVersion::V2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v3_vehicle_gets_orders_and_updates_and_its_last_will_is_reported() {
    let broker = broker().await;
    vehicle_round_trip(&broker.url(), ProtocolVersion::V3).await;
}

/// One connection serves 2.x and 3.0 vehicles side by side, each in its own version;
/// an orderly OFFLINE is told apart from a broken connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_master_serves_v2_and_v3_vehicles_together() {
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (master, mut events, _stop) = master(&url, &interface).await;
    let mut old = ScriptedVehicle::connect(&url, &interface, ProtocolVersion::V2, "IGV-2").await;
    let mut new = ScriptedVehicle::connect(&url, &interface, ProtocolVersion::V3, "IGV-3").await;
    old.publish_state(&idle_at(0)).await;
    new.publish_state(&idle_at(0)).await;
    let mut waiting = vec![old.id.clone(), new.id.clone()];
    while !waiting.is_empty() {
        let (from, _) = next_event(&mut events, "states of both", |e| match e {
            VehicleEvent::State { vehicle, .. } => Some(vehicle.clone()),
            _ => None,
        })
        .await;
        waiting.retain(|id| *id != from);
    }
    assert_eq!(master.vehicles(), vec![old.id.clone(), new.id.clone()]);

    for (vehicle, order_id) in [(&mut old, "a"), (&mut new, "b")] {
        let sent = master
            .start_order(&vehicle.id, order_id, node(0), steps(0, 3), vec![])
            .await
            .expect("order");
        let publish = vehicle.next_message().await;
        // The topic's version level and the payload's version are the vehicle's own.
        let level = format!("/{}/", vehicle.version.topic_level());
        assert!(publish.topic.contains(&level), "{}", publish.topic);
        let text = String::from_utf8_lossy(&publish.payload).into_owned();
        let version_field = format!(
            "\"version\":\"{}\"",
            vehicle.version.default_version_string()
        );
        assert!(text.contains(&version_field), "{text}");
        // 2.x edges name their end nodes; 3.0 edges do not.
        assert_eq!(
            text.contains("startNodeId"),
            vehicle.version == ProtocolVersion::V2,
            "{text}"
        );
        let order = corridor_vda5050::codec::decode_order(vehicle.version, &publish.payload)
            .expect("decodes in the vehicle's version");
        assert_eq!(order.body, sent);
    }

    // Orderly goodbye: OFFLINE, then DISCONNECT; no last will follows.
    let id = old.id.clone();
    old.go_offline().await;
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Offline
    );
    new.lose_connection();
    let (state, before) = next_event(&mut events, "connection event", |e| match e {
        VehicleEvent::Connection { vehicle, state, .. } => Some((vehicle.clone(), *state)),
        _ => None,
    })
    .await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(
        state,
        (
            corridor_vda5050::VehicleId::new("Corridor", "IGV-3").expect("id"),
            ConnectionState::ConnectionBroken
        )
    );
    assert_eq!(master.connection(&id), Some(ConnectionState::Offline));
}

/// A vehicle that was never heard from cannot be sent anything (its version is unknown).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_goes_to_an_unknown_vehicle() {
    let broker = broker().await;
    let (master, _events, _stop) = master(&broker.url(), &unique("uagv")).await;
    let ghost = corridor_vda5050::VehicleId::new("Corridor", "IGV-404").expect("id");
    let e = master
        .send_instant_actions(&ghost, &[Action::start_pause("p")])
        .await
        .expect_err("unknown vehicle");
    assert!(matches!(e, BridgeError::UnknownVehicle { .. }), "{e}");
    assert!(e.to_string().contains("IGV-404"), "{e}");
    assert_eq!(master.counters().published, 0);
}

/// After shutdown the connection is closed in good order and every send says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_shutdown_sends_are_refused_as_closed() {
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (master, mut events, stop) = master(&url, &interface).await;
    let vehicle = ScriptedVehicle::connect(&url, &interface, ProtocolVersion::V2, "IGV-5").await;
    next_connection(&mut events, &vehicle.id).await;
    stop.send(()).expect("master running");
    tokio::time::timeout(crate::support::WAIT, master.stopped())
        .await
        .expect("stops");
    assert!(!master.is_connected());
    let e = master
        .send_instant_actions(&vehicle.id, &[Action::start_pause("p")])
        .await
        .expect_err("closed");
    assert!(matches!(e, BridgeError::Closed { .. }), "{e}");
    assert_eq!(master.counters().published, 0);
    // The events channel ends with the connection.
    while let Some(event) = events.recv().await {
        assert!(!matches!(event, VehicleEvent::Rejected { .. }), "{event:?}");
    }
}
