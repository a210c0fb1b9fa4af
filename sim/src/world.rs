//! The simulated world: vehicles on the site, stations with their queues, the clock, and
//! the detectors that fail a run loudly (collision, stall).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use corridor_map::{CellId, StationId, StationKind};
use nalgebra::{Point2, Vector2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::collision::footprints_overlap;
use crate::error::SimError;
use crate::kinematics::{approach_speed, next_speed, safe_speed};
use crate::site::{RouteCell, Site};
use crate::vehicle::{Activity, Stop, StopAction, Vehicle, VehicleView};

/// Index of a vehicle in a [`World`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VehicleIndex(pub usize);

/// A vehicle's state in a few numbers ([`World::probe`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleProbe {
    /// Speed, m/s.
    pub speed: f64,
    /// Sequence number of the cell holding the front.
    pub front_seq: u64,
    /// The last sequence number released.
    pub released: u64,
    /// The last sequence number of the known route.
    pub route_end: u64,
    /// Paused until resumed.
    pub paused: bool,
    /// Whether it carries a container.
    pub loaded: bool,
    /// What it does.
    pub activity: Activity,
}

/// Something that happened in a step.
#[derive(Debug, Clone, PartialEq)]
pub enum SimEvent {
    /// The vehicle's front entered a cell.
    Entered {
        /// The vehicle.
        vehicle: VehicleIndex,
        /// Sequence number on its route.
        seq: u64,
        /// The cell.
        cell: CellId,
    },
    /// The vehicle's rear left a cell: its whole footprint is beyond it.
    Left {
        /// The vehicle.
        vehicle: VehicleIndex,
        /// Sequence number on its route.
        seq: u64,
        /// The cell.
        cell: CellId,
    },
    /// An action started (service or charging).
    ActionStarted {
        /// The vehicle.
        vehicle: VehicleIndex,
        /// The stop's id.
        stop: u64,
    },
    /// An action finished; the vehicle may go on.
    ActionFinished {
        /// The vehicle.
        vehicle: VehicleIndex,
        /// The stop's id.
        stop: u64,
    },
    /// Two footprints overlap: the run has failed.
    Collision {
        /// One vehicle.
        a: VehicleIndex,
        /// The other.
        b: VehicleIndex,
        /// Where, metres.
        at: Point2<f64>,
    },
    /// Work is waiting and nothing has moved for [`World::stall_after_s`]: the run has failed.
    Stall {
        /// Seconds since the last progress.
        idle_s: f64,
    },
}

/// Statistics of one station over the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StationStats {
    /// Vehicles served (or charged).
    pub served: u64,
    /// Total seconds vehicles waited in the queue.
    pub wait_s: f64,
    /// Longest queue seen.
    pub max_queue: usize,
    /// ∫ queue length dt, for the mean queue length.
    pub queue_integral: f64,
    /// ∫ places busy dt, for the utilisation.
    pub busy_integral: f64,
}

#[derive(Debug, Clone)]
struct StationState {
    capacity: u32,
    busy: u32,
    /// Waiting vehicles with the time they joined.
    queue: VecDeque<(VehicleIndex, f64)>,
    stats: StationStats,
}

/// The simulated world. Deterministic: the same site, vehicles, commands and seed give the
/// same run, step for step.
#[derive(Debug)]
pub struct World {
    site: Arc<Site>,
    vehicles: Vec<Vehicle>,
    stations: Vec<StationState>,
    time: f64,
    rng: ChaCha8Rng,
    events: Vec<SimEvent>,
    last_progress: f64,
    stalled: bool,
    /// A stall is declared when work waits and nothing has moved for this long, seconds.
    pub stall_after_s: f64,
}

