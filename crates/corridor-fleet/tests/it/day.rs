//! The controller drives simulated vehicles (in process, on the virtual clock) through
//! whole jobs: assignment, planning, releases, stops at stations, delivery, charging,
//! operator commands and a restart.

use std::path::PathBuf;
use std::sync::Arc;

use corridor_fleet::operator::{Command, Event, Request};
use corridor_fleet::{
    Controller, ControllerConfig, Input, JobSpec, JobState, JobStore, Output, StopKind, StopOrder,
};
use corridor_map::{CellId, LaneId, SiteMap};
use corridor_sim::{SimEvent, Site, Stop, StopAction, VehicleIndex, World};

/// A 600 m two-yard shuttle: Y1 (VN crane) → G (gate) → Y2 (CN crane), back over R and R2,
/// with a charger spur R2 → C → Y1. Y1 is a merge, R2 a diverge; no crossings.
pub const MAP: &str = r#"
[site]
name = "mini gate"
origin_lat = 21.97
origin_lon = 106.70
speed_limit = 6.1

[[node]]
id = "Y1"
x = 0
y = 0
[[node]]
id = "G"
x = 200
y = 0
[[node]]
id = "Y2"
x = 600
y = 0
[[node]]
id = "R"
x = 600
y = 60
[[node]]
id = "R2"
x = 300
y = 60
[[node]]
id = "C"
x = 300
y = 140

[[lane]]
from = "Y1"
to = "G"
[[lane]]
from = "G"
to = "Y2"
[[lane]]
from = "Y2"
to = "R"
[[lane]]
from = "R"
to = "R2"
[[lane]]
from = "R2"
to = "Y1"
polyline = [[0, 60]]
[[lane]]
from = "R2"
to = "C"
[[lane]]
from = "C"
to = "Y1"
polyline = [[-60, 140], [-60, 0]]

[[station]]
id = "crane-vn"
kind = "crane"
nodes = ["Y1"]
service = { dist = "triangular", min = 60, mode = 90, max = 150 }
[[station]]
id = "gate"
kind = "gate"
nodes = ["G"]
service = { dist = "uniform", min = 6, max = 30 }
[[station]]
id = "crane-cn"
kind = "crane"
nodes = ["Y2"]
service = { dist = "triangular", min = 60, mode = 90, max = 150 }
[[station]]
id = "charger"
kind = "charger"
nodes = ["C"]
service = { dist = "fixed", seconds = 3600 }

[[vehicle]]
id = "igv"
length = 15.6
width = 3.0
max_speed = 6.1
acceleration = 0.5
service_brake = 0.8
emergency_brake = 2.5
min_gap = 5.0
time_gap = 2.0
battery_kwh = 232
consumption_empty_kwh_per_km = 2.0
consumption_loaded_kwh_per_km = 3.0

[[flow]]
id = "export"
share = 1.0
steps = [{ stations = ["crane-vn"] }, { stations = ["gate"] }, { stations = ["crane-cn"] }]
"#;

/// A fresh directory for one test's job store.
pub fn temp_store(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corridor-day-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("jobs.redb")
}

/// The controller and the simulated world, wired in process.
pub struct Harness {
    pub world: World,
    pub controller: Controller,
    pub fleet: Vec<(String, CellId)>,
    pub time: f64,
    pub outputs: Vec<Output>,
    map: SiteMap,
}

pub const DT: f64 = 0.5;

impl Harness {
    /// `vehicles` vehicles spread over the return lane, batteries at `battery`.
    pub fn new(vehicles: usize, battery: f64, store: &std::path::Path) -> Harness {
        let map = SiteMap::from_toml_str(MAP, "mini.toml").expect("valid map");
        let site = Arc::new(Site::new(map.clone()).expect("cells"));
        let mut world = World::new(Arc::clone(&site), 5);
        let ret: Vec<CellId> = site.cells.lane_cells(LaneId(3)).collect();
        let mut fleet = Vec::new();
        for k in 0..vehicles {
            let id = format!("IGV-{k:02}");
            let c = ret[ret.len() - 1 - 2 * k];
            world.add_vehicle(&id, 0, c, battery).expect("vehicle");
            fleet.push((id, c));
        }
        let controller = Harness::controller(&map, &site, &fleet, store);
        Harness {
            world,
            controller,
            fleet,
            time: 0.0,
            outputs: Vec::new(),
            map,
        }
    }

