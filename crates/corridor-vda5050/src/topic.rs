//! MQTT topics: `{interfaceName}/{majorVersion}/{manufacturer}/{serialNumber}/{topic}`
//! (VDA 5050 §4.2), the protocol generation a vehicle speaks, and the QoS and retained
//! flags of each topic (§4.1, §6.5, §6.10).

use std::fmt;
use std::str::FromStr;

use crate::error::{TopicPart, Vda5050Error};

/// The major version of VDA 5050 a vehicle speaks, as the `majorVersion` topic level says.
///
/// A vehicle speaks exactly one: `v2` covers 2.0 and 2.1 (the 2.1.0 schemas are used),
/// `v3` covers 3.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// VDA 5050 2.x, topic level `v2`.
    V2,
    /// VDA 5050 3.x, topic level `v3`.
    V3,
}

impl ProtocolVersion {
    /// Both versions, oldest first.
    pub const ALL: [ProtocolVersion; 2] = [ProtocolVersion::V2, ProtocolVersion::V3];

    /// The `majorVersion` topic level: `"v2"` or `"v3"`.
    pub fn topic_level(self) -> &'static str {
        match self {
            ProtocolVersion::V2 => "v2",
            ProtocolVersion::V3 => "v3",
        }
    }

    /// The major version number.
    pub fn major(self) -> u32 {
        match self {
            ProtocolVersion::V2 => 2,
            ProtocolVersion::V3 => 3,
        }
    }

    /// The header `version` this crate writes unless told otherwise: the schemas it is
    /// checked against, `"2.1.0"` or `"3.0.0"`.
    pub fn default_version_string(self) -> &'static str {
        match self {
            ProtocolVersion::V2 => "2.1.0",
            ProtocolVersion::V3 => "3.0.0",
        }
    }

    /// Reads a topic level (`"v2"`, `"v3"`).
    pub fn from_topic_level(level: &str) -> Option<ProtocolVersion> {
        match level {
            "v2" => Some(ProtocolVersion::V2),
            "v3" => Some(ProtocolVersion::V3),
            _ => None,
        }
    }

    /// True when a header `version` such as `"2.0.0"` or `"2.1"` belongs to this major
    /// version: `[Major].[Minor].[Patch]`, the major part equal to [`Self::major`].
    pub fn accepts_version_string(self, version: &str) -> bool {
        let mut parts = version.split('.');
        let major_ok = parts.next() == Some(self.major().to_string().as_str());
        let rest: Vec<&str> = parts.collect();
        major_ok
            && (1..=2).contains(&rest.len())
            && rest
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.topic_level())
    }
}

/// Who publishes on a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Publisher {
    /// Fleet control (master control in 2.x) publishes, the vehicle subscribes.
    FleetControl,
    /// The vehicle (or the broker, for the last will on `connection`) publishes.
    Vehicle,
}

/// The last topic level: which message type travels on the topic (§4.3, Table 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TopicKind {
    /// `order`: orders and order updates, fleet control → vehicle.
    Order,
    /// `instantActions`: actions to run at once, fleet control → vehicle.
    InstantActions,
    /// `state`: the vehicle's full state, vehicle → fleet control.
    State,
    /// `visualization`: high-rate position, vehicle → visualization systems.
    Visualization,
    /// `connection`: ONLINE / OFFLINE / CONNECTION_BROKEN (last will), vehicle → fleet control.
    Connection,
    /// `factsheet`: capabilities and limits, vehicle → fleet control.
    Factsheet,
    /// `zoneSet` (3.0 only): zone set transfer, fleet control → vehicle.
    ZoneSet,
    /// `responses` (3.0 only): answers to requests in the state, fleet control → vehicle.
    Responses,
}

impl TopicKind {
    /// Every topic, in the order of §4.3 Table 2.
    pub const ALL: [TopicKind; 8] = [
        TopicKind::Order,
        TopicKind::InstantActions,
        TopicKind::State,
        TopicKind::Visualization,
        TopicKind::Connection,
        TopicKind::Factsheet,
        TopicKind::ZoneSet,
        TopicKind::Responses,
    ];

