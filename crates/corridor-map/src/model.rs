//! The validated site model: nodes, lanes, stations, vehicle profiles and flows.
//!
//! A [`SiteMap`] is only ever built by the loader ([`crate::SiteMap::from_toml_str`] and
//! friends), which checks every rule in `maps/README.md`; code that holds one may rely on
//! them: ids are unique, every reference resolves, every length is positive and at least
//! the straight-line distance, and the lane network is strongly connected.

use std::collections::HashMap;

use nalgebra::Point2;

use crate::geo::GeoReference;

/// Index of a node in [`SiteMap::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Index of a lane in [`SiteMap::lanes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaneId(pub u32);

/// Index of a station in [`SiteMap::stations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StationId(pub u32);

/// A point of the lane network, in metres in the site's local east-north frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The id used in the map file.
    pub id: String,
    /// Position in metres (x along the site's +x axis, y to its left).
    pub position: Point2<f64>,
}

/// A directed lane from one node to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// The id used in the map file (`"{from}-{to}"` when the file gives none).
    pub id: String,
    /// Start node.
    pub from: NodeId,
    /// End node.
    pub to: NodeId,
    /// The geometry, from the start node's position to the end node's, with any
    /// intermediate points of the map file in between (at least two points).
    pub polyline: Vec<Point2<f64>>,
    /// Driving length in metres: the map's `length`, or the polyline's length.
    /// Never shorter than the polyline.
    pub length: f64,
    /// Speed limit in m/s.
    pub speed_limit: f64,
    /// Whether vehicles may also drive it from `to` to `from` (one physical lane shared
    /// by both directions, so vehicles meet head-on on it).
    pub two_way: bool,
}

impl Lane {
    /// Length of the polyline in metres.
    pub fn geometric_length(&self) -> f64 {
        polyline_length(&self.polyline)
    }

    /// The point at driving distance `s` (metres, clamped to `0..=length`) from the start,
    /// along the polyline scaled to the driving length.
    pub fn point_at(&self, s: f64) -> Point2<f64> {
        let geometric = self.geometric_length();
        let target = if self.length > 0.0 {
            (s / self.length).clamp(0.0, 1.0) * geometric
        } else {
            0.0
        };
        let mut walked = 0.0;
        for w in self.polyline.windows(2) {
            let seg = nalgebra::distance(&w[0], &w[1]);
            if walked + seg >= target && seg > 0.0 {
                let t = (target - walked) / seg;
                return w[0] + (w[1] - w[0]) * t;
            }
            walked += seg;
        }
        *self.polyline.last().unwrap_or(&Point2::origin())
    }
}

/// Length of a polyline in metres.
pub fn polyline_length(points: &[Point2<f64>]) -> f64 {
    points
        .windows(2)
        .map(|w| nalgebra::distance(&w[0], &w[1]))
        .sum()
}

/// What a station does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StationKind {
    /// A handover bay in a yard where a vehicle waits for a crane.
    YardBay,
    /// An automated crane that lifts containers between trucks and vehicles.
    Crane,
    /// A gate with an automatic barrier (e-manifest, OCR).
    Gate,
    /// An electronic scale (weighbridge, static or in motion).
    Scale,
    /// An X-ray (or CT) container scanner.
    Xray,
    /// A platform for physical inspection or quarantine of flagged containers.
    Inspection,
    /// A charger or battery-swap station.
    Charger,
    /// Parking for idle vehicles.
    Parking,
    /// The border line, where control and telemetry hand over.
    BorderMarker,
}

impl StationKind {
    /// Every kind, in the order the map format documents them.
    pub const ALL: [StationKind; 9] = [
        StationKind::YardBay,
        StationKind::Crane,
        StationKind::Gate,
        StationKind::Scale,
        StationKind::Xray,
        StationKind::Inspection,
        StationKind::Charger,
        StationKind::Parking,
        StationKind::BorderMarker,
    ];

    /// The name used in map files (`yard_bay`, `xray`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            StationKind::YardBay => "yard_bay",
            StationKind::Crane => "crane",
            StationKind::Gate => "gate",
            StationKind::Scale => "scale",
            StationKind::Xray => "xray",
            StationKind::Inspection => "inspection",
            StationKind::Charger => "charger",
            StationKind::Parking => "parking",
            StationKind::BorderMarker => "border_marker",
        }
    }

    /// Parses the name used in map files.
    pub fn parse(name: &str) -> Option<StationKind> {
        StationKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for StationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service time in seconds, as a distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTime {
    /// Always the same.
    Fixed {
        /// Seconds.
        seconds: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Seconds.
        min: f64,
        /// Seconds.
        max: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Seconds.
        min: f64,
        /// Seconds.
        mode: f64,
        /// Seconds.
        max: f64,
    },
}

impl ServiceTime {
    /// The mean in seconds.
    pub fn mean(&self) -> f64 {
        match *self {
            ServiceTime::Fixed { seconds } => seconds,
            ServiceTime::Uniform { min, max } => (min + max) / 2.0,
            ServiceTime::Triangular { min, mode, max } => (min + mode + max) / 3.0,
        }
    }

    /// The value at quantile `u` in `[0, 1]` (inverse CDF): feed it a uniform random number
    /// to draw a service time. Monotone in `u`; `sample(0) = min`, `sample(1) = max`.
    pub fn sample(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match *self {
            ServiceTime::Fixed { seconds } => seconds,
            ServiceTime::Uniform { min, max } => min + u * (max - min),
            ServiceTime::Triangular { min, mode, max } => {
                let width = max - min;
                if width <= 0.0 {
                    return min;
                }
                let split = (mode - min) / width;
                if u < split {
                    min + (u * width * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * width * (max - mode)).sqrt()
                }
            }
        }
    }
}

/// A station: a place on the lane network where vehicles stop for a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// The id used in the map file.
    pub id: String,
    /// A human-readable name (the id when the file gives none).
    pub name: String,
    /// What it does.
    pub kind: StationKind,
    /// The nodes where a vehicle is served (at least one).
    pub nodes: Vec<NodeId>,
    /// How many vehicles it serves at once (at least 1).
    pub capacity: u32,
    /// How long one service takes.
    pub service: ServiceTime,
    /// Where vehicles wait while every place of the station is taken: in line on the lanes
    /// leading into this node, the first at the node. `None`: no waiting area; a vehicle
    /// with nowhere free queues for the nearest place itself.
    pub queue: Option<NodeId>,
    /// Served while the vehicle drives through at the lane's speed limit, without stopping
    /// (a weigh-in-motion scale, a drive-through scanner, a border marker); the service
    /// time is not waited for.
    pub drive_through: bool,
}

