//! The MAPF solvers against the checker and against exhaustive search.

use std::time::{Duration, Instant};

use corridor_plan::{
    Cbs, Digraph, Instance, LaCam, LaCamOptions, Outcome, PibtSolver, Solver, check,
};
use proptest::prelude::*;

use crate::exhaustive::{optimal_sum_of_costs, optimal_sum_of_loss};

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

/// A small random directed graph with `k` agents on distinct starts and distinct goals.
pub fn tiny_instance() -> impl Strategy<Value = (Digraph, Vec<u32>, Vec<u32>)> {
    (3usize..=7, 1usize..=3)
        .prop_flat_map(|(n, k)| {
            let k = k.min(n);
            (
                Just(n),
                proptest::collection::vec((0..n as u32, 0..n as u32, any::<bool>()), 0..=3 * n),
                Just((0..n as u32).collect::<Vec<_>>()).prop_shuffle(),
                Just((0..n as u32).collect::<Vec<_>>()).prop_shuffle(),
                Just(k),
            )
        })
        .prop_map(|(n, raw, s, g, k)| {
            let mut edges = Vec::new();
            for (a, b, both) in raw {
                edges.push((a, b));
                if both {
                    edges.push((b, a));
                }
            }
            let graph = Digraph::from_edges(n, &edges).expect("edges within range");
            (graph, s[..k].to_vec(), g[..k].to_vec())
        })
}

