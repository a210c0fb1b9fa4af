//! Load run: N vehicle connections (half VDA 5050 2.x, half 3.0) publishing their state once
//! a second through a broker, one master control taking them all and sending orders at a
//! steady rate. Measures order latency end to end (master hands the order to the bridge →
//! the vehicle has it decoded), the state rate master control keeps up with, and a burst
//! of back-to-back states.
//!
//! ```text
//! cargo run --release -p corridor-bridge --example load                       # embedded broker
//! cargo run --release -p corridor-bridge --example load -- --broker mqtt://127.0.0.1:1883
//! ```
//!
//! Loopback only; bounded in vehicles (≤ 5,000) and time (every phase has a deadline).
//! Everything (vehicles, master control and, by default, the broker) shares this process
//! and this machine's cores, so the figures are a floor for a real deployment.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use corridor_bridge::{
    BrokerConfig, BrokerUrl, EmbeddedBroker, MasterConfig, MasterControl, MqttSettings,
    VehicleEvent, free_port, wait_ready,
};
use corridor_vda5050::model::{ConnectionState, VehicleState};
use corridor_vda5050::{
    OutgoingHeaders, ProtocolVersion, Timestamp, Topic, TopicKind, VehicleId, codec,
};
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Packet, QoS};
use tokio::sync::watch;

#[allow(dead_code)]
#[path = "../tests/it/fixtures.rs"]
mod fixtures;

#[derive(Parser, Debug)]
#[command(about = "Order latency and message throughput with many VDA 5050 vehicle connections")]
struct Args {
    /// Vehicle connections (at most 5,000).
    #[arg(long, default_value_t = 1000)]
    vehicles: usize,
    /// Length of the steady phase, seconds (at most 300).
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Orders sent per second in the steady phase (round robin over the vehicles).
    #[arg(long, default_value_t = 50.0)]
    orders_per_second: f64,
    /// States each vehicle publishes back to back in the burst phase (0: no burst).
    #[arg(long, default_value_t = 10)]
    burst: u32,
    /// An external broker, e.g. mqtt://127.0.0.1:1883; default: an embedded one.
    #[arg(long)]
    broker: Option<String>,
}

/// What vehicles and master share for measuring.
#[derive(Default)]
struct Shared {
    /// orderId → when master control was asked to send it.
    sent_at: Mutex<HashMap<String, Instant>>,
    /// Order latencies in microseconds.
    latencies: Mutex<Vec<u64>>,
    orders_received: AtomicU64,
    states_published: AtomicU64,
    publish_refused: AtomicU64,
    connection_errors: AtomicU64,
    periodic: AtomicBool,
}

fn now() -> Timestamp {
    Timestamp::from_system_time(std::time::SystemTime::now()).unwrap_or(Timestamp::UNIX_EPOCH)
}

struct Plan {
    index: usize,
    url: BrokerUrl,
    interface: String,
    offset: Duration,
    burst: u32,
}

