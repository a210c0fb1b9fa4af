//! The fleet controller: a pure state machine that turns operator commands and vehicle
//! reports into releases of route cells and instant actions, through the lifelong planner
//! and the execution dependency graph. It never touches the network or a clock: the caller
//! feeds it [`Input`]s with the time and sends out the [`Output`]s (the MQTT bridge maps them
//! to VDA 5050 order updates and instant actions; the in-process simulation hands them to
//! simulated vehicles directly).
//!
//! What it does each [`Controller::tick`]:
//! 1. assigns waiting jobs to free vehicles as an optimal assignment over the batch
//!    (Kuhn–Munkres on urgency minus the weighted empty drive to the pick-up), and sends
//!    vehicles low on battery to a free charger (of their yard, one vehicle per charger);
//! 2. gives each vehicle the goal of its task: a place at a station of the task's step
//!    (any of them will do), reserved for it alone — the station with the shortest queue,
//!    then the nearest place. Where every place is taken and the station has a waiting area
//!    (map field `queue`), the vehicle waits in line before it, and places go to the head of
//!    the line in the order vehicles drive up; a yard ring never fills with vehicles that
//!    have nowhere to go. A drive-through station (`drive_through`) is served in passing:
//!    its step ends when the plan reaches it;
//! 3. plans lifelong steps while a vehicle with a goal has less than the look-ahead
//!    committed; a vehicle whose plan reaches its goal is pinned there and the stop (the
//!    station's service, or charging) is attached to that visit;
//! 4. releases to each vehicle the visits the execution graph allows, with their stops;
//! 5. reports every vehicle whose status changed (an operator event).
//!
//! Every job change is written to the job store before it is acted on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use corridor_map::{CellGraph, CellId, LaneId, SiteMap, StationId, StationKind};
use serde_json::json;

use corridor_plan::{ExecutionError, LifelongPlanner, VisitRef};

use crate::assign::assign;
use crate::error::FleetError;
use crate::job::{Job, JobId, JobSpec, JobState};
use crate::operator::{Command, CommandError, Event, Reply, Request};
use crate::store::JobStore;

/// Settings of a controller.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerConfig {
    /// How many visits may be committed ahead of a vehicle.
    pub lookahead: u64,
    /// Below this battery fraction a free vehicle goes to charge as soon as a charger of its
    /// yard is free (until then it goes on working). Well above `charge_reserve`, so that
    /// vehicles find a charger free before they must queue for one in a crane's bay.
    pub charge_below: f64,
    /// Below this battery fraction a vehicle takes no job and goes to charge even when it
    /// must wait for a charger.
    pub charge_reserve: f64,
    /// Charge up to this fraction.
    pub charge_to: f64,
    /// A vehicle with no work goes to a free charger below this fraction.
    pub top_up_below: f64,
    /// At most this many planning steps per tick.
    pub max_steps_per_tick: usize,
    /// Seconds one cell takes, for travel estimates in assignment scores.
    pub seconds_per_cell: f64,
    /// Seconds of a job's waiting that one second of a vehicle's empty drive to the job's
    /// pick-up costs in the assignment score (1: time for time). Above 1 a vehicle takes a
    /// job near it (an import where it has just dropped an export) over an older or more
    /// urgent one far away, unless that one has waited this many times the drive longer.
    pub empty_travel_weight: f64,
    /// Seed of the planner's tie-breaking.
    pub seed: u64,
    /// How many moves farther from its goal a vehicle may be pushed by another (keeps
    /// vehicles queueing for a busy station instead of sending them round a loop).
    pub max_detour: u32,
    /// Tokens accepted on operator commands (empty: no check).
    pub tokens: Vec<String>,
    /// Seconds a vehicle may stay blocked (not pinned, not held by the look-ahead) before it
    /// may push the vehicles in its way off their routes, however long the detour: what
    /// breaks a gridlock, at the price of a detour for someone. Longer than a normal queue
    /// at a station lasts.
    pub escalate_after_s: f64,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            lookahead: 4,
            charge_below: 0.4,
            charge_reserve: 0.12,
            charge_to: 0.9,
            top_up_below: 0.6,
            max_steps_per_tick: 64,
            seconds_per_cell: 5.0,
            empty_travel_weight: 32.0,
            seed: 1,
            max_detour: 0,
            tokens: Vec::new(),
            escalate_after_s: 300.0,
        }
    }
}

/// What a vehicle does when it stops at a visit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopKind {
    /// Be served by a station; `load` is what the vehicle carries afterwards, if it changes.
    Service {
        /// The station.
        station: StationId,
        /// Load afterwards.
        load: Option<bool>,
    },
    /// Charge up to `target` (fraction of capacity).
    Charge {
        /// The charger.
        station: StationId,
        /// Target fraction.
        target: f64,
    },
}

/// A stop at one visit of a vehicle's route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopOrder {
    /// Unique id, echoed by the vehicle when done.
    pub id: u64,
    /// The visit (route sequence number) where it happens.
    pub visit: u64,
    /// What to do.
    pub kind: StopKind,
    /// The job and the index of its step that this stop serves (`None` for a charge). The
    /// fleet side names the vehicle's action after it, so that a controller started again
    /// can tell from the vehicle's action states what was done while it was down.
    pub job: Option<(JobId, usize)>,
}

/// A job step a vehicle reports in its action states, which the job store may not know
/// of: the controller was killed before it heard, or the vehicle did it while no
/// controller ran. [`Controller::restart`] takes the ones done and the ones still running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStep {
    /// The vehicle (fleet id).
    pub vehicle: String,
    /// The job.
    pub job: JobId,
    /// The index of the step in [`Job::steps`].
    pub step: usize,
}

/// What the controller asks of the outside world.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The vehicle may drive through these visits (route sequence number, cell), in order,
    /// and do these stops on the way. Never taken back.
    Release {
        /// The vehicle.
        vehicle: String,
        /// The newly released visits.
        visits: Vec<(u64, CellId)>,
        /// Stops at those visits.
        stops: Vec<StopOrder>,
    },
    /// Stop where it is, safely (VDA 5050 `startPause`).
    Pause {
        /// The vehicle.
        vehicle: String,
    },
    /// Go on (VDA 5050 `stopPause`).
    Resume {
        /// The vehicle.
        vehicle: String,
    },
    /// A reply to an operator request, for `reply_to` (or the default reply topic).
    Reply {
        /// Where to send it.
        reply_to: Option<String>,
        /// The reply.
        reply: Reply,
    },
    /// An event for operators.
    Event(Event),
}

/// What the outside world tells the controller.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The vehicle has completely entered this visit (and left the ones before).
    Entered {
        /// The vehicle.
        vehicle: String,
        /// The visit.
        visit: u64,
    },
    /// A stop's action is done.
    StopDone {
        /// The vehicle.
        vehicle: String,
        /// The stop's id.
        stop: u64,
    },
    /// Battery level.
    Battery {
        /// The vehicle.
        vehicle: String,
        /// Fraction of capacity.
        fraction: f64,
    },
    /// The vehicle is broken down (or delayed) and cannot move, or works again.
    Fault {
        /// The vehicle.
        vehicle: String,
        /// Whether the fault is active.
        active: bool,
    },
    /// The vehicle's connection went down (`online: false`: VDA 5050 connection `OFFLINE`
    /// or `CONNECTION_BROKEN`) or came back. Operators see an offline vehicle as `offline`;
    /// what it may do is [`Input::Fault`]'s business.
    Link {
        /// The vehicle.
        vehicle: String,
        /// Whether it is connected.
        online: bool,
    },
    /// A job step that was running when the controller started (see
    /// [`Controller::restart`]) is done.
    StepDone(JobStep),
    /// An operator command.
    Command(Request),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Active,
    Paused,
    OutOfService,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Purpose {
    Job { job: JobId, step: usize },
    Charge,
}

