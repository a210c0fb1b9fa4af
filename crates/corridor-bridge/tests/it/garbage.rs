//! Bad input on the vehicle topics: every kind is logged, counted and reported, and a valid
//! message after it still gets through. Stale messages are dropped with a logged reason.
//!
//! These tests run on a current-thread runtime so that the bridge's tasks log on the test's
//! thread, where [`LogCapture`] sees them.

use corridor_bridge::VehicleEvent;
use corridor_vda5050::model::ConnectionState;
use corridor_vda5050::{Header, ProtocolVersion, TopicKind, VehicleId, codec};

use crate::fixtures::idle_at;
use crate::support::{
    LogCapture, ScriptedVehicle, broker, master, next_connection, next_event, next_state, now,
    unique,
};

#[tokio::test]
async fn garbage_on_state_connection_and_factsheet_is_logged_counted_and_survived() {
    let log = LogCapture::default();
    let _guard = log.install();
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (master, mut events, _stop) = master(&url, &interface).await;
    let mut vehicle =
        ScriptedVehicle::connect(&url, &interface, ProtocolVersion::V2, "IGV-07").await;
    let id = vehicle.id.clone();
    assert_eq!(
        next_connection(&mut events, &id).await,
        ConnectionState::Online
    );

    let state = vehicle.topic(TopicKind::State);
    let connection = vehicle.topic(TopicKind::Connection);
    let factsheet = vehicle.topic(TopicKind::Factsheet);
    let v3_state = {
        let header = Header::new(&id, ProtocolVersion::V3, 0, now());
        codec::encode_state(ProtocolVersion::V3, &header, &idle_at(0)).expect("v3 state")
    };
    let someone_elses = {
        let other = VehicleId::new("Corridor", "IGV-99").expect("id");
        let header = Header::new(&other, ProtocolVersion::V2, 0, now());
        codec::encode_state(ProtocolVersion::V2, &header, &idle_at(0)).expect("v2 state")
    };
    let valid_v2 = {
        let header = Header::new(&id, ProtocolVersion::V2, 100, now());
        codec::encode_state(ProtocolVersion::V2, &header, &idle_at(0)).expect("v2 state")
    };
    // (topic, payload, a fragment the reason must contain)
    let garbage: Vec<(String, Vec<u8>, &str)> = vec![
        (state.clone(), b"not json".to_vec(), "malformed JSON"),
        (state.clone(), b"{}".to_vec(), "missing field"),
        (state.clone(), vec![0xff, 0xfe, 0x00], "malformed JSON"),
        (state.clone(), v3_state.clone(), "v2 `state` message"),
        (state.clone(), someone_elses, "serialNumber"),
        (
            connection.clone(),
            br#"{"headerId":1,"timestamp":"2026-05-01T08:30:00.000Z","version":"2.1.0","manufacturer":"Corridor","serialNumber":"IGV-07","connectionState":"SLEEPY"}"#.to_vec(),
            "connectionState",
        ),
        (factsheet.clone(), b"[]".to_vec(), "malformed JSON"),
        (format!("{interface}/v9/Corridor/IGV-07/state"), valid_v2.clone(), "majorVersion"),
        (format!("{interface}/v2/Corridor/IGV 07/state"), valid_v2, "serialNumber"),
        (format!("{interface}/v3/Corridor/IGV-07/state"), v3_state, "speaks v2"),
    ];
    for (topic, payload, fragment) in &garbage {
        vehicle.publish_raw(topic, payload).await;
        let (got, _) = next_event(&mut events, &format!("rejection of {topic}"), |e| match e {
            VehicleEvent::Rejected { topic: t, reason } if t == topic => Some(reason.clone()),
            _ => None,
        })
        .await;
        assert!(
            got.contains(fragment),
            "{topic}: `{got}` lacks `{fragment}`"
        );
        if !fragment.starts_with("speaks") {
            assert!(
                got.contains(topic.as_str()) || got.contains("Corridor"),
                "{got}"
            );
        }
    }

    // An empty payload clears a retained message: not garbage, not news.
    vehicle.publish_raw(&factsheet, b"").await;

    // The bridge goes on: a valid state still gets through.
    let header_id = vehicle.publish_state(&idle_at(3)).await;
    let (header, got) = next_state(&mut events, &id).await;
    assert_eq!(header.header_id, header_id);
    assert_eq!(got, idle_at(3));
    let counters = master.counters();
    assert_eq!(counters.rejected, garbage.len() as u64, "{counters:?}");
    assert!(master.is_connected());

    // Each was logged, naming its topic.
    let text = log.text();
    for (topic, _, _) in &garbage {
        assert!(
            text.contains(topic.as_str()),
            "no log line names {topic}:\n{text}"
        );
    }
    assert_eq!(
        text.matches("VDA 5050 message rejected").count(),
        garbage.len(),
        "{text}"
    );
}

#[tokio::test]
async fn stale_and_duplicate_states_are_dropped_with_a_logged_reason() {
    let log = LogCapture::default();
    let _guard = log.install();
    let broker = broker().await;
    let url = broker.url();
    let interface = unique("uagv");
    let (master, mut events, _stop) = master(&url, &interface).await;
    let vehicle = ScriptedVehicle::connect(&url, &interface, ProtocolVersion::V3, "IGV-11").await;
    let id = vehicle.id.clone();
    next_connection(&mut events, &id).await;

    for (header_id, at) in [(5, 1), (5, 2), (3, 3), (6, 4)] {
        vehicle.publish_state_with_id(header_id, &idle_at(at)).await;
    }
    let (first, _) = next_state(&mut events, &id).await;
    let (second, state) = next_state(&mut events, &id).await;
    assert_eq!((first.header_id, second.header_id), (5, 6));
    assert_eq!(
        state,
        idle_at(4),
        "the duplicate and the older state were dropped"
    );
    let counters = master.counters();
    assert_eq!((counters.stale, counters.rejected), (2, 0), "{counters:?}");
    assert_eq!(master.vehicle(&id).and_then(|i| i.state_header_id), Some(6));
    let text = log.text();
    assert!(
        text.contains("duplicate") && text.contains("out of order"),
        "{text}"
    );
    assert!(text.contains("IGV-11"), "{text}");
}
