//! Bad input: decoders never panic, and errors name the topic, the field and the reason.

use corridor_vda5050::model::{ConnectionState, Edge, Node, OrderBuilder};
use corridor_vda5050::{
    Header, OrderProblem, ProtocolVersion, Timestamp, Topic, TopicKind, Vda5050Error, VehicleId,
    codec,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::strategies;

use ProtocolVersion::{V2, V3};

fn all_decoders(version: ProtocolVersion, bytes: &[u8]) {
    let _ = codec::decode_order(version, bytes);
    let _ = codec::decode_instant_actions(version, bytes);
    let _ = codec::decode_state(version, bytes);
    let _ = codec::decode_connection(version, bytes);
    let _ = codec::decode_factsheet(version, bytes);
    let _ = codec::decode_visualization(version, bytes);
    let _ = codec::decode_zone_set(version, bytes);
    let _ = codec::decode_responses(version, bytes);
    for kind in TopicKind::ALL {
        if let Ok(topic) = Topic::new("uagv", version, vehicle(), kind) {
            let _ = codec::decode(&topic, bytes);
        }
    }
}

fn vehicle() -> VehicleId {
    VehicleId::new("Corridor", "IGV-07").unwrap()
}

fn header(version: ProtocolVersion) -> Header {
    Header::new(&vehicle(), version, 7, Timestamp::UNIX_EPOCH)
}

fn sample_order_json(version: ProtocolVersion) -> Value {
    let order = OrderBuilder::new("o-1", Node::new("A"))
        .step(Edge::new("A-B"), Node::new("B"))
        .step(Edge::new("B-C"), Node::new("C"))
        .build(1)
        .unwrap();
    serde_json::from_slice(&codec::encode_order(version, &header(version), &order).unwrap())
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        all_decoders(V2, &bytes);
        all_decoders(V3, &bytes);
    }

    #[test]
    fn random_json_never_panics(value in strategies::json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        all_decoders(V2, &bytes);
        all_decoders(V3, &bytes);
    }

    /// Valid messages with one byte changed, inserted or removed reach deep into the
    /// decoders and the order rules.
    #[test]
    fn mutated_messages_never_panic(
        state in strategies::vehicle_state(V3),
        order in strategies::order(V3),
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        how in 0u8..3,
    ) {
        for bytes in [
            codec::encode_state(V3, &header(V3), &state).unwrap(),
            codec::encode_order(V3, &header(V3), &order).unwrap(),
        ] {
            let mut bytes = bytes;
            let at = position.index(bytes.len());
            match how {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => { bytes.remove(at); }
            }
            all_decoders(V2, &bytes);
            all_decoders(V3, &bytes);
        }
    }
}

#[test]
fn malformed_field_is_named_by_path() {
    let mut order = sample_order_json(V3);
    order["nodes"][1]["sequenceId"] = json!("two");
    let err = codec::decode_order(V3, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, Vda5050Error::Malformed { path, .. } if path == "nodes[1].sequenceId"),
        "{text}"
    );
    assert!(text.contains("v3 `order` message"), "{text}");

    let mut order = sample_order_json(V2);
    order["edges"][0]
        .as_object_mut()
        .unwrap()
        .remove("startNodeId");
    let err = codec::decode_order(V2, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    assert!(err.to_string().contains("startNodeId"), "{err}");

    let err = codec::decode_state(V3, b"{\"headerId\": 1,").unwrap_err();
    assert!(matches!(err, Vda5050Error::Malformed { .. }), "{err}");
    let err = codec::decode_connection(V2, b"{} trailing").unwrap_err();
    assert!(matches!(err, Vda5050Error::Malformed { .. }), "{err}");
}