/// One vehicle: its own MQTT connection, last will, order subscription, a state a second.
/// The rumqttc event loop runs alone in a pump task (its `poll` is not meant to be raced
/// in a `select!`); this task reacts to orders, ticks, the burst and the stop signal.
async fn vehicle(
    plan: Plan,
    shared: Arc<Shared>,
    ready: tokio::sync::mpsc::Sender<()>,
    mut burst: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let version = if plan.index.is_multiple_of(2) {
        ProtocolVersion::V2
    } else {
        ProtocolVersion::V3
    };
    let Ok(id) = VehicleId::new("Corridor", format!("IGV-{:04}", plan.index)) else {
        return;
    };
    let topic =
        |kind| Topic::new(plan.interface.clone(), version, id.clone(), kind).map(|t| t.to_string());
    let (Ok(state_topic), Ok(order_topic), Ok(connection_topic)) = (
        topic(TopicKind::State),
        topic(TopicKind::Order),
        topic(TopicKind::Connection),
    ) else {
        return;
    };
    let mut headers = OutgoingHeaders::new(id.clone(), version);
    let connection = |headers: &mut OutgoingHeaders, state| {
        let header = headers.next_header(TopicKind::Connection, now());
        codec::encode_connection(version, &header, state)
    };
    let Ok(will) = connection(&mut headers, ConnectionState::ConnectionBroken) else {
        return;
    };
    let client_id = format!("load-{}-{}", std::process::id(), plan.index);
    let mut options = MqttOptions::new(client_id, plan.url.host(), plan.url.port());
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(1 << 20, 1 << 20)
        .set_last_will(LastWill::new(
            connection_topic.clone(),
            will,
            QoS::AtLeastOnce,
            true,
        ));
    if let Some(user) = plan.url.username() {
        options.set_credentials(user, plan.url.password().unwrap_or_default());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 64 + plan.burst as usize);
    if client.try_subscribe(order_topic, QoS::AtMostOnce).is_err() {
        return;
    }
    let (orders_tx, mut orders) = tokio::sync::mpsc::unbounded_channel();
    let (subscribed_tx, subscribed) = tokio::sync::oneshot::channel();
    let pump_shared = Arc::clone(&shared);
    let pump = tokio::spawn(async move {
        let mut subscribed_tx = Some(subscribed_tx);
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    if let Some(s) = subscribed_tx.take() {
                        let _ = s.send(());
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if orders_tx.send(p.payload).is_err() {
                        return;
                    }
                }
                Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => return,
                Ok(_) => {}
                Err(_) => {
                    pump_shared
                        .connection_errors
                        .fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    });
    if subscribed.await.is_err() {
        return;
    }
    if let Ok(online) = connection(&mut headers, ConnectionState::Online) {
        let _ = client.try_publish(connection_topic.clone(), QoS::AtLeastOnce, true, online);
    }
    let _ = ready.send(()).await;

    let publish_state = |headers: &mut OutgoingHeaders, state: &VehicleState| {
        let header = headers.next_header(TopicKind::State, now());
        let sent = codec::encode_state(version, &header, state)
            .ok()
            .is_some_and(|bytes| {
                client
                    .try_publish(state_topic.clone(), QoS::AtMostOnce, false, bytes)
                    .is_ok()
            });
        let counter = if sent {
            &shared.states_published
        } else {
            &shared.publish_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    };
    let mut state: VehicleState = fixtures::idle_at(0);
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + plan.offset,
        Duration::from_secs(1),
    );
    loop {
        tokio::select! {
            Some(payload) = orders.recv() => {
                let Ok(order) = codec::decode_order(version, &payload) else { continue };
                let sent = shared
                    .sent_at
                    .lock()
                    .ok()
                    .and_then(|mut m| m.remove(&order.body.order_id));
                if let Some(sent) = sent {
                    // Received and decoded: the vehicle has the order.
                    let micros = Instant::now().duration_since(sent).as_micros();
                    if let Ok(mut l) = shared.latencies.lock() {
                        l.push(micros as u64);
                    }
                }
                shared.orders_received.fetch_add(1, Ordering::Relaxed);
                // Drive it at once: report the order done, idle at its last node.
                state.order_id = order.body.order_id.clone();
                state.order_update_id = order.body.order_update_id;
                if let Some(last) = order.body.nodes.last() {
                    state.last_node_id = last.node_id.clone();
                    state.last_node_sequence_id = last.sequence_id;
                }
                publish_state(&mut headers, &state);
            }
            _ = tick.tick() => {
                if shared.periodic.load(Ordering::Relaxed) {
                    publish_state(&mut headers, &state);
                }
            }
            Ok(()) = burst.changed() => {
                for _ in 0..plan.burst {
                    publish_state(&mut headers, &state);
                }
            }
            _ = stop.changed() => break,
        }
    }
    // Leave no retained `connection` message behind on an external broker (it would
    // outlive this run): clear it, then disconnect in good order (no last will).
    let _ = client.try_publish(connection_topic, QoS::AtLeastOnce, true, Vec::new());
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_secs(2), pump).await;
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // rumqttd logs the teardown of each connection as an error.
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,rumqttd=off")),
        )
        .init();
    if args.vehicles == 0 || args.vehicles > 5000 {
        bail!("--vehicles must be 1..=5000, got {}", args.vehicles);
    }
    if args.seconds == 0 || args.seconds > 300 {
        bail!("--seconds must be 1..=300, got {}", args.seconds);
    }
    if !(args.orders_per_second > 0.0 && args.orders_per_second <= 10_000.0) {
        bail!("--orders-per-second must be in (0, 10000]");
    }

    // The broker.
    let (url, _embedded, broker_name) = match &args.broker {
        Some(text) => {
            let url = BrokerUrl::parse(text)?;
            wait_ready(&url, Duration::from_secs(10)).await?;
            let name = format!("external broker {url}");
            (url, None, name)
        }
        None => {
            let broker = EmbeddedBroker::start(BrokerConfig::new(free_port()?)).await?;
            let name = format!("embedded rumqttd on {}", broker.local_addr());
            (broker.url(), Some(broker), name)
        }
    };
    let interface = format!("load{}", std::process::id());
    println!(
        "broker: {broker_name}; interface {interface}; {} vehicles (even: v2, odd: v3)",
        args.vehicles
    );

    // Master control.
    let (stop_master, master_stopped) = tokio::sync::oneshot::channel::<()>();
    let settings = MqttSettings::new(url.clone(), format!("load-master-{}", std::process::id()));
    let (master, mut events) =
        MasterControl::connect(MasterConfig::new(settings, &interface), async move {
            let _ = master_stopped.await;
        })
        .await?;
    let states_seen = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    {
        let states_seen = Arc::clone(&states_seen);
        let rejected = Arc::clone(&rejected);
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    VehicleEvent::State { .. } => {
                        states_seen.fetch_add(1, Ordering::Relaxed);
                    }
                    VehicleEvent::Rejected { .. } => {
                        rejected.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        });
    }

    // The vehicles, connected 100 at a time.
    let shared = Arc::new(Shared::default());
    shared.periodic.store(true, Ordering::Relaxed);
    let (burst_tx, burst_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(args.vehicles);
    let started = Instant::now();
    let mut handles = Vec::with_capacity(args.vehicles);
    let mut connected = 0;
    for index in 0..args.vehicles {
        let plan = Plan {
            index,
            url: url.clone(),
            interface: interface.clone(),
            offset: Duration::from_micros((index as u64 * 1_000_000) / args.vehicles as u64),
            burst: args.burst,
        };
        handles.push(tokio::spawn(vehicle(
            plan,
            Arc::clone(&shared),
            ready_tx.clone(),
            burst_rx.clone(),
            stop_rx.clone(),
        )));
        if (index + 1) % 100 == 0 {
            while connected < index + 1 {
                tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
                    .await
                    .context("vehicles did not connect within 60 s")?;
                connected += 1;
            }
        }
    }
    while connected < args.vehicles {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .context("vehicles did not connect within 60 s")?;
        connected += 1;
    }
    println!(
        "connected {connected} vehicles in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // Warm-up: every vehicle reports at least once.
    let deadline = Instant::now() + Duration::from_secs(30);
    while master.vehicles().len() < args.vehicles {
        if Instant::now() > deadline {
            bail!(
                "master control heard from {} of {} vehicles within 30 s",
                master.vehicles().len(),
                args.vehicles
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Steady phase: states once a second per vehicle, orders at the given rate.
    let ids: Vec<VehicleId> = master.vehicles();
    let seen_before = states_seen.load(Ordering::Relaxed);
    let published_before = shared.states_published.load(Ordering::Relaxed);
    let mut orders_sent = 0u64;
    let mut orders_refused = 0u64;
    let steady = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / args.orders_per_second));
    let mut k = 0usize;
    while steady.elapsed() < Duration::from_secs(args.seconds) {
        ticker.tick().await;
        let vehicle = &ids[k % ids.len()];
        let order_id = format!("o{k}");
        k += 1;
        if let Ok(mut m) = shared.sent_at.lock() {
            m.insert(order_id.clone(), Instant::now());
        }
        match master
            .start_order(
                vehicle,
                order_id.clone(),
                fixtures::node(0),
                fixtures::steps(0, 2),
                vec![],
            )
            .await
        {
            Ok(_) => orders_sent += 1,
            Err(_) => {
                orders_refused += 1;
                if let Ok(mut m) = shared.sent_at.lock() {
                    m.remove(&order_id);
                }
            }
        }
    }
    let steady_s = steady.elapsed().as_secs_f64();
    // Let the last orders arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen_steady = states_seen.load(Ordering::Relaxed) - seen_before;
    let published_steady = shared.states_published.load(Ordering::Relaxed) - published_before;
    let mut latencies = shared
        .latencies
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    latencies.sort_unstable();

    // Burst phase: every vehicle publishes `burst` states back to back.
    let mut burst_line = String::from("burst: skipped");
    if args.burst > 0 {
        shared.periodic.store(false, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let before = states_seen.load(Ordering::Relaxed);
        let expected = args.vehicles as u64 * u64::from(args.burst);
        let t0 = Instant::now();
        let _ = burst_tx.send(true);
        let deadline = t0 + Duration::from_secs(60);
        let mut last_change = t0;
        let mut last_count = 0;
        loop {
            let got = states_seen.load(Ordering::Relaxed) - before;
            if got >= expected || Instant::now() > deadline {
                break;
            }
            if got != last_count {
                last_count = got;
                last_change = Instant::now();
            } else if last_change.elapsed() > Duration::from_secs(3) {
                break; // nothing more is coming
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let got = states_seen.load(Ordering::Relaxed) - before;
        let elapsed = if got >= expected {
            t0.elapsed()
        } else {
            last_change - t0
        };
        burst_line = format!(
            "burst: {expected} states published back to back ({} per vehicle); master control decoded and \
             accepted {got} in {:.3} s = {:.0} states/s{}",
            args.burst,
            elapsed.as_secs_f64(),
            got as f64 / elapsed.as_secs_f64().max(1e-9),
            if got < expected {
                format!(" ({} lost)", expected - got)
            } else {
                String::new()
            }
        );
    }

    let counters = master.counters();
    println!(
        "steady: {steady_s:.1} s; vehicles published {published_steady} states ({:.0}/s), master control accepted {seen_steady} ({:.0}/s)",
        published_steady as f64 / steady_s,
        seen_steady as f64 / steady_s
    );
    println!(
        "orders: {orders_sent} sent ({:.1}/s), {} received by vehicles, {orders_refused} refused by the trackers (vehicle not done yet)",
        orders_sent as f64 / steady_s,
        shared.orders_received.load(Ordering::Relaxed)
    );
    println!(
        "order latency (master → vehicle decoded), {} samples: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );
    println!("{burst_line}");
    println!(
        "master counters: {counters:?}; rejected events {}; vehicle publishes refused (client queue full) {}; vehicle connection errors {}",
        rejected.load(Ordering::Relaxed),
        shared.publish_refused.load(Ordering::Relaxed),
        shared.connection_errors.load(Ordering::Relaxed)
    );

    let _ = stop_tx.send(true);
    for handle in handles {
        let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
    }
    let _ = stop_master.send(());
    tokio::time::timeout(Duration::from_secs(5), master.stopped())
        .await
        .ok();
    if latencies.is_empty() {
        bail!("no order reached a vehicle");
    }
    Ok(())
}
