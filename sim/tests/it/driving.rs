//! Vehicles follow their routes within their limits, keep their gaps, queue at stations,
//! and the detectors catch collisions and stalls.

use std::sync::Arc;

use corridor_map::{CellId, LaneId};
use corridor_sim::{Activity, SimEvent, Site, Stop, StopAction, VehicleIndex, World};
use proptest::prelude::*;

use crate::site;

fn lane(site: &Site, l: u32) -> Vec<CellId> {
    site.cells.lane_cells(LaneId(l)).collect()
}

/// The loop A→B→S→C→A as cells, starting at the first cell of A→B, `laps` times.
fn loop_cells(site: &Site, laps: usize) -> Vec<CellId> {
    let one: Vec<CellId> = [0, 1, 2, 3].iter().flat_map(|&l| lane(site, l)).collect();
    one.iter().copied().cycle().take(one.len() * laps).collect()
}

const DT: f64 = 0.25;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A convoy on the loop with releases that arrive late and at random: no collision,
    /// no emergency braking, the gap to the vehicle ahead never below the standstill gap,
    /// speed limits kept, and every vehicle reaches the end of its route.
    #[test]
    fn convoy_keeps_gaps_and_limits(vehicles in 1usize..5, seed in any::<u64>(), hold_steps in 0usize..200) {
        let site = site();
        let cells = loop_cells(&site, 2);
        let mut world = World::new(Arc::clone(&site), seed);
        // Vehicles start one behind the other: vehicle k in cell (vehicles - 1 - k) * 2.
        let mut ids = Vec::new();
        for k in 0..vehicles {
            let at = (vehicles - 1 - k) * 2;
            let v = world.add_vehicle(&format!("V{k}"), 0, cells[at], 0.9).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let end = world.set_route(v, 0, &cells[at + 1..cells.len() - 2 * k], &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            ids.push((v, end));
        }
        // Front positions along the loop at the start: the stop point of each start cell.
        let ends: Vec<f64> = cells.iter().scan(0.0, |acc, &c| { *acc += site.cells.cell(c).length; Some(*acc) }).collect();
        let starts: Vec<f64> = (0..vehicles).map(|k| ends[(vehicles - 1 - k) * 2] - 5.0).collect();
        let mut rng = seed;
        for step in 0..20_000 {
            // Release a bit more of each route now and then (xorshift for determinism).
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            for (k, &(v, end)) in ids.iter().enumerate() {
                let view = world.vehicle(v).expect("vehicle");
                if step >= hold_steps && (rng >> (k * 3)) % 7 == 0 {
                    world.release(v, (view.released + 1).min(end)).expect("release");
                }
            }
            world.step(DT);
            for e in world.drain_events() {
                prop_assert!(!matches!(e, SimEvent::Collision { .. } | SimEvent::Stall { .. }), "{:?}", e);
            }
            for &(v, _) in &ids {
                let view = world.vehicle(v).expect("vehicle");
                prop_assert_eq!(view.emergency_brakings, 0);
                // The front's lane limit, with a small allowance for the step.
                let front_cell = site.cells.cell(*view.occupied.last().expect("occupied"));
                let corridor_map::CellOrigin::Lane { lane, .. } = front_cell.origin else { unreachable!() };
                prop_assert!(view.speed <= site.map.lane(lane).speed_limit + 0.5 * DT + 1e-9, "speed {} on lane {}", view.speed, lane.0);
            }
            // Gaps along the loop: vehicle k follows vehicle k-1; positions along the loop
            // are the start position plus the distance driven.
            for k in 1..ids.len() {
                let ahead = world.vehicle(ids[k - 1].0).expect("vehicle");
                let me = world.vehicle(ids[k].0).expect("vehicle");
                let x_ahead = starts[k - 1] + ahead.odometer_m;
                let x_me = starts[k] + me.odometer_m;
                let gap = x_ahead - 15.6 - x_me;
                prop_assert!(gap >= 5.0 - 0.05, "gap {} between V{} and V{}", gap, k - 1, k);
            }
            if ids.iter().all(|&(v, end)| {
                let view = world.vehicle(v).expect("vehicle");
                view.front_seq == end && view.speed == 0.0
            }) {
                return Ok(());
            }
        }
        prop_assert!(false, "the convoy did not finish");
    }
}

