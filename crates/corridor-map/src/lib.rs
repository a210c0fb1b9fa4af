//! # corridor-map
//!
//! The site model of a border-gate freight corridor: nodes in metres on a local frame tied
//! to WGS84, directed lanes, stations with capacities and service-time distributions,
//! vehicle profiles and the flows of containers through the stations. It loads the TOML
//! format documented in `maps/README.md`, reporting every problem with its file, line,
//! column and field; cuts lanes into the planner's cells; answers spatial queries; and
//! imports MovingAI grid benchmarks into the same cell-graph type.
//!
//! No I/O beyond reading the file it is handed, no global state, no async.
//!
//! ```
//! use corridor_map::SiteMap;
//!
//! let map = SiteMap::from_toml_str(r#"
//!     [site]
//!     name = "loop"
//!     origin_lat = 21.97
//!     origin_lon = 106.70
//!     speed_limit = 5.0
//!
//!     [[node]]
//!     id = "A"
//!     x = 0
//!     y = 0
//!     [[node]]
//!     id = "B"
//!     x = 100
//!     y = 0
//!
//!     [[lane]]
//!     from = "A"
//!     to = "B"
//!     [[lane]]
//!     from = "B"
//!     to = "A"
//!     polyline = [[100, 20], [0, 20]]
//!
//!     [[vehicle]]
//!     id = "igv"
//!     length = 15.6
//!     width = 3.0
//!     max_speed = 6.1
//!     acceleration = 0.5
//!     service_brake = 0.8
//!     emergency_brake = 2.5
//!     min_gap = 5.0
//!     time_gap = 2.0
//!     battery_kwh = 232
//!     consumption_empty_kwh_per_km = 2.0
//!     consumption_loaded_kwh_per_km = 3.0
//! "#, "loop.toml")?;
//! assert_eq!(map.lanes().len(), 2);
//! assert_eq!(map.lanes()[1].length, 140.0);
//!
//! // Cells at least one footprint (15.6 m + 5 m gap) long.
//! let cells = corridor_map::CellGraph::from_site(&map)?;
//! assert_eq!(cells.len(), 4 + 6);
//! # Ok::<(), corridor_map::MapError>(())
//! ```
#![deny(missing_docs)]

mod cells;
mod error;
mod geo;
pub mod junction;
mod load;
mod model;
pub mod movingai;
mod spatial;

pub use cells::{Cell, CellGraph, CellId, CellOrigin};
pub use error::{Location, MapError, Problem};
pub use geo::GeoReference;
pub use model::{
    Flow, FlowStep, Lane, LaneId, Node, NodeId, ServiceTime, SiteMap, Station, StationId,
    StationKind, VehicleProfile, polyline_length,
};
pub use spatial::{LanePosition, SpatialIndex};
