//! `corridor lifelong`: the standard lifelong benchmark. Every agent gets a new goal when
//! it arrives; each tick plans one step with the lifelong planner and executes it at once.
//! On a MovingAI grid the goals are random free cells; on a lane map they follow the
//! station sequences of the map's flows (crane → gates → … → crane, then the next flow); on
//! one of RHCR's warehouse maps they follow RHCR's task model for it (see [`crate::rhcr`]).
//!
//! Every step is checked by the independent plan checker (moves along edges, no vertex or
//! swap conflict, no rotating ring) and accepted by the execution graph; what either
//! refuses counts as a violation.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use corridor_map::movingai::GridMap;
use corridor_map::{CellGraph, CellId, SiteMap};
use corridor_plan::{LifelongPlanner, WindowOptions};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::rhcr::{self, RhcrMap};

/// Options of `corridor lifelong`.
#[derive(Debug, Args)]
pub struct LifelongArgs {
    /// A MovingAI `.map` grid, a lane map (`.toml`) whose flows give the goals, or one of
    /// RHCR's warehouse maps (its fulfillment `.map` or sorting-centre `.grid`).
    #[arg(long)]
    pub map: PathBuf,
    /// Number of agents (placed on distinct random cells, or as the task model says).
    #[arg(long)]
    pub agents: usize,
    /// Where goals come from: `random` free cells, the lane map's `flows`, or `rhcr`, the
    /// task model of RHCR's scenario for its map. `auto`: the map's own (flows for a lane
    /// map, rhcr for an RHCR map, random for a MovingAI grid).
    #[arg(long, value_enum, default_value_t = TaskModel::Auto)]
    pub tasks: TaskModel,
    /// Number of ticks (planning steps) to run.
    #[arg(long, default_value_t = 1000)]
    pub steps: usize,
    /// Seed of starts, goals and the planner's tie-breaking.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The per-step planner: `pibt` (lifelong PIBT without rotations, one step ahead) or
    /// `window` (PIBT rolled over a window of `--window` steps and improved by large
    /// neighbourhood search, `LifelongPlanner::set_window`; slower per tick, no
    /// reachability guarantee).
    #[arg(long, value_enum, default_value_t = Solver::Pibt)]
    pub solver: Solver,
    /// With `--solver window`: steps in the window [default: 10].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(corridor_plan::MAX_HORIZON)))]
    pub window: Option<u32>,
    /// With `--solver window`: neighbourhoods searched per tick [default: 1000].
    #[arg(long)]
    pub iterations: Option<u32>,
    /// With `--solver window`: wall-time limit of each tick's search in milliseconds (the
    /// search also stops after `--iterations`). Bounds the tick; the run is then no longer
    /// reproducible under the seed.
    #[arg(long, value_parser = parse_budget)]
    pub tick_budget_ms: Option<f64>,
    /// With `--solver window`: agents replanned together in one neighbourhood [default: 8].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub neighbourhood: Option<u32>,
    /// Traffic-flow guide paths (`LifelongPlanner::set_guidance`). `auto`: with `--solver
    /// pibt`, on when at least half of the map's moves are two-way (RHCR's fulfillment
    /// warehouse, MovingAI grids), off on one-way networks such as RHCR's sorting centre,
    /// where guide paths have no contraflow to avoid and only narrow PIBT's choice of
    /// equally short moves; with `--solver window`, off (the window search resolves the
    /// conflicts guide paths steer around, and guide paths' detours cost it throughput at
    /// low density).
    #[arg(long, value_enum, default_value_t = Guidance::Auto)]
    pub guidance: Guidance,
}

/// The `--solver` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Lifelong PIBT, one step ahead.
    Pibt,
    /// PIBT over a window, improved by large neighbourhood search.
    Window,
}

/// The `--guidance` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guidance {
    /// On when at least half of the moves are two-way.
    Auto,
    /// Guide paths for every agent.
    On,
    /// Plain lifelong PIBT (distance to the goal).
    Off,
}

