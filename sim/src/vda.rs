//! The VDA 5050 side of one simulated vehicle: it takes `order` and `instantActions` and
//! produces `state` exactly as a real vehicle would, over a vehicle of a [`World`]. A pure
//! state machine: the caller decodes the messages (with `corridor_vda5050::codec`), hands
//! them to [`VdaVehicle::apply_order`] / [`VdaVehicle::apply_instant_actions`], feeds the
//! world's events to [`VdaVehicle::observe`], and publishes [`VdaVehicle::state`] whenever
//! [`VdaVehicle::needs_publish`] says so. No I/O, no clock of its own.
//!
//! ## What the messages mean to this vehicle
//!
//! - **Nodes are cells.** `nodeId` is `c{cell id}` of the site's cell graph; a node's
//!   `nodePosition.mapId`, when given, must be the site's map id. Each base node after the
//!   first is the next cell of the route (an edge of the cell graph), except a node with
//!   the same `nodeId` as the node before it: that is the same place again (VDA 5050
//!   §6.1.2, "new actions on the node the vehicle stands on": the stitching node is resent
//!   and a node at `sequenceId + 2` at the same position carries the new actions). Released
//!   nodes go to [`World::set_route`] and [`World::release`]; the horizon is reported in
//!   `nodeStates` (released false) and not driven.
//! - **`lastNodeId` / `lastNodeSequenceId`**: the last node whose cell the vehicle has
//!   *completely* entered — its rear has left the cell before ([`SimEvent::Left`]). So a
//!   node leaves `nodeStates` exactly when the fleet may free the cells behind it. Before the
//!   first order the vehicle reports the cell it stands in, sequence id 0.
//! - **Node actions** (blocking HARD) become [`Stop`]s on the node's cell: `pick`
//!   (service, loaded afterwards), `drop` (service, empty afterwards), `stationService`
//!   (vendor type: any other station service — gate, scale, X-ray, border, inspection;
//!   load unchanged) and `startCharging` (charge at a charger). Each needs the parameter
//!   `stationId` (the station's id in the map file), and the station must serve the node's
//!   cell; `startCharging` takes `targetStateOfCharge` (percent, default 100) and — a vendor
//!   extension — stays RUNNING until that charge is reached. Action states: WAITING,
//!   INITIALIZING (queued for a free place at the station), RUNNING, FINISHED; FAILED when
//!   cancelled. Edge actions are not supported (the order is rejected).
//! - **Orders are validated** as §6.1 asks: a new `orderId` is accepted only when the
//!   vehicle is idle (§6.6.8) and its first node is the cell the vehicle stands in
//!   (`START_NODE_OUT_OF_RANGE` otherwise); an update of the current order must have a
//!   higher `orderUpdateId` (`OUTDATED_ORDER_UPDATE`; the same one with other content is
//!   `SAME_ORDER_UPDATE_ID`, an identical resend is ignored) and start on the last base node
//!   with its `sequenceId` (`VALIDATION_FAILURE`); an update after `cancelOrder` is
//!   `ORDER_UPDATE_FOLLOWING_CANCEL`; an unknown cell, map, station or action type, or two
//!   nodes that are not consecutive cells, reject the order too. A rejection changes
//!   nothing but `errors` (level WARNING, references `orderId` and `orderUpdateId`); the
//!   next accepted order clears those errors.
//! - **Instant actions**: `startPause` / `stopPause` ([`World::set_paused`]), `cancelOrder`
//!   (drops the horizon, fails the actions not started; the simulated vehicle cannot give
//!   back released cells, so it stops at the end of its released base — the next node where
//!   it can stop without blocking anyone the fleet did not plan for — and the `cancelOrder`
//!   is RUNNING until it stands there, then FINISHED; idle: FAILED with
//!   `NO_ORDER_TO_CANCEL`), `stateRequest` (publish now) and `factsheetRequest` (see
//!   [`InstantRequests`]). Anything else is FAILED with `INVALID_INSTANT_ACTION`.
//! - **State publication** (§6.6): [`VdaVehicle::needs_publish`] is true when anything but
//!   position, velocity and battery level changed since the state last handed to
//!   [`VdaVehicle::published`] (order, node, edge and action states, driving, paused,
//!   loads, errors, charging), when a `stateRequest` came, or 30 s after the last one.
//! - **Position**: `agvPosition` / `mobileRobotPosition` is the front bumper (the point the
//!   simulator tracks) with the heading, on the site's map id; `velocity.vx` the speed.

