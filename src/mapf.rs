//! `corridor mapf`: solve a MovingAI grid instance or a lane-map instance and write the plan
//! in the result format of LaCAM and the mapf-visualizer.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use corridor_map::movingai::{GridMap, Scenario};
use corridor_map::{CellGraph, CellId, CellOrigin, SiteMap};
use corridor_plan::{
    Cbs, Digraph, Instance, LaCam, LaCamOptions, Outcome, PibtSolver, Solver, lower_bounds,
};

/// Which solver `corridor mapf` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SolverKind {
    /// LaCAM*: complete and anytime (first solution fast, then lower cost until the limit).
    Lacam,
    /// PIBT alone: fast, incomplete.
    Pibt,
    /// Optimal conflict-based search (small fleets).
    Cbs,
    /// Bounded-suboptimal focal search: sum-of-costs at most `w` × optimal.
    Eecbs,
}

/// Arguments of `corridor mapf`.
#[derive(Debug, clap::Args)]
pub struct MapfArgs {
    /// The map: a MovingAI grid (`.map`, needs `--scen`) or a lane map (`.toml`, random
    /// distinct starts and goals on cells drawn from `--seed`).
    #[arg(long)]
    pub map: PathBuf,
    /// The MovingAI scenario (`.scen`); its first `--agents` lines are used.
    #[arg(long)]
    pub scen: Option<PathBuf>,
    /// Number of agents.
    #[arg(long, short = 'N')]
    pub agents: usize,
    /// The solver.
    #[arg(long, value_enum, default_value = "lacam")]
    pub solver: SolverKind,
    /// Suboptimality weight of `eecbs` (at least 1).
    #[arg(long, default_value_t = 1.2)]
    pub w: f64,
    /// Time limit, e.g. `10s`, `500ms`, `2m` (a bare number is seconds).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub time_limit: Duration,
    /// Stop at the first solution (LaCAM* only; the others always stop at their first).
    #[arg(long)]
    pub first: bool,
    /// Seed of every random choice (solver tie-breaks, lane-map starts and goals).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the result.
    #[arg(long)]
    pub out: PathBuf,
}

/// Parses `10s`, `500ms`, `1.5s`, `2m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 10s or 500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1e3,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown time unit {other:?} in {text:?} (use ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

/// How vertices are written: grid squares as `(x,y)`, lane cells by id.
enum Labels {
    Grid(Vec<(u32, u32)>),
    Cells,
}

impl Labels {
    fn of(graph: &CellGraph) -> Labels {
        if graph.grid_size().is_none() {
            return Labels::Cells;
        }
        Labels::Grid(
            graph
                .cells()
                .iter()
                .map(|c| match c.origin {
                    CellOrigin::Grid { col, row } => (col, row),
                    CellOrigin::Lane { .. } => (u32::MAX, u32::MAX),
                })
                .collect(),
        )
    }

    fn line(&self, config: &[u32]) -> String {
        let mut s = String::with_capacity(config.len() * 8);
        for &v in config {
            match self {
                Labels::Grid(xy) => {
                    let (x, y) = xy[v as usize];
                    let _ = write!(s, "({x},{y}),");
                }
                Labels::Cells => {
                    let _ = write!(s, "{v},");
                }
            }
        }
        s
    }
}

fn load(args: &MapfArgs) -> Result<(CellGraph, Instance)> {
    let is_toml = args.map.extension().is_some_and(|e| e == "toml");
    if is_toml {
        let map = SiteMap::load(&args.map)?;
        let cells = CellGraph::from_site(&map)
            .with_context(|| format!("{}: cutting lanes into cells", args.map.display()))?;
        let graph = Arc::new(Digraph::from_graph(&cells)?);
        let instance = Instance::random(graph, args.agents, args.seed)?;
        return Ok((cells, instance));
    }
    let Some(scen) = &args.scen else {
        bail!(
            "--scen is needed with a MovingAI map ({})",
            args.map.display()
        );
    };
    let cells = GridMap::load(&args.map)?.to_cell_graph()?;
    let pairs = Scenario::load(scen)?.cells(&cells, args.agents)?;
    let starts = pairs.iter().map(|&(s, _): &(CellId, CellId)| s.0).collect();
    let goals = pairs.iter().map(|&(_, g)| g.0).collect();
    let instance = Instance::from_graph(&cells, starts, goals)
        .with_context(|| format!("{}: agents of the scenario", scen.display()))?;
    Ok((cells, instance))
}