    fn controller(
        map: &SiteMap,
        site: &Site,
        fleet: &[(String, CellId)],
        store: &std::path::Path,
    ) -> Controller {
        let store = JobStore::open(store).expect("store");
        Controller::new(
            Arc::new(map.clone()),
            Arc::new(site.cells.clone()),
            store,
            fleet,
            ControllerConfig::default(),
        )
        .expect("controller")
    }

    pub fn export(container: &str, release_s: f64) -> JobSpec {
        JobSpec {
            container: container.into(),
            flow: Some("export".into()),
            stations: vec![],
            priority: 0,
            perishable: false,
            release_s,
            deadline_s: None,
            hold: false,
            inspect: false,
        }
    }

    fn index(&self, id: &str) -> VehicleIndex {
        VehicleIndex(
            self.fleet
                .iter()
                .position(|(v, _)| v == id)
                .expect("known vehicle"),
        )
    }

    fn report_batteries(&mut self) {
        for k in 0..self.fleet.len() {
            let battery = self
                .world
                .vehicle(VehicleIndex(k))
                .expect("vehicle")
                .battery;
            let id = self.fleet[k].0.clone();
            self.controller.handle(
                self.time,
                Input::Battery {
                    vehicle: id,
                    fraction: battery,
                },
            );
        }
    }

    /// One tick: controller, outputs to the vehicles, one simulation step, events back.
    /// Batteries are reported every 10 s of simulated time, starting at once.
    pub fn step(&mut self) {
        if (self.time % 10.0).abs() < 1e-9 {
            self.report_batteries();
        }
        self.controller.tick(self.time).expect("tick");
        for out in self.controller.drain_outputs() {
            match &out {
                Output::Release {
                    vehicle,
                    visits,
                    stops,
                } => {
                    let v = self.index(vehicle);
                    let view = self.world.vehicle(v).expect("vehicle");
                    if let Some(&(first, _)) = visits.first() {
                        assert_eq!(first, view.route_end + 1, "releases continue the route");
                    }
                    let cells: Vec<CellId> = visits.iter().map(|&(_, c)| c).collect();
                    let stop = |s: &StopOrder| Stop {
                        id: s.id,
                        seq: s.visit,
                        action: match s.kind {
                            StopKind::Service { station, load } => {
                                StopAction::Service { station, load }
                            }
                            StopKind::Charge { station, target } => {
                                StopAction::Charge { station, target }
                            }
                        },
                    };
                    let (known, new): (Vec<&StopOrder>, Vec<&StopOrder>) =
                        stops.iter().partition(|s| s.visit <= view.route_end);
                    let new: Vec<Stop> = new.into_iter().map(stop).collect();
                    let end = self
                        .world
                        .set_route(v, view.route_end, &cells, &new)
                        .expect("route");
                    self.world.release(v, end).expect("release");
                    for s in known {
                        self.world.add_stop(v, stop(s)).expect("stop");
                    }
                }
                Output::Pause { vehicle } => {
                    let v = self.index(vehicle);
                    self.world.set_paused(v, true).expect("pause");
                }
                Output::Resume { vehicle } => {
                    let v = self.index(vehicle);
                    self.world.set_paused(v, false).expect("resume");
                }
                Output::Reply { .. } | Output::Event(_) => {}
            }
            self.outputs.push(out);
        }
        self.world.step(DT);
        self.time += DT;
        for e in self.world.drain_events() {
            match e {
                SimEvent::Left { vehicle, seq, .. } => {
                    let id = self.fleet[vehicle.0].0.clone();
                    self.controller.handle(
                        self.time,
                        Input::Entered {
                            vehicle: id,
                            visit: seq + 1,
                        },
                    );
                }
                SimEvent::ActionFinished { vehicle, stop } => {
                    let id = self.fleet[vehicle.0].0.clone();
                    self.controller
                        .handle(self.time, Input::StopDone { vehicle: id, stop });
                }
                SimEvent::Collision { .. } | SimEvent::Stall { .. } => {
                    panic!("{e:?} at {} s", self.time)
                }
                SimEvent::Entered { .. } | SimEvent::ActionStarted { .. } => {}
            }
        }
    }

    /// Runs until every job is final or `limit_s` passes.
    pub fn run_until_done(&mut self, limit_s: f64) {
        while self.time < limit_s && !self.controller.jobs().all(|j| j.state.is_final()) {
            self.step();
        }
        self.outputs.extend(self.controller.drain_outputs());
    }

