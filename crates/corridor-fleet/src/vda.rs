//! The controller's side of VDA 5050: [`VdaFleet`] turns the controller's [`Output`]s into
//! orders, order updates and instant actions for each vehicle, and the vehicles' `state`
//! and `connection` messages into the controller's [`Input`]s. A pure translator: no I/O,
//! no clock, no async; the caller encodes what [`VdaFleet::drain_messages`] returns with
//! `corridor_vda5050::codec` and publishes it, and hands decoded messages to
//! [`VdaFleet::on_state`] / [`VdaFleet::on_connection`].
//!
//! ## Mapping
//!
//! - **Nodes are cells.** `nodeId` is `c{cell id}`, `nodePosition` the cell's position on
//!   the site's map id; edge `c{a}-c{b}` joins consecutive cells, with `maxSpeed` the speed
//!   limit of the lane of the cell it leads to and `length` the distance between the cells'
//!   positions. A release is all base (released); no horizon is sent.
//! - **Orders** go through one [`OrderTracker`] per vehicle. The first release, and any
//!   release after the tracker sees the order finished (the vehicle reports the last update
//!   and is idle), is a new order (`{vehicle}-{n}`) starting on the node of the vehicle's
//!   last released visit, where it stands; every other release is an order update stitched
//!   on the decision point (the last released node). Nothing is sent to a vehicle before
//!   its first state arrives; releases wait and go out with that state.
//! - **Sequence ids**: the tracker numbers every order from 0 (a new order must start at
//!   0), so sequence ids are not visits. Each order keeps the visit of each of its nodes
//!   (node `sequenceId` 2k ↔ k-th node); within an order consecutive visits are consecutive
//!   even sequence ids, except for the extra node below.
//! - **Stops** are node actions (blocking HARD) on the node of their visit: `actionId` is
//!   the stop id, for a job's step `{stop}-j{job}s{step}` ([`stop_action_id`]), `actionType` `pick` (service, loaded afterwards), `drop` (service, empty
//!   afterwards), `startCharging` (charge; parameter `targetStateOfCharge` in percent) or
//!   the vendor type `stationService` (any other station service); parameters `stationId`
//!   (the station's id in the map file) and `stationKind`. A stop on the visit that was
//!   released last (the vehicle stands there or drives to it) cannot be added to the
//!   stitching node — an update must resend it unchanged (§6.1.2) — so it goes out as
//!   VDA 5050 prescribes for new actions on the current node: in a new order it is an
//!   action of the start node; in an update the stitching node is followed by a node with
//!   the same `nodeId` and position at `sequenceId + 2` (edge `c{a}-c{a}`, length 0) that
//!   carries the actions. No stop is sent as an instant action (pick and drop are not
//!   instant actions in the standard). A stop on a visit before that cannot be delivered:
//!   [`FleetError::VehicleReport`] in [`VdaFleet::drain_problems`].
//! - **Pause / resume** are the instant actions `startPause` / `stopPause`.
//! - **Progress**: the vehicle reports as `lastNodeId` / `lastNodeSequenceId` the last node
//!   whose cell it has *completely* entered (its rear has left the cell before; the
//!   simulated vehicles of `corridor-sim` do exactly that). An advance to the node of visit
//!   `n` becomes [`Input::Entered`] for every visit after the last one reported, up to `n`.
//! - **Stops done**: an action state FINISHED for a stop id becomes [`Input::StopDone`]
//!   once; FAILED is a problem (the controller has no input for it).
//! - **Battery**: every state gives [`Input::Battery`] (`stateOfCharge` / 100).
//! - **Faults**: [`Input::Fault`] `active: true` when the vehicle has an error of level
//!   FATAL, is in an operating mode that takes no orders (MANUAL, SERVICE, TEACH_IN,
//!   STARTUP), or its connection is `CONNECTION_BROKEN` or `OFFLINE`; `active: false`
//!   when none of these holds any more (e.g. `ONLINE` after a broken connection). Only
//!   changes are reported.
//! - **Starting again** ([`VdaFleet::resume`]): after the fleet side was killed, a new
//!   translator starts from the vehicles' states once each stands with nothing left to
//!   drive: from its `lastNodeId`, numbering orders after its current `orderId`. The job
//!   steps its action states report FINISHED go to [`crate::Controller::restart`]; those
//!   still running are left to the vehicle (reported faulty, so nothing is planned through
//!   it, and sent no order) until they end, then come as [`Input::StepDone`].
//! - **Bad input** never panics: an unknown vehicle or a stale state is an `Err`
//!   ([`FleetError::UnknownVehicle`], [`FleetError::Vda5050`]) and changes nothing; an
//!   action id the fleet never sent, a failed stop, an error the vehicle reports about an
//!   order (a rejection), or progress on a node the fleet does not know are collected as
//!   [`FleetError::VehicleReport`] for [`VdaFleet::drain_problems`] while the rest of the
//!   state is used.

