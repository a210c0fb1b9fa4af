//! The operator API over MQTT: commands under `corridor/v1/{site}/cmd/…`, replies on the
//! request's `reply_to` or `corridor/v1/{site}/reply`, events under
//! `corridor/v1/{site}/evt/{job|vehicle|alarm|snapshot}`. `docs/operator-api.md` documents
//! every message with its JSON schema.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use corridor_fleet::operator::{CommandError, Event, Reply, Request, parse_command};
use rumqttc::{Publish, QoS};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::error::BridgeError;
use crate::session::{MqttSettings, Session};

/// A valid command for the controller, with the way to answer it.
///
/// Answer with [`OperatorRequest::respond`] (or send on [`OperatorRequest::reply`]); the
/// bridge publishes the reply with the request's correlation id. A request dropped without
/// an answer, or not answered within [`OperatorConfig::reply_timeout`], is answered with
/// an error of code `unavailable`.
#[derive(Debug)]
pub struct OperatorRequest {
    /// The parsed command with its correlation id and reply topic.
    pub request: Request,
    /// Where the controller's answer goes.
    pub reply: oneshot::Sender<Reply>,
}

impl OperatorRequest {
    /// Answers the request. Returns false when the bridge no longer waits for the answer
    /// (it timed out, or the bridge shut down).
    pub fn respond(self, reply: Reply) -> bool {
        self.reply.send(reply).is_ok()
    }

    /// Whether the bridge no longer waits for the answer: it has answered `unavailable`
    /// (the controller took longer than the reply timeout) or shut down. A controller must
    /// not carry out an abandoned request: its operator was told it was not.
    pub fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }
}

/// How the operator API connects.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OperatorConfig {
    /// Broker and client settings.
    pub mqtt: MqttSettings,
    /// The site level of the topics, e.g. `huu-nghi`.
    pub site: String,
    /// Accepted tokens: when not empty, every command must carry one of them in `token`.
    pub tokens: Vec<String>,
    /// Capacity of the request channel to the controller. Default 256.
    pub request_capacity: usize,
    /// How long the bridge waits for the controller's answer. Default 10 s.
    pub reply_timeout: Duration,
}

impl OperatorConfig {
    /// Settings for `site`, without tokens, and the defaults above.
    pub fn new(mqtt: MqttSettings, site: impl Into<String>) -> OperatorConfig {
        OperatorConfig {
            mqtt,
            site: site.into(),
            tokens: Vec::new(),
            request_capacity: 256,
            reply_timeout: Duration::from_secs(10),
        }
    }
}

/// Counts kept by the operator API since it connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorCounters {
    /// Publishes received on the command topics.
    pub received: u64,
    /// Valid commands handed to the controller.
    pub forwarded: u64,
    /// Malformed, unknown or unauthorised commands, answered with an error reply.
    pub rejected: u64,
    /// Replies published (success and error).
    pub replies: u64,
    /// Events published.
    pub events: u64,
}

/// The topics of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorTopics {
    site: String,
}

impl OperatorTopics {
    /// The topics of `site`.
    ///
    /// # Errors
    /// [`BridgeError::Config`] (field `site`) when the site is empty or contains `/`, `+`,
    /// `#`, `$` or NUL.
    pub fn new(site: &str) -> Result<OperatorTopics, BridgeError> {
        if site.is_empty() {
            return Err(BridgeError::Config {
                field: "site",
                problem: "is empty".into(),
            });
        }
        if let Some(c) = site
            .chars()
            .find(|c| matches!(c, '/' | '+' | '#' | '$' | '\0'))
        {
            return Err(BridgeError::Config {
                field: "site",
                problem: format!(
                    "`{site}` contains `{}`; a site is one topic level",
                    c.escape_default()
                ),
            });
        }
        Ok(OperatorTopics {
            site: site.to_owned(),
        })
    }

    /// `corridor/v1/{site}/cmd/{command}`, e.g. command `job/submit`.
    pub fn command(&self, command: &str) -> String {
        format!("corridor/v1/{}/cmd/{command}", self.site)
    }

    /// `corridor/v1/{site}/cmd/#`: what the bridge subscribes to.
    pub fn command_filter(&self) -> String {
        format!("corridor/v1/{}/cmd/#", self.site)
    }

