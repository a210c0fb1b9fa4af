//! The operator API over real sockets: every command's success round trip through a small
//! test controller, every command's error round trip (malformed, unknown topic, missing or
//! wrong token) answered by the bridge alone, reply routing, events.
//!
//! The payloads here are the examples that `schemas.rs` validates against
//! `docs/schemas/*.json`, and every reply received here is validated against
//! `docs/schemas/reply.json`.

use std::collections::BTreeMap;

use corridor_bridge::{
    BrokerUrl, MqttSettings, OperatorApi, OperatorConfig, OperatorRequest, OperatorTopics,
};
use corridor_fleet::JobSpec;
use corridor_fleet::operator::{Command, Event, Reply};
use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, Publish, QoS};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::schemas;
use crate::support::{LogCapture, QUIET, WAIT, broker, retained_on, shutdown, unique};

/// One example per command: its topic levels after `cmd/`, a valid payload, the command it
/// parses to, and the result the controller answers with.
pub fn command_examples() -> Vec<(&'static str, Value, Command, Value)> {
    let vehicle = |c: fn(String) -> Command| c("IGV-03".into());
    vec![
        (
            "job/submit",
            json!({"correlation_id": "r-1", "job": {"container": "CSQU3054383", "flow": "export",
                   "perishable": true, "priority": 5, "deadline_s": 7200.0}}),
            Command::SubmitJob(JobSpec {
                container: "CSQU3054383".into(),
                flow: Some("export".into()),
                stations: Vec::new(),
                priority: 5,
                perishable: true,
                release_s: 0.0,
                deadline_s: Some(7200.0),
                hold: false,
                inspect: false,
            }),
            json!({"job": 41}),
        ),
        (
            "job/cancel",
            json!({"correlation_id": "r-2", "job": 41, "reason": "wrong box"}),
            Command::CancelJob {
                job: 41,
                reason: "wrong box".into(),
            },
            json!({"job": 41, "state": "cancelled"}),
        ),
        (
            "job/hold",
            json!({"correlation_id": "r-3", "job": 42}),
            Command::HoldJob { job: 42 },
            json!({"job": 42, "state": "held"}),
        ),
        (
            "job/release",
            json!({"correlation_id": "r-4", "job": 42}),
            Command::ReleaseJob { job: 42 },
            json!({"job": 42, "state": "waiting"}),
        ),
        (
            "vehicle/pause",
            json!({"correlation_id": "r-5", "vehicle": "IGV-03"}),
            vehicle(|vehicle| Command::PauseVehicle { vehicle }),
            json!({"vehicle": "IGV-03", "status": "paused"}),
        ),
        (
            "vehicle/resume",
            json!({"correlation_id": "r-6", "vehicle": "IGV-03"}),
            vehicle(|vehicle| Command::ResumeVehicle { vehicle }),
            json!({"vehicle": "IGV-03", "status": "active"}),
        ),
        (
            "vehicle/out-of-service",
            json!({"correlation_id": "r-7", "vehicle": "IGV-03"}),
            vehicle(|vehicle| Command::OutOfService { vehicle }),
            json!({"vehicle": "IGV-03", "status": "out_of_service"}),
        ),
        (
            "vehicle/return-to-service",
            json!({"correlation_id": "r-8", "vehicle": "IGV-03"}),
            vehicle(|vehicle| Command::ReturnToService { vehicle }),
            json!({"vehicle": "IGV-03", "status": "active"}),
        ),
        (
            "lane/close",
            json!({"correlation_id": "r-9", "lane": "E-B1-B2"}),
            Command::CloseLane {
                lane: "E-B1-B2".into(),
            },
            json!({"lane": "E-B1-B2", "state": "closed"}),
        ),
        (
            "lane/open",
            json!({"correlation_id": "r-10", "lane": "E-B1-B2"}),
            Command::OpenLane {
                lane: "E-B1-B2".into(),
            },
            json!({"lane": "E-B1-B2", "state": "open"}),
        ),
        (
            "snapshot",
            json!({"correlation_id": "r-11"}),
            Command::Snapshot,
            json!({"published": true}),
        ),
    ]
}

