//! The controller drives simulated vehicles through VDA 5050, in process: controller →
//! `VdaFleet` → orders and instant actions encoded to bytes (2.x for half the vehicles, 3.0
//! for the others) → decoded → `VdaVehicle` → `World`, and back: state and connection
//! encoded, decoded, translated into the controller's inputs. Every message is checked
//! against the official JSON schema of its version, and every order against an
//! independent `OrderTracker` fed only with what crossed the wire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use corridor_fleet::operator::Event;
use corridor_fleet::{
    Controller, ControllerConfig, FleetError, Input, JobSpec, JobState, JobStore, Output, StopKind,
    StopOrder, VdaCommand, VdaFleet,
};
use corridor_map::{CellId, SiteMap, StationKind};
use corridor_sim::{SimEvent, Site, VdaVehicle, VehicleIndex, World};
use corridor_vda5050::model::{ConnectionState, ErrorLevel, ErrorType, Order, VehicleState};
use corridor_vda5050::{
    Incoming, OrderTracker, OutgoingHeaders, ProtocolVersion, Timestamp, Topic, TopicKind,
    VehicleId, codec,
};
use proptest::prelude::*;
use serde_json::Value;

use crate::day::temp_store;

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vda5050");
const HUU_NGHI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../maps/huu-nghi.toml");
const DT: f64 = 0.5;
/// 2026-05-01T00:00:00Z: the virtual clock's zero.
const EPOCH_MS: i64 = 1_777_593_600_000;

type Validators = HashMap<(ProtocolVersion, TopicKind), &'static jsonschema::Validator>;

/// Panics unless `json` validates against the official schema of `version` and `kind`.
fn assert_schema(version: ProtocolVersion, kind: TopicKind, json: &[u8]) {
    static CACHE: OnceLock<Mutex<Validators>> = OnceLock::new();
    let validator = {
        let mut cache = CACHE.get_or_init(Default::default).lock().expect("lock");
        *cache.entry((version, kind)).or_insert_with(|| {
            let dir = match version {
                ProtocolVersion::V2 => "v2.1.0",
                ProtocolVersion::V3 => "v3.0.0",
            };
            let path = format!("{SCHEMAS}/{dir}/{}.schema", kind.name());
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let schema: Value = serde_json::from_str(&text).expect("schema JSON");
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            Box::leak(Box::new(validator))
        })
    };
    let instance: Value = serde_json::from_slice(json).expect("valid JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{version} {kind} does not validate:\n{}\n{}",
        errors.join("\n"),
        String::from_utf8_lossy(json)
    );
}

fn stamp(now_s: f64) -> Timestamp {
    Timestamp::from_unix_millis(EPOCH_MS + (now_s * 1000.0) as i64).expect("timestamp")
}

/// One vehicle's two ends of the wire.
struct Wire {
    name: String,
    id: VehicleId,
    version: ProtocolVersion,
    vehicle: VdaVehicle,
    /// Fleet control's header numbering for this vehicle (order, instantActions).
    fleet_headers: OutgoingHeaders,
    /// The vehicle's header numbering (state, connection).
    vehicle_headers: OutgoingHeaders,
    /// An order tracker fed only with decoded messages: it must admit every order.
    observer: OrderTracker,
}

#[derive(Debug, Default)]
struct Counts {
    new_orders: usize,
    updates: usize,
    instant_actions: usize,
    states: usize,
    bytes: usize,
}

/// The VDA 5050 link between one `VdaFleet` and the simulated vehicles.
struct Link {
    fleet: VdaFleet,
    wires: Vec<Wire>,
    counts: Counts,
    /// Commands a test took out of the fleet, sent before the fleet's own.
    pending: Vec<VdaCommand>,
}