use std::collections::HashMap;

use corridor_map::{CellId, StationId, StationKind};
use corridor_vda5050::model::{
    Action, ActionState, ActionStatus, ActionType, EdgeState, EmergencyStop, ErrorLevel, ErrorType,
    Load, NodeState, Order, Position, PredefinedError, Reference, SafetyState, VehicleError,
    VehicleState, Velocity,
};

use crate::error::SimError;
use crate::vehicle::{Activity, Stop, StopAction};
use crate::world::{SimEvent, VehicleIndex, World};

/// Vendor action type of a station service that neither picks nor drops a container (gate,
/// scale, X-ray, border, inspection).
pub const STATION_SERVICE: &str = "stationService";
/// Action parameter: the station's id in the map file.
pub const PARAM_STATION: &str = "stationId";
/// Action parameter: the station's kind (informational, e.g. `xray`).
pub const PARAM_STATION_KIND: &str = "stationKind";
/// Action parameter of `startCharging`: charge up to this state of charge, percent.
pub const PARAM_TARGET_SOC: &str = "targetStateOfCharge";
/// State is published at least this often, seconds (VDA 5050 §6.6).
pub const MAX_STATE_INTERVAL_S: f64 = 30.0;

/// The name of the node of `cell`: `c{id}`.
pub fn node_name(cell: CellId) -> String {
    format!("c{}", cell.0)
}

/// The cell of a node name `c{id}`, if it is one.
pub fn parse_node_name(name: &str) -> Option<CellId> {
    let digits = name.strip_prefix('c')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(CellId)
}

/// What instant actions asked of the caller besides the vehicle itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstantRequests {
    /// A `factsheetRequest` came: publish the factsheet.
    pub factsheet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Waiting,
    Started,
    Finished,
    Failed,
}

#[derive(Debug, Clone)]
struct NodeAction {
    action_id: String,
    action_type: ActionType,
    /// The world stop that carries it.
    stop: u64,
    progress: Progress,
}

#[derive(Debug, Clone)]
struct RouteNode {
    node_id: String,
    sequence_id: u32,
    /// The world route sequence number of its cell.
    world_seq: u64,
}

#[derive(Debug, Clone)]
struct CurrentOrder {
    /// The last accepted message (to recognise identical resends).
    last: Order,
    /// Released nodes over all accepted messages, in order.
    base: Vec<RouteNode>,
    /// Released edges: (edge id, sequence id).
    edges: Vec<(String, u32)>,
    /// The horizon of the last message: nodes and edges, not driven.
    horizon_nodes: Vec<NodeState>,
    horizon_edges: Vec<EdgeState>,
    /// `actionId` of a `cancelOrder` received for this order.
    cancelled_by: Option<String>,
    /// The last released node as received: an update must start with it, unchanged.
    decision_node: Option<corridor_vda5050::model::Node>,
}

/// A planned stop: (world sequence, action id, type, what to do).
type PlannedStop = (u64, String, ActionType, StopAction);

/// The VDA 5050 side of one simulated vehicle. See the module documentation.
#[derive(Debug, Clone)]
pub struct VdaVehicle {
    vehicle: VehicleIndex,
    id: String,
    map_id: String,
    order: Option<CurrentOrder>,
    /// World route sequence number of the cell the vehicle has completely entered.
    entered: u64,
    actions: Vec<NodeAction>,
    by_stop: HashMap<u64, usize>,
    instant: Vec<ActionState>,
    errors: Vec<VehicleError>,
    next_stop: u64,
    state_requested: bool,
    last_published: Option<(f64, VehicleState)>,
    /// Bumped by every change of the vehicle's own bookkeeping (orders, actions, progress).
    generation: u64,
    /// `generation` and the world's probe when the last state was published: while both
    /// are unchanged, nothing but position, velocity and battery can have changed.
    published_at: Option<(u64, crate::VehicleProbe)>,
}