use std::collections::HashMap;
use std::sync::Arc;

use corridor_map::{CellGraph, CellId, CellOrigin, SiteMap};
use corridor_vda5050::model::{
    Action, ActionStatus, ActionType, BlockingType, ConnectionState, Edge, ErrorLevel, Node,
    NodePosition, Order, VehicleError, VehicleState,
};
use corridor_vda5050::{IncomingHeaders, Message, OrderTracker, TopicKind, VehicleId};

use crate::controller::{Input, JobStep, Output, StopKind, StopOrder};
use crate::error::FleetError;
use crate::job::JobId;

/// Vendor action type of a station service that neither picks nor drops a container.
pub const STATION_SERVICE: &str = "stationService";
/// Action parameter: the station's id in the map file.
pub const PARAM_STATION: &str = "stationId";
/// Action parameter: the station's kind (informational).
pub const PARAM_STATION_KIND: &str = "stationKind";
/// Action parameter of `startCharging`: charge up to this state of charge, percent.
pub const PARAM_TARGET_SOC: &str = "targetStateOfCharge";

/// The node name of `cell`: `c{id}`.
pub fn node_name(cell: CellId) -> String {
    format!("c{}", cell.0)
}

/// The cell named by a node name made by [`node_name`], if it is one.
pub fn cell_of_node(name: &str) -> Option<CellId> {
    name.strip_prefix('c')?.parse().ok().map(CellId)
}

/// The `actionId` of a stop: its id, and for a job's step `{id}-j{job}s{step}`, so that the
/// vehicle's action states say which job step was done ([`job_step_of_action`]).
pub fn stop_action_id(stop: &StopOrder) -> String {
    match stop.job {
        Some((job, step)) => format!("{}-j{}s{step}", stop.id, job.0),
        None => stop.id.to_string(),
    }
}

/// The job and step an `actionId` made by [`stop_action_id`] names.
pub fn job_step_of_action(action_id: &str) -> Option<(JobId, usize)> {
    let (_, rest) = action_id.split_once("-j")?;
    let (job, step) = rest.split_once('s')?;
    Some((JobId(job.parse().ok()?), step.parse().ok()?))
}

/// What a fleet side started again learns from the vehicles' states: see
/// [`VdaFleet::resume`].
#[derive(Debug)]
pub struct Resumed {
    /// The translator, ready for the new controller's releases.
    pub fleet: VdaFleet,
    /// Where each vehicle stands (its `lastNodeId`), in the order given.
    pub starts: Vec<CellId>,
    /// Job steps the vehicles report FINISHED in their current orders.
    pub finished: Vec<JobStep>,
    /// Job steps the vehicles are still doing (their actions not yet FINISHED or FAILED):
    /// each one comes as [`Input::StepDone`] from [`VdaFleet::on_state`] when it finishes.
    pub running: Vec<JobStep>,
    /// Battery and fault reports for the new controller, as [`VdaFleet::on_state`] gives.
    pub inputs: Vec<Input>,
}

