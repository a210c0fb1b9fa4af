//! One simulated vehicle: where it is on its route, how fast it goes, what it carries and
//! how much energy it has left.
//!
//! A vehicle's route is a sequence of cells numbered by *sequence numbers* that never
//! repeat over the vehicle's life: the controller appends cells to the route and releases
//! them up to a sequence number, like the base of a VDA 5050 order. The vehicle may enter a
//! cell only when it is released, stops at the end of the last released cell, and stops at
//! each cell that has an action (service at a station, charging) until the action is done.

use std::collections::VecDeque;

use corridor_map::{CellId, StationId, VehicleProfile};

use crate::site::RouteCell;

/// What a vehicle does when it stops at a cell of its route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopAction {
    /// Be served by a station (crane, gate, scale, X-ray, inspection): queue for one of its
    /// places, wait its service time. `load` sets what the vehicle carries afterwards
    /// (`Some(true)` after a pick-up, `Some(false)` after a drop-off).
    Service {
        /// The station.
        station: StationId,
        /// Load after the service, if it changes.
        load: Option<bool>,
    },
    /// Charge at a charger until the battery holds `target` (a fraction of capacity).
    Charge {
        /// The charger.
        station: StationId,
        /// Fraction of capacity to charge to, 0..=1.
        target: f64,
    },
}

/// An action at one cell of the route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    /// The controller's id for it (echoed in events).
    pub id: u64,
    /// Sequence number of the route cell where it happens.
    pub seq: u64,
    /// What to do.
    pub action: StopAction,
}

/// What a vehicle is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activity {
    /// Driving or waiting for a release.
    Driving,
    /// Waiting for a free place at a station.
    Queued {
        /// The station.
        station: StationId,
    },
    /// Being served.
    Service {
        /// The station.
        station: StationId,
        /// Seconds left.
        remaining: f64,
    },
    /// Charging.
    Charging {
        /// The charger.
        station: StationId,
    },
}

/// A simulated vehicle.
#[derive(Debug, Clone)]
pub struct Vehicle {
    pub(crate) id: String,
    pub(crate) profile: VehicleProfile,
    /// The cells from the one holding the rear to the end of the known route.
    pub(crate) path: VecDeque<RouteCell>,
    /// Sequence number of `path[0]`.
    pub(crate) seq_base: u64,
    /// Distance of the front bumper from the entry end of `path[0]`, metres.
    pub(crate) front: f64,
    /// The last sequence number the vehicle may enter.
    pub(crate) released: u64,
    pub(crate) stops: VecDeque<Stop>,
    pub(crate) speed: f64,
    pub(crate) energy_kwh: f64,
    pub(crate) loaded: bool,
    pub(crate) activity: Activity,
    /// Held (breakdown or delay) until this time, seconds.
    pub(crate) held_until: f64,
    /// Paused by an instant action until resumed.
    pub(crate) paused: bool,
    /// Index into `path` of the cell holding the front.
    pub(crate) front_index: usize,
    pub(crate) odometer_m: f64,
    pub(crate) energy_used_kwh: f64,
    pub(crate) emergency_brakings: u64,
    pub(crate) moving_s: f64,
}

/// A read-only view of a vehicle, for reports and the VDA 5050 state.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleView {
    /// Its id.
    pub id: String,
    /// Front bumper position, metres.
    pub front: nalgebra::Point2<f64>,
    /// Heading, radians counter-clockwise from +x.
    pub heading: f64,
    /// Speed, m/s.
    pub speed: f64,
    /// Battery, fraction of capacity.
    pub battery: f64,
    /// Whether it carries a container.
    pub loaded: bool,
    /// What it does.
    pub activity: Activity,
    /// Held by a fault until this time (≤ now when not held).
    pub held_until: f64,
    /// Paused until resumed.
    pub paused: bool,
    /// The cells its footprint overlaps, rear first.
    pub occupied: Vec<CellId>,
    /// Sequence number of the cell holding the front.
    pub front_seq: u64,
    /// The last sequence number released.
    pub released: u64,
    /// The last sequence number of the known route.
    pub route_end: u64,
    /// Metres driven.
    pub odometer_m: f64,
    /// kWh used.
    pub energy_used_kwh: f64,
    /// Brakings harder than the service brake.
    pub emergency_brakings: u64,
    /// Seconds spent moving.
    pub moving_s: f64,
}

impl Vehicle {
    /// Start of `path[i]` in route distance from the entry of `path[0]`.
    pub(crate) fn cell_start(&self, i: usize) -> f64 {
        self.path.iter().take(i).map(RouteCell::length).sum()
    }

    /// Sequence number of the last known route cell.
    pub(crate) fn route_end(&self) -> u64 {
        self.seq_base + self.path.len() as u64 - 1
    }

    /// Front sequence number.
    pub(crate) fn front_seq(&self) -> u64 {
        self.seq_base + self.front_index as u64
    }

    /// Index of the cell holding route distance `x`, clamped to the path.
    pub(crate) fn index_at(&self, x: f64) -> usize {
        let mut start = 0.0;
        for (i, c) in self.path.iter().enumerate() {
            let end = start + c.length();
            if x <= end {
                return i;
            }
            start = end;
        }
        self.path.len() - 1
    }

    /// Fraction of battery capacity.
    pub(crate) fn battery(&self) -> f64 {
        (self.energy_kwh / self.profile.battery_kwh).clamp(0.0, 1.0)
    }
}