/// `--tick-budget-ms`: a finite number of milliseconds from 0 to one hour.
fn parse_budget(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(ms) if (0.0..=3_600_000.0).contains(&ms) => Ok(ms),
        Ok(_) => Err(format!(
            "{s} is not a number of milliseconds from 0 to 3600000"
        )),
        Err(e) => Err(format!("{s:?}: {e}")),
    }
}

/// Whether at least half of `graph`'s moves have a move back.
fn mostly_two_way(graph: &CellGraph) -> bool {
    let (mut moves, mut two_way) = (0usize, 0usize);
    for c in 0..graph.len() as u32 {
        for &s in graph.successors(CellId(c)) {
            moves += 1;
            if graph.has_edge(s, CellId(c)) {
                two_way += 1;
            }
        }
    }
    2 * two_way >= moves
}

/// The `--tasks` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskModel {
    /// The map's own task model.
    Auto,
    /// Random free cells, none another agent's goal.
    Random,
    /// The station steps of a lane map's flows.
    Flows,
    /// RHCR's task model for its warehouse maps.
    Rhcr,
}

/// Where an agent's goals come from.
enum Goals {
    /// Random free cells.
    Random,
    /// The station steps of the map's flows: per flow its share and, per step, the cells of
    /// its stations; per agent the flow and step it is on (none before its first goal).
    Flows {
        flows: Vec<(f64, Vec<Vec<CellId>>)>,
        progress: Vec<Option<(usize, usize)>>,
    },
    /// RHCR's fulfillment-warehouse or sorting-centre task model.
    Rhcr(rhcr::Tasks),
}

impl Goals {
    /// Agent `agent`'s next goal: `taken` tells the other agents' goals, `planner` where the
    /// agent is and how far cells are.
    fn next(
        &mut self,
        agent: usize,
        cells: usize,
        rng: &mut ChaCha8Rng,
        taken: &dyn Fn(CellId) -> bool,
        planner: &mut LifelongPlanner,
    ) -> CellId {
        let pick = |options: &[CellId], rng: &mut ChaCha8Rng| -> CellId {
            let free: Vec<CellId> = options.iter().copied().filter(|&c| !taken(c)).collect();
            let from = if free.is_empty() { options } else { &free };
            from[rng.random_range(0..from.len())]
        };
        match self {
            Goals::Random => loop {
                let c = CellId(rng.random_range(0..cells as u32));
                if !taken(c) {
                    return c;
                }
            },
            Goals::Flows { flows, progress } => {
                let next = match progress[agent] {
                    Some((flow, step)) if step + 1 < flows[flow].1.len() => (flow, step + 1),
                    _ => {
                        // A new container: pick a flow by its share.
                        let u: f64 = rng.random();
                        let mut acc = 0.0;
                        let flow = flows
                            .iter()
                            .position(|(share, _)| {
                                acc += share;
                                u < acc
                            })
                            .unwrap_or(0);
                        (flow, 0)
                    }
                };
                progress[agent] = Some(next);
                pick(&flows[next.0].1[next.1], rng)
            }
            Goals::Rhcr(tasks) => {
                let at = CellId(planner.execution().frontier_of(agent as u32));
                tasks.next(agent, at, rng, &mut |from, to| planner.distance(from, to))
            }
        }
    }
}

/// The benchmark's result, printed as one JSON object.
#[derive(Debug, serde::Serialize)]
struct Report {
    map: String,
    agents: usize,
    steps: usize,
    seed: u64,
    solver: Solver,
    /// With `--solver window`: horizon, iterations, neighbourhood.
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<[u32; 3]>,
    /// With `--tick-budget-ms`: the search's time limit per tick.
    #[serde(skip_serializing_if = "Option::is_none")]
    tick_budget_ms: Option<f64>,
    tasks: TaskModel,
    guidance: bool,
    goals_reached: u64,
    throughput: f64,
    tick_ms_p50: f64,
    tick_ms_p99: f64,
    tick_ms_max: f64,
    violations: u64,
    stalled_steps: u64,
}