impl VdaVehicle {
    /// The VDA 5050 side of world vehicle `vehicle`, on the map `map_id` (the `mapId` of
    /// every position it reports and accepts). It starts with no order.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn new(
        world: &World,
        vehicle: VehicleIndex,
        map_id: impl Into<String>,
    ) -> Result<VdaVehicle, SimError> {
        let view = world.vehicle(vehicle)?;
        // Completely inside its front cell, or still partly in the one before.
        let entered = if view.occupied.len() <= 1 {
            view.front_seq
        } else {
            view.front_seq.saturating_sub(1)
        };
        Ok(VdaVehicle {
            vehicle,
            id: view.id,
            map_id: map_id.into(),
            order: None,
            entered,
            actions: Vec::new(),
            by_stop: HashMap::new(),
            instant: Vec::new(),
            errors: Vec::new(),
            next_stop: 1,
            state_requested: false,
            last_published: None,
            generation: 0,
            published_at: None,
        })
    }

    /// The world vehicle this speaks for.
    pub fn vehicle(&self) -> VehicleIndex {
        self.vehicle
    }

    /// The `orderId` of the current (or last finished) order, if any.
    pub fn order_id(&self) -> Option<&str> {
        self.order.as_ref().map(|o| o.last.order_id.as_str())
    }

    /// Takes an order or order update. Accepted: the route, releases and stops are in the
    /// world and the state reports the order. Rejected: nothing changes but the state's
    /// `errors`, and the error says why.
    ///
    /// # Errors
    /// [`SimError::OrderRejected`] naming the VDA 5050 error type;
    /// [`SimError::UnknownVehicle`] if the world lost the vehicle.
    pub fn apply_order(&mut self, world: &mut World, order: &Order) -> Result<(), SimError> {
        self.generation += 1;
        match self.check_order(world, order) {
            Ok(Plan::Ignore) => Ok(()),
            Ok(plan) => {
                self.execute(world, order, plan)?;
                // An accepted order clears the rejections before it.
                self.errors.retain(|e| e.reference("orderId").is_none());
                Ok(())
            }
            Err((kind, reason)) => {
                self.errors.push(VehicleError {
                    error_type: ErrorType::Predefined(kind),
                    level: ErrorLevel::Warning,
                    references: vec![
                        Reference::new("orderId", order.order_id.clone()),
                        Reference::new("orderUpdateId", order.order_update_id.to_string()),
                    ],
                    description: Some(reason.clone()),
                    hint: None,
                });
                self.trim_errors();
                Err(SimError::OrderRejected {
                    vehicle: self.id.clone(),
                    order_id: order.order_id.clone(),
                    order_update_id: order.order_update_id,
                    error_type: kind.v3_name().to_owned(),
                    reason,
                })
            }
        }
    }

    fn trim_errors(&mut self) {
        if self.errors.len() > 16 {
            let extra = self.errors.len() - 16;
            self.errors.drain(..extra);
        }
    }

    /// Idle as §6.6.8 says: nothing left to traverse and every order action over.
    fn is_idle(&self, world: &World) -> bool {
        let route_end = world.vehicle(self.vehicle).map_or(0, |v| v.route_end);
        let traversed = self.entered >= route_end;
        let horizon = self
            .order
            .as_ref()
            .is_some_and(|o| !o.horizon_nodes.is_empty());
        traversed
            && !horizon
            && self
                .actions
                .iter()
                .all(|a| matches!(a.progress, Progress::Finished | Progress::Failed))
    }

    fn check_order(&self, world: &World, order: &Order) -> Result<Plan, (PredefinedError, String)> {
        let invalid = |reason: String| (PredefinedError::ValidationFailure, reason);
        order.validate().map_err(|e| invalid(e.to_string()))?;
        let view = world
            .vehicle(self.vehicle)
            .map_err(|e| (PredefinedError::MobileRobotNotAvailable, e.to_string()))?;
        let is_update = self
            .order
            .as_ref()
            .is_some_and(|o| o.last.order_id == order.order_id);
        let first = &order.nodes[0];
        // The cell the new base starts from, with its world sequence number.
        let (start_cell, start_seq, first_new) = if is_update {
            let current = self
                .order
                .as_ref()
                .ok_or_else(|| invalid("no order".into()))?;
            let last = &current.last;
            if order.order_update_id < last.order_update_id {
                return Err((
                    PredefinedError::OutdatedOrderUpdate,
                    format!(
                        "orderUpdateId {} is older than the accepted {}",
                        order.order_update_id, last.order_update_id
                    ),
                ));
            }
            if order.order_update_id == last.order_update_id {
                return if order == last {
                    Ok(Plan::Ignore)
                } else {
                    Err((
                        PredefinedError::SameOrderUpdateId,
                        format!(
                            "orderUpdateId {} was accepted with other content",
                            order.order_update_id
                        ),
                    ))
                };
            }
            if current.cancelled_by.is_some() {
                return Err((
                    PredefinedError::OrderUpdateFollowingCancel,
                    "the order was cancelled".into(),
                ));
            }
            let decision = current
                .base
                .last()
                .ok_or_else(|| invalid("the order has no base".into()))?;
            if first.node_id != decision.node_id || first.sequence_id != decision.sequence_id {
                return Err(invalid(format!(
                    "the update starts on {} (sequenceId {}); the last base node is {} ({})",
                    first.node_id, first.sequence_id, decision.node_id, decision.sequence_id
                )));
            }
            let cell = parse_node_name(&decision.node_id)
                .ok_or_else(|| invalid(format!("node {}", decision.node_id)))?;
            (cell, decision.world_seq, 1)
        } else {
            if order.order_update_id != 0 {
                return Err(invalid(format!(
                    "a new order starts at orderUpdateId 0, not {}",
                    order.order_update_id
                )));
            }
            if !self.is_idle(world) {
                return Err((
                    PredefinedError::OtherOrderActive,
                    format!(
                        "order {:?} is still active",
                        self.order_id().unwrap_or_default()
                    ),
                ));
            }
            let cell = self.cell_of(world, first)?;
            let here = view
                .occupied
                .last()
                .copied()
                .filter(|_| view.front_seq == view.route_end && self.entered == view.route_end);
            if here != Some(cell) {
                return Err((
                    PredefinedError::StartNodeOutOfRange,
                    format!(
                        "the order starts on {}; the vehicle stands in {}",
                        first.node_id,
                        here.map_or_else(|| "no single cell".into(), node_name)
                    ),
                ));
            }
            (cell, view.route_end, 0)
        };
        // Lay the released nodes on the route; check cells, moves, actions.
        let site = world.site();
        let mut plan_nodes = Vec::new();
        let mut cells = Vec::new();
        let mut stops: Vec<PlannedStop> = Vec::new();
        let (mut prev_cell, mut prev_seq) = (start_cell, start_seq);
        for (i, node) in order.nodes.iter().enumerate() {
            if !node.released {
                break;
            }
            if i < first_new {
                // The stitching node: resent as it was (§6.1.2); its actions are not run
                // again.
                let sent = self.order.as_ref().and_then(|o| o.decision_node.as_ref());
                if sent != Some(node) {
                    return Err(invalid(format!(
                        "the stitching node {} must be sent as it was",
                        node.node_id
                    )));
                }
                continue;
            }
            let cell = self.cell_of(world, node)?;
            let world_seq = if i == 0 {
                start_seq
            } else if cell == prev_cell && order.nodes[i - 1].node_id == node.node_id {
                prev_seq
            } else {
                // A lane cell reached by a move of the cell graph (the world checks the
                // direction on two-way lanes when it takes the route).
                site.route_cell(cell, None)
                    .map_err(|e| (PredefinedError::NoRouteToTarget, e.to_string()))?;
                if !site.cells.has_edge(prev_cell, cell) {
                    return Err((
                        PredefinedError::NoRouteToTarget,
                        format!("no move from {} to {}", node_name(prev_cell), node.node_id),
                    ));
                }
                cells.push(cell);
                prev_seq + 1
            };
            for action in &node.actions {
                stops.push((
                    world_seq,
                    action.action_id.clone(),
                    action.action_type.clone(),
                    self.stop_action(world, cell, action)?,
                ));
            }
            plan_nodes.push(RouteNode {
                node_id: node.node_id.clone(),
                sequence_id: node.sequence_id,
                world_seq,
            });
            prev_cell = cell;
            prev_seq = world_seq;
        }
        if let Some(e) = order.edges.iter().find(|e| !e.actions.is_empty()) {
            return Err((
                PredefinedError::InvalidOrderAction,
                format!(
                    "edge {} has actions; this vehicle runs node actions only",
                    e.edge_id
                ),
            ));
        }
        // A stop on the cell the base starts from must still be ahead of the front.
        if let Some((seq, id, ..)) = stops.iter().find(|s| s.0 == start_seq) {
            let behind = start_seq < view.front_seq;
            if behind {
                return Err((
                    PredefinedError::InvalidOrderAction,
                    format!("action {id}: the vehicle has passed the node at route {seq}"),
                ));
            }
        }
        Ok(Plan::Accept {
            update: is_update,
            nodes: plan_nodes,
            cells,
            from_seq: view.route_end,
            stops,
        })
    }

    fn cell_of(
        &self,
        world: &World,
        node: &corridor_vda5050::model::Node,
    ) -> Result<CellId, (PredefinedError, String)> {
        if let Some(p) = &node.position
            && p.map_id != self.map_id
        {
            return Err((
                PredefinedError::UnknownMapId,
                format!(
                    "node {} is on map {:?}, not {:?}",
                    node.node_id, p.map_id, self.map_id
                ),
            ));
        }
        parse_node_name(&node.node_id)
            .filter(|c| (c.0 as usize) < world.site().cells.len())
            .ok_or_else(|| {
                (
                    PredefinedError::ValidationFailure,
                    format!("node {:?} is not a cell of the site (c<id>)", node.node_id),
                )
            })
    }

    fn stop_action(
        &self,
        world: &World,
        cell: CellId,
        action: &Action,
    ) -> Result<StopAction, (PredefinedError, String)> {
        let bad = |reason: String| {
            (
                PredefinedError::InvalidOrderAction,
                format!("action {}: {reason}", action.action_id),
            )
        };
        let map = &world.site().map;
        let station_name = action
            .parameter(PARAM_STATION)
            .and_then(|v| v.as_str())
            .ok_or_else(|| bad(format!("parameter {PARAM_STATION} (a string) is missing")))?;
        let station: StationId = map
            .station_id(station_name)
            .ok_or_else(|| bad(format!("unknown station {station_name:?}")))?;
        if !world
            .site()
            .cells
            .station_cells(map, station)
            .contains(&cell)
        {
            return Err(bad(format!(
                "station {station_name} does not serve {}",
                node_name(cell)
            )));
        }
        let is_charger = map.station(station).kind == StationKind::Charger;
        let service = |load| {
            if is_charger {
                Err(bad(format!("{station_name} is a charger")))
            } else {
                Ok(StopAction::Service { station, load })
            }
        };
        match &action.action_type {
            ActionType::Pick => service(Some(true)),
            ActionType::Drop => service(Some(false)),
            ActionType::Custom(name) if name == STATION_SERVICE => service(None),
            ActionType::StartCharging => {
                if !is_charger {
                    return Err(bad(format!("{station_name} is not a charger")));
                }
                let target = match action.parameter(PARAM_TARGET_SOC) {
                    None => 100.0,
                    Some(v) => v
                        .as_f64()
                        .filter(|t| (0.0..=100.0).contains(t))
                        .ok_or_else(|| bad(format!("{PARAM_TARGET_SOC} must be 0..=100")))?,
                };
                Ok(StopAction::Charge {
                    station,
                    target: target / 100.0,
                })
            }
            other => Err(bad(format!("action type {other:?} is not supported"))),
        }
    }

    fn execute(&mut self, world: &mut World, order: &Order, plan: Plan) -> Result<(), SimError> {
        let Plan::Accept {
            update,
            nodes,
            cells,
            from_seq,
            stops,
        } = plan
        else {
            return Ok(());
        };
        if !update {
            // A new order: the states of the last one go.
            self.actions.clear();
            self.by_stop.clear();
            // The vehicle is idle, so every instant action is over (a cancelOrder too).
            self.instant.clear();
        }
        let mut on_route = Vec::new();
        let mut ahead = Vec::new();
        for (seq, action_id, action_type, action) in stops {
            let stop = Stop {
                id: self.next_stop,
                seq,
                action,
            };
            self.next_stop += 1;
            self.by_stop.insert(stop.id, self.actions.len());
            self.actions.push(NodeAction {
                action_id,
                action_type,
                stop: stop.id,
                progress: Progress::Waiting,
            });
            if seq <= from_seq {
                on_route.push(stop);
            } else {
                ahead.push(stop);
            }
        }
        let last = world.set_route(self.vehicle, from_seq, &cells, &ahead)?;
        world.release(self.vehicle, last)?;
        for stop in on_route {
            world.add_stop(self.vehicle, stop)?;
        }
        let horizon_nodes = order
            .nodes
            .iter()
            .filter(|n| !n.released)
            .map(|n| NodeState {
                node_id: n.node_id.clone(),
                sequence_id: n.sequence_id,
                released: false,
            })
            .collect();
        let horizon_edges = order
            .edges
            .iter()
            .filter(|e| !e.released)
            .map(|e| EdgeState {
                edge_id: e.edge_id.clone(),
                sequence_id: e.sequence_id,
                released: false,
            })
            .collect();
        let edges = order
            .edges
            .iter()
            .filter(|e| e.released)
            .map(|e| (e.edge_id.clone(), e.sequence_id));
        let decision_node = order.decision_point().cloned();
        match (&mut self.order, update) {
            (Some(current), true) => {
                current.decision_node = decision_node;
                current.base.extend(nodes);
                current.edges.extend(edges);
                current.horizon_nodes = horizon_nodes;
                current.horizon_edges = horizon_edges;
                current.last = order.clone();
            }
            _ => {
                self.order = Some(CurrentOrder {
                    last: order.clone(),
                    base: nodes,
                    edges: edges.collect(),
                    horizon_nodes,
                    horizon_edges,
                    cancelled_by: None,
                    decision_node,
                });
            }
        }
        Ok(())
    }

    /// Takes instant actions, in order. Each one is reported in the state
    /// (`instantActionStates`, for 2.x among `actionStates`): FINISHED when done, RUNNING
    /// for a `cancelOrder` until the vehicle stands, FAILED with an error when refused.
    ///
    /// # Errors
    /// [`SimError::InstantActionRejected`] for the first action refused (the others are
    /// still applied); [`SimError::UnknownVehicle`].
    pub fn apply_instant_actions(
        &mut self,
        world: &mut World,
        actions: &[Action],
    ) -> Result<InstantRequests, SimError> {
        self.generation += 1;
        let mut requests = InstantRequests::default();
        let mut refused: Option<SimError> = None;
        for action in actions {
            let mut status = ActionStatus::Finished;
            let mut problem: Option<(PredefinedError, String)> = None;
            match &action.action_type {
                ActionType::StartPause => world.set_paused(self.vehicle, true)?,
                ActionType::StopPause => world.set_paused(self.vehicle, false)?,
                ActionType::StateRequest => self.state_requested = true,
                ActionType::FactsheetRequest => requests.factsheet = true,
                ActionType::CancelOrder => {
                    let active = self.order.is_some() && !self.is_idle(world);
                    let cancelled = self
                        .order
                        .as_ref()
                        .is_some_and(|o| o.cancelled_by.is_some());
                    if !active || cancelled {
                        status = ActionStatus::Failed;
                        problem = Some((
                            PredefinedError::NoOrderToCancel,
                            "no active order to cancel".into(),
                        ));
                    } else {
                        for a in &mut self.actions {
                            if a.progress == Progress::Waiting
                                && world.remove_stop(self.vehicle, a.stop)?
                            {
                                a.progress = Progress::Failed;
                            }
                        }
                        if let Some(o) = self.order.as_mut() {
                            o.cancelled_by = Some(action.action_id.clone());
                            o.horizon_nodes.clear();
                            o.horizon_edges.clear();
                        }
                        status = ActionStatus::Running;
                    }
                }
                other => {
                    status = ActionStatus::Failed;
                    problem = Some((
                        PredefinedError::InvalidInstantAction,
                        format!("instant action {other:?} is not supported"),
                    ));
                }
            }
            if let Some((kind, reason)) = problem {
                self.errors.push(VehicleError {
                    error_type: ErrorType::Predefined(kind),
                    level: ErrorLevel::Warning,
                    references: vec![Reference::new("actionId", action.action_id.clone())],
                    description: Some(reason.clone()),
                    hint: None,
                });
                self.trim_errors();
                refused.get_or_insert(SimError::InstantActionRejected {
                    vehicle: self.id.clone(),
                    action_id: action.action_id.clone(),
                    reason,
                });
            }
            self.instant.retain(|a| a.action_id != action.action_id);
            self.instant.push(ActionState {
                action_id: action.action_id.clone(),
                action_type: Some(action.action_type.clone()),
                status,
                description: None,
                result: None,
            });
            if self.instant.len() > 32
                && let Some(k) = self.instant.iter().position(|a| a.status.is_terminal())
            {
                self.instant.remove(k);
            }
        }
        match refused {
            Some(e) => Err(e),
            None => Ok(requests),
        }
    }

    /// Takes the world's events of the last step(s); events of other vehicles are ignored.
    pub fn observe(&mut self, events: &[SimEvent]) {
        for e in events {
            match *e {
                SimEvent::Left { vehicle, .. }
                | SimEvent::Entered { vehicle, .. }
                | SimEvent::ActionStarted { vehicle, .. }
                | SimEvent::ActionFinished { vehicle, .. }
                    if vehicle == self.vehicle =>
                {
                    self.generation += 1;
                }
                _ => {}
            }
            match *e {
                SimEvent::Left { vehicle, seq, .. } if vehicle == self.vehicle => {
                    self.entered = self.entered.max(seq + 1);
                }
                SimEvent::ActionStarted { vehicle, stop } if vehicle == self.vehicle => {
                    if let Some(&k) = self.by_stop.get(&stop) {
                        self.actions[k].progress = Progress::Started;
                    }
                }
                SimEvent::ActionFinished { vehicle, stop } if vehicle == self.vehicle => {
                    if let Some(&k) = self.by_stop.get(&stop) {
                        self.actions[k].progress = Progress::Finished;
                    }
                }
                _ => {}
            }
        }
    }

    /// The vehicle's state now (`now_s`: simulated seconds, unused in the message itself —
    /// the caller stamps the header).
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn state(&self, world: &World, now_s: f64) -> Result<VehicleState, SimError> {
        let _ = now_s;
        let view = world.vehicle(self.vehicle)?;
        let mut state = VehicleState::idle(view.battery * 100.0);
        let standing =
            self.entered >= view.route_end && view.speed <= 0.0 && view.front_seq == view.route_end;
        match &self.order {
            Some(o) => {
                state.order_id = o.last.order_id.clone();
                state.order_update_id = o.last.order_update_id;
                let last = o
                    .base
                    .iter()
                    .rev()
                    .find(|n| n.world_seq <= self.entered)
                    .or(o.base.first());
                if let Some(n) = last {
                    state.last_node_id = n.node_id.clone();
                    state.last_node_sequence_id = n.sequence_id;
                }
                let done = state.last_node_sequence_id;
                state.node_states = o
                    .base
                    .iter()
                    .filter(|n| n.sequence_id > done)
                    .map(|n| NodeState {
                        node_id: n.node_id.clone(),
                        sequence_id: n.sequence_id,
                        released: true,
                    })
                    .chain(o.horizon_nodes.iter().cloned())
                    .collect();
                state.edge_states = o
                    .edges
                    .iter()
                    .filter(|(_, s)| *s > done)
                    .map(|(id, s)| EdgeState {
                        edge_id: id.clone(),
                        sequence_id: *s,
                        released: true,
                    })
                    .chain(o.horizon_edges.iter().cloned())
                    .collect();
            }
            None => {
                if let Some(&c) = view.occupied.last() {
                    state.last_node_id = node_name(c);
                }
            }
        }
        state.action_states = self
            .actions
            .iter()
            .map(|a| ActionState {
                action_id: a.action_id.clone(),
                action_type: Some(a.action_type.clone()),
                status: match a.progress {
                    Progress::Waiting => ActionStatus::Waiting,
                    Progress::Started => match view.activity {
                        Activity::Queued { .. } => ActionStatus::Initializing,
                        _ => ActionStatus::Running,
                    },
                    Progress::Finished => ActionStatus::Finished,
                    Progress::Failed => ActionStatus::Failed,
                },
                description: None,
                result: None,
            })
            .collect();
        let cancel = self.order.as_ref().and_then(|o| o.cancelled_by.as_deref());
        state.instant_action_states = self
            .instant
            .iter()
            .map(|a| {
                let mut a = a.clone();
                if Some(a.action_id.as_str()) == cancel
                    && a.status == ActionStatus::Running
                    && standing
                {
                    a.status = ActionStatus::Finished;
                }
                a
            })
            .collect();
        state.driving = view.speed > 0.0;
        state.paused = Some(view.paused);
        state.power.charging = matches!(view.activity, Activity::Charging { .. });
        state.errors = self.errors.clone();
        state.safety = SafetyState {
            emergency_stop: EmergencyStop::None,
            field_violation: false,
        };
        state.position = Some(Position {
            x: view.front.x,
            y: view.front.y,
            theta: view.heading,
            map_id: self.map_id.clone(),
            localized: true,
            localization_score: None,
            deviation_range: None,
        });
        state.velocity = Some(Velocity {
            vx: Some(view.speed),
            vy: Some(0.0),
            omega: Some(0.0),
        });
        state.loads = Some(if view.loaded {
            vec![Load {
                load_id: None,
                load_type: Some("container".into()),
                load_position: None,
                weight: None,
                dimensions: None,
            }]
        } else {
            Vec::new()
        });
        Ok(state)
    }

    /// Whether a state should be published now (§6.6): something other than position,
    /// velocity or battery level changed since the last [`VdaVehicle::published`] state, a
    /// `stateRequest` came, or [`MAX_STATE_INTERVAL_S`] have passed. True before the first.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn needs_publish(&self, world: &World, now_s: f64) -> Result<bool, SimError> {
        let Some((at, last)) = &self.last_published else {
            return Ok(true);
        };
        if self.state_requested || now_s - at >= MAX_STATE_INTERVAL_S {
            return Ok(true);
        }
        if self.unchanged_since_published(world)? {
            return Ok(false);
        }
        Ok(significant(&self.state(world, now_s)?) != *last)
    }

    /// The cheap test: neither the bookkeeping nor the probed values changed since the
    /// last state (the state is a function of both, apart from position, velocity and
    /// battery), so nothing worth publishing did.
    fn unchanged_since_published(&self, world: &World) -> Result<bool, SimError> {
        let probe = world.probe(self.vehicle)?;
        Ok(self.published_at.as_ref().is_some_and(|(generation, was)| {
            *generation == self.generation && same_apart_from_motion(was, &probe)
        }))
    }

    /// Notes that `state` was published at `now_s`.
    pub fn published(&mut self, state: &VehicleState, now_s: f64) {
        self.state_requested = false;
        self.last_published = Some((now_s, significant(state)));
        self.published_at = None;
    }

    /// [`VdaVehicle::published`] with the world, so that the next
    /// [`VdaVehicle::needs_publish`] can answer from a probe.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn published_in(
        &mut self,
        world: &World,
        state: &VehicleState,
        now_s: f64,
    ) -> Result<(), SimError> {
        self.published(state, now_s);
        self.published_at = Some((self.generation, world.probe(self.vehicle)?));
        Ok(())
    }

    /// The state to publish now, if one is due ([`VdaVehicle::needs_publish`]); it is
    /// noted as published.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn poll_state(
        &mut self,
        world: &World,
        now_s: f64,
    ) -> Result<Option<VehicleState>, SimError> {
        // As `needs_publish`, building the state once.
        let Some((at, last)) = &self.last_published else {
            let state = self.state(world, now_s)?;
            self.published_in(world, &state, now_s)?;
            return Ok(Some(state));
        };
        let due = self.state_requested || now_s - at >= MAX_STATE_INTERVAL_S;
        if !due && self.unchanged_since_published(world)? {
            return Ok(None);
        }
        let state = self.state(world, now_s)?;
        if !due && significant(&state) == *last {
            // Nothing but motion changed: remember the probe so the next check is cheap.
            self.published_at = Some((self.generation, world.probe(self.vehicle)?));
            return Ok(None);
        }
        self.published_in(world, &state, now_s)?;
        Ok(Some(state))
    }
}

