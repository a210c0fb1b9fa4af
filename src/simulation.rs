//! One simulated run at a border gate: the fleet controller and the kinematic simulator's
//! vehicles, talking VDA 5050 to each other through a [`Transport`] — MQTT through a broker,
//! or in process with the same encoded messages — on the simulator's virtual clock.
//!
//! Each step of `dt` simulated seconds:
//! 1. containers whose time has come are submitted as jobs;
//! 2. the controller ticks; its releases become VDA 5050 orders and order updates, its
//!    pauses instant actions ([`VdaFleet`]);
//! 3. the transport carries them to the vehicles, which take them like real vehicles do
//!    ([`VdaVehicle`]);
//! 4. the world advances `dt`; the detectors look for collisions and stalls;
//! 5. every vehicle whose state changed (or whose last state is 30 s old) publishes it; the
//!    transport carries the states back and the fleet side turns them into progress, stop,
//!    battery and fault reports for the controller.
//!
//! The transport waits until every message of a phase has arrived before the next phase,
//! so a run is deterministic under its seed whatever the transport.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use corridor_fleet::operator::{Event, Reply, Request};
use corridor_fleet::vda::Resumed;
use corridor_fleet::{
    Controller, ControllerConfig, Input, JobSpec, JobStore, Output, Recovered, VdaCommand, VdaFleet,
};
use corridor_map::{CellId, SiteMap};
use corridor_sim::demand::{Arrival, Demand};
use corridor_sim::{Activity, SimEvent, Site, VdaVehicle, VehicleIndex, World};
use corridor_vda5050::model::{
    Action, ActionType, BlockingType, ConnectionState, Order, VehicleState,
};
use corridor_vda5050::{Message, ProtocolVersion, Timestamp, VehicleId};

use crate::report::{Report, StationReport, quantile};

/// Manufacturer level of the simulated vehicles' VDA 5050 topics.
pub const MANUFACTURER: &str = "Corridor";

/// A message for one vehicle, as the vehicle decoded it.
#[derive(Debug, Clone)]
pub enum ToVehicle {
    /// An order or order update.
    Order(Order),
    /// Instant actions.
    InstantActions(Vec<Action>),
}

/// A message from a vehicle, as the fleet side decoded it.
#[derive(Debug, Clone)]
pub enum FromVehicle {
    /// A `state` message.
    State(Box<Message<VehicleState>>),
    /// A `connection` message (ONLINE, OFFLINE, or the broker's last will).
    Connection(Message<ConnectionState>),
}

/// How the fleet side and the vehicles exchange VDA 5050 messages.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// `mqtt` or `in-process`, for the report.
    fn name(&self) -> &'static str;
    /// Every vehicle announces itself (`connection` ONLINE); returns what the fleet side
    /// received.
    async fn connect(&mut self, now: Timestamp) -> Result<Vec<FromVehicle>>;
    /// The fleet side was killed and starts again: a new connection (over MQTT a new
    /// client, the old one gone without a goodbye); returns the vehicles' retained
    /// `connection` messages it receives on subscribing.
    async fn restart_master(&mut self, now: Timestamp) -> Result<Vec<FromVehicle>>;
    /// Sends the fleet side's commands; returns what each vehicle (by index) received, in
    /// order, once all of it has arrived.
    async fn to_vehicles(
        &mut self,
        commands: Vec<VdaCommand>,
        now: Timestamp,
    ) -> Result<Vec<(usize, ToVehicle)>>;
    /// Publishes the vehicles' states (by index); returns what the fleet side received, once
    /// all of it has arrived.
    async fn to_fleet(
        &mut self,
        states: Vec<(usize, VehicleState)>,
        now: Timestamp,
    ) -> Result<Vec<FromVehicle>>;
    /// Counters of what was carried, by message kind.
    fn counts(&self) -> BTreeMap<String, u64>;
}

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The site map.
    pub map: PathBuf,
    /// Simulated hours.
    pub hours: f64,
    /// Fleet size.
    pub vehicles: usize,
    /// Mean containers per day.
    pub demand: f64,
    /// Peak over mean of the daily profile.
    pub peak_factor: f64,
    /// Share of the first flow's containers that are perishable.
    pub perishable: f64,
    /// Seed of demand, service times and planning.
    pub seed: u64,
    /// Simulation step, seconds.
    pub dt: f64,
    /// The job store (a redb file); `None`: a temporary one, removed at the end.
    pub store: Option<PathBuf>,
    /// Kill the fleet side (controller and VDA 5050 master) at this simulated second and
    /// start a new one on the same job store; `None`: never.
    pub restart_at_s: Option<f64>,
}