/// A loaded `--map`.
enum Loaded {
    /// A MovingAI grid.
    Grid(CellGraph),
    /// A lane map and its cells.
    Lanes(CellGraph, SiteMap),
    /// One of RHCR's warehouse maps.
    Rhcr(RhcrMap),
}

fn load(path: &PathBuf) -> Result<Loaded> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("grid") => Ok(Loaded::Rhcr(rhcr::load(path)?)),
        Some("map") => {
            let source = std::fs::read_to_string(path)?;
            if rhcr::is_rhcr_map(&source) {
                return Ok(Loaded::Rhcr(rhcr::parse_map(&source, path)?));
            }
            Ok(Loaded::Grid(
                GridMap::parse(&source, path)?.to_cell_graph()?,
            ))
        }
        _ => {
            let map = SiteMap::load(path)?;
            Ok(Loaded::Lanes(CellGraph::from_site(&map)?, map))
        }
    }
}

/// The goals of a lane map's flows for `agents` agents: per flow its share and the cells of
/// each step's stations (steps taken with certainty only).
fn flow_goals(
    path: &std::path::Path,
    cells: &CellGraph,
    map: &SiteMap,
    agents: usize,
) -> Result<Goals> {
    let flows: Vec<(f64, Vec<Vec<CellId>>)> = map
        .flows()
        .iter()
        .map(|f| {
            let steps = f
                .steps
                .iter()
                .filter(|s| s.probability >= 1.0)
                .map(|s| {
                    s.stations
                        .iter()
                        .flat_map(|&st| cells.station_cells(map, st))
                        .collect()
                })
                .collect();
            (f.share, steps)
        })
        .collect();
    if flows.is_empty()
        || flows
            .iter()
            .any(|(_, s): &(f64, Vec<Vec<CellId>>)| s.is_empty() || s.iter().any(Vec::is_empty))
    {
        bail!(
            "{}: lifelong goals need flows whose steps have stations with cells",
            path.display()
        );
    }
    Ok(Goals::Flows {
        flows,
        progress: vec![None; agents],
    })
}

/// Distinct random cells, one per agent.
fn random_starts(cells: usize, agents: usize, rng: &mut ChaCha8Rng) -> Vec<CellId> {
    let mut all: Vec<u32> = (0..cells as u32).collect();
    for i in 0..agents {
        let j = rng.random_range(i..cells);
        all.swap(i, j);
    }
    all[..agents].iter().map(|&c| CellId(c)).collect()
}

