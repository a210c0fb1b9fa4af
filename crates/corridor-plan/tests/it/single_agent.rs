//! Space-time A* and SIPP agree, and their paths avoid what is reserved.

use std::time::{Duration, Instant};

use corridor_plan::{
    Digraph, DistanceTable, Instance, NoPath, ReservationTable, Sipp, SpaceTimeAStar,
};
use proptest::prelude::*;

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

/// A random strongly-ish connected directed graph, reserved random walks of other agents,
/// and one agent's start and goal.
fn case() -> impl Strategy<Value = (Digraph, Vec<Vec<u32>>, u32, u32)> {
    (4usize..=9)
        .prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec((0..n as u32, 0..n as u32, any::<bool>()), n..=3 * n),
                proptest::collection::vec(proptest::collection::vec(0..n as u32, 1..8), 0..3),
                0..n as u32,
                0..n as u32,
            )
        })
        .prop_map(|(n, raw, walks, s, g)| {
            let mut edges: Vec<(u32, u32)> =
                (0..n as u32).map(|i| (i, (i + 1) % n as u32)).collect();
            for (a, b, both) in raw {
                edges.push((a, b));
                if both {
                    edges.push((b, a));
                }
            }
            let graph = Digraph::from_edges(n, &edges).unwrap();
            (graph, walks, s, g)
        })
}

fn avoids(path: &[u32], table: &ReservationTable, reserved: &[Vec<u32>]) -> bool {
    path.iter()
        .enumerate()
        .all(|(t, &v)| !table.is_reserved(v, t as u32))
        && path.windows(2).enumerate().all(|(t, w)| {
            reserved.iter().all(|r| {
                let at = |i: usize| r.get(i).or(r.last()).copied();
                !(w[0] != w[1] && at(t) == Some(w[1]) && at(t + 1) == Some(w[0]))
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn astar_and_sipp_find_equally_short_valid_paths((graph, walks, s, g) in case()) {
        let mut table = ReservationTable::new();
        for w in &walks {
            table.reserve_path(w);
        }
        let instance = Instance::new(graph.clone(), vec![s], vec![g]).unwrap();
        let h = DistanceTable::new(&instance).full(0);
        let a = SpaceTimeAStar.find_path(&graph, &h, s, g, &table, deadline());
        let b = Sipp.find_path(&graph, &h, s, g, &table, deadline());
        match (&a, &b) {
            (Ok(pa), Ok(pb)) => {
                prop_assert_eq!(pa.len(), pb.len(), "A* {:?} SIPP {:?}", pa, pb);
                for p in [pa, pb] {
                    prop_assert_eq!(p.first(), Some(&s));
                    prop_assert_eq!(p.last(), Some(&g));
                    prop_assert!(p.windows(2).all(|w| w[0] == w[1] || graph.has_edge(w[0], w[1])));
                    prop_assert!(avoids(p, &table, &walks), "{:?} hits {:?}", p, walks);
                    // The goal stays free after arrival.
                    let end = p.len() as u32 - 1;
                    prop_assert!((end..end + 20).all(|t| !table.is_reserved(g, t)));
                }
            }
            (Err(NoPath::Blocked), Err(NoPath::Blocked)) => {}
            _ => prop_assert!(false, "A* {:?} SIPP {:?}", a, b),
        }
    }
}

#[test]
fn waits_for_a_crossing_agent() {
    // A line 0 → 1 → 2 → 3 with 4 → 1 → 5: another agent crosses vertex 1 at t = 1.
    let graph = Digraph::from_edges(6, &[(0, 1), (1, 2), (2, 3), (4, 1), (1, 5)]).unwrap();
    let mut table = ReservationTable::new();
    table.reserve_path(&[4, 1, 5]);
    let instance = Instance::new(graph.clone(), vec![0], vec![3]).unwrap();
    let h = DistanceTable::new(&instance).full(0);
    let path = SpaceTimeAStar
        .find_path(&graph, &h, 0, 3, &table, deadline())
        .unwrap();
    assert_eq!(path, vec![0, 0, 1, 2, 3]);
    assert_eq!(
        Sipp.find_path(&graph, &h, 0, 3, &table, deadline())
            .unwrap(),
        path
    );
    // An agent parked on the goal for good: no path.
    table.reserve_path(&[3]);
    assert_eq!(
        SpaceTimeAStar.find_path(&graph, &h, 0, 3, &table, deadline()),
        Err(NoPath::Blocked)
    );
    assert_eq!(
        Sipp.find_path(&graph, &h, 0, 3, &table, deadline()),
        Err(NoPath::Blocked)
    );
}

proptest! {
    /// Distance tables agree with an independent breadth-first search, whether filled
    /// lazily one query at a time, completely, or in parallel for many agents.
    #[test]
    fn distance_tables_are_exact((graph, _, s, g) in case(), threads in 1usize..4) {
        let n = graph.vertex_count() as u32;
        // One agent per vertex, agent i's goal i + g, asked about from i + s.
        let starts: Vec<u32> = (0..n).collect();
        let goals: Vec<u32> = (0..n).map(|i| (i + g) % n).collect();
        let from: Vec<u32> = (0..n).map(|i| (i + s) % n).collect();
        let instance = Instance::new(graph.clone(), starts, goals.clone()).unwrap();
        let bfs = |from: u32, goal: u32| -> u32 {
            let mut seen = vec![false; n as usize];
            let mut frontier = vec![from];
            seen[from as usize] = true;
            let mut d = 0;
            while !frontier.is_empty() {
                if frontier.contains(&goal) {
                    return d;
                }
                let mut next = Vec::new();
                for v in frontier {
                    for &w in graph.successors(v) {
                        if !seen[w as usize] {
                            seen[w as usize] = true;
                            next.push(w);
                        }
                    }
                }
                frontier = next;
                d += 1;
            }
            corridor_plan::UNREACHABLE
        };
        let expected: Vec<u32> = (0..n as usize).map(|i| bfs(from[i], goals[i])).collect();
        let mut parallel = DistanceTable::new(&instance);
        prop_assert_eq!(parallel.distances_from(&from, threads), expected.clone());
        let mut lazy = DistanceTable::new(&instance);
        for i in 0..n as usize {
            prop_assert_eq!(lazy.distance(i, from[i]), expected[i]);
            let full = lazy.full(i);
            for v in 0..n {
                prop_assert_eq!(full[v as usize], bfs(v, goals[i]));
            }
        }
    }
}