    /// Runs for `seconds` of simulated time.
    pub fn run_for(&mut self, seconds: f64) {
        let end = self.time + seconds;
        while self.time < end {
            self.step();
        }
    }

    /// The state of the job for `container`.
    pub fn state_of(&self, container: &str) -> JobState {
        self.controller
            .jobs()
            .find(|j| j.spec.container == container)
            .map(|j| j.state.clone())
            .expect("known container")
    }

    pub fn delivered(&self) -> usize {
        self.controller
            .jobs()
            .filter(|j| matches!(j.state, JobState::Delivered { .. }))
            .count()
    }

    /// Sends an operator command and returns the reply's JSON.
    pub fn command(&mut self, command: Command) -> serde_json::Value {
        let request = Request {
            correlation_id: "test".into(),
            reply_to: None,
            command,
        };
        self.controller.handle(self.time, Input::Command(request));
        let outputs = self.controller.drain_outputs();
        let reply = outputs
            .iter()
            .rev()
            .find_map(|o| match o {
                Output::Reply { reply, .. } => Some(reply.clone()),
                _ => None,
            })
            .expect("a reply");
        self.outputs.extend(outputs);
        serde_json::to_value(reply).expect("json")
    }

    /// Kills the controller (drops it without any clean-up) and starts a new one on the same
    /// store. The vehicles keep running; the new controller starts them from where they
    /// stand once they have stopped.
    pub fn restart_controller(&mut self, store: &std::path::Path) {
        // Let vehicles finish what was released: a new controller cannot know it.
        for _ in 0..2000 {
            let all_still = (0..self.fleet.len()).all(|k| {
                let v = self.world.vehicle(VehicleIndex(k)).expect("vehicle");
                v.speed == 0.0 && v.front_seq == v.route_end
            });
            if all_still {
                break;
            }
            self.world.step(DT);
            self.time += DT;
            let _ = self.world.drain_events();
        }
        let site = Arc::clone(self.world.site());
        self.fleet = (0..self.fleet.len())
            .map(|k| {
                let v = self.world.vehicle(VehicleIndex(k)).expect("vehicle");
                (v.id.clone(), *v.occupied.last().expect("a cell"))
            })
            .collect();
        // The simulated vehicles start a new route numbering with the new controller.
        for k in 0..self.fleet.len() {
            self.world.restart_route(VehicleIndex(k)).expect("restart");
        }
        // Kill: drop the old controller (a stand-in on a scratch store takes its place for
        // the moment) so its store file is free, then start the new one on the real store.
        let scratch = store.with_extension("scratch");
        let stand_in = Harness::controller(&self.map, &site, &self.fleet, &scratch);
        drop(std::mem::replace(&mut self.controller, stand_in));
        let controller = Harness::controller(&self.map, &site, &self.fleet, store);
        self.controller = controller;
        self.report_batteries();
    }
}

