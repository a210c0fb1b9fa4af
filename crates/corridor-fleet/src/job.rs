//! Jobs: move one container through the stations its direction requires.

use serde::{Deserialize, Serialize};

use corridor_map::{SiteMap, StationId};

use crate::error::FleetError;

/// A job's id, given by the controller when it accepts the job; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JobId(pub u64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "job-{}", self.0)
    }
}

/// What an operator submits. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// The container's id (ISO 6346 or any unique string).
    pub container: String,
    /// The flow (direction) whose station sequence the container passes, e.g. `export`.
    /// Either a flow or an explicit `stations` list must be given.
    #[serde(default)]
    pub flow: Option<String>,
    /// An explicit sequence of steps instead of a flow: each step is a list of station ids,
    /// any one of which will do. The first step is the pick-up, the last the drop-off.
    #[serde(default)]
    pub stations: Vec<Vec<String>>,
    /// 0 (lowest) to 9 (highest).
    #[serde(default)]
    pub priority: u8,
    /// Perishable goods (fruit at harvest peaks): served before non-perishable work.
    #[serde(default)]
    pub perishable: bool,
    /// Earliest time the container is ready at its pick-up, seconds on the controller clock.
    #[serde(default)]
    pub release_s: f64,
    /// Time by which it should be delivered, seconds on the controller clock.
    #[serde(default)]
    pub deadline_s: Option<f64>,
    /// Held by customs at submission: not dispatched until released.
    #[serde(default)]
    pub hold: bool,
    /// Flagged for inspection: the flow's optional steps (probability < 1) are included.
    #[serde(default)]
    pub inspect: bool,
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JobState {
    /// Accepted, waiting for a vehicle (or for its release time).
    Waiting,
    /// Held by customs; not dispatched until released.
    Held,
    /// A vehicle is on its way to the pick-up.
    Assigned {
        /// The vehicle.
        vehicle: String,
    },
    /// The container is on the vehicle; `step` is the index of the step it is heading to.
    Carrying {
        /// The vehicle.
        vehicle: String,
        /// Index into [`Job::steps`].
        step: usize,
    },
    /// Delivered at the drop-off.
    Delivered {
        /// When, seconds on the controller clock.
        at_s: f64,
    },
    /// Cancelled by an operator or refused on the way.
    Cancelled {
        /// Why.
        reason: String,
    },
}

impl JobState {
    /// Whether the job is finished (delivered or cancelled).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobState::Delivered { .. } | JobState::Cancelled { .. }
        )
    }

    /// The vehicle working on it, if any.
    pub fn vehicle(&self) -> Option<&str> {
        match self {
            JobState::Assigned { vehicle } | JobState::Carrying { vehicle, .. } => Some(vehicle),
            _ => None,
        }
    }

    /// A short name for logs and events (`waiting`, `held`, …).
    pub fn name(&self) -> &'static str {
        match self {
            JobState::Waiting => "waiting",
            JobState::Held => "held",
            JobState::Assigned { .. } => "assigned",
            JobState::Carrying { .. } => "carrying",
            JobState::Delivered { .. } => "delivered",
            JobState::Cancelled { .. } => "cancelled",
        }
    }
}

/// An accepted job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// What was submitted.
    pub spec: JobSpec,
    /// The resolved steps: station ids (map ids), any one of each step.
    pub steps: Vec<Vec<String>>,
    /// Where it stands.
    pub state: JobState,
    /// When it was accepted, seconds on the controller clock.
    pub submitted_s: f64,
    /// When the container was picked up, if it has been.
    pub picked_up_s: Option<f64>,
}

impl Job {
    /// Resolves `spec` against `map` into a job with id `id`.
    ///
    /// # Errors
    /// [`FleetError::InvalidJob`] naming the field and the reason: no container id, both or
    /// neither of flow and stations, an unknown flow or station, fewer than two steps, a
    /// priority above 9, a negative release time or a deadline before it.
    pub fn resolve(id: JobId, spec: JobSpec, map: &SiteMap, now_s: f64) -> Result<Job, FleetError> {
        let invalid = |field: &str, reason: String| FleetError::InvalidJob {
            container: spec.container.clone(),
            field: field.to_string(),
            reason,
        };
        if spec.container.trim().is_empty() {
            return Err(invalid("container", "must not be empty".into()));
        }
        if spec.priority > 9 {
            return Err(invalid(
                "priority",
                format!("must be 0..=9, got {}", spec.priority),
            ));
        }
        if !spec.release_s.is_finite() || spec.release_s < 0.0 {
            return Err(invalid(
                "release_s",
                format!("must be zero or more, got {}", spec.release_s),
            ));
        }
        if let Some(d) = spec.deadline_s
            && !(d.is_finite() && d >= spec.release_s)
        {
            return Err(invalid(
                "deadline_s",
                format!("{d} is before the release time {}", spec.release_s),
            ));
        }
        let steps: Vec<Vec<String>> = match (&spec.flow, spec.stations.is_empty()) {
            (Some(_), false) => {
                return Err(invalid(
                    "stations",
                    "give either flow or stations, not both".into(),
                ));
            }
            (None, true) => {
                return Err(invalid(
                    "flow",
                    "give a flow (e.g. export) or a stations list".into(),
                ));
            }
            (Some(flow), true) => {
                let Some(f) = map.flows().iter().find(|f| &f.id == flow) else {
                    let known: Vec<&str> = map.flows().iter().map(|f| f.id.as_str()).collect();
                    return Err(invalid(
                        "flow",
                        format!("unknown flow {flow:?}; the map has {}", known.join(", ")),
                    ));
                };
                f.steps
                    .iter()
                    .filter(|s| s.probability >= 1.0 || spec.inspect)
                    .map(|s| {
                        s.stations
                            .iter()
                            .map(|&id| map.station(id).id.clone())
                            .collect()
                    })
                    .collect()
            }
            (None, false) => {
                for (i, step) in spec.stations.iter().enumerate() {
                    if step.is_empty() {
                        return Err(invalid(
                            &format!("stations[{i}]"),
                            "must name at least one station".into(),
                        ));
                    }
                    for s in step {
                        if map.station_id(s).is_none() {
                            return Err(invalid(
                                &format!("stations[{i}]"),
                                format!("unknown station {s:?}"),
                            ));
                        }
                    }
                }
                spec.stations.clone()
            }
        };
        if steps.len() < 2 {
            return Err(invalid(
                "stations",
                format!(
                    "a job needs a pick-up and a drop-off, got {} step(s)",
                    steps.len()
                ),
            ));
        }
        let state = if spec.hold {
            JobState::Held
        } else {
            JobState::Waiting
        };
        Ok(Job {
            id,
            spec,
            steps,
            state,
            submitted_s: now_s,
            picked_up_s: None,
        })
    }

    /// The station ids of step `i` resolved against `map`.
    pub fn step_stations(&self, map: &SiteMap, i: usize) -> Vec<StationId> {
        self.steps
            .get(i)
            .map(|s| s.iter().filter_map(|id| map.station_id(id)).collect())
            .unwrap_or_default()
    }

    /// How urgent the job is, for ordering and assignment weights: perishable first, then
    /// priority, then the time already waited.
    pub fn urgency(&self, now_s: f64) -> f64 {
        let waited = (now_s - self.spec.release_s.max(self.submitted_s)).max(0.0);
        let perishable = if self.spec.perishable { 10_000.0 } else { 0.0 };
        perishable + 1_000.0 * f64::from(self.spec.priority) + waited
    }
}
