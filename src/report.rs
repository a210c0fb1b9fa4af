//! What a simulated run reports: `report.json`, the summary printed at the end, and the SVG
//! plots written beside the report (deliveries per hour, queues at the busiest stations, a
//! time–distance diagram of the vehicles along the corridor).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use corridor_map::SiteMap;
use serde::Serialize;

use crate::plot::{LineChart, Series};

/// One station's figures over the run.
#[derive(Debug, Serialize)]
pub struct StationReport {
    /// Map id.
    pub id: String,
    /// Kind, as in the map.
    pub kind: String,
    /// Vehicles served.
    pub served: u64,
    /// Mean wait in its queue, seconds.
    pub wait_s_mean: f64,
    /// Longest queue.
    pub queue_max: usize,
    /// Mean queue length.
    pub queue_mean: f64,
    /// Busy share of its places.
    pub utilisation: f64,
}

/// What `report.json` holds.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The map file.
    pub map: String,
    /// Seed of demand, service times and planning.
    pub seed: u64,
    /// Fleet size.
    pub vehicles: usize,
    /// How controller and vehicles talked: `mqtt` or `in-process`.
    pub transport: String,
    /// Mean containers per day asked for.
    pub demand_per_day: f64,
    /// Simulated time, seconds.
    pub simulated_seconds: f64,
    /// Wall time of the run, seconds.
    pub wall_seconds: f64,
    /// Containers that arrived for transport.
    pub containers_arrived: usize,
    /// Containers delivered.
    pub containers_delivered: usize,
    /// Delivered per simulated day.
    pub containers_per_day: f64,
    /// Delivered per flow (direction).
    pub by_direction: BTreeMap<String, usize>,
    /// Cycle time from ready to delivered, median, seconds.
    pub cycle_s_p50: f64,
    /// Cycle time, 95th percentile, seconds.
    pub cycle_s_p95: f64,
    /// Share of vehicle time spent moving.
    pub vehicle_moving_share: f64,
    /// Share of the fleet's time in each activity, sampled every 10 simulated seconds.
    pub vehicle_time_share: BTreeMap<String, f64>,
    /// Energy used by the fleet, kWh.
    pub energy_kwh: f64,
    /// Charging trips started.
    pub charges: u64,
    /// Times the fleet side was killed and started again ([`crate::simulation::RunSpec::restart_at_s`]).
    pub controller_restarts: usize,
    /// Brakings harder than the service brake.
    pub emergency_brakings: u64,
    /// Footprints that overlapped (must be 0).
    pub collisions: usize,
    /// Times work waited and nothing moved for 15 minutes (must be 0).
    pub stalls: usize,
    /// Alarms the controller raised.
    pub alarms: usize,
    /// VDA 5050 messages: orders, order updates, instant actions, states, connections.
    pub messages: BTreeMap<String, u64>,
    /// Orders or instant actions a vehicle refused (must be 0).
    pub vehicle_rejections: usize,
    /// Per station.
    pub stations: Vec<StationReport>,
    /// Deliveries per hour of the run, per flow.
    pub deliveries_per_hour: BTreeMap<String, Vec<usize>>,
}

/// The p-quantile of sorted values (0 for none).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Prints the end-of-run summary.
pub fn print_summary(r: &Report) {
    println!(
        "simulated {:.1} h with {} vehicles in {:.1} s of wall time (VDA 5050 {})",
        r.simulated_seconds / 3600.0,
        r.vehicles,
        r.wall_seconds,
        if r.transport == "mqtt" {
            "over MQTT"
        } else {
            "in process"
        }
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
    println!(
        "messages: {}",
        r.messages
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "collisions {}, stalls {}, vehicle rejections {}",
        r.collisions, r.stalls, r.vehicle_rejections
    );
    if r.controller_restarts > 0 {
        println!(
            "the fleet side was killed and started again {} time(s)",
            r.controller_restarts
        );
    }
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

/// Writes `report.json` at `path` and the SVG plots beside it.
pub fn write_outputs(
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