    /// `corridor/v1/{site}/reply`: where replies go when a request names no `reply_to`.
    pub fn reply(&self) -> String {
        format!("corridor/v1/{}/reply", self.site)
    }

    /// `corridor/v1/{site}/evt/{kind}` for `kind` `job`, `vehicle`, `alarm` or `snapshot`.
    pub fn event(&self, kind: &str) -> String {
        format!("corridor/v1/{}/evt/{kind}", self.site)
    }

    /// The command levels after `cmd/` of a topic under this site's command filter.
    fn command_of<'t>(&self, topic: &'t str) -> Option<&'t str> {
        let rest = topic
            .strip_prefix("corridor/v1/")?
            .strip_prefix(self.site.as_str())?
            .strip_prefix("/cmd")?;
        match rest {
            "" => Some(""),
            r => r.strip_prefix('/'),
        }
    }

    fn is_command_topic(&self, topic: &str) -> bool {
        self.command_of(topic).is_some()
    }
}

/// The event's topic level, QoS and retained flag: snapshots are retained (a new
/// dashboard gets the last one at once) and best-effort (the next comes within a second);
/// job, vehicle and alarm events are delivered at least once and not retained.
fn event_route(event: &Event) -> (&'static str, QoS, bool) {
    match event {
        Event::Job { .. } => ("job", QoS::AtLeastOnce, false),
        Event::Vehicle { .. } => ("vehicle", QoS::AtLeastOnce, false),
        Event::Alarm { .. } => ("alarm", QoS::AtLeastOnce, false),
        Event::Snapshot { .. } => ("snapshot", QoS::AtMostOnce, true),
    }
}

/// The first number of `event` that JSON cannot carry (NaN or infinite), by field name.
fn non_finite(event: &Event) -> Option<&'static str> {
    let numbers: &[(&'static str, f64)] = match event {
        Event::Job { time_s, .. } | Event::Alarm { time_s, .. } => &[("time_s", *time_s)],
        Event::Vehicle {
            time_s,
            x,
            y,
            battery,
            ..
        } => &[
            ("time_s", *time_s),
            ("x", *x),
            ("y", *y),
            ("battery", *battery),
        ],
        Event::Snapshot { time_s, .. } => &[("time_s", *time_s)],
    };
    numbers
        .iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(name, _)| *name)
}

#[derive(Debug, Default)]
struct Counts {
    forwarded: AtomicU64,
    rejected: AtomicU64,
    replies: AtomicU64,
    events: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    session: Session,
    topics: OperatorTopics,
    counts: Counts,
}

/// The operator API transport for one site.
///
/// Subscribes `corridor/v1/{site}/cmd/#` (QoS 1) and parses each command with
/// [`corridor_fleet::operator::parse_command`]. A valid command goes to the controller as
/// an [`OperatorRequest`]; the controller's [`Reply`] is published (QoS 1) as JSON on the
/// request's `reply_to`, or on `corridor/v1/{site}/reply`, always with the request's
/// correlation id. A malformed, unknown or unauthorised command is answered with the error
/// reply (naming the field, the reason and the code) by the bridge itself: it never
/// reaches the controller, is logged and counted, and the bridge goes on.
///
/// Cloning gives another handle to the same connection.
#[derive(Debug, Clone)]
pub struct OperatorApi {
    inner: Arc<Inner>,
}