/// The VDA 5050 version of vehicle `k`: even ones speak 2.x, odd ones 3.0, so that every
/// run exercises both generations.
pub fn version_of(k: usize) -> ProtocolVersion {
    if k.is_multiple_of(2) {
        ProtocolVersion::V2
    } else {
        ProtocolVersion::V3
    }
}

/// The virtual clock as a VDA 5050 timestamp: 2026-12-01T00:00:00Z plus `seconds`.
///
/// # Errors
/// Never for the times of a run (the range ends in the year 275,760).
pub fn stamp(seconds: f64) -> Result<Timestamp> {
    const START_MS: i64 = 1_796_083_200_000; // 2026-12-01T00:00:00Z
    Ok(Timestamp::from_unix_millis(
        START_MS + (seconds.max(0.0) * 1000.0).round() as i64,
    )?)
}

/// Distinct start cells spread over the whole network.
fn start_cells(site: &Site, n: usize) -> Result<Vec<CellId>> {
    let cells = site.cells.len();
    if n == 0 || n > cells / 2 {
        bail!("--vehicles must be 1..={} on this map", cells / 2);
    }
    Ok((0..n).map(|k| CellId((k * cells / n) as u32)).collect())
}

/// Whether step number `step` (of `dt` seconds each) starts a new period of `seconds`.
fn every(step: u64, seconds: f64, dt: f64) -> bool {
    step.is_multiple_of((seconds / dt).round().max(1.0) as u64)
}

/// A run in progress. See the module documentation.
#[derive(Debug)]
pub struct Simulation {
    spec: RunSpec,
    map: Arc<SiteMap>,
    world: World,
    vehicles: Vec<VdaVehicle>,
    names: Vec<String>,
    ids: Vec<VehicleId>,
    /// The fleet side while it runs; `None` from a kill until the new one has started.
    master: Option<Master>,
    /// The new fleet side's start-up, while it waits for the vehicles.
    restart: Option<Restart>,
    store_path: PathBuf,
    restarts: usize,
    /// Charging trips of fleet sides that are gone.
    charges_before: u64,
    arrivals: Vec<Arrival>,
    next_arrival: usize,
    flow_of: HashMap<String, usize>,
    release_of: HashMap<String, f64>,
    time: f64,
    step: u64,
    store_dir: Option<PathBuf>,
    /// Operator events produced since the last [`Simulation::take_events`].
    events: Vec<Event>,
    delivered: Vec<(f64, usize, f64)>,
    collisions: usize,
    stalls: usize,
    alarms: usize,
    rejections: usize,
    last_motion: f64,
    stalled: bool,
    queue_samples: Vec<(f64, Vec<usize>)>,
    positions: Vec<(f64, Vec<f64>)>,
    time_by_state: BTreeMap<String, f64>,
    started: std::time::Instant,
}

/// Open jobs and no vehicle moving for this long is a stall, simulated seconds.
const STALL_S: f64 = 900.0;

/// A restarting fleet side that has waited this long for a vehicle raises an alarm.
const RESTART_PATIENCE_S: f64 = 600.0;

/// The fleet side: the controller and its VDA 5050 translator.
#[derive(Debug)]
struct Master {
    controller: Controller,
    fleet: VdaFleet,
}

/// A fleet side starting after a kill. It knows nothing of what the old one released, so
/// it asks every vehicle for its state, cancels the orders still being driven (vehicles
/// stop at the end of what was released to them: those cells were theirs), and starts the
/// new controller once every vehicle stands with nothing left to drive — from where each
/// stands, with the job steps their action states report done, and with the ones they are
/// still doing (a crane lift, an inspection) left to them until done.
#[derive(Debug)]
struct Restart {
    since: f64,
    /// The latest state of each vehicle.
    states: Vec<Option<Message<VehicleState>>>,
    /// Vehicles sent a `cancelOrder`.
    cancelled: Vec<bool>,
    /// Connection messages heard meanwhile, for the new translator.
    connections: Vec<Message<ConnectionState>>,
    /// Commands to send at the next step.
    outbox: Vec<VdaCommand>,
    alarmed: bool,
}

/// What keeps a vehicle from [`settled`], for an alarm.
fn unsettled(state: &VehicleState) -> String {
    let mut why = Vec::new();
    if state.driving {
        why.push("driving".to_string());
    }
    if !state.node_states.is_empty() {
        why.push(format!("{} node(s) left", state.node_states.len()));
    }
    if state.paused == Some(true) {
        why.push("paused".to_string());
    }
    why.join(", ")
}

