//! Solving moderate instances of the shared MovingAI benchmarks.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use corridor_map::movingai::{GridMap, Scenario};
use corridor_plan::{Instance, LaCam, LaCamOptions, Outcome, Solver, check, lower_bounds};

fn benchmarks() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/benchmarks/movingai"
    ))
}

fn load(map: &str, agents: usize) -> Instance {
    let dir = benchmarks();
    let graph = GridMap::load(dir.join("maps").join(format!("{map}.map")))
        .unwrap()
        .to_cell_graph()
        .unwrap();
    let pairs = Scenario::load(dir.join("scen").join(format!("{map}-random-1.scen")))
        .unwrap()
        .cells(&graph, agents)
        .unwrap();
    Instance::from_graph(
        &graph,
        pairs.iter().map(|p| p.0.0).collect(),
        pairs.iter().map(|p| p.1.0).collect(),
    )
    .unwrap()
}

fn first_solution(instance: &Instance) -> corridor_plan::Solution {
    let mut lacam = LaCam::new(LaCamOptions {
        anytime: false,
        ..LaCamOptions::default()
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    match lacam.solve(instance, deadline, 0).unwrap() {
        Outcome::Solved(s) => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn random_32_32_20_with_100_agents() {
    let instance = load("random-32-32-20", 100);
    let s = first_solution(&instance);
    assert_eq!(check(&instance, &s.plan), Ok(s.cost));
    let lb = lower_bounds(&instance).unwrap();
    // The scenario's published lower bound for the first 100 agents.
    assert_eq!(lb.sum_of_costs, 2253);
    assert!(s.cost.sum_of_costs >= lb.sum_of_costs && s.cost.makespan >= lb.makespan);
}

#[test]
fn warehouse_with_200_agents() {
    let instance = load("warehouse-10-20-10-2-1", 200);
    let s = first_solution(&instance);
    assert_eq!(check(&instance, &s.plan), Ok(s.cost));
}

#[test]
fn maze_with_100_agents() {
    let instance = load("maze-32-32-2", 100);
    let s = first_solution(&instance);
    assert_eq!(check(&instance, &s.plan), Ok(s.cost));
}
