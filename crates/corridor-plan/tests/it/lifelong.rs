//! The lifelong planner: every step is executable, pins and closures hold, goals are reached;
//! with a window, its search never makes the windowed plan worse and does improve it.

use corridor_map::{Cell, CellGraph, CellId, CellOrigin};
use corridor_plan::{LifelongPlanner, WindowOptions};
use nalgebra::Point2;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Cells `0..n` on a line at unit spacing, one grid square each.
fn unit_cells(n: usize) -> Vec<Cell> {
    (0..n)
        .map(|i| Cell {
            origin: CellOrigin::Grid {
                col: i as u32,
                row: 0,
            },
            position: Point2::new(i as f64, 0.0),
            length: 1.0,
            entry_clearance: 0.0,
            exit_clearance: 0.0,
        })
        .collect()
}

/// A one-way ring of `n` cells with `chords` random extra edges.
fn graph(rng: &mut ChaCha8Rng, n: usize, chords: usize) -> CellGraph {
    let cells = unit_cells(n);
    let mut edges: Vec<(CellId, CellId)> = (0..n)
        .map(|i| (CellId(i as u32), CellId(((i + 1) % n) as u32)))
        .collect();
    for _ in 0..chords {
        let a = rng.random_range(0..n as u32);
        let b = rng.random_range(0..n as u32);
        edges.push((CellId(a), CellId(b)));
    }
    CellGraph::from_edges(cells, &edges).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn steps_are_executable_and_respect_pins_and_closures(seed in any::<u64>(), n in 4usize..40, density in 0.05f64..0.8, chords in 0usize..40, guided in any::<bool>(), window in proptest::option::of(1u32..6)) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = Arc::new(graph(&mut rng, n, chords));
        let k = ((n as f64 * density) as usize).max(1);
        let mut cells: Vec<u32> = (0..n as u32).collect();
        cells.shuffle(&mut rng);
        let starts: Vec<CellId> = cells[..k].iter().map(|&c| CellId(c)).collect();
        let mut p = LifelongPlanner::new(g.clone(), &starts, seed).unwrap();
        p.set_guidance(guided);
        p.set_window(window.map(|horizon| WindowOptions { horizon, iterations: 20, neighbourhood: 3, time_limit: None }));
        let mut pinned = vec![false; k];
        for step in 0..60 {
            for v in 0..k as u32 {
                if rng.random_bool(0.2) { p.set_goal(v, Some(CellId(rng.random_range(0..n as u32)))); }
                if rng.random_bool(0.05) { pinned[v as usize] = rng.random_bool(0.5); p.set_pinned(v, pinned[v as usize]); }
            }
            let closed: Vec<CellId> = if step % 20 == 10 { vec![CellId(rng.random_range(0..n as u32))] } else { vec![] };
            p.set_closed(&closed, true);
            let before = p.execution().frontier();
            p.step().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let after = p.execution().frontier();
            for v in 0..k {
                prop_assert!(!pinned[v] || before[v] == after[v], "pinned vehicle {} moved", v);
                if before[v] != after[v] {
                    prop_assert!(g.has_edge(CellId(before[v]), CellId(after[v])), "vehicle {} jumped", v);
                    prop_assert!(!closed.contains(&CellId(after[v])), "vehicle {} entered a closed cell", v);
                }
            }
            p.set_closed(&closed, false);
            // random asynchronous progress
            for v in 0..k as u32 {
                if rng.random_bool(0.7) {
                    let r = p.execution().released(v);
                    p.enter(v, r).unwrap();
                }
            }
        }
    }

    /// On a one-way ring with free cells, every goal is reached (PIBT's reachability).
    #[test]
    fn goals_are_reached_on_a_ring(seed in any::<u64>(), n in 3usize..30, free in 1usize..10, guided in any::<bool>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = Arc::new(graph(&mut rng, n, 0));
        let k = n.saturating_sub(free).max(1);
        let starts: Vec<CellId> = (0..k as u32).map(CellId).collect();
        let mut p = LifelongPlanner::new(g.clone(), &starts, seed).unwrap();
        p.set_guidance(guided);
        let goals: Vec<CellId> = (0..k).map(|_| CellId(rng.random_range(0..n as u32))).collect();
        for v in 0..k as u32 { p.set_goal(v, Some(goals[v as usize])); }
        let mut reached = vec![false; k];
        for _ in 0..(n * n * 4) {
            p.step().unwrap();
            for v in 0..k as u32 {
                let r = p.execution().released(v);
                p.enter(v, r).unwrap();
            }
            loop {
                let mut any = false;
                for v in 0..k as u32 { let r = p.execution().released(v); if r > p.execution().entered(v) { p.enter(v, r).unwrap(); any = true; } }
                if !any { break; }
            }
            for v in 0..k as u32 { if p.at_goal(v) { reached[v as usize] = true; p.set_goal(v, None); } }
            if reached.iter().all(|&r| r) { return Ok(()); }
        }
        prop_assert!(false, "not all goals reached: {:?}", reached);
    }
}

