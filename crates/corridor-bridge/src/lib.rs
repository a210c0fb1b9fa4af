//! # corridor-bridge
//!
//! The MQTT side of Corridor, on tokio and rumqttc:
//!
//! - [`MasterControl`]: VDA 5050 fleet control for many vehicles on one connection, 2.x and
//!   3.0 vehicles alike (each is spoken to in the version of its topics). It turns what the
//!   vehicles publish into [`VehicleEvent`]s and sends orders, order updates and instant
//!   actions through each vehicle's [`corridor_vda5050::OrderTracker`].
//! - [`OperatorApi`]: the operator commands, replies and events of `docs/operator-api.md`,
//!   parsed with [`corridor_fleet::operator::parse_command`] and handed to the controller as
//!   [`OperatorRequest`]s.
//! - [`VehicleLink`]: the vehicle side of VDA 5050 on its own connection, as the
//!   simulator's vehicles (or a real one) use it: last will, `order` and `instantActions`
//!   decoded into [`FleetMessage`]s, `state`, `factsheet` and `connection` published with
//!   numbered headers, ONLINE announced again after every reconnection.
//! - [`EmbeddedBroker`] (cargo feature `embedded-broker`): rumqttd in this process, so one
//!   command runs everything on a bare machine; any MQTT 3.1.1 broker (Mosquitto, EMQX)
//!   replaces it through a [`BrokerUrl`]. Username and password work with both;
//!   `mqtts://` with the `tls` feature.
//!
//! The protocol state lives in the pure state machines of corridor-vda5050
//! ([`corridor_vda5050::IncomingHeaders`], [`corridor_vda5050::OutgoingHeaders`],
//! [`corridor_vda5050::OrderTracker`]); this crate only moves bytes, keeps one record per
//! vehicle, and reconnects. Each connection takes a shutdown future, like a mini-redis
//! server: when it completes, the client sends DISCONNECT and its tasks end.
//!
//! Bad input from the network never stops the bridge: a message that does not parse, is
//! stale, or comes from the wrong version is logged (`tracing`), counted
//! ([`MasterCounters`], [`OperatorCounters`]) and reported ([`VehicleEvent::Rejected`], or
//! an error reply to the operator naming the field).
//!
//! ```no_run
//! use corridor_bridge::{
//!     BrokerConfig, EmbeddedBroker, MasterConfig, MasterControl, MqttSettings, OperatorApi,
//!     OperatorConfig, VehicleEvent, free_port,
//! };
//! use corridor_fleet::operator::Reply;
//! use corridor_vda5050::model::{Action, Edge, Node};
//!
//! # async fn run() -> Result<(), corridor_bridge::BridgeError> {
//! let broker = EmbeddedBroker::start(BrokerConfig::new(free_port()?)).await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let shutdown = async move {
//!     let _ = stopped.await;
//! };
//!
//! let settings = MqttSettings::new(broker.url(), "corridor-master");
//! let (master, mut events) =
//!     MasterControl::connect(MasterConfig::new(settings, "uagv"), shutdown).await?;
//!
//! let settings = MqttSettings::new(broker.url(), "corridor-operator");
//! let (_api, mut requests) =
//!     OperatorApi::connect(OperatorConfig::new(settings, "huu-nghi"), std::future::pending())
//!         .await?;
//!
//! loop {
//!     tokio::select! {
//!         Some(event) = events.recv() => match event {
//!             VehicleEvent::State { vehicle, state, .. } if state.order_id.is_empty() => {
//!                 // An idle vehicle: release A→B, plan B→C.
//!                 let node = |id: &str| Node::new(id);
//!                 master
//!                     .start_order(&vehicle, "move-1", node("A"),
//!                         vec![(Edge::new("A-B"), node("B"))],
//!                         vec![(Edge::new("B-C"), node("C"))])
//!                     .await?;
//!                 master.send_instant_actions(&vehicle, &[Action::state_request("s-1")]).await?;
//!             }
//!             VehicleEvent::Rejected { topic, reason } => eprintln!("{topic}: {reason}"),
//!             _ => {}
//!         },
//!         Some(request) = requests.recv() => {
//!             let id = request.request.correlation_id.clone();
//!             request.respond(Reply::ok(&id, serde_json::json!({})));
//!         }
//!         else => break,
//!     }
//! }
//! let _ = stop.send(());
//! master.stopped().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod broker;
mod error;
mod master;
mod operator;
mod registry;
mod session;
mod url;
mod vehicle;

#[cfg(feature = "embedded-broker")]
pub use broker::{BrokerConfig, EmbeddedBroker};
pub use broker::{free_port, wait_ready};
pub use error::BridgeError;
pub use master::{MasterConfig, MasterControl, MasterCounters, VehicleEvent, VehicleInfo};
pub use operator::{
    OperatorApi, OperatorConfig, OperatorCounters, OperatorRequest, OperatorTopics,
};
pub use session::MqttSettings;
pub use url::{BrokerUrl, Scheme};
pub use vehicle::{FleetMessage, VehicleLink, VehicleLinkCounters};