/// Bad payloads, at least one per command, with the field the bridge's error reply names
/// (code `malformed`). Each also breaks its command's JSON schema (`schemas.rs` checks).
pub fn malformed_examples() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "job/submit",
            json!({"correlation_id": "e-1", "job": {"flow": "export"}}),
            "job.container",
        ),
        (
            "job/submit",
            json!({"correlation_id": "e-2", "job": {"container": "C", "colour": "red"}}),
            "job.colour",
        ),
        (
            "job/cancel",
            json!({"correlation_id": "e-3", "job": "seven"}),
            "job",
        ),
        ("job/hold", json!({"correlation_id": "e-4"}), "job"),
        (
            "job/release",
            json!({"correlation_id": "e-5", "job": -1}),
            "job",
        ),
        ("vehicle/pause", json!({"correlation_id": "e-6"}), "vehicle"),
        (
            "vehicle/resume",
            json!({"correlation_id": "e-7", "vehicle": ""}),
            "vehicle",
        ),
        (
            "vehicle/out-of-service",
            json!({"correlation_id": "e-8", "vehicle": 3}),
            "vehicle",
        ),
        (
            "vehicle/return-to-service",
            json!({"correlation_id": "e-9", "vehicle": "  "}),
            "vehicle",
        ),
        (
            "lane/close",
            json!({"correlation_id": "e-10", "lane": 3}),
            "lane",
        ),
        ("lane/open", json!({"correlation_id": "e-11"}), "lane"),
        (
            "snapshot",
            json!({"correlation_id": "e-12", "verbose": true}),
            "verbose",
        ),
        ("snapshot", json!({"job": 1}), "correlation_id"),
    ]
}

/// One example of each event.
pub fn event_examples() -> Vec<Event> {
    let vehicle = Event::Vehicle {
        time_s: 3600.0,
        vehicle: "IGV-03".into(),
        status: "working".into(),
        x: 412.5,
        y: -3.5,
        battery: 0.82,
        job: Some(41),
    };
    vec![
        Event::Job {
            time_s: 3600.0,
            job: 41,
            container: "CSQU3054383".into(),
            state: "carrying".into(),
            vehicle: Some("IGV-03".into()),
        },
        vehicle.clone(),
        Event::Alarm {
            time_s: 3601.5,
            severity: "warning".into(),
            subject: "IGV-05".into(),
            message: "broken down: others wait or route around".into(),
        },
        Event::Snapshot {
            time_s: 3602.0,
            vehicles: vec![serde_json::to_value(&vehicle).expect("json")],
            jobs: BTreeMap::from([("carrying".into(), 1), ("waiting".into(), 4)]),
            closed_lanes: vec!["E-B1-B2".into()],
        },
    ]
}

/// The operator's side: the test's own rumqttc client.
struct Operator {
    client: AsyncClient,
    inbox: mpsc::UnboundedReceiver<Publish>,
    topics: OperatorTopics,
}

impl Operator {
    /// Connects and subscribes to `filters` (waiting for the broker's acknowledgement).
    async fn connect(url: &BrokerUrl, site: &str, filters: &[String]) -> Operator {
        let mut options = MqttOptions::new(unique("operator-"), url.host(), url.port());
        options.set_keep_alive(std::time::Duration::from_secs(5));
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let (tx, inbox) = mpsc::unbounded_channel();
        let (acked_tx, acked) = oneshot::channel();
        tokio::spawn(async move {
            let mut acked_tx = Some(acked_tx);
            while let Ok(event) = eventloop.poll().await {
                match event {
                    // The test holds the inbox until it ends.
                    MqttEvent::Incoming(Packet::Publish(p)) => drop(tx.send(p)),
                    MqttEvent::Incoming(Packet::SubAck(_)) => {
                        if let Some(a) = acked_tx.take() {
                            let _ = a.send(());
                        }
                    }
                    _ => {}
                }
            }
        });
        client
            .subscribe_many(
                filters
                    .iter()
                    .map(|f| rumqttc::SubscribeFilter::new(f.clone(), QoS::AtLeastOnce)),
            )
            .await
            .expect("subscribe");
        tokio::time::timeout(WAIT, acked)
            .await
            .expect("subscribed in time")
            .expect("operator pump alive");
        Operator {
            client,
            inbox,
            topics: OperatorTopics::new(site).expect("site"),
        }
    }

    async fn send(&self, command: &str, payload: &[u8]) {
        self.client
            .publish(
                self.topics.command(command),
                QoS::AtLeastOnce,
                false,
                payload.to_vec(),
            )
            .await
            .expect("publish command");
    }

    async fn next(&mut self) -> Publish {
        tokio::time::timeout(WAIT, self.inbox.recv())
            .await
            .unwrap_or_else(|_| panic!("no message within {WAIT:?}"))
            .expect("operator pump alive")
    }