/// Cells `0..n` on a line at unit spacing, with the given two-way edges.
fn two_way(n: usize, pairs: &[(u32, u32)]) -> CellGraph {
    let cells = unit_cells(n);
    let edges: Vec<(CellId, CellId)> = pairs
        .iter()
        .flat_map(|&(a, b)| [(CellId(a), CellId(b)), (CellId(b), CellId(a))])
        .collect();
    CellGraph::from_edges(cells, &edges).unwrap()
}

/// Steps with every vehicle entering what is released at once; returns the step at which
/// each vehicle first stood on its goal (`None`: not within `steps`).
fn arrival_steps(p: &mut LifelongPlanner, goals: &[CellId], steps: usize) -> Vec<Option<usize>> {
    let mut arrived = vec![None; goals.len()];
    for v in 0..goals.len() as u32 {
        p.set_goal(v, Some(goals[v as usize]));
    }
    for t in 1..=steps {
        p.step().unwrap();
        for v in 0..goals.len() as u32 {
            let r = p.execution().released(v);
            p.enter(v, r).unwrap();
            if arrived[v as usize].is_none() && p.at_goal(v) {
                arrived[v as usize] = Some(t);
            }
        }
    }
    arrived
}

/// Two vehicles cross between cells 0 and 4 in opposite directions; two equally short
/// two-way aisles join them (0-1-2-3-4 and 0-5-6-7-4). With guidance the second guide path
/// avoids the contraflow of the first, so they take different aisles and both arrive after
/// the 4 moves of a shortest path, whatever the seed. Plain PIBT picks an aisle at random
/// for each, and when both pick the same one they meet head-on and one is pushed back.
#[test]
fn guide_paths_send_opposite_traffic_down_different_aisles() {
    let g = Arc::new(two_way(
        8,
        &[
            (0, 1),
            (1, 2),
            (2, 3),
            (3, 4),
            (0, 5),
            (5, 6),
            (6, 7),
            (7, 4),
        ],
    ));
    let starts = [CellId(0), CellId(4)];
    let goals = [CellId(4), CellId(0)];
    let mut plain_delayed = 0;
    for seed in 0..32 {
        let mut p = LifelongPlanner::new(g.clone(), &starts, seed).unwrap();
        p.set_guidance(true);
        let arrived = arrival_steps(&mut p, &goals, 12);
        assert_eq!(arrived, vec![Some(4), Some(4)], "seed {seed} with guidance");
        let mut p = LifelongPlanner::new(g.clone(), &starts, seed).unwrap();
        let arrived = arrival_steps(&mut p, &goals, 12);
        if arrived != vec![Some(4), Some(4)] {
            plain_delayed += 1;
        }
    }
    assert!(
        plain_delayed > 0,
        "plain PIBT was never delayed: the test shows nothing"
    );
}

/// `rounds` goal assignments for `k` vehicles on `n` cells, drawn from `rng`.
fn goal_rounds(rng: &mut ChaCha8Rng, rounds: usize, k: usize, n: usize) -> Vec<Vec<CellId>> {
    (0..rounds)
        .map(|_| {
            (0..k)
                .map(|_| CellId(rng.random_range(0..n as u32)))
                .collect()
        })
        .collect()
}

/// Gives every vehicle that is at its goal or has none its goal of `round`.
fn give_goals(p: &mut LifelongPlanner, round: &[CellId]) {
    for (v, &goal) in round.iter().enumerate() {
        let v = v as u32;
        if p.at_goal(v) || p.goal(v).is_none() {
            p.set_goal(v, Some(goal));
        }
    }
}