/// The kinematic and energy profile of a kind of vehicle.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleProfile {
    /// The id used in the map file.
    pub id: String,
    /// Length in metres.
    pub length: f64,
    /// Width in metres.
    pub width: f64,
    /// Top speed in m/s.
    pub max_speed: f64,
    /// Acceleration in m/s².
    pub acceleration: f64,
    /// Service (comfortable) deceleration in m/s².
    pub service_brake: f64,
    /// Emergency deceleration in m/s².
    pub emergency_brake: f64,
    /// Gap to the vehicle ahead at standstill, in metres.
    pub min_gap: f64,
    /// Extra following gap per m/s of speed, in seconds (gap = `min_gap + time_gap × v`).
    pub time_gap: f64,
    /// Usable battery capacity in kWh.
    pub battery_kwh: f64,
    /// Consumption when empty, kWh per km.
    pub consumption_empty_kwh_per_km: f64,
    /// Consumption when loaded, kWh per km.
    pub consumption_loaded_kwh_per_km: f64,
}

impl VehicleProfile {
    /// The room one stopped vehicle takes on a lane: its length plus the standstill gap.
    pub fn footprint(&self) -> f64 {
        self.length + self.min_gap
    }

    /// The following gap at speed `v` (m/s), in metres.
    pub fn following_gap(&self, v: f64) -> f64 {
        self.min_gap + self.time_gap * v.max(0.0)
    }
}

/// One step of a flow: the container must be served at one of these stations.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowStep {
    /// Any one of these stations will do (for example any of four cranes).
    pub stations: Vec<StationId>,
    /// The share of containers that need this step (1 for every container; 0.03 for an
    /// inspection that 3 % of containers are sent to).
    pub probability: f64,
}

/// The sequence of stations a container passes in one direction of travel.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The id used in the map file (`export`, `import`).
    pub id: String,
    /// A human-readable name.
    pub name: String,
    /// The share of all containers that travel this way (the shares of a map sum to 1).
    pub share: f64,
    /// The steps, in order.
    pub steps: Vec<FlowStep>,
}

/// A validated site map. See the module documentation for what is guaranteed.
#[derive(Debug, Clone)]
pub struct SiteMap {
    pub(crate) name: String,
    pub(crate) geo: GeoReference,
    pub(crate) nodes: Vec<Node>,
    pub(crate) lanes: Vec<Lane>,
    pub(crate) stations: Vec<Station>,
    pub(crate) vehicles: Vec<VehicleProfile>,
    pub(crate) flows: Vec<Flow>,
    pub(crate) border: Option<(Point2<f64>, Point2<f64>)>,
    pub(crate) node_index: HashMap<String, NodeId>,
    pub(crate) station_index: HashMap<String, StationId>,
}

impl SiteMap {
    /// The site's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The geo-reference of the local frame.
    pub fn geo(&self) -> &GeoReference {
        &self.geo
    }
    /// All nodes; [`NodeId`] indexes this slice.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// All lanes; [`LaneId`] indexes this slice.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }
    /// All stations; [`StationId`] indexes this slice.
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }
    /// All vehicle profiles (at least one).
    pub fn vehicles(&self) -> &[VehicleProfile] {
        &self.vehicles
    }
    /// All flows.
    pub fn flows(&self) -> &[Flow] {
        &self.flows
    }
    /// The border line as two points, when the map draws one.
    pub fn border(&self) -> Option<(Point2<f64>, Point2<f64>)> {
        self.border
    }
    /// A node by index.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }
    /// A lane by index.
    pub fn lane(&self, id: LaneId) -> &Lane {
        &self.lanes[id.0 as usize]
    }
    /// A station by index.
    pub fn station(&self, id: StationId) -> &Station {
        &self.stations[id.0 as usize]
    }
    /// Looks a node up by its map id.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.node_index.get(name).copied()
    }
    /// Looks a station up by its map id.
    pub fn station_id(&self, name: &str) -> Option<StationId> {
        self.station_index.get(name).copied()
    }
    /// Sum of all lane lengths in metres (a two-way lane counts once).
    pub fn total_lane_length(&self) -> f64 {
        self.lanes.iter().map(|l| l.length).sum()
    }
    /// The longest vehicle footprint (length + standstill gap) over all profiles, in metres:
    /// the minimum cell length of [`crate::CellGraph::from_site`].
    pub fn max_footprint(&self) -> f64 {
        self.vehicles
            .iter()
            .map(VehicleProfile::footprint)
            .fold(0.0, f64::max)
    }
}