/// Runs `corridor mapf`: writes the result file and returns success when a plan was found,
/// failure (with `solved=0` in the file) when none was.
pub fn run(args: &MapfArgs) -> Result<ExitCode> {
    let (cells, instance) = load(args)?;
    let mut solver: Box<dyn Solver> = match args.solver {
        SolverKind::Lacam => Box::new(LaCam::new(LaCamOptions {
            anytime: !args.first,
            ..LaCamOptions::default()
        })),
        SolverKind::Pibt => Box::new(PibtSolver::default()),
        SolverKind::Cbs => Box::new(Cbs::optimal()),
        SolverKind::Eecbs => Box::new(Cbs::bounded(args.w)),
    };
    let started = Instant::now();
    let outcome = solver.solve(&instance, started + args.time_limit, args.seed)?;
    let comp_time = started.elapsed();
    let bounds = lower_bounds(&instance).ok();
    let labels = Labels::of(&cells);
    let text = result_text(
        args,
        solver.name(),
        &instance,
        &outcome,
        comp_time,
        bounds,
        &labels,
    );
    std::fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))?;
    let stats = outcome.stats();
    match &outcome {
        Outcome::Solved(s) => {
            println!(
                "solved: {} agents, sum-of-costs {}, makespan {}, first solution {:.1} ms, total {:.1} ms -> {}",
                instance.agents(),
                s.cost.sum_of_costs,
                s.cost.makespan,
                ms(stats.first_solution.unwrap_or_default()),
                ms(comp_time),
                args.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Unsolvable(_) => {
            println!("no plan exists ({:.1} ms)", ms(comp_time));
            Ok(ExitCode::FAILURE)
        }
        Outcome::NotFound(_) => {
            println!("no plan found within {:?}", args.time_limit);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn result_text(
    args: &MapfArgs,
    solver: &str,
    instance: &Instance,
    outcome: &Outcome,
    comp_time: Duration,
    bounds: Option<corridor_plan::LowerBounds>,
    labels: &Labels,
) -> String {
    let solution = outcome.solution();
    let cost = solution.map(|s| s.cost).unwrap_or_default();
    let stats = outcome.stats();
    let mut out = String::new();
    let _ = writeln!(out, "agents={}", instance.agents());
    let _ = writeln!(out, "map_file={}", file_name(&args.map));
    let _ = writeln!(out, "solver={solver}");
    let _ = writeln!(out, "solved={}", u8::from(solution.is_some()));
    let _ = writeln!(out, "soc={}", cost.sum_of_costs);
    let _ = writeln!(
        out,
        "soc_lb={}",
        bounds.as_ref().map_or(0, |b| b.sum_of_costs)
    );
    let _ = writeln!(out, "makespan={}", cost.makespan);
    let _ = writeln!(
        out,
        "makespan_lb={}",
        bounds.as_ref().map_or(0, |b| b.makespan)
    );
    let _ = writeln!(out, "sum_of_loss={}", cost.sum_of_loss);
    let _ = writeln!(
        out,
        "sum_of_loss_lb={}",
        bounds.as_ref().map_or(0, |b| b.sum_of_costs)
    );
    let _ = writeln!(out, "comp_time={}", comp_time.as_millis());
    let _ = writeln!(
        out,
        "comp_time_initial_solution={}",
        stats.first_solution.map_or(0, |d| d.as_millis())
    );
    let _ = writeln!(
        out,
        "cost_initial_solution={}",
        stats.first_cost.unwrap_or(0)
    );
    let _ = writeln!(out, "seed={}", args.seed);
    let _ = writeln!(out, "starts={}", labels.line(instance.starts()));
    let _ = writeln!(out, "goals={}", labels.line(instance.goals()));
    let _ = writeln!(out, "solution=");
    if let Some(s) = solution {
        for (t, config) in s.plan.configs().iter().enumerate() {
            let _ = writeln!(out, "{t}:{}", labels.line(config));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("ten").unwrap_err().contains("ten"));
        assert!(parse_duration("3 weeks").unwrap_err().contains("weeks"));
    }
}