#[test]
fn a_small_fleet_delivers_every_job_without_collision() {
    let store = temp_store("deliver");
    let mut h = Harness::new(4, 0.9, &store);
    for i in 0..12 {
        h.controller
            .submit(Harness::export(&format!("C{i}"), f64::from(i) * 60.0))
            .expect("valid job");
    }
    h.run_until_done(4.0 * 3600.0);
    assert_eq!(h.delivered(), 12, "delivered by {} s", h.time);
    // Every job went waiting → assigned → carrying (2 steps) → delivered, in that order.
    for j in h.controller.jobs() {
        let states: Vec<&str> = h
            .outputs
            .iter()
            .filter_map(|o| match o {
                Output::Event(Event::Job { job, state, .. }) if *job == j.id.0 => {
                    Some(state.as_str())
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            states,
            ["waiting", "assigned", "carrying", "carrying", "delivered"],
            "job {}",
            j.id
        );
    }
    // Operators saw every vehicle's status change: each went to work and back to idle (or
    // to charging), one event per change, never the same status twice in a row.
    for k in 0..4 {
        let name = format!("IGV-{k:02}");
        let statuses: Vec<&str> = h
            .outputs
            .iter()
            .filter_map(|o| match o {
                Output::Event(Event::Vehicle {
                    vehicle, status, ..
                }) if *vehicle == name => Some(status.as_str()),
                _ => None,
            })
            .collect();
        assert!(statuses.contains(&"working"), "{name}: {statuses:?}");
        assert!(
            statuses.windows(2).all(|w| w[0] != w[1]),
            "{name}: {statuses:?}"
        );
    }
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn operator_commands_act_and_refuse_with_reasons() {
    let store = temp_store("commands");
    let mut h = Harness::new(2, 0.9, &store);
    // Submit through the command path; a bad one is refused naming the field.
    let ok = h.command(Command::SubmitJob(Harness::export("A1", 0.0)));
    assert_eq!(ok["ok"], true, "{ok}");
    let job = ok["result"]["job"].as_u64().expect("job id");
    let dup = h.command(Command::SubmitJob(Harness::export("A1", 0.0)));
    assert_eq!(
        (dup["ok"].as_bool(), dup["error"]["field"].as_str()),
        (Some(false), Some("job.container")),
        "{dup}"
    );
    let mut bad = Harness::export("B1", 0.0);
    bad.flow = None;
    bad.stations = vec![vec!["crane-vn".into()], vec!["nowhere".into()]];
    let refused = h.command(Command::SubmitJob(bad));
    assert_eq!(refused["error"]["field"], "job.stations[1]", "{refused}");
    // Hold, release, cancel.
    assert_eq!(
        h.command(Command::HoldJob { job })["result"]["state"],
        "held"
    );
    h.run_for(120.0);
    assert_eq!(
        h.state_of("A1"),
        JobState::Held,
        "a held job is not dispatched"
    );
    assert_eq!(
        h.command(Command::ReleaseJob { job })["result"]["state"],
        "waiting"
    );
    assert_eq!(
        h.command(Command::ReleaseJob { job })["error"]["field"],
        "job",
        "not held any more"
    );
    assert_eq!(
        h.command(Command::CancelJob {
            job: 999,
            reason: "x".into()
        })["error"]["field"],
        "job"
    );
    let c2 = h.command(Command::SubmitJob(Harness::export("A2", 0.0)))["result"]["job"]
        .as_u64()
        .expect("id");
    assert_eq!(
        h.command(Command::CancelJob {
            job: c2,
            reason: "wrong box".into()
        })["result"]["state"],
        "cancelled"
    );
    // Vehicles.
    assert_eq!(
        h.command(Command::PauseVehicle {
            vehicle: "IGV-00".into()
        })["result"]["status"],
        "paused"
    );
    assert_eq!(
        h.command(Command::PauseVehicle {
            vehicle: "IGV-99".into()
        })["error"]["field"],
        "vehicle"
    );
    assert_eq!(
        h.command(Command::ResumeVehicle {
            vehicle: "IGV-01".into()
        })["error"]["field"],
        "vehicle"
    );
    assert_eq!(
        h.command(Command::ResumeVehicle {
            vehicle: "IGV-00".into()
        })["result"]["status"],
        "active"
    );
    assert_eq!(
        h.command(Command::OutOfService {
            vehicle: "IGV-01".into()
        })["result"]["status"],
        "out_of_service"
    );
    assert_eq!(
        h.command(Command::ReturnToService {
            vehicle: "IGV-00".into()
        })["error"]["field"],
        "vehicle"
    );
    assert_eq!(
        h.command(Command::ReturnToService {
            vehicle: "IGV-01".into()
        })["result"]["status"],
        "active"
    );
    // Lanes.
    assert_eq!(
        h.command(Command::CloseLane {
            lane: "R2-C".into()
        })["result"]["state"],
        "closed"
    );
    assert_eq!(
        h.command(Command::CloseLane {
            lane: "R9-C".into()
        })["error"]["field"],
        "lane"
    );
    assert_eq!(
        h.command(Command::OpenLane {
            lane: "R2-C".into()
        })["result"]["state"],
        "open"
    );
    // Snapshot.
    assert_eq!(h.command(Command::Snapshot)["ok"], true);
    let snapshot = h.outputs.iter().rev().find_map(|o| match o {
        Output::Event(Event::Snapshot { vehicles, jobs, .. }) => {
            Some((vehicles.len(), jobs.clone()))
        }
        _ => None,
    });
    let (vehicles, jobs) = snapshot.expect("a snapshot event");
    assert_eq!(vehicles, 2);
    assert_eq!(jobs.get("cancelled"), Some(&1));
    h.run_until_done(3600.0);
    assert_eq!(h.state_of("A1").name(), "delivered");
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn commands_that_would_lose_a_container_or_strand_a_vehicle_are_refused() {
    let store = temp_store("refusals");
    let mut h = Harness::new(1, 0.9, &store);
    let ok = h.command(Command::SubmitJob(Harness::export("P1", 0.0)));
    let job = ok["result"]["job"].as_u64().expect("job id");
    // Run until the pick-up stop has gone to the vehicle: from then on the container will
    // be on it, whatever the operator says.
    let mut released = false;
    while !released && h.time < 600.0 {
        h.step();
        released = h.outputs.iter().any(|o| {
            matches!(o, Output::Release { stops, .. }
                if stops.iter().any(|s| s.job.is_some_and(|(j, step)| j.0 == job && step == 0)))
        });
    }
    assert!(released, "the pick-up was released within 600 s");
    for command in [
        Command::CancelJob {
            job,
            reason: "late".into(),
        },
        Command::HoldJob { job },
    ] {
        let reply = h.command(command);
        assert_eq!(reply["ok"], false, "{reply}");
        assert!(
            reply["error"]["reason"]
                .as_str()
                .is_some_and(|m| m.contains("picking its container up")),
            "{reply}"
        );
    }
    assert!(matches!(h.state_of("P1"), JobState::Assigned { .. }));
    // Paused and out of service are one decision at a time, so neither undoes the other.
    let pause = || Command::PauseVehicle {
        vehicle: "IGV-00".into(),
    };
    let out = || Command::OutOfService {
        vehicle: "IGV-00".into(),
    };
    assert_eq!(h.command(pause())["result"]["status"], "paused");
    let refused = h.command(out());
    assert_eq!(refused["error"]["field"], "vehicle", "{refused}");
    let resume = h.command(Command::ResumeVehicle {
        vehicle: "IGV-00".into(),
    });
    assert_eq!(resume["result"]["status"], "active", "{resume}");
    assert_eq!(h.command(out())["result"]["status"], "out_of_service");
    let refused = h.command(pause());
    assert_eq!(refused["error"]["field"], "vehicle", "{refused}");
    // Out of service, it finishes the job it has and takes nothing new.
    h.command(Command::SubmitJob(Harness::export("P2", 0.0)));
    h.run_for(2400.0);
    assert_eq!(h.state_of("P1").name(), "delivered");
    assert_eq!(h.state_of("P2").name(), "waiting");
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn a_vehicle_whose_link_is_down_shows_offline_and_is_held() {
    let store = temp_store("offline");
    let mut h = Harness::new(2, 0.9, &store);
    let link = |online| Input::Link {
        vehicle: "IGV-01".into(),
        online,
    };
    let fault = |active| Input::Fault {
        vehicle: "IGV-01".into(),
        active,
    };
    h.controller.handle(h.time, link(false));
    h.controller.handle(h.time, fault(true));
    h.run_for(5.0);
    assert_eq!(h.controller.vehicle_status(1), Some("offline"));
    assert_eq!(h.controller.vehicle_status(0), Some("idle"));
    let offline_event = h.outputs.iter().any(|o| {
        matches!(o, Output::Event(e)
            if serde_json::to_value(e).is_ok_and(|v| v["vehicle"] == "IGV-01" && v["status"] == "offline"))
    });
    assert!(offline_event, "operators hear that it went offline");
    h.controller.handle(h.time, link(true));
    h.controller.handle(h.time, fault(false));
    h.run_for(5.0);
    assert_eq!(h.controller.vehicle_status(1), Some("idle"));
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn a_job_that_cannot_be_reached_is_refused_and_the_rest_keep_running() {
    let store = temp_store("unreachable");
    let mut h = Harness::new(2, 0.9, &store);
    h.controller
        .submit(Harness::export("OK1", 0.0))
        .expect("valid");
    // With the only lane into the CN yard closed, the CN crane cannot be reached.
    assert_eq!(
        h.command(Command::CloseLane {
            lane: "G-Y2".into()
        })["ok"],
        true
    );
    let refused = h.command(Command::SubmitJob(Harness::export("NO1", 0.0)));
    assert_eq!(refused["error"]["field"], "job.stations[2]", "{refused}");
    assert!(
        refused["error"]["reason"]
            .as_str()
            .expect("reason")
            .contains("G-Y2"),
        "{refused}"
    );
    assert_eq!(
        h.command(Command::OpenLane {
            lane: "G-Y2".into()
        })["ok"],
        true
    );
    h.run_until_done(3600.0);
    assert_eq!(h.delivered(), 1);
    assert_eq!(
        h.controller.jobs().count(),
        1,
        "the refused job was not stored"
    );
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn low_batteries_are_charged_and_work_goes_on() {
    let store = temp_store("charge");
    let mut h = Harness::new(2, 0.2, &store);
    for i in 0..4 {
        h.controller
            .submit(Harness::export(&format!("E{i}"), 0.0))
            .expect("valid");
    }
    h.run_until_done(4.0 * 3600.0);
    assert_eq!(h.delivered(), 4);
    // One charger: one vehicle charges while the other, above the reserve, works on; the
    // second charges when the charger is free (here once the work is done).
    h.run_for(2.0 * 3600.0);
    assert!(
        h.controller.stats().charges >= 2,
        "{:?}",
        h.controller.stats()
    );
    for k in 0..2 {
        assert!(h.world.vehicle(VehicleIndex(k)).expect("vehicle").battery > 0.5);
    }
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn a_breakdown_holds_others_back_safely_and_work_resumes() {
    let store = temp_store("breakdown");
    let mut h = Harness::new(3, 0.9, &store);
    for i in 0..6 {
        h.controller
            .submit(Harness::export(&format!("F{i}"), 0.0))
            .expect("valid");
    }
    h.run_for(200.0);
    // IGV-01 breaks down for 10 minutes wherever it is.
    let until = h.time + 600.0;
    h.world.hold(VehicleIndex(1), until).expect("hold");
    h.controller.handle(
        h.time,
        Input::Fault {
            vehicle: "IGV-01".into(),
            active: true,
        },
    );
    h.run_for(600.0);
    h.controller.handle(
        h.time,
        Input::Fault {
            vehicle: "IGV-01".into(),
            active: false,
        },
    );
    h.run_until_done(4.0 * 3600.0);
    assert_eq!(h.delivered(), 6);
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn a_controller_killed_mid_run_loses_no_job_and_runs_none_twice() {
    let store = temp_store("restart");
    let mut h = Harness::new(3, 0.9, &store);
    for i in 0..9 {
        h.controller
            .submit(Harness::export(&format!("R{i}"), f64::from(i) * 30.0))
            .expect("valid");
    }
    h.run_for(900.0);
    let before: Vec<(u64, String)> = h
        .controller
        .jobs()
        .map(|j| (j.id.0, j.state.name().to_string()))
        .collect();
    assert!(
        before.iter().any(|(_, s)| s == "carrying"),
        "some containers are on vehicles: {before:?}"
    );
    h.restart_controller(&store);
    let after: Vec<u64> = h.controller.jobs().map(|j| j.id.0).collect();
    assert_eq!(
        after,
        before.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "no job lost, none added"
    );
    for (id, state) in &before {
        let now = h
            .controller
            .jobs()
            .find(|j| j.id.0 == *id)
            .expect("job")
            .state
            .name()
            .to_string();
        match state.as_str() {
            "delivered" => assert_eq!(now, "delivered", "job {id} stays delivered"),
            "assigned" => assert_eq!(
                now, "waiting",
                "job {id}: not yet picked up, so it is dispatched again"
            ),
            other => assert_eq!(&now, other, "job {id}"),
        }
    }
    h.run_until_done(4.0 * 3600.0);
    assert_eq!(h.delivered(), 9);
    // Delivered exactly once each: one "delivered" event per job across both controllers.
    for (id, _) in &before {
        let count = h
            .outputs
            .iter()
            .filter(|o| matches!(o, Output::Event(Event::Job { job, state, .. }) if job == id && state == "delivered"))
            .count();
        assert_eq!(count, 1, "job {id} delivered {count} times");
    }
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

#[test]
fn a_restarted_controller_takes_the_steps_the_vehicles_report() {
    use corridor_fleet::{Job, JobId, JobStep, Recovered};
    let path = temp_store("steps");
    let map = SiteMap::from_toml_str(MAP, "mini.toml").expect("valid map");
    let site = Site::new(map.clone()).expect("cells");
    let ret: Vec<CellId> = site.cells.lane_cells(LaneId(3)).collect();
    let fleet: Vec<(String, CellId)> = (0..4)
        .map(|k| (format!("IGV-{k:02}"), ret[ret.len() - 1 - 2 * k]))
        .collect();
    // What the killed controller had stored: three steps per job (crane, gate, crane).
    let stored = [
        JobState::Assigned {
            vehicle: "IGV-00".into(),
        }, // picked up while it was down
        JobState::Carrying {
            vehicle: "IGV-01".into(),
            step: 2,
        }, // dropped while it was down
        JobState::Assigned {
            vehicle: "IGV-02".into(),
        }, // being picked up now
        JobState::Assigned {
            vehicle: "IGV-00".into(),
        }, // a stale report names IGV-01
        JobState::Carrying {
            vehicle: "IGV-03".into(),
            step: 1,
        }, // nothing reported
    ];
    {
        let store = JobStore::open(&path).expect("store");
        for (i, state) in stored.iter().enumerate() {
            let id = store.next_id().expect("id");
            let mut job = Job::resolve(id, Harness::export(&format!("C{i}"), 0.0), &map, 0.0)
                .expect("valid job");
            job.state = state.clone();
            store.put(&job).expect("put");
        }
    }
    let ids: Vec<JobId> = JobStore::open(&path)
        .expect("store")
        .all()
        .expect("jobs")
        .iter()
        .map(|j| j.id)
        .collect();
    let step = |k: usize, job: usize, step: usize| JobStep {
        vehicle: format!("IGV-{k:02}"),
        job: ids[job],
        step,
    };
    // Reported twice: applying a report again changes nothing.
    let finished = [step(0, 0, 0), step(1, 1, 2), step(1, 1, 2), step(1, 3, 0)];
    let running = [step(2, 2, 0)];
    let mut controller = Controller::restart(
        Arc::new(map.clone()),
        Arc::new(site.cells.clone()),
        JobStore::open(&path).expect("store"),
        &fleet,
        ControllerConfig::default(),
        &Recovered {
            now_s: 500.0,
            finished: finished.to_vec(),
            running: running.to_vec(),
        },
    )
    .expect("controller");
    let state = |c: &Controller, i: usize| {
        c.jobs()
            .find(|j| j.id == ids[i])
            .expect("job")
            .state
            .clone()
    };
    assert_eq!(
        state(&controller, 0),
        JobState::Carrying {
            vehicle: "IGV-00".into(),
            step: 1
        }
    );
    assert_eq!(state(&controller, 1), JobState::Delivered { at_s: 500.0 });
    assert_eq!(
        state(&controller, 2),
        JobState::Assigned {
            vehicle: "IGV-02".into()
        },
        "a pick-up in progress stays with its vehicle"
    );
    assert_eq!(
        state(&controller, 3),
        JobState::Waiting,
        "the report named another vehicle"
    );
    assert_eq!(
        state(&controller, 4),
        JobState::Carrying {
            vehicle: "IGV-03".into(),
            step: 1
        }
    );
    let events: Vec<(u64, String)> = controller
        .drain_outputs()
        .into_iter()
        .filter_map(|o| match o {
            Output::Event(Event::Job { job, state, .. }) => Some((job, state)),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        vec![
            (ids[0].0, "carrying".into()),
            (ids[1].0, "delivered".into())
        ],
        "one event per job that changed"
    );
    assert_eq!(controller.stats().delivered, 1);
    // The pick-up in progress ends: the container is on IGV-02, heading for step 1.
    controller.handle(510.0, Input::StepDone(step(2, 2, 0)));
    assert_eq!(
        state(&controller, 2),
        JobState::Carrying {
            vehicle: "IGV-02".into(),
            step: 1
        }
    );
    // A report of a step nobody is doing changes nothing.
    controller.handle(520.0, Input::StepDone(step(0, 0, 0)));
    assert_eq!(
        state(&controller, 0),
        JobState::Carrying {
            vehicle: "IGV-00".into(),
            step: 1
        }
    );
    drop(controller);
    let stored = JobStore::open(&path).expect("store").all().expect("jobs");
    assert!(
        matches!(stored[1].state, JobState::Delivered { .. }),
        "written to the store"
    );
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[test]
fn closed_lanes_and_vehicle_modes_hold_across_a_restart() {
    let store = temp_store("operator");
    let mut h = Harness::new(3, 0.9, &store);
    assert_eq!(
        h.command(Command::CloseLane {
            lane: "R2-C".into()
        })["result"]["state"],
        "closed"
    );
    assert_eq!(
        h.command(Command::OutOfService {
            vehicle: "IGV-01".into()
        })["result"]["status"],
        "out_of_service"
    );
    assert_eq!(
        h.command(Command::PauseVehicle {
            vehicle: "IGV-02".into()
        })["result"]["status"],
        "paused"
    );
    // A decision taken back before the kill is not brought back by it.
    h.command(Command::ResumeVehicle {
        vehicle: "IGV-02".into(),
    });
    h.restart_controller(&store);
    let Event::Snapshot { closed_lanes, .. } = h.controller.snapshot() else {
        panic!("a snapshot");
    };
    assert_eq!(closed_lanes, vec!["R2-C".to_string()]);
    assert_eq!(
        h.command(Command::ReturnToService {
            vehicle: "IGV-01".into()
        })["result"]["status"],
        "active",
        "IGV-01 was still out of service"
    );
    assert_eq!(
        h.command(Command::ResumeVehicle {
            vehicle: "IGV-02".into()
        })["error"]["field"],
        "vehicle",
        "IGV-02 had been resumed"
    );
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}

/// An import job: from the CN crane straight back to the VN crane.
fn import(container: &str, release_s: f64) -> JobSpec {
    JobSpec {
        flow: None,
        stations: vec![vec!["crane-cn".into()], vec!["crane-vn".into()]],
        ..Harness::export(container, release_s)
    }
}

/// Which of an export (ready at `export_s`) and an import (ready at `import_s`) the one
/// vehicle, standing at the CN crane, is given at time `now_s`: their states after a tick.
fn pairing(config: ControllerConfig, export_s: f64, import_s: f64, now_s: f64) -> [JobState; 2] {
    let map = SiteMap::from_toml_str(MAP, "mini.toml").expect("valid map");
    let site = Site::new(map.clone()).expect("cells");
    let at_cn = site.cells.cells_at_node(map.node_id("Y2").expect("Y2"))[0];
    let store = temp_store(&format!("pairing-{export_s}-{import_s}-{now_s}"));
    let mut c = Controller::new(
        Arc::new(map),
        Arc::new(site.cells.clone()),
        JobStore::open(&store).expect("store"),
        &[("IGV-00".into(), at_cn)],
        config,
    )
    .expect("controller");
    c.submit(Harness::export("EXPORT", export_s))
        .expect("valid");
    c.submit(import("IMPORT", import_s)).expect("valid");
    c.tick(now_s).expect("tick");
    let state = |container: &str| {
        c.jobs()
            .find(|j| j.spec.container == container)
            .map(|j| j.state.clone())
            .expect("known")
    };
    let states = [state("EXPORT"), state("IMPORT")];
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
    states
}

#[test]
fn a_vehicle_takes_the_import_where_it_dropped_before_an_older_export_across() {
    let assigned = JobState::Assigned {
        vehicle: "IGV-00".into(),
    };
    // The export at the VN crane has waited 300 s longer than the import at the CN crane,
    // where the vehicle stands: it takes the import and goes back loaded.
    let [export, import] = pairing(ControllerConfig::default(), 0.0, 300.0, 600.0);
    assert_eq!((export, import), (JobState::Waiting, assigned.clone()));
    // Time for time (the weight of the empty drive at 1), the older export would win.
    let time_for_time = ControllerConfig {
        empty_travel_weight: 1.0,
        ..ControllerConfig::default()
    };
    let [export, import] = pairing(time_for_time, 0.0, 300.0, 600.0);
    assert_eq!((export, import), (assigned.clone(), JobState::Waiting));
    // Waiting counts without bound: an export that has waited far longer wins anyway.
    let [export, import] = pairing(ControllerConfig::default(), 0.0, 20_000.0, 20_100.0);
    assert_eq!((export, import), (assigned, JobState::Waiting));
}

#[test]
fn one_free_charger_draws_one_vehicle() {
    let store = temp_store("one-charger");
    // Two idle vehicles low enough to charge, one charger: one charges, the other waits
    // idle off it (not in a queue on the lanes) and charges when it is free.
    let mut h = Harness::new(2, 0.3, &store);
    let mut both_charged = false;
    while h.time < 3.0 * 3600.0 && !both_charged {
        h.step();
        let charging = (0..2)
            .filter(|&k| h.controller.vehicle_status(k) == Some("charging"))
            .count();
        assert!(
            charging <= 1,
            "{charging} vehicles sent to one charger at {} s",
            h.time
        );
        both_charged =
            (0..2).all(|k| h.world.vehicle(VehicleIndex(k)).expect("vehicle").battery > 0.8);
    }
    assert!(both_charged, "both charged by {} s", h.time);
    let _ = std::fs::remove_dir_all(store.parent().expect("dir"));
}
