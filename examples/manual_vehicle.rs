//! One simulated IGV on the Hữu Nghị map, driven by hand over MQTT: it connects to a broker
//! as VDA 5050 vehicle `Corridor/IGV-99` (2.x, topics `uagv/v2/Corridor/IGV-99/…`, last will
//! set), publishes its state, and drives whatever orders it is sent, on the wall clock.
//! Type `pause`, `resume`, `state` or `quit` on standard input; send it orders from any MQTT
//! client or fleet manager that speaks VDA 5050 2.x (`uagv/v2/Corridor/IGV-99/order`).
//!
//! ```sh
//! cargo run --release --example manual_vehicle -- mqtt://127.0.0.1:1883
//! # in another terminal: what the vehicle reports
//! mosquitto_sub -h 127.0.0.1 -t 'uagv/v2/Corridor/IGV-99/#' -v
//! ```
//!
//! Node ids are the map's cells, `c{id}`; the vehicle starts in cell 0 (the VN yard exit).
//! An order it cannot take (not starting where it stands, unknown cells) is refused with an
//! error in its state, as a real vehicle does.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use corridor_bridge::{BrokerUrl, FleetMessage, MqttSettings, VehicleLink};
use corridor_map::{CellId, SiteMap};
use corridor_sim::{Site, VdaVehicle, World};
use corridor_vda5050::model::Action;
use corridor_vda5050::{ProtocolVersion, Timestamp, VehicleId};
use tokio::io::AsyncBufReadExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let broker: BrokerUrl = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mqtt://127.0.0.1:1883".into())
        .parse()?;
    let map = SiteMap::load(concat!(env!("CARGO_MANIFEST_DIR"), "/maps/huu-nghi.toml"))?;
    let site = Arc::new(Site::new(map)?);
    let mut world = World::new(Arc::clone(&site), 1);
    let v = world.add_vehicle("IGV-99", 0, CellId(0), 0.8)?;
    let mut vehicle = VdaVehicle::new(&world, v, "huu-nghi")?;
    let id = VehicleId::new("Corridor", "IGV-99")?;
    let now = || Timestamp::from_system_time(SystemTime::now());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (link, mut inbox) = VehicleLink::connect(
        MqttSettings::new(broker.clone(), "manual-igv-99"),
        "uagv",
        ProtocolVersion::V2,
        id,
        now()?,
        async move {
            let _ = stopped.await;
        },
    )
    .await?;
    println!(
        "connected to {broker} as {}; type pause, resume, state or quit",
        link.vehicle()
    );
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                // The world follows the wall clock.
                let t = start.elapsed().as_secs_f64();
                while world.time() + 0.2 <= t {
                    world.step(0.2);
                    vehicle.observe(&world.drain_events());
                }
                if let Some(state) = vehicle.poll_state(&world, world.time())? {
                    link.publish_state(&state, now()?).await?;
                }
            }
            message = inbox.recv() => match message {
                Some(FleetMessage::Order(m)) => {
                    println!("order {} update {}: {} nodes", m.body.order_id, m.body.order_update_id, m.body.nodes.len());
                    if let Err(e) = vehicle.apply_order(&mut world, &m.body) {
                        println!("  refused: {e}");
                    }
                }
                Some(FleetMessage::InstantActions(m)) => {
                    println!("instant actions: {:?}", m.body.iter().map(|a| &a.action_type).collect::<Vec<_>>());
                    if let Err(e) = vehicle.apply_instant_actions(&mut world, &m.body) {
                        println!("  refused: {e}");
                    }
                }
                Some(FleetMessage::Rejected { topic, reason }) => println!("{topic}: unreadable: {reason}"),
                None => break,
            },
            line = stdin.next_line() => {
                let action = match line?.as_deref().map(str::trim) {
                    Some("pause") => Action::start_pause("manual-pause"),
                    Some("resume") => Action::stop_pause("manual-resume"),
                    Some("state") => Action::state_request("manual-state"),
                    Some("quit") | None => break,
                    Some(other) => {
                        println!("unknown command {other:?}: pause, resume, state or quit");
                        continue;
                    }
                };
                vehicle.apply_instant_actions(&mut world, &[action])?;
            }
        }
    }
    link.go_offline(now()?).await?;
    let _ = stop.send(());
    link.stopped().await;
    Ok(())
}
