//! `corridor day`: a simulated day on the virtual clock, in process. The fleet controller
//! (jobs, assignment, lifelong planning, execution graph) drives the kinematic simulator's
//! vehicles directly; container demand follows the map's flows with a daily peak. At the end
//! it prints a summary and writes `report.json` and SVG plots beside it.
//!
//! This is the controller and the simulator without the protocol between them: commands go
//! straight to the simulated vehicles and their progress straight back. `corridor demo`
//! (VDA 5050 over MQTT with the embedded broker) is the same loop with the protocol.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use corridor_fleet::operator::Event;
use corridor_fleet::{
    Controller, ControllerConfig, Input, JobSpec, JobStore, Output, StopKind, StopOrder,
};
use corridor_map::{CellId, SiteMap};
use corridor_sim::demand::Demand;
use corridor_sim::{Activity, SimEvent, Site, Stop, StopAction, VehicleIndex, World};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::plot::{LineChart, Series};

/// Options of `corridor day`.
#[derive(Debug, Args)]
pub struct DayArgs {
    /// The site map.
    #[arg(long, default_value = "maps/huu-nghi.toml")]
    pub map: PathBuf,
    /// Simulated hours.
    #[arg(long, default_value_t = 24.0)]
    pub hours: f64,
    /// Number of vehicles (profile: the map's first).
    #[arg(long, default_value_t = 55)]
    pub vehicles: usize,
    /// Mean containers per day, split between the map's flows by their shares.
    #[arg(long, default_value_t = 2800.0)]
    pub demand: f64,
    /// Peak rate over mean rate of the daily demand profile (domain.md §6: 1.5 [A]).
    #[arg(long, default_value_t = 1.5)]
    pub peak_factor: f64,
    /// Share of the first flow's containers that are perishable (fruit).
    #[arg(long, default_value_t = 0.5)]
    pub perishable: f64,
    /// Seed of demand, service times and planning.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulation step, seconds.
    #[arg(long, default_value_t = 0.5)]
    pub dt: f64,
    /// Where to write the report (SVG plots go beside it).
    #[arg(long, default_value = "report.json")]
    pub report: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Serialize)]
struct StationReport {
    id: String,
    kind: String,
    served: u64,
    wait_s_mean: f64,
    queue_max: usize,
    queue_mean: f64,
    utilisation: f64,
}