/// What a checked order does.
#[derive(Debug)]
enum Plan {
    /// An identical resend: nothing to do.
    Ignore,
    Accept {
        update: bool,
        nodes: Vec<RouteNode>,
        /// New cells after `from_seq`.
        cells: Vec<CellId>,
        from_seq: u64,
        stops: Vec<PlannedStop>,
    },
}

/// Whether two probes agree in everything a state shows apart from position, velocity and
/// battery level (moving or not counts: `driving`).
fn same_apart_from_motion(a: &crate::VehicleProbe, b: &crate::VehicleProbe) -> bool {
    (a.speed > 0.0) == (b.speed > 0.0)
        && a.front_seq == b.front_seq
        && a.released == b.released
        && a.route_end == b.route_end
        && a.paused == b.paused
        && a.loaded == b.loaded
        && std::mem::discriminant(&a.activity) == std::mem::discriminant(&b.activity)
}

/// The state without what changes continuously (position, velocity, battery level).
fn significant(state: &VehicleState) -> VehicleState {
    let mut s = state.clone();
    s.position = None;
    s.velocity = None;
    s.power.state_of_charge = 0.0;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_round_trip_and_junk_is_refused() {
        assert_eq!(parse_node_name(&node_name(CellId(42))), Some(CellId(42)));
        for junk in ["", "c", "42", "c-1", "c4x", "d4", "c 4", "c99999999999"] {
            assert_eq!(parse_node_name(junk), None, "{junk:?}");
        }
    }
}
