//! Space-utilisation optimisation (SUO, "scatter", from LaCAM3, AAMAS-24): before the
//! search, every agent gets a path of at most its distance plus a margin that avoids the
//! others' paths as far as it can (sequential A* minimising collisions, repeated while the
//! number of collisions falls). PIBT then tries each agent's next vertex on that path
//! first, which spreads agents over the map instead of piling them onto the same shortest
//! paths. The paths are hints only: they never make a configuration invalid.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::distance::{DistanceTable, UNREACHABLE};
use crate::graph::{NONE, Vertex};
use crate::instance::Instance;

/// Per agent: (vertex, next vertex on its scattered path), sorted by vertex.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scatter {
    next: Vec<Vec<(Vertex, Vertex)>>,
}

impl Scatter {
    /// The next vertex of agent `agent`'s scattered path from `v`, or `NONE`.
    pub(crate) fn hint(&self, agent: usize, v: Vertex) -> Vertex {
        let Some(list) = self.next.get(agent) else {
            return NONE;
        };
        match list.binary_search_by_key(&v, |&(a, _)| a) {
            Ok(i) => list[i].1,
            Err(_) => NONE,
        }
    }

    /// Computes the scattered paths, stopping at `deadline` with what it has.
    pub(crate) fn compute(
        instance: &Instance,
        dist: &mut DistanceTable,
        margin: u32,
        deadline: Instant,
        seed: u64,
    ) -> Scatter {
        let graph = instance.graph();
        let n = graph.vertex_count();
        let k = instance.agents();
        let starts = instance.starts();
        let goals = instance.goals();
        let longest = (0..k)
            .map(|i| dist.distance(i, starts[i]))
            .max()
            .unwrap_or(0);
        if longest == UNREACHABLE {
            return Scatter::default();
        }
        let horizon = (longest + margin + 1) as usize;
        // count[v * horizon + t]: paths on v at t (resting at the goal after the end).
        let mut count = vec![0u16; n * horizon];
        // Moves (from, to, arrival time) on the paths: a move against one is a head-on
        // meeting, the collisions that hurt PIBT most in one-wide aisles.
        let mut moves: HashMap<(Vertex, Vertex, u32), u16> = HashMap::new();
        let mut paths: Vec<Vec<Vertex>> = vec![Vec::new(); k];
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ca7_7e12);
        let mut order: Vec<usize> = (0..k).collect();
        let mut parent = vec![NONE; n];
        let mut used: Vec<Vertex> = Vec::new();
        let mut best_paths = paths.clone();
        let mut best_collisions = u64::MAX;
        let mut last_collisions = u64::MAX;
        let enroll = |count: &mut [u16],
                      moves: &mut HashMap<(Vertex, Vertex, u32), u16>,
                      path: &[Vertex],
                      add: bool| {
            for t in 0..horizon {
                let v = path[t.min(path.len() - 1)] as usize;
                let c = &mut count[v * horizon + t];
                *c = if add {
                    c.saturating_add(1)
                } else {
                    c.saturating_sub(1)
                };
            }
            for (t, w) in path.windows(2).enumerate() {
                let key = (w[0], w[1], t as u32 + 1);
                if add {
                    *moves.entry(key).or_default() += 1;
                } else if let Some(c) = moves.get_mut(&key) {
                    *c -= 1;
                    if *c == 0 {
                        moves.remove(&key);
                    }
                }
            }
        };
        for round in 0.. {
            order.shuffle(&mut rng);
            let round_start = Instant::now();
            for (done, &i) in order.iter().enumerate() {
                let now = Instant::now();
                // Hints for part of the agents do more harm than none (measured with 10,000
                // agents): give up on a first round that will not finish in time.
                let projected_late = round == 0
                    && done == k / 16
                    && done > 0
                    && now + (now - round_start) * 15 > deadline;
                if now >= deadline || projected_late {
                    if best_collisions == u64::MAX {
                        return Scatter::default();
                    }
                    return Scatter::from_paths(&best_paths);
                }
                if !paths[i].is_empty() {
                    let old = std::mem::take(&mut paths[i]);
                    enroll(&mut count, &mut moves, &old, false);
                }
                let (s, g) = (starts[i], goals[i]);
                let bound = dist.distance(i, s) + margin;
                // A* over vertices: fewest collisions first, then f.
                let mut heap = BinaryHeap::new();
                heap.push(Reverse((0u32, dist.distance(i, s), s, 0u32, NONE)));
                let mut found = false;
                while let Some(Reverse((c, _, v, gv, from))) = heap.pop() {
                    if parent[v as usize] != NONE || v == s && from != NONE {
                        continue;
                    }
                    parent[v as usize] = if from == NONE { v } else { from };
                    used.push(v);
                    if v == g {
                        found = true;
                        break;
                    }
                    for &u in graph.successors(v) {
                        let du = dist.distance(i, u);
                        if u == s
                            || parent[u as usize] != NONE
                            || du == UNREACHABLE
                            || gv + 1 + du > bound
                        {
                            continue;
                        }
                        let t = (gv + 1) as usize;
                        let cu = u32::from(count[u as usize * horizon + t.min(horizon - 1)])
                            + u32::from(moves.get(&(u, v, t as u32)).copied().unwrap_or(0));
                        heap.push(Reverse((c + cu, gv + 1 + du, u, gv + 1, v)));
                    }
                }
                if found {
                    let mut path = vec![g];
                    let mut v = g;
                    while v != s {
                        v = parent[v as usize];
                        path.push(v);
                    }
                    path.reverse();
                    paths[i] = path;
                } else {
                    paths[i] = vec![s];
                }
                enroll(&mut count, &mut moves, &paths[i], true);
                for v in used.drain(..) {
                    parent[v as usize] = NONE;
                }
            }
            // Collisions of the whole set (each colliding pair twice), comparable between
            // rounds (what the searches saw is not: early agents of a round see fewer).
            let collisions: u64 = paths
                .iter()
                .map(|p| {
                    (0..horizon)
                        .map(|t| {
                            let v = p[t.min(p.len() - 1)] as usize;
                            u64::from(count[v * horizon + t].saturating_sub(1))
                        })
                        .sum::<u64>()
                })
                .sum();
            if collisions < best_collisions {
                best_collisions = collisions;
                best_paths.clone_from(&paths);
            }
            if collisions == 0 || (round >= 1 && collisions >= last_collisions) {
                break;
            }
            last_collisions = collisions;
        }
        Scatter::from_paths(&best_paths)
    }

    fn from_paths(paths: &[Vec<Vertex>]) -> Scatter {
        let next = paths
            .iter()
            .map(|p| {
                let mut list: Vec<(Vertex, Vertex)> = p.windows(2).map(|w| (w[0], w[1])).collect();
                // A vertex met twice keeps its later successor.
                list.reverse();
                list.sort_by_key(|&(v, _)| v);
                list.dedup_by_key(|&mut (v, _)| v);
                list
            })
            .collect();
        Scatter { next }
    }
}