#[test]
fn errors_name_topic_and_vehicle() {
    let topic = Topic::parse("uagv/v2/Corridor/IGV-07/connection").unwrap();
    let other = Header::new(
        &VehicleId::new("Corridor", "IGV-08").unwrap(),
        V2,
        1,
        Timestamp::UNIX_EPOCH,
    );
    let bytes = codec::encode_connection(V2, &other, ConnectionState::Online).unwrap();
    let err = codec::decode(&topic, &bytes).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, Vda5050Error::HeaderMismatch { field: "serialNumber", expected, found, .. }
            if expected == "IGV-07" && found == "IGV-08"),
        "{text}"
    );
    assert!(
        text.contains("uagv/v2/Corridor/IGV-07/connection"),
        "{text}"
    );

    // A 3.0 payload on a 2.x topic: the header version does not fit.
    let bytes = codec::encode_connection(V3, &header(V3), ConnectionState::Online).unwrap();
    let err = codec::decode(&topic, &bytes).unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::HeaderMismatch {
                field: "version",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn connection_broken_is_spelled_per_version() {
    let v2 = codec::encode_connection(V2, &header(V2), ConnectionState::ConnectionBroken).unwrap();
    let v3 = codec::encode_connection(V3, &header(V3), ConnectionState::ConnectionBroken).unwrap();
    assert!(String::from_utf8_lossy(&v2).contains("\"CONNECTIONBROKEN\""));
    assert!(String::from_utf8_lossy(&v3).contains("\"CONNECTION_BROKEN\""));
    // The 3.0 schema rejects the 2.x spelling, and so does the 3.0 decoder, naming the field.
    let mut wrong: Value = serde_json::from_slice(&v3).unwrap();
    wrong["connectionState"] = json!("CONNECTIONBROKEN");
    let wrong = serde_json::to_vec(&wrong).unwrap();
    assert!(!crate::schema::violations(V3, TopicKind::Connection, &wrong).is_empty());
    let err = codec::decode_connection(V3, &wrong).unwrap_err();
    assert!(
        matches!(&err, Vda5050Error::Malformed { path, .. } if path == "connectionState"),
        "{err}"
    );
}

#[test]
fn order_rules_are_checked_when_decoding() {
    // Odd node sequence id.
    let mut order = sample_order_json(V3);
    order["nodes"][1]["sequenceId"] = json!(3);
    let err = codec::decode_order(V3, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    assert!(
        matches!(
            &err,
            Vda5050Error::InvalidOrder {
                problem: OrderProblem::SequenceId {
                    expected: 2,
                    found: 3,
                    ..
                },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("order `o-1`"), "{err}");

    // A released node after the horizon.
    let mut order = sample_order_json(V2);
    order["nodes"][2]["released"] = json!(true);
    let err = codec::decode_order(V2, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::InvalidOrder {
                problem: OrderProblem::ReleasedAfterHorizon { .. },
                ..
            }
        ),
        "{err}"
    );

    // Too few edges.
    let mut order = sample_order_json(V3);
    order["edges"].as_array_mut().unwrap().pop();
    let err = codec::decode_order(V3, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::InvalidOrder {
                problem: OrderProblem::EdgeCount { nodes: 3, edges: 1 },
                ..
            }
        ),
        "{err}"
    );

    // 2.x edge endpoints must name the nodes around the edge.
    let mut order = sample_order_json(V2);
    order["edges"][1]["endNodeId"] = json!("Z");
    let err = codec::decode_order(V2, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    assert!(
        matches!(&err, Vda5050Error::InvalidOrder { problem: OrderProblem::EdgeEndpoint { field, expected, found }, .. }
            if field == "edges[1].endNodeId" && expected == "C" && found == "Z"),
        "{err}"
    );
}

#[test]
fn encoders_refuse_bad_numbers_naming_the_field() {
    let mut order = OrderBuilder::new("o-1", Node::new("A"))
        .step(Edge::new("A-B").with_max_speed(f64::NAN), Node::new("B"))
        .build(1)
        .unwrap();
    let err = codec::encode_order(V3, &header(V3), &order).unwrap_err();
    assert!(
        matches!(&err, Vda5050Error::NotFinite { path, .. } if path == "edges[0].maximumSpeed"),
        "{err}"
    );

    order.edges[0].max_speed = Some(2.0);
    order.edges[0].orientation = Some(4.0);
    let err = codec::encode_order(V2, &header(V2), &order).unwrap_err();
    assert!(
        matches!(&err, Vda5050Error::OutOfRange { field, .. } if field == "edges[0].orientation"),
        "{err}"
    );

    let mut state = corridor_vda5050::model::VehicleState::idle(120.0);
    let err = codec::encode_state(V3, &header(V3), &state).unwrap_err();
    assert!(
        matches!(&err, Vda5050Error::OutOfRange { field, .. } if field == "powerSupply.stateOfCharge"),
        "{err}"
    );
    state.power.state_of_charge = 50.0;
    codec::encode_state(V3, &header(V3), &state).unwrap();

    let err = codec::encode_order(
        V3,
        &Header {
            version: "2.1.0".into(),
            ..header(V3)
        },
        &order,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::HeaderMismatch {
                field: "version",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn three_zero_topics_do_not_exist_in_two() {
    let err = codec::encode_responses(V2, &header(V2), &[]).unwrap_err();
    assert!(matches!(err, Vda5050Error::NotExpressible { .. }), "{err}");
    let bytes = codec::encode_responses(V3, &header(V3), &[]).unwrap();
    assert!(codec::decode_responses(V2, &bytes).is_err());
    assert!(codec::decode_zone_set(V2, &bytes).is_err());
}

/// Where the 2.1 text and the 2.1.0 schema disagree, this crate follows the text. These
/// tests pin the disagreement down so that a corrected schema shows up here.
#[test]
fn v2_schema_gaps() {
    use corridor_vda5050::model::{ActionState, ActionStatus, VehicleState};
    // PAUSED: in the 2.1 text (§6.11), not in the schema's enum.
    let mut state = VehicleState::idle(50.0);
    state.action_states.push(ActionState {
        action_id: "a".into(),
        action_type: None,
        status: ActionStatus::Paused,
        description: None,
        result: None,
    });
    let bytes = codec::encode_state(V2, &header(V2), &state).unwrap();
    assert!(!crate::schema::violations(V2, TopicKind::State, &bytes).is_empty());
    assert_eq!(codec::decode_state(V2, &bytes).unwrap().body, state);

    // blockingTypes: "type": "array" with the enum on the array itself, so no value passes.
    let mut factsheet: Value = serde_json::from_slice(&minimal_v2_factsheet()).unwrap();
    assert!(
        crate::schema::violations(
            V2,
            TopicKind::Factsheet,
            &serde_json::to_vec(&factsheet).unwrap()
        )
        .is_empty()
    );
    factsheet["protocolFeatures"]["agvActions"][0]["blockingTypes"] = json!(["NONE"]);
    let bytes = serde_json::to_vec(&factsheet).unwrap();
    assert!(!crate::schema::violations(V2, TopicKind::Factsheet, &bytes).is_empty());
    let decoded = codec::decode_factsheet(V2, &bytes).unwrap().body;
    assert_eq!(
        decoded.protocol_features.actions[0].blocking_types,
        Some(vec![corridor_vda5050::model::BlockingType::None])
    );
}

fn minimal_v2_factsheet() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "headerId": 1, "timestamp": "2026-01-01T00:00:00.000Z", "version": "2.1.0",
        "manufacturer": "Corridor", "serialNumber": "IGV-07",
        "typeSpecification": {"seriesName": "IGV", "agvKinematic": "DIFF", "agvClass": "CARRIER",
            "maxLoadMass": 40000, "localizationTypes": ["NATURAL"], "navigationTypes": ["AUTONOMOUS"]},
        "physicalParameters": {"speedMin": 0.1, "speedMax": 6.1, "accelerationMax": 0.5,
            "decelerationMax": 2.5, "heightMax": 4.2, "width": 3.0, "length": 15.6},
        "protocolLimits": {"maxStringLens": {}, "maxArrayLens": {"order.nodes": 40},
            "timing": {"minOrderInterval": 1.0, "minStateInterval": 0.5}},
        "protocolFeatures": {"optionalParameters": [],
            "agvActions": [{"actionType": "pick", "actionScopes": ["NODE"]}]},
        "agvGeometry": {}, "loadSpecification": {}
    }))
    .unwrap()
}

#[test]
fn factsheet_with_vendor_geometry_decodes() {
    let factsheet = codec::decode_factsheet(V2, &minimal_v2_factsheet())
        .unwrap()
        .body;
    assert_eq!(
        factsheet.type_specification.navigation_types,
        vec![corridor_vda5050::model::NavigationType::FreelyNavigating]
    );
    assert_eq!(
        factsheet.protocol_limits.max_array_lengths.order_nodes,
        Some(40)
    );
    // Without headerId the 2.1.0 schema is content, the model is not.
    let mut value: Value = serde_json::from_slice(&minimal_v2_factsheet()).unwrap();
    value.as_object_mut().unwrap().remove("headerId");
    let err = codec::decode_factsheet(V2, &serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            Vda5050Error::MissingHeaderField {
                field: "headerId",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_header_values_are_named() {
    let mut order = sample_order_json(V3);
    order["timestamp"] = json!("2026-02-30T00:00:00.000Z");
    let err = codec::decode_order(V3, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("2026-02-30") && text.contains("does not exist"),
        "{text}"
    );

    let mut order = sample_order_json(V3);
    order["headerId"] = json!(-1);
    let err = codec::decode_order(V3, &serde_json::to_vec(&order).unwrap()).unwrap_err();
    assert!(err.to_string().contains("-1"), "{err}");

    let mut state: Value = serde_json::from_slice(
        &codec::encode_state(
            V2,
            &header(V2),
            &corridor_vda5050::model::VehicleState::idle(50.0),
        )
        .unwrap(),
    )
    .unwrap();
    state["operatingMode"] = json!("TEACH_IN");
    let err = codec::decode_state(V2, &serde_json::to_vec(&state).unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, Vda5050Error::Malformed { path, .. } if path == "operatingMode")
            && text.contains("TEACH_IN")
            && text.contains("TEACHIN"),
        "{text}"
    );
}
