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
    /// A demand profile or horizon that cannot be drawn from (not finite, negative, or
    /// more arrivals than a run can hold).
    #[error("demand: {field} {reason}")]
    Demand {
        /// The field (`per_day`, `peak_factor`, `peak_hour`, `perishable_share`, `hours`).
        field: &'static str,
        /// Why.
        reason: String,
    },
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
    /// A VDA 5050 order or order update was rejected, as a real vehicle rejects it; the
    /// same error is reported in the vehicle's `state` (`errors`), and nothing changed.
    #[error(
        "vehicle {vehicle}: order {order_id:?} update {order_update_id} rejected ({error_type}): {reason}"
    )]
    OrderRejected {
        /// The vehicle's id.
        vehicle: String,
        /// The order's `orderId`.
        order_id: String,
        /// The order's `orderUpdateId`.
        order_update_id: u32,
        /// The VDA 5050 error type reported (e.g. `START_NODE_OUT_OF_RANGE`).
        error_type: String,
        /// Why.
        reason: String,
    },
    /// A VDA 5050 instant action was refused (unsupported type, nothing to cancel); it is
    /// reported FAILED in the vehicle's `state`, with an error.
    #[error("vehicle {vehicle}: instant action {action_id:?} refused: {reason}")]
    InstantActionRejected {
        /// The vehicle's id.
        vehicle: String,
        /// The action's `actionId`.
        action_id: String,
        /// Why.
        reason: String,
    },
}