/// The `actionId` of the `cancelOrder` that restart number `n` sends.
fn restart_cancel_id(n: usize) -> String {
    format!("restart{n}-cancel")
}

/// Whether `e` is a vehicle's refusal of the `cancelOrder` of restart number `restart`
/// (sent in `m`): the only refusal of a `cancelOrder` is that no order is active.
fn is_late_restart_cancel(m: &ToVehicle, e: &corridor_sim::SimError, restart: usize) -> bool {
    let corridor_sim::SimError::InstantActionRejected { action_id, .. } = e else {
        return false;
    };
    let ToVehicle::InstantActions(actions) = m else {
        return false;
    };
    *action_id == restart_cancel_id(restart)
        && actions
            .iter()
            .any(|a| a.action_id == *action_id && a.action_type == ActionType::CancelOrder)
}

/// Whether a vehicle stands with nothing left to drive (an action may still run).
fn settled(state: &VehicleState) -> bool {
    !state.driving && state.node_states.is_empty()
}

impl Simulation {
    /// Loads the map, places the fleet (batteries spread between 50 % and 95 %, as in a
    /// fleet that has been running), opens the job store and draws the day's demand.
    ///
    /// # Errors
    /// A map that does not load or has no flows, a fleet that does not fit, a job store that
    /// cannot be opened.
    pub fn new(spec: RunSpec) -> Result<Simulation> {
        let map =
            SiteMap::load(&spec.map).with_context(|| format!("loading {}", spec.map.display()))?;
        if map.flows().is_empty() {
            bail!(
                "{}: the map has no flows, so there is no demand to serve",
                spec.map.display()
            );
        }
        if !(spec.dt > 0.0 && spec.dt <= 5.0) {
            bail!("--dt must be in (0, 5] seconds, got {}", spec.dt);
        }
        for (flag, value, low, high) in [
            ("--hours", spec.hours, 0.0, 24.0 * 366.0),
            ("--demand", spec.demand, 0.0, 1e6),
            ("--peak-factor", spec.peak_factor, 1.0, 2.0),
            ("--perishable", spec.perishable, 0.0, 1.0),
        ] {
            if !(value >= low && value <= high) {
                bail!("{flag} must be within [{low}, {high}], got {value}");
            }
        }
        if let Some(t) = spec.restart_at_s
            && !(t >= 0.0 && t < spec.hours * 3600.0)
        {
            bail!(
                "--restart-controller-at must be within the run (0 to {} h), got {} h",
                spec.hours,
                t / 3600.0
            );
        }
        let site = Arc::new(Site::new(map.clone())?);
        let mut world = World::new(Arc::clone(&site), spec.seed);
        let starts = start_cells(&site, spec.vehicles)?;
        let mut fleet_spec = Vec::with_capacity(starts.len());
        let mut names = Vec::new();
        let mut ids = Vec::new();
        let mut vehicles = Vec::new();
        let map_id = map_id(&spec);
        for (k, &c) in starts.iter().enumerate() {
            let name = format!("IGV-{:02}", k + 1);
            let battery = 0.5 + 0.45 * (k as f64 + 0.5) / starts.len() as f64;
            let v = world.add_vehicle(&name, 0, c, battery)?;
            let id = VehicleId::new(MANUFACTURER, name.as_str())?;
            vehicles.push(VdaVehicle::new(&world, v, map_id.as_str())?);
            fleet_spec.push((name.clone(), id.clone(), c));
            names.push(name);
            ids.push(id);
        }
        let (store_path, store_dir) = match &spec.store {
            Some(p) => (p.clone(), None),
            None => {
                let dir = scratch_dir().join(format!(
                    "corridor-run-{}-{}-{}",
                    std::process::id(),
                    spec.seed,
                    spec.vehicles
                ));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                (dir.join("jobs.redb"), Some(dir))
            }
        };
        let store = JobStore::open(&store_path)?;
        // A simulated day numbers its containers from 0: on a store that holds another run's
        // jobs, every one of them would be refused as a duplicate.
        let held = store.all()?.len();
        if held > 0 {
            bail!(
                "--store {}: holds {held} jobs of an earlier run; give a new file or remove it",
                store_path.display()
            );
        }
        let map = Arc::new(map);
        let cells = Arc::new(site.cells.clone());
        let controller = Controller::new(
            Arc::clone(&map),
            Arc::clone(&cells),
            store,
            &fleet_spec
                .iter()
                .map(|(n, _, c)| (n.clone(), *c))
                .collect::<Vec<_>>(),
            controller_config(&spec),
        )?;
        let fleet = VdaFleet::new(Arc::clone(&map), cells, map_id, &fleet_spec)?;
        let demand = Demand {
            per_day: spec.demand,
            peak_factor: spec.peak_factor,
            peak_hour: 14.0,
            perishable_share: vec![spec.perishable],
        };
        let arrivals = demand.arrivals(&map, spec.hours, spec.seed)?;
        let flow_of = arrivals
            .iter()
            .map(|a| (a.container.clone(), a.flow))
            .collect();
        let release_of = arrivals
            .iter()
            .map(|a| (a.container.clone(), a.at_s))
            .collect();
        Ok(Simulation {
            spec,
            map,
            world,
            vehicles,
            names,
            ids,
            master: Some(Master { controller, fleet }),
            restart: None,
            store_path,
            restarts: 0,
            charges_before: 0,
            arrivals,
            next_arrival: 0,
            flow_of,
            release_of,
            time: 0.0,
            step: 0,
            store_dir,
            events: Vec::new(),
            delivered: Vec::new(),
            collisions: 0,
            stalls: 0,
            alarms: 0,
            rejections: 0,
            last_motion: 0.0,
            stalled: false,
            queue_samples: Vec::new(),
            positions: Vec::new(),
            time_by_state: BTreeMap::new(),
            started: std::time::Instant::now(),
        })
    }