#[test]
fn service_queue_and_load() {
    let site = site();
    let scanner = site.map.station_id("scanner").expect("scanner");
    let s_cells = site.cells.station_cells(&site.map, scanner);
    let mut world = World::new(Arc::clone(&site), 3);
    let ab = lane(&site, 0);
    let bs = lane(&site, 1);
    assert_eq!(s_cells, vec![*bs.last().expect("cells")]);
    let v = world.add_vehicle("V0", 0, ab[0], 0.5).expect("add");
    let route: Vec<CellId> = ab[1..].iter().chain(&bs).copied().collect();
    let end = world
        .set_route(
            v,
            0,
            &route,
            &[Stop {
                id: 42,
                seq: route.len() as u64,
                action: StopAction::Service {
                    station: scanner,
                    load: Some(true),
                },
            }],
        )
        .expect("route");
    world.release(v, end).expect("release");
    let mut started = None;
    let mut finished = None;
    for _ in 0..4000 {
        world.step(DT);
        for e in world.drain_events() {
            match e {
                SimEvent::ActionStarted { stop: 42, .. } => started = Some(world.time()),
                SimEvent::ActionFinished { stop: 42, .. } => finished = Some(world.time()),
                SimEvent::Collision { .. } | SimEvent::Stall { .. } => panic!("{e:?}"),
                _ => {}
            }
        }
        if finished.is_some() {
            break;
        }
    }
    let (s, f) = (started.expect("arrived"), finished.expect("served"));
    assert!(
        (20.0..=40.0 + DT).contains(&(f - s)),
        "service took {} s",
        f - s
    );
    let view = world.vehicle(v).expect("view");
    assert!(view.loaded);
    assert_eq!(view.activity, Activity::Driving);
    assert_eq!(world.station_stats()[scanner.0 as usize].served, 1);
}

/// A drive-through station (`drive_through = true`) is served in passing: the vehicle keeps
/// moving past the stop point, the action starts and finishes there, the load is unchanged.
#[test]
fn a_drive_through_station_is_served_without_stopping() {
    let map = crate::LOOP.replace(
        "service = { dist = \"uniform\", min = 20, max = 40 }",
        "service = { dist = \"uniform\", min = 20, max = 40 }\ndrive_through = true",
    );
    let site = Arc::new(
        Site::new(corridor_map::SiteMap::from_toml_str(&map, "loop.toml").expect("valid"))
            .expect("cells"),
    );
    let scanner = site.map.station_id("scanner").expect("scanner");
    assert!(site.map.station(scanner).drive_through);
    let mut world = World::new(Arc::clone(&site), 3);
    let ab = lane(&site, 0);
    let bs = lane(&site, 1);
    let sc = lane(&site, 2);
    let v = world.add_vehicle("V0", 0, ab[0], 0.5).expect("add");
    let route: Vec<CellId> = ab[1..].iter().chain(&bs).chain(&sc).copied().collect();
    let at = (ab.len() - 1 + bs.len()) as u64;
    let stop = Stop {
        id: 7,
        seq: at,
        action: StopAction::Service {
            station: scanner,
            load: None,
        },
    };
    let end = world.set_route(v, 0, &route, &[stop]).expect("route");
    world.release(v, end).expect("release");
    let mut finished_at_speed = None;
    for _ in 0..4000 {
        world.step(DT);
        for e in world.drain_events() {
            match e {
                SimEvent::ActionFinished { stop: 7, .. } => {
                    finished_at_speed = Some(world.vehicle(v).expect("view").speed);
                }
                SimEvent::Collision { .. } | SimEvent::Stall { .. } => panic!("{e:?}"),
                _ => {}
            }
        }
        if world.vehicle(v).expect("view").front_seq == end {
            break;
        }
    }
    let speed = finished_at_speed.expect("served in passing");
    assert!(
        speed > 0.5,
        "the vehicle stopped at the scanner ({speed} m/s)"
    );
    let view = world.vehicle(v).expect("view");
    assert!(!view.loaded);
    assert_eq!(world.station_stats()[scanner.0 as usize].served, 1);
}

