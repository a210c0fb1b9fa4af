//! The execution dependency graph under random plans and random delays: no two vehicles
//! ever hold one cell, every vehicle reaches its goal once delays end, and a trace that
//! enters a cell out of the planned order is caught.

use std::collections::HashMap;

use corridor_plan::{ExecutionError, ExecutionGraph, VisitRef};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

/// A random directed graph as adjacency lists: a one-way ring (so vehicles can circulate)
/// plus random chords. Waiting is always allowed and is not an edge.
fn random_graph(rng: &mut ChaCha8Rng, n: usize) -> Vec<Vec<u32>> {
    let mut adj: Vec<Vec<u32>> = (0..n).map(|i| vec![((i + 1) % n) as u32]).collect();
    for _ in 0..n {
        let a = rng.random_range(0..n);
        let b = rng.random_range(0..n) as u32;
        if a as u32 != b && !adj[a].contains(&b) {
            adj[a].push(b);
        }
    }
    adj
}

/// A random valid plan: random walks with no two vehicles in one cell, no swaps and no
/// rings rotating in one step. Following a vehicle into the cell it leaves is allowed:
/// vehicles decide in random order and may only move into a cell whose holder has already
/// decided to move elsewhere.
fn random_plan(
    rng: &mut ChaCha8Rng,
    adj: &[Vec<u32>],
    vehicles: usize,
    steps: usize,
) -> Vec<Vec<u32>> {
    let mut cells: Vec<u32> = (0..adj.len() as u32).collect();
    cells.shuffle(rng);
    let mut paths: Vec<Vec<u32>> = cells[..vehicles].iter().map(|&c| vec![c]).collect();
    for t in 1..=steps {
        let prev: Vec<u32> = paths.iter().map(|p| p[t - 1]).collect();
        let mut next: Vec<Option<u32>> = vec![None; vehicles];
        let mut order: Vec<usize> = (0..vehicles).collect();
        order.shuffle(rng);
        for &i in &order {
            let mut options = adj[prev[i] as usize].clone();
            options.shuffle(rng);
            let chosen = options.into_iter().find(|&c| {
                if next.contains(&Some(c)) {
                    return false;
                }
                match prev.iter().position(|&p| p == c) {
                    None => true,
                    Some(j) => matches!(next[j], Some(x) if x != c && x != prev[i]),
                }
            });
            // Nobody can have claimed our own cell: only a vehicle deciding after us could
            // follow us, and we have not moved yet. So waiting is always possible.
            next[i] = Some(chosen.unwrap_or(prev[i]));
        }
        for (path, cell) in paths.iter_mut().zip(&next) {
            path.push(cell.unwrap_or_default());
        }
    }
    paths
}

#[derive(Clone, Copy, Debug)]
enum Motion {
    Still,
    Moving { remaining: u32 },
}

