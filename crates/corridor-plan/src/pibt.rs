//! PIBT: the configuration generator ([`Pibt`]) and the stand-alone solver ([`PibtSolver`]).

use std::sync::Arc;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::distance::{DistanceTable, UNREACHABLE};
use crate::error::PlanError;
use crate::graph::{Digraph, NONE, Vertex};
use crate::instance::Instance;
use crate::plan::Plan;
use crate::scatter::Scatter;
use crate::solver::{Outcome, Solver, Stats, deliver};

/// PIBT — priority inheritance with backtracking (Okumura et al., IJCAI-19; AIJ 2022) — as
/// a configuration generator, with the swap operation of LaCAM3 (Okumura, AAMAS-24), and a
/// stand-alone solver that repeats it.
///
/// One call to [`Pibt::generate`] moves every agent at most one edge: agents are taken in
/// priority order; each tries its successors and waiting, nearest to its goal first (ties
/// broken at random); when it wants a vertex held by an agent that has not moved yet, that
/// agent inherits its priority and must move away first, or the wanter tries its next
/// choice.
///
/// **Swap on directed graphs.** The swap operation lets an agent step back so that one
/// behind it can pass (two agents in a corridor heading opposite ways). It moves the other
/// agent into the first agent's vertex, so it is only used when that move is an edge of the
/// graph and the two agents do not exchange vertices; otherwise PIBT proceeds without it.
///
/// # Guarantees
/// A configuration returned is valid: every agent waits or moves along an edge, no vertex
/// holds two agents, no two agents swap, and agents with a preset move keep it. PIBT alone
/// is *not* complete: [`PibtSolver`] may oscillate or stall; LaCAM* uses PIBT and is
/// complete.
///
/// The PIBT configuration generator for one instance.
#[derive(Debug, Clone)]
pub struct Pibt {
    graph: Arc<Digraph>,
    goals: Vec<Vertex>,
    occupied_now: Vec<u32>,
    occupied_next: Vec<u32>,
    /// Candidate stack shared by the recursion: (distance, tie-breaker, vertex).
    candidates: Vec<(u32, u32, Vertex)>,
    /// Space-utilisation paths: each agent's preferred next vertex.
    scatter: Option<Arc<Scatter>>,
    rng: ChaCha8Rng,
    swap: bool,
}

impl Pibt {
    /// A generator for `instance`, with the swap operation on.
    pub fn new(instance: &Instance, seed: u64) -> Pibt {
        let n = instance.graph().vertex_count();
        Pibt {
            graph: Arc::clone(instance.shared_graph()),
            goals: instance.goals().to_vec(),
            occupied_now: vec![NONE; n],
            occupied_next: vec![NONE; n],
            candidates: Vec::new(),
            scatter: None,
            rng: ChaCha8Rng::seed_from_u64(seed),
            swap: true,
        }
    }

    /// Turns the swap operation on or off.
    pub fn set_swap(&mut self, on: bool) {
        self.swap = on;
    }

    /// Sets the space-utilisation paths whose next vertex each agent tries first.
    pub(crate) fn set_scatter(&mut self, scatter: Option<Arc<Scatter>>) {
        self.scatter = scatter;
    }

    /// Computes the next configuration.
    ///
    /// `from` is the current configuration (valid: distinct vertices). On entry `next[i]`
    /// is `u32::MAX` for agents PIBT should move, or a preset vertex (`from[i]` or a
    /// successor of it) that agent `i` must take; `order` lists agents by decreasing
    /// priority (agents with a preset move may be omitted). Returns `true` with every entry
    /// of `next` filled with a valid configuration, or `false` when the presets conflict
    /// or an agent could not be placed (then `next` is unspecified).
    pub fn generate(
        &mut self,
        dist: &mut DistanceTable,
        from: &[Vertex],
        next: &mut [Vertex],
        order: &[u32],
    ) -> bool {
        for (i, &v) in from.iter().enumerate() {
            self.occupied_now[v as usize] = i as u32;
        }
        let ok = self.generate_inner(dist, from, next, order);
        for &v in from {
            self.occupied_now[v as usize] = NONE;
        }
        for &v in next.iter() {
            if v != NONE {
                self.occupied_next[v as usize] = NONE;
            }
        }
        ok
    }

