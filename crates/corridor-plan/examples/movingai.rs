//! Solves the first N agents of a MovingAI scenario and prints what the solver found.
//!
//! ```sh
//! cargo run --release -p corridor-plan --example movingai -- MAP SCEN N [lacam|lacam-first|pibt|cbs|eecbs] [SECONDS] [SEED]
//! ```

use std::time::{Duration, Instant};

use corridor_map::movingai::{GridMap, Scenario};
use corridor_plan::{
    Cbs, Instance, LaCam, LaCamOptions, Outcome, PibtSolver, Solver, lower_bounds,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err(
            "usage: movingai MAP SCEN N [lacam|lacam-first|pibt|cbs|eecbs] [SECONDS] [SEED]".into(),
        );
    }
    let graph = GridMap::load(&args[1])?.to_cell_graph()?;
    let k: usize = args[3].parse()?;
    let pairs = Scenario::load(&args[2])?.cells(&graph, k)?;
    let solver_name = args.get(4).map_or("lacam", String::as_str);
    let seconds: f64 = args.get(5).map_or(Ok(10.0), |s| s.parse())?;
    let seed: u64 = args.get(6).map_or(Ok(0), |s| s.parse())?;
    let started = Instant::now();
    let instance = Instance::from_graph(
        &graph,
        pairs.iter().map(|p| p.0.0).collect(),
        pairs.iter().map(|p| p.1.0).collect(),
    )?;
    let setup = started.elapsed();
    let runs: usize = std::env::var("PIBT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let suo: Option<u32> = std::env::var("SUO").ok().and_then(|v| v.parse().ok());
    let mut solver: Box<dyn Solver> = match solver_name {
        "tune-first" => Box::new(LaCam::new(LaCamOptions {
            anytime: false,
            pibt_runs: runs,
            space_utilisation: suo,
            ..LaCamOptions::default()
        })),
        "tune" => Box::new(LaCam::new(LaCamOptions {
            pibt_runs: runs,
            space_utilisation: suo,
            ..LaCamOptions::default()
        })),
        "lacam" => Box::new(LaCam::default()),
        "lacam-first" => Box::new(LaCam::new(LaCamOptions {
            anytime: false,
            ..LaCamOptions::default()
        })),
        "lacam-first-suo" => Box::new(LaCam::new(LaCamOptions {
            anytime: false,
            space_utilisation: Some(10),
            ..LaCamOptions::default()
        })),
        "lacam-suo" => Box::new(LaCam::new(LaCamOptions {
            space_utilisation: Some(10),
            ..LaCamOptions::default()
        })),
        "pibt" => Box::new(PibtSolver::default()),
        "cbs" => Box::new(Cbs::optimal()),
        "eecbs" => Box::new(Cbs::bounded(1.2)),
        other => return Err(format!("unknown solver {other}").into()),
    };
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let outcome = solver.solve(&instance, deadline, seed)?;
    let lb = lower_bounds(&instance)?;
    let stats = outcome.stats();
    match &outcome {
        Outcome::Solved(s) => println!(
            "solved agents={k} setup_ms={:.1} first_ms={:.1} first_cost={:?} total_ms={:.1} soc={} soc_lb={} loss={} makespan={} makespan_lb={} expanded={} generated={} optimal={}",
            setup.as_secs_f64() * 1e3,
            stats.first_solution.unwrap_or_default().as_secs_f64() * 1e3,
            stats.first_cost,
            stats.elapsed.as_secs_f64() * 1e3,
            s.cost.sum_of_costs,
            lb.sum_of_costs,
            s.cost.sum_of_loss,
            s.cost.makespan,
            lb.makespan,
            stats.expanded,
            stats.generated,
            stats.optimal
        ),
        Outcome::Unsolvable(_) => println!(
            "unsolvable agents={k} ms={:.1}",
            stats.elapsed.as_secs_f64() * 1e3
        ),
        Outcome::NotFound(_) => println!(
            "not-found agents={k} ms={:.1} expanded={} generated={}",
            stats.elapsed.as_secs_f64() * 1e3,
            stats.expanded,
            stats.generated
        ),
    }
    Ok(())
}