/// Runs the benchmark and prints its JSON report.
pub fn run(args: &LifelongArgs) -> Result<ExitCode> {
    if args.solver == Solver::Pibt {
        let given = [
            ("--window", args.window.is_some()),
            ("--iterations", args.iterations.is_some()),
            ("--neighbourhood", args.neighbourhood.is_some()),
            ("--tick-budget-ms", args.tick_budget_ms.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
            bail!("{flag} applies to --solver window only (the solver is pibt)");
        }
    }
    let loaded = load(&args.map).with_context(|| format!("loading {}", args.map.display()))?;
    let tasks = match (args.tasks, &loaded) {
        (TaskModel::Auto, Loaded::Grid(_)) => TaskModel::Random,
        (TaskModel::Auto, Loaded::Lanes(..)) => TaskModel::Flows,
        (TaskModel::Auto, Loaded::Rhcr(_)) => TaskModel::Rhcr,
        (TaskModel::Flows, Loaded::Grid(_) | Loaded::Rhcr(_)) => {
            bail!("--tasks flows needs a lane map (.toml) with flows")
        }
        (TaskModel::Rhcr, Loaded::Grid(_) | Loaded::Lanes(..)) => {
            bail!("--tasks rhcr needs one of RHCR's maps (its fulfillment .map or sorting .grid)")
        }
        (t, _) => t,
    };
    let cells = match &loaded {
        Loaded::Grid(cells) | Loaded::Lanes(cells, _) => cells,
        Loaded::Rhcr(map) => &map.graph,
    };
    let n = cells.len();
    // One cell stays free: a new random goal must be a cell no other agent is heading to.
    if args.agents == 0 || args.agents >= n {
        bail!(
            "--agents must be 1..={} for this map ({n} cells), got {}",
            n.saturating_sub(1),
            args.agents
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let (starts, mut goals) = match (&loaded, tasks) {
        (Loaded::Rhcr(map), TaskModel::Rhcr) => {
            let model = rhcr::Tasks::new(map, args.agents);
            (model.starts(map, &mut rng)?, Goals::Rhcr(model))
        }
        (Loaded::Lanes(cells, map), TaskModel::Flows) => {
            let starts = random_starts(n, args.agents, &mut rng);
            (starts, flow_goals(&args.map, cells, map, args.agents)?)
        }
        _ => (random_starts(n, args.agents, &mut rng), Goals::Random),
    };
    let cells = match loaded {
        Loaded::Grid(cells) | Loaded::Lanes(cells, _) => cells,
        Loaded::Rhcr(map) => map.graph,
    };
    let graph = Arc::new(cells);
    let mut planner = LifelongPlanner::new(Arc::clone(&graph), &starts, args.seed)?;
    let guidance = match args.guidance {
        Guidance::Auto => args.solver == Solver::Pibt && mostly_two_way(&graph),
        Guidance::On => true,
        Guidance::Off => false,
    };
    planner.set_guidance(guidance);
    let defaults = WindowOptions::default();
    let window = (args.solver == Solver::Window).then_some(WindowOptions {
        horizon: args.window.unwrap_or(defaults.horizon),
        iterations: args.iterations.unwrap_or(defaults.iterations),
        neighbourhood: args.neighbourhood.unwrap_or(defaults.neighbourhood),
        time_limit: args
            .tick_budget_ms
            .map(|ms| Duration::from_secs_f64(ms / 1000.0)),
    });
    planner.set_window(window);
    let mut current: Vec<Option<CellId>> = vec![None; args.agents];
    for a in 0..args.agents {
        let taken = |c: CellId| current.contains(&Some(c));
        let g = goals.next(a, n, &mut rng, &taken, &mut planner);
        current[a] = Some(g);
        planner.set_goal(a as u32, Some(g));
    }
    let mut ticks = Vec::with_capacity(args.steps);
    let (mut reached, mut violations, mut stalled) = (0u64, 0u64, 0u64);
    for _ in 0..args.steps {
        let start = Instant::now();
        let step = planner.step();
        // Synchronous execution: every agent carries out its step in this tick.
        let mut progressed = true;
        while progressed {
            progressed = false;
            for a in 0..args.agents as u32 {
                let r = planner.execution().released(a);
                if r > planner.execution().entered(a) {
                    planner.enter(a, r)?;
                    progressed = true;
                }
            }
        }
        ticks.push(start.elapsed().as_secs_f64() * 1000.0);
        // The planner has every step checked by the plan checker before it commits it: a
        // step it rejects is a violation.
        match step {
            Err(_) => violations += 1,
            Ok(report) if report.moved == 0 => stalled += 1,
            Ok(_) => {}
        }
        for a in 0..args.agents {
            if planner.at_goal(a as u32) {
                reached += 1;
                let taken = |c: CellId| current.contains(&Some(c));
                let g = goals.next(a, n, &mut rng, &taken, &mut planner);
                current[a] = Some(g);
                planner.set_goal(a as u32, Some(g));
            }
        }
    }
    ticks.sort_by(f64::total_cmp);
    let q = |f: f64| {
        ticks
            .get(((ticks.len().saturating_sub(1)) as f64 * f).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let report = Report {
        map: args.map.display().to_string(),
        agents: args.agents,
        steps: args.steps,
        seed: args.seed,
        solver: args.solver,
        window: window.map(|w| [w.horizon, w.iterations, w.neighbourhood]),
        tick_budget_ms: window.and(args.tick_budget_ms),
        tasks,
        guidance,
        goals_reached: reached,
        throughput: reached as f64 / args.steps.max(1) as f64,
        tick_ms_p50: q(0.5),
        tick_ms_p99: q(0.99),
        tick_ms_max: q(1.0),
        violations,
        stalled_steps: stalled,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