/// Distance the front must be within of a stop point to count as arrived, metres.
const ARRIVAL_TOLERANCE: f64 = 0.05;
/// Below this target speed a vehicle stops rather than creeps, m/s.
const CREEP_SPEED: f64 = 0.05;
/// A step that moves a vehicle less than this does not count as progress, metres.
const PROGRESS_EPSILON: f64 = 1e-3;
/// How far ahead a vehicle looks for the vehicle in front, metres.
const LOOKAHEAD: f64 = 150.0;

impl World {
    /// An empty world on `site`, with random service times drawn from `seed`.
    pub fn new(site: Arc<Site>, seed: u64) -> World {
        let stations = site
            .map
            .stations()
            .iter()
            .map(|s| StationState {
                capacity: s.capacity,
                busy: 0,
                queue: VecDeque::new(),
                stats: StationStats::default(),
            })
            .collect();
        World {
            site,
            vehicles: Vec::new(),
            stations,
            time: 0.0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            events: Vec::new(),
            last_progress: 0.0,
            stalled: false,
            stall_after_s: 900.0,
        }
    }

    /// The site.
    pub fn site(&self) -> &Arc<Site> {
        &self.site
    }

    /// Simulated seconds since the start.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// Number of vehicles.
    pub fn vehicle_count(&self) -> usize {
        self.vehicles.len()
    }

    /// Places a vehicle of profile `profile` (index into the map's profiles) standing at the
    /// stop point of `cell`, with `battery` (fraction of capacity).
    ///
    /// # Errors
    /// [`SimError::Route`] for a cell that is not a lane cell or is occupied;
    /// [`SimError::Vehicle`] for an unknown profile or a duplicate id.
    pub fn add_vehicle(
        &mut self,
        id: &str,
        profile: usize,
        cell: CellId,
        battery: f64,
    ) -> Result<VehicleIndex, SimError> {
        let Some(profile) = self.site.map.vehicles().get(profile).cloned() else {
            return Err(SimError::Vehicle {
                vehicle: id.into(),
                reason: format!("unknown vehicle profile {profile}"),
            });
        };
        if self.vehicles.iter().any(|v| v.id == id) {
            return Err(SimError::Vehicle {
                vehicle: id.into(),
                reason: "duplicate vehicle id".into(),
            });
        }
        if self.vehicles.iter().any(|v| {
            v.path
                .iter()
                .take(v.front_index + 1)
                .any(|c| c.cell == cell)
        }) {
            return Err(SimError::Route(format!(
                "cell {} is occupied; vehicle {id} cannot start there",
                cell.0
            )));
        }
        let rc = self.site.route_cell(cell, None)?;
        let front = rc
            .stop_point(profile.min_gap)
            .max(profile.length + rc.entry_clearance);
        let energy = profile.battery_kwh * battery.clamp(0.0, 1.0);
        self.vehicles.push(Vehicle {
            id: id.into(),
            path: VecDeque::from([rc]),
            seq_base: 0,
            front,
            released: 0,
            stops: VecDeque::new(),
            speed: 0.0,
            energy_kwh: energy,
            loaded: false,
            activity: Activity::Driving,
            held_until: 0.0,
            paused: false,
            front_index: 0,
            odometer_m: 0.0,
            energy_used_kwh: 0.0,
            emergency_brakings: 0,
            moving_s: 0.0,
            profile,
        });
        Ok(VehicleIndex(self.vehicles.len() - 1))
    }

    fn vehicle_mut(&mut self, v: VehicleIndex) -> Result<&mut Vehicle, SimError> {
        self.vehicles
            .get_mut(v.0)
            .ok_or_else(|| SimError::UnknownVehicle(format!("#{}", v.0)))
    }

