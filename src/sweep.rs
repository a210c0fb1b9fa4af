//! `corridor sweep`: the fleet-sizing question. Runs the simulated day of `corridor demo`
//! (in process, on the virtual clock) for every fleet size of a range, two at a time (one
//! per core), and reports containers per day against fleet size: a table, `sweep.json`, and
//! an SVG plot with the target line; the smallest fleet that meets the target is named.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde::Serialize;

use corridor::plot::{LineChart, Series};
use corridor::run::{drive, progress};
use corridor::simulation::{RunSpec, Simulation};
use corridor::transport::InProcess;

/// A range of fleet sizes, `FROM..TO` (both included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetRange(pub RangeInclusive<usize>);

impl FromStr for FleetRange {
    type Err = String;
    fn from_str(s: &str) -> Result<FleetRange, String> {
        let (a, b) = s
            .split_once("..")
            .ok_or_else(|| format!("{s:?}: expected FROM..TO, e.g. 10..80"))?;
        let parse = |x: &str, what: &str| {
            x.trim_start_matches('=')
                .parse::<usize>()
                .map_err(|e| format!("{s:?}: {what} {x:?}: {e}"))
        };
        let (from, to) = (parse(a, "FROM")?, parse(b, "TO")?);
        if from == 0 || from > to {
            return Err(format!("{s:?}: need 1 <= FROM <= TO"));
        }
        Ok(FleetRange(from..=to))
    }
}

/// Options of `corridor sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Fleet sizes to try, FROM..TO.
    #[arg(long, default_value = "10..80")]
    pub vehicles: FleetRange,
    /// Step between fleet sizes.
    #[arg(long, default_value_t = 5)]
    pub step: usize,
    /// Containers per day the fleet must deliver.
    #[arg(long, default_value_t = 3000.0)]
    pub target: f64,
    /// The site map.
    #[arg(long, default_value = "maps/huu-nghi.toml")]
    pub map: PathBuf,
    /// Simulated hours per run.
    #[arg(long, default_value_t = 24.0)]
    pub hours: f64,
    /// Mean containers per day offered (default: the target plus 10 %, so that demand is
    /// not what limits the fleet that meets the target).
    #[arg(long)]
    pub demand: Option<f64>,
    /// Peak rate over mean rate of the daily demand profile.
    #[arg(long, default_value_t = 1.5)]
    pub peak_factor: f64,
    /// Seed of every run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Runs at the same time (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Where to write the results (the SVG plot goes beside it as sweep.svg).
    #[arg(long, default_value = "sweep.json")]
    pub out: PathBuf,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// One fleet size's result.
#[derive(Debug, Clone, Serialize)]
struct Point {
    vehicles: usize,
    containers_per_day: f64,
    cycle_s_p95: f64,
    collisions: usize,
    stalls: usize,
    /// Orders a vehicle refused (each one a controller bug).
    vehicle_rejections: usize,
    wall_seconds: f64,
}

impl Point {
    /// No collision, no stall, no order refused.
    fn clean(&self) -> bool {
        self.collisions == 0 && self.stalls == 0 && self.vehicle_rejections == 0
    }
}

#[derive(Debug, Serialize)]
struct Sweep {
    map: String,
    target_per_day: f64,
    demand_per_day: f64,
    hours: f64,
    seed: u64,
    points: Vec<Point>,
    /// The smallest fleet that met the target with no collision, stall or rejection.
    smallest_fleet_meeting_target: Option<usize>,
}

