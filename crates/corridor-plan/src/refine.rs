//! Iterative refinement of a plan by large neighbourhood search (after MAPF-LNS, Li et al.,
//! IJCAI-21, and the refiner of LaCAM3): remove the paths of a few agents, replan them one
//! by one with space-time A* around everyone else, keep the result when the sum-of-costs
//! drops. Every intermediate plan is conflict-free, so refinement can be stopped at any
//! moment.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::distance::DistanceTable;
use crate::graph::{NONE, Vertex};
use crate::instance::Instance;
use crate::single_agent::{SpaceTimeObstacles, search_within};

/// Conflict-free paths in space-time, with removal. `paths[i][t]` for `t < len - 1` is in
/// `by_vertex`; the last vertex is parked from `len - 1` on.
struct Occupancy {
    paths: Vec<Vec<Vertex>>,
    by_vertex: Vec<Vec<(u32, u32)>>,
    parked: Vec<(u32, u32)>,
    horizon: u32,
}

impl Occupancy {
    fn new(vertices: usize, paths: Vec<Vec<Vertex>>) -> Occupancy {
        let mut o = Occupancy {
            paths: vec![Vec::new(); paths.len()],
            by_vertex: vec![Vec::new(); vertices],
            parked: vec![(NONE, NONE); vertices],
            horizon: 0,
        };
        for (i, p) in paths.into_iter().enumerate() {
            o.insert(i, p);
        }
        o
    }

    fn insert(&mut self, agent: usize, path: Vec<Vertex>) {
        let end = path.len() - 1;
        for (t, &v) in path.iter().enumerate().take(end) {
            let list = &mut self.by_vertex[v as usize];
            let pos = list.partition_point(|&(u, _)| u < t as u32);
            list.insert(pos, (t as u32, agent as u32));
        }
        self.parked[path[end] as usize] = (end as u32, agent as u32);
        self.horizon = self.horizon.max(end as u32);
        self.paths[agent] = path;
    }

    fn remove(&mut self, agent: usize) -> Vec<Vertex> {
        let path = std::mem::take(&mut self.paths[agent]);
        let end = path.len() - 1;
        for (t, &v) in path.iter().enumerate().take(end) {
            let list = &mut self.by_vertex[v as usize];
            if let Ok(pos) = list.binary_search(&(t as u32, agent as u32)) {
                list.remove(pos);
            }
        }
        self.parked[path[end] as usize] = (NONE, NONE);
        path
    }

    fn agent_at(&self, v: Vertex, t: u32) -> u32 {
        let (from, a) = self.parked[v as usize];
        if from != NONE && t >= from {
            return a;
        }
        let list = &self.by_vertex[v as usize];
        match list.binary_search_by(|&(u, _)| u.cmp(&t)) {
            Ok(pos) => list[pos].1,
            Err(_) => NONE,
        }
    }
}

impl SpaceTimeObstacles for Occupancy {
    fn vertex_blocked(&self, v: Vertex, t: u32) -> bool {
        self.agent_at(v, t) != NONE
    }
    fn edge_blocked(&self, from: Vertex, to: Vertex, t: u32) -> bool {
        let b = self.agent_at(to, t - 1);
        if b == NONE {
            return false;
        }
        let p = &self.paths[b as usize];
        p.get(t as usize).or(p.last()).copied() == Some(from)
    }
    fn last_blocked(&self, v: Vertex) -> Option<u32> {
        if self.parked[v as usize].0 != NONE {
            return Some(u32::MAX);
        }
        self.by_vertex[v as usize].last().map(|&(t, _)| t)
    }
    fn horizon(&self) -> u32 {
        self.horizon
    }
}

/// Paths (one per agent, each ending at its last arrival at its goal) from configurations.
pub(crate) fn paths_of(configs: &[Vec<Vertex>], goals: &[Vertex]) -> Vec<Vec<Vertex>> {
    (0..goals.len())
        .map(|i| {
            let last = (0..configs.len())
                .rev()
                .find(|&t| configs[t][i] != goals[i])
                .map_or(0, |t| t + 1);
            configs[..=last].iter().map(|c| c[i]).collect()
        })
        .collect()
}

/// Sum of costs of paths that end at their goals.
pub(crate) fn sum_of_costs(paths: &[Vec<Vertex>]) -> u64 {
    paths.iter().map(|p| p.len() as u64 - 1).sum()
}

/// At most this many distance-table entries are cached (1 GiB of `u32`).
const TABLE_CACHE: usize = 1 << 28;