fn lacam_first() -> LaCam {
    LaCam::new(LaCamOptions {
        anytime: false,
        ..LaCamOptions::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// LaCAM* is complete: it solves exactly the instances exhaustive search can solve, and
    /// proves the others unsolvable. Its plans pass the checker.
    #[test]
    fn lacam_solves_iff_a_plan_exists((graph, starts, goals) in tiny_instance(), seed in any::<u64>()) {
        let truth = optimal_sum_of_costs(&graph, &starts, &goals);
        let instance = Instance::new(graph, starts, goals).unwrap();
        let outcome = lacam_first().solve(&instance, deadline(), seed).unwrap();
        match (&outcome, truth) {
            (Outcome::Solved(s), Some(opt)) => {
                prop_assert_eq!(check(&instance, &s.plan), Ok(s.cost));
                prop_assert!(s.cost.sum_of_costs >= opt);
            }
            (Outcome::Unsolvable(_), None) => {}
            (other, truth) => prop_assert!(false, "lacam: {other:?}, exhaustive optimum {truth:?}"),
        }
    }

    /// Run to exhaustion, LaCAM* returns a plan of optimal sum-of-loss and says so.
    #[test]
    fn lacam_star_converges_to_optimal_sum_of_loss((graph, starts, goals) in tiny_instance(), seed in any::<u64>()) {
        let truth = optimal_sum_of_loss(&graph, &starts, &goals);
        let instance = Instance::new(graph, starts, goals).unwrap();
        let outcome = LaCam::default().solve(&instance, deadline(), seed).unwrap();
        match (&outcome, truth) {
            (Outcome::Solved(s), Some(opt)) => {
                prop_assert!(s.stats.optimal, "search not exhausted: {:?}", s.stats);
                prop_assert_eq!(s.cost.sum_of_loss, opt);
            }
            (Outcome::Unsolvable(_), None) => {}
            (other, truth) => prop_assert!(false, "lacam*: {other:?}, exhaustive optimum {truth:?}"),
        }
    }

    /// CBS finds a plan of minimal sum-of-costs, equal to exhaustive search's; bounded
    /// suboptimal search stays within its weight. (CBS is exponential in the number of
    /// conflicts; a few tiny directed instances where agents must leave their goals and
    /// come back need tens of thousands of nodes, so the effort is capped and a call that
    /// gives up says nothing — but every plan returned must be optimal.)
    #[test]
    fn cbs_is_optimal_and_eecbs_bounded((graph, starts, goals) in tiny_instance(), seed in any::<u64>()) {
        let Some(opt) = optimal_sum_of_costs(&graph, &starts, &goals) else {
            return Ok(());
        };
        let instance = Instance::new(graph, starts, goals).unwrap();
        let mut cbs = Cbs::optimal();
        cbs.options.max_nodes = Some(3_000);
        match cbs.solve(&instance, deadline(), seed).unwrap() {
            Outcome::Solved(s) => {
                prop_assert_eq!(check(&instance, &s.plan), Ok(s.cost));
                prop_assert_eq!(s.cost.sum_of_costs, opt);
            }
            Outcome::NotFound(stats) => prop_assert_eq!(stats.expanded, 3_000),
            Outcome::Unsolvable(_) => prop_assert!(false, "cbs claims a solvable instance unsolvable"),
        }
        let mut eecbs = Cbs::bounded(1.5);
        eecbs.options.max_nodes = Some(3_000);
        match eecbs.solve(&instance, deadline(), seed).unwrap() {
            Outcome::Solved(s) => {
                prop_assert_eq!(check(&instance, &s.plan), Ok(s.cost));
                prop_assert!(s.cost.sum_of_costs as f64 <= 1.5 * opt as f64, "{} > 1.5 x {}", s.cost.sum_of_costs, opt);
            }
            Outcome::NotFound(stats) => prop_assert_eq!(stats.expanded, 3_000),
            Outcome::Unsolvable(_) => prop_assert!(false, "eecbs claims a solvable instance unsolvable"),
        }
    }

    /// Target reasoning (splitting on "arrive later" / "never enter again") keeps CBS
    /// optimal, including when agents must leave their goals and come back.
    #[test]
    fn cbs_with_and_without_target_reasoning_agree((graph, starts, goals) in tiny_instance()) {
        let Some(opt) = optimal_sum_of_costs(&graph, &starts, &goals) else {
            return Ok(());
        };
        let instance = Instance::new(graph, starts, goals).unwrap();
        for target_reasoning in [false, true] {
            let mut cbs = Cbs::optimal();
            cbs.options.max_nodes = Some(3_000);
            cbs.options.target_reasoning = target_reasoning;
            if let Outcome::Solved(s) = cbs.solve(&instance, deadline(), 0).unwrap() {
                prop_assert_eq!(s.cost.sum_of_costs, opt);
            }
        }
    }

    /// PIBT is incomplete, but what it returns is valid, and it never claims unsolvability
    /// of a solvable instance.
    #[test]
    fn pibt_plans_pass_the_checker((graph, starts, goals) in tiny_instance(), seed in any::<u64>()) {
        let truth = optimal_sum_of_costs(&graph, &starts, &goals);
        let instance = Instance::new(graph, starts, goals).unwrap();
        let mut pibt = PibtSolver { max_steps: 200, ..PibtSolver::default() };
        match pibt.solve(&instance, deadline(), seed).unwrap() {
            Outcome::Solved(s) => {
                prop_assert!(truth.is_some());
                prop_assert_eq!(check(&instance, &s.plan), Ok(s.cost));
            }
            Outcome::Unsolvable(_) => prop_assert!(truth.is_none()),
            Outcome::NotFound(_) => {}
        }
    }
}

/// Same seed, same plan.
#[test]
fn lacam_is_deterministic_under_a_seed() {
    let (graph, starts, goals) = grid_instance(8, 8, 20);
    let instance = Instance::new(graph, starts, goals).unwrap();
    let plan = |seed| match lacam_first().solve(&instance, deadline(), seed).unwrap() {
        Outcome::Solved(s) => s.plan,
        other => panic!("{other:?}"),
    };
    assert_eq!(plan(3), plan(3));
}

/// An open `w × h` 4-connected grid with `k` agents: starts in the first cells, goals in
/// reverse order.
fn grid_instance(w: u32, h: u32, k: u32) -> (Digraph, Vec<u32>, Vec<u32>) {
    let mut edges = Vec::new();
    for r in 0..h {
        for c in 0..w {
            let v = r * w + c;
            if c + 1 < w {
                edges.extend([(v, v + 1), (v + 1, v)]);
            }
            if r + 1 < h {
                edges.extend([(v, v + w), (v + w, v)]);
            }
        }
    }
    let n = w * h;
    let graph = Digraph::from_edges(n as usize, &edges).unwrap();
    let starts: Vec<u32> = (0..k).collect();
    let goals: Vec<u32> = (0..k).map(|i| n - 1 - i).collect();
    (graph, starts, goals)
}

/// On a one-way ring an agent whose goal is just behind it must go all the way round, and
/// the agent resting at its goal in the way must circle the whole ring to let it pass.
#[test]
fn agents_circle_a_one_way_loop() {
    let ring = Digraph::from_edges(5, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]).unwrap();
    // Agent 0 at 1 must reach 0 (4 moves round); agent 1 rests at its goal 2, in the way.
    let instance = Instance::new(ring, vec![1, 2], vec![0, 2]).unwrap();
    for seed in 0..20 {
        let Outcome::Solved(s) = LaCam::default().solve(&instance, deadline(), seed).unwrap()
        else {
            panic!("seed {seed}: the loop instance is solvable");
        };
        assert_eq!(check(&instance, &s.plan), Ok(s.cost));
        // Optimal: agent 1 leaves at once and comes back after 5 moves, agent 0 follows.
        assert!(s.stats.optimal);
        assert_eq!(s.cost.sum_of_costs, 9, "seed {seed}: {:?}", s.plan);
        assert_eq!(s.cost.makespan, 5, "seed {seed}: {:?}", s.plan);
        assert_eq!(s.plan.path(1), vec![2, 3, 4, 0, 1, 2]);
    }
}

/// Two agents that must pass each other on a one-way segment with no loop: proven
/// unsolvable, whatever the seed.
#[test]
fn passing_on_a_one_way_segment_is_proven_unsolvable() {
    let line = Digraph::from_edges(4, &[(0, 1), (1, 2), (2, 3)]).unwrap();
    // Agent 0 must get from 0 to 3 through 1 and 2; agent 1 rests at 2.
    let instance = Instance::new(line.clone(), vec![0, 2], vec![3, 2]).unwrap();
    for seed in 0..10 {
        let outcome = LaCam::default().solve(&instance, deadline(), seed).unwrap();
        assert!(matches!(outcome, Outcome::Unsolvable(_)), "{outcome:?}");
    }
    // With the second agent's goal at the end instead, it is easy.
    let instance = Instance::new(line, vec![0, 2], vec![2, 3]).unwrap();
    let outcome = LaCam::default().solve(&instance, deadline(), 0).unwrap();
    assert!(matches!(outcome, Outcome::Solved(_)), "{outcome:?}");
}

/// Instances that PIBT alone fails on but that have plans: LaCAM* solves every one. The
/// search over seeds must find some, or the test says so.
#[test]
fn lacam_completes_where_pibt_gets_stuck() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = tiny_instance();
    let mut stuck = 0;
    for _ in 0..3000 {
        let (graph, starts, goals) = strategy.new_tree(&mut runner).unwrap().current();
        if starts.len() < 2 || optimal_sum_of_costs(&graph, &starts, &goals).is_none() {
            continue;
        }
        let instance = Instance::new(graph, starts, goals).unwrap();
        let mut pibt = PibtSolver {
            max_steps: 100,
            ..PibtSolver::default()
        };
        if matches!(
            pibt.solve(&instance, deadline(), 1).unwrap(),
            Outcome::Solved(_)
        ) {
            continue;
        }
        stuck += 1;
        let outcome = lacam_first().solve(&instance, deadline(), 1).unwrap();
        let Outcome::Solved(s) = outcome else {
            panic!("lacam failed where a plan exists: {instance:?} {outcome:?}");
        };
        assert_eq!(check(&instance, &s.plan), Ok(s.cost));
    }
    assert!(stuck >= 5, "only {stuck} instances where PIBT gets stuck");
}

