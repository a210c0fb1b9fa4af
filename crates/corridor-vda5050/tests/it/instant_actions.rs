//! The standard's instant actions: built by constructors, written with each version's
//! names and parameters, refused where a version lacks them.

use corridor_vda5050::model::{Action, ActionType};
use corridor_vda5050::{
    Header, ProtocolVersion, Timestamp, TopicKind, Vda5050Error, VehicleId, codec,
};
use serde_json::Value;

use crate::schema::assert_valid;

use ProtocolVersion::{V2, V3};

fn header(version: ProtocolVersion) -> Header {
    Header::new(
        &VehicleId::new("Corridor", "IGV-07").unwrap(),
        version,
        3,
        Timestamp::UNIX_EPOCH,
    )
}

fn both_versions() -> Vec<Action> {
    vec![
        Action::cancel_order("a1"),
        Action::start_pause("a2"),
        Action::stop_pause("a3"),
        Action::factsheet_request("a4"),
        Action::state_request("a5"),
        Action::initialize_position("a6", 10.5, -3.25, 1.5, "huu-nghi", "B0"),
        Action::start_charging("a7"),
        Action::stop_charging("a8"),
        Action::log_report("a9", "barrier fault"),
        Action::enable_map("a10", "huu-nghi", "3"),
        Action::download_map("a11", "huu-nghi", "4", "https://maps.example/hn-4", None),
        Action::delete_map("a12", "huu-nghi", "2"),
    ]
}

fn three_zero_only() -> Vec<Action> {
    vec![
        Action::cancel_order_of("b0", "o-17"),
        Action::start_hibernation(
            "b1",
            Some(Timestamp::parse("2026-05-01T22:00:00.000Z").unwrap()),
        ),
        Action::stop_hibernation("b2"),
        Action::shutdown("b3"),
        Action::download_zone_set(
            "b4",
            "zs-1",
            "https://zones.example/zs-1",
            Some("abc".into()),
        ),
        Action::enable_zone_set("b5", "zs-1"),
        Action::delete_zone_set("b6", "zs-0"),
        Action::clear_instant_actions("b7"),
        Action::clear_zone_actions("b8"),
        Action::trigger("b9"),
        Action::retry("b10", "pick-3"),
        Action::skip_retry("b11", "pick-3"),
        Action::update_certificate("b12", "MQTT", "https://pki/key", "https://pki/cert", None),
    ]
}

#[test]
fn common_instant_actions_round_trip_in_both_versions() {
    let actions = both_versions();
    for version in ProtocolVersion::ALL {
        let bytes = codec::encode_instant_actions(version, &header(version), &actions).unwrap();
        assert_valid(version, TopicKind::InstantActions, &bytes);
        assert_eq!(
            codec::decode_instant_actions(version, &bytes).unwrap().body,
            actions
        );
    }
    let v2: Value =
        serde_json::from_slice(&codec::encode_instant_actions(V2, &header(V2), &actions).unwrap())
            .unwrap();
    let v3: Value =
        serde_json::from_slice(&codec::encode_instant_actions(V3, &header(V3), &actions).unwrap())
            .unwrap();
    assert_eq!(v2["actions"][5]["actionType"], "initPosition");
    assert_eq!(v3["actions"][5]["actionType"], "initializePosition");
    assert_eq!(v2["actions"][5]["actionParameters"][4]["key"], "lastNodeId");
    assert_eq!(v3["actions"][0]["blockingType"], "NONE");
}

#[test]
fn three_zero_instant_actions_are_refused_for_two() {
    let actions = three_zero_only();
    let bytes = codec::encode_instant_actions(V3, &header(V3), &actions).unwrap();
    assert_valid(V3, TopicKind::InstantActions, &bytes);
    assert_eq!(
        codec::decode_instant_actions(V3, &bytes).unwrap().body,
        actions
    );
    for (i, action) in actions.iter().enumerate() {
        let err = codec::encode_instant_actions(V2, &header(V2), std::slice::from_ref(action))
            .unwrap_err();
        let Vda5050Error::NotExpressible { field, .. } = &err else {
            panic!("{err}")
        };
        assert!(field.starts_with("actions[0]"), "{i}: {err}");
    }
}

#[test]
fn instant_actions_in_three_zero_block_nothing() {
    let pick = Action::new(
        "p",
        ActionType::Pick,
        corridor_vda5050::model::BlockingType::Hard,
    );
    let err =
        codec::encode_instant_actions(V3, &header(V3), std::slice::from_ref(&pick)).unwrap_err();
    assert!(
        matches!(&err, Vda5050Error::NotExpressible { field, .. } if field == "actions[0].blockingType"),
        "{err}"
    );
    // 2.x allows other blocking types for instant actions.
    let bytes = codec::encode_instant_actions(V2, &header(V2), &[pick]).unwrap();
    assert_valid(V2, TopicKind::InstantActions, &bytes);
}