    /// The vehicles' VDA 5050 identities, by index.
    pub fn vehicle_ids(&self) -> &[VehicleId] {
        &self.ids
    }

    /// Simulated seconds so far.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// Simulated seconds the run lasts.
    pub fn end(&self) -> f64 {
        self.spec.hours * 3600.0
    }

    /// Wall seconds since the run was set up.
    pub fn wall_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Containers delivered so far.
    pub fn delivered(&self) -> usize {
        self.delivered.len()
    }

    /// Takes the operator events (job state changes, alarms) produced since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// A fleet snapshot for operators.
    pub fn snapshot(&self) -> Option<Event> {
        self.master.as_ref().map(|m| m.controller.snapshot())
    }

    /// Hands an operator command to the controller; returns its reply. `None` while the
    /// fleet side restarts (see [`Simulation::restarting`]): nobody takes the request.
    pub fn command(&mut self, request: Request) -> Option<Reply> {
        let master = self.master.as_mut()?;
        master.controller.handle(self.time, Input::Command(request));
        let outputs = master.controller.drain_outputs();
        self.route(outputs)
    }

    /// Whether the fleet side is down or starting after a kill (operator requests wait).
    pub fn restarting(&self) -> bool {
        self.master.is_none()
    }

    /// Whether the run's fleet-side kill ([`RunSpec::restart_at_s`]) is due now.
    pub fn restart_due(&self) -> bool {
        self.restarts == 0
            && self.master.is_some()
            && self.spec.restart_at_s.is_some_and(|t| self.time >= t)
    }

    /// Kills the fleet side: the controller and its VDA 5050 translator go at once, with
    /// whatever they had in memory; only the job store stays. A new one starts at once (the
    /// caller restarts the transport's master connection too) and takes over as
    /// [`Restart`] says.
    pub fn kill_controller(&mut self) {
        if let Some(master) = self.master.take() {
            self.charges_before += master.controller.stats().charges;
        }
        self.restarts += 1;
        tracing::info!(
            "fleet side killed at {:.2} h; a new one starts",
            self.time / 3600.0
        );
        let n = self.vehicles.len();
        self.restart = Some(Restart {
            since: self.time,
            states: vec![None; n],
            cancelled: vec![false; n],
            connections: Vec::new(),
            outbox: self
                .ids
                .iter()
                .map(|id| VdaCommand::InstantActions {
                    vehicle: id.clone(),
                    actions: vec![Action::new(
                        format!("restart{}-state", self.restarts),
                        ActionType::StateRequest,
                        BlockingType::None,
                    )],
                })
                .collect(),
            alarmed: false,
        });
    }

