//! The error type of `corridor-fleet`.

use std::path::PathBuf;

/// What went wrong in the fleet controller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// A submitted job is invalid; nothing was stored.
    #[error("job for container {container:?}: {field}: {reason}")]
    InvalidJob {
        /// The container the job was for.
        container: String,
        /// The field that is wrong.
        field: String,
        /// Why.
        reason: String,
    },
    /// A command names a job that does not exist.
    #[error("unknown job {0}")]
    UnknownJob(u64),
    /// A command does not apply to the job in its current state.
    #[error("job {job}: cannot {action} a job that is {state}")]
    JobState {
        /// The job.
        job: u64,
        /// What was asked.
        action: &'static str,
        /// Its state.
        state: &'static str,
    },
    /// The job store on disk failed.
    #[error("job store {path}: {source}")]
    Store {
        /// The store's file.
        path: PathBuf,
        /// What the store said.
        source: Box<redb::Error>,
    },
    /// A stored record could not be decoded (written by an incompatible version).
    #[error("job store {path}: record {key} cannot be decoded: {reason}")]
    Corrupt {
        /// The store's file.
        path: PathBuf,
        /// The record's key.
        key: u64,
        /// What the decoder said.
        reason: String,
    },
    /// A message names a vehicle the fleet does not have.
    #[error("unknown vehicle {0:?}")]
    UnknownVehicle(String),
    /// The VDA 5050 layer refused or could not handle a message for a vehicle: an order the
    /// tracker does not admit, a stale or duplicate state, a message that cannot be built.
    #[error("vehicle {vehicle}: {source}")]
    Vda5050 {
        /// The vehicle (its fleet id, or `manufacturer/serialNumber` when unknown).
        vehicle: String,
        /// What the VDA 5050 layer said.
        source: Box<corridor_vda5050::Vda5050Error>,
    },
    /// A vehicle reported something the fleet cannot use or did not expect (an action it
    /// never sent, a failed stop, a rejected order, progress on an unknown node), or a stop
    /// cannot be delivered to it; the report is otherwise used, nothing else changes.
    #[error("vehicle {vehicle}: {reason}")]
    VehicleReport {
        /// The vehicle's fleet id.
        vehicle: String,
        /// What was wrong.
        reason: String,
    },
}
