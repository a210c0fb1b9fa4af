//! The operator API, independent of transport: the commands a dispatch operator sends, how
//! they are parsed and checked, and the replies and events the controller sends back.
//! The MQTT bridge maps topics `corridor/v1/{site}/cmd/{command}` to [`Command`]s with
//! [`parse_command`] and publishes [`Reply`]s and [`Event`]s as JSON; `docs/operator-api.md`
//! documents every message with its JSON schema.
//!
//! A malformed, unknown or unauthorised command is answered with an error that names the
//! field and the reason, and changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::job::JobSpec;

/// Every command, by the last levels of its topic (after `cmd/`).
pub const COMMANDS: [&str; 11] = [
    "job/submit",
    "job/cancel",
    "job/hold",
    "job/release",
    "vehicle/pause",
    "vehicle/resume",
    "vehicle/out-of-service",
    "vehicle/return-to-service",
    "lane/close",
    "lane/open",
    "snapshot",
];

/// A parsed operator command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Submit a job.
    SubmitJob(JobSpec),
    /// Cancel a job.
    CancelJob {
        /// The job.
        job: u64,
        /// Why (kept in the job's record).
        reason: String,
    },
    /// Hold a job (customs); it is not dispatched until released.
    HoldJob {
        /// The job.
        job: u64,
    },
    /// Release a held job.
    ReleaseJob {
        /// The job.
        job: u64,
    },
    /// Pause a vehicle where it can stop safely.
    PauseVehicle {
        /// The vehicle's serial number.
        vehicle: String,
    },
    /// Resume a paused vehicle.
    ResumeVehicle {
        /// The vehicle's serial number.
        vehicle: String,
    },
    /// Take a vehicle out of service: it finishes the task it has, takes no new one (not
    /// even a charge) and stands where that ends. Refused for a paused vehicle.
    OutOfService {
        /// The vehicle's serial number.
        vehicle: String,
    },
    /// Return a vehicle to service.
    ReturnToService {
        /// The vehicle's serial number.
        vehicle: String,
    },
    /// Close a lane: no vehicle is routed onto it.
    CloseLane {
        /// The lane's map id.
        lane: String,
    },
    /// Open a closed lane.
    OpenLane {
        /// The lane's map id.
        lane: String,
    },
    /// Ask for a fleet snapshot now.
    Snapshot,
}

/// A command with what came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The request's correlation id, echoed in the reply.
    pub correlation_id: String,
    /// Where to send the reply (the default reply topic when absent).
    pub reply_to: Option<String>,
    /// The command.
    pub command: Command,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct CommandError {
    /// The request's correlation id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Where to reply, when it could be read.
    #[serde(skip)]
    pub reply_to: Option<String>,
    /// The field that is wrong (`topic` for an unknown command, `payload` for bad JSON).
    pub field: String,
    /// Why.
    pub reason: String,
    /// The kind of error: `malformed`, `unknown`, `unauthorised` or `refused`.
    pub code: String,
}

/// A reply to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The request's correlation id (absent only when the request had none readable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Whether the command was carried out.
    pub ok: bool,
    /// What it produced (e.g. the new job's id), when ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Why it was refused, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<CommandError>,
}