/// CBS without its improvements is still optimal (the improvements only prune).
#[test]
fn plain_cbs_agrees_with_improved_cbs() {
    // Four agents on the top row of a 5 × 5 grid cross to mirrored places on the bottom row.
    let (graph, _, _) = grid_instance(5, 5, 0);
    let instance = Instance::new(graph, vec![0, 1, 2, 3], vec![24, 23, 22, 21]).unwrap();
    let cost = |mut cbs: Cbs| match cbs.solve(&instance, deadline(), 0).unwrap() {
        Outcome::Solved(s) => s.cost.sum_of_costs,
        other => panic!("{other:?}"),
    };
    let mut plain = Cbs::optimal();
    plain.options.bypass = false;
    plain.options.prioritize_conflicts = false;
    assert_eq!(cost(plain), cost(Cbs::optimal()));
    assert!(cost(Cbs::bounded(1.3)) as f64 <= 1.3 * cost(Cbs::optimal()) as f64);
}

/// A weight below 1 is refused with a clear error.
#[test]
fn cbs_refuses_a_weight_below_one() {
    let (graph, starts, goals) = grid_instance(3, 3, 2);
    let instance = Instance::new(graph, starts, goals).unwrap();
    let err = Cbs::bounded(0.5)
        .solve(&instance, deadline(), 0)
        .unwrap_err();
    assert!(err.to_string().contains("suboptimality"), "{err}");
}

