//! # corridor-plan
//!
//! Planning for fleets of vehicles on directed graphs of cells (one-way lanes), free of I/O
//! and global state, usable by integrators on their own graphs.
//!
//! - [`ExecutionGraph`]: turns a timed plan into an order of cell visits that stays
//!   collision-free and deadlock-free whatever the delays, and releases cells to vehicles.
//! - [`LifelongPlanner`]: vehicles get new goals while they move; the planner extends what is
//!   committed one step at a time (PIBT) and never takes back a released cell.
//!
//! ```
//! use std::sync::Arc;
//! use corridor_map::{Cell, CellGraph, CellId, CellOrigin};
//! use corridor_plan::LifelongPlanner;
//!
//! // A one-way ring of six cells with two vehicles.
//! let cells = (0..6)
//!     .map(|i| Cell {
//!         origin: CellOrigin::Grid { col: i, row: 0 },
//!         position: nalgebra::Point2::new(f64::from(i), 0.0),
//!         length: 1.0,
//!         entry_clearance: 0.0,
//!         exit_clearance: 0.0,
//!     })
//!     .collect();
//! let ring: Vec<_> = (0..6).map(|i| (CellId(i), CellId((i + 1) % 6))).collect();
//! let graph = Arc::new(CellGraph::from_edges(cells, &ring)?);
//! let mut planner = LifelongPlanner::new(graph, &[CellId(0), CellId(3)], 7)?;
//! planner.set_goal(0, Some(CellId(2)));
//! planner.step()?;
//! planner.step()?;
//! assert!(planner.at_goal(0));
//! // Vehicle 0 may drive through both visits now; vehicle 1 stayed where it was.
//! assert_eq!(planner.execution().released(0), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod execution;
mod lifelong;

pub use execution::{ExecutionError, ExecutionGraph, VisitRef};
pub use lifelong::{LifelongPlanner, StepReport};