/// Refines `paths` (conflict-free, each ending at its goal) until `deadline`, `stop` or
/// `max_iterations`; returns paths of no greater sum-of-costs and the number of accepted
/// neighbourhoods.
pub(crate) fn refine(
    instance: &Instance,
    paths: Vec<Vec<Vertex>>,
    deadline: Instant,
    seed: u64,
    stop: &AtomicBool,
    max_iterations: u64,
) -> (Vec<Vec<Vertex>>, u64) {
    let k = instance.agents();
    let graph = instance.graph();
    let n = graph.vertex_count();
    if k == 0 {
        return (paths, 0);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7e11_7e11);
    let mut dist = DistanceTable::new(instance);
    let lower: Vec<u32> = (0..k)
        .map(|i| dist.distance(i, instance.starts()[i]))
        .collect();
    let mut tables: Vec<Option<Vec<u32>>> = vec![None; k];
    let mut cached = 0usize;
    let mut occ = Occupancy::new(n, paths);
    let mut accepted = 0u64;
    let mut neighbourhood: Vec<usize> = Vec::new();
    let mut mark = vec![false; k];
    // A failing search would otherwise sweep all of space-time below its bound.
    let max_expansions = 10_000 + 2 * n as u32;
    // Measured on random-32-32-20 x 400 and warehouse-10-20-10-2-1 x 1000 (see the crate
    // README): small random neighbourhoods beat larger ones and neighbourhoods built
    // around delayed agents or the agents passing their goals.
    let largest = k.clamp(2, 5);
    let mut iterations = 0u64;
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline && iterations < max_iterations
    {
        iterations += 1;
        neighbourhood.clear();
        let size = rng.random_range(2..=largest).min(k);
        while neighbourhood.len() < size {
            let a = rng.random_range(0..k);
            if !mark[a] {
                mark[a] = true;
                neighbourhood.push(a);
            }
        }
        for &a in &neighbourhood {
            mark[a] = false;
        }

        let old: Vec<Vec<Vertex>> = neighbourhood.iter().map(|&a| occ.remove(a)).collect();
        let old_len: Vec<u32> = old.iter().map(|p| p.len() as u32 - 1).collect();
        let old_cost: u64 = old.iter().map(|p| p.len() as u64 - 1).sum();
        // Equal cost is accepted too: it moves the plan around without making it worse.
        let mut budget_left: i64 = old_cost as i64
            - neighbourhood
                .iter()
                .map(|&a| i64::from(lower[a]))
                .sum::<i64>();
        let mut planned = 0;
        for (j, &a) in neighbourhood.iter().enumerate() {
            if tables[a].is_none() {
                if cached + n > TABLE_CACHE {
                    tables.iter_mut().for_each(|t| *t = None);
                    cached = 0;
                }
                tables[a] = Some(dist.full(a));
                cached += n;
            }
            let h = tables[a].as_deref().unwrap_or(&[]);
            if budget_left < 0 {
                break;
            }
            // No agent gets longer than it was, and together they get no longer.
            let bound = (lower[a] + budget_left as u32).min(old_len[j]);
            match search_within(
                graph,
                h,
                instance.starts()[a],
                instance.goals()[a],
                &occ,
                Some(bound),
                None,
                deadline,
                max_expansions,
            ) {
                Ok((p, _)) => {
                    budget_left -= i64::from(p.len() as u32 - 1 - lower[a]);
                    occ.insert(a, p);
                    planned += 1;
                }
                Err(_) => break,
            }
        }
        if planned == neighbourhood.len() {
            accepted += 1;
        } else {
            for &a in &neighbourhood[..planned] {
                occ.remove(a);
            }
            for (&a, p) in neighbourhood.iter().zip(old) {
                occ.insert(a, p);
            }
        }
    }
    (occ.paths, accepted)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};

    use super::{paths_of, refine, sum_of_costs};
    use crate::{Digraph, Instance, Outcome, PibtSolver, Plan, Solver, check};

    /// An open grid where PIBT's plan leaves room: refinement must lower its cost, and
    /// every plan it returns passes the checker.
    #[test]
    fn refinement_lowers_the_cost_of_a_pibt_plan() {
        let (w, h) = (8u32, 8u32);
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
        let graph = Digraph::from_edges((w * h) as usize, &edges).unwrap();
        let instance = Instance::random(graph, 24, 3).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let Outcome::Solved(s) = PibtSolver::default().solve(&instance, deadline, 1).unwrap()
        else {
            panic!("PIBT solves an open grid");
        };
        let before = sum_of_costs(&paths_of(s.plan.configs(), instance.goals()));
        assert_eq!(before, s.cost.sum_of_costs);
        let (paths, accepted) = refine(
            &instance,
            paths_of(s.plan.configs(), instance.goals()),
            deadline,
            5,
            &AtomicBool::new(false),
            300,
        );
        let plan = Plan::from_paths(&paths);
        let cost = check(&instance, &plan).unwrap();
        assert_eq!(cost.sum_of_costs, sum_of_costs(&paths));
        assert!(accepted > 0);
        assert!(
            cost.sum_of_costs < before,
            "{} not below {before}",
            cost.sum_of_costs
        );
    }
}