    fn generate_inner(
        &mut self,
        dist: &mut DistanceTable,
        from: &[Vertex],
        next: &mut [Vertex],
        order: &[u32],
    ) -> bool {
        // Presets.
        for i in 0..from.len() {
            let v = next[i];
            if v == NONE {
                continue;
            }
            if v != from[i] && !self.graph.has_edge(from[i], v) {
                return false;
            }
            if self.occupied_next[v as usize] != NONE {
                return false;
            }
            let j = self.occupied_now[v as usize];
            if j != NONE && j as usize != i && next[j as usize] == from[i] {
                return false;
            }
            self.occupied_next[v as usize] = i as u32;
        }
        for &i in order {
            if next[i as usize] == NONE && !self.plan_agent(dist, i, from, next) {
                return false;
            }
        }
        next.iter().all(|&v| v != NONE)
    }

    fn plan_agent(
        &mut self,
        dist: &mut DistanceTable,
        i: u32,
        from: &[Vertex],
        next: &mut [Vertex],
    ) -> bool {
        let iu = i as usize;
        let v = from[iu];
        let base = self.candidates.len();
        let hint = self.scatter.as_ref().map_or(NONE, |s| s.hint(iu, v));
        let graph = Arc::clone(&self.graph);
        for &u in graph.successors(v).iter().chain(std::iter::once(&v)) {
            let d = dist.distance(iu, u);
            if d == UNREACHABLE && u != v {
                continue;
            }
            // The space-utilisation hint comes first; the rest nearest first, ties at random.
            if u == hint {
                self.candidates.push((0, 0, u));
            } else {
                self.candidates.push((d, self.rng.next_u32() | 1, u));
            }
        }
        self.candidates[base..].sort_unstable();
        let count = self.candidates.len() - base;

        let mut swap_agent = NONE;
        if self.swap {
            swap_agent = self.swap_partner(dist, i, from, next, base);
            if swap_agent != NONE {
                self.candidates[base..].reverse();
            }
        }

        for k in 0..count {
            let u = self.candidates[base + k].2;
            if self.occupied_next[u as usize] != NONE {
                continue;
            }
            let j = self.occupied_now[u as usize];
            if j != NONE && next[j as usize] == v {
                continue; // would swap with j
            }
            self.occupied_next[u as usize] = i;
            next[iu] = u;
            if j != NONE
                && u != v
                && next[j as usize] == NONE
                && !self.plan_agent(dist, j, from, next)
            {
                continue;
            }
            // The swap operation: pull the partner into the vertex just left.
            if k == 0 && swap_agent != NONE {
                let s = swap_agent as usize;
                if next[s] == NONE
                    && self.occupied_next[v as usize] == NONE
                    && u != from[s]
                    && self.graph.has_edge(from[s], v)
                {
                    self.occupied_next[v as usize] = swap_agent;
                    next[s] = v;
                }
            }
            self.candidates.truncate(base);
            return true;
        }
        self.occupied_next[v as usize] = i;
        next[iu] = v;
        self.candidates.truncate(base);
        false
    }

    /// LaCAM3's test for a swap situation: returns the agent to pull, or `NONE`.
    fn swap_partner(
        &mut self,
        dist: &mut DistanceTable,
        i: u32,
        from: &[Vertex],
        next: &[Vertex],
        base: usize,
    ) -> u32 {
        let iu = i as usize;
        let v = from[iu];
        let best = self.candidates[base].2;
        if best == v {
            return NONE;
        }
        let j = self.occupied_now[best as usize];
        if j != NONE
            && next[j as usize] == NONE
            && self.swap_required(dist, i, j, v, from[j as usize])
            && self.swap_possible(from[j as usize], v)
        {
            return j;
        }
        // The clear operation (cf. push and swap).
        let graph = Arc::clone(&self.graph);
        for &u in graph.successors(v) {
            let k = self.occupied_now[u as usize];
            if k != NONE
                && best != from[k as usize]
                && self.swap_required(dist, k, i, v, best)
                && self.swap_possible(best, v)
            {
                return k;
            }
        }
        NONE
    }

    /// Successors of `at` other than `back` and dead ends where an agent rests on its goal;
    /// returns how many and the last one.
    fn open_successors(&self, at: Vertex, back: Vertex) -> (usize, Vertex) {
        let mut n = 0;
        let mut last = NONE;
        for &u in self.graph.successors(at) {
            let a = self.occupied_now[u as usize];
            let parked =
                self.graph.successors(u).len() == 1 && a != NONE && self.goals[a as usize] == u;
            if u != back && !parked {
                n += 1;
                last = u;
            }
        }
        (n, last)
    }

    fn swap_required(
        &mut self,
        dist: &mut DistanceTable,
        pusher: u32,
        puller: u32,
        v_pusher: Vertex,
        v_puller: Vertex,
    ) -> bool {
        let (p, q) = (pusher as usize, puller as usize);
        let (mut vp, mut vq) = (v_pusher, v_puller);
        while dist.distance(p, vq) < dist.distance(p, vp) {
            let (n, last) = self.open_successors(vq, vp);
            if n >= 2 {
                return false;
            }
            if n == 0 {
                break;
            }
            vp = vq;
            vq = last;
        }
        dist.distance(q, vp) < dist.distance(q, vq)
            && (dist.distance(p, vp) == 0 || dist.distance(p, vq) < dist.distance(p, vp))
    }