impl Link {
    /// Vehicles `(fleet id, world index)`, even ones speaking 2.x, odd ones 3.0.
    fn new(world: &World, map: &SiteMap, vehicles: &[(String, VehicleIndex, CellId)]) -> Link {
        let site = world.site();
        let spec: Vec<(String, VehicleId, CellId)> = vehicles
            .iter()
            .map(|(name, _, cell)| {
                (
                    name.clone(),
                    VehicleId::new("Corridor", name.as_str()).expect("id"),
                    *cell,
                )
            })
            .collect();
        let fleet = VdaFleet::new(
            Arc::new(map.clone()),
            Arc::new(site.cells.clone()),
            "huu-nghi",
            &spec,
        )
        .expect("fleet");
        let wires = vehicles
            .iter()
            .zip(spec)
            .enumerate()
            .map(|(k, ((name, v, _), (_, id, _)))| {
                let version = if k % 2 == 0 {
                    ProtocolVersion::V2
                } else {
                    ProtocolVersion::V3
                };
                Wire {
                    name: name.clone(),
                    version,
                    vehicle: VdaVehicle::new(world, *v, "huu-nghi").expect("vehicle"),
                    fleet_headers: OutgoingHeaders::new(id.clone(), version),
                    vehicle_headers: OutgoingHeaders::new(id.clone(), version),
                    observer: OrderTracker::new(id.clone()),
                    id,
                }
            })
            .collect();
        Link {
            fleet,
            wires,
            counts: Counts::default(),
            pending: Vec::new(),
        }
    }

    fn topic(w: &Wire, kind: TopicKind) -> Topic {
        Topic::new("uagv", w.version, w.id.clone(), kind).expect("topic")
    }

    /// Each vehicle announces itself ONLINE; returns the controller inputs.
    fn connect(&mut self, now_s: f64) -> Vec<Input> {
        let mut inputs = Vec::new();
        for w in &mut self.wires {
            let header = w
                .vehicle_headers
                .next_header(TopicKind::Connection, stamp(now_s));
            let bytes = codec::encode_connection(w.version, &header, ConnectionState::Online)
                .expect("encode connection");
            assert_schema(w.version, TopicKind::Connection, &bytes);
            let Incoming::Connection(msg) =
                codec::decode(&Self::topic(w, TopicKind::Connection), &bytes).expect("decode")
            else {
                panic!("not a connection message");
            };
            inputs.extend(self.fleet.on_connection(&msg).expect("connection"));
        }
        inputs
    }

    /// Controller outputs → VDA 5050 messages → bytes → the vehicles.
    fn send(&mut self, world: &mut World, outputs: &[Output], now_s: f64) {
        for out in outputs {
            self.fleet.handle(out).expect("translate output");
        }
        self.deliver(world, now_s);
    }

    fn deliver(&mut self, world: &mut World, now_s: f64) {
        let mut commands = std::mem::take(&mut self.pending);
        commands.extend(self.fleet.drain_messages());
        for cmd in commands {
            let vehicle = match &cmd {
                VdaCommand::Order { vehicle, .. } | VdaCommand::InstantActions { vehicle, .. } => {
                    vehicle.clone()
                }
            };
            let w = self
                .wires
                .iter_mut()
                .find(|w| w.id == vehicle)
                .expect("a vehicle of the fleet");
            match cmd {
                VdaCommand::Order { order, .. } => {
                    check_sequence_ids(&order);
                    let header = w.fleet_headers.next_header(TopicKind::Order, stamp(now_s));
                    let bytes = codec::encode_order(w.version, &header, &order).expect("encode");
                    assert_schema(w.version, TopicKind::Order, &bytes);
                    self.counts.bytes += bytes.len();
                    let Incoming::Order(msg) =
                        codec::decode(&Self::topic(w, TopicKind::Order), &bytes).expect("decode")
                    else {
                        panic!("not an order");
                    };
                    assert_eq!(msg.body, order, "the order survives the wire");
                    let admission = w.observer.record_sent(&msg.body).unwrap_or_else(|e| {
                        panic!("{}: order not admitted by the tracker: {e}", w.name)
                    });
                    match admission {
                        corridor_vda5050::Admission::NewOrder => self.counts.new_orders += 1,
                        corridor_vda5050::Admission::Update => self.counts.updates += 1,
                        corridor_vda5050::Admission::Resend => {}
                    }
                    w.vehicle
                        .apply_order(world, &msg.body)
                        .unwrap_or_else(|e| panic!("{}: vehicle rejected {order:?}: {e}", w.name));
                }
                VdaCommand::InstantActions { actions, .. } => {
                    let header = w
                        .fleet_headers
                        .next_header(TopicKind::InstantActions, stamp(now_s));
                    let bytes = codec::encode_instant_actions(w.version, &header, &actions)
                        .expect("encode");
                    assert_schema(w.version, TopicKind::InstantActions, &bytes);
                    let Incoming::InstantActions(msg) =
                        codec::decode(&Self::topic(w, TopicKind::InstantActions), &bytes)
                            .expect("decode")
                    else {
                        panic!("not instant actions");
                    };
                    w.observer.record_instant_actions(&msg.body);
                    w.vehicle
                        .apply_instant_actions(world, &msg.body)
                        .expect("instant actions");
                    self.counts.instant_actions += msg.body.len();
                }
            }
        }
    }