impl Reply {
    /// A success reply.
    pub fn ok(correlation_id: &str, result: Value) -> Reply {
        Reply {
            correlation_id: Some(correlation_id.into()),
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// An error reply.
    pub fn error(error: CommandError) -> Reply {
        Reply {
            correlation_id: error.correlation_id.clone(),
            ok: false,
            result: None,
            error: Some(error),
        }
    }
}

/// An event the controller publishes under `corridor/v1/{site}/evt/{kind}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A job changed state.
    Job {
        /// Controller clock, seconds.
        time_s: f64,
        /// The job.
        job: u64,
        /// Its container.
        container: String,
        /// The new state (`waiting`, `held`, `assigned`, `carrying`, `delivered`, `cancelled`).
        state: String,
        /// The vehicle, when one works on it.
        #[serde(skip_serializing_if = "Option::is_none")]
        vehicle: Option<String>,
    },
    /// A vehicle's state as the controller sees it.
    Vehicle {
        /// Controller clock, seconds.
        time_s: f64,
        /// Serial number.
        vehicle: String,
        /// `idle`, `working`, `charging`, `paused`, `out_of_service`, `offline`, `fault`.
        status: String,
        /// Position, metres in the site frame.
        x: f64,
        /// Position, metres in the site frame.
        y: f64,
        /// Battery, fraction of capacity.
        battery: f64,
        /// The job it works on.
        #[serde(skip_serializing_if = "Option::is_none")]
        job: Option<u64>,
    },
    /// Something an operator must look at.
    Alarm {
        /// Controller clock, seconds.
        time_s: f64,
        /// `info`, `warning` or `critical`.
        severity: String,
        /// What it is about (a vehicle, a lane, a job, a topic).
        subject: String,
        /// What happened.
        message: String,
    },
    /// The whole fleet, once a second.
    Snapshot {
        /// Controller clock, seconds.
        time_s: f64,
        /// Every vehicle (as in `vehicle` events).
        vehicles: Vec<Value>,
        /// Jobs per state.
        jobs: std::collections::BTreeMap<String, u64>,
        /// Closed lanes.
        closed_lanes: Vec<String>,
    },
}

fn error(code: &str, field: &str, reason: impl Into<String>, head: &Head) -> CommandError {
    CommandError {
        correlation_id: head.correlation_id.clone(),
        reply_to: head.reply_to.clone(),
        field: field.into(),
        reason: reason.into(),
        code: code.into(),
    }
}

#[derive(Default)]
struct Head {
    correlation_id: Option<String>,
    reply_to: Option<String>,
}

/// Parses a command from the topic levels after `cmd/` and its JSON payload, checking the
/// token when `tokens` is not empty (the request's `token` must be one of them).
///
/// # Errors
/// A [`CommandError`] naming the field and the reason: `code` is `unknown` for a topic that
/// is not a command, `unauthorised` for a missing or wrong token, `malformed` for anything
/// else wrong in the payload.
pub fn parse_command(
    command: &str,
    payload: &[u8],
    tokens: &[String],
) -> Result<Request, CommandError> {
    let mut head = Head::default();
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| error("malformed", "payload", format!("not JSON: {e}"), &head))?;
    let Value::Object(mut object) = value else {
        return Err(error(
            "malformed",
            "payload",
            "must be a JSON object",
            &head,
        ));
    };
    match object.remove("correlation_id") {
        Some(Value::String(s)) if !s.is_empty() => head.correlation_id = Some(s),
        Some(other) => {
            return Err(error(
                "malformed",
                "correlation_id",
                format!("must be a non-empty string, got {other}"),
                &head,
            ));
        }
        None => return Err(error("malformed", "correlation_id", "missing", &head)),
    }
    // Where to reply is honoured only once the token has passed: a request that fails
    // before that is answered on the default reply topic, not where its sender says.
    let mut reply_to = None;
    match object.remove("reply_to") {
        Some(Value::String(s)) if valid_topic(&s) => reply_to = Some(s),
        Some(other) => {
            return Err(error(
                "malformed",
                "reply_to",
                format!("must be a topic without wildcards, got {other}"),
                &head,
            ));
        }
        None => {}
    }
    let token = object.remove("token");
    if !tokens.is_empty() {
        match token {
            Some(Value::String(t)) if tokens.contains(&t) => {}
            Some(_) => return Err(error("unauthorised", "token", "not accepted", &head)),
            None => {
                return Err(error(
                    "unauthorised",
                    "token",
                    "missing; this controller requires a token",
                    &head,
                ));
            }
        }
    }
    head.reply_to = reply_to;
    let take_str = |object: &mut serde_json::Map<String, Value>,
                    field: &str,
                    head: &Head|
     -> Result<String, CommandError> {
        match object.remove(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
            Some(other) => Err(error(
                "malformed",
                field,
                format!("must be a non-empty string, got {other}"),
                head,
            )),
            None => Err(error("malformed", field, "missing", head)),
        }
    };
    let take_job = |object: &mut serde_json::Map<String, Value>,
                    head: &Head|
     -> Result<u64, CommandError> {
        match object.remove("job") {
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or_default()),
            Some(other) => Err(error(
                "malformed",
                "job",
                format!("must be a job id (a whole number), got {other}"),
                head,
            )),
            None => Err(error("malformed", "job", "missing", head)),
        }
    };
    let command = match command {
        "job/submit" => {
            let Some(job) = object.remove("job") else {
                return Err(error(
                    "malformed",
                    "job",
                    "missing: the job to submit",
                    &head,
                ));
            };
            let spec: JobSpec = serde_path_to_error::deserialize(job).map_err(|e| {
                let text = e.inner().to_string();
                // The path names the field with the wrong value (`job.priority`); for a
                // missing or unknown field the path is the job itself and serde names the
                // field in backticks: `missing field `container``.
                let path = e.path().to_string();
                let field = if path != "." {
                    format!("job.{path}")
                } else {
                    text.split('`')
                        .nth(1)
                        .map_or("job".to_string(), |f| format!("job.{f}"))
                };
                error("malformed", &field, text, &head)
            })?;
            Command::SubmitJob(spec)
        }
        "job/cancel" => {
            let job = take_job(&mut object, &head)?;
            let reason = match object.remove("reason") {
                Some(Value::String(s)) => s,
                Some(other) => {
                    return Err(error(
                        "malformed",
                        "reason",
                        format!("must be a string, got {other}"),
                        &head,
                    ));
                }
                None => "cancelled by operator".into(),
            };
            Command::CancelJob { job, reason }
        }
        "job/hold" => Command::HoldJob {
            job: take_job(&mut object, &head)?,
        },
        "job/release" => Command::ReleaseJob {
            job: take_job(&mut object, &head)?,
        },
        "vehicle/pause" => Command::PauseVehicle {
            vehicle: take_str(&mut object, "vehicle", &head)?,
        },
        "vehicle/resume" => Command::ResumeVehicle {
            vehicle: take_str(&mut object, "vehicle", &head)?,
        },
        "vehicle/out-of-service" => Command::OutOfService {
            vehicle: take_str(&mut object, "vehicle", &head)?,
        },
        "vehicle/return-to-service" => Command::ReturnToService {
            vehicle: take_str(&mut object, "vehicle", &head)?,
        },
        "lane/close" => Command::CloseLane {
            lane: take_str(&mut object, "lane", &head)?,
        },
        "lane/open" => Command::OpenLane {
            lane: take_str(&mut object, "lane", &head)?,
        },
        "snapshot" => Command::Snapshot,
        other => {
            return Err(error(
                "unknown",
                "topic",
                format!(
                    "unknown command {other:?}; expected one of {}",
                    COMMANDS.join(", ")
                ),
                &head,
            ));
        }
    };
    if let Some(extra) = object.keys().next() {
        return Err(error("malformed", extra, "unknown field", &head));
    }
    Ok(Request {
        correlation_id: head.correlation_id.unwrap_or_default(),
        reply_to: head.reply_to,
        command,
    })
}

/// Whether `topic` is a valid MQTT topic name to publish to (no wildcards, not empty).
pub fn valid_topic(topic: &str) -> bool {
    !topic.is_empty() && !topic.contains(['+', '#', '\0']) && topic.len() <= 65_535
}
