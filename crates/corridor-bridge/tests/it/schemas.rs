//! `docs/schemas/*.json` (JSON Schema draft 2020-12) against the example messages the socket
//! tests send and receive: every valid example validates, every malformed one does not.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use corridor_fleet::operator::{COMMANDS, Event, Reply, parse_command};
use serde_json::{Value, json};

use crate::operator::{command_examples, event_examples, malformed_examples};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schemas");

fn validator(file: &str) -> &'static jsonschema::Validator {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> =
        OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .expect("schema cache");
    cache.entry(file.to_owned()).or_insert_with(|| {
        let path = format!("{DIR}/{file}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            schema["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema"),
            "{path}"
        );
        let validator = jsonschema::options()
            .build(&schema)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        Box::leak(Box::new(validator))
    })
}

fn violations(file: &str, instance: &Value) -> Vec<String> {
    validator(file)
        .iter_errors(instance)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect()
}

/// Panics with the violations when `instance` does not validate against `file`.
pub fn assert_valid(file: &str, instance: &Value) {
    let found = violations(file, instance);
    assert!(
        found.is_empty(),
        "{instance} does not validate against docs/schemas/{file}:\n{}",
        found.join("\n")
    );
}

fn assert_invalid(file: &str, instance: &Value) {
    assert!(
        !violations(file, instance).is_empty(),
        "{instance} should not validate against docs/schemas/{file}"
    );
}

fn command_schema(command: &str) -> String {
    format!("cmd-{}.json", command.replace('/', "-"))
}

#[test]
fn there_is_a_schema_for_every_command_reply_and_event() {
    for command in COMMANDS {
        validator(&command_schema(command));
    }
    for file in [
        "reply.json",
        "evt-job.json",
        "evt-vehicle.json",
        "evt-alarm.json",
        "evt-snapshot.json",
    ] {
        validator(file);
    }
    let files = std::fs::read_dir(DIR).expect("docs/schemas").count();
    assert_eq!(
        files,
        COMMANDS.len() + 5,
        "a schema file without a message, or the reverse"
    );
}

#[test]
fn command_examples_validate_and_malformed_ones_do_not() {
    for (command, payload, _, _) in command_examples() {
        let file = command_schema(command);
        assert_valid(&file, &payload);
        let mut with_token = payload.clone();
        with_token["token"] = json!("secret");
        with_token["reply_to"] = json!("ops/desk-7");
        assert_valid(&file, &with_token);
        // The schema and the parser agree on what is valid.
        assert!(parse_command(command, payload.to_string().as_bytes(), &[]).is_ok());
    }
    for (command, payload, field) in malformed_examples() {
        assert_invalid(&command_schema(command), &payload);
        let error =
            parse_command(command, payload.to_string().as_bytes(), &[]).expect_err("malformed");
        assert_eq!(error.field, field, "{command} {payload}");
    }
    // Wildcards in reply_to break both.
    let bad = json!({"correlation_id": "r", "reply_to": "ops/+/desk"});
    assert_invalid("cmd-snapshot.json", &bad);
    assert!(parse_command("snapshot", bad.to_string().as_bytes(), &[]).is_err());
}

#[test]
fn reply_examples_validate() {
    for (_, _, _, result) in command_examples() {
        assert_valid(
            "reply.json",
            &serde_json::to_value(Reply::ok("r-1", result)).expect("json"),
        );
    }
    for (command, payload, _) in malformed_examples() {
        let error = parse_command(command, payload.to_string().as_bytes(), &[]).expect_err("bad");
        assert_valid(
            "reply.json",
            &serde_json::to_value(Reply::error(error)).expect("json"),
        );
    }
    assert_invalid("reply.json", &json!({"ok": true}));
    assert_invalid("reply.json", &json!({"ok": false, "result": {}}));
    assert_invalid(
        "reply.json",
        &json!({"ok": false, "error": {"field": "job", "reason": "x", "code": "oops"}}),
    );
}

#[test]
fn event_examples_validate() {
    for event in event_examples() {
        let json = serde_json::to_value(&event).expect("json");
        let kind = json["kind"].as_str().expect("kind").to_owned();
        assert_valid(&format!("evt-{kind}.json"), &json);
    }
    let flying = serde_json::to_value(Event::Vehicle {
        time_s: 0.0,
        vehicle: "IGV-1".into(),
        status: "flying".into(),
        x: 0.0,
        y: 0.0,
        battery: 0.5,
        job: None,
    })
    .expect("json");
    assert_invalid("evt-vehicle.json", &flying);
    assert_invalid(
        "evt-job.json",
        &json!({"kind": "job", "time_s": 0, "job": 1}),
    );
}
