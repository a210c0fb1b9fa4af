//! An integrator plans routes for their own vehicles on their own road graph with
//! corridor-plan: a small terminal with a one-way loop, a two-way spur to a crane and a
//! passing place, six vehicles, LaCAM* with a deadline, and the execution order that keeps
//! the plan collision-free whatever the vehicles' delays.
//!
//! ```sh
//! cargo run --release --example embed_planner
//! ```

use std::time::{Duration, Instant};

use corridor_plan::{Digraph, ExecutionGraph, Instance, LaCam, Outcome, Solver, check};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Vertices 0..=7 are a one-way loop; 8 and 9 a two-way spur off vertex 2 (to a crane
    // at 9); 10 a passing place beside vertex 5.
    let mut edges: Vec<(u32, u32)> = (0..8).map(|v| (v, (v + 1) % 8)).collect();
    edges.extend([(2, 8), (8, 2), (8, 9), (9, 8), (5, 10), (10, 6)]);
    let graph = Digraph::from_edges(11, &edges)?;
    // Six vehicles; one goes to the crane at the end of the spur.
    let starts = vec![0, 1, 3, 4, 6, 7];
    let goals = vec![9, 4, 6, 0, 1, 3];
    let instance = Instance::new(graph, starts, goals)?;
    let deadline = Instant::now() + Duration::from_millis(500);
    let solution = match LaCam::default().solve(&instance, deadline, 42)? {
        Outcome::Solved(solution) => solution,
        Outcome::Unsolvable(_) => return Err("no plan exists".into()),
        Outcome::NotFound(_) => return Err("no plan found before the deadline".into()),
    };
    // The solver checked the plan before returning it; an integrator may check again.
    let cost = check(&instance, &solution.plan).map_err(|v| format!("plan refused: {v:?}"))?;
    println!(
        "plan for {} vehicles: sum of costs {}, makespan {}",
        solution.plan.agents(),
        cost.sum_of_costs,
        cost.makespan
    );
    for (agent, path) in (0..solution.plan.agents()).map(|a| (a, solution.plan.path(a))) {
        println!("  vehicle {agent}: {path:?}");
    }
    // Execution: the order of visits per vertex. A vehicle may enter a vertex only when
    // every earlier visit of it has been left, so late vehicles never meet.
    let mut execution = ExecutionGraph::new(instance.starts())?;
    for config in solution.plan.configs().iter().skip(1) {
        execution.push_step(config)?;
    }
    // Drive it: vehicle 0 is late (it moves every third round only); the others go as soon
    // as they are released. Nobody ever waits for a cell that is not free, nobody collides.
    let n = solution.plan.agents() as u32;
    let mut round = 0;
    while (0..n).any(|v| execution.entered(v) < execution.last_visit(v)) {
        round += 1;
        for v in 0..n {
            let late = v == 0 && round % 3 != 0;
            if !late && execution.released(v) > execution.entered(v) {
                execution.enter(v, execution.entered(v) + 1)?;
            }
        }
        if round > 100 {
            return Err("the vehicles stopped making progress".into());
        }
    }
    println!("every vehicle reached its goal after {round} rounds, with vehicle 0 running late");
    Ok(())
}