/// What `report.json` holds.
#[derive(Debug, Serialize)]
struct Report {
    map: String,
    seed: u64,
    vehicles: usize,
    demand_per_day: f64,
    simulated_seconds: f64,
    wall_seconds: f64,
    containers_arrived: usize,
    containers_delivered: usize,
    containers_per_day: f64,
    by_direction: BTreeMap<String, usize>,
    cycle_s_p50: f64,
    cycle_s_p95: f64,
    vehicle_moving_share: f64,
    /// Share of the fleet's time in each activity, sampled every 10 simulated seconds.
    vehicle_time_share: BTreeMap<String, f64>,
    energy_kwh: f64,
    charges: u64,
    emergency_brakings: u64,
    collisions: usize,
    stalls: usize,
    alarms: usize,
    stations: Vec<StationReport>,
    deliveries_per_hour: BTreeMap<String, Vec<usize>>,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Whether step number `step` (of `dt` seconds each) starts a new period of `seconds`.
fn every(step: u64, seconds: f64, dt: f64) -> bool {
    step.is_multiple_of((seconds / dt).round().max(1.0) as u64)
}

/// Distinct start cells spread over the whole network.
fn start_cells(site: &Site, n: usize) -> Result<Vec<CellId>> {
    let cells = site.cells.len();
    if n == 0 || n > cells / 2 {
        bail!("--vehicles must be 1..={} on this map", cells / 2);
    }
    Ok((0..n).map(|k| CellId((k * cells / n) as u32)).collect())
}

/// Runs the day and writes the report. Fails (exit code 1) on any collision or stall.
pub fn run(args: &DayArgs) -> Result<ExitCode> {
    let map =
        SiteMap::load(&args.map).with_context(|| format!("loading {}", args.map.display()))?;
    if map.flows().is_empty() {
        bail!(
            "{}: the map has no flows, so there is no demand to serve",
            args.map.display()
        );
    }
    let site = Arc::new(Site::new(map.clone())?);
    let mut world = World::new(Arc::clone(&site), args.seed);
    let starts = start_cells(&site, args.vehicles)?;
    let mut fleet = Vec::with_capacity(starts.len());
    for (k, &c) in starts.iter().enumerate() {
        let id = format!("IGV-{:02}", k + 1);
        // Batteries start spread between 50 % and 95 %, as in a fleet that has been running.
        let battery = 0.5 + 0.45 * (k as f64 + 0.5) / starts.len() as f64;
        world.add_vehicle(&id, 0, c, battery)?;
        fleet.push((id, c));
    }
    let store_dir =
        std::env::temp_dir().join(format!("corridor-day-{}-{}", std::process::id(), args.seed));
    std::fs::create_dir_all(&store_dir)?;
    let store = JobStore::open(store_dir.join("jobs.redb"))?;
    let config = ControllerConfig {
        seed: args.seed,
        ..ControllerConfig::default()
    };
    let mut controller = Controller::new(
        Arc::new(map.clone()),
        Arc::new(site.cells.clone()),
        store,
        &fleet,
        config,
    )?;
    let demand = Demand {
        per_day: args.demand,
        peak_factor: args.peak_factor,
        peak_hour: 14.0,
        perishable_share: vec![args.perishable],
    };
    let arrivals = demand.arrivals(&map, args.hours, args.seed);
    let flow_of: HashMap<String, usize> = arrivals
        .iter()
        .map(|a| (a.container.clone(), a.flow))
        .collect();
    let release_of: HashMap<String, f64> = arrivals
        .iter()
        .map(|a| (a.container.clone(), a.at_s))
        .collect();

    let end = args.hours * 3600.0;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.hours.ceil() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} simulated hours, {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let wall = Instant::now();
    let mut next_arrival = 0;
    let mut time = 0.0;
    let mut delivered: Vec<(f64, usize, f64)> = Vec::new(); // (time, flow, cycle)
    let (mut collisions, mut stalls, mut alarms) = (0usize, 0usize, 0usize);
    let mut queue_samples: Vec<(f64, Vec<usize>)> = Vec::new();
    let mut positions: Vec<(f64, Vec<f64>)> = Vec::new();
    let index: HashMap<String, usize> = fleet
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    let mut step = 0u64;
    let mut time_by_state: BTreeMap<String, f64> = BTreeMap::new();
    // Fleet-level stall: open jobs and no vehicle moving for STALL_S simulated seconds.
    const STALL_S: f64 = 900.0;
    let mut last_motion = 0.0;
    let mut stalled = false;
    while time < end {
        while next_arrival < arrivals.len() && arrivals[next_arrival].at_s <= time {
            let a = &arrivals[next_arrival];
            let spec = JobSpec {
                container: a.container.clone(),
                flow: Some(map.flows()[a.flow].id.clone()),
                stations: Vec::new(),
                priority: 0,
                perishable: a.perishable,
                release_s: a.at_s,
                deadline_s: None,
                hold: false,
                inspect: a.inspect,
            };
            controller.submit(spec)?;
            next_arrival += 1;
        }
        if every(step, 10.0, args.dt) {
            for (k, (id, _)) in fleet.iter().enumerate() {
                let battery = world.vehicle(VehicleIndex(k))?.battery;
                controller.handle(
                    time,
                    Input::Battery {
                        vehicle: id.clone(),
                        fraction: battery,
                    },
                );
            }
        }
        controller.tick(time)?;
        for out in controller.drain_outputs() {
            match out {
                Output::Release {
                    vehicle,
                    visits,
                    stops,
                } => {
                    let v = VehicleIndex(index[&vehicle]);
                    let view = world.vehicle(v)?;
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
                    let last = world.set_route(v, view.route_end, &cells, &new)?;
                    world.release(v, last)?;
                    for s in known {
                        world.add_stop(v, stop(s))?;
                    }
                }
                Output::Pause { vehicle } => {
                    world.set_paused(VehicleIndex(index[&vehicle]), true)?
                }
                Output::Resume { vehicle } => {
                    world.set_paused(VehicleIndex(index[&vehicle]), false)?
                }
                Output::Event(Event::Job {
                    time_s,
                    container,
                    state,
                    ..
                }) if state == "delivered" => {
                    let flow = flow_of.get(&container).copied().unwrap_or(0);
                    let cycle = time_s - release_of.get(&container).copied().unwrap_or(time_s);
                    delivered.push((time_s, flow, cycle));
                }
                Output::Event(Event::Alarm {
                    severity,
                    subject,
                    message,
                    ..
                }) => {
                    alarms += 1;
                    if severity == "critical" {
                        tracing::error!(%subject, "{message}");
                    }
                }
                Output::Event(_) | Output::Reply { .. } => {}
            }
        }
        world.step(args.dt);
        time += args.dt;
        step += 1;
        for e in world.drain_events() {
            match e {
                SimEvent::Left { vehicle, seq, .. } => {
                    let id = fleet[vehicle.0].0.clone();
                    controller.handle(
                        time,
                        Input::Entered {
                            vehicle: id,
                            visit: seq + 1,
                        },
                    );
                }
                SimEvent::ActionFinished { vehicle, stop } => {
                    let id = fleet[vehicle.0].0.clone();
                    controller.handle(time, Input::StopDone { vehicle: id, stop });
                }
                SimEvent::Collision { a, b, at } => {
                    collisions += 1;
                    tracing::error!(
                        "collision of {} and {} at ({:.1}, {:.1}) at {time:.1} s",
                        fleet[a.0].0,
                        fleet[b.0].0,
                        at.x,
                        at.y
                    );
                }
                SimEvent::Stall { idle_s } => {
                    stalls += 1;
                    tracing::error!(
                        "stall: work waiting and nothing moved for {idle_s:.0} s at {time:.1} s"
                    );
                }
                SimEvent::Entered { .. } | SimEvent::ActionStarted { .. } => {}
            }
        }
        let moving =
            (0..fleet.len()).any(|k| world.vehicle(VehicleIndex(k)).is_ok_and(|v| v.speed > 0.0));
        let open = controller.jobs().any(|j| !j.state.is_final());
        if moving || !open {
            last_motion = time;
            stalled = false;
        } else if !stalled && time - last_motion >= STALL_S {
            stalled = true;
            stalls += 1;
            tracing::error!(
                "stall: jobs are open and no vehicle has moved for {STALL_S:.0} s, at {:.2} h",
                time / 3600.0
            );
        }
        if every(step, 10.0, args.dt)
            && let Event::Snapshot { vehicles, .. } = controller.snapshot()
        {
            {
                for (k, v) in vehicles.iter().enumerate() {
                    let status = v.get("status").and_then(|s| s.as_str()).unwrap_or("idle");
                    let view = world.vehicle(VehicleIndex(k))?;
                    let what = match (status, view.activity) {
                        (_, Activity::Queued { .. }) => "queued at a station",
                        (_, Activity::Service { .. }) => "in service",
                        (_, Activity::Charging { .. }) => "charging",
                        ("idle", _) => "idle",
                        _ if view.speed > 0.0 && view.loaded => "driving loaded",
                        _ if view.speed > 0.0 => "driving empty",
                        _ => "stopped in traffic or in line",
                    };
                    *time_by_state.entry(what.to_string()).or_default() += 10.0;
                }
            }
        }
        if every(step, 60.0, args.dt) {
            queue_samples.push((time / 3600.0, world.queue_lengths()));
            let xs = (0..fleet.len())
                .map(|k| {
                    world
                        .vehicle(VehicleIndex(k))
                        .map(|v| v.front.x)
                        .unwrap_or(f64::NAN)
                })
                .collect();
            positions.push((time / 3600.0, xs));
        }
        if every(step, 3600.0, args.dt) {
            bar.inc(1);
            bar.set_message(format!("{} delivered", delivered.len()));
        }
    }
    bar.finish_and_clear();
    let wall_seconds = wall.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&store_dir);

