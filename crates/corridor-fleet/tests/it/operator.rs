//! Operator commands: each parses when right and is refused, naming the field, when wrong.

use corridor_fleet::operator::{COMMANDS, Command, Reply, parse_command};

fn ok(command: &str, payload: &str) -> Command {
    parse_command(command, payload.as_bytes(), &[])
        .unwrap_or_else(|e| panic!("{command} {payload}: {e}"))
        .command
}

fn refused(command: &str, payload: &str, field: &str, code: &str) {
    let e = parse_command(command, payload.as_bytes(), &["secret".into()]).expect_err(payload);
    assert_eq!(
        (e.field.as_str(), e.code.as_str()),
        (field, code),
        "{command} {payload}: {e}"
    );
}

#[test]
fn every_command_parses() {
    let job = r#"{"correlation_id":"r1","job":{"container":"CSQU3054383","flow":"export","perishable":true}}"#;
    match ok("job/submit", job) {
        Command::SubmitJob(spec) => {
            assert_eq!(spec.container, "CSQU3054383");
            assert_eq!(spec.flow.as_deref(), Some("export"));
            assert!(spec.perishable && !spec.hold);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ok(
            "job/cancel",
            r#"{"correlation_id":"r","job":7,"reason":"wrong box"}"#
        ),
        Command::CancelJob {
            job: 7,
            reason: "wrong box".into()
        }
    );
    assert_eq!(
        ok("job/hold", r#"{"correlation_id":"r","job":7}"#),
        Command::HoldJob { job: 7 }
    );
    assert_eq!(
        ok("job/release", r#"{"correlation_id":"r","job":7}"#),
        Command::ReleaseJob { job: 7 }
    );
    for (c, expected) in [
        (
            "vehicle/pause",
            Command::PauseVehicle {
                vehicle: "IGV-03".into(),
            },
        ),
        (
            "vehicle/resume",
            Command::ResumeVehicle {
                vehicle: "IGV-03".into(),
            },
        ),
        (
            "vehicle/out-of-service",
            Command::OutOfService {
                vehicle: "IGV-03".into(),
            },
        ),
        (
            "vehicle/return-to-service",
            Command::ReturnToService {
                vehicle: "IGV-03".into(),
            },
        ),
    ] {
        assert_eq!(
            ok(c, r#"{"correlation_id":"r","vehicle":"IGV-03"}"#),
            expected
        );
    }
    assert_eq!(
        ok("lane/close", r#"{"correlation_id":"r","lane":"E-B1-B2"}"#),
        Command::CloseLane {
            lane: "E-B1-B2".into()
        }
    );
    assert_eq!(
        ok("lane/open", r#"{"correlation_id":"r","lane":"E-B1-B2"}"#),
        Command::OpenLane {
            lane: "E-B1-B2".into()
        }
    );
    assert_eq!(
        ok("snapshot", r#"{"correlation_id":"r"}"#),
        Command::Snapshot
    );
    let r = parse_command(
        "snapshot",
        br#"{"correlation_id":"abc","reply_to":"ops/desk-2"}"#,
        &[],
    )
    .expect("ok");
    assert_eq!(
        (r.correlation_id.as_str(), r.reply_to.as_deref()),
        ("abc", Some("ops/desk-2"))
    );
    assert_eq!(COMMANDS.len(), 11);
}

#[test]
fn every_command_refuses_bad_input_naming_the_field() {
    let t = r#""token":"secret""#;
    refused("job/submit", "not json", "payload", "malformed");
    refused("job/submit", "[1,2]", "payload", "malformed");
    refused("job/submit", r#"{"job":{}}"#, "correlation_id", "malformed");
    refused(
        "job/submit",
        &format!(r#"{{"correlation_id":"r",{t}}}"#),
        "job",
        "malformed",
    );
    refused(
        "job/submit",
        &format!(r#"{{"correlation_id":"r",{t},"job":{{"flow":"export"}}}}"#),
        "job.container",
        "malformed",
    );
    refused(
        "job/submit",
        &format!(r#"{{"correlation_id":"r",{t},"job":{{"container":"C","colour":"red"}}}}"#),
        "job.colour",
        "malformed",
    );
    // A value of the wrong type or out of range names its field, whatever serde says.
    for (job, field) in [
        (r#"{"container":"C","priority":"high"}"#, "job.priority"),
        (r#"{"container":"C","priority":300}"#, "job.priority"),
        (r#"{"container":42}"#, "job.container"),
        (r#"{"container":"C","release_s":"soon"}"#, "job.release_s"),
        (
            r#"{"container":"C","stations":[["a"],[7]]}"#,
            "job.stations[1][0]",
        ),
    ] {
        refused(
            "job/submit",
            &format!(r#"{{"correlation_id":"r",{t},"job":{job}}}"#),
            field,
            "malformed",
        );
    }
    refused(
        "job/cancel",
        &format!(r#"{{"correlation_id":"r",{t},"job":"seven"}}"#),
        "job",
        "malformed",
    );
    refused(
        "job/cancel",
        &format!(r#"{{"correlation_id":"r",{t},"job":7,"reason":5}}"#),
        "reason",
        "malformed",
    );
    refused(
        "job/hold",
        &format!(r#"{{"correlation_id":"r",{t}}}"#),
        "job",
        "malformed",
    );
    refused(
        "job/release",
        &format!(r#"{{"correlation_id":"r",{t},"job":-1}}"#),
        "job",
        "malformed",
    );
    for c in [
        "vehicle/pause",
        "vehicle/resume",
        "vehicle/out-of-service",
        "vehicle/return-to-service",
    ] {
        refused(
            c,
            &format!(r#"{{"correlation_id":"r",{t}}}"#),
            "vehicle",
            "malformed",
        );
        refused(
            c,
            &format!(r#"{{"correlation_id":"r",{t},"vehicle":""}}"#),
            "vehicle",
            "malformed",
        );
    }
    refused(
        "lane/close",
        &format!(r#"{{"correlation_id":"r",{t},"lane":3}}"#),
        "lane",
        "malformed",
    );
    refused(
        "lane/open",
        &format!(r#"{{"correlation_id":"r",{t}}}"#),
        "lane",
        "malformed",
    );
    refused(
        "snapshot",
        &format!(r#"{{"correlation_id":"r",{t},"verbose":true}}"#),
        "verbose",
        "malformed",
    );
    refused(
        "snapshot",
        r#"{"correlation_id":"r","reply_to":"a/+/b"}"#,
        "reply_to",
        "malformed",
    );
    refused(
        "teleport",
        &format!(r#"{{"correlation_id":"r",{t}}}"#),
        "topic",
        "unknown",
    );
    // Tokens.
    refused(
        "snapshot",
        r#"{"correlation_id":"r"}"#,
        "token",
        "unauthorised",
    );
    refused(
        "snapshot",
        r#"{"correlation_id":"r","token":"guess"}"#,
        "token",
        "unauthorised",
    );
    assert!(
        parse_command(
            "snapshot",
            br#"{"correlation_id":"r","token":"secret"}"#,
            &["secret".into()]
        )
        .is_ok()
    );
}

#[test]
fn error_replies_carry_the_correlation_id() {
    let e = parse_command("job/hold", br#"{"correlation_id":"c-9"}"#, &[]).expect_err("no job");
    let reply = Reply::error(e);
    let json = serde_json::to_value(&reply).expect("json");
    assert_eq!(json["correlation_id"], "c-9");
    assert_eq!(json["ok"], false);
    assert_eq!(json["error"]["field"], "job");
    assert_eq!(json["error"]["code"], "malformed");
}

#[test]
fn a_request_without_the_token_is_not_answered_where_it_asks() {
    let tokens = ["secret".to_string()];
    for payload in [
        r#"{"correlation_id":"c","reply_to":"uagv/v2/Corridor/IGV-01/order","job":1}"#,
        r#"{"correlation_id":"c","reply_to":"ops/desk","token":"guess","job":1}"#,
    ] {
        let e = parse_command("job/hold", payload.as_bytes(), &tokens).expect_err(payload);
        assert_eq!(e.code, "unauthorised", "{payload}");
        assert_eq!(
            e.reply_to, None,
            "{payload}: the reply goes to the default topic"
        );
    }
    // With the token, a refused request is answered where it asks.
    let e = parse_command(
        "job/hold",
        br#"{"correlation_id":"c","reply_to":"ops/desk","token":"secret"}"#,
        &tokens,
    )
    .expect_err("no job");
    assert_eq!(
        (e.field.as_str(), e.reply_to.as_deref()),
        ("job", Some("ops/desk"))
    );
}
