//! MAPF hot loops: LaCAM* to its first solution, one PIBT step, the plan checker, and the
//! Hữu Nghị cell graph filled with vehicles.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corridor_benches::movingai_instance;
use corridor_map::{CellGraph, SiteMap};
use corridor_plan::{
    Digraph, DistanceTable, Instance, LaCam, LaCamOptions, Outcome, Pibt, Solver, check,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const INSTANCES: [(&str, usize); 2] = [("random-32-32-20", 400), ("warehouse-10-20-10-2-1", 1000)];

fn first_solution() -> LaCam {
    LaCam::new(LaCamOptions {
        anytime: false,
        ..LaCamOptions::default()
    })
}

fn lacam_first_solution(c: &mut Criterion) {
    let mut group = c.benchmark_group("lacam_first_solution");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (map, agents) in INSTANCES {
        let instance = movingai_instance(map, agents).expect("shared MovingAI benchmarks");
        group.bench_with_input(BenchmarkId::new(map, agents), &instance, |b, instance| {
            b.iter(|| {
                let deadline = Instant::now() + Duration::from_secs(60);
                let outcome = first_solution()
                    .solve(instance, deadline, 0)
                    .expect("valid");
                assert!(matches!(outcome, Outcome::Solved(_)));
                black_box(outcome)
            })
        });
    }
    group.finish();
}

/// One PIBT step from the starts, distance tables warm (what LaCAM* pays per node).
fn pibt_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("pibt_step");
    let mut inputs: Vec<(String, Instance)> = INSTANCES
        .iter()
        .map(|&(map, agents)| {
            (
                format!("{map}/{agents}"),
                movingai_instance(map, agents).expect("shared MovingAI benchmarks"),
            )
        })
        .collect();
    if let Some((name, instance)) = huu_nghi_full() {
        inputs.push((name, instance));
    }
    for (name, instance) in &inputs {
        let k = instance.agents();
        let mut dist = DistanceTable::new(instance);
        let mut pibt = Pibt::new(instance, 0);
        let order: Vec<u32> = (0..k as u32).collect();
        let mut next = vec![u32::MAX; k];
        // Warm the distance tables once.
        pibt.generate(&mut dist, instance.starts(), &mut next, &order);
        group.throughput(Throughput::Elements(k as u64));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                next.fill(u32::MAX);
                black_box(pibt.generate(&mut dist, instance.starts(), &mut next, &order))
            })
        });
    }
    group.finish();
}

/// The checker on LaCAM*'s first plan, per agent-timestep.
fn checker(c: &mut Criterion) {
    let mut group = c.benchmark_group("checker");
    for (map, agents) in INSTANCES {
        let instance = movingai_instance(map, agents).expect("shared MovingAI benchmarks");
        let deadline = Instant::now() + Duration::from_secs(60);
        let Ok(Outcome::Solved(solution)) = first_solution().solve(&instance, deadline, 0) else {
            panic!("{map} x {agents} not solved");
        };
        let plan = solution.plan;
        group.throughput(Throughput::Elements((plan.configs().len() * agents) as u64));
        group.bench_function(BenchmarkId::new(map, agents), |b| {
            b.iter(|| black_box(check(&instance, &plan).expect("valid plan")))
        });
    }
    group.finish();
}

/// The Hữu Nghị cell graph with a vehicle on every other cell (as many as can still move on
/// its one-way loop), random goals; `None` when the bundled map is missing.
fn huu_nghi_full() -> Option<(String, Instance)> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../maps/huu-nghi.toml"
    ));
    let map = SiteMap::load(path).ok()?;
    let cells = CellGraph::from_site(&map).ok()?;
    let graph = Arc::new(Digraph::from_graph(&cells).ok()?);
    let vehicles = graph.vertex_count() / 2;
    let instance = Instance::random(graph, vehicles, 0).ok()?;
    Some((format!("huu-nghi/{vehicles}"), instance))
}

criterion_group!(benches, lacam_first_solution, pibt_step, checker);
criterion_main!(benches);
