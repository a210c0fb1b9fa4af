//! # corridor-fleet
//!
//! The fleet controller of Corridor, independent of transport: jobs (move a container
//! through the stations its direction requires), optimal batch assignment of jobs to
//! vehicles, and a durable job store that survives a crash: a controller killed at any
//! moment and started again ([`Controller::restart`], with what the vehicles report through
//! [`VdaFleet::resume`]) loses no accepted job and runs none twice.
//!
//! ```
//! use corridor_fleet::{Job, JobId, JobSpec, JobState, JobStore};
//! use corridor_map::SiteMap;
//!
//! let map = SiteMap::from_toml_str(r#"
//!     [site]
//!     name = "two stations"
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
//!     two_way = true
//!     [[station]]
//!     id = "yard"
//!     kind = "crane"
//!     nodes = ["A"]
//!     service = { dist = "fixed", seconds = 90 }
//!     [[station]]
//!     id = "gate"
//!     kind = "gate"
//!     nodes = ["B"]
//!     service = { dist = "uniform", min = 6, max = 30 }
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
//! "#, "two.toml")?;
//!
//! let spec = JobSpec {
//!     container: "MSKU1234565".into(),
//!     flow: None,
//!     stations: vec![vec!["yard".into()], vec!["gate".into()]],
//!     priority: 0,
//!     perishable: true,
//!     release_s: 0.0,
//!     deadline_s: None,
//!     hold: false,
//!     inspect: false,
//! };
//! let dir = std::env::temp_dir().join(format!("corridor-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let store = JobStore::open(dir.join("jobs.redb"))?;
//! let job = Job::resolve(store.next_id()?, spec, &map, 0.0)?;
//! store.put(&job)?;
//! assert_eq!(store.get(job.id)?.map(|j| j.state), Some(JobState::Waiting));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod assign;
mod codec;
mod controller;
mod error;
mod job;
pub mod operator;
mod store;
pub mod vda;

pub use assign::assign;
pub use controller::{
    Controller, ControllerConfig, ControllerError, ControllerStats, Input, JobStep, Output,
    Recovered, StopKind, StopOrder,
};
pub use error::FleetError;
pub use job::{Job, JobId, JobSpec, JobState};
pub use store::JobStore;
pub use vda::{VdaCommand, VdaFleet};