    /// Feeds what the fleet side received from the vehicles into the controller.
    pub fn receive(&mut self, messages: Vec<FromVehicle>) {
        let Some(master) = self.master.as_mut() else {
            self.observe_restart(messages);
            return;
        };
        for m in messages {
            let inputs = match &m {
                FromVehicle::State(s) => master.fleet.on_state(s),
                FromVehicle::Connection(c) => master.fleet.on_connection(c),
            };
            match inputs {
                Ok(inputs) => {
                    for input in inputs {
                        master.controller.handle(self.time, input);
                    }
                }
                Err(e) => tracing::warn!("fleet side: {e}"),
            }
        }
        for problem in master.fleet.drain_problems() {
            tracing::warn!("fleet side: {problem}");
        }
    }

    /// A restarting fleet side hears from the vehicles: it keeps each one's latest state
    /// and cancels an order still running.
    fn observe_restart(&mut self, messages: Vec<FromVehicle>) {
        let Some(restart) = self.restart.as_mut() else {
            return;
        };
        for m in messages {
            match m {
                FromVehicle::State(s) => {
                    let Some(k) = self.ids.iter().position(|id| {
                        id.manufacturer() == s.header.manufacturer
                            && id.serial_number() == s.header.serial_number
                    }) else {
                        tracing::warn!(
                            "fleet side: a state from {}, not in the fleet",
                            s.header.serial_number
                        );
                        continue;
                    };
                    if !settled(&s.body) && !restart.cancelled[k] {
                        restart.cancelled[k] = true;
                        restart.outbox.push(VdaCommand::InstantActions {
                            vehicle: self.ids[k].clone(),
                            actions: vec![Action::new(
                                restart_cancel_id(self.restarts),
                                ActionType::CancelOrder,
                                BlockingType::None,
                            )],
                        });
                    }
                    restart.states[k] = Some(*s);
                }
                FromVehicle::Connection(c) => restart.connections.push(c),
            }
        }
    }

    /// The restarting fleet side's step: what it sends, and the new controller once every
    /// vehicle has settled.
    fn restart_step(&mut self) -> Result<Vec<VdaCommand>> {
        let Some(restart) = self.restart.as_mut() else {
            return Ok(Vec::new());
        };
        let out = std::mem::take(&mut restart.outbox);
        let waiting: Vec<String> = restart
            .states
            .iter()
            .zip(&self.names)
            .filter(|(st, _)| !st.as_ref().is_some_and(|m| settled(&m.body)))
            .map(|(st, name)| match st {
                Some(m) => format!("{name} ({})", unsettled(&m.body)),
                None => format!("{name} (no state yet)"),
            })
            .collect();
        if !waiting.is_empty() {
            if !restart.alarmed && self.time - restart.since >= RESTART_PATIENCE_S {
                restart.alarmed = true;
                self.alarms += 1;
                tracing::error!(
                    "restart: still waiting after {RESTART_PATIENCE_S:.0} s for {} to stand with its order over",
                    waiting.join(", ")
                );
            }
            return Ok(out);
        }
        let Some(restart) = self.restart.take() else {
            return Ok(out);
        };
        let states: Vec<Message<VehicleState>> = restart.states.into_iter().flatten().collect();
        let fleet_ids: Vec<(String, VehicleId)> = self
            .names
            .iter()
            .cloned()
            .zip(self.ids.iter().cloned())
            .collect();
        let cells = Arc::new(self.world.site().cells.clone());
        let Resumed {
            mut fleet,
            starts,
            finished,
            running,
            inputs,
        } = VdaFleet::resume(
            Arc::clone(&self.map),
            Arc::clone(&cells),
            map_id(&self.spec),
            &fleet_ids,
            &states,
        )?;
        for c in &restart.connections {
            if let Err(e) = fleet.on_connection(c) {
                tracing::warn!("fleet side: {e}");
            }
        }
        let (recovered_done, recovered_running) = (finished.len(), running.len());
        let store = JobStore::open(&self.store_path)?;
        let vehicles: Vec<(String, CellId)> = self.names.iter().cloned().zip(starts).collect();
        let mut controller = Controller::restart(
            Arc::clone(&self.map),
            cells,
            store,
            &vehicles,
            controller_config(&self.spec),
            &Recovered {
                now_s: self.time,
                finished,
                running,
            },
        )?;
        for input in inputs {
            controller.handle(self.time, input);
        }
        tracing::info!(
            "fleet side started again at {:.2} h ({:.0} s after the kill): {} job step(s) done and {} running, as the vehicles report",
            self.time / 3600.0,
            self.time - restart.since,
            recovered_done,
            recovered_running
        );
        let outputs = controller.drain_outputs();
        self.master = Some(Master { controller, fleet });
        self.route(outputs);
        Ok(out)
    }