    /// Replaces the vehicle's route beyond the cell at sequence number `from_seq` with
    /// `cells` (which follow that cell), keeping everything up to `from_seq`. Stops beyond
    /// `from_seq` are dropped; `stops` (with sequence numbers after `from_seq`) are added.
    /// Returns the sequence number of the last cell.
    ///
    /// # Errors
    /// [`SimError::Vehicle`] when `from_seq` is not on the route or is before what the
    /// vehicle has been released (a released cell cannot be taken back);
    /// [`SimError::Route`] when the cells are not a path of the cell graph.
    pub fn set_route(
        &mut self,
        v: VehicleIndex,
        from_seq: u64,
        cells: &[CellId],
        stops: &[Stop],
    ) -> Result<u64, SimError> {
        let site = Arc::clone(&self.site);
        let veh = self.vehicle_mut(v)?;
        if from_seq < veh.released || from_seq > veh.route_end() {
            return Err(SimError::Vehicle {
                vehicle: veh.id.clone(),
                reason: format!(
                    "route change from sequence {from_seq}: released up to {}, route ends at {}",
                    veh.released,
                    veh.route_end()
                ),
            });
        }
        let keep = (from_seq - veh.seq_base + 1) as usize;
        let mut tail = Vec::with_capacity(cells.len());
        let mut prev = veh.path[keep - 1];
        for &c in cells {
            let rc = site.route_cell(c, Some(&prev))?;
            tail.push(rc);
            prev = rc;
        }
        let last = from_seq + cells.len() as u64;
        if let Some(bad) = stops.iter().find(|s| s.seq <= from_seq || s.seq > last) {
            return Err(SimError::Vehicle {
                vehicle: veh.id.clone(),
                reason: format!(
                    "stop {} at sequence {} is outside {}..={last}",
                    bad.id,
                    bad.seq,
                    from_seq + 1
                ),
            });
        }
        veh.path.truncate(keep);
        veh.path.extend(tail);
        veh.stops.retain(|s| s.seq <= from_seq);
        veh.stops.extend(stops.iter().copied());
        veh.stops.make_contiguous().sort_by_key(|s| s.seq);
        Ok(last)
    }

    /// Adds a stop at a cell already on the vehicle's route that its front has not passed.
    ///
    /// # Errors
    /// [`SimError::Vehicle`] when the cell is behind the front, beyond the route, or the
    /// vehicle is already standing past that cell's stop point.
    pub fn add_stop(&mut self, v: VehicleIndex, stop: Stop) -> Result<(), SimError> {
        let veh = self.vehicle_mut(v)?;
        let front_seq = veh.front_seq();
        let passed = stop.seq == front_seq && {
            let i = veh.front_index;
            veh.front
                > veh.cell_start(i)
                    + veh.path[i].stop_point(veh.profile.min_gap)
                    + ARRIVAL_TOLERANCE
        };
        if stop.seq < front_seq || stop.seq > veh.route_end() || passed {
            return Err(SimError::Vehicle {
                vehicle: veh.id.clone(),
                reason: format!(
                    "stop {} at sequence {}: the front is at {front_seq}, the route ends at {}",
                    stop.id,
                    stop.seq,
                    veh.route_end()
                ),
            });
        }
        veh.stops.push_back(stop);
        veh.stops.make_contiguous().sort_by_key(|s| s.seq);
        Ok(())
    }