    /// The topic name as it appears in the topic string (`"instantActions"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TopicKind::Order => "order",
            TopicKind::InstantActions => "instantActions",
            TopicKind::State => "state",
            TopicKind::Visualization => "visualization",
            TopicKind::Connection => "connection",
            TopicKind::Factsheet => "factsheet",
            TopicKind::ZoneSet => "zoneSet",
            TopicKind::Responses => "responses",
        }
    }

    /// Reads a topic name (case-sensitive, as the standard writes it).
    pub fn from_name(name: &str) -> Option<TopicKind> {
        TopicKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// MQTT QoS: 1 (at least once) for `connection`, 0 (best effort) for all others (§4.1).
    pub fn qos(self) -> u8 {
        match self {
            TopicKind::Connection => 1,
            _ => 0,
        }
    }

    /// MQTT retained flag: set on `connection` (§6.5) and `factsheet` (§6.10) messages.
    pub fn retained(self) -> bool {
        matches!(self, TopicKind::Connection | TopicKind::Factsheet)
    }

    /// Who publishes on this topic.
    pub fn publisher(self) -> Publisher {
        match self {
            TopicKind::Order
            | TopicKind::InstantActions
            | TopicKind::ZoneSet
            | TopicKind::Responses => Publisher::FleetControl,
            TopicKind::State
            | TopicKind::Visualization
            | TopicKind::Connection
            | TopicKind::Factsheet => Publisher::Vehicle,
        }
    }

    /// Whether the topic exists in `version` (`zoneSet` and `responses` are new in 3.0).
    pub fn exists_in(self, version: ProtocolVersion) -> bool {
        version == ProtocolVersion::V3 || !matches!(self, TopicKind::ZoneSet | TopicKind::Responses)
    }

    /// Position in [`TopicKind::ALL`], for per-topic tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for TopicKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A vehicle's identity on the wire: `manufacturer` and `serialNumber`.
///
/// Guarantee: both are non-empty and valid as topic levels: the manufacturer has no `/`,
/// `+`, `#`, `$` or NUL; the serial number uses only `A-Z a-z 0-9 _ . : -` (§4.2 Table 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VehicleId {
    manufacturer: String,
    serial_number: String,
}

impl VehicleId {
    /// Checks both parts against the rules of §4.2.
    pub fn new(
        manufacturer: impl Into<String>,
        serial_number: impl Into<String>,
    ) -> Result<VehicleId, Vda5050Error> {
        let manufacturer = manufacturer.into();
        let serial_number = serial_number.into();
        let shown = format!("…/…/{manufacturer}/{serial_number}/…");
        check_free_level(&shown, TopicPart::Manufacturer, &manufacturer)?;
        check_serial_number(&shown, &serial_number)?;
        Ok(VehicleId {
            manufacturer,
            serial_number,
        })
    }

    /// The `manufacturer`.
    pub fn manufacturer(&self) -> &str {
        &self.manufacturer
    }

    /// The `serialNumber`.
    pub fn serial_number(&self) -> &str {
        &self.serial_number
    }
}

impl fmt::Display for VehicleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.manufacturer, self.serial_number)
    }
}

/// A parsed or composed VDA 5050 topic.
///
/// Guarantees: every level is valid per §4.2 (see [`VehicleId`]; the interface name follows
/// the manufacturer's rule), the topic exists in the version (no `zoneSet` under `v2`), and
/// `Topic::parse(&t.to_string()) == Ok(t)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Topic {
    interface_name: String,
    version: ProtocolVersion,
    vehicle: VehicleId,
    kind: TopicKind,
}

impl Topic {
    /// Composes a topic from its levels.
    pub fn new(
        interface_name: impl Into<String>,
        version: ProtocolVersion,
        vehicle: VehicleId,
        kind: TopicKind,
    ) -> Result<Topic, Vda5050Error> {
        let interface_name = interface_name.into();
        let shown = format!(
            "{interface_name}/{version}/{}/{}/{kind}",
            vehicle.manufacturer, vehicle.serial_number
        );
        check_free_level(&shown, TopicPart::InterfaceName, &interface_name)?;
        check_kind_in_version(&shown, kind, version)?;
        Ok(Topic {
            interface_name,
            version,
            vehicle,
            kind,
        })
    }

    /// Parses `{interfaceName}/{v2|v3}/{manufacturer}/{serialNumber}/{topic}`.
    ///
    /// The error names the topic and the level that is wrong.
    pub fn parse(topic: &str) -> Result<Topic, Vda5050Error> {
        let levels: Vec<&str> = topic.split('/').collect();
        let [interface_name, version, manufacturer, serial_number, kind] = levels[..] else {
            return Err(Vda5050Error::InvalidTopic {
                topic: topic.to_owned(),
                part: TopicPart::Levels,
                problem: format!(
                    "expected 5 levels interfaceName/majorVersion/manufacturer/serialNumber/topic, \
                     found {}",
                    levels.len()
                ),
            });
        };
        check_free_level(topic, TopicPart::InterfaceName, interface_name)?;
        let version = ProtocolVersion::from_topic_level(version).ok_or_else(|| {
            Vda5050Error::InvalidTopic {
                topic: topic.to_owned(),
                part: TopicPart::MajorVersion,
                problem: format!("`{version}` is not a supported major version (v2 or v3)"),
            }
        })?;
        check_free_level(topic, TopicPart::Manufacturer, manufacturer)?;
        check_serial_number(topic, serial_number)?;
        let kind = TopicKind::from_name(kind).ok_or_else(|| Vda5050Error::InvalidTopic {
            topic: topic.to_owned(),
            part: TopicPart::Topic,
            problem: format!(
                "`{kind}` is not a VDA 5050 topic (order, instantActions, state, visualization, \
                 connection, factsheet, zoneSet, responses)"
            ),
        })?;
        check_kind_in_version(topic, kind, version)?;
        Ok(Topic {
            interface_name: interface_name.to_owned(),
            version,
            vehicle: VehicleId {
                manufacturer: manufacturer.to_owned(),
                serial_number: serial_number.to_owned(),
            },
            kind,
        })
    }