    /// Phase 1–2: arrivals, the controller's tick; returns the messages for the vehicles.
    ///
    /// # Errors
    /// A job store that cannot be written.
    pub fn plan(&mut self) -> Result<Vec<VdaCommand>> {
        let Some(master) = self.master.as_mut() else {
            // Containers arriving now wait at the gate until there is a controller.
            return self.restart_step();
        };
        while self.next_arrival < self.arrivals.len()
            && self.arrivals[self.next_arrival].at_s <= self.time
        {
            let a = &self.arrivals[self.next_arrival];
            let spec = JobSpec {
                container: a.container.clone(),
                flow: Some(self.map.flows()[a.flow].id.clone()),
                stations: Vec::new(),
                priority: 0,
                perishable: a.perishable,
                release_s: a.at_s,
                deadline_s: None,
                hold: false,
                inspect: a.inspect,
            };
            if let Err(e) = master.controller.submit(spec) {
                tracing::error!("container {}: refused: {e}", a.container);
            }
            self.next_arrival += 1;
        }
        master.controller.tick(self.time)?;
        let outputs = master.controller.drain_outputs();
        self.route(outputs);
        Ok(self
            .master
            .as_mut()
            .map(|m| m.fleet.drain_messages())
            .unwrap_or_default())
    }

    /// Sends controller outputs on: releases and pauses to the fleet side's VDA 5050
    /// translation, events to the operators' queue and the run's counters. Returns the
    /// reply to an operator request among them, if any.
    fn route(&mut self, outputs: Vec<Output>) -> Option<Reply> {
        let mut reply = None;
        for out in outputs {
            match out {
                Output::Release { .. } | Output::Pause { .. } | Output::Resume { .. } => {
                    let Some(master) = self.master.as_mut() else {
                        tracing::error!("fleet side: {out:?} with no translator");
                        continue;
                    };
                    if let Err(e) = master.fleet.handle(&out) {
                        tracing::error!("fleet side: {e}");
                    }
                }
                Output::Reply { reply: r, .. } => reply = Some(r),
                Output::Event(event) => {
                    match &event {
                        Event::Job {
                            time_s,
                            container,
                            state,
                            ..
                        } if state == "delivered" => {
                            let flow = self.flow_of.get(container).copied().unwrap_or(0);
                            let ready = self.release_of.get(container).copied().unwrap_or(*time_s);
                            self.delivered.push((*time_s, flow, time_s - ready));
                        }
                        Event::Alarm {
                            severity,
                            subject,
                            message,
                            ..
                        } => {
                            self.alarms += 1;
                            if severity == "critical" {
                                tracing::error!(%subject, "{message}");
                            }
                        }
                        _ => {}
                    }
                    self.events.push(event);
                }
            }
        }
        reply
    }

    /// Phase 3: the vehicles take what the transport delivered.
    pub fn deliver(&mut self, messages: Vec<(usize, ToVehicle)>) {
        for (k, m) in messages {
            let Some(vehicle) = self.vehicles.get_mut(k) else {
                tracing::error!("a message for vehicle #{k}, which does not exist");
                continue;
            };
            let outcome = match &m {
                ToVehicle::Order(order) => vehicle.apply_order(&mut self.world, order),
                ToVehicle::InstantActions(actions) => vehicle
                    .apply_instant_actions(&mut self.world, actions)
                    .map(|_| ()),
            };
            if let Err(e) = outcome {
                if is_late_restart_cancel(&m, &e, self.restarts) {
                    // The restarting fleet side cancels every order it sees still driven;
                    // one that ends on its own before the cancel arrives is answered
                    // noOrderToCancel (VDA 5050: the action FAILED, a warning). The vehicle
                    // stands with its order over, all the cancel asked for: no refusal.
                    tracing::info!(
                        "{}: order over before the restart's cancel: {e}",
                        self.names[k]
                    );
                    continue;
                }
                self.rejections += 1;
                tracing::error!("{}: refused: {e}", self.names[k]);
            }
        }
    }