    fn observe(&mut self, events: &[SimEvent]) {
        for w in &mut self.wires {
            w.vehicle.observe(events);
        }
    }

    /// Vehicles publish the states that are due; returns the controller inputs. Orders
    /// that waited for a state go out to the vehicles at once.
    fn publish(&mut self, world: &mut World, now_s: f64) -> Vec<Input> {
        let mut inputs = Vec::new();
        for k in 0..self.wires.len() {
            let w = &mut self.wires[k];
            let Some(state) = w.vehicle.poll_state(world, now_s).expect("state") else {
                continue;
            };
            let header = w
                .vehicle_headers
                .next_header(TopicKind::State, stamp(now_s));
            let bytes = codec::encode_state(w.version, &header, &state).expect("encode state");
            assert_schema(w.version, TopicKind::State, &bytes);
            self.counts.states += 1;
            self.counts.bytes += bytes.len();
            let Incoming::State(msg) =
                codec::decode(&Self::topic(w, TopicKind::State), &bytes).expect("decode state")
            else {
                panic!("not a state");
            };
            check_state(&w.name, &msg.body);
            w.observer.observe_state(&msg.body);
            inputs.extend(self.fleet.on_state(&msg).expect("state accepted"));
        }
        self.deliver(world, now_s);
        inputs
    }
}

/// Node sequence ids even and strictly increasing, edges odd between them.
fn check_sequence_ids(order: &Order) {
    for pair in order.nodes.windows(2) {
        assert!(
            pair[1].sequence_id > pair[0].sequence_id,
            "{}: {:?}",
            order.order_id,
            order.nodes
        );
    }
    for n in &order.nodes {
        assert_eq!(
            n.sequence_id % 2,
            0,
            "{}: node {}",
            order.order_id,
            n.node_id
        );
    }
    for e in &order.edges {
        assert_eq!(
            e.sequence_id % 2,
            1,
            "{}: edge {}",
            order.order_id,
            e.edge_id
        );
    }
}

/// A simulated vehicle's state is consistent: nothing rejected, nothing fatal.
fn check_state(name: &str, state: &VehicleState) {
    assert!(
        state.errors.is_empty(),
        "{name} reports errors: {:?}",
        state.errors
    );
    for e in &state.errors {
        assert_ne!(e.level, ErrorLevel::Fatal);
        assert!(!matches!(e.error_type, ErrorType::Other(_)));
    }
    for pair in state.node_states.windows(2) {
        assert!(pair[0].sequence_id < pair[1].sequence_id, "{name}");
    }
    if let Some(first) = state.node_states.first() {
        assert!(first.sequence_id > state.last_node_sequence_id, "{name}");
    }
}

/// Controller, translator, world and vehicles on the Hữu Nghị map.
struct Run {
    controller: Controller,
    world: World,
    link: Link,
    time: f64,
    delivered: usize,
    critical: Vec<String>,
    inputs: usize,
}

