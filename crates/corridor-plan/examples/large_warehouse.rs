//! Scale run: a generated warehouse-sized grid (340 × 164 squares: rows of shelves 40
//! squares long with 2-square aisles, like MovingAI's warehouse-20-40-10-2-2) with
//! thousands of agents on random distinct starts and goals; prints LaCAM*'s time to its
//! first solution.
//!
//! ```sh
//! cargo run --release -p corridor-plan --example large_warehouse -- 10000 [SEED]
//! ```

use std::time::{Duration, Instant};

use corridor_map::CellGraph;
use corridor_plan::{Digraph, Instance, LaCam, LaCamOptions, Outcome, Solver};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let agents: usize = args.get(1).map_or(Ok(10_000), |s| s.parse())?;
    let seed: u64 = args.get(2).map_or(Ok(0), |s| s.parse())?;
    let (w, h) = (340u32, 164u32);
    let free: Vec<bool> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let in_shelf_area = (20..w - 20).contains(&x) && (2..h - 2).contains(&y);
            // Shelf rows every 3 rows; shelves 40 long with 2-square gaps.
            let shelf = in_shelf_area && y % 3 == 0 && (x - 20) % 42 < 40;
            !shelf
        })
        .collect();
    let started = Instant::now();
    let cells = CellGraph::from_grid(w, h, &free)?;
    let graph = Digraph::from_graph(&cells)?;
    let instance = Instance::random(graph, agents, seed)?;
    let setup = started.elapsed();
    let mut lacam = LaCam::new(LaCamOptions {
        anytime: false,
        ..LaCamOptions::default()
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let outcome = lacam.solve(&instance, deadline, seed)?;
    match outcome {
        Outcome::Solved(s) => println!(
            "{} free squares, {agents} agents: instance {:.0} ms, first solution {:.0} ms (sum-of-costs {}, makespan {})",
            cells.len(),
            setup.as_secs_f64() * 1e3,
            s.stats.elapsed.as_secs_f64() * 1e3,
            s.cost.sum_of_costs,
            s.cost.makespan
        ),
        other => println!("{agents} agents: {other:?}"),
    }
    Ok(())
}
