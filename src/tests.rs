//! End-to-end tests of the main job: the embedded broker, the operator API, the controller
//! and simulated vehicles speaking VDA 5050 over MQTT, on the virtual clock.

use std::time::Duration;

use corridor_bridge::{
    BrokerConfig, EmbeddedBroker, MqttSettings, OperatorApi, OperatorConfig, free_port,
};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

use corridor::run::{Operators, drive, progress};
use corridor::simulation::{RunSpec, Simulation, Transport, stamp};
use corridor::transport::{InProcess, Mqtt};

fn spec(name: &str, vehicles: usize, hours: f64) -> RunSpec {
    let dir = corridor::simulation::scratch_dir()
        .join(format!("corridor-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    RunSpec {
        map: concat!(env!("CARGO_MANIFEST_DIR"), "/maps/huu-nghi.toml").into(),
        hours,
        vehicles,
        demand: 2800.0,
        peak_factor: 1.5,
        perishable: 0.5,
        seed: 7,
        dt: 1.0,
        store: Some(dir.join("jobs.redb")),
        restart_at_s: None,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// An operator desk: sends commands, collects the replies.
async fn desk(
    url: &corridor_bridge::BrokerUrl,
    site: &str,
    commands: Vec<(&'static str, serde_json::Value)>,
) -> tokio::task::JoinHandle<Vec<serde_json::Value>> {
    let mut options = MqttOptions::new(
        format!("desk-{}", std::process::id()),
        url.host(),
        url.port(),
    );
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(options, 64);
    let reply = format!("corridor/v1/{site}/reply");
    client
        .subscribe(reply.clone(), QoS::AtLeastOnce)
        .await
        .expect("subscribe");
    // Wait for the SUBACK before sending, so that no reply is missed.
    loop {
        match eventloop.poll().await.expect("desk connection") {
            Event::Incoming(Packet::SubAck(_)) => break,
            _ => continue,
        }
    }
    for (command, body) in &commands {
        client
            .publish(
                format!("corridor/v1/{site}/cmd/{command}"),
                QoS::AtLeastOnce,
                false,
                serde_json::to_vec(body).expect("json"),
            )
            .await
            .expect("publish");
    }
    let expected = commands.len();
    tokio::spawn(async move {
        let mut replies = Vec::new();
        while replies.len() < expected {
            match tokio::time::timeout(Duration::from_secs(60), eventloop.poll()).await {
                Ok(Ok(Event::Incoming(Packet::Publish(p)))) if p.topic == reply => {
                    replies.push(serde_json::from_slice(&p.payload).expect("reply is JSON"));
                }
                Ok(Ok(_)) => {}
                _ => break,
            }
        }
        replies
    })
}

#[test]
fn a_short_run_over_mqtt_delivers_and_operators_are_answered() {
    let runtime = runtime();
    runtime.block_on(async {
        let broker = EmbeddedBroker::start(BrokerConfig::new(free_port().expect("port")))
            .await
            .expect("embedded broker");
        let url = broker.url();
        let site = "huu-nghi";
        let spec = spec("mqtt", 8, 0.6);
        let store_dir = spec.store.clone().expect("store").parent().expect("dir").to_path_buf();
        let mut sim = Simulation::new(spec).expect("simulation");
        let (api, requests) = OperatorApi::connect(
            OperatorConfig::new(MqttSettings::new(url.clone(), "e2e-operator"), site),
            std::future::pending(),
        )
        .await
        .expect("operator API");
        let replies = desk(
            &url,
            site,
            vec![
                (
                    "job/submit",
                    serde_json::json!({"correlation_id": "ok-1",
                        "job": {"container": "CSQU3054383", "flow": "export", "perishable": true}}),
                ),
                (
                    "job/submit",
                    serde_json::json!({"correlation_id": "bad-1",
                        "job": {"container": "MSKU1234565", "stations": [["VY-K1"], ["no-such-station"]]}}),
                ),
                // With the lane past the CN scanner closed, the CN yard cannot be reached.
                ("lane/close", serde_json::json!({"correlation_id": "close-1", "lane": "CX-J1"})),
                (
                    "job/submit",
                    serde_json::json!({"correlation_id": "bad-2",
                        "job": {"container": "TGHU8873421", "flow": "export"}}),
                ),
                ("lane/open", serde_json::json!({"correlation_id": "open-1", "lane": "CX-J1"})),
            ],
        )
        .await;
        let mut transport = Mqtt::connect(&url, sim.vehicle_ids(), stamp(0.0).expect("stamp"))
            .await
            .expect("fleet over MQTT");
        let bar = progress(1.0, true);
        drive(
            &mut sim,
            &mut transport,
            Some(Operators { api: &api, requests }),
            false,
            &bar,
        )
        .await
        .expect("the run");
        let counts = transport.counts();
        let report = sim
            .finish("mqtt", counts, &store_dir.join("report.json"))
            .expect("report");
        assert!(report.containers_delivered > 0, "{report:?}");
        assert_eq!(report.collisions, 0);
        assert_eq!(report.stalls, 0);
        assert_eq!(report.vehicle_rejections, 0);
        assert!(report.messages.get("states").copied().unwrap_or(0) > 100);
        assert!(report.messages.get("order updates").copied().unwrap_or(0) > 10);
        let replies = replies.await.expect("desk");
        let by_id = |id: &str| {
            replies
                .iter()
                .find(|r| r["correlation_id"] == id)
                .unwrap_or_else(|| panic!("no reply to {id}: {replies:?}"))
                .clone()
        };
        let ok = by_id("ok-1");
        assert_eq!(ok["ok"], true, "{ok}");
        let bad = by_id("bad-1");
        assert_eq!(bad["ok"], false, "{bad}");
        let text = bad.to_string();
        assert!(
            text.contains("stations") && text.contains("no-such-station"),
            "the refusal names the field and the station: {text}"
        );
        assert_eq!(by_id("close-1")["ok"], true);
        let unreachable = by_id("bad-2");
        assert_eq!(unreachable["ok"], false, "{unreachable}");
        let text = unreachable.to_string();
        assert!(
            text.contains("cannot be reached") && text.contains("CX-J1"),
            "the refusal says why and names the closed lane: {text}"
        );
        assert_eq!(by_id("open-1")["ok"], true);
        let _ = std::fs::remove_dir_all(&store_dir);
    });
}

#[test]
fn the_same_run_twice_in_process_and_over_mqtt_gives_the_same_day() {
    // Determinism under a seed, whatever carries the messages: the whole report (deliveries
    // per hour, cycle times, station queues, energy, every message count) but the wall time.
    let runtime = runtime();
    runtime.block_on(async {
        let mut days = Vec::new();
        for (name, mqtt) in [
            ("same-in-1", false),
            ("same-in-2", false),
            ("same-mqtt", true),
        ] {
            let spec = spec(name, 6, 0.8);
            let dir = spec
                .store
                .clone()
                .expect("store")
                .parent()
                .expect("dir")
                .to_path_buf();
            let mut sim = Simulation::new(spec).expect("simulation");
            let bar = progress(1.0, true);
            let report = if mqtt {
                let broker = EmbeddedBroker::start(BrokerConfig::new(free_port().expect("port")))
                    .await
                    .expect("embedded broker");
                let mut t = Mqtt::connect(&broker.url(), sim.vehicle_ids(), stamp(0.0).expect("t"))
                    .await
                    .expect("fleet");
                drive(&mut sim, &mut t, None, false, &bar)
                    .await
                    .expect("run");
                sim.finish("mqtt", t.counts(), &dir.join("r.json"))
                    .expect("report")
            } else {
                let mut t = InProcess::new(sim.vehicle_ids()).expect("wires");
                drive(&mut sim, &mut t, None, false, &bar)
                    .await
                    .expect("run");
                sim.finish("in-process", t.counts(), &dir.join("r.json"))
                    .expect("report")
            };
            assert_eq!((report.collisions, report.stalls), (0, 0), "{name}");
            assert!(report.containers_delivered > 0, "{name}: {report:?}");
            assert!(report.messages.get("states").is_some_and(|&n| n > 0));
            let mut day = serde_json::to_value(&report).expect("json");
            let fields = day.as_object_mut().expect("an object");
            fields.remove("wall_seconds");
            fields.remove("transport");
            days.push(day);
            let _ = std::fs::remove_dir_all(&dir);
        }
        assert_eq!(days[0], days[1], "in process, twice");
        assert_eq!(days[0], days[2], "in process vs over MQTT");
    });
}

#[test]
fn a_fleet_side_killed_mid_run_over_mqtt_loses_no_job_and_runs_none_twice() {
    let runtime = runtime();
    runtime.block_on(async {
        let broker = EmbeddedBroker::start(BrokerConfig::new(free_port().expect("port")))
            .await
            .expect("embedded broker");
        let mut spec = spec("restart", 8, 0.8);
        // Mid-run, with containers on vehicles and vehicles between stations.
        spec.restart_at_s = Some(0.45 * 3600.0);
        let store = spec.store.clone().expect("store");
        let dir = store.parent().expect("dir").to_path_buf();
        let mut sim = Simulation::new(spec).expect("simulation");
        let mut transport = Mqtt::connect(&broker.url(), sim.vehicle_ids(), stamp(0.0).expect("t"))
            .await
            .expect("fleet over MQTT");
        let bar = progress(1.0, true);
        drive(&mut sim, &mut transport, None, false, &bar)
            .await
            .expect("the run");
        assert_eq!(
            sim.load_mismatches().expect("world"),
            Vec::<String>::new(),
            "what the vehicles carry is what the controller thinks"
        );
        let counts = transport.counts();
        let report = sim
            .finish("mqtt", counts, &dir.join("report.json"))
            .expect("report");
        assert_eq!(report.controller_restarts, 1);
        assert_eq!(
            (report.collisions, report.stalls, report.vehicle_rejections),
            (0, 0, 0),
            "{report:?}"
        );
        assert!(report.containers_delivered > 0, "{report:?}");
        // Every container that arrived is one job in the store (none lost, none added), and
        // each delivery was reported once: as many delivery events as delivered jobs.
        let jobs = corridor_fleet::JobStore::open(&store)
            .expect("store")
            .all()
            .expect("jobs");
        assert_eq!(jobs.len(), report.containers_arrived, "one job per container");
        let mut containers: Vec<&str> = jobs.iter().map(|j| j.spec.container.as_str()).collect();
        containers.sort_unstable();
        containers.dedup();
        assert_eq!(containers.len(), jobs.len(), "no container submitted twice");
        let delivered = jobs
            .iter()
            .filter(|j| matches!(j.state, corridor_fleet::JobState::Delivered { .. }))
            .count();
        assert_eq!(
            delivered, report.containers_delivered,
            "each delivered job delivered once"
        );
        // The new fleet side kept working: deliveries after the restart.
        let after = jobs
            .iter()
            .filter(|j| {
                matches!(j.state, corridor_fleet::JobState::Delivered { at_s } if at_s > 0.45 * 3600.0)
            })
            .count();
        assert!(after > 0, "deliveries after the restart: {jobs:?}");
        let _ = std::fs::remove_dir_all(&dir);
    });
}

#[test]
fn run_settings_out_of_range_are_refused_naming_the_flag() {
    type Spoil = fn(&mut RunSpec);
    let cases: [(&str, Spoil); 6] = [
        ("--demand", |s| s.demand = f64::NAN),
        ("--demand", |s| s.demand = -1.0),
        ("--hours", |s| s.hours = f64::INFINITY),
        ("--peak-factor", |s| s.peak_factor = 3.0),
        ("--perishable", |s| s.perishable = 1.5),
        ("--restart-controller-at", |s| s.restart_at_s = Some(1e9)),
    ];
    for (flag, spoil) in cases {
        let mut s = spec("bad-settings", 2, 0.1);
        spoil(&mut s);
        let error = match Simulation::new(s) {
            Ok(_) => panic!("{flag}: accepted"),
            Err(e) => format!("{e:#}"),
        };
        assert!(error.starts_with(flag), "{flag}: {error}");
    }
}