fn run_one(args: &SweepArgs, vehicles: usize, demand: f64) -> Result<Point> {
    let dir = corridor::simulation::scratch_dir()
        .join(format!("corridor-sweep-{}-{vehicles}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let spec = RunSpec {
        map: args.map.clone(),
        hours: args.hours,
        vehicles,
        demand,
        peak_factor: args.peak_factor,
        perishable: 0.5,
        seed: args.seed,
        dt: 0.5,
        store: Some(dir.join("jobs.redb")),
        restart_at_s: None,
    };
    let mut sim = Simulation::new(spec)?;
    let mut transport = InProcess::new(sim.vehicle_ids())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bar = progress(args.hours, true);
    runtime.block_on(drive(&mut sim, &mut transport, None, false, &bar))?;
    let report = sim.finish("in-process", Default::default(), &dir.join("report.json"))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Point {
        vehicles,
        containers_per_day: report.containers_per_day,
        cycle_s_p95: report.cycle_s_p95,
        collisions: report.collisions,
        stalls: report.stalls,
        vehicle_rejections: report.vehicle_rejections,
        wall_seconds: report.wall_seconds,
    })
}

/// Runs the sweep.
pub fn run(args: &SweepArgs) -> Result<ExitCode> {
    if args.step == 0 {
        bail!("--step must be at least 1");
    }
    let demand = args.demand.unwrap_or(args.target * 1.1);
    let sizes: Vec<usize> = args.vehicles.0.clone().step_by(args.step).collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let queue = Mutex::new(sizes.clone());
    let results = Mutex::new(Vec::new());
    let bar = progress(sizes.len() as f64, args.quiet);
    bar.set_message("fleet sizes".to_string());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(sizes.len()) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop());
                    let Some(n) = next else { break };
                    let outcome = run_one(args, n, demand);
                    if let Ok(mut r) = results.lock() {
                        r.push((n, outcome));
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let mut points = Vec::new();
    for (n, outcome) in results
        .into_inner()
        .map_err(|_| anyhow!("a sweep worker panicked"))?
    {
        points.push(outcome.with_context(|| format!("the run with {n} vehicles"))?);
    }
    points.sort_by_key(|p| p.vehicles);
    let smallest = points
        .iter()
        .find(|p| p.containers_per_day >= args.target && p.clean())
        .map(|p| p.vehicles);
    println!(
        "{:>8} {:>14} {:>10} {:>10} {:>7} {:>8}",
        "vehicles", "containers/day", "p95 cycle", "collisions", "stalls", "wall s"
    );
    for p in &points {
        println!(
            "{:>8} {:>14.0} {:>9.0}s {:>10} {:>7} {:>8.1}",
            p.vehicles, p.containers_per_day, p.cycle_s_p95, p.collisions, p.stalls, p.wall_seconds
        );
    }
    match smallest {
        Some(n) => println!(
            "smallest fleet delivering {:.0} containers/day: {n} vehicles",
            args.target
        ),
        None => println!(
            "no fleet size in {}..={} delivered {:.0} containers/day (offered {demand:.0})",
            args.vehicles.0.start(),
            args.vehicles.0.end(),
            args.target
        ),
    }
    let sweep = Sweep {
        map: args.map.display().to_string(),
        target_per_day: args.target,
        demand_per_day: demand,
        hours: args.hours,
        seed: args.seed,
        points: points.clone(),
        smallest_fleet_meeting_target: smallest,
    };
    std::fs::write(&args.out, serde_json::to_string_pretty(&sweep)?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let first = points.first().map_or(0.0, |p| p.vehicles as f64);
    let last = points.last().map_or(1.0, |p| p.vehicles as f64);
    let chart = LineChart {
        title: format!(
            "Containers per day against fleet size — {}",
            args.map.display()
        ),
        x_label: "vehicles".into(),
        y_label: "containers per day".into(),
        series: vec![
            Series {
                label: "delivered".into(),
                points: points
                    .iter()
                    .map(|p| (p.vehicles as f64, p.containers_per_day))
                    .collect(),
            },
            Series {
                label: format!("target {:.0}/day", args.target),
                points: vec![(first, args.target), (last, args.target)],
            },
        ],
        steps: false,
        legend: true,
    };
    std::fs::write(
        args.out.with_file_name("sweep.svg"),
        chart.to_svg(900.0, 480.0),
    )?;
    if !points.iter().all(Point::clean) {
        eprintln!("FAILED: a run had collisions, stalls or vehicle rejections");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