#[test]
fn a_broken_down_leader_stops_the_follower_safely() {
    let site = site();
    let cells = loop_cells(&site, 1);
    let mut world = World::new(Arc::clone(&site), 1);
    let lead = world.add_vehicle("L", 0, cells[2], 0.9).expect("add");
    let follow = world.add_vehicle("F", 0, cells[0], 0.9).expect("add");
    let end_l = world.set_route(lead, 0, &cells[3..12], &[]).expect("route");
    let end_f = world
        .set_route(follow, 0, &cells[1..10], &[])
        .expect("route");
    world.release(lead, end_l).expect("release");
    world.release(follow, end_f).expect("release");
    for step in 0..3000 {
        if step == 120 {
            world.hold(lead, world.time() + 200.0).expect("hold");
        }
        world.step(DT);
        for e in world.drain_events() {
            assert!(
                !matches!(e, SimEvent::Collision { .. } | SimEvent::Stall { .. }),
                "{e:?}"
            );
        }
    }
    let l = world.vehicle(lead).expect("view");
    let f = world.vehicle(follow).expect("view");
    assert_eq!((l.front_seq, f.front_seq), (end_l, end_f));
    assert!(l.emergency_brakings > 0, "the breakdown braked hard");
}

#[test]
fn two_vehicles_released_into_one_merge_collide_and_are_caught() {
    let site = site();
    let ab = lane(&site, 0);
    let db = lane(&site, 4);
    let bs = lane(&site, 1);
    let mut world = World::new(Arc::clone(&site), 1);
    // Both stand at the ends of the lanes that merge at B, both released into B → S.
    let a = world
        .add_vehicle("A", 0, *ab.last().expect("cells"), 0.9)
        .expect("add");
    let d = world
        .add_vehicle("D", 0, *db.last().expect("cells"), 0.9)
        .expect("add");
    for v in [a, d] {
        let end = world.set_route(v, 0, &bs, &[]).expect("route");
        world.release(v, end).expect("release");
    }
    let mut collided = false;
    for _ in 0..400 {
        world.step(DT);
        collided |= world
            .drain_events()
            .iter()
            .any(|e| matches!(e, SimEvent::Collision { .. }));
    }
    assert!(
        collided,
        "a controller error that sends two vehicles into one cell must be caught"
    );
}

#[test]
fn waiting_behind_a_vehicle_that_never_moves_is_a_stall() {
    let site = site();
    let cells = loop_cells(&site, 1);
    let mut world = World::new(Arc::clone(&site), 1);
    world.stall_after_s = 300.0;
    let _blocker = world.add_vehicle("B", 0, cells[3], 0.9).expect("add");
    let v = world.add_vehicle("V", 0, cells[0], 0.9).expect("add");
    let end = world.set_route(v, 0, &cells[1..8], &[]).expect("route");
    world.release(v, end).expect("release");
    let mut stall = None;
    for _ in 0..4000 {
        world.step(DT);
        for e in world.drain_events() {
            if let SimEvent::Stall { idle_s } = e {
                stall = Some(idle_s);
            }
            assert!(!matches!(e, SimEvent::Collision { .. }));
        }
    }
    assert!(stall.expect("stall reported") >= 300.0);
}

#[test]
fn charging_fills_the_battery_at_the_charger() {
    let site = site();
    let charger = site.map.station_id("charger").expect("charger");
    let ca = lane(&site, 3);
    let mut world = World::new(Arc::clone(&site), 1);
    let v = world.add_vehicle("V", 0, ca[0], 0.2).expect("add");
    let end = world
        .set_route(
            v,
            0,
            &ca[1..],
            &[Stop {
                id: 1,
                seq: (ca.len() - 1) as u64,
                action: StopAction::Charge {
                    station: charger,
                    target: 0.9,
                },
            }],
        )
        .expect("route");
    world.release(v, end).expect("release");
    let mut done = None;
    for _ in 0..20_000 {
        world.step(1.0);
        if world
            .drain_events()
            .iter()
            .any(|e| matches!(e, SimEvent::ActionFinished { stop: 1, .. }))
        {
            done = Some(world.time());
            break;
        }
    }
    let t = done.expect("charged");
    // 0.2 → 0.9 of a full charge of 3600 s is about 2520 s, plus the drive.
    assert!((2500.0..2800.0).contains(&t), "{t}");
    assert!(world.vehicle(v).expect("view").battery >= 0.9);
    let _ = VehicleIndex(0);
}

