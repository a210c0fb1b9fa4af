//! Property tests: random valid model messages encode to JSON that validates against the
//! official schema of each version and decode back to the same model; instructions that a
//! version cannot carry are refused, never silently cut.

use corridor_vda5050::model::Order;
use corridor_vda5050::{Header, Message, ProtocolVersion, TopicKind, Vda5050Error, codec};
use proptest::prelude::*;

use crate::schema::assert_valid;
use crate::strategies;

use ProtocolVersion::{V2, V3};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Encodes, checks the schema, decodes, and compares.
fn round_trip<T: PartialEq + std::fmt::Debug>(
    version: ProtocolVersion,
    kind: TopicKind,
    header: &Header,
    body: &T,
    encode: impl Fn(ProtocolVersion, &Header, &T) -> Result<Vec<u8>, Vda5050Error>,
    decode: impl Fn(ProtocolVersion, &[u8]) -> Result<Message<T>, Vda5050Error>,
) -> Result<(), TestCaseError> {
    let bytes = encode(version, header, body)
        .map_err(|e| TestCaseError::fail(format!("encode failed: {e}")))?;
    assert_valid(version, kind, &bytes);
    let decoded = decode(version, &bytes).map_err(|e| {
        TestCaseError::fail(format!(
            "decode failed: {e}\n{}",
            String::from_utf8_lossy(&bytes)
        ))
    })?;
    prop_assert_eq!(&decoded.header, header);
    prop_assert_eq!(&decoded.body, body);
    Ok(())
}

macro_rules! round_trips {
    ($( $name:ident: $version:expr, $kind:ident, $strategy:expr, $encode:path, $decode:path; )*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(header in strategies::header($version), body in $strategy) {
                    round_trip($version, TopicKind::$kind, &header, &body,
                        |v, h, b| $encode(v, h, b), $decode)?;
                }
            )*
        }
    };
}

round_trips! {
    order_v2: V2, Order, strategies::order(V2), codec::encode_order, codec::decode_order;
    order_v3: V3, Order, strategies::order(V3), codec::encode_order, codec::decode_order;
    instant_actions_v2: V2, InstantActions, proptest::collection::vec(strategies::instant_action(V2), 0..4),
        codec::encode_instant_actions, codec::decode_instant_actions;
    instant_actions_v3: V3, InstantActions, proptest::collection::vec(strategies::instant_action(V3), 0..4),
        codec::encode_instant_actions, codec::decode_instant_actions;
    state_v2: V2, State, strategies::vehicle_state(V2), codec::encode_state, codec::decode_state;
    state_v3: V3, State, strategies::vehicle_state(V3), codec::encode_state, codec::decode_state;
    factsheet_v2: V2, Factsheet, strategies::factsheet(V2), codec::encode_factsheet, codec::decode_factsheet;
    factsheet_v3: V3, Factsheet, strategies::factsheet(V3), codec::encode_factsheet, codec::decode_factsheet;
    visualization_v2: V2, Visualization, strategies::visualization(V2), codec::encode_visualization, codec::decode_visualization;
    visualization_v3: V3, Visualization, strategies::visualization(V3), codec::encode_visualization, codec::decode_visualization;
    zone_set_v3: V3, ZoneSet, strategies::zone_set(), codec::encode_zone_set, codec::decode_zone_set;
    responses_v3: V3, Responses, strategies::responses(), codec::encode_responses, codec::decode_responses;
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn connection_both_versions(v3 in any::<bool>(), header_seed in any::<u32>(), state in strategies::connection_state(V3)) {
        let version = if v3 { V3 } else { V2 };
        let mut header = Header::new(
            &corridor_vda5050::VehicleId::new("Corridor", "IGV-07").unwrap(),
            version,
            header_seed,
            corridor_vda5050::Timestamp::UNIX_EPOCH,
        );
        header.header_id = header_seed;
        match codec::encode_connection(version, &header, state) {
            Ok(bytes) => {
                assert_valid(version, TopicKind::Connection, &bytes);
                let decoded = codec::decode_connection(version, &bytes).unwrap();
                prop_assert_eq!(decoded.body, state);
            }
            Err(e) => {
                // Only HIBERNATING has no 2.x form.
                prop_assert!(version == V2 && state == corridor_vda5050::model::ConnectionState::Hibernating, "{}", e);
                prop_assert!(matches!(e, Vda5050Error::NotExpressible { .. }), "{}", e);
            }
        }
    }

    /// A 3.0 order sent to a 2.x vehicle arrives whole or not at all: either the 2.x
    /// encoding validates and decodes to exactly the same order, or encoding is refused
    /// with NotExpressible naming the field.
    #[test]
    fn v3_order_for_v2_is_lossless_or_refused(header in strategies::header(V2), order in strategies::order(V3)) {
        lossless_or_refused(&header, &order)?;
    }

    #[test]
    fn v3_instant_actions_for_v2_are_lossless_or_refused(
        header in strategies::header(V2),
        actions in proptest::collection::vec(strategies::instant_action(V3), 0..4),
    ) {
        match codec::encode_instant_actions(V2, &header, &actions) {
            Ok(bytes) => {
                assert_valid(V2, TopicKind::InstantActions, &bytes);
                prop_assert_eq!(codec::decode_instant_actions(V2, &bytes).unwrap().body, actions);
            }
            Err(e) => prop_assert!(matches!(e, Vda5050Error::NotExpressible { .. }), "{}", e),
        }
    }

    /// What a 3.0 vehicle reports, re-encoded for 2.x, still validates when it can be said.
    #[test]
    fn v3_state_for_v2_validates_or_is_refused(header in strategies::header(V2), state in strategies::vehicle_state(V3)) {
        match codec::encode_state(V2, &header, &state) {
            Ok(bytes) => {
                let paused = state.action_states.iter().chain(&state.instant_action_states)
                    .any(|a| a.status == corridor_vda5050::model::ActionStatus::Paused);
                if !paused {
                    assert_valid(V2, TopicKind::State, &bytes);
                }
                let back = codec::decode_state(V2, &bytes).unwrap().body;
                prop_assert_eq!(back.action_states.len(), state.action_states.len() + state.instant_action_states.len());
                prop_assert_eq!(back.power.current, None);
            }
            Err(e) => prop_assert!(matches!(e, Vda5050Error::NotExpressible { .. }), "{}", e),
        }
    }
}

fn lossless_or_refused(header: &Header, order: &Order) -> Result<(), TestCaseError> {
    match codec::encode_order(V2, header, order) {
        Ok(bytes) => {
            assert_valid(V2, TopicKind::Order, &bytes);
            prop_assert_eq!(&codec::decode_order(V2, &bytes).unwrap().body, order);
        }
        Err(Vda5050Error::NotExpressible { field, .. }) => {
            prop_assert!(!field.is_empty());
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
    }
    Ok(())
}