/// Every vehicle enters all that has been released to it (synchronous execution).
fn enter_released(p: &mut LifelongPlanner) {
    for v in 0..p.execution().vehicle_count() as u32 {
        let r = p.execution().released(v);
        p.enter(v, r).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// With guidance, the same seed gives the same steps.
    #[test]
    fn guided_planning_is_deterministic_under_a_seed(seed in any::<u64>(), n in 4usize..30, chords in 0usize..30) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = Arc::new(graph(&mut rng, n, chords));
        let k = (n / 3).max(1);
        let starts: Vec<CellId> = (0..k as u32).map(CellId).collect();
        let goals = goal_rounds(&mut rng, 40, k, n);
        let run = || {
            let mut p = LifelongPlanner::new(g.clone(), &starts, seed).unwrap();
            p.set_guidance(true);
            let mut frontiers = Vec::new();
            for step in &goals {
                give_goals(&mut p, step);
                p.step().unwrap();
                enter_released(&mut p);
                frontiers.push(p.execution().frontier());
            }
            frontiers
        };
        prop_assert_eq!(run(), run());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// With a window, the neighbourhood search never raises the windowed plan's cost, the
    /// committed steps are moves along edges with no two vehicles in one cell, and the same
    /// seed gives the same steps.
    #[test]
    fn the_window_search_only_improves_and_is_deterministic(seed in any::<u64>(), n in 4usize..30, chords in 0usize..30, horizon in 1u32..8, guided in any::<bool>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = Arc::new(graph(&mut rng, n, chords));
        let k = (n / 2).max(1);
        let starts: Vec<CellId> = (0..k as u32).map(CellId).collect();
        let goals = goal_rounds(&mut rng, 30, k, n);
        let run = || -> Result<Vec<Vec<u32>>, TestCaseError> {
            let mut p = LifelongPlanner::new(g.clone(), &starts, seed).unwrap();
            p.set_guidance(guided);
            p.set_window(Some(WindowOptions { horizon, iterations: 30, neighbourhood: 3, time_limit: None }));
            let mut frontiers = Vec::new();
            for step in &goals {
                give_goals(&mut p, step);
                let before = p.execution().frontier();
                p.step().map_err(|e| TestCaseError::fail(e.to_string()))?;
                let after = p.execution().frontier();
                let report = p.last_window();
                prop_assert!(report.cost_after <= report.cost_before, "{:?}", report);
                let mut seen = std::collections::HashSet::new();
                for v in 0..k {
                    prop_assert!(seen.insert(after[v]), "two vehicles in cell {}", after[v]);
                    prop_assert!(before[v] == after[v] || g.has_edge(CellId(before[v]), CellId(after[v])), "vehicle {} jumped", v);
                }
                enter_released(&mut p);
                frontiers.push(after);
            }
            Ok(frontiers)
        };
        prop_assert_eq!(run()?, run()?);
    }
}

/// Two vehicles meet head-on in a corridor with one siding: PIBT's first steps (each
/// straight at the other) leave the window's plan with a wait the search removes by sending
/// one vehicle into the siding in time; the search reports the lower cost and the vehicles
/// reach their goals.
#[test]
fn the_window_search_finds_what_one_step_misses() {
    // 0-1-2-3-4-5-6 two-way, siding 7 off cell 3.
    let mut cells = unit_cells(8);
    cells[7].origin = CellOrigin::Grid { col: 3, row: 1 };
    let mut edges = Vec::new();
    for i in 0..6u32 {
        edges.push((CellId(i), CellId(i + 1)));
        edges.push((CellId(i + 1), CellId(i)));
    }
    edges.push((CellId(3), CellId(7)));
    edges.push((CellId(7), CellId(3)));
    let g = Arc::new(CellGraph::from_edges(cells, &edges).unwrap());
    let mut improved = false;
    for seed in 0..8 {
        let mut p = LifelongPlanner::new(g.clone(), &[CellId(1), CellId(5)], seed).unwrap();
        p.set_window(Some(WindowOptions {
            horizon: 8,
            iterations: 50,
            neighbourhood: 2,
            time_limit: None,
        }));
        p.set_goal(0, Some(CellId(6)));
        p.set_goal(1, Some(CellId(0)));
        for _ in 0..20 {
            p.step().unwrap();
            improved |= p.last_window().cost_after < p.last_window().cost_before;
            for v in 0..2 {
                let r = p.execution().released(v);
                p.enter(v, r).unwrap();
            }
            if p.at_goal(0) && p.at_goal(1) {
                break;
            }
        }
        assert!(
            p.at_goal(0) && p.at_goal(1),
            "seed {seed}: goals not reached"
        );
    }
    assert!(improved, "the search never lowered the window's cost");
}