impl Run {
    fn new(vehicles: usize, store: &std::path::Path) -> Run {
        let map = SiteMap::load(HUU_NGHI).expect("bundled map");
        let site = Arc::new(Site::new(map.clone()).expect("cells"));
        let mut world = World::new(Arc::clone(&site), 3);
        let cells = site.cells.len();
        let mut fleet = Vec::new();
        let mut link_spec = Vec::new();
        for k in 0..vehicles {
            let id = format!("IGV-{:02}", k + 1);
            let c = CellId((k * cells / vehicles) as u32);
            let battery = 0.55 + 0.4 * (k as f64 + 0.5) / vehicles as f64;
            let v = world.add_vehicle(&id, 0, c, battery).expect("vehicle");
            fleet.push((id.clone(), c));
            link_spec.push((id, v, c));
        }
        let controller = Controller::new(
            Arc::new(map.clone()),
            Arc::new(site.cells.clone()),
            JobStore::open(store).expect("store"),
            &fleet,
            ControllerConfig::default(),
        )
        .expect("controller");
        let link = Link::new(&world, &map, &link_spec);
        let mut run = Run {
            controller,
            world,
            link,
            time: 0.0,
            delivered: 0,
            critical: Vec::new(),
            inputs: 0,
        };
        let inputs = run.link.connect(0.0);
        run.feed(inputs);
        let inputs = run.link.publish(&mut run.world, 0.0);
        run.feed(inputs);
        run
    }

    fn feed(&mut self, inputs: Vec<Input>) {
        for input in inputs {
            self.inputs += 1;
            self.controller.handle(self.time, input);
        }
    }

    fn step(&mut self) {
        self.controller.tick(self.time).expect("tick");
        let outputs = self.controller.drain_outputs();
        for out in &outputs {
            match out {
                Output::Event(Event::Job { state, .. }) if state == "delivered" => {
                    self.delivered += 1;
                }
                Output::Event(Event::Alarm {
                    severity, message, ..
                }) if severity == "critical" => self.critical.push(message.clone()),
                _ => {}
            }
        }
        self.link.send(&mut self.world, &outputs, self.time);
        self.world.step(DT);
        self.time += DT;
        let events = self.world.drain_events();
        for e in &events {
            if let SimEvent::Collision { .. } | SimEvent::Stall { .. } = e {
                panic!("{e:?} at {} s", self.time);
            }
        }
        self.link.observe(&events);
        let inputs = self.link.publish(&mut self.world, self.time);
        self.feed(inputs);
        let problems = self.link.fleet.drain_problems();
        assert!(problems.is_empty(), "at {} s: {problems:?}", self.time);
    }
}

fn job(map_flow: &str, container: String, release_s: f64) -> JobSpec {
    JobSpec {
        container,
        flow: Some(map_flow.into()),
        stations: vec![],
        priority: 0,
        perishable: false,
        release_s,
        deadline_s: None,
        hold: false,
        inspect: false,
    }
}

