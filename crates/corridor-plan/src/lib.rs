//! # corridor-plan
//!
//! Planning for fleets of vehicles on directed graphs of cells (one-way lanes), free of I/O
//! and global state, usable by integrators on their own graphs.
//!
//! ## One-shot multi-agent path finding
//!
//! - [`Graph`]: the graph abstraction (vertices `0..n`, directed successors), implemented
//!   for [`corridor_map::CellGraph`] and for your own graphs; [`Digraph`] is the compact
//!   snapshot every solver plans on.
//! - [`Instance`]: a graph with a start and a goal per agent, validated (an unknown vertex
//!   or two agents on one start or goal is a [`PlanError`] naming the agents and vertex).
//! - [`Solver`]: one interface with a deadline and a seed, returning an [`Outcome`]:
//!   solved (a [`Plan`] with its costs), proven unsolvable, or not found in time.
//!   Solvers: [`LaCam`] (LaCAM*, complete and anytime, for hundreds to thousands of
//!   agents), [`PibtSolver`] (fast, incomplete), [`Cbs`] (optimal sum-of-costs) and
//!   [`Cbs::bounded`] (EECBS-style bounded-suboptimal focal search with weight `w`).
//! - Single agent: [`SpaceTimeAStar`] against a [`ReservationTable`], and [`Sipp`]
//!   (safe-interval path planning).
//! - [`check`]: the independent plan checker every plan passes before a solver returns it;
//!   [`lower_bounds`] gives sum-of-costs and makespan lower bounds.
//! - [`DistanceTable`]: lazily computed goal distances, shared by everything planning one
//!   instance.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use corridor_plan::{Digraph, Instance, LaCam, Outcome, Solver, check};
//!
//! // A one-way ring of four vertices 0 → 1 → 2 → 3 → 0: two agents must both go half
//! // way round, one behind the other.
//! let ring = Digraph::from_edges(4, &[(0, 1), (1, 2), (2, 3), (3, 0)])?;
//! let instance = Instance::new(ring, vec![0, 1], vec![2, 3])?;
//! let deadline = Instant::now() + Duration::from_secs(1);
//! let Outcome::Solved(solution) = LaCam::default().solve(&instance, deadline, 7)? else {
//!     panic!("the ring instance is solvable");
//! };
//! // Every returned plan has already passed the checker; checking again agrees.
//! assert_eq!(check(&instance, &solution.plan), Ok(solution.cost));
//! assert_eq!(solution.cost.sum_of_costs, 4);
//!
//! // Two agents that must pass each other on a one-way segment: proven impossible.
//! let line = Digraph::from_edges(3, &[(0, 1), (1, 2)])?;
//! let instance = Instance::new(line, vec![0, 1], vec![2, 1])?;
//! let outcome = LaCam::default().solve(&instance, deadline, 7)?;
//! assert!(matches!(outcome, Outcome::Unsolvable(_)));
//! # Ok::<(), corridor_plan::PlanError>(())
//! ```
//!
//! ## Execution and lifelong planning
//!
//! - [`ExecutionGraph`]: turns a timed plan into an order of cell visits that stays
//!   collision-free and deadlock-free whatever the delays, and releases cells to vehicles.
//! - [`LifelongPlanner`]: vehicles get new goals while they move; the planner extends what is
//!   committed one step at a time (PIBT) and never takes back a released cell. Options:
//!   traffic-flow guide paths (`set_guidance`) and a windowed search (`set_window` with
//!   [`WindowOptions`]: PIBT rolled over a window and improved by large neighbourhood
//!   search, for synchronous benchmarks; its [`WindowReport`] says what the search did).
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

mod cbs;
mod checker;
mod distance;
mod error;
mod execution;
mod graph;
mod guidance;
mod instance;
mod lacam;
mod lifelong;
mod pibt;
mod plan;
mod refine;
mod scatter;
mod single_agent;
mod solver;
mod window;

pub use cbs::{Cbs, CbsOptions};
pub use checker::{LowerBounds, PlanCost, Rules, Violation, check, check_with, lower_bounds};
pub use distance::{DistanceTable, UNREACHABLE};
pub use error::{Endpoint, PlanError};
pub use graph::{Digraph, Graph, Vertex};
pub use instance::Instance;
pub use lacam::{LaCam, LaCamOptions};
pub use pibt::{Pibt, PibtSolver};
pub use plan::Plan;
pub use single_agent::{NoPath, ReservationTable, Sipp, SpaceTimeAStar, SpaceTimeObstacles};
pub use solver::{Outcome, Solution, Solver, Stats};

pub use execution::{ExecutionError, ExecutionGraph, VisitRef};
pub use lifelong::{GUIDE_REPLANS, LifelongPlanner, StepReport};
pub use window::{MAX_HORIZON, WindowOptions, WindowReport};