/// Executes the graph with random delays for `delay_ticks` ticks (some vehicles stopped
/// the whole time, the rest moving at random), then without delays until done. A vehicle
/// starts moving only into a released visit, holds both cells while moving, and reports
/// the entry when it arrives. Returns the trace of entries.
fn execute(
    graph: &ExecutionGraph,
    rng: &mut ChaCha8Rng,
    delay_ticks: usize,
) -> Result<Vec<VisitRef>, String> {
    let n = graph.vehicle_count();
    let mut state = graph.clone();
    let mut motion = vec![Motion::Still; n];
    let mut trace = Vec::new();
    let stopped: Vec<bool> = (0..n).map(|_| rng.random_bool(0.2)).collect();
    let mut idle_ticks = 0;
    for tick in 0..1_000_000 {
        let delays = tick < delay_ticks;
        let mut moved = false;
        for (v, m) in motion.iter_mut().enumerate() {
            let vehicle = v as u32;
            if delays && (stopped[v] || !rng.random_bool(0.6)) {
                continue;
            }
            let k = state.entered(vehicle);
            match *m {
                Motion::Still if state.released(vehicle) > k => {
                    *m = Motion::Moving {
                        remaining: rng.random_range(1..4),
                    };
                    moved = true;
                }
                Motion::Still => {}
                Motion::Moving { remaining } if remaining <= 1 => {
                    state.enter(vehicle, k + 1).map_err(|e| e.to_string())?;
                    trace.push(VisitRef {
                        vehicle,
                        index: k + 1,
                    });
                    *m = Motion::Still;
                    moved = true;
                }
                Motion::Moving { remaining } => {
                    *m = Motion::Moving {
                        remaining: remaining - 1,
                    };
                    moved = true;
                }
            }
        }
        let mut held: HashMap<u32, usize> = HashMap::new();
        for (v, m) in motion.iter().enumerate() {
            let vehicle = v as u32;
            let k = state.entered(vehicle);
            let mut cells = vec![
                state
                    .cell(VisitRef { vehicle, index: k })
                    .ok_or("entered visit unknown")?,
            ];
            if let Motion::Moving { .. } = m {
                cells.push(
                    state
                        .cell(VisitRef {
                            vehicle,
                            index: k + 1,
                        })
                        .ok_or("next visit unknown")?,
                );
            }
            for c in cells {
                if let Some(other) = held.insert(c, v) {
                    return Err(format!(
                        "tick {tick}: vehicles {other} and {v} both hold cell {c}"
                    ));
                }
            }
        }
        if state.is_finished() {
            return Ok(trace);
        }
        if !delays {
            idle_ticks = if moved { 0 } else { idle_ticks + 1 };
            if idle_ticks > 3 {
                return Err(format!("deadlock at tick {tick}"));
            }
        }
    }
    Err("did not finish".into())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn delays_never_collide_or_deadlock(
        seed in any::<u64>(),
        n in 4usize..30,
        density in 0.1f64..0.9,
        steps in 1usize..40,
        delay in 0usize..60,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let adj = random_graph(&mut rng, n);
        let vehicles = ((n as f64 * density) as usize).max(1);
        let paths = random_plan(&mut rng, &adj, vehicles, steps);
        let graph = ExecutionGraph::from_plan(&paths).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let trace = execute(&graph, &mut rng, delay).map_err(TestCaseError::fail)?;
        prop_assert!(graph.check_trace(&trace).is_ok());
        let frontier = graph.frontier();
        for (v, p) in paths.iter().enumerate() {
            prop_assert_eq!(Some(&frontier[v]), p.last());
        }
        // Reordering: move a vehicle's entries up to its visit of some cell before the
        // entry by which the previous visitor of that cell got there. That must be caught.
        let mut pairs = Vec::new();
        let mut last_visitor: HashMap<u32, VisitRef> = HashMap::new();
        let mut replay = graph.clone();
        for e in &trace {
            let cell = replay.cell(*e).ok_or_else(|| TestCaseError::fail("unknown visit"))?;
            if let Some(prev) = last_visitor.get(&cell)
                && prev.vehicle != e.vehicle
            {
                pairs.push((*prev, *e));
            }
            last_visitor.insert(cell, *e);
            replay.enter(e.vehicle, e.index).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        if let Some(&(first, second)) = pairs.last() {
            let at_first = trace.iter().position(|e| *e == first).unwrap_or(0);
            let mine = |e: &VisitRef| e.vehicle == second.vehicle && e.index <= second.index;
            let mut bad: Vec<VisitRef> = trace[..at_first].iter().copied().filter(|e| !mine(e)).collect();
            bad.extend(trace.iter().copied().filter(mine));
            bad.extend(trace[at_first..].iter().copied().filter(|e| !mine(e)));
            let caught = graph.check_trace(&bad);
            prop_assert!(matches!(caught, Err(ExecutionError::OutOfOrder { .. })), "{:?}", caught);
        }
    }
}

#[test]
fn rings_swaps_and_collisions_are_refused_following_is_not() {
    let ring = [vec![0, 1], vec![1, 2], vec![2, 0]];
    assert!(matches!(
        ExecutionGraph::from_plan(&ring),
        Err(ExecutionError::Rotation { .. })
    ));
    let swap = [vec![0, 1], vec![1, 0]];
    assert!(matches!(
        ExecutionGraph::from_plan(&swap),
        Err(ExecutionError::Swap { .. })
    ));
    let collide = [vec![0, 2], vec![1, 2]];
    assert!(matches!(
        ExecutionGraph::from_plan(&collide),
        Err(ExecutionError::Collision { .. })
    ));
    // A chain following: 0→1, 1→2, 2→3 in one step.
    let chain = [vec![0, 1], vec![1, 2], vec![2, 3]];
    let g = ExecutionGraph::from_plan(&chain).expect("a chain is executable");
    assert_eq!(
        g.head(1),
        Some(VisitRef {
            vehicle: 1,
            index: 0
        })
    );
    assert_eq!(
        g.released(0),
        0,
        "vehicle 0 waits for vehicle 1 to leave cell 1"
    );
    assert_eq!(g.released(2), 1, "the head of the chain goes first");
}
