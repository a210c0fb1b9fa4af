//! The job store keeps every acknowledged write, even when the process is killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use corridor_fleet::{FleetError, Job, JobId, JobSpec, JobState, JobStore};

fn spec(container: &str) -> JobSpec {
    JobSpec {
        container: container.into(),
        flow: Some("through".into()),
        stations: Vec::new(),
        priority: 3,
        perishable: false,
        release_s: 0.0,
        deadline_s: None,
        hold: false,
        inspect: false,
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("corridor-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("jobs.redb")
}

#[test]
fn jobs_and_ids_survive_reopening() {
    let path = temp("reopen");
    let map = crate::map();
    let mut ids = Vec::new();
    {
        let store = JobStore::open(&path).expect("open");
        for i in 0..5 {
            let id = store.next_id().expect("id");
            // The fixture's flow has one step: make it a two-step job with explicit stations.
            let mut s = spec(&format!("C{i}"));
            s.flow = None;
            s.stations = vec![vec!["gate".into()], vec!["gate".into()]];
            let job = Job::resolve(id, s, &map, 0.0).expect("valid");
            store.put(&job).expect("put");
            ids.push(id);
        }
        let mut j = store.get(ids[2]).expect("get").expect("present");
        j.state = JobState::Carrying {
            vehicle: "IGV-07".into(),
            step: 1,
        };
        store.put(&j).expect("put");
    }
    let store = JobStore::open(&path).expect("reopen");
    let all = store.all().expect("all");
    assert_eq!(all.iter().map(|j| j.id).collect::<Vec<_>>(), ids);
    assert_eq!(
        all[2].state,
        JobState::Carrying {
            vehicle: "IGV-07".into(),
            step: 1
        }
    );
    // Ids are never reused after a restart.
    assert_eq!(store.next_id().expect("id"), JobId(6));
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[test]
fn invalid_jobs_name_the_field() {
    let map = crate::map();
    let cases = [
        (
            JobSpec {
                container: " ".into(),
                ..spec("x")
            },
            "container",
        ),
        (
            JobSpec {
                flow: Some("smuggle".into()),
                ..spec("x")
            },
            "flow",
        ),
        (
            JobSpec {
                stations: vec![vec!["gate".into()], vec!["moon".into()]],
                flow: None,
                ..spec("x")
            },
            "stations[1]",
        ),
        (
            JobSpec {
                priority: 12,
                ..spec("x")
            },
            "priority",
        ),
        (
            JobSpec {
                deadline_s: Some(-1.0),
                ..spec("x")
            },
            "deadline_s",
        ),
        // The fixture's only flow has one step: no drop-off.
        (spec("x"), "stations"),
    ];
    for (s, field) in cases {
        match Job::resolve(JobId(1), s.clone(), &map, 0.0) {
            Err(FleetError::InvalidJob { field: f, .. }) => assert_eq!(f, field, "{s:?}"),
            other => panic!("{s:?}: expected InvalidJob on {field}, got {other:?}"),
        }
    }
}

/// Child side of the kill test: writes jobs one by one and acknowledges each commit.
#[test]
#[ignore = "the child process of acknowledged_jobs_survive_a_kill"]
fn child_writer() {
    let path = std::env::var("CORRIDOR_KILL_TEST_STORE").expect("started by the kill test");
    let store = JobStore::open(&path).expect("open");
    let map = crate::map();
    for i in 0.. {
        let id = store.next_id().expect("id");
        let mut s = spec(&format!("K{i}"));
        s.flow = None;
        s.stations = vec![vec!["gate".into()], vec!["gate".into()]];
        let job = Job::resolve(id, s, &map, 0.0).expect("valid");
        store.put(&job).expect("put");
        println!("ack {}", id.0);
    }
}

#[test]
fn acknowledged_jobs_survive_a_kill() {
    let path = temp("kill");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "store::child_writer",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CORRIDOR_KILL_TEST_STORE", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(id) = line.strip_prefix("ack ") {
            acked.push(id.parse::<u64>().expect("id"));
            if acked.len() == 40 {
                break;
            }
        }
    }
    // SIGKILL: no destructor, no flush, possibly in the middle of a commit.
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert_eq!(acked.len(), 40, "the child stopped acknowledging early");
    let store = JobStore::open(&path).expect("reopen after kill");
    let stored: Vec<u64> = store.all().expect("all").iter().map(|j| j.id.0).collect();
    for id in &acked {
        assert!(
            stored.contains(id),
            "acknowledged job {id} lost; stored {stored:?}"
        );
    }
    // Every stored job decodes, and the next id is beyond all of them.
    let next = store.next_id().expect("id").0;
    assert!(stored.iter().all(|&s| s < next));
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}