    /// Phase 4–5: advances the world by one step and returns the states that are due.
    ///
    /// # Errors
    /// Only for an inconsistent world (a vehicle index out of range): a bug.
    pub fn advance(&mut self) -> Result<Vec<(usize, VehicleState)>> {
        let dt = self.spec.dt;
        self.world.step(dt);
        self.time += dt;
        self.step += 1;
        let events = self.world.drain_events();
        for e in &events {
            match e {
                SimEvent::Collision { a, b, at } => {
                    self.collisions += 1;
                    tracing::error!(
                        "collision of {} and {} at ({:.1}, {:.1}) at {:.1} s",
                        self.names[a.0],
                        self.names[b.0],
                        at.x,
                        at.y,
                        self.time
                    );
                }
                SimEvent::Stall { idle_s } => {
                    self.stalls += 1;
                    tracing::error!(
                        "stall: work waiting and nothing moved for {idle_s:.0} s at {:.1} s",
                        self.time
                    );
                }
                _ => {}
            }
        }
        for v in &mut self.vehicles {
            v.observe(&events);
        }
        self.watch()?;
        let mut states = Vec::new();
        for (k, v) in self.vehicles.iter_mut().enumerate() {
            if let Some(state) = v.poll_state(&self.world, self.time)? {
                states.push((k, state));
            }
        }
        Ok(states)
    }

    /// The states of every vehicle now (the first ones after connecting).
    ///
    /// # Errors
    /// Only for an inconsistent world: a bug.
    pub fn all_states(&mut self) -> Result<Vec<(usize, VehicleState)>> {
        let mut states = Vec::new();
        for (k, v) in self.vehicles.iter_mut().enumerate() {
            let state = v.state(&self.world, self.time)?;
            v.published_in(&self.world, &state, self.time)?;
            states.push((k, state));
        }
        Ok(states)
    }

    /// The fleet-level stall detector and the samples for the report and plots.
    fn watch(&mut self) -> Result<()> {
        let n = self.vehicles.len();
        let mut moving = false;
        for k in 0..n {
            moving |= self.world.probe(VehicleIndex(k))?.speed > 0.0;
        }
        // While the fleet side restarts, the work it will find counts as open.
        let open = self
            .master
            .as_ref()
            .is_none_or(|m| m.controller.jobs().any(|j| !j.state.is_final()));
        if moving || !open {
            self.last_motion = self.time;
            self.stalled = false;
        } else if !self.stalled && self.time - self.last_motion >= STALL_S {
            self.stalled = true;
            self.stalls += 1;
            tracing::error!(
                "stall: jobs are open and no vehicle has moved for {STALL_S:.0} s, at {:.2} h",
                self.time / 3600.0
            );
        }
        let dt = self.spec.dt;
        if every(self.step, 10.0, dt) {
            for k in 0..n {
                let status = match &self.master {
                    Some(m) => m.controller.vehicle_status(k).unwrap_or("idle"),
                    None => "restarting",
                };
                let probe = self.world.probe(VehicleIndex(k))?;
                let what = match (status, probe.activity) {
                    (_, Activity::Queued { .. }) => "queued at a station",
                    (_, Activity::Service { .. }) => "in service",
                    (_, Activity::Charging { .. }) => "charging",
                    ("idle", _) => "idle",
                    ("restarting", _) => "waiting for the controller to restart",
                    _ if probe.speed > 0.0 && probe.loaded => "driving loaded",
                    _ if probe.speed > 0.0 => "driving empty",
                    _ => "stopped in traffic or in line",
                };
                *self.time_by_state.entry(what.to_string()).or_default() += 10.0;
            }
        }
        if every(self.step, 60.0, dt) {
            self.queue_samples
                .push((self.time / 3600.0, self.world.queue_lengths()));
            let mut xs = Vec::with_capacity(n);
            for k in 0..n {
                xs.push(self.world.vehicle(VehicleIndex(k))?.front.x);
            }
            self.positions.push((self.time / 3600.0, xs));
        }
        Ok(())
    }

    /// Vehicles whose load disagrees with the controller's jobs: loaded with no job
    /// carried on it, or empty with one (after a restart this would mean a step done and
    /// not recovered). Empty when the two agree, as they must between steps.
    ///
    /// # Errors
    /// Only for an inconsistent world: a bug.
    pub fn load_mismatches(&self) -> Result<Vec<String>> {
        let Some(master) = &self.master else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (k, name) in self.names.iter().enumerate() {
            let loaded = self.world.probe(VehicleIndex(k))?.loaded;
            let carrying = master.controller.jobs().any(|j| {
                matches!(&j.state, corridor_fleet::JobState::Carrying { vehicle, .. } if vehicle == name)
            });
            if loaded != carrying {
                out.push(format!(
                    "{name}: {} on the vehicle, {} in the controller",
                    if loaded { "a container" } else { "nothing" },
                    if carrying {
                        "a job carried"
                    } else {
                        "no job carried"
                    }
                ));
            }
        }
        Ok(out)
    }