    // Summary.
    let flows = map.flows();
    let mut by_direction: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_hour: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let hours = args.hours.ceil() as usize;
    for f in flows {
        by_direction.insert(f.id.clone(), 0);
        per_hour.insert(f.id.clone(), vec![0; hours]);
    }
    let mut cycles: Vec<f64> = Vec::new();
    for &(t, flow, cycle) in &delivered {
        let id = &flows[flow].id;
        *by_direction.entry(id.clone()).or_default() += 1;
        if let Some(h) = per_hour
            .get_mut(id)
            .and_then(|v| v.get_mut((t / 3600.0) as usize))
        {
            *h += 1;
        }
        cycles.push(cycle);
    }
    cycles.sort_by(f64::total_cmp);
    let views: Vec<_> = (0..fleet.len())
        .map(|k| world.vehicle(VehicleIndex(k)))
        .collect::<Result<_, _>>()?;
    let moving: f64 =
        views.iter().map(|v| v.moving_s).sum::<f64>() / (time * fleet.len() as f64).max(1.0);
    let stations = world
        .station_stats()
        .into_iter()
        .zip(map.stations())
        .map(|(s, st)| StationReport {
            id: st.id.clone(),
            kind: st.kind.to_string(),
            served: s.served,
            wait_s_mean: if s.served > 0 {
                s.wait_s / s.served as f64
            } else {
                0.0
            },
            queue_max: s.max_queue,
            queue_mean: s.queue_integral / time.max(1.0),
            utilisation: s.busy_integral / (time.max(1.0) * f64::from(st.capacity)),
        })
        .collect();
    let report = Report {
        map: args.map.display().to_string(),
        seed: args.seed,
        vehicles: fleet.len(),
        demand_per_day: args.demand,
        simulated_seconds: time,
        wall_seconds,
        containers_arrived: arrivals.len(),
        containers_delivered: delivered.len(),
        containers_per_day: delivered.len() as f64 * 86_400.0 / time.max(1.0),
        by_direction,
        cycle_s_p50: quantile(&cycles, 0.5),
        cycle_s_p95: quantile(&cycles, 0.95),
        vehicle_moving_share: moving,
        vehicle_time_share: {
            let total: f64 = time_by_state.values().sum::<f64>().max(1.0);
            time_by_state
                .iter()
                .map(|(k, v)| (k.clone(), v / total))
                .collect()
        },
        energy_kwh: views.iter().map(|v| v.energy_used_kwh).sum(),
        charges: controller.stats().charges,
        emergency_brakings: views.iter().map(|v| v.emergency_brakings).sum(),
        collisions,
        stalls,
        alarms,
        stations,
        deliveries_per_hour: per_hour,
    };
    print_summary(&report);
    write_outputs(&report, &args.report, &map, &queue_samples, &positions)?;
    if collisions > 0 || stalls > 0 {
        eprintln!("FAILED: {collisions} collision(s), {stalls} stall(s)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(r: &Report) {
    println!(
        "simulated {:.1} h with {} vehicles in {:.1} s of wall time",
        r.simulated_seconds / 3600.0,
        r.vehicles,
        r.wall_seconds
    );
    println!(
        "containers: {} arrived, {} delivered = {:.0}/day ({})",
        r.containers_arrived,
        r.containers_delivered,
        r.containers_per_day,
        r.by_direction
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "cycle (ready to delivered): p50 {:.0} s, p95 {:.0} s",
        r.cycle_s_p50, r.cycle_s_p95
    );
    println!(
        "vehicles moving {:.0}% of the time, {:.0} kWh used, {} charging trips, {} emergency brakings",
        r.vehicle_moving_share * 100.0,
        r.energy_kwh,
        r.charges,
        r.emergency_brakings
    );
    println!(
        "fleet time: {}",
        r.vehicle_time_share
            .iter()
            .map(|(k, v)| format!("{k} {:.0}%", v * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("collisions {}, stalls {}", r.collisions, r.stalls);
    println!(
        "{:<14} {:>6} {:>8} {:>6} {:>6}",
        "station", "served", "wait s", "q max", "util"
    );
    for s in &r.stations {
        if s.served > 0 {
            println!(
                "{:<14} {:>6} {:>8.1} {:>6} {:>5.0}%",
                s.id,
                s.served,
                s.wait_s_mean,
                s.queue_max,
                s.utilisation * 100.0
            );
        }
    }
}

fn write_outputs(
    report: &Report,
    path: &Path,
    map: &SiteMap,
    queues: &[(f64, Vec<usize>)],
    positions: &[(f64, Vec<f64>)],
) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(report)?)
        .with_context(|| format!("writing {}", path.display()))?;
    let beside = |name: &str| path.with_file_name(name);
    let deliveries = LineChart {
        title: format!("Containers delivered per hour — {}", map.name()),
        x_label: "hour of the day".into(),
        y_label: "containers".into(),
        series: report
            .deliveries_per_hour
            .iter()
            .map(|(flow, v)| Series {
                label: flow.clone(),
                points: v
                    .iter()
                    .enumerate()
                    .map(|(h, &n)| (h as f64, n as f64))
                    .collect(),
            })
            .collect(),
        steps: true,
        legend: true,
    };
    std::fs::write(beside("deliveries.svg"), deliveries.to_svg(900.0, 420.0))?;
    // Queues: the stations with the longest queues.
    let mut busiest: Vec<(usize, usize)> = (0..map.stations().len())
        .map(|s| (queues.iter().map(|(_, q)| q[s]).max().unwrap_or(0), s))
        .collect();
    busiest.sort_by(|a, b| b.cmp(a));
    let queue_chart = LineChart {
        title: "Queue length at the busiest stations".into(),
        x_label: "hour of the day".into(),
        y_label: "vehicles waiting".into(),
        series: busiest
            .iter()
            .take(8)
            .filter(|(max, _)| *max > 0)
            .map(|&(_, s)| Series {
                label: map.stations()[s].id.clone(),
                points: queues.iter().map(|(t, q)| (*t, q[s] as f64)).collect(),
            })
            .collect(),
        steps: true,
        legend: true,
    };
    std::fs::write(beside("queues.svg"), queue_chart.to_svg(900.0, 420.0))?;
    let vehicles = positions.first().map_or(0, |(_, x)| x.len());
    let time_distance = LineChart {
        title: "Time–distance diagram: vehicles along the corridor (x)".into(),
        x_label: "hour of the day".into(),
        y_label: "x along the corridor, m".into(),
        series: (0..vehicles)
            .map(|k| Series {
                label: format!("IGV-{:02}", k + 1),
                points: positions.iter().map(|(t, x)| (*t, x[k])).collect(),
            })
            .collect(),
        steps: false,
        legend: false,
    };
    std::fs::write(
        beside("time-distance.svg"),
        time_distance.to_svg(1200.0, 600.0),
    )?;
    Ok(())
}