    /// The `interfaceName` level (e.g. `uagv`, `vda5050`).
    pub fn interface_name(&self) -> &str {
        &self.interface_name
    }

    /// The protocol version of the `majorVersion` level.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The vehicle named by the `manufacturer` and `serialNumber` levels.
    pub fn vehicle(&self) -> &VehicleId {
        &self.vehicle
    }

    /// The message type.
    pub fn kind(&self) -> TopicKind {
        self.kind
    }

    /// MQTT QoS to publish and subscribe with (see [`TopicKind::qos`]).
    pub fn qos(&self) -> u8 {
        self.kind.qos()
    }

    /// Whether messages on this topic are published retained (see [`TopicKind::retained`]).
    pub fn retained(&self) -> bool {
        self.kind.retained()
    }

    /// The same vehicle and version on another topic.
    pub fn sibling(&self, kind: TopicKind) -> Result<Topic, Vda5050Error> {
        Topic::new(
            self.interface_name.clone(),
            self.version,
            self.vehicle.clone(),
            kind,
        )
    }

    /// The MQTT subscription filter for one topic of every vehicle of a version, e.g.
    /// `uagv/v2/+/+/state`.
    pub fn filter_all_vehicles(
        interface_name: &str,
        version: ProtocolVersion,
        kind: TopicKind,
    ) -> Result<String, Vda5050Error> {
        let shown = format!("{interface_name}/{version}/+/+/{kind}");
        check_free_level(&shown, TopicPart::InterfaceName, interface_name)?;
        check_kind_in_version(&shown, kind, version)?;
        Ok(shown)
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}/{}",
            self.interface_name,
            self.version,
            self.vehicle.manufacturer,
            self.vehicle.serial_number,
            self.kind
        )
    }
}

impl FromStr for Topic {
    type Err = Vda5050Error;

    fn from_str(topic: &str) -> Result<Self, Self::Err> {
        Topic::parse(topic)
    }
}

/// interfaceName and manufacturer: non-empty; no `/` (level separator), `+` and `#` (MQTT
/// wildcards), `$` (broker-internal topics) or NUL (forbidden in MQTT topic names).
fn check_free_level(topic: &str, part: TopicPart, level: &str) -> Result<(), Vda5050Error> {
    let problem = if level.is_empty() {
        Some("is empty".to_owned())
    } else {
        level
            .chars()
            .find(|c| matches!(c, '/' | '+' | '#' | '$' | '\0'))
            .map(|c| {
                format!(
                    "`{level}` contains `{}`, which VDA 5050 §4.2 forbids",
                    c.escape_default()
                )
            })
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Vda5050Error::InvalidTopic {
            topic: topic.to_owned(),
            part,
            problem,
        }),
    }
}

/// serialNumber: non-empty, only `A-Z a-z 0-9 _ . : -` (§4.2 Table 1).
fn check_serial_number(topic: &str, serial: &str) -> Result<(), Vda5050Error> {
    let problem = if serial.is_empty() {
        Some("is empty".to_owned())
    } else {
        serial
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')))
            .map(|c| {
                format!(
                    "`{serial}` contains `{}`; only A-Z a-z 0-9 _ . : - are allowed",
                    c.escape_default()
                )
            })
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Vda5050Error::InvalidTopic {
            topic: topic.to_owned(),
            part: TopicPart::SerialNumber,
            problem,
        }),
    }
}

fn check_kind_in_version(
    topic: &str,
    kind: TopicKind,
    version: ProtocolVersion,
) -> Result<(), Vda5050Error> {
    if kind.exists_in(version) {
        Ok(())
    } else {
        Err(Vda5050Error::InvalidTopic {
            topic: topic.to_owned(),
            part: TopicPart::Topic,
            problem: format!("`{kind}` does not exist in VDA 5050 {version} (new in v3)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_per_topic() {
        for kind in TopicKind::ALL {
            let expected_qos = u8::from(kind == TopicKind::Connection);
            assert_eq!(kind.qos(), expected_qos, "{kind}");
            assert_eq!(
                kind.retained(),
                matches!(kind, TopicKind::Connection | TopicKind::Factsheet),
                "{kind}"
            );
            assert_eq!(TopicKind::from_name(kind.name()), Some(kind));
            assert_eq!(TopicKind::ALL[kind.index()], kind);
        }
    }

    #[test]
    fn version_strings() {
        assert!(ProtocolVersion::V2.accepts_version_string("2.0.0"));
        assert!(ProtocolVersion::V2.accepts_version_string("2.1"));
        assert!(!ProtocolVersion::V2.accepts_version_string("3.0.0"));
        assert!(!ProtocolVersion::V3.accepts_version_string("3"));
        assert!(!ProtocolVersion::V3.accepts_version_string("3.0.x"));
        assert!(!ProtocolVersion::V3.accepts_version_string("30.0.0"));
        for v in ProtocolVersion::ALL {
            assert!(v.accepts_version_string(v.default_version_string()));
        }
    }
}