mod demand {
    use corridor_sim::demand::Demand;

    #[test]
    fn arrivals_follow_rate_shares_and_seed() {
        // The loop map has no flows; build demand on it with two flows added.
        let src = crate::LOOP.replace(
            "[[vehicle]]",
            "[[flow]]\nid = \"out\"\nshare = 0.6\nsteps = [{ stations = [\"scanner\"] }, { stations = [\"charger\"], probability = 0.03 }]\n[[flow]]\nid = \"in\"\nshare = 0.4\nsteps = [{ stations = [\"charger\"] }]\n\n[[vehicle]]",
        );
        let map = corridor_map::SiteMap::from_toml_str(&src, "flows.toml").expect("valid");
        let demand = Demand {
            per_day: 2800.0,
            peak_factor: 1.5,
            peak_hour: 14.0,
            perishable_share: vec![0.5, 0.0],
        };
        let a = demand.arrivals(&map, 24.0 * 10.0, 9).expect("demand");
        let b = demand.arrivals(&map, 24.0 * 10.0, 9).expect("demand");
        assert_eq!(a, b, "deterministic under a seed");
        assert_ne!(a, demand.arrivals(&map, 240.0, 10).expect("demand"));
        let per_day = a.len() as f64 / 10.0;
        assert!((per_day - 2800.0).abs() < 2800.0 * 0.03, "{per_day}");
        let out = a.iter().filter(|x| x.flow == 0).count() as f64 / a.len() as f64;
        assert!((out - 0.6).abs() < 0.02, "{out}");
        let inspected = a.iter().filter(|x| x.inspect).count() as f64
            / a.iter().filter(|x| x.flow == 0).count() as f64;
        assert!((inspected - 0.03).abs() < 0.01, "{inspected}");
        assert!(
            a.iter()
                .filter(|x| x.flow == 1)
                .all(|x| !x.perishable && !x.inspect)
        );
        // Peak hour (14:00) against the trough (02:00): ratio (1.5)/(0.5) = 3.
        let count = |h: f64| {
            a.iter()
                .filter(|x| ((x.at_s / 3600.0) % 24.0 - h).abs() < 1.0)
                .count() as f64
        };
        let ratio = count(14.0) / count(2.0);
        assert!((2.4..3.8).contains(&ratio), "{ratio}");
        assert!(a.windows(2).all(|w| w[0].at_s <= w[1].at_s));
    }
}

/// With a step of a second or more, the last step of an approach may leave the vehicle a
/// few centimetres short of its stop point, just outside the arrival tolerance, at a speed
/// below the creep speed: it must still close that gap and start its action, whatever the
/// step. (At `dt` = 1 s a vehicle stood 5.1 cm short of its bay forever and the fleet
/// gridlocked behind it.)
#[test]
fn a_vehicle_reaches_its_stop_point_whatever_the_step() {
    let site = site();
    let scanner = site.map.station_id("scanner").expect("scanner");
    let ab = lane(&site, 0);
    let bs = lane(&site, 1);
    let route: Vec<CellId> = ab[1..].iter().chain(&bs).copied().collect();
    let mut short = Vec::new();
    for k in 0..=150 {
        let dt = 0.5 + f64::from(k) * 0.01;
        let mut world = World::new(Arc::clone(&site), 3);
        let v = world.add_vehicle("V0", 0, ab[0], 0.5).expect("add");
        let stop = Stop {
            id: 1,
            seq: route.len() as u64,
            action: StopAction::Service {
                station: scanner,
                load: None,
            },
        };
        let end = world.set_route(v, 0, &route, &[stop]).expect("route");
        world.release(v, end).expect("release");
        let mut started = false;
        let mut still = 0;
        while !started && still < 20 {
            world.step(dt);
            started = world
                .drain_events()
                .iter()
                .any(|e| matches!(e, SimEvent::ActionStarted { stop: 1, .. }));
            let view = world.vehicle(v).expect("view");
            still = if view.speed == 0.0 { still + 1 } else { 0 };
        }
        if !started {
            short.push(dt);
        }
    }
    assert!(
        short.is_empty(),
        "stopped short of the stop point for dt = {short:?}"
    );
}
