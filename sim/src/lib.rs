//! # corridor-sim
//!
//! The kinematic simulator of Corridor. Vehicles follow lane polylines within their speed
//! limits, accelerate and brake within their profile, keep the following gap to the
//! vehicle ahead, stop at stations for service times drawn from the map's distributions,
//! queue where a station is busy, and drain and charge their batteries. A collision
//! detector (two footprints overlap) and a stall detector (work waiting, nothing moving)
//! report failures as events.
//!
//! This crate is the pure core: a [`World`] advanced by [`World::step`] on a virtual clock,
//! commanded with routes of cells released step by step (the base of a VDA 5050 order).
//! No I/O and no async. [`vda`] gives each simulated vehicle its VDA 5050 side (orders and
//! instant actions in, state out) as a pure state machine over the world.
//!
//! ```
//! use std::sync::Arc;
//! use corridor_map::{SiteMap, CellGraph, LaneId};
//! use corridor_sim::{Site, World, SimEvent};
//!
//! let map = SiteMap::from_toml_str(r#"
//!     [site]
//!     name = "loop"
//!     origin_lat = 21.97
//!     origin_lon = 106.70
//!     speed_limit = 5.0
//!     [[node]]
//!     id = "A"
//!     x = 0
//!     y = 0
//!     [[node]]
//!     id = "B"
//!     x = 100
//!     y = 0
//!     [[lane]]
//!     from = "A"
//!     to = "B"
//!     [[lane]]
//!     from = "B"
//!     to = "A"
//!     polyline = [[100, 20], [0, 20]]
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
//! let site = Arc::new(Site::new(map)?);
//! let lane0: Vec<_> = site.cells.lane_cells(LaneId(0)).collect();
//! let mut world = World::new(Arc::clone(&site), 7);
//! let v = world.add_vehicle("IGV-01", 0, lane0[0], 0.8)?;
//! let end = world.set_route(v, 0, &lane0[1..], &[])?;
//! world.release(v, end)?;
//! for _ in 0..400 {
//!     world.step(0.25);
//! }
//! let view = world.vehicle(v)?;
//! assert_eq!(view.front_seq, end);
//! assert!(view.speed < 1e-9 && view.odometer_m > 60.0);
//! assert!(!world.drain_events().iter().any(|e| matches!(e, SimEvent::Collision { .. })));
//! # Ok::<(), corridor_sim::SimError>(())
//! ```
#![deny(missing_docs)]

mod collision;
pub mod demand;
mod error;
pub mod kinematics;
mod site;
pub mod vda;
mod vehicle;
mod world;

pub use collision::{Footprint, footprints_overlap};
pub use error::SimError;
pub use site::{RouteCell, Site};
pub use vda::{InstantRequests, VdaVehicle};
pub use vehicle::{Activity, Stop, StopAction, VehicleView};
pub use world::{SimEvent, StationStats, VehicleIndex, VehicleProbe, World};