/// A message for one vehicle, to be encoded and published.
#[derive(Debug, Clone, PartialEq)]
pub enum VdaCommand {
    /// An order or order update for the vehicle's `order` topic; the tracker has admitted
    /// and recorded it.
    Order {
        /// The vehicle.
        vehicle: VehicleId,
        /// The order.
        order: Order,
    },
    /// Instant actions for the vehicle's `instantActions` topic.
    InstantActions {
        /// The vehicle.
        vehicle: VehicleId,
        /// The actions.
        actions: Vec<Action>,
    },
}

/// What the fleet knows about an action id it may see in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// A stop: its id, whether reported done, the order generation it was sent in.
    Stop {
        id: u64,
        done: bool,
        generation: u64,
    },
    /// An instant action the fleet sent.
    Instant { done: bool, generation: u64 },
    /// A job step's action that was running when this translator was started again
    /// ([`VdaFleet::resume`]); reported as [`Input::StepDone`] when it finishes.
    Adopted,
    /// Reported once as unknown.
    Unknown,
}

/// One order's nodes: the visit of the node with sequence id 2k at index k.
#[derive(Debug, Clone)]
struct OrderVisits {
    order_id: String,
    visits: Vec<u64>,
}

#[derive(Debug, Clone)]
struct Side {
    name: String,
    id: VehicleId,
    tracker: OrderTracker,
    headers: IncomingHeaders,
    /// The last visit sent (or the start), with its cell: where the next order starts.
    decision: (u64, CellId),
    pending_visits: Vec<(u64, CellId)>,
    pending_stops: Vec<StopOrder>,
    /// Orders started so far (names the next one, tags action ids).
    generation: u64,
    current: Option<OrderVisits>,
    previous: Option<OrderVisits>,
    /// The last visit reported to the controller as entered.
    entered: u64,
    actions: HashMap<String, Known>,
    next_instant: u64,
    fatal: bool,
    unavailable: bool,
    link_down: bool,
    /// Resumed while its order still ran: no new order until the vehicle is idle, and
    /// reported faulty (it cannot move) until then.
    adopted: bool,
    fault_reported: bool,
    last_errors: Vec<VehicleError>,
}

impl Side {
    fn fault(&self) -> bool {
        self.fatal || self.unavailable || self.link_down || self.adopted
    }
}

/// The VDA 5050 translator of one fleet. See the module documentation.
#[derive(Debug)]
pub struct VdaFleet {
    map: Arc<SiteMap>,
    cells: Arc<CellGraph>,
    map_id: String,
    vehicles: Vec<Side>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<VehicleId, usize>,
    outbox: Vec<VdaCommand>,
    problems: Vec<FleetError>,
}

impl VdaFleet {
    /// A translator for `vehicles` — (fleet id as the controller names it, VDA 5050
    /// identity, the cell it starts in, visit 0) — on `map` with its `cells`, writing
    /// `map_id` in every node position.
    ///
    /// # Errors
    /// [`FleetError::VehicleReport`] when a fleet id or VDA 5050 identity appears twice or
    /// a start cell is not a cell of the graph.
    pub fn new(
        map: Arc<SiteMap>,
        cells: Arc<CellGraph>,
        map_id: impl Into<String>,
        vehicles: &[(String, VehicleId, CellId)],
    ) -> Result<VdaFleet, FleetError> {
        let mut fleet = VdaFleet {
            map,
            cells,
            map_id: map_id.into(),
            vehicles: Vec::with_capacity(vehicles.len()),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            outbox: Vec::new(),
            problems: Vec::new(),
        };
        for (name, id, cell) in vehicles {
            let refuse = |reason: String| FleetError::VehicleReport {
                vehicle: name.clone(),
                reason,
            };
            if cell.0 as usize >= fleet.cells.len() {
                return Err(refuse(format!("start cell {} does not exist", cell.0)));
            }
            let k = fleet.vehicles.len();
            if fleet.by_name.insert(name.clone(), k).is_some() {
                return Err(refuse("fleet id given twice".into()));
            }
            if fleet.by_id.insert(id.clone(), k).is_some() {
                return Err(refuse(format!("VDA 5050 identity {id} given twice")));
            }
            fleet.vehicles.push(Side {
                name: name.clone(),
                id: id.clone(),
                tracker: OrderTracker::new(id.clone()),
                headers: IncomingHeaders::new(id.clone()),
                decision: (0, *cell),
                pending_visits: Vec::new(),
                pending_stops: Vec::new(),
                generation: 0,
                current: None,
                previous: None,
                entered: 0,
                actions: HashMap::new(),
                next_instant: 1,
                fatal: false,
                unavailable: false,
                link_down: false,
                adopted: false,
                fault_reported: false,
                last_errors: Vec::new(),
            });
        }
        Ok(fleet)
    }

