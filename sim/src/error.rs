//! The error type of `corridor-sim`.

/// What went wrong in the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The map could not be turned into cells.
    #[error("map: {0}")]
    Map(corridor_map::MapError),
    /// A route is not drivable.
    #[error("route: {0}")]
    Route(String),
    /// A command names a vehicle that does not exist.
    #[error("unknown vehicle {0:?}")]
    UnknownVehicle(String),
    /// A command does not fit the vehicle's state.
    #[error("vehicle {vehicle}: {reason}")]
    Vehicle {
        /// The vehicle's id.
        vehicle: String,
        /// Why.
        reason: String,
    },
}
