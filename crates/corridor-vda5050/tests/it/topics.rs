//! The topic scheme of §4.2: parse, format, character rules, QoS and retained flags.

use corridor_vda5050::{ProtocolVersion, Topic, TopicKind, TopicPart, Vda5050Error, VehicleId};
use proptest::prelude::*;

fn part_of(err: &Vda5050Error) -> TopicPart {
    match err {
        Vda5050Error::InvalidTopic { part, .. } => *part,
        other => panic!("not a topic error: {other}"),
    }
}

#[test]
fn parses_the_examples_of_the_standard() {
    let t = Topic::parse("uagv/v2/KIT/0001/order").unwrap();
    assert_eq!(
        (
            t.interface_name(),
            t.version(),
            t.vehicle().manufacturer(),
            t.vehicle().serial_number(),
            t.kind()
        ),
        ("uagv", ProtocolVersion::V2, "KIT", "0001", TopicKind::Order)
    );
    let t: Topic = "vda5050/v3/KIT/0001/instantActions".parse().unwrap();
    assert_eq!(
        (t.version(), t.kind()),
        (ProtocolVersion::V3, TopicKind::InstantActions)
    );
    assert_eq!(
        t.sibling(TopicKind::State).unwrap().to_string(),
        "vda5050/v3/KIT/0001/state"
    );
}

#[test]
fn qos_and_retained_as_the_standard_says() {
    for (name, qos, retained) in [
        ("order", 0, false),
        ("instantActions", 0, false),
        ("state", 0, false),
        ("visualization", 0, false),
        ("connection", 1, true),
        ("factsheet", 0, true),
        ("zoneSet", 0, false),
        ("responses", 0, false),
    ] {
        let t = Topic::parse(&format!("vda5050/v3/M/S/{name}")).unwrap();
        assert_eq!((t.qos(), t.retained()), (qos, retained), "{name}");
    }
}

#[test]
fn errors_name_the_topic_and_the_bad_part() {
    for (topic, part, needle) in [
        ("uagv/v2/KIT/0001", TopicPart::Levels, "found 4"),
        ("uagv/v2/KIT/0001/order/extra", TopicPart::Levels, "found 6"),
        ("uagv/v4/KIT/0001/order", TopicPart::MajorVersion, "`v4`"),
        ("uagv/2/KIT/0001/order", TopicPart::MajorVersion, "`2`"),
        ("uagv/v2/KIT/00 01/order", TopicPart::SerialNumber, "` `"),
        ("uagv/v2/KIT/0001#/order", TopicPart::SerialNumber, "`#`"),
        ("uagv/v2/KIT//order", TopicPart::SerialNumber, "empty"),
        ("uagv/v2/K+T/0001/order", TopicPart::Manufacturer, "`+`"),
        ("uagv/v2/$SYS/0001/order", TopicPart::Manufacturer, "`$`"),
        ("/v2/KIT/0001/order", TopicPart::InterfaceName, "empty"),
        ("uagv/v2/KIT/0001/orders", TopicPart::Topic, "`orders`"),
        ("uagv/v2/KIT/0001/zoneSet", TopicPart::Topic, "new in v3"),
        ("uagv/v2/KIT/0001/responses", TopicPart::Topic, "new in v3"),
    ] {
        let err = Topic::parse(topic).unwrap_err();
        assert_eq!(part_of(&err), part, "{topic}: {err}");
        let text = err.to_string();
        assert!(
            text.contains(topic) && text.contains(needle),
            "{topic}: {text}"
        );
    }
    let err = VehicleId::new("KIT", "ä").unwrap_err();
    assert_eq!(part_of(&err), TopicPart::SerialNumber);
    let err = Topic::new(
        "a/b",
        ProtocolVersion::V3,
        VehicleId::new("KIT", "1").unwrap(),
        TopicKind::State,
    )
    .unwrap_err();
    assert_eq!(part_of(&err), TopicPart::InterfaceName);
}

#[test]
fn subscription_filters() {
    assert_eq!(
        Topic::filter_all_vehicles("uagv", ProtocolVersion::V2, TopicKind::State).unwrap(),
        "uagv/v2/+/+/state"
    );
    assert!(Topic::filter_all_vehicles("uagv", ProtocolVersion::V2, TopicKind::ZoneSet).is_err());
}

proptest! {
    #[test]
    fn format_then_parse_is_identity(
        interface in "[a-zA-Z0-9_ .-]{1,8}",
        v3 in any::<bool>(),
        manufacturer in "[^/+#$\u{0}]{1,8}",
        serial in "[A-Za-z0-9_.:-]{1,12}",
        kind in proptest::sample::select(TopicKind::ALL.to_vec()),
    ) {
        let version = if v3 { ProtocolVersion::V3 } else { ProtocolVersion::V2 };
        let vehicle = VehicleId::new(manufacturer, serial).unwrap();
        match Topic::new(interface, version, vehicle, kind) {
            Ok(topic) => prop_assert_eq!(Topic::parse(&topic.to_string()).unwrap(), topic),
            Err(err) => prop_assert!(!kind.exists_in(version), "{}", err),
        }
    }

    #[test]
    fn parse_never_panics_and_accepts_only_valid_levels(topic in "[a-zA-Z0-9/+#$ :._-]{0,40}") {
        if let Ok(parsed) = Topic::parse(&topic) {
            prop_assert_eq!(parsed.to_string(), topic.clone());
            prop_assert!(!topic.contains(['+', '#', '$']));
        }
    }
}