    /// A translator started again (after the fleet side stopped or was killed) for
    /// `vehicles` — (fleet id, VDA 5050 identity) — that have each reported `states[k]`,
    /// standing with nothing left to drive (no nodes left, not driving). Each vehicle
    /// starts where its `lastNodeId` says; new orders are numbered after the vehicle's
    /// current `orderId`, and its action states are taken as known (no "never sent"
    /// reports). The job steps its current order FINISHED, and those still running, are
    /// returned for [`crate::Controller::restart`]. A vehicle with actions still running
    /// is reported faulty (it will not move) and gets no order until it is idle.
    ///
    /// # Errors
    /// [`FleetError::VehicleReport`] for a state missing, from another vehicle, or whose
    /// `lastNodeId` is not a cell of the graph; as [`VdaFleet::new`] otherwise.
    pub fn resume(
        map: Arc<SiteMap>,
        cells: Arc<CellGraph>,
        map_id: impl Into<String>,
        vehicles: &[(String, VehicleId)],
        states: &[Message<VehicleState>],
    ) -> Result<Resumed, FleetError> {
        let mut starts = Vec::with_capacity(vehicles.len());
        for (k, (name, id)) in vehicles.iter().enumerate() {
            let refuse = |reason: String| FleetError::VehicleReport {
                vehicle: name.clone(),
                reason,
            };
            let state = states
                .get(k)
                .ok_or_else(|| refuse("no state to resume from".into()))?;
            if state.header.manufacturer != id.manufacturer()
                || state.header.serial_number != id.serial_number()
            {
                return Err(refuse(format!(
                    "the state to resume from is {}/{}'s",
                    state.header.manufacturer, state.header.serial_number
                )));
            }
            let cell = cell_of_node(&state.body.last_node_id)
                .filter(|c| (c.0 as usize) < cells.len())
                .ok_or_else(|| {
                    refuse(format!(
                        "lastNodeId {:?} is not a cell of the map",
                        state.body.last_node_id
                    ))
                })?;
            starts.push(cell);
        }
        let spec: Vec<_> = vehicles
            .iter()
            .zip(&starts)
            .map(|((name, id), &c)| (name.clone(), id.clone(), c))
            .collect();
        let mut fleet = VdaFleet::new(map, cells, map_id, &spec)?;
        let mut finished = Vec::new();
        let mut running = Vec::new();
        let mut inputs = Vec::new();
        for (k, message) in states.iter().enumerate().take(vehicles.len()) {
            let side = &mut fleet.vehicles[k];
            let state = &message.body;
            side.generation = state
                .order_id
                .strip_prefix(side.name.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            for a in state
                .action_states
                .iter()
                .chain(&state.instant_action_states)
            {
                let step = job_step_of_action(&a.action_id).map(|(job, step)| JobStep {
                    vehicle: side.name.clone(),
                    job,
                    step,
                });
                let known = match (a.status, step) {
                    (ActionStatus::Finished, Some(step)) => {
                        finished.push(step);
                        Known::Unknown
                    }
                    (status, Some(step)) if !status.is_terminal() => {
                        running.push(step);
                        Known::Adopted
                    }
                    _ => Known::Unknown,
                };
                side.actions.insert(a.action_id.clone(), known);
            }
            side.adopted = !state.is_idle();
            inputs.extend(fleet.on_state(message)?);
        }
        Ok(Resumed {
            fleet,
            starts,
            finished,
            running,
            inputs,
        })
    }

    /// The order tracker of fleet vehicle `vehicle`.
    pub fn tracker(&self, vehicle: &str) -> Option<&OrderTracker> {
        self.by_name
            .get(vehicle)
            .map(|&k| &self.vehicles[k].tracker)
    }

    /// The fleet id of the vehicle with VDA 5050 identity `id`.
    pub fn fleet_id(&self, id: &VehicleId) -> Option<&str> {
        self.by_id.get(id).map(|&k| self.vehicles[k].name.as_str())
    }

    /// Takes the messages produced since the last call, in the order they must be sent.
    pub fn drain_messages(&mut self) -> Vec<VdaCommand> {
        std::mem::take(&mut self.outbox)
    }

    /// Takes the problems noticed since the last call (for the caller to log or alarm).
    pub fn drain_problems(&mut self) -> Vec<FleetError> {
        std::mem::take(&mut self.problems)
    }

    /// Translates one controller output. Releases, pauses and resumes become messages in
    /// [`VdaFleet::drain_messages`] (a release to a vehicle that has not reported a state
    /// yet waits for it); replies and events are not for vehicles and are ignored.
    ///
    /// # Errors
    /// [`FleetError::UnknownVehicle`] (nothing changes); [`FleetError::Vda5050`] when the
    /// tracker refuses the order built (the release stays pending and is tried again with
    /// the next state).
    pub fn handle(&mut self, output: &Output) -> Result<(), FleetError> {
        match output {
            Output::Release {
                vehicle,
                visits,
                stops,
            } => {
                let k = self.index(vehicle)?;
                let side = &mut self.vehicles[k];
                let after = side.pending_visits.last().map_or(side.decision.0, |v| v.0);
                if let Some(&(first, _)) = visits.first()
                    && first != after + 1
                {
                    return Err(FleetError::VehicleReport {
                        vehicle: vehicle.clone(),
                        reason: format!(
                            "release starts at visit {first}, but visit {after} was the last"
                        ),
                    });
                }
                side.pending_visits.extend_from_slice(visits);
                side.pending_stops.extend_from_slice(stops);
                self.flush(k)
            }
            Output::Pause { vehicle } => self.instant(vehicle, ActionType::StartPause),
            Output::Resume { vehicle } => self.instant(vehicle, ActionType::StopPause),
            Output::Reply { .. } | Output::Event(_) => Ok(()),
        }
    }

    fn index(&self, vehicle: &str) -> Result<usize, FleetError> {
        self.by_name
            .get(vehicle)
            .copied()
            .ok_or_else(|| FleetError::UnknownVehicle(vehicle.to_owned()))
    }

    fn instant(&mut self, vehicle: &str, action_type: ActionType) -> Result<(), FleetError> {
        let k = self.index(vehicle)?;
        let side = &mut self.vehicles[k];
        let action_id = format!("{}-ia{}", side.name, side.next_instant);
        side.next_instant += 1;
        side.actions.insert(
            action_id.clone(),
            Known::Instant {
                done: false,
                generation: side.generation,
            },
        );
        let action = Action::new(action_id, action_type, BlockingType::None);
        side.tracker
            .record_instant_actions(std::slice::from_ref(&action));
        self.outbox.push(VdaCommand::InstantActions {
            vehicle: side.id.clone(),
            actions: vec![action],
        });
        Ok(())
    }

    fn node(&self, cell: CellId) -> Node {
        let p = self.cells.cell(cell).position;
        Node::new(node_name(cell)).at(NodePosition::new(p.x, p.y, self.map_id.clone()))
    }

    fn edge(&self, from: CellId, to: CellId) -> Edge {
        let (a, b) = (self.cells.cell(from), self.cells.cell(to));
        let edge = Edge::new(format!("{}-{}", node_name(from), node_name(to)))
            .with_length((a.position.x - b.position.x).hypot(a.position.y - b.position.y));
        match b.origin {
            CellOrigin::Lane { lane, .. } if from != to => {
                edge.with_max_speed(self.map.lane(lane).speed_limit)
            }
            _ => edge,
        }
    }

    fn action(&self, stop: &StopOrder) -> Action {
        let (action_type, station) = match stop.kind {
            StopKind::Service {
                station,
                load: Some(true),
            } => (ActionType::Pick, station),
            StopKind::Service {
                station,
                load: Some(false),
            } => (ActionType::Drop, station),
            StopKind::Service {
                station,
                load: None,
            } => (ActionType::Custom(STATION_SERVICE.into()), station),
            StopKind::Charge { station, .. } => (ActionType::StartCharging, station),
        };
        let st = self.map.station(station);
        let action = Action::new(stop_action_id(stop), action_type, BlockingType::Hard)
            .with_parameter(PARAM_STATION, st.id.clone())
            .with_parameter(PARAM_STATION_KIND, st.kind.as_str());
        match stop.kind {
            StopKind::Charge { target, .. } => {
                action.with_parameter(PARAM_TARGET_SOC, (target * 100.0).clamp(0.0, 100.0))
            }
            StopKind::Service { .. } => action,
        }
    }

    /// Sends what is pending for vehicle `k`, if it can be sent now.
    fn flush(&mut self, k: usize) -> Result<(), FleetError> {
        let side = &self.vehicles[k];
        if side.pending_visits.is_empty() && side.pending_stops.is_empty() {
            return Ok(());
        }
        let new_order = side.tracker.order_id().is_none() || side.tracker.is_finished();
        if new_order && (side.adopted || side.tracker.vehicle_state().is_none()) {
            return Ok(()); // wait for the vehicle's first state, or for it to be idle
        }
        let (dv, dcell) = side.decision;
        let last_visit = side.pending_visits.last().map_or(dv, |v| v.0);
        let mut late = Vec::new();
        let mut now = Vec::new();
        let mut later = Vec::new();
        for s in &side.pending_stops {
            if s.visit < dv {
                late.push(*s);
            } else if s.visit <= last_visit {
                now.push(*s);
            } else {
                later.push(*s);
            }
        }
        let actions_at = |visit: u64| -> Vec<Action> {
            now.iter()
                .filter(|s| s.visit == visit)
                .map(|s| self.action(s))
                .collect()
        };
        let mut start = self.node(dcell);
        let mut steps = Vec::new();
        let mut visits = Vec::new();
        let here = actions_at(dv);
        if new_order {
            start.actions = here;
        } else if !here.is_empty() {
            let mut again = self.node(dcell);
            again.actions = here;
            steps.push((self.edge(dcell, dcell), again));
            visits.push(dv);
        }
        let mut prev = dcell;
        for &(visit, cell) in &side.pending_visits {
            let mut node = self.node(cell);
            node.actions = actions_at(visit);
            steps.push((self.edge(prev, cell), node));
            visits.push(visit);
            prev = cell;
        }
        let vda = |source| FleetError::Vda5050 {
            vehicle: side.name.clone(),
            source: Box::new(source),
        };
        let order_id = format!("{}-{}", side.name, side.generation + 1);
        let order = if new_order {
            side.tracker
                .build_new_order(order_id.clone(), start, steps, Vec::new())
        } else {
            side.tracker.build_update(steps, Vec::new())
        }
        .map_err(vda)?;
        let side = &mut self.vehicles[k];
        side.tracker
            .record_sent(&order)
            .map_err(|source| FleetError::Vda5050 {
                vehicle: side.name.clone(),
                source: Box::new(source),
            })?;
        if new_order {
            side.generation += 1;
            let generation = side.generation;
            // Forget what is settled from orders before the previous one.
            side.actions.retain(|_, known| match *known {
                Known::Stop {
                    done,
                    generation: g,
                    ..
                }
                | Known::Instant {
                    done,
                    generation: g,
                } => !done || g + 1 >= generation,
                Known::Unknown => false,
                Known::Adopted => true,
            });
            let mut all = vec![dv];
            all.extend(visits);
            side.previous = side.current.take();
            side.current = Some(OrderVisits {
                order_id,
                visits: all,
            });
        } else if let Some(current) = side.current.as_mut() {
            current.visits.extend(visits);
        }
        for s in &now {
            side.actions.insert(
                stop_action_id(s),
                Known::Stop {
                    id: s.id,
                    done: false,
                    generation: side.generation,
                },
            );
        }
        if let Some(&last) = side.pending_visits.last() {
            side.decision = last;
        }
        side.pending_visits.clear();
        side.pending_stops = later;
        let name = side.name.clone();
        self.outbox.push(VdaCommand::Order {
            vehicle: side.id.clone(),
            order,
        });
        for s in late {
            self.problems.push(FleetError::VehicleReport {
                vehicle: name.clone(),
                reason: format!(
                    "stop {} at visit {} cannot be sent: the vehicle was released beyond it (visit {dv})",
                    s.id, s.visit
                ),
            });
        }
        Ok(())
    }

    fn side_of(&self, header: &corridor_vda5050::Header) -> Result<usize, FleetError> {
        VehicleId::new(header.manufacturer.clone(), header.serial_number.clone())
            .ok()
            .and_then(|id| self.by_id.get(&id).copied())
            .ok_or_else(|| {
                FleetError::UnknownVehicle(format!(
                    "{}/{}",
                    header.manufacturer, header.serial_number
                ))
            })
    }

    /// Takes a decoded `state` message and returns what it means to the controller, in
    /// order. Pending releases for the vehicle may go out now (see
    /// [`VdaFleet::drain_messages`]).
    ///
    /// # Errors
    /// [`FleetError::UnknownVehicle`] for a vehicle not in the fleet;
    /// [`FleetError::Vda5050`] for a state that is not newer than the last one (duplicate
    /// or out of order); in both cases nothing changes.
    pub fn on_state(&mut self, message: &Message<VehicleState>) -> Result<Vec<Input>, FleetError> {
        let k = self.side_of(&message.header)?;
        let state = &message.body;
        let side = &mut self.vehicles[k];
        side.headers
            .accept(TopicKind::State, message.header.header_id)
            .map_err(|source| FleetError::Vda5050 {
                vehicle: side.name.clone(),
                source: Box::new(source),
            })?;
        side.tracker.observe_state(state);
        let name = side.name.clone();
        let mut inputs = Vec::new();
        let mut problems = Vec::new();
        // Progress.
        let order = [side.current.as_ref(), side.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|o| o.order_id == state.order_id);
        if let Some(order) = order {
            let seq = state.last_node_sequence_id;
            match order.visits.get((seq / 2) as usize) {
                Some(&visit) if seq.is_multiple_of(2) => {
                    for v in side.entered + 1..=visit {
                        inputs.push(Input::Entered {
                            vehicle: name.clone(),
                            visit: v,
                        });
                    }
                    side.entered = side.entered.max(visit);
                }
                _ => problems.push(format!(
                    "lastNodeSequenceId {seq} ({}) is not a node of order {}",
                    state.last_node_id, state.order_id
                )),
            }
        }
        // Actions.
        for a in state
            .action_states
            .iter()
            .chain(&state.instant_action_states)
        {
            match side.actions.get_mut(&a.action_id) {
                Some(Known::Stop { id, done, .. }) if !*done => match a.status {
                    ActionStatus::Finished => {
                        *done = true;
                        inputs.push(Input::StopDone {
                            vehicle: name.clone(),
                            stop: *id,
                        });
                    }
                    ActionStatus::Failed => {
                        *done = true;
                        problems.push(format!("stop {id} FAILED"));
                    }
                    _ => {}
                },
                Some(known @ Known::Adopted) if a.status.is_terminal() => {
                    *known = Known::Unknown;
                    match (a.status, job_step_of_action(&a.action_id)) {
                        (ActionStatus::Finished, Some((job, step))) => {
                            inputs.push(Input::StepDone(JobStep {
                                vehicle: name.clone(),
                                job,
                                step,
                            }));
                        }
                        _ => problems.push(format!("action {} FAILED", a.action_id)),
                    }
                }
                Some(Known::Instant { done, .. }) if !*done => {
                    if a.status.is_terminal() {
                        *done = true;
                    }
                    if a.status == ActionStatus::Failed {
                        problems.push(format!("instant action {} FAILED", a.action_id));
                    }
                }
                Some(_) => {}
                None => {
                    side.actions.insert(a.action_id.clone(), Known::Unknown);
                    problems.push(format!(
                        "action {} ({:?}) was never sent by this fleet",
                        a.action_id, a.status
                    ));
                }
            }
        }
        // Battery.
        inputs.push(Input::Battery {
            vehicle: name.clone(),
            fraction: (state.power.state_of_charge / 100.0).clamp(0.0, 1.0),
        });
        // Errors: new ones are problems; FATAL ones a fault.
        for e in &state.errors {
            if !side.last_errors.contains(e) {
                problems.push(format!(
                    "reports {:?} ({:?}){}: {}",
                    e.error_type,
                    e.level,
                    e.references
                        .iter()
                        .map(|r| format!(" {}={}", r.key, r.value))
                        .collect::<String>(),
                    e.description.as_deref().unwrap_or("")
                ));
            }
        }
        side.last_errors.clone_from(&state.errors);
        side.fatal = state.errors.iter().any(|e| e.level == ErrorLevel::Fatal);
        side.unavailable = !state.operating_mode.accepts_orders();
        side.adopted &= !state.is_idle();
        Self::fault_change(side, &mut inputs);
        self.problems.extend(
            problems
                .into_iter()
                .map(|reason| FleetError::VehicleReport {
                    vehicle: name.clone(),
                    reason,
                }),
        );
        self.flush(k)?;
        Ok(inputs)
    }

    fn fault_change(side: &mut Side, inputs: &mut Vec<Input>) {
        let fault = side.fault();
        if fault != side.fault_reported {
            side.fault_reported = fault;
            inputs.push(Input::Fault {
                vehicle: side.name.clone(),
                active: fault,
            });
        }
    }

    /// Takes a decoded `connection` message: `CONNECTION_BROKEN` and `OFFLINE` make the
    /// vehicle offline and faulty ([`Input::Link`] `online: false`, [`Input::Fault`]
    /// `active: true`), `ONLINE` ends both (and starts a new header session: the vehicle
    /// may count its header ids from 0 again).
    ///
    /// # Errors
    /// [`FleetError::UnknownVehicle`]; [`FleetError::Vda5050`] for a stale `OFFLINE`.
    pub fn on_connection(
        &mut self,
        message: &Message<ConnectionState>,
    ) -> Result<Vec<Input>, FleetError> {
        let k = self.side_of(&message.header)?;
        let side = &mut self.vehicles[k];
        side.headers
            .accept_connection(message.header.header_id, message.body)
            .map_err(|source| FleetError::Vda5050 {
                vehicle: side.name.clone(),
                source: Box::new(source),
            })?;
        let was_down = side.link_down;
        match message.body {
            ConnectionState::Online => side.link_down = false,
            ConnectionState::Offline | ConnectionState::ConnectionBroken => side.link_down = true,
            ConnectionState::Hibernating => {}
        }
        let mut inputs = Vec::new();
        if side.link_down != was_down {
            inputs.push(Input::Link {
                vehicle: side.name.clone(),
                online: !side.link_down,
            });
        }
        Self::fault_change(side, &mut inputs);
        Ok(inputs)
    }
}
