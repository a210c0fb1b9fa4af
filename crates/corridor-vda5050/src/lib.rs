//! # corridor-vda5050
//!
//! VDA 5050 for Corridor: the messages of both generations in the field, **2.x** (topic
//! level `v2`, checked against the 2.1.0 schemas) and **3.0** (`v3`), one versionless model
//! for the rest of Corridor, the MQTT topic scheme, and the order and header bookkeeping of
//! one vehicle as pure state machines. No I/O, no async, no network: the bridge does that.
//!
//! - [`v2`], [`v3`]: wire types, field for field as the official JSON schemas.
//! - [`model`]: what Corridor works with; [`codec`] converts it to and from either version
//!   (`encode_order(version, &header, &order)`, `decode_state(version, &bytes)`,
//!   `decode(&topic, &bytes)`).
//! - [`Topic`]: `{interfaceName}/{v2|v3}/{manufacturer}/{serialNumber}/{topic}`, with the
//!   QoS and retained flag of each topic.
//! - [`OrderTracker`]: may this order be sent, what has the vehicle done, build the next
//!   update; [`OutgoingHeaders`] / [`IncomingHeaders`]: `headerId` numbering and stale
//!   message detection.
//! - [`Timestamp`]: ISO 8601 UTC with milliseconds.
//!
//! ```
//! use corridor_vda5050::model::{Action, Edge, Node, NodePosition, VehicleState};
//! use corridor_vda5050::{
//!     Admission, OrderTracker, OutgoingHeaders, ProtocolVersion, Timestamp, Topic, TopicKind,
//!     VehicleId, codec,
//! };
//!
//! let igv = VehicleId::new("Corridor", "IGV-07")?;
//! let version = ProtocolVersion::V2; // this vehicle speaks 2.x
//! let topic = Topic::new("uagv", version, igv.clone(), TopicKind::Order)?;
//! assert_eq!(topic.to_string(), "uagv/v2/Corridor/IGV-07/order");
//! assert_eq!((topic.qos(), topic.retained()), (0, false));
//!
//! let mut tracker = OrderTracker::new(igv.clone());
//! tracker.observe_state(&VehicleState::idle(80.0)); // from the vehicle's `state` topic
//!
//! let node = |id: &str, x: f64| Node::new(id).at(NodePosition::new(x, 0.0, "huu-nghi"));
//! // Release the lane to B; C is planned but not released yet (the horizon).
//! let order = tracker.build_new_order(
//!     "move-42",
//!     node("A", 0.0),
//!     vec![(Edge::new("A-B").with_max_speed(6.0), node("B", 40.0))],
//!     vec![(Edge::new("B-C"), node("C", 80.0))],
//! )?;
//! assert_eq!(tracker.record_sent(&order)?, Admission::NewOrder);
//!
//! let mut headers = OutgoingHeaders::new(igv, version);
//! let now = Timestamp::parse("2026-05-01T08:30:00.000Z")?;
//! let bytes = codec::encode_order(version, &headers.next_header(TopicKind::Order, now), &order)?;
//! let decoded = codec::decode(&topic, &bytes)?;
//! assert_eq!(decoded.header().header_id, 0);
//!
//! // The cell after B is free: extend the base from the decision point B.
//! let update = tracker.build_update(vec![(Edge::new("B-C"), node("C", 80.0))], vec![])?;
//! assert_eq!((update.order_update_id, update.nodes[0].node_id.as_str()), (1, "B"));
//! assert_eq!(tracker.record_sent(&update)?, Admission::Update);
//!
//! // Pausing works the same for a 2.x and a 3.0 vehicle.
//! let pause = [Action::start_pause("pause-1")];
//! let h = headers.next_header(TopicKind::InstantActions, now);
//! codec::encode_instant_actions(version, &h, &pause)?;
//! # Ok::<(), corridor_vda5050::Vda5050Error>(())
//! ```
//!
//! ## Where 2.x and 3.0 differ, and what the model does
//!
//! Renamed fields map one to one (e.g. `maxSpeed` ↔ `maximumSpeed`, `agvPosition` ↔
//! `mobileRobotPosition`, `batteryState.batteryCharge` ↔ `powerSupply.stateOfCharge`,
//! `CONNECTIONBROKEN` ↔ `CONNECTION_BROKEN`, `TEACHIN` ↔ `TEACH_IN`, `initPosition` ↔
//! `initializePosition`, navigation `AUTONOMOUS` ↔ `FREELY_NAVIGATING`, kinematics `DIFF` ↔
//! `DIFFERENTIAL`, 2.x `rotationAllowed` = not 3.0 `reachOrientationBeforeEntering`). 2.x
//! edges carry `startNodeId`/`endNodeId`; the model derives them from the neighbouring
//! nodes and checks them when decoding.
//!
//! Where the model holds something 2.x cannot say, encoding for 2.x fails with
//! [`Vda5050Error::NotExpressible`] naming the field — never a silent loss in an
//! instruction: blocking type SINGLE, `retriable`, a deviation ellipse that is not a
//! circle (`a != b` or `theta != 0`), a corridor needing a release, a trajectory without
//! degree or knot vector (optional in 3.0, required in 2.x), `cancelOrder` with an
//! `orderId`, the 3.0-only actions (hibernation, shutdown, zone sets, trigger, retry, ...),
//! the `zoneSet` and `responses` topics, connection HIBERNATING, action status RETRIABLE,
//! error levels URGENT and CRITICAL, operating modes STARTUP and INTERVENED, zone action
//! states and zone/edge requests, factsheet action scope ZONE. The reverse: e-stop AUTOACK
//! and value type FLOAT do not exist in 3.0; a 3.0 visualization needs
//! `referenceStateHeaderId`, a 3.0 factsheet `minimumHeight`, `pauseAllowed` and
//! `cancelAllowed`.
//!
//! Lossy on purpose, in vehicle → fleet telemetry only: encoding for 2.x leaves out
//! `powerSupply.batteryCurrent`, the angular speed limits and `pauseAllowed` /
//! `cancelAllowed` of the factsheet, and the visualization's `referenceStateHeaderId`; 2.x
//! reports instant action states among the order's `actionStates`, so a 3.0 state's
//! `instantActionStates` are merged into them and decoding 2.x leaves
//! [`model::VehicleState::instant_action_states`] empty (use
//! [`model::VehicleState::action_state`], which searches all lists). 2.x's one
//! `orderError` reads as [`model::PredefinedError::InvalidOrderAction`]; 3.0 also has
//! `UNSUPPORTED_PARAMETER`, which 2.x carries as free text. The model leaves out what a
//! fleet controller does not plan with (information entries, node/edge state positions and
//! trajectories, bounding boxes, wheel geometry, load sets, network configuration,
//! `zoneSetId` of 2.x orders, `orderDescription` of 3.0 orders); the wire types keep all.

#![deny(missing_docs)]

pub mod codec;
mod error;
mod header;
pub mod model;
mod rules;
mod timestamp;
mod topic;
mod tracker;
pub mod v2;
pub mod v3;

pub use codec::{
    Incoming, decode, decode_connection, decode_factsheet, decode_instant_actions, decode_order,
    decode_responses, decode_state, decode_visualization, decode_zone_set, encode_connection,
    encode_factsheet, encode_instant_actions, encode_order, encode_responses, encode_state,
    encode_visualization, encode_zone_set,
};
pub use error::{MessageContext, OrderProblem, Refusal, Staleness, TopicPart, Vda5050Error};
pub use header::{Header, IncomingHeaders, Message, OutgoingHeaders};
pub use timestamp::Timestamp;
pub use topic::{ProtocolVersion, Publisher, Topic, TopicKind, VehicleId};
pub use tracker::{Admission, OrderTracker};