#[derive(Debug, Clone)]
struct Task {
    purpose: Purpose,
    stations: Vec<StationId>,
    stop: Option<u64>,
}

#[derive(Debug, Clone)]
struct FleetVehicle {
    id: String,
    mode: Mode,
    fault: bool,
    battery: f64,
    task: Option<Task>,
    /// Whether its goal is a place in line at a waiting area, not a place at a station.
    waiting: bool,
    /// Its connection is down.
    offline: bool,
    released_sent: u64,
    stops: Vec<StopOrder>,
}

/// Counters of a controller's run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControllerStats {
    /// Planning steps taken.
    pub steps: u64,
    /// Jobs delivered.
    pub delivered: u64,
    /// Assignments made.
    pub assignments: u64,
    /// Charging trips started.
    pub charges: u64,
}

/// The fleet controller. See the module documentation.
#[derive(Debug)]
pub struct Controller {
    map: Arc<SiteMap>,
    cells: Arc<CellGraph>,
    planner: LifelongPlanner,
    store: JobStore,
    jobs: BTreeMap<JobId, Job>,
    vehicles: Vec<FleetVehicle>,
    index: HashMap<String, u32>,
    closed: BTreeSet<LaneId>,
    /// Cells of places off the through lanes (bays, chargers, inspection, parking).
    parked_cells: BTreeSet<CellId>,
    /// Each station's cells ([`CellGraph::station_cells`]), by station index.
    station_cells: Vec<Vec<CellId>>,
    /// The status last reported per vehicle (an event goes out when it changes).
    reported_status: Vec<&'static str>,
    config: ControllerConfig,
    now_s: f64,
    next_stop: u64,
    outputs: Vec<Output>,
    stats: ControllerStats,
}

/// Where a controller started again picks up ([`Controller::restart`]): its clock and the
/// job steps the vehicles report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovered {
    /// Controller time at the start, seconds.
    pub now_s: f64,
    /// Steps the vehicles report done.
    pub finished: Vec<JobStep>,
    /// Steps the vehicles are still doing.
    pub running: Vec<JobStep>,
}

/// The stop id of a job step the vehicle was already doing when the controller started.
const RUNNING_STOP: u64 = u64::MAX;

/// Why the controller could not start.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    /// The fleet's start cells are not valid.
    #[error("vehicles: {0}")]
    Start(ExecutionError),
    /// The job store failed.
    #[error(transparent)]
    Fleet(#[from] FleetError),
}

impl Controller {
    /// A controller for vehicles `(id, cell)` on `map`, with the jobs of `store`. Jobs that
    /// were assigned but not yet picked up go back to waiting; jobs whose container is on
    /// a vehicle stay with that vehicle.
    ///
    /// # Errors
    /// [`ControllerError::Start`] for two vehicles in one cell, [`ControllerError::Fleet`]
    /// when the store cannot be read or written.
    pub fn new(
        map: Arc<SiteMap>,
        cells: Arc<CellGraph>,
        store: JobStore,
        vehicles: &[(String, CellId)],
        config: ControllerConfig,
    ) -> Result<Controller, ControllerError> {
        Controller::restart(map, cells, store, vehicles, config, &Recovered::default())
    }

