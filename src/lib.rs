//! # corridor
//!
//! A simulated run at a border gate, for engineers who embed it: the fleet controller
//! (`corridor-fleet`) and the kinematic simulator's vehicles (`corridor-sim`) talking VDA 5050
//! (`corridor-vda5050`) through a [`transport::Transport`] — in process or over MQTT
//! (`corridor-bridge`) — on the simulator's virtual clock, with the report and plots an
//! engineer reads afterwards. The `corridor` binary's `demo` and `sweep` commands are built on
//! it; `examples/simulated_day.rs` runs one day with it.
//!
//! ```no_run
//! use corridor::run::{drive, progress};
//! use corridor::simulation::{RunSpec, Simulation};
//! use corridor::transport::InProcess;
//!
//! # async fn day() -> anyhow::Result<()> {
//! let mut sim = Simulation::new(RunSpec {
//!     map: "maps/huu-nghi.toml".into(),
//!     hours: 2.0,
//!     vehicles: 20,
//!     demand: 2800.0,
//!     peak_factor: 1.5,
//!     perishable: 0.5,
//!     seed: 1,
//!     dt: 0.5,
//!     store: None,
//!     restart_at_s: None,
//! })?;
//! let mut transport = InProcess::new(sim.vehicle_ids())?;
//! drive(&mut sim, &mut transport, None, false, &progress(2.0, true)).await?;
//! let report = sim.finish("in-process", Default::default(), "report.json".as_ref())?;
//! assert_eq!(report.collisions, 0);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod plot;
pub mod report;
pub mod run;
pub mod simulation;
pub mod transport;