/// An agent resting at its goal in the way must leave and come back round a one-way ring:
/// target reasoning must not cut that plan off (optimum 9, as in
/// `agents_circle_a_one_way_loop`).
#[test]
fn cbs_target_reasoning_lets_resting_agents_leave_and_return() {
    let ring = Digraph::from_edges(5, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]).unwrap();
    assert_eq!(optimal_sum_of_costs(&ring, &[1, 2], &[0, 2]), Some(9));
    let instance = Instance::new(ring, vec![1, 2], vec![0, 2]).unwrap();
    for target_reasoning in [false, true] {
        let mut cbs = Cbs::optimal();
        cbs.options.target_reasoning = target_reasoning;
        let Outcome::Solved(s) = cbs.solve(&instance, deadline(), 0).unwrap() else {
            panic!("solvable");
        };
        assert_eq!(s.cost.sum_of_costs, 9);
    }
}

/// Every solver can be moved to another thread, and so can instances and plans.
#[test]
fn solvers_are_send() {
    fn send<T: Send>() {}
    fn sync<T: Send + Sync>() {}
    send::<LaCam>();
    send::<PibtSolver>();
    send::<Cbs>();
    send::<Box<dyn Solver>>();
    send::<corridor_plan::Pibt>();
    send::<corridor_plan::DistanceTable>();
    sync::<Instance>();
    sync::<corridor_plan::Plan>();
    sync::<corridor_plan::Outcome>();
}

/// An instance with no agents is solved by the empty plan; one whose goal cannot be
/// reached is proven unsolvable at once by every solver.
#[test]
fn trivial_and_unreachable_instances() {
    let line = Digraph::from_edges(3, &[(0, 1), (1, 2)]).unwrap();
    let empty = Instance::new(line.clone(), vec![], vec![]).unwrap();
    let unreachable = Instance::new(line, vec![2], vec![0]).unwrap();
    let solvers: Vec<Box<dyn Solver>> = vec![
        Box::new(LaCam::default()),
        Box::new(PibtSolver::default()),
        Box::new(Cbs::optimal()),
        Box::new(Cbs::bounded(1.2)),
    ];
    for mut solver in solvers {
        let out = solver.solve(&empty, deadline(), 0).unwrap();
        assert!(
            matches!(out, Outcome::Solved(ref s) if s.cost.sum_of_costs == 0),
            "{}: {out:?}",
            solver.name()
        );
        let out = solver.solve(&unreachable, deadline(), 0).unwrap();
        assert!(
            matches!(out, Outcome::Unsolvable(_)),
            "{}: {out:?}",
            solver.name()
        );
    }
}