    /// Ends the run: the report, written with its plots beside `report_path`.
    ///
    /// # Errors
    /// The report or a plot cannot be written.
    pub fn finish(
        self,
        transport: &str,
        messages: BTreeMap<String, u64>,
        report_path: &std::path::Path,
    ) -> Result<Report> {
        let wall_seconds = self.wall_seconds();
        let time = self.time;
        let flows = self.map.flows();
        let mut by_direction: BTreeMap<String, usize> = BTreeMap::new();
        let mut per_hour: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let hours = self.spec.hours.ceil() as usize;
        for f in flows {
            by_direction.insert(f.id.clone(), 0);
            per_hour.insert(f.id.clone(), vec![0; hours]);
        }
        let mut cycles: Vec<f64> = Vec::new();
        for &(t, flow, cycle) in &self.delivered {
            let id = &flows[flow].id;
            *by_direction.entry(id.clone()).or_default() += 1;
            if let Some(h) = per_hour
                .get_mut(id)
                .and_then(|v| v.get_mut((t / 3600.0) as usize))
            {
                *h += 1;
            }
            cycles.push(cycle);
        }
        cycles.sort_by(f64::total_cmp);
        let views: Vec<_> = (0..self.vehicles.len())
            .map(|k| self.world.vehicle(VehicleIndex(k)))
            .collect::<Result<_, _>>()?;
        let moving: f64 =
            views.iter().map(|v| v.moving_s).sum::<f64>() / (time * views.len() as f64).max(1.0);
        let stations = self
            .world
            .station_stats()
            .into_iter()
            .zip(self.map.stations())
            .map(|(s, st)| StationReport {
                id: st.id.clone(),
                kind: st.kind.to_string(),
                served: s.served,
                wait_s_mean: if s.served > 0 {
                    s.wait_s / s.served as f64
                } else {
                    0.0
                },
                queue_max: s.max_queue,
                queue_mean: s.queue_integral / time.max(1.0),
                utilisation: if st.drive_through {
                    0.0
                } else {
                    s.busy_integral / (time.max(1.0) * f64::from(st.capacity))
                },
            })
            .collect();
        let total: f64 = self.time_by_state.values().sum::<f64>().max(1.0);
        let report = Report {
            map: self.spec.map.display().to_string(),
            seed: self.spec.seed,
            vehicles: views.len(),
            transport: transport.to_string(),
            demand_per_day: self.spec.demand,
            simulated_seconds: time,
            wall_seconds,
            containers_arrived: self.arrivals.len(),
            containers_delivered: self.delivered.len(),
            containers_per_day: self.delivered.len() as f64 * 86_400.0 / time.max(1.0),
            by_direction,
            cycle_s_p50: quantile(&cycles, 0.5),
            cycle_s_p95: quantile(&cycles, 0.95),
            vehicle_moving_share: moving,
            vehicle_time_share: self
                .time_by_state
                .iter()
                .map(|(k, v)| (k.clone(), v / total))
                .collect(),
            energy_kwh: views.iter().map(|v| v.energy_used_kwh).sum(),
            charges: self.charges_before
                + self
                    .master
                    .as_ref()
                    .map_or(0, |m| m.controller.stats().charges),
            controller_restarts: self.restarts,
            emergency_brakings: views.iter().map(|v| v.emergency_brakings).sum(),
            collisions: self.collisions,
            stalls: self.stalls,
            alarms: self.alarms,
            messages,
            vehicle_rejections: self.rejections,
            stations,
            deliveries_per_hour: per_hour,
        };
        crate::report::write_outputs(
            &report,
            report_path,
            &self.map,
            &self.queue_samples,
            &self.positions,
        )?;
        if let Some(dir) = &self.store_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(report)
    }
}

/// Where a run keeps what it removes at the end (a temporary job store): `/dev/shm` where
/// there is one, else the system's temporary directory. A job store there still commits
/// durably (`fsync`), which on a memory file system costs nothing: it survives the kill of
/// a process — what a run simulates — but not a power cut, which a scratch store need not.
/// Give `--store` a path on disk for that.
pub fn scratch_dir() -> PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let writable =
        shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly());
    if writable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The controller's configuration for a run.
fn controller_config(spec: &RunSpec) -> ControllerConfig {
    ControllerConfig {
        seed: spec.seed,
        ..ControllerConfig::default()
    }
}

/// The map id written in node positions: the map file's stem.
fn map_id(spec: &RunSpec) -> String {
    spec.map
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into())
}