    /// Removes the stop `id` if its action has not started (the vehicle is not queued, served
    /// or charging for it). Returns whether it was removed; a started or unknown stop stays.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn remove_stop(&mut self, v: VehicleIndex, id: u64) -> Result<bool, SimError> {
        let veh = self.vehicle_mut(v)?;
        let Some(k) = veh.stops.iter().position(|s| s.id == id) else {
            return Ok(false);
        };
        if k == 0 && !matches!(veh.activity, Activity::Driving) {
            return Ok(false);
        }
        veh.stops.remove(k);
        Ok(true)
    }

    /// Releases the vehicle's route up to sequence number `seq` (never backwards).
    ///
    /// # Errors
    /// [`SimError::Vehicle`] when `seq` is beyond the known route.
    pub fn release(&mut self, v: VehicleIndex, seq: u64) -> Result<(), SimError> {
        let veh = self.vehicle_mut(v)?;
        if seq > veh.route_end() {
            return Err(SimError::Vehicle {
                vehicle: veh.id.clone(),
                reason: format!(
                    "release up to {seq} beyond the route's end {}",
                    veh.route_end()
                ),
            });
        }
        veh.released = veh.released.max(seq);
        Ok(())
    }

    /// Holds the vehicle where it is (a breakdown or a delay) until `until_s`; it brakes
    /// with its emergency brake if moving.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn hold(&mut self, v: VehicleIndex, until_s: f64) -> Result<(), SimError> {
        let veh = self.vehicle_mut(v)?;
        veh.held_until = veh.held_until.max(until_s);
        Ok(())
    }

    /// Pauses the vehicle (it brakes to a stop with its service brake where it can, and
    /// stays) or resumes it.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn set_paused(&mut self, v: VehicleIndex, paused: bool) -> Result<(), SimError> {
        self.vehicle_mut(v)?.paused = paused;
        Ok(())
    }

    /// Starts a new route numbering at the cell the vehicle stands in (sequence 0), as a
    /// vehicle does when a new fleet controller sends it a new order. Stops not yet started
    /// are dropped; a service in progress goes on.
    ///
    /// # Errors
    /// [`SimError::Vehicle`] unless the vehicle stands at the end of its route with its
    /// whole body in that one cell.
    pub fn restart_route(&mut self, v: VehicleIndex) -> Result<(), SimError> {
        let veh = self.vehicle_mut(v)?;
        if veh.front_seq() != veh.route_end() || veh.front_index != 0 || veh.speed > 0.0 {
            return Err(SimError::Vehicle {
                vehicle: veh.id.clone(),
                reason:
                    "a route restarts only when the vehicle stands in the last cell of its route"
                        .into(),
            });
        }
        veh.seq_base = 0;
        veh.released = 0;
        let active = matches!(
            veh.activity,
            Activity::Service { .. } | Activity::Charging { .. } | Activity::Queued { .. }
        );
        let keep = if active { veh.stops.pop_front() } else { None };
        veh.stops.clear();
        if let Some(mut s) = keep {
            s.seq = 0;
            veh.stops.push_back(s);
        }
        Ok(())
    }

    /// A view of the vehicle.
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn vehicle(&self, v: VehicleIndex) -> Result<VehicleView, SimError> {
        let veh = self
            .vehicles
            .get(v.0)
            .ok_or_else(|| SimError::UnknownVehicle(format!("#{}", v.0)))?;
        let (front, dir) = self.front_pose(veh);
        let rear = veh.front - veh.profile.length;
        let occupied = veh
            .path
            .iter()
            .enumerate()
            .take(veh.front_index + 1)
            .filter(|(i, c)| veh.cell_start(*i) + c.length() > rear)
            .map(|(_, c)| c.cell)
            .collect();
        Ok(VehicleView {
            id: veh.id.clone(),
            front,
            heading: dir.y.atan2(dir.x),
            speed: veh.speed,
            battery: veh.battery(),
            loaded: veh.loaded,
            activity: veh.activity,
            held_until: veh.held_until,
            paused: veh.paused,
            occupied,
            front_seq: veh.front_seq(),
            released: veh.released,
            route_end: veh.route_end(),
            odometer_m: veh.odometer_m,
            energy_used_kwh: veh.energy_used_kwh,
            emergency_brakings: veh.emergency_brakings,
            moving_s: veh.moving_s,
        })
    }

    /// The vehicle's state in a few numbers, without allocating (for checks made every
    /// step; [`World::vehicle`] gives the full view).
    ///
    /// # Errors
    /// [`SimError::UnknownVehicle`].
    pub fn probe(&self, v: VehicleIndex) -> Result<VehicleProbe, SimError> {
        let veh = self
            .vehicles
            .get(v.0)
            .ok_or_else(|| SimError::UnknownVehicle(format!("#{}", v.0)))?;
        Ok(VehicleProbe {
            speed: veh.speed,
            front_seq: veh.front_seq(),
            released: veh.released,
            route_end: veh.route_end(),
            paused: veh.paused,
            loaded: veh.loaded,
            activity: veh.activity,
        })
    }

    /// Statistics of every station, in map order.
    pub fn station_stats(&self) -> Vec<StationStats> {
        self.stations.iter().map(|s| s.stats.clone()).collect()
    }

    /// Current queue length of every station, in map order.
    pub fn queue_lengths(&self) -> Vec<usize> {
        self.stations.iter().map(|s| s.queue.len()).collect()
    }

    /// Takes the events of the steps since the last call.
    pub fn drain_events(&mut self) -> Vec<SimEvent> {
        std::mem::take(&mut self.events)
    }

    fn front_pose(&self, veh: &Vehicle) -> (Point2<f64>, Vector2<f64>) {
        let i = veh.front_index;
        let d = veh.front - veh.cell_start(i);
        let rc = &veh.path[i];
        (self.site.point(rc, d), self.site.direction(rc, d))
    }

    fn rear_pose(&self, veh: &Vehicle) -> Point2<f64> {
        let x = (veh.front - veh.profile.length).max(0.0);
        let i = veh.index_at(x);
        self.site.point(&veh.path[i], x - veh.cell_start(i))
    }

    /// Advances the world by `dt` seconds.
    pub fn step(&mut self, dt: f64) {
        let gaps = self.leader_gaps();
        let mut progressed = false;
        for (i, gap) in gaps.into_iter().enumerate() {
            progressed |= self.drive(VehicleIndex(i), gap, dt);
        }
        progressed |= self.serve(dt);
        self.time += dt;
        self.detect_collisions();
        if progressed {
            self.last_progress = self.time;
            self.stalled = false;
        } else if !self.stalled
            && self.has_work()
            && self.time - self.last_progress >= self.stall_after_s
        {
            self.stalled = true;
            self.events.push(SimEvent::Stall {
                idle_s: self.time - self.last_progress,
            });
        }
    }

    /// For each vehicle, the distance from its front to the rear of the nearest vehicle
    /// ahead on its route (within the look-ahead), if any.
    fn leader_gaps(&self) -> Vec<Option<f64>> {
        // cell -> (vehicle, lane offset of its rear end within the cell, or the cell's
        // entry edge when the rear is in an earlier cell)
        let mut occupancy: HashMap<CellId, Vec<(usize, f64)>> = HashMap::new();
        for (i, veh) in self.vehicles.iter().enumerate() {
            let rear = veh.front - veh.profile.length;
            for (k, c) in veh.path.iter().enumerate().take(veh.front_index + 1) {
                let start = veh.cell_start(k);
                if start + c.length() <= rear {
                    continue;
                }
                let rear_in_cell = (rear - start).max(0.0);
                occupancy
                    .entry(c.cell)
                    .or_default()
                    .push((i, c.offset_at(rear_in_cell)));
            }
        }
        self.vehicles
            .iter()
            .enumerate()
            .map(|(i, veh)| {
                let mut start = veh.cell_start(veh.front_index);
                for (k, c) in veh.path.iter().enumerate().skip(veh.front_index) {
                    if start - veh.front > LOOKAHEAD {
                        break;
                    }
                    let mut best: Option<f64> = None;
                    for &(j, rear_offset) in occupancy.get(&c.cell).into_iter().flatten() {
                        if j == i {
                            continue;
                        }
                        let d = start + (rear_offset - c.entry).abs() - veh.front;
                        if k > veh.front_index || d >= -1e-9 {
                            best = Some(best.map_or(d, |b: f64| b.min(d)));
                        }
                    }
                    if let Some(d) = best {
                        return Some(d);
                    }
                    start += c.length();
                }
                None
            })
            .collect()
    }

    /// Moves one vehicle for `dt`. Returns whether it moved.
    fn drive(&mut self, v: VehicleIndex, leader_gap: Option<f64>, dt: f64) -> bool {
        let time = self.time;
        let veh = &mut self.vehicles[v.0];
        let p = veh.profile.clone();
        // Where it must be able to stop: the end of the released route or the next stop.
        let released_index = (veh.released.min(veh.route_end()) - veh.seq_base) as usize;
        let site = &self.site;
        let stop_index = veh
            .stops
            .iter()
            .find(|s| !drives_through(site, s))
            .map_or(released_index, |s| {
                ((s.seq.saturating_sub(veh.seq_base)) as usize).min(released_index)
            });
        let stop_point = veh.cell_start(stop_index) + veh.path[stop_index].stop_point(p.min_gap);
        let held =
            time < veh.held_until || veh.paused || !matches!(veh.activity, Activity::Driving);
        let to_stop = stop_point - veh.front;
        let mut target = if held { 0.0 } else { p.max_speed };
        // The bound of the stop point alone.
        let mut to_stop_bound = target;
        if !held {
            to_stop_bound = safe_speed(to_stop, p.service_brake, dt, 0.0);
            target = target.min(to_stop_bound);
            if let Some(g) = leader_gap {
                target = target.min(safe_speed(g - p.min_gap, p.service_brake, dt, p.time_gap));
            }
            // Speed limits: the one here, and lower ones ahead within braking distance.
            let mut start = veh.cell_start(veh.front_index);
            for c in veh.path.iter().skip(veh.front_index) {
                let ahead = start - veh.front;
                if ahead > p.max_speed * p.max_speed / (2.0 * p.service_brake) + 50.0 {
                    break;
                }
                target = target.min(approach_speed(
                    c.speed_limit,
                    ahead.max(0.0),
                    p.service_brake,
                    dt,
                ));
                start += c.length();
            }
        }
        if target < CREEP_SPEED {
            // Do not creep towards a stop point or a leader forever in ever smaller steps.
            // But a vehicle that the stop point's bound slows below the creep speed while
            // it is still farther from that point than the arrival tolerance (with a step
            // of about a second or more the bound is ~ distance / dt, so this happens a few
            // centimetres short) closes the gap in this one step, unless the vehicle ahead
            // is nearer: stopping there, it would never arrive and never start its action.
            let closes = !held
                && to_stop_bound < CREEP_SPEED
                && to_stop > ARRIVAL_TOLERANCE
                && leader_gap.is_none_or(|g| g - p.min_gap >= to_stop);
            target = if closes { to_stop / dt } else { 0.0 };
        }
        let step = next_speed(
            veh.speed,
            target,
            p.acceleration,
            p.service_brake,
            p.emergency_brake,
            dt,
        );
        if step.emergency {
            veh.emergency_brakings += 1;
        }
        veh.speed = step.speed;
        let mut advance = veh.speed * dt;
        if !held {
            advance = advance.min((stop_point - veh.front).max(0.0));
        }
        if advance <= 0.0 {
            veh.speed = if held { veh.speed } else { 0.0 };
            self.arrive(v);
            return false;
        }
        veh.front += advance;
        veh.odometer_m += advance;
        veh.moving_s += dt;
        let per_km = if veh.loaded {
            p.consumption_loaded_kwh_per_km
        } else {
            p.consumption_empty_kwh_per_km
        };
        let used = per_km * advance / 1000.0;
        veh.energy_kwh = (veh.energy_kwh - used).max(0.0);
        veh.energy_used_kwh += used;
        // Front entering cells.
        let new_front_index = veh.index_at(veh.front);
        for k in veh.front_index + 1..=new_front_index {
            self.events.push(SimEvent::Entered {
                vehicle: v,
                seq: veh.seq_base + k as u64,
                cell: veh.path[k].cell,
            });
        }
        veh.front_index = new_front_index;
        self.pass_stations(v);
        let veh = &mut self.vehicles[v.0];
        // Rear leaving cells: past the cell's end and the next cell's junction clearance.
        while veh.path.len() > 1
            && veh.front_index > 0
            && veh.front - p.length >= veh.path[0].length() + veh.path[1].entry_clearance
        {
            let left = veh.path.pop_front().unwrap_or(veh.path[0]);
            veh.front -= left.length();
            veh.front_index -= 1;
            self.events.push(SimEvent::Left {
                vehicle: v,
                seq: veh.seq_base,
                cell: left.cell,
            });
            veh.seq_base += 1;
        }
        self.arrive(v);
        advance > PROGRESS_EPSILON
    }

    /// Finishes the drive-through stops (stations served in passing) whose stop point the
    /// vehicle's front has reached.
    fn pass_stations(&mut self, v: VehicleIndex) {
        loop {
            let veh = &self.vehicles[v.0];
            let Some(stop) = veh.stops.front().copied() else {
                return;
            };
            if !drives_through(&self.site, &stop) {
                return;
            }
            let front_seq = veh.front_seq();
            let reached = stop.seq < front_seq
                || (stop.seq == front_seq && {
                    let i = veh.front_index;
                    veh.front + ARRIVAL_TOLERANCE
                        >= veh.cell_start(i) + veh.path[i].stop_point(veh.profile.min_gap)
                });
            if !reached {
                return;
            }
            self.vehicles[v.0].stops.pop_front();
            if let StopAction::Service { station, .. } = stop.action {
                self.stations[station.0 as usize].stats.served += 1;
            }
            self.events.push(SimEvent::ActionStarted {
                vehicle: v,
                stop: stop.id,
            });
            self.events.push(SimEvent::ActionFinished {
                vehicle: v,
                stop: stop.id,
            });
        }
    }

    /// Starts the action of the next stop if the vehicle stands at its stop point.
    fn arrive(&mut self, v: VehicleIndex) {
        self.pass_stations(v);
        let veh = &self.vehicles[v.0];
        if !matches!(veh.activity, Activity::Driving) || veh.speed > 1e-6 {
            return;
        }
        let Some(stop) = veh.stops.front().copied() else {
            return;
        };
        if drives_through(&self.site, &stop) {
            return;
        }
        if stop.seq != veh.front_seq() {
            return;
        }
        let stop_point = veh.cell_start(veh.front_index)
            + veh.path[veh.front_index].stop_point(veh.profile.min_gap);
        if (stop_point - veh.front).abs() > ARRIVAL_TOLERANCE {
            return;
        }
        let station = match stop.action {
            StopAction::Service { station, .. } | StopAction::Charge { station, .. } => station,
        };
        let state = &mut self.stations[station.0 as usize];
        state.queue.push_back((v, self.time));
        self.vehicles[v.0].activity = Activity::Queued { station };
        self.events.push(SimEvent::ActionStarted {
            vehicle: v,
            stop: stop.id,
        });
    }

    /// Advances every station: starts services for queued vehicles, counts down services,
    /// charges batteries. Returns whether any service or charge made progress.
    fn serve(&mut self, dt: f64) -> bool {
        let mut progressed = false;
        // Count down and finish.
        for i in 0..self.vehicles.len() {
            let v = VehicleIndex(i);
            let activity = self.vehicles[i].activity;
            let finished = match activity {
                Activity::Service { station, remaining } => {
                    progressed = true;
                    let left = remaining - dt;
                    if left > 0.0 {
                        self.vehicles[i].activity = Activity::Service {
                            station,
                            remaining: left,
                        };
                        false
                    } else {
                        true
                    }
                }
                Activity::Charging { station } => {
                    progressed = true;
                    let veh = &mut self.vehicles[i];
                    let mean = self.site.map.station(station).service.mean().max(1.0);
                    let rate = veh.profile.battery_kwh / mean;
                    veh.energy_kwh = (veh.energy_kwh + rate * dt).min(veh.profile.battery_kwh);
                    let target = match veh.stops.front().map(|s| s.action) {
                        Some(StopAction::Charge { target, .. }) => target,
                        _ => 1.0,
                    };
                    veh.battery() >= target - 1e-9
                }
                _ => false,
            };
            if finished {
                let veh = &mut self.vehicles[i];
                let (station, stop) = match (activity, veh.stops.pop_front()) {
                    (
                        Activity::Service { station, .. } | Activity::Charging { station },
                        Some(stop),
                    ) => (station, stop),
                    _ => continue,
                };
                if let StopAction::Service {
                    load: Some(load), ..
                } = stop.action
                {
                    veh.loaded = load;
                }
                veh.activity = Activity::Driving;
                let state = &mut self.stations[station.0 as usize];
                state.busy = state.busy.saturating_sub(1);
                state.stats.served += 1;
                self.events.push(SimEvent::ActionFinished {
                    vehicle: v,
                    stop: stop.id,
                });
            }
        }
        // Start services where places are free, first come first served.
        for s in 0..self.stations.len() {
            while self.stations[s].busy < self.stations[s].capacity {
                let Some((v, since)) = self.stations[s].queue.pop_front() else {
                    break;
                };
                let station = StationId(s as u32);
                let st = self.site.map.station(station);
                let activity = if st.kind == StationKind::Charger {
                    Activity::Charging { station }
                } else {
                    let u: f64 = self.rng.random();
                    Activity::Service {
                        station,
                        remaining: st.service.sample(u),
                    }
                };
                self.vehicles[v.0].activity = activity;
                let state = &mut self.stations[s];
                state.busy += 1;
                state.stats.wait_s += self.time - since;
                progressed = true;
            }
            let state = &mut self.stations[s];
            state.stats.max_queue = state.stats.max_queue.max(state.queue.len());
            state.stats.queue_integral += state.queue.len() as f64 * dt;
            state.stats.busy_integral += f64::from(state.busy) * dt;
        }
        progressed || self.vehicles.iter().any(|v| self.time < v.held_until)
    }

    /// Whether any vehicle has work: a stop to reach, or a released cell ahead.
    fn has_work(&self) -> bool {
        self.vehicles.iter().any(|v| {
            !v.stops.is_empty()
                || v.released > v.front_seq()
                || !matches!(v.activity, Activity::Driving)
        })
    }

    fn detect_collisions(&mut self) {
        let boxes: Vec<(Point2<f64>, Point2<f64>, f64)> = self
            .vehicles
            .iter()
            .map(|v| (self.front_pose(v).0, self.rear_pose(v), v.profile.width))
            .collect();
        for a in 0..boxes.len() {
            for b in a + 1..boxes.len() {
                let (fa, ra, wa) = boxes[a];
                let (fb, rb, wb) = boxes[b];
                let reach = nalgebra::distance(&fa, &ra) + nalgebra::distance(&fb, &rb) + wa + wb;
                if nalgebra::distance(&fa, &fb) > reach {
                    continue;
                }
                if footprints_overlap((fa, ra, wa), (fb, rb, wb)) {
                    self.events.push(SimEvent::Collision {
                        a: VehicleIndex(a),
                        b: VehicleIndex(b),
                        at: Point2::from((fa.coords + fb.coords) / 2.0),
                    });
                }
            }
        }
    }
}

/// Whether a stop is served in passing: a service that changes no load at a drive-through
/// station (map field `drive_through`).
fn drives_through(site: &Site, stop: &Stop) -> bool {
    matches!(stop.action, StopAction::Service { station, load: None }
        if site.map.station(station).drive_through)
}

impl From<RouteCell> for CellId {
    fn from(rc: RouteCell) -> CellId {
        rc.cell
    }
}