    /// The next reply: its topic and JSON, checked against `docs/schemas/reply.json`.
    async fn reply(&mut self) -> (String, Value) {
        let p = self.next().await;
        let json: Value = serde_json::from_slice(&p.payload).expect("reply is JSON");
        schemas::assert_valid("reply.json", &json);
        (p.topic, json)
    }
}

async fn operator_api(
    url: &BrokerUrl,
    site: &str,
    tokens: &[&str],
) -> (
    OperatorApi,
    mpsc::Receiver<OperatorRequest>,
    oneshot::Sender<()>,
) {
    operator_api_with(url, site, |config| {
        config.tokens = tokens.iter().map(|t| (*t).to_owned()).collect();
    })
    .await
}

/// [`operator_api`] with the configuration changed by `configure`.
async fn operator_api_with(
    url: &BrokerUrl,
    site: &str,
    configure: impl FnOnce(&mut OperatorConfig),
) -> (
    OperatorApi,
    mpsc::Receiver<OperatorRequest>,
    oneshot::Sender<()>,
) {
    let (stop, until) = shutdown();
    let mut config = OperatorConfig::new(MqttSettings::new(url.clone(), unique("ops-")), site);
    configure(&mut config);
    let (api, requests) = OperatorApi::connect(config, until)
        .await
        .expect("operator API connects");
    (api, requests, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_round_trips_through_the_controller() {
    let broker = broker().await;
    let url = broker.url();
    let site = unique("site-");
    let (api, mut requests, _stop) = operator_api(&url, &site, &["secret"]).await;
    let mut operator = Operator::connect(&url, &site, &[api.topics().reply()]).await;

    // The test controller: answers each request with the result the test hands it.
    let (results_tx, mut results) = mpsc::unbounded_channel::<Value>();
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<Command>();
    tokio::spawn(async move {
        while let Some(request) = requests.recv().await {
            let result = results.recv().await.expect("a result for each request");
            let id = request.request.correlation_id.clone();
            seen_tx
                .send(request.request.command.clone())
                .expect("test listening");
            assert!(request.respond(Reply::ok(&id, result)));
        }
    });

    for (command, mut payload, expected, result) in command_examples() {
        payload["token"] = json!("secret");
        results_tx.send(result.clone()).expect("controller alive");
        operator.send(command, payload.to_string().as_bytes()).await;
        let (topic, reply) = operator.reply().await;
        assert_eq!(topic, api.topics().reply(), "{command}");
        assert_eq!(reply["ok"], json!(true), "{command}: {reply}");
        assert_eq!(
            reply["correlation_id"], payload["correlation_id"],
            "{command}"
        );
        assert_eq!(reply["result"], result, "{command}");
        assert_eq!(seen.recv().await.expect("seen"), expected, "{command}");
    }
    let c = api.counters();
    assert_eq!((c.forwarded, c.replies, c.rejected), (11, 11, 0), "{c:?}");
}

#[tokio::test]
async fn bad_commands_are_answered_by_the_bridge_and_never_reach_the_controller() {
    let log = LogCapture::default();
    let _guard = log.install();
    let broker = broker().await;
    let url = broker.url();
    let site = unique("site-");
    let (api, mut requests, _stop) = operator_api(&url, &site, &["secret"]).await;
    let mut operator = Operator::connect(&url, &site, &[api.topics().reply()]).await;
    let mut expected_rejections = 0;

    // Malformed: one per command, each naming its field.
    for (command, mut payload, field) in malformed_examples() {
        payload["token"] = json!("secret");
        operator.send(command, payload.to_string().as_bytes()).await;
        let (_, reply) = operator.reply().await;
        assert_eq!(reply["ok"], json!(false), "{command}: {reply}");
        assert_eq!(
            reply["error"]["code"],
            json!("malformed"),
            "{command}: {reply}"
        );
        assert_eq!(reply["error"]["field"], json!(field), "{command}: {reply}");
        assert_eq!(
            reply["correlation_id"], payload["correlation_id"],
            "{command}"
        );
        expected_rejections += 1;
    }
    // Not JSON at all, and binary garbage: no correlation id to echo.
    for garbage in [&b"{not json"[..], &[0xff, 0x00, 0x13][..]] {
        operator.send("job/submit", garbage).await;
        let (topic, reply) = operator.reply().await;
        assert_eq!(topic, api.topics().reply());
        assert_eq!(
            (&reply["error"]["field"], &reply["error"]["code"]),
            (&json!("payload"), &json!("malformed")),
            "{reply}"
        );
        assert!(reply.get("correlation_id").is_none(), "{reply}");
        expected_rejections += 1;
    }
    // Unknown command topics.
    for command in ["teleport", "job/submit/now", ""] {
        let topic = if command.is_empty() {
            format!("corridor/v1/{site}/cmd")
        } else {
            api.topics().command(command)
        };
        operator
            .client
            .publish(
                topic,
                QoS::AtLeastOnce,
                false,
                br#"{"correlation_id":"u-1","token":"secret"}"#.to_vec(),
            )
            .await
            .expect("publish");
        let (_, reply) = operator.reply().await;
        assert_eq!(
            (&reply["error"]["field"], &reply["error"]["code"]),
            (&json!("topic"), &json!("unknown")),
            "{command}: {reply}"
        );
        assert_eq!(reply["correlation_id"], json!("u-1"));
        expected_rejections += 1;
    }
    // Unauthorised: every command without a token, and with a wrong one.
    for (command, payload, _, _) in command_examples() {
        operator.send(command, payload.to_string().as_bytes()).await;
        let (_, reply) = operator.reply().await;
        assert_eq!(
            (&reply["error"]["field"], &reply["error"]["code"]),
            (&json!("token"), &json!("unauthorised")),
            "{command}: {reply}"
        );
        assert!(
            reply["error"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("missing")),
            "{reply}"
        );
        let mut wrong = payload.clone();
        wrong["token"] = json!("guess");
        operator.send(command, wrong.to_string().as_bytes()).await;
        let (_, reply) = operator.reply().await;
        assert_eq!(
            reply["error"]["code"],
            json!("unauthorised"),
            "{command}: {reply}"
        );
        expected_rejections += 2;
    }
    // Replies cannot be steered onto command topics.
    let hijack = json!({"correlation_id": "h-1", "token": "secret",
                        "reply_to": api.topics().command("job/submit")});
    operator
        .send("snapshot", hijack.to_string().as_bytes())
        .await;
    let (topic, reply) = operator.reply().await;
    assert_eq!(topic, api.topics().reply());
    assert_eq!(reply["error"]["field"], json!("reply_to"), "{reply}");
    expected_rejections += 1;
    // Nor onto a vehicle's VDA 5050 topics, not even with a request that fails on its own
    // (here: a job/hold without a job).
    let hijack = json!({"correlation_id": "h-2", "token": "secret",
                        "reply_to": "uagv/v2/Corridor/IGV-01/order"});
    for command in ["snapshot", "job/hold"] {
        operator.send(command, hijack.to_string().as_bytes()).await;
        let (topic, reply) = operator.reply().await;
        assert_eq!(topic, api.topics().reply(), "{command}");
        assert_eq!(reply["ok"], json!(false), "{command}: {reply}");
        expected_rejections += 1;
    }

    // None of it reached the controller, and the bridge still works.
    assert!(
        requests.try_recv().is_err(),
        "a bad command reached the controller"
    );
    let c = api.counters();
    assert_eq!((c.rejected, c.forwarded), (expected_rejections, 0), "{c:?}");
    operator
        .send("snapshot", br#"{"correlation_id":"ok-1","token":"secret"}"#)
        .await;
    let request = tokio::time::timeout(WAIT, requests.recv())
        .await
        .expect("a valid command after the garbage")
        .expect("channel open");
    assert_eq!(request.request.command, Command::Snapshot);
    assert!(request.respond(Reply::ok("ignored", json!({"published": true}))));
    let (_, reply) = operator.reply().await;
    // The bridge puts the request's correlation id on the reply, whatever the controller wrote.
    assert_eq!(reply["correlation_id"], json!("ok-1"));
    assert!(api.is_connected());

    let text = log.text();
    assert_eq!(
        text.matches("operator command refused").count() as u64,
        expected_rejections,
        "{text}"
    );
    assert!(
        text.contains("teleport") && text.contains("job.container"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_go_to_reply_to_and_unanswered_requests_get_unavailable() {
    let broker = broker().await;
    let url = broker.url();
    let site = unique("site-");
    let (api, mut requests, _stop) = operator_api(&url, &site, &[]).await;
    let desk = format!("ops/{site}/desk-7");
    let mut operator = Operator::connect(&url, &site, &[api.topics().reply(), desk.clone()]).await;

    let payload = json!({"correlation_id": "d-1", "reply_to": desk, "job": 7});
    operator
        .send("job/hold", payload.to_string().as_bytes())
        .await;
    let request = tokio::time::timeout(WAIT, requests.recv())
        .await
        .expect("request")
        .expect("open");
    assert_eq!(request.request.reply_to.as_deref(), Some(desk.as_str()));
    request.respond(Reply::ok("d-1", json!({"job": 7, "state": "held"})));
    let (topic, reply) = operator.reply().await;
    assert_eq!(
        (topic.as_str(), &reply["ok"]),
        (desk.as_str(), &json!(true))
    );

    // The controller drops a request without answering: the operator still hears back.
    operator
        .send("snapshot", br#"{"correlation_id":"d-2"}"#)
        .await;
    let request = tokio::time::timeout(WAIT, requests.recv())
        .await
        .expect("request")
        .expect("open");
    drop(request);
    let (topic, reply) = operator.reply().await;
    assert_eq!(topic, api.topics().reply());
    assert_eq!(reply["error"]["code"], json!("unavailable"), "{reply}");
    assert_eq!(reply["correlation_id"], json!("d-2"));

    // A refusal by the controller travels as it was written.
    operator
        .send("job/cancel", br#"{"correlation_id":"d-3","job":99}"#)
        .await;
    let request = tokio::time::timeout(WAIT, requests.recv())
        .await
        .expect("request")
        .expect("open");
    request.respond(Reply::error(corridor_fleet::operator::CommandError {
        correlation_id: Some("d-3".into()),
        reply_to: None,
        field: "job".into(),
        reason: "unknown job 99".into(),
        code: "refused".into(),
    }));
    let (_, reply) = operator.reply().await;
    assert_eq!(
        (&reply["error"]["code"], &reply["error"]["reason"]),
        (&json!("refused"), &json!("unknown job 99"))
    );
    let mut quiet = operator;
    if let Ok(Some(p)) = tokio::time::timeout(QUIET, quiet.inbox.recv()).await {
        panic!("unexpected extra message on {}", p.topic);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_published_under_evt_and_the_snapshot_is_retained() {
    let broker = broker().await;
    let url = broker.url();
    let site = unique("site-");
    let (api, _requests, _stop) = operator_api(&url, &site, &[]).await;
    let filter = format!("corridor/v1/{site}/evt/#");
    let mut operator = Operator::connect(&url, &site, std::slice::from_ref(&filter)).await;

    for event in event_examples() {
        api.publish_event(&event).await.expect("event published");
        let p = operator.next().await;
        let json: Value = serde_json::from_slice(&p.payload).expect("JSON");
        let kind = json["kind"].as_str().expect("kind").to_owned();
        assert_eq!(p.topic, api.topics().event(&kind));
        assert_eq!(json, serde_json::to_value(&event).expect("json"));
        schemas::assert_valid(&format!("evt-{kind}.json"), &json);
    }
    // A dashboard that subscribes later gets the last snapshot at once; job, vehicle and
    // alarm events are not retained.
    let p = retained_on(&url, &api.topics().event("snapshot"))
        .await
        .expect("the snapshot is retained");
    assert!(p.retain);
    let json: Value = serde_json::from_slice(&p.payload).expect("JSON");
    assert_eq!(json["kind"], json!("snapshot"));
    for kind in ["job", "vehicle", "alarm"] {
        assert!(
            retained_on(&url, &api.topics().event(kind)).await.is_none(),
            "{kind}"
        );
    }

    // An event JSON cannot carry is refused by name, and nothing is published.
    let bad = Event::Vehicle {
        time_s: 1.0,
        vehicle: "IGV-1".into(),
        status: "idle".into(),
        x: f64::INFINITY,
        y: 0.0,
        battery: 0.5,
        job: None,
    };
    let e = api.publish_event(&bad).await.expect_err("infinite x");
    assert!(e.to_string().contains("`x`"), "{e}");
    assert_eq!(api.counters().events, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_answered_unavailable_is_marked_abandoned() {
    let broker = broker().await;
    let url = broker.url();
    let site = unique("site-");
    let (api, mut requests, _stop) = operator_api_with(&url, &site, |config| {
        config.reply_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let mut operator = Operator::connect(&url, &site, &[api.topics().reply()]).await;
    operator
        .send("snapshot", br#"{"correlation_id":"slow-1"}"#)
        .await;
    let request = tokio::time::timeout(WAIT, requests.recv())
        .await
        .expect("request")
        .expect("open");
    assert!(!request.abandoned(), "the bridge waits for the answer");
    // The controller is busy (restarting) past the reply timeout.
    let (_, reply) = operator.reply().await;
    assert_eq!(reply["error"]["code"], json!("unavailable"), "{reply}");
    assert_eq!(reply["correlation_id"], json!("slow-1"));
    assert!(
        request.abandoned(),
        "after `unavailable`, the request must not be carried out"
    );
}