    fn swap_possible(&self, v_pusher: Vertex, v_puller: Vertex) -> bool {
        let (mut vp, mut vq) = (v_pusher, v_puller);
        // Bounded: a directed graph may hold a cycle the walk never leaves.
        for _ in 0..self.graph.vertex_count() {
            if vq == v_pusher {
                return false;
            }
            let (n, last) = self.open_successors(vq, vp);
            if n >= 2 {
                return true;
            }
            if n == 0 {
                return false;
            }
            vp = vq;
            vq = last;
        }
        false
    }
}

/// Dynamic PIBT priorities: an agent's priority grows by one each step it is away from its
/// goal and drops back to its initial fraction when it arrives.
pub(crate) fn next_priorities(prev: &[f32], at_goal: impl Fn(usize) -> bool, out: &mut Vec<f32>) {
    out.clear();
    out.extend(prev.iter().enumerate().map(
        |(i, &p)| {
            if at_goal(i) { p - p.floor() } else { p + 1.0 }
        },
    ));
}

/// Agents sorted by decreasing priority (ties: lower index first).
pub(crate) fn order_of(priorities: &[f32], out: &mut Vec<u32>) {
    out.clear();
    out.extend(0..priorities.len() as u32);
    out.sort_by(|&a, &b| {
        priorities[b as usize]
            .total_cmp(&priorities[a as usize])
            .then(a.cmp(&b))
    });
}

/// PIBT as a stand-alone solver: one configuration per timestep until every agent rests at
/// its goal. Fast, but incomplete (it may never gather all agents at their goals at once);
/// it gives up at the deadline or after [`PibtSolver::max_steps`] timesteps.
#[derive(Debug, Clone)]
pub struct PibtSolver {
    /// Give up after this many timesteps.
    pub max_steps: usize,
    /// Use the swap operation.
    pub swap: bool,
}

impl Default for PibtSolver {
    fn default() -> Self {
        PibtSolver {
            max_steps: 10_000,
            swap: true,
        }
    }
}

impl Solver for PibtSolver {
    fn name(&self) -> &'static str {
        "pibt"
    }

    fn solve(
        &mut self,
        instance: &Instance,
        deadline: Instant,
        seed: u64,
    ) -> Result<Outcome, PlanError> {
        let started = Instant::now();
        let k = instance.agents();
        let mut dist = DistanceTable::new(instance);
        let mut stats = Stats::default();
        for i in 0..k {
            if dist.distance(i, instance.starts()[i]) == UNREACHABLE {
                stats.elapsed = started.elapsed();
                return Ok(Outcome::Unsolvable(stats));
            }
        }
        let mut pibt = Pibt::new(instance, seed);
        pibt.set_swap(self.swap);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let mut priorities: Vec<f32> = (0..k)
            .map(|i| {
                let d = dist.distance(i, instance.starts()[i]) as f32;
                (d / (k as f32 + 1.0)).fract() * 0.5
                    + (rng.next_u32() as f32 / u32::MAX as f32) * 0.25
            })
            .collect();
        let mut order = Vec::new();
        let mut scratch = Vec::new();
        let mut configs = vec![instance.starts().to_vec()];
        let goals = instance.goals();
        loop {
            let current = configs.last().map_or(&[][..], Vec::as_slice);
            if current == goals {
                let plan = Plan::from_configs(configs);
                stats.first_cost = Some(plan.makespan() as u64);
                stats.first_solution = Some(started.elapsed());
                return deliver(self.name(), instance, plan, stats, started);
            }
            if configs.len() > self.max_steps || Instant::now() >= deadline {
                stats.hit_deadline = Instant::now() >= deadline;
                stats.elapsed = started.elapsed();
                return Ok(Outcome::NotFound(stats));
            }
            order_of(&priorities, &mut order);
            let mut next = vec![NONE; k];
            stats.expanded += 1;
            if !pibt.generate(&mut dist, current, &mut next, &order) {
                // PIBT without presets places every agent; a failure means a stuck state.
                stats.elapsed = started.elapsed();
                return Ok(Outcome::NotFound(stats));
            }
            next_priorities(&priorities, |i| next[i] == goals[i], &mut scratch);
            std::mem::swap(&mut priorities, &mut scratch);
            configs.push(next);
        }
    }
}
