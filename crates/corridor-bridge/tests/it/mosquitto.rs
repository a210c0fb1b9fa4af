//! Interop with Mosquitto, the reference external broker: the vehicle round trips of
//! `vehicles.rs` through it, and its refusal of a wrong password.
//!
//! Set `CORRIDOR_MOSQUITTO` to `host:port`, `user:password@host:port` or a full
//! `mqtt://` URL. Without it these tests say so on stderr and pass without running.

use std::time::Duration;

use corridor_bridge::{
    BridgeError, BrokerUrl, MasterConfig, MasterControl, MqttSettings, wait_ready,
};
use corridor_vda5050::ProtocolVersion;

use crate::support::{WAIT, shutdown, unique};
use crate::vehicles::vehicle_round_trip;

const VAR: &str = "CORRIDOR_MOSQUITTO";

/// The broker named by `CORRIDOR_MOSQUITTO`, ready to accept logins; `None` (said loudly)
/// when the variable is not set.
async fn mosquitto(test: &str) -> Option<BrokerUrl> {
    let Ok(value) = std::env::var(VAR) else {
        eprintln!(
            "\n!!! SKIPPED {test}: {VAR} is not set, so the Mosquitto interop test did not \
             run.\n!!! Set {VAR}=127.0.0.1:1883 (or mqtt://user:password@host:port) to run it.\n"
        );
        return None;
    };
    let text = if value.contains("://") {
        value
    } else {
        format!("mqtt://{value}")
    };
    let url = BrokerUrl::parse(&text).unwrap_or_else(|e| panic!("{VAR}: {e}"));
    wait_ready(&url, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{VAR} is set but the broker is not usable: {e}"));
    Some(url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_vehicle_round_trip_through_mosquitto() {
    if let Some(url) = mosquitto("a_v2_vehicle_round_trip_through_mosquitto").await {
        vehicle_round_trip(&url, ProtocolVersion::V2).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v3_vehicle_round_trip_through_mosquitto() {
    if let Some(url) = mosquitto("a_v3_vehicle_round_trip_through_mosquitto").await {
        vehicle_round_trip(&url, ProtocolVersion::V3).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_refuses_a_wrong_password_and_the_bridge_says_so() {
    let Some(url) = mosquitto("mosquitto_refuses_a_wrong_password_and_the_bridge_says_so").await
    else {
        return;
    };
    let Some(user) = url.username().map(str::to_owned) else {
        eprintln!(
            "\n!!! {VAR} carries no username: this Mosquitto admits anyone, so the refusal of \
             a wrong password was not checked.\n"
        );
        return;
    };
    let wrong = url.clone().with_credentials(user, "not-the-password");
    let mut settings = MqttSettings::new(wrong, unique("master-"));
    settings.connect_timeout = Duration::from_secs(5);
    let (_stop, until) = shutdown();
    match MasterControl::connect(MasterConfig::new(settings, "uagv"), until).await {
        Err(BridgeError::Connect { reason, .. }) => {
            assert!(reason.contains("refused"), "{reason}");
        }
        Err(other) => panic!("expected a refusal, got {other}"),
        Ok(_) => panic!("Mosquitto admitted a wrong password"),
    }
}