impl OperatorApi {
    /// Connects, subscribes to the site's command topics, and returns once the broker has
    /// acknowledged the subscription, with the receiver of valid requests. The connection
    /// lives until `shutdown` completes.
    ///
    /// # Errors
    /// [`BridgeError::Config`] for bad settings (e.g. a site with `/`);
    /// [`BridgeError::Connect`] as for [`crate::MasterControl::connect`].
    pub async fn connect(
        config: OperatorConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(OperatorApi, mpsc::Receiver<OperatorRequest>), BridgeError> {
        let topics = OperatorTopics::new(&config.site)?;
        if config.request_capacity == 0 {
            return Err(BridgeError::Config {
                field: "request_capacity",
                problem: "must be at least 1".into(),
            });
        }
        if config.tokens.iter().any(String::is_empty) {
            return Err(BridgeError::Config {
                field: "tokens",
                problem: "an empty token would accept any request that sends `\"token\":\"\"`"
                    .into(),
            });
        }
        let subscriptions = vec![(topics.command_filter(), QoS::AtLeastOnce)];
        let (session, publishes) =
            Session::open(&config.mqtt, "operator API", subscriptions, shutdown).await?;
        let (requests, requests_rx) = mpsc::channel(config.request_capacity);
        let inner = Arc::new(Inner {
            session,
            topics,
            counts: Counts::default(),
        });
        tokio::spawn(handle(
            Arc::clone(&inner),
            publishes,
            requests,
            config.tokens,
            config.reply_timeout,
        ));
        info!(site = %config.site, "operator API subscribed");
        Ok((OperatorApi { inner }, requests_rx))
    }

    /// Publishes an event on `corridor/v1/{site}/evt/{job|vehicle|alarm|snapshot}`.
    ///
    /// # Errors
    /// [`BridgeError::Config`] (field `event.<name>`) when a number is NaN or infinite,
    /// which JSON cannot carry; [`BridgeError::Connect`] while disconnected;
    /// [`BridgeError::Closed`] after shutdown.
    pub async fn publish_event(&self, event: &Event) -> Result<(), BridgeError> {
        let (kind, qos, retain) = event_route(event);
        if let Some(field) = non_finite(event) {
            return Err(BridgeError::Config {
                field: "event",
                problem: format!("{kind} event: `{field}` is NaN or infinite"),
            });
        }
        let payload = serde_json::to_vec(event).map_err(|e| BridgeError::Config {
            field: "event",
            problem: format!("{kind} event cannot be written as JSON: {e}"),
        })?;
        self.inner
            .session
            .publish(self.inner.topics.event(kind), qos, retain, payload)
            .await?;
        self.inner.counts.events.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// The site's topics.
    pub fn topics(&self) -> &OperatorTopics {
        &self.inner.topics
    }

    /// The counts so far.
    pub fn counters(&self) -> OperatorCounters {
        let c = &self.inner.counts;
        OperatorCounters {
            received: self.inner.session.status().received.load(Ordering::Relaxed),
            forwarded: c.forwarded.load(Ordering::Relaxed),
            rejected: c.rejected.load(Ordering::Relaxed),
            replies: c.replies.load(Ordering::Relaxed),
            events: c.events.load(Ordering::Relaxed),
        }
    }

    /// True while connected to the broker.
    pub fn is_connected(&self) -> bool {
        self.inner.session.is_connected()
    }

    /// Completes once the connection has been shut down.
    pub async fn stopped(&self) {
        self.inner.session.stopped().await;
    }
}

fn unavailable(correlation_id: &str, reason: String) -> Reply {
    Reply::error(CommandError {
        correlation_id: Some(correlation_id.to_owned()),
        reply_to: None,
        field: "controller".into(),
        reason,
        code: "unavailable".into(),
    })
}

/// Publishes a reply; a failure (shutdown, broker gone) is logged here and goes no further:
/// the operator will not hear back, and nothing else depends on it.
async fn send_reply(inner: &Inner, topic: String, reply: &Reply) {
    let payload = match serde_json::to_vec(reply) {
        Ok(p) => p,
        Err(e) => {
            warn!(%topic, error = %e, "operator reply cannot be written as JSON; not sent");
            return;
        }
    };
    match inner
        .session
        .publish(topic.clone(), QoS::AtLeastOnce, false, payload)
        .await
    {
        Ok(()) => {
            inner.counts.replies.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => warn!(%topic, error = %e, "operator reply not sent"),
    }
}

/// Whether replies must not go to `topic`: one of the API's command topics, or a VDA 5050
/// topic (a vehicle would read the reply as a malformed order or state).
fn unusable_reply_topic(topics: &OperatorTopics, topic: &str) -> bool {
    topics.is_command_topic(topic) || corridor_vda5050::Topic::parse(topic).is_ok()
}

/// The handler task: parses each command, answers errors itself, forwards the rest.
async fn handle(
    inner: Arc<Inner>,
    mut publishes: mpsc::Receiver<Publish>,
    requests: mpsc::Sender<OperatorRequest>,
    tokens: Vec<String>,
    reply_timeout: Duration,
) {
    let default_reply = inner.topics.reply();
    while let Some(publish) = publishes.recv().await {
        let topic = publish.topic;
        let command = inner.topics.command_of(&topic).unwrap_or(topic.as_str());
        let parsed = parse_command(command, &publish.payload, &tokens).and_then(|request| {
            match &request.reply_to {
                Some(to) if unusable_reply_topic(&inner.topics, to) => Err(CommandError {
                    correlation_id: Some(request.correlation_id.clone()),
                    reply_to: None,
                    field: "reply_to".into(),
                    reason: format!(
                        "`{to}` is a command or VDA 5050 topic; replies cannot go there"
                    ),
                    code: "malformed".into(),
                }),
                _ => Ok(request),
            }
        });
        let request = match parsed {
            Ok(request) => request,
            Err(mut error) => {
                if error
                    .reply_to
                    .as_deref()
                    .is_some_and(|to| unusable_reply_topic(&inner.topics, to))
                {
                    error.reply_to = None;
                }
                inner.counts.rejected.fetch_add(1, Ordering::Relaxed);
                warn!(%topic, field = %error.field, reason = %error.reason, code = %error.code,
                    "operator command refused");
                let to = error
                    .reply_to
                    .clone()
                    .unwrap_or_else(|| default_reply.clone());
                send_reply(&inner, to, &Reply::error(error)).await;
                continue;
            }
        };
        let reply_topic = request
            .reply_to
            .clone()
            .unwrap_or_else(|| default_reply.clone());
        let correlation_id = request.correlation_id.clone();
        debug!(%topic, %correlation_id, "operator command to the controller");
        let (reply, answer) = oneshot::channel();
        if requests
            .send(OperatorRequest { request, reply })
            .await
            .is_err()
        {
            let reply = unavailable(&correlation_id, "the controller is not running".into());
            send_reply(&inner, reply_topic, &reply).await;
            continue;
        }
        inner.counts.forwarded.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::clone(&inner);
        tokio::spawn(async move {
            let mut reply = match tokio::time::timeout(reply_timeout, answer).await {
                Ok(Ok(reply)) => reply,
                Ok(Err(_)) => unavailable(
                    &correlation_id,
                    "the controller dropped the request without answering".into(),
                ),
                Err(_) => unavailable(
                    &correlation_id,
                    format!("the controller did not answer within {reply_timeout:?}"),
                ),
            };
            reply.correlation_id = Some(correlation_id.clone());
            if let Some(error) = reply.error.as_mut() {
                error.correlation_id = Some(correlation_id);
            }
            send_reply(&inner, reply_topic, &reply).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_of_a_site() {
        let t = OperatorTopics::new("huu-nghi").unwrap();
        assert_eq!(
            t.command("job/submit"),
            "corridor/v1/huu-nghi/cmd/job/submit"
        );
        assert_eq!(t.command_filter(), "corridor/v1/huu-nghi/cmd/#");
        assert_eq!(t.reply(), "corridor/v1/huu-nghi/reply");
        assert_eq!(t.event("snapshot"), "corridor/v1/huu-nghi/evt/snapshot");
        assert_eq!(
            t.command_of("corridor/v1/huu-nghi/cmd/lane/close"),
            Some("lane/close")
        );
        assert_eq!(t.command_of("corridor/v1/huu-nghi/cmd"), Some(""));
        assert_eq!(t.command_of("corridor/v1/huu-nghi/cmdx/a"), None);
        assert_eq!(t.command_of("corridor/v1/huu-nghi-2/cmd/a"), None);
        for bad in ["", "a/b", "a+", "#", "$SYS"] {
            assert!(matches!(
                OperatorTopics::new(bad),
                Err(BridgeError::Config { field: "site", .. })
            ));
        }
    }

    #[test]
    fn events_with_nan_are_refused_by_field() {
        let event = Event::Vehicle {
            time_s: 1.0,
            vehicle: "IGV-1".into(),
            status: "idle".into(),
            x: f64::NAN,
            y: 0.0,
            battery: 0.5,
            job: None,
        };
        assert_eq!(non_finite(&event), Some("x"));
        assert_eq!(event_route(&event), ("vehicle", QoS::AtLeastOnce, false));
        let snapshot = Event::Snapshot {
            time_s: 1.0,
            vehicles: Vec::new(),
            jobs: Default::default(),
            closed_lanes: Vec::new(),
        };
        assert_eq!(event_route(&snapshot), ("snapshot", QoS::AtMostOnce, true));
        assert_eq!(non_finite(&snapshot), None);
    }
}
