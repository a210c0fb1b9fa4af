//! The lifelong planner's replanning tick on warehouse-10-20-10-2-1 with 100, 500 and 1,000
//! agents: one `LifelongPlanner::step` for the whole fleet, every agent executing its step
//! at once and getting a new random goal when it arrives (the standard lifelong benchmark,
//! as `corridor lifelong` runs it). The measured ticks come after 200 warm-up ticks, so the
//! first goals' distance tables are built and the fleet is spread out. Measured three
//! times: plain lifelong PIBT (what the fleet controller runs), with traffic-flow guide paths
//! (`LifelongPlanner::set_guidance`, what `corridor lifelong` runs on this map), and with the
//! windowed search at its default options (`LifelongPlanner::set_window`, `corridor lifelong
//! --solver window`).

use std::sync::Arc;

use corridor_benches::movingai_dir;
use corridor_map::movingai::GridMap;
use corridor_map::{CellGraph, CellId};
use corridor_plan::{LifelongPlanner, WindowOptions};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A small deterministic generator (xorshift64*), so the benchmark needs no RNG crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

struct Fleet {
    planner: LifelongPlanner,
    cells: usize,
    rng: Rng,
}

impl Fleet {
    fn new(
        graph: Arc<CellGraph>,
        agents: usize,
        guidance: bool,
        window: Option<WindowOptions>,
    ) -> Fleet {
        let cells = graph.len();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut used = vec![false; cells];
        let mut starts = Vec::with_capacity(agents);
        while starts.len() < agents {
            let c = rng.below(cells);
            if !used[c] {
                used[c] = true;
                starts.push(CellId(c as u32));
            }
        }
        let mut planner = LifelongPlanner::new(graph, &starts, 1).expect("distinct starts");
        planner.set_guidance(guidance);
        planner.set_window(window);
        for a in 0..agents as u32 {
            let g = CellId(rng.below(cells) as u32);
            planner.set_goal(a, Some(g));
        }
        Fleet {
            planner,
            cells,
            rng,
        }
    }

    /// One tick: plan a step, execute it at once, new goals on arrival.
    fn tick(&mut self) {
        self.planner.step().expect("a valid step");
        let n = self.planner.execution().vehicle_count() as u32;
        for a in 0..n {
            let r = self.planner.execution().released(a);
            if r > self.planner.execution().entered(a) {
                self.planner.enter(a, r).expect("released");
            }
            if self.planner.at_goal(a) {
                let g = CellId(self.rng.below(self.cells) as u32);
                self.planner.set_goal(a, Some(g));
            }
        }
    }
}

fn replanning_tick(c: &mut Criterion) {
    let path = movingai_dir().join("maps/warehouse-10-20-10-2-1.map");
    let graph = Arc::new(
        GridMap::load(&path)
            .and_then(|g| g.to_cell_graph())
            .expect("the shared warehouse map"),
    );
    let window = Some(WindowOptions::default());
    for (name, guidance, window) in [
        ("lifelong tick, warehouse-10-20-10-2-1", false, None),
        (
            "lifelong tick with guidance, warehouse-10-20-10-2-1",
            true,
            None,
        ),
        (
            "lifelong tick with the window search, warehouse-10-20-10-2-1",
            false,
            window,
        ),
    ] {
        let mut group = c.benchmark_group(name);
        group.sample_size(if window.is_some() { 10 } else { 30 });
        for agents in [100, 500, 1000] {
            let mut fleet = Fleet::new(Arc::clone(&graph), agents, guidance, window);
            for _ in 0..200 {
                fleet.tick();
            }
            group.bench_with_input(BenchmarkId::from_parameter(agents), &agents, |b, _| {
                b.iter(|| fleet.tick());
            });
        }
        group.finish();
    }
}

criterion_group!(benches, replanning_tick);
criterion_main!(benches);