#[test]
fn an_hour_at_huu_nghi_over_vda5050_v2_and_v3_delivers_without_collision() {
    let store = temp_store("vda-hour");
    let mut run = Run::new(8, &store);
    for i in 0..12u32 {
        let flow = if i % 2 == 0 { "export" } else { "import" };
        run.controller
            .submit(job(flow, format!("VDA{i:03}"), f64::from(i) * 120.0))
            .expect("valid job");
    }
    while run.time < 2.0 * 3600.0 && !run.controller.jobs().all(|j| j.state.is_final()) {
        run.step();
    }
    // The last delivery's event is still in the controller's outputs.
    for out in run.controller.drain_outputs() {
        if let Output::Event(Event::Job { state, .. }) = out
            && state == "delivered"
        {
            run.delivered += 1;
        }
    }
    let delivered = run
        .controller
        .jobs()
        .filter(|j| matches!(j.state, JobState::Delivered { .. }))
        .count();
    let c = &run.link.counts;
    eprintln!(
        "{:.0} s simulated: {delivered} delivered, {} new orders, {} updates, {} instant actions, {} states, {} kB, {} inputs",
        run.time,
        c.new_orders,
        c.updates,
        c.instant_actions,
        c.states,
        c.bytes / 1000,
        run.inputs
    );
    assert_eq!(
        delivered, 12,
        "{delivered} of 12 delivered by {:.0} s",
        run.time
    );
    assert_eq!(delivered, run.delivered);
    assert!(run.critical.is_empty(), "{:?}", run.critical);
    assert!(c.new_orders >= 8 && c.updates > c.new_orders && c.states > 0);
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn pause_resume_and_a_broken_connection_cross_the_wire() {
    let store = temp_store("vda-pause");
    let mut run = Run::new(2, &store);
    run.controller
        .submit(job("export", "P001".into(), 0.0))
        .expect("valid");
    for _ in 0..200 {
        run.step();
    }
    // Pause IGV-01 through the operator API: a startPause reaches the vehicle.
    run.controller.handle(
        run.time,
        Input::Command(corridor_fleet::operator::Request {
            correlation_id: "p".into(),
            reply_to: None,
            command: corridor_fleet::operator::Command::PauseVehicle {
                vehicle: "IGV-01".into(),
            },
        }),
    );
    for _ in 0..60 {
        run.step();
    }
    let view = run.world.vehicle(VehicleIndex(0)).expect("vehicle");
    assert!(view.paused && view.speed == 0.0, "{view:?}");
    run.controller.handle(
        run.time,
        Input::Command(corridor_fleet::operator::Request {
            correlation_id: "r".into(),
            reply_to: None,
            command: corridor_fleet::operator::Command::ResumeVehicle {
                vehicle: "IGV-01".into(),
            },
        }),
    );
    for _ in 0..4 {
        run.step();
    }
    assert!(!run.world.vehicle(VehicleIndex(0)).expect("vehicle").paused);
    assert!(run.link.counts.instant_actions >= 2);
    // The broker publishes IGV-02's last will, then it comes back.
    let w = &mut run.link.wires[1];
    let id = w.id.clone();
    let header = w
        .vehicle_headers
        .next_header(TopicKind::Connection, stamp(run.time));
    let broken = corridor_vda5050::Message {
        header: header.clone(),
        body: ConnectionState::ConnectionBroken,
    };
    let inputs = run.link.fleet.on_connection(&broken).expect("last will");
    assert_eq!(
        inputs,
        [
            Input::Link {
                vehicle: "IGV-02".into(),
                online: false
            },
            Input::Fault {
                vehicle: "IGV-02".into(),
                active: true
            }
        ]
    );
    let online = corridor_vda5050::Message {
        header: corridor_vda5050::Header {
            header_id: header.header_id + 1,
            ..header
        },
        body: ConnectionState::Online,
    };
    let inputs = run.link.fleet.on_connection(&online).expect("online");
    assert_eq!(
        inputs,
        [
            Input::Link {
                vehicle: "IGV-02".into(),
                online: true
            },
            Input::Fault {
                vehicle: "IGV-02".into(),
                active: false
            }
        ]
    );
    assert_eq!(run.link.fleet.fleet_id(&id), Some("IGV-02"));
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

/// The small shuttle map of the in-process day tests, for the property test.
fn shuttle() -> (SiteMap, Arc<Site>) {
    let map = SiteMap::from_toml_str(crate::day::MAP, "mini.toml").expect("map");
    let site = Arc::new(Site::new(map.clone()).expect("cells"));
    (map, site)
}

/// Drives `world` for `steps` steps, passing events and states over `link`; returns the
/// stops reported done.
fn drive(link: &mut Link, world: &mut World, time: &mut f64, steps: usize) -> Vec<u64> {
    let mut done = Vec::new();
    for _ in 0..steps {
        world.step(DT);
        *time += DT;
        let events = world.drain_events();
        link.observe(&events);
        for input in link.publish(world, *time) {
            if let Input::StopDone { stop, .. } = input {
                done.push(stop);
            }
        }
    }
    done
}

#[test]
fn a_stop_on_the_visit_released_last_rides_on_a_repeated_node_or_a_new_order() {
    let (map, site) = shuttle();
    let gate = map.station_id("gate").expect("gate");
    let gate_cell = site.cells.station_cells(&map, gate)[0];
    let mut world = World::new(Arc::clone(&site), 1);
    let start = site
        .cells
        .lane_cells(corridor_map::LaneId(0))
        .next()
        .expect("cell");
    let v = world.add_vehicle("IGV-00", 0, start, 0.9).expect("vehicle");
    let mut link = Link::new(&world, &map, &[("IGV-00".into(), v, start)]);
    link.connect(0.0);
    let mut time = 0.0;
    let _ = link.publish(&mut world, time);
    // Release the lane up to the gate's cell; the stop comes later, while it drives.
    let mut path = vec![start];
    while *path.last().expect("cell") != gate_cell {
        path.push(site.cells.successors(*path.last().expect("cell"))[0]);
    }
    let visits: Vec<(u64, CellId)> = (1..path.len()).map(|i| (i as u64, path[i])).collect();
    let last = visits.len() as u64;
    let release = |visits, stops| Output::Release {
        vehicle: "IGV-00".into(),
        visits,
        stops,
    };
    link.send(&mut world, &[release(visits, vec![])], time);
    drive(&mut link, &mut world, &mut time, 10);
    let service = |id, visit| StopOrder {
        id,
        visit,
        kind: StopKind::Service {
            station: gate,
            load: None,
        },
        job: None,
    };
    link.fleet
        .handle(&release(vec![], vec![service(7, last)]))
        .expect("release");
    let messages = link.fleet.drain_messages();
    let [VdaCommand::Order { order, .. }] = messages.as_slice() else {
        panic!("one order: {messages:?}");
    };
    assert_eq!(order.order_update_id, 1);
    assert_eq!(order.nodes.len(), 2, "{order:?}");
    assert_eq!(order.nodes[0].node_id, order.nodes[1].node_id);
    assert_eq!(order.nodes[1].sequence_id, order.nodes[0].sequence_id + 2);
    assert!(order.nodes[0].actions.is_empty());
    assert_eq!(order.nodes[1].actions[0].action_id, "7");
    assert_eq!(order.edges[0].length, Some(0.0));
    // Deliver it for real and let the vehicle serve it.
    link.fleet
        .handle(&release(vec![], vec![]))
        .expect("nothing");
    let mut replay = VdaFleetReplay(messages);
    replay.deliver(&mut link, &mut world, time);
    let done = drive(&mut link, &mut world, &mut time, 400);
    assert_eq!(done, [7]);
    // Now idle on the gate's cell: a second stop there starts a new order on that node.
    link.fleet
        .handle(&release(vec![], vec![service(8, last)]))
        .expect("release");
    let messages = link.fleet.drain_messages();
    let [VdaCommand::Order { order, .. }] = messages.as_slice() else {
        panic!("one order: {messages:?}");
    };
    assert_eq!(
        (order.order_id.as_str(), order.order_update_id),
        ("IGV-00-2", 0)
    );
    assert_eq!(order.nodes.len(), 1);
    assert_eq!(order.nodes[0].actions[0].action_id, "8");
    VdaFleetReplay(messages).deliver(&mut link, &mut world, time);
    assert_eq!(drive(&mut link, &mut world, &mut time, 400), [8]);
    // A stop behind the vehicle cannot be delivered: a problem, not a panic.
    link.fleet
        .handle(&release(vec![], vec![service(9, 1)]))
        .expect("release");
    let problems = link.fleet.drain_problems();
    assert!(
        matches!(problems.as_slice(), [FleetError::VehicleReport { reason, .. }] if reason.contains("stop 9")),
        "{problems:?}"
    );
}

/// Messages taken out of the fleet by a test, put back on the wire.
struct VdaFleetReplay(Vec<VdaCommand>);

impl VdaFleetReplay {
    fn deliver(&mut self, link: &mut Link, world: &mut World, now_s: f64) {
        link.pending.append(&mut self.0);
        link.deliver(world, now_s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any sequence of releases along a drivable path, with stops on station cells (some on
    /// the visit released last), and any amount of driving between them, gives orders the
    /// vehicle accepts, with strictly increasing even node sequence ids, and every stop is
    /// reported done exactly once.
    #[test]
    fn any_releases_give_orders_the_vehicle_accepts(
        choices in proptest::collection::vec(0usize..4, 4..60),
        chunks in proptest::collection::vec(1usize..6, 1..24),
        drive in proptest::collection::vec(0usize..120, 1..20),
        stop_here in proptest::collection::vec(any::<bool>(), 1..20),
        stop_mask in any::<u64>(),
    ) {
        let (map, site) = shuttle();
        let mut world = World::new(Arc::clone(&site), 1);
        // Near the start of Y1 -> G, so that the gate and the CN crane come up soon.
        let start = site.cells.lane_cells(corridor_map::LaneId(0)).nth(2).expect("cell");
        let v = world.add_vehicle("IGV-00", 0, start, 0.9).expect("vehicle");
        // Services at station cells (chargers are left out: the vehicle would stay long).
        let mut station_of: HashMap<CellId, corridor_map::StationId> = HashMap::new();
        for (s, st) in map.stations().iter().enumerate() {
            if st.kind == StationKind::Charger {
                continue;
            }
            let s = corridor_map::StationId(s as u32);
            for c in site.cells.station_cells(&map, s) {
                station_of.insert(c, s);
            }
        }
        // A drivable path from the start.
        let mut path = vec![start];
        for &c in &choices {
            let succ = site.cells.successors(*path.last().expect("cell"));
            prop_assume!(!succ.is_empty());
            path.push(succ[c % succ.len()]);
        }
        let mut link = Link::new(&world, &map, &[("IGV-00".into(), v, start)]);
        let inputs = link.connect(0.0);
        prop_assert!(inputs.is_empty());
        let mut time = 0.0;
        let _ = link.publish(&mut world, time);
        let mut next_visit = 1u64;
        let mut next_stop = 1u64;
        let mut sent_stops = Vec::new();
        let mut done = Vec::new();
        let mut k = 0;
        for (i, &n) in chunks.iter().enumerate() {
            let visits: Vec<(u64, CellId)> = (0..n)
                .filter_map(|j| path.get(k + j).copied().filter(|_| k + j > 0))
                .enumerate()
                .map(|(j, c)| (next_visit + j as u64, c))
                .collect();
            k += n;
            let last_sent = next_visit - 1;
            next_visit += visits.len() as u64;
            let mut stops = Vec::new();
            for &(visit, cell) in &visits {
                if let Some(&station) = station_of.get(&cell)
                    && stop_mask & (1 << (visit % 64)) != 0
                {
                    stops.push(StopOrder { id: next_stop, visit, kind: StopKind::Service { station, load: None }, job: None });
                    next_stop += 1;
                }
            }
            // A stop on the visit released last, if it is a station cell.
            let last_cell = if last_sent == 0 { Some(start) } else { path.get(last_sent as usize).copied() };
            if stop_here.get(i).copied().unwrap_or(false)
                && let Some(station) = last_cell.and_then(|c| station_of.get(&c).copied())
                && !sent_stops.iter().any(|s: &StopOrder| s.visit == last_sent)
            {
                stops.push(StopOrder { id: next_stop, visit: last_sent, kind: StopKind::Service { station, load: None }, job: None });
                next_stop += 1;
            }
            if visits.is_empty() && stops.is_empty() {
                continue;
            }
            sent_stops.extend(stops.iter().copied());
            let out = Output::Release { vehicle: "IGV-00".into(), visits, stops };
            link.send(&mut world, std::slice::from_ref(&out), time);
            for _ in 0..drive.get(i).copied().unwrap_or(0) {
                world.step(DT);
                time += DT;
                let events = world.drain_events();
                let collided = events.iter().any(|e| matches!(e, SimEvent::Collision { .. }));
                prop_assert!(!collided, "collision");
                link.observe(&events);
                for input in link.publish(&mut world, time) {
                    if let Input::StopDone { stop, .. } = input {
                        done.push(stop);
                    }
                }
            }
            let problems: Vec<FleetError> = link.fleet.drain_problems();
            prop_assert!(problems.is_empty(), "{:?}", problems);
        }
        // Drive to the end: every stop is reported done once.
        for _ in 0..4000 {
            world.step(DT);
            time += DT;
            let events = world.drain_events();
            link.observe(&events);
            for input in link.publish(&mut world, time) {
                if let Input::StopDone { stop, .. } = input {
                    done.push(stop);
                }
            }
            if done.len() == sent_stops.len() {
                break;
            }
        }
        done.sort_unstable();
        let mut expected: Vec<u64> = sent_stops.iter().map(|s| s.id).collect();
        expected.sort_unstable();
        prop_assert_eq!(done, expected);
    }
}

#[test]
fn bad_vehicle_reports_are_errors_or_problems_never_panics() {
    let (map, site) = shuttle();
    let mut world = World::new(Arc::clone(&site), 1);
    let start = site
        .cells
        .lane_cells(corridor_map::LaneId(0))
        .next()
        .expect("cell");
    let v = world.add_vehicle("IGV-00", 0, start, 0.9).expect("vehicle");
    let mut link = Link::new(&world, &map, &[("IGV-00".into(), v, start)]);
    let w = &mut link.wires[0];
    let mut state = w.vehicle.state(&world, 0.0).expect("state");
    let header = w.vehicle_headers.next_header(TopicKind::State, stamp(0.0));
    let msg = corridor_vda5050::Message {
        header: header.clone(),
        body: state.clone(),
    };
    let inputs = link.fleet.on_state(&msg).expect("first state");
    assert_eq!(inputs.len(), 1, "battery only: {inputs:?}");
    // The same headerId again: stale, refused, nothing changes.
    assert!(matches!(
        link.fleet.on_state(&msg),
        Err(FleetError::Vda5050 { .. })
    ));
    // An unknown vehicle.
    let stranger = corridor_vda5050::Message {
        header: corridor_vda5050::Header {
            serial_number: "IGV-99".into(),
            ..header.clone()
        },
        body: state.clone(),
    };
    assert!(matches!(
        link.fleet.on_state(&stranger),
        Err(FleetError::UnknownVehicle(_))
    ));
    assert!(matches!(
        link.fleet.handle(&Output::Pause {
            vehicle: "IGV-99".into()
        }),
        Err(FleetError::UnknownVehicle(_))
    ));
    // An action the fleet never sent, and a FATAL error: a problem and a fault.
    state
        .action_states
        .push(corridor_vda5050::model::ActionState {
            action_id: "mystery".into(),
            action_type: None,
            status: corridor_vda5050::model::ActionStatus::Finished,
            description: None,
            result: None,
        });
    state.errors.push(corridor_vda5050::model::VehicleError {
        error_type: ErrorType::Other("motorFault".into()),
        level: ErrorLevel::Fatal,
        references: vec![],
        description: None,
        hint: None,
    });
    let msg = corridor_vda5050::Message {
        header: corridor_vda5050::Header {
            header_id: header.header_id + 1,
            ..header
        },
        body: state,
    };
    let inputs = link.fleet.on_state(&msg).expect("state");
    assert!(inputs.contains(&Input::Fault {
        vehicle: "IGV-00".into(),
        active: true
    }));
    let problems = link.fleet.drain_problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
}

proptest! {
    /// A stop's action id names its job step, and nothing else parses as one.
    #[test]
    fn action_ids_name_their_job_step(id in any::<u64>(), job in proptest::option::of((any::<u64>(), 0usize..64)), noise in "[a-z0-9-]{0,12}") {
        use corridor_fleet::JobId;
        use corridor_fleet::vda::{job_step_of_action, stop_action_id};
        let stop = StopOrder {
            id,
            visit: 0,
            kind: StopKind::Service { station: corridor_map::StationId(0), load: None },
            job: job.map(|(j, s)| (JobId(j), s)),
        };
        prop_assert_eq!(job_step_of_action(&stop_action_id(&stop)), stop.job);
        if !noise.contains("-j") {
            prop_assert_eq!(job_step_of_action(&noise), None);
        }
    }
}