    /// [`Controller::new`] for a controller started again after it stopped (or was killed)
    /// at controller time `from.now_s`: first the steps in `from.finished` are applied to the stored
    /// jobs — a pick-up done by the job's assigned vehicle puts the container on it, a step
    /// done by the vehicle carrying it moves the job on (the last step delivers it); a
    /// report that does not match the job's stored state (another vehicle, a step already
    /// recorded) changes nothing, so applying the same report twice is harmless. Each job
    /// that changed goes out as a job event. Then jobs start as [`Controller::new`] says,
    /// except that a step in `from.running` (a vehicle is doing it now) stays with its vehicle
    /// and is not asked for again: [`Input::StepDone`] finishes it.
    ///
    /// # Errors
    /// As [`Controller::new`].
    pub fn restart(
        map: Arc<SiteMap>,
        cells: Arc<CellGraph>,
        store: JobStore,
        vehicles: &[(String, CellId)],
        config: ControllerConfig,
        from: &Recovered,
    ) -> Result<Controller, ControllerError> {
        let Recovered {
            now_s,
            ref finished,
            ref running,
        } = *from;
        let starts: Vec<CellId> = vehicles.iter().map(|(_, c)| *c).collect();
        let mut planner = LifelongPlanner::new(Arc::clone(&cells), &starts, config.seed)
            .map_err(ControllerError::Start)?;
        planner.set_lookahead(config.lookahead);
        planner.set_max_detour(config.max_detour);
        planner.set_stuck_limit(config.escalate_after_s);
        let station_cells: Vec<Vec<CellId>> = (0..map.stations().len() as u32)
            .map(|s| cells.station_cells(&map, StationId(s)))
            .collect();
        // Places where vehicles stand for long are passed by on the through lane.
        let mut parked_cells = BTreeSet::new();
        for (places, station) in station_cells.iter().zip(map.stations()) {
            if matches!(
                station.kind,
                StationKind::Crane
                    | StationKind::YardBay
                    | StationKind::Charger
                    | StationKind::Inspection
                    | StationKind::Parking
            ) {
                planner.set_avoided(places, true);
                parked_cells.extend(places.iter().copied());
            }
        }
        planner.set_time(now_s);
        let mut fleet: Vec<FleetVehicle> = vehicles
            .iter()
            .map(|(id, _)| FleetVehicle {
                id: id.clone(),
                mode: Mode::Active,
                fault: false,
                battery: 1.0,
                task: None,
                waiting: false,
                offline: false,
                released_sent: 0,
                stops: Vec::new(),
            })
            .collect();
        let index: HashMap<String, u32> = vehicles
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.clone(), i as u32))
            .collect();
        let mut jobs = BTreeMap::new();
        let mut changed = Vec::new();
        let mut delivered = 0;
        for mut job in store.all()? {
            if apply_finished(&mut job, finished, now_s) {
                delivered += u64::from(matches!(job.state, JobState::Delivered { .. }));
                store.put(&job)?;
                changed.push(job.id);
            }
            let doing = |vehicle: &str, step: usize| {
                running
                    .iter()
                    .any(|r| r.job == job.id && r.vehicle == vehicle && r.step == step)
            };
            let (vehicle, step) = match job.state.clone() {
                JobState::Assigned { vehicle } if doing(&vehicle, 0) => (Some(vehicle), 0),
                JobState::Assigned { .. } => {
                    job.state = JobState::Waiting;
                    store.put(&job)?;
                    (None, 0)
                }
                JobState::Carrying { vehicle, step } => (Some(vehicle), step),
                _ => (None, 0),
            };
            if let Some(vehicle) = vehicle
                && let Some(&v) = index.get(&vehicle)
            {
                let stations = job.step_stations(&map, step);
                fleet[v as usize].task = Some(Task {
                    purpose: Purpose::Job { job: job.id, step },
                    stations,
                    stop: doing(&vehicle, step).then_some(RUNNING_STOP),
                });
            }
            jobs.insert(job.id, job);
        }
        let mut controller = Controller {
            map,
            cells,
            planner,
            store,
            jobs,
            vehicles: fleet,
            index,
            closed: BTreeSet::new(),
            parked_cells,
            station_cells,
            reported_status: vec![""; vehicles.len()],
            config,
            now_s,
            next_stop: 1,
            outputs: Vec::new(),
            stats: ControllerStats {
                delivered,
                ..ControllerStats::default()
            },
        };
        for id in changed {
            if let Some(job) = controller.jobs.get(&id).cloned() {
                controller.emit_job(&job);
            }
        }
        // The operators' standing decisions hold across the restart.
        for lane in controller.store.closed_lanes()? {
            if let Err((_, reason)) = controller.set_lane(&lane, true) {
                controller.alarm(
                    "warning",
                    &lane,
                    format!("recorded closure not applied: {reason}"),
                );
            }
        }
        for (vehicle, mode) in controller.store.vehicle_modes()? {
            let Some(v) = controller.vehicle_index(&vehicle) else {
                continue; // a vehicle no longer in the fleet
            };
            controller.vehicles[v as usize].mode = match mode.as_str() {
                "paused" => Mode::Paused,
                _ => Mode::OutOfService,
            };
            controller.update_pin(v);
        }
        Ok(controller)
    }

    /// Counters so far.
    pub fn stats(&self) -> &ControllerStats {
        &self.stats
    }

    /// Every job the controller knows, by id.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values()
    }

    /// Takes the outputs produced since the last call.
    pub fn drain_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outputs)
    }

    fn vehicle_index(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Submits a job (as the operator command does).
    ///
    /// # Errors
    /// [`FleetError::InvalidJob`] naming the field; [`FleetError::Store`].
    pub fn submit(&mut self, spec: JobSpec) -> Result<JobId, FleetError> {
        if self
            .jobs
            .values()
            .any(|j| j.spec.container == spec.container && !j.state.is_final())
        {
            return Err(FleetError::InvalidJob {
                container: spec.container.clone(),
                field: "container".into(),
                reason: "a job for this container is already open".into(),
            });
        }
        // Resolve with a provisional id first so an invalid job uses none.
        let probe = Job::resolve(JobId(0), spec.clone(), &self.map, self.now_s)?;
        self.check_reachable(&probe)?;
        let id = self.store.next_id()?;
        let job = Job { id, ..probe };
        self.store.put(&job)?;
        self.emit_job(&job);
        self.jobs.insert(id, job);
        Ok(id)
    }

    /// Every step must have a station reachable from some station of the step before.
    fn check_reachable(&mut self, job: &Job) -> Result<(), FleetError> {
        let mut previous: Vec<CellId> = Vec::new();
        for i in 0..job.steps.len() {
            let cells: Vec<CellId> = job
                .step_stations(&self.map, i)
                .into_iter()
                .flat_map(|s| self.places(s).iter().copied())
                .collect();
            if cells.is_empty() {
                return Err(FleetError::InvalidJob {
                    container: job.spec.container.clone(),
                    field: format!("stations[{i}]"),
                    reason: "no station of this step has a place a vehicle can stand".into(),
                });
            }
            if !previous.is_empty() {
                let reachable = previous.iter().any(|&a| {
                    cells
                        .iter()
                        .any(|&b| a == b || self.planner.distance(a, b).is_some())
                });
                if !reachable {
                    return Err(FleetError::InvalidJob {
                        container: job.spec.container.clone(),
                        field: format!("stations[{i}]"),
                        reason: format!(
                            "cannot be reached from step {} with the lanes now closed ({})",
                            i - 1,
                            self.closed
                                .iter()
                                .map(|l| self.map.lane(*l).id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
            }
            previous = cells;
        }
        Ok(())
    }

    fn emit_job(&mut self, job: &Job) {
        self.outputs.push(Output::Event(Event::Job {
            time_s: self.now_s,
            job: job.id.0,
            container: job.spec.container.clone(),
            state: job.state.name().into(),
            vehicle: job.state.vehicle().map(str::to_string),
        }));
    }

    fn set_job_state(&mut self, id: JobId, state: JobState) -> Result<(), FleetError> {
        let Some(job) = self.jobs.get_mut(&id) else {
            return Err(FleetError::UnknownJob(id.0));
        };
        let mut updated = job.clone();
        if matches!(state, JobState::Carrying { step: 1, .. }) && updated.picked_up_s.is_none() {
            updated.picked_up_s = Some(self.now_s);
        }
        updated.state = state;
        self.store.put(&updated)?;
        *job = updated.clone();
        self.emit_job(&updated);
        Ok(())
    }

    /// Handles one input at time `now_s` (seconds on the controller clock).
    pub fn handle(&mut self, now_s: f64, input: Input) {
        self.now_s = self.now_s.max(now_s);
        match input {
            Input::Entered { vehicle, visit } => {
                let Some(v) = self.vehicle_index(&vehicle) else {
                    self.alarm(
                        "warning",
                        &vehicle,
                        "progress report from an unknown vehicle".into(),
                    );
                    return;
                };
                if let Err(e) = self.planner.enter(v, visit) {
                    self.alarm(
                        "critical",
                        &vehicle,
                        format!("progress report refused: {e}"),
                    );
                }
            }
            Input::StopDone { vehicle, stop } => {
                let Some(v) = self.vehicle_index(&vehicle) else {
                    self.alarm(
                        "warning",
                        &vehicle,
                        "stop report from an unknown vehicle".into(),
                    );
                    return;
                };
                if let Err(e) = self.stop_done(v, stop) {
                    self.alarm("critical", &vehicle, format!("stop {stop}: {e}"));
                }
            }
            Input::StepDone(done) => {
                let Some(v) = self.vehicle_index(&done.vehicle) else {
                    self.alarm(
                        "warning",
                        &done.vehicle,
                        "step report from an unknown vehicle".into(),
                    );
                    return;
                };
                let doing = self.vehicles[v as usize].task.as_ref().is_some_and(|t| {
                    t.stop == Some(RUNNING_STOP)
                        && t.purpose
                            == Purpose::Job {
                                job: done.job,
                                step: done.step,
                            }
                });
                if doing && let Err(e) = self.finish_step(v) {
                    self.alarm(
                        "critical",
                        &done.vehicle,
                        format!("job {} step {}: {e}", done.job.0, done.step),
                    );
                }
            }
            Input::Battery { vehicle, fraction } => {
                if let Some(v) = self.vehicle_index(&vehicle) {
                    self.vehicles[v as usize].battery = fraction.clamp(0.0, 1.0);
                }
            }
            Input::Link { vehicle, online } => {
                if let Some(v) = self.vehicle_index(&vehicle) {
                    self.vehicles[v as usize].offline = !online;
                    self.change_alarm(
                        &vehicle,
                        !online,
                        "connection lost: it stays where it stands in the plan",
                        "connected again",
                    );
                }
            }
            Input::Fault { vehicle, active } => {
                if let Some(v) = self.vehicle_index(&vehicle) {
                    self.vehicles[v as usize].fault = active;
                    self.update_pin(v);
                    self.change_alarm(
                        &vehicle,
                        active,
                        "cannot move: others wait or route around",
                        "can move again",
                    );
                }
            }
            Input::Command(request) => {
                let reply_to = request.reply_to.clone();
                let reply = match self.command(request.command) {
                    Ok(result) => Reply::ok(&request.correlation_id, result),
                    Err((field, reason)) => Reply::error(CommandError {
                        correlation_id: Some(request.correlation_id.clone()),
                        reply_to: reply_to.clone(),
                        field,
                        reason,
                        code: "refused".into(),
                    }),
                };
                self.outputs.push(Output::Reply { reply_to, reply });
            }
        }
    }

    /// A warning when a vehicle's trouble starts (`trouble`), information when it ends.
    fn change_alarm(&mut self, vehicle: &str, trouble: bool, started: &str, ended: &str) {
        let (severity, what) = if trouble {
            ("warning", started)
        } else {
            ("info", ended)
        };
        self.alarm(severity, vehicle, what.into());
    }

    fn alarm(&mut self, severity: &str, subject: &str, message: String) {
        self.outputs.push(Output::Event(Event::Alarm {
            time_s: self.now_s,
            severity: severity.into(),
            subject: subject.into(),
            message,
        }));
    }

    fn update_pin(&mut self, v: u32) {
        let veh = &self.vehicles[v as usize];
        let serving = veh.task.as_ref().is_some_and(|t| t.stop.is_some());
        self.planner
            .set_pinned(v, serving || veh.fault || veh.mode == Mode::Paused);
    }

    fn stop_done(&mut self, v: u32, stop: u64) -> Result<(), FleetError> {
        let veh = &mut self.vehicles[v as usize];
        let Some(task) = veh.task.clone() else {
            return Ok(());
        };
        if task.stop != Some(stop) {
            // A stop of a cancelled task, or one served in passing (its step was finished
            // when it was planned): nothing depends on it.
            return Ok(());
        }
        self.finish_step(v)
    }

    /// Finishes the step of the vehicle's task: the job moves on to its next step (or is
    /// delivered), a charge ends; the vehicle's goal is cleared for the next tick.
    fn finish_step(&mut self, v: u32) -> Result<(), FleetError> {
        let veh = &mut self.vehicles[v as usize];
        let Some(task) = veh.task.take() else {
            return Ok(());
        };
        let vehicle = veh.id.clone();
        if let Purpose::Job { job, step } = task.purpose {
            let last = self.jobs.get(&job).map_or(0, |j| j.steps.len() - 1);
            if step >= last {
                self.set_job_state(job, JobState::Delivered { at_s: self.now_s })?;
                self.stats.delivered += 1;
            } else {
                self.set_job_state(
                    job,
                    JobState::Carrying {
                        vehicle: vehicle.clone(),
                        step: step + 1,
                    },
                )?;
                let stations = self
                    .jobs
                    .get(&job)
                    .map(|j| j.step_stations(&self.map, step + 1))
                    .unwrap_or_default();
                self.vehicles[v as usize].task = Some(Task {
                    purpose: Purpose::Job {
                        job,
                        step: step + 1,
                    },
                    stations,
                    stop: None,
                });
            }
        }
        self.planner.set_goal(v, None);
        self.vehicles[v as usize].waiting = false;
        self.update_pin(v);
        Ok(())
    }

    fn command(&mut self, command: Command) -> Result<serde_json::Value, (String, String)> {
        let refuse = |field: &str, reason: String| (field.to_string(), reason);
        let job_of = |this: &Self, id: u64| -> Result<Job, (String, String)> {
            this.jobs
                .get(&JobId(id))
                .cloned()
                .ok_or_else(|| refuse("job", format!("unknown job {id}")))
        };
        let vehicle_of = |this: &Self, id: &str| -> Result<u32, (String, String)> {
            this.vehicle_index(id)
                .ok_or_else(|| refuse("vehicle", format!("unknown vehicle {id:?}")))
        };
        let store = |r: Result<(), FleetError>| r.map_err(|e| refuse("job", e.to_string()));
        match command {
            Command::SubmitJob(spec) => {
                let id = self.submit(spec).map_err(|e| match e {
                    FleetError::InvalidJob { field, reason, .. } => {
                        (format!("job.{field}"), reason)
                    }
                    other => ("job".into(), other.to_string()),
                })?;
                Ok(json!({ "job": id.0 }))
            }
            Command::CancelJob { job, reason } => {
                let j = job_of(self, job)?;
                let assigned = match j.state {
                    JobState::Waiting | JobState::Held => None,
                    JobState::Assigned { ref vehicle } => {
                        self.refuse_if_picking_up(job, vehicle, "cancel")?;
                        Some(vehicle.clone())
                    }
                    ref s => {
                        return Err(refuse(
                            "job",
                            format!("cannot cancel a job that is {}", s.name()),
                        ));
                    }
                };
                // Recorded first: if the store fails, the job stays with its vehicle.
                store(self.set_job_state(j.id, JobState::Cancelled { reason }))?;
                if let Some(vehicle) = assigned {
                    self.unassign(&vehicle);
                }
                Ok(json!({ "job": job, "state": "cancelled" }))
            }
            Command::HoldJob { job } => {
                let j = job_of(self, job)?;
                let assigned = match j.state {
                    JobState::Waiting => None,
                    JobState::Assigned { ref vehicle } => {
                        self.refuse_if_picking_up(job, vehicle, "hold")?;
                        Some(vehicle.clone())
                    }
                    JobState::Held => return Ok(json!({ "job": job, "state": "held" })),
                    ref s => {
                        return Err(refuse(
                            "job",
                            format!("cannot hold a job that is {}", s.name()),
                        ));
                    }
                };
                store(self.set_job_state(j.id, JobState::Held))?;
                if let Some(vehicle) = assigned {
                    self.unassign(&vehicle);
                }
                Ok(json!({ "job": job, "state": "held" }))
            }
            Command::ReleaseJob { job } => {
                let j = job_of(self, job)?;
                if j.state != JobState::Held {
                    return Err(refuse(
                        "job",
                        format!("cannot release a job that is {}", j.state.name()),
                    ));
                }
                store(self.set_job_state(j.id, JobState::Waiting))?;
                Ok(json!({ "job": job, "state": "waiting" }))
            }
            Command::PauseVehicle { vehicle } => {
                let v = vehicle_of(self, &vehicle)?;
                // One standing decision at a time: out of service and paused would each
                // undo the other on its way back.
                if self.vehicles[v as usize].mode == Mode::OutOfService {
                    return Err(refuse(
                        "vehicle",
                        format!("{vehicle} is out of service: return it to service first"),
                    ));
                }
                store(self.store.set_vehicle_mode(&vehicle, Some("paused")))?;
                self.vehicles[v as usize].mode = Mode::Paused;
                self.update_pin(v);
                self.outputs.push(Output::Pause {
                    vehicle: vehicle.clone(),
                });
                Ok(json!({ "vehicle": vehicle, "status": "paused" }))
            }
            Command::ResumeVehicle { vehicle } => {
                let v = vehicle_of(self, &vehicle)?;
                if self.vehicles[v as usize].mode != Mode::Paused {
                    return Err(refuse("vehicle", format!("{vehicle} is not paused")));
                }
                store(self.store.set_vehicle_mode(&vehicle, None))?;
                self.vehicles[v as usize].mode = Mode::Active;
                self.update_pin(v);
                self.outputs.push(Output::Resume {
                    vehicle: vehicle.clone(),
                });
                Ok(json!({ "vehicle": vehicle, "status": "active" }))
            }
            Command::OutOfService { vehicle } => {
                let v = vehicle_of(self, &vehicle)?;
                if self.vehicles[v as usize].mode == Mode::Paused {
                    return Err(refuse(
                        "vehicle",
                        format!("{vehicle} is paused: resume it first"),
                    ));
                }
                store(
                    self.store
                        .set_vehicle_mode(&vehicle, Some("out_of_service")),
                )?;
                self.vehicles[v as usize].mode = Mode::OutOfService;
                Ok(json!({ "vehicle": vehicle, "status": "out_of_service" }))
            }
            Command::ReturnToService { vehicle } => {
                let v = vehicle_of(self, &vehicle)?;
                if self.vehicles[v as usize].mode != Mode::OutOfService {
                    return Err(refuse(
                        "vehicle",
                        format!("{vehicle} is not out of service"),
                    ));
                }
                store(self.store.set_vehicle_mode(&vehicle, None))?;
                self.vehicles[v as usize].mode = Mode::Active;
                self.update_pin(v);
                Ok(json!({ "vehicle": vehicle, "status": "active" }))
            }
            Command::CloseLane { lane } => self.set_lane(&lane, true),
            Command::OpenLane { lane } => self.set_lane(&lane, false),
            Command::Snapshot => {
                let snapshot = self.snapshot();
                self.outputs.push(Output::Event(snapshot));
                Ok(json!({ "published": true }))
            }
        }
    }

    fn set_lane(&mut self, lane: &str, close: bool) -> Result<serde_json::Value, (String, String)> {
        let Some(l) = self.map.lanes().iter().position(|x| x.id == lane) else {
            return Err(("lane".into(), format!("unknown lane {lane:?}")));
        };
        let id = LaneId(l as u32);
        self.store
            .set_lane_closed(lane, close)
            .map_err(|e| ("lane".to_string(), e.to_string()))?;
        let cells: Vec<CellId> = self.cells.lane_cells(id).collect();
        self.planner.set_closed(&cells, close);
        if close {
            self.closed.insert(id);
        } else {
            self.closed.remove(&id);
        }
        Ok(json!({ "lane": lane, "state": if close { "closed" } else { "open" } }))
    }

    /// Refuses to `what` job `job` (assigned to `vehicle`) once its pick-up has been given to
    /// the vehicle: a released stop is not taken back, the container will be on it.
    fn refuse_if_picking_up(
        &self,
        job: u64,
        vehicle: &str,
        what: &str,
    ) -> Result<(), (String, String)> {
        let picking_up = self
            .vehicle_index(vehicle)
            .and_then(|v| self.vehicles[v as usize].task.as_ref())
            .is_some_and(|t| {
                t.stop.is_some()
                    && matches!(t.purpose, Purpose::Job { job: j, step: 0 } if j.0 == job)
            });
        if picking_up {
            return Err((
                "job".into(),
                format!("cannot {what} job {job}: {vehicle} is picking its container up"),
            ));
        }
        Ok(())
    }

    /// Drops the job of a vehicle that had not picked it up yet.
    fn unassign(&mut self, vehicle: &str) {
        if let Some(v) = self.vehicle_index(vehicle) {
            let veh = &mut self.vehicles[v as usize];
            if let Some(Task {
                purpose: Purpose::Job { step: 0, .. },
                ..
            }) = veh.task
            {
                veh.task = None;
                veh.waiting = false;
                veh.stops.retain(|_| false);
                self.planner.set_goal(v, None);
                self.update_pin(v);
            }
        }
    }

    /// Vehicle `i`'s state for operators: status, where it is (the cell it has entered),
    /// battery, job.
    fn vehicle_event(&self, i: usize) -> Event {
        let v = &self.vehicles[i];
        let visit = self.planner.execution().entered(i as u32);
        let cell = self
            .planner
            .execution()
            .cell(VisitRef {
                vehicle: i as u32,
                index: visit,
            })
            .unwrap_or_else(|| self.planner.execution().frontier_of(i as u32));
        let p = self.cells.cell(CellId(cell)).position;
        Event::Vehicle {
            time_s: self.now_s,
            vehicle: v.id.clone(),
            status: self.status(i).into(),
            x: p.x,
            y: p.y,
            battery: v.battery,
            job: match v.task.as_ref().map(|t| t.purpose) {
                Some(Purpose::Job { job, .. }) => Some(job.0),
                _ => None,
            },
        }
    }

    /// An event for every vehicle whose status changed since the last one reported.
    fn report_status_changes(&mut self) {
        for i in 0..self.vehicles.len() {
            let status = self.status(i);
            if self.reported_status.get(i) != Some(&status) {
                if let Some(slot) = self.reported_status.get_mut(i) {
                    *slot = status;
                }
                let event = self.vehicle_event(i);
                self.outputs.push(Output::Event(event));
            }
        }
    }

    /// A snapshot of the fleet.
    pub fn snapshot(&self) -> Event {
        let vehicles = (0..self.vehicles.len())
            .map(|i| serde_json::to_value(self.vehicle_event(i)).unwrap_or_default())
            .collect();
        let mut jobs: BTreeMap<String, u64> = BTreeMap::new();
        for j in self.jobs.values() {
            *jobs.entry(j.state.name().into()).or_default() += 1;
        }
        Event::Snapshot {
            time_s: self.now_s,
            vehicles,
            jobs,
            closed_lanes: self
                .closed
                .iter()
                .map(|l| self.map.lane(*l).id.clone())
                .collect(),
        }
    }

    /// Vehicle `v`'s status as operators see it (`idle`, `working`, `charging`, `paused`,
    /// `out_of_service`, `fault`); `None` for an index outside the fleet.
    pub fn vehicle_status(&self, v: usize) -> Option<&'static str> {
        (v < self.vehicles.len()).then(|| self.status(v))
    }

    fn status(&self, v: usize) -> &'static str {
        let veh = &self.vehicles[v];
        if veh.offline {
            return "offline";
        }
        match (veh.mode, veh.fault, veh.task.as_ref().map(|t| t.purpose)) {
            (_, true, _) => "fault",
            (Mode::Paused, ..) => "paused",
            (Mode::OutOfService, _, None) => "out_of_service",
            (_, _, Some(Purpose::Charge)) => "charging",
            (_, _, Some(Purpose::Job { .. })) => "working",
            _ => "idle",
        }
    }

    /// Does the periodic work at `now_s`: assignment, goals, planning, releases.
    ///
    /// # Errors
    /// [`FleetError::Store`] if a job change cannot be written (then nothing more is done
    /// this tick; the next tick tries again).
    pub fn tick(&mut self, now_s: f64) -> Result<(), FleetError> {
        self.now_s = self.now_s.max(now_s);
        self.send_to_chargers(false);
        self.assign_jobs()?;
        self.send_to_chargers(true);
        self.set_goals();
        self.plan();
        self.release();
        self.report_status_changes();
        Ok(())
    }

    /// The cells of station `s`.
    fn places(&self, s: StationId) -> &[CellId] {
        &self.station_cells[s.0 as usize]
    }

    fn frontier_cell(&self, v: u32) -> CellId {
        CellId(self.planner.execution().frontier_of(v))
    }

    /// The best cell of `stations` for a vehicle at `from` that is not another vehicle's
    /// goal, with its distance in moves: a place at the station with the fewest vehicles
    /// ahead of it (a free server first; the second bay of a busy crane only when every
    /// crane is busy, and then the shortest queue), then the nearest. `None` when every
    /// reachable place is someone's goal.
    fn free_cell(
        &mut self,
        from: CellId,
        stations: &[StationId],
        taken: impl Fn(CellId) -> bool,
    ) -> Option<(CellId, u32)> {
        let mut best: Option<((usize, u32), CellId)> = None;
        for &s in stations {
            let cells = &self.station_cells[s.0 as usize];
            let busy = cells.iter().filter(|&&c| taken(c)).count();
            // Vehicles ahead in this station's queue: 0 while a server is free.
            let ahead = (busy + 1).saturating_sub(self.map.station(s).capacity as usize);
            for &c in cells {
                if taken(c) && c != from {
                    continue;
                }
                let d = if c == from {
                    Some(0)
                } else {
                    self.planner.distance(from, c)
                };
                let Some(d) = d else { continue };
                // Staying in a place it already stands in beats moving to a free server.
                let key = (if c == from { 0 } else { ahead }, d);
                if best.is_none_or(|(k, _)| key < k) {
                    best = Some((key, c));
                }
            }
        }
        best.map(|((_, d), c)| (c, d))
    }

    /// The nearest cell of `stations` from `from`, taken or not, with its distance.
    fn nearest_any(&mut self, from: CellId, stations: &[StationId]) -> Option<(CellId, u32)> {
        let mut best: Option<(CellId, u32)> = None;
        for &s in stations {
            for &c in &self.station_cells[s.0 as usize] {
                let d = if c == from {
                    Some(0)
                } else {
                    self.planner.distance(from, c)
                };
                if let Some(d) = d
                    && best.is_none_or(|(_, b)| d < b)
                {
                    best = Some((c, d));
                }
            }
        }
        best
    }

    /// The best free cell of `stations` (see [`Controller::free_cell`]) or, when every
    /// place is taken, the nearest (the vehicle then queues for it). For travel estimates.
    fn nearest_cell(
        &mut self,
        from: CellId,
        stations: &[StationId],
        taken: &BTreeSet<CellId>,
    ) -> Option<(CellId, u32)> {
        self.free_cell(from, stations, |c| taken.contains(&c))
            .or_else(|| self.nearest_any(from, stations))
    }

    /// Where a vehicle at `from` waits while every place of `stations` is taken: in line on
    /// the way to the waiting node of the nearest station (map field `queue`), behind the
    /// vehicles already waiting there (`line`: their places). `None` when the station has
    /// no waiting node or the vehicle is past it (already inside the area it guards). With
    /// the place, the vehicle's distance to the head of the line.
    fn waiting_cell(
        &mut self,
        from: CellId,
        stations: &[StationId],
        line: &BTreeSet<CellId>,
    ) -> Option<(CellId, u32)> {
        // The waiting area of the nearest station (the chargers of two yards have one each).
        let mut nearest: Option<(u32, StationId)> = None;
        for &s in stations {
            if let Some((_, d)) = self.nearest_any(from, &[s])
                && nearest.is_none_or(|(b, _)| d < b)
            {
                nearest = Some((d, s));
            }
        }
        let (to_station, station) = nearest?;
        let node = self.map.station(station).queue?;
        let stations = &[station];
        let head = *self.cells.cells_at_node(node).first()?;
        let to_head = if head == from {
            0
        } else {
            self.planner.distance(from, head)?
        };
        let (_, beyond) = self.nearest_any(head, stations)?;
        if to_head + beyond != to_station {
            return None; // the waiting node is not on the way: the vehicle is past it
        }
        // The line: from the head back, the places of vehicles already waiting in it. Join
        // it behind the last of them, on this vehicle's way to the head.
        // The line is contiguous from the head back (places are given out nearest-first):
        // walking forward, the place is the cell before the first place in line.
        if line.is_empty() {
            return Some((head, to_head));
        }
        let mut at = from;
        for remaining in (0..to_head).rev() {
            let next = self
                .cells
                .successors(at)
                .iter()
                .copied()
                .find(|&s| s == head || self.planner.distance(s, head) == Some(remaining))?;
            if line.contains(&next) {
                break;
            }
            at = next;
        }
        Some((at, to_head))
    }

    fn goals_taken(&self) -> BTreeSet<CellId> {
        (0..self.vehicles.len() as u32)
            .filter_map(|v| self.planner.goal(v))
            .collect()
    }

    /// Assigns waiting jobs to free vehicles: the assignment that gives as many jobs as
    /// possible a vehicle and, among those, maximises the total of urgency minus the cost of
    /// the empty drive to the pick-up (`empty_travel_weight` seconds of waiting per second
    /// of that drive). A vehicle that has just dropped a container therefore takes a job
    /// waiting where it stands before one across the corridor, unless the far job has waited
    /// that much longer or outranks it by more (perishable, priority); the waiting term grows
    /// without bound, so every job gets a vehicle in the end.
    ///
    /// Every waiting job is considered: jobs with the same pick-up stations score alike for
    /// each vehicle except for their urgency, so the most urgent `free` of each such group
    /// are the only ones an optimal assignment can use.
    fn assign_jobs(&mut self) -> Result<(), FleetError> {
        let free: Vec<u32> = (0..self.vehicles.len() as u32)
            .filter(|&v| {
                let veh = &self.vehicles[v as usize];
                veh.mode == Mode::Active
                    && !veh.fault
                    && veh.task.is_none()
                    && veh.battery >= self.config.charge_reserve
            })
            .collect();
        if free.is_empty() {
            return Ok(());
        }
        let now = self.now_s;
        let mut waiting: Vec<&Job> = self
            .jobs
            .values()
            .filter(|j| j.state == JobState::Waiting && j.spec.release_s <= now)
            .collect();
        waiting.sort_by(|a, b| {
            b.urgency(now)
                .total_cmp(&a.urgency(now))
                .then(a.id.cmp(&b.id))
        });
        // The most urgent `free` jobs of each pick-up, and the pick-ups in first-seen order.
        let mut pickups: Vec<&[String]> = Vec::new();
        let mut kept: Vec<usize> = Vec::new();
        waiting.retain(|j| {
            let pickup = j.steps.first().map_or(&[][..], Vec::as_slice);
            let g = pickups
                .iter()
                .position(|&p| p == pickup)
                .unwrap_or_else(|| {
                    pickups.push(pickup);
                    kept.push(0);
                    pickups.len() - 1
                });
            kept[g] += 1;
            kept[g] <= free.len()
        });
        let group_of: Vec<usize> = waiting
            .iter()
            .map(|j| {
                let pickup = j.steps.first().map_or(&[][..], Vec::as_slice);
                pickups.iter().position(|&p| p == pickup).unwrap_or(0)
            })
            .collect();
        let waiting: Vec<(JobId, f64, Vec<StationId>)> = waiting
            .iter()
            .map(|j| (j.id, j.urgency(now), j.step_stations(&self.map, 0)))
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        // One pick-up's stations, per group.
        let mut group_stations: Vec<Option<Vec<StationId>>> = vec![None; pickups.len()];
        for (c, &g) in group_of.iter().enumerate() {
            if group_stations[g].is_none() {
                group_stations[g] = Some(waiting[c].2.clone());
            }
        }
        let taken = self.goals_taken();
        let cost_per_cell = self.config.seconds_per_cell * self.config.empty_travel_weight;
        let mut scores = vec![vec![None; waiting.len()]; free.len()];
        for (r, &v) in free.iter().enumerate() {
            let from = self.frontier_cell(v);
            let cost: Vec<Option<f64>> = group_stations
                .iter()
                .map(|stations| {
                    let stations = stations.as_deref()?;
                    self.nearest_cell(from, stations, &taken)
                        .map(|(_, d)| f64::from(d) * cost_per_cell)
                })
                .collect();
            for (c, (_, urgency, _)) in waiting.iter().enumerate() {
                scores[r][c] = cost[group_of[c]].map(|cost| urgency - cost);
            }
        }
        for (r, c) in assign(&scores) {
            let v = free[r];
            let (job, _, stations) = waiting[c].clone();
            let vehicle = self.vehicles[v as usize].id.clone();
            self.set_job_state(job, JobState::Assigned { vehicle })?;
            self.vehicles[v as usize].task = Some(Task {
                purpose: Purpose::Job { job, step: 0 },
                stations,
                stop: None,
            });
            self.stats.assignments += 1;
        }
        Ok(())
    }

    /// Sends free vehicles to charge, the emptiest first: below the reserve always (they
    /// may have to wait for a charger), below `charge_below` when a charger of the charger
    /// station nearest to them (their yard's) is free, and (`top_up`, after jobs have been
    /// assigned) idle vehicles below `top_up_below` likewise. A charger counts as free only
    /// if it is no vehicle's goal and no vehicle already sent to charge without a charger
    /// yet would get it: each free charger draws one vehicle, so vehicles are not sent to a
    /// yard to queue for a charger another is charging in.
    fn send_to_chargers(&mut self, top_up: bool) {
        let chargers: Vec<StationId> = (0..self.map.stations().len() as u32)
            .map(StationId)
            .filter(|&s| self.map.station(s).kind == StationKind::Charger)
            .collect();
        if chargers.is_empty() {
            return;
        }
        let charger_cells: BTreeSet<CellId> = chargers
            .iter()
            .flat_map(|&s| self.places(s).iter().copied())
            .collect();
        let mut taken = self.goals_taken();
        // Vehicles sent to charge that have no charger yet: the charger each would get.
        for v in 0..self.vehicles.len() as u32 {
            let veh = &self.vehicles[v as usize];
            let pending = veh.task.as_ref().is_some_and(|t| {
                t.purpose == Purpose::Charge
                    && t.stop.is_none()
                    && (veh.waiting
                        || self
                            .planner
                            .goal(v)
                            .is_none_or(|g| !charger_cells.contains(&g)))
            });
            if pending {
                let from = self.frontier_cell(v);
                let taken_now = taken.clone();
                if let Some((c, _)) = self.free_cell(from, &chargers, |c| taken_now.contains(&c)) {
                    taken.insert(c);
                }
            }
        }
        let mut candidates: Vec<u32> = (0..self.vehicles.len() as u32)
            .filter(|&v| {
                let veh = &self.vehicles[v as usize];
                veh.task.is_none() && veh.mode == Mode::Active && !veh.fault
            })
            .collect();
        candidates.sort_by(|&a, &b| {
            self.vehicles[a as usize]
                .battery
                .total_cmp(&self.vehicles[b as usize].battery)
                .then(a.cmp(&b))
        });
        for v in candidates {
            let veh = &self.vehicles[v as usize];
            let must = veh.battery < self.config.charge_reserve;
            let due = veh.battery < self.config.charge_below;
            // A free vehicle tops up while a charger is free: it parks off the lanes and
            // starts its next job fuller (early, partial charging).
            let top_up = top_up && veh.battery < self.config.top_up_below;
            if !must && !due && !top_up {
                continue;
            }
            // Above the reserve, only a charger of the charger station nearest to it (its
            // yard's): a vehicle does not cross the corridor empty to charge early.
            let from = self.frontier_cell(v);
            let mut pool = chargers.clone();
            if !must {
                let mut nearest: Option<(u32, StationId)> = None;
                for &s in &chargers {
                    if let Some((_, d)) = self.nearest_any(from, &[s])
                        && nearest.is_none_or(|(b, _)| d < b)
                    {
                        nearest = Some((d, s));
                    }
                }
                pool = nearest.map(|(_, s)| vec![s]).unwrap_or_default();
            }
            let taken_now = taken.clone();
            let charger = self.free_cell(from, &pool, |c| taken_now.contains(&c));
            if let Some((c, _)) = charger {
                taken.insert(c);
            }
            if must || charger.is_some() {
                self.vehicles[v as usize].task = Some(Task {
                    purpose: Purpose::Charge,
                    stations: chargers.clone(),
                    stop: None,
                });
                self.stats.charges += 1;
            }
        }
    }

    /// Gives every vehicle with a task and no stop attached its goal: a free place at one
    /// of the task's stations, reserved for it alone; while there is none, a place in line
    /// at the stations' waiting area (re-chosen every tick, the line moving up); without a
    /// waiting area, the nearest place (it queues there). Vehicles waiting in line get
    /// places nearest-first, so the line is served in order.
    fn set_goals(&mut self) {
        let mut wanting: Vec<(u32, u32)> = Vec::new();
        for v in 0..self.vehicles.len() as u32 {
            let veh = &self.vehicles[v as usize];
            let Some(task) = veh.task.as_ref() else {
                continue;
            };
            if task.stop.is_some() || (self.planner.goal(v).is_some() && !veh.waiting) {
                continue;
            }
            let stations = task.stations.clone();
            let from = self.frontier_cell(v);
            let d = self
                .nearest_any(from, &stations)
                .map_or(u32::MAX, |(_, d)| d);
            wanting.push((d, v));
        }
        wanting.sort_unstable();
        // The lines are laid out afresh, nearest vehicle first, so that places in line follow
        // the order in which the vehicles drive up.
        let mut line = BTreeSet::new();
        let mut goals = self.goal_counts();
        for (_, v) in wanting {
            if let Some(place) = self.set_goal_of(v, &line, &mut goals) {
                line.insert(place);
            }
        }
    }

    /// How many vehicles have each cell as their goal.
    fn goal_counts(&self) -> HashMap<CellId, u32> {
        let mut counts = HashMap::new();
        for v in 0..self.vehicles.len() as u32 {
            if let Some(g) = self.planner.goal(v) {
                *counts.entry(g).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The places in line of the vehicles waiting now.
    fn line_places(&self, except: u32) -> BTreeSet<CellId> {
        (0..self.vehicles.len() as u32)
            .filter(|&w| w != except && self.vehicles[w as usize].waiting)
            .filter_map(|w| self.planner.goal(w))
            .collect()
    }

    /// Chooses vehicle `v`'s goal for its task (see [`Controller::set_goals`]), with `line`
    /// the places in line already given out. Returns its place in line, if it waits.
    fn set_goal_of(
        &mut self,
        v: u32,
        line: &BTreeSet<CellId>,
        goals: &mut HashMap<CellId, u32>,
    ) -> Option<CellId> {
        let stations = self.vehicles[v as usize]
            .task
            .as_ref()
            .map(|t| t.stations.clone())?;
        let own = self.planner.goal(v);
        // Another vehicle's goal (this vehicle's own does not count).
        let counts = &*goals;
        let taken = |c: CellId| counts.get(&c).copied().unwrap_or(0) > u32::from(own == Some(c));
        let guarded = stations
            .iter()
            .any(|&s| self.map.station(s).queue.is_some());
        let from = self.frontier_cell(v);
        let queue = self.waiting_cell(from, &stations, line);
        // Places of a guarded area go to vehicles at the head of its line, in the order
        // they reach it: a vehicle farther back drives up to the line first (a place
        // reserved from afar would go to a vehicle stuck behind one without a place).
        let far = queue.is_some_and(|(_, to_head)| to_head > 1);
        let free = if far {
            None
        } else {
            self.free_cell(from, &stations, taken)
        };
        let (goal, waiting) = match free {
            Some((cell, _)) => (Some(cell), false),
            None => match queue {
                Some((cell, _)) => (Some(cell), true),
                // Past the waiting area of a guarded yard, standing in a place off the
                // through lanes (a bay, a charger): wait there, not on the ring.
                None if guarded && self.parked_cells.contains(&from) => (Some(from), true),
                // Past the waiting area of a guarded yard, on its lanes: head for the nearest
                // place, taken or not, and choose again every tick, as if in line (another
                // place may be free first).
                None => (self.nearest_any(from, &stations).map(|(c, _)| c), guarded),
            },
        };
        self.vehicles[v as usize].waiting = waiting;
        if goal.is_some() && goal != own {
            if let Some(g) = own
                && let Some(n) = goals.get_mut(&g)
            {
                *n = n.saturating_sub(1);
            }
            if let Some(g) = goal {
                *goals.entry(g).or_insert(0) += 1;
            }
            self.planner.set_goal(v, goal);
        }
        goal.filter(|_| waiting)
    }

    fn plan(&mut self) {
        self.planner.set_time(self.now_s);
        for _ in 0..self.config.max_steps_per_tick {
            let needs = (0..self.vehicles.len() as u32).any(|v| {
                let ex = self.planner.execution();
                self.planner.goal(v).is_some()
                    && !self.planner.at_goal(v)
                    && !self.vehicles[v as usize].fault
                    && self.vehicles[v as usize].mode != Mode::Paused
                    && ex.last_visit(v) - ex.entered(v) < self.config.lookahead
            });
            if !needs {
                break;
            }
            match self.planner.step() {
                Ok(report) if report.moved == 0 => {
                    // Nobody could move: another step from the same configuration would not
                    // either. Wait for vehicles to report progress.
                    self.stats.steps += 1;
                    break;
                }
                Ok(_) => self.stats.steps += 1,
                Err(e) => {
                    self.alarm("critical", "planner", format!("step refused: {e}"));
                    break;
                }
            }
            self.attach_stops();
        }
    }

    /// Pins every vehicle whose plan has reached its goal and attaches its task's stop.
    fn attach_stops(&mut self) {
        for v in 0..self.vehicles.len() as u32 {
            if !self.planner.at_goal(v) {
                continue;
            }
            let Some(task) = self.vehicles[v as usize].task.clone() else {
                continue;
            };
            if task.stop.is_some() || self.vehicles[v as usize].waiting {
                continue;
            }
            let cell = self.frontier_cell(v);
            let Some(&station) = task
                .stations
                .iter()
                .find(|&&s| self.places(s).contains(&cell))
            else {
                continue;
            };
            let kind = match task.purpose {
                Purpose::Charge => StopKind::Charge {
                    station,
                    target: self.config.charge_to,
                },
                Purpose::Job { job, step } => {
                    let last = self.jobs.get(&job).map_or(0, |j| j.steps.len() - 1);
                    let load = if step == 0 {
                        Some(true)
                    } else if step == last {
                        Some(false)
                    } else {
                        None
                    };
                    StopKind::Service { station, load }
                }
            };
            let id = self.next_stop;
            self.next_stop += 1;
            let visit = self.planner.execution().last_visit(v);
            let veh = &mut self.vehicles[v as usize];
            let job = match task.purpose {
                Purpose::Job { job, step } => Some((job, step)),
                Purpose::Charge => None,
            };
            veh.stops.push(StopOrder {
                id,
                visit,
                kind,
                job,
            });
            let in_passing = matches!(kind, StopKind::Service { station, load: None }
                if self.map.station(station).drive_through);
            if in_passing {
                // Served while driving through: the plan goes on to the next step now,
                // with its goal chosen before the next plan step moves the vehicle on.
                if let Err(e) = self.finish_step(v) {
                    let vehicle = self.vehicles[v as usize].id.clone();
                    self.alarm("critical", &vehicle, format!("stop {id}: {e}"));
                }
                let line = self.line_places(v);
                let mut goals = self.goal_counts();
                self.set_goal_of(v, &line, &mut goals);
                continue;
            }
            let veh = &mut self.vehicles[v as usize];
            if let Some(t) = veh.task.as_mut() {
                t.stop = Some(id);
            }
            self.update_pin(v);
        }
    }

    fn release(&mut self) {
        for v in 0..self.vehicles.len() as u32 {
            let released = self.planner.execution().released(v);
            let veh = &self.vehicles[v as usize];
            // A stop may land on a visit released before (a task at the cell the vehicle
            // already stands in): it goes out on its own.
            if released <= veh.released_sent && !veh.stops.iter().any(|s| s.visit <= released) {
                continue;
            }
            let visits: Vec<(u64, CellId)> = (veh.released_sent + 1..=released)
                .filter_map(|i| {
                    self.planner
                        .execution()
                        .cell(VisitRef {
                            vehicle: v,
                            index: i,
                        })
                        .map(|c| (i, CellId(c)))
                })
                .collect();
            let veh = &mut self.vehicles[v as usize];
            let (stops, later): (Vec<StopOrder>, Vec<StopOrder>) =
                veh.stops.drain(..).partition(|s| s.visit <= released);
            veh.stops = later;
            veh.released_sent = released;
            self.outputs.push(Output::Release {
                vehicle: veh.id.clone(),
                visits,
                stops,
            });
        }
    }
}

/// Applies the reports in `finished` that concern `job` (in step order); whether the job
/// changed. See [`Controller::restart`].
fn apply_finished(job: &mut Job, finished: &[JobStep], now_s: f64) -> bool {
    let mut reports: Vec<&JobStep> = finished.iter().filter(|f| f.job == job.id).collect();
    reports.sort_by_key(|f| f.step);
    let mut changed = false;
    for f in reports {
        let next = match &job.state {
            JobState::Assigned { vehicle } if *vehicle == f.vehicle && f.step == 0 => 1,
            JobState::Carrying { vehicle, step } if *vehicle == f.vehicle && *step == f.step => {
                step + 1
            }
            _ => continue,
        };
        if f.step == 0 && job.picked_up_s.is_none() {
            job.picked_up_s = Some(now_s);
        }
        job.state = if next >= job.steps.len() {
            JobState::Delivered { at_s: now_s }
        } else {
            JobState::Carrying {
                vehicle: f.vehicle.clone(),
                step: next,
            }
        };
        changed = true;
    }
    changed
}
