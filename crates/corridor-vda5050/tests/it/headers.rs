//! Header bookkeeping: numbering per topic on the send side, stale detection on the
//! receive side, driven by decoded messages.

use corridor_vda5050::model::ConnectionState;
use corridor_vda5050::{
    Incoming, IncomingHeaders, OutgoingHeaders, ProtocolVersion, Staleness, Timestamp, Topic,
    TopicKind, Vda5050Error, VehicleId, codec,
};
use proptest::prelude::*;

fn vehicle() -> VehicleId {
    VehicleId::new("Corridor", "IGV-07").unwrap()
}

/// What a bridge does with each arriving message: decode, then check freshness.
fn receive(
    memory: &mut IncomingHeaders,
    topic: &Topic,
    bytes: &[u8],
) -> Result<Incoming, Vda5050Error> {
    let message = codec::decode(topic, bytes)?;
    match &message {
        Incoming::Connection(m) => memory.accept_connection(m.header.header_id, m.body)?,
        other => memory.accept(other.kind(), other.header().header_id)?,
    }
    Ok(message)
}

#[test]
fn stale_and_reordered_messages_are_flagged_with_a_reason() {
    let version = ProtocolVersion::V3;
    let mut out = OutgoingHeaders::new(vehicle(), version);
    let mut memory = IncomingHeaders::new(vehicle());
    let conn = Topic::new("vda5050", version, vehicle(), TopicKind::Connection).unwrap();
    let now = Timestamp::UNIX_EPOCH;

    // The vehicle sets its last will with the connection header of connect time…
    let will_header = out.next_header(TopicKind::Connection, now);
    let will =
        codec::encode_connection(version, &will_header, ConnectionState::ConnectionBroken).unwrap();
    let online = codec::encode_connection(
        version,
        &out.next_header(TopicKind::Connection, now),
        ConnectionState::Online,
    )
    .unwrap();
    receive(&mut memory, &conn, &online).unwrap();
    // …so the will arrives with an older headerId and must still be taken.
    let got = receive(&mut memory, &conn, &will).unwrap();
    assert!(matches!(got, Incoming::Connection(m) if m.body == ConnectionState::ConnectionBroken));

    let state_topic = conn.sibling(TopicKind::State).unwrap();
    let state = corridor_vda5050::model::VehicleState::idle(70.0);
    let first =
        codec::encode_state(version, &out.next_header(TopicKind::State, now), &state).unwrap();
    let second =
        codec::encode_state(version, &out.next_header(TopicKind::State, now), &state).unwrap();
    receive(&mut memory, &state_topic, &second).unwrap();
    let err = receive(&mut memory, &state_topic, &first).unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::StaleMessage {
                staleness: Staleness::OutOfOrder,
                header_id: 0,
                last_seen: 1,
                ..
            }
        ),
        "{err}"
    );
    let err = receive(&mut memory, &state_topic, &second).unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::StaleMessage {
                staleness: Staleness::Duplicate,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("Corridor/IGV-07") && text.contains("state") && text.contains("duplicate"),
        "{text}"
    );

    // The vehicle restarts: its counters start again at 0 after ONLINE.
    let mut restarted = OutgoingHeaders::new(vehicle(), version);
    let online = codec::encode_connection(
        version,
        &restarted.next_header(TopicKind::Connection, now),
        ConnectionState::Online,
    )
    .unwrap();
    receive(&mut memory, &conn, &online).unwrap();
    let fresh = codec::encode_state(
        version,
        &restarted.next_header(TopicKind::State, now),
        &state,
    )
    .unwrap();
    receive(&mut memory, &state_topic, &fresh).unwrap();
}

proptest! {
    /// Any arrival order: a message is accepted exactly when its headerId is above every
    /// one accepted before on its topic.
    #[test]
    fn accepts_exactly_the_increasing_ids(ids in proptest::collection::vec(0u32..20, 0..30)) {
        let mut memory = IncomingHeaders::new(vehicle());
        let mut highest: Option<u32> = None;
        for id in ids {
            let accepted = memory.accept(TopicKind::State, id).is_ok();
            prop_assert_eq!(accepted, highest.is_none_or(|h| id > h));
            if accepted { highest = Some(id); }
        }
    }

    #[test]
    fn outgoing_ids_count_up_per_topic(kinds in proptest::collection::vec(proptest::sample::select(TopicKind::ALL.to_vec()), 0..40)) {
        let mut out = OutgoingHeaders::new(vehicle(), ProtocolVersion::V2);
        let mut counts = std::collections::HashMap::new();
        for kind in kinds {
            let expected = counts.entry(kind).or_insert(0u32);
            prop_assert_eq!(out.next_header(kind, Timestamp::UNIX_EPOCH).header_id, *expected);
            *expected += 1;
        }
    }
}
