//! LaCAM*: the search ([`LaCam`]).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::distance::{DistanceTable, UNREACHABLE};
use crate::error::PlanError;
use crate::graph::{NONE, Vertex};
use crate::instance::Instance;
use crate::pibt::{Pibt, next_priorities, order_of};
use crate::plan::Plan;
use crate::refine::{paths_of, refine, sum_of_costs};
use crate::scatter::Scatter;
use crate::solver::{Outcome, Solver, Stats, deliver};

/// Options of [`LaCam`].
#[derive(Debug, Clone, PartialEq)]
pub struct LaCamOptions {
    /// Keep improving after the first solution until the deadline (LaCAM*); `false` returns
    /// the first solution.
    pub anytime: bool,
    /// Use PIBT's swap operation.
    pub swap: bool,
    /// Probability of restarting the depth-first search from the start configuration when
    /// a known configuration is met again (LaCAM*'s random restarts).
    pub restart_rate: f64,
    /// After the first solution, refine it on a second thread by large neighbourhood
    /// search (space-time A* on a few agents at a time) while LaCAM* goes on, and return
    /// whichever plan has the lower sum-of-costs (only with `anytime`).
    pub refine: bool,
    /// Stop growing the LaCAM* search (but keep refining) once its configurations take
    /// this many bytes; also bounds the time to free them at the end (about 30 ms for the
    /// default 256 MiB).
    pub memory_limit: usize,
    /// Space-utilisation optimisation (LaCAM3's SUO): before the search, give every agent a
    /// path at most this many steps longer than its shortest that avoids the others' (vertex
    /// and head-on collisions), and let PIBT follow it (`None`: off). On by default: it
    /// lowers the first solution's sum-of-loss on warehouse-10-20-10-2-1 × 1,000 from
    /// 195,544 to 130,926 for 0.9 s more (see the crate README).
    pub space_utilisation: Option<u32>,
    /// At most this long is spent on space utilisation (and never more than half the time
    /// to the deadline). Its rounds stop when collisions stop falling, so within the
    /// budget the result depends only on the seed; when the budget cuts in, on timing too.
    /// A first round that would not finish in time is abandoned (partial hints hurt).
    pub space_utilisation_budget: Duration,
    /// Monte-Carlo configuration generation: PIBT runs per expansion (with different
    /// random tie-breaks); the configuration with the least `g + h` is kept. 1 is plain
    /// LaCAM*.
    pub pibt_runs: usize,
}

impl Default for LaCamOptions {
    fn default() -> Self {
        LaCamOptions {
            anytime: true,
            swap: true,
            restart_rate: 0.001,
            refine: true,
            memory_limit: 256 << 20,
            space_utilisation: Some(10),
            space_utilisation_budget: Duration::from_secs(2),
            pibt_runs: 1,
        }
    }
}

/// LaCAM* — lazy constraints addition search, complete and anytime (Okumura, AAAI-23 and
/// IJCAI-23; engineering after LaCAM3, AAMAS-24).
///
/// The high level is a depth-first search over *configurations* (one vertex per agent).
/// Each configuration keeps a tree of *constraints* ("agent `i` goes to `u`"), grown one
/// agent at a time in priority order; expanding a configuration pops the next constraint
/// set and lets PIBT ([`crate::Pibt`]) place every unconstrained agent. Since the constraint
/// tree of a configuration eventually lists every combination of moves (each agent's
/// successors and waiting), every configuration reachable in one step is eventually
/// generated: the search is **complete** on directed graphs too, where PIBT alone gets
/// stuck. When every configuration reachable from the start has been expanded without
/// meeting the goals, the instance is **proven unsolvable**.
///
/// After the first solution the search goes on (LaCAM*): configurations are re-linked when
/// met again (Dijkstra-style cost updates), branches whose `g + h` cannot beat the best
/// plan are pruned, and the best plan so far is returned at the deadline. Exhausting the
/// search after a solution proves it optimal for sum-of-loss. The objective is sum-of-loss
/// (a step costs one per agent not resting at its goal); `h` is the sum of the agents'
/// distances to their goals.
#[derive(Debug, Clone, Default)]
pub struct LaCam {
    /// Its options.
    pub options: LaCamOptions,
}

impl LaCam {
    /// A solver with the given options.
    pub fn new(options: LaCamOptions) -> LaCam {
        LaCam { options }
    }
}

/// Passes a precomputed 64-bit hash through unchanged.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashIndex = HashMap<u64, u32, BuildHasherDefault<IdentityHasher>>;

fn hash_config(c: &[Vertex]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &v in c {
        h = (h.rotate_left(5) ^ u64::from(v)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

/// A high-level node: a configuration and its search state. Lists live in arenas so that
/// nodes own no allocation (dropping millions of nodes stays cheap).
#[derive(Debug)]
struct Node {
    parent: u32,
    g: u64,
    h: u64,
    /// Head of this node's neighbour list in `Search::links`.
    neighbors: u32,
    /// Queue of low-level nodes still to try: head and tail in `Search::queue`.
    queue_head: u32,
    queue_tail: u32,
    /// Next node with the same configuration hash.
    chain: u32,
}

/// A low-level node: the constraint "agent goes to vertex", below its parent's.
#[derive(Debug, Clone, Copy)]
struct Low {
    parent: u32,
    agent: u32,
    vertex: Vertex,
    depth: u32,
}

struct Search<'a> {
    instance: &'a Instance,
    k: usize,
    dist: DistanceTable,
    pibt: Pibt,
    rng: ChaCha8Rng,
    nodes: Vec<Node>,
    configs: Vec<Vertex>,
    priorities: Vec<f32>,
    orders: Vec<u32>,
    index: HashIndex,
    /// Low-level nodes; 0 is the empty constraint set shared by every node.
    lows: Vec<Low>,
    /// Queue entries: (low-level node, next entry).
    queue: Vec<(u32, u32)>,
    /// Neighbour links: (node, next link).
    links: Vec<(u32, u32)>,
}

impl Search<'_> {
    fn config(&self, id: u32) -> &[Vertex] {
        let k = self.k;
        &self.configs[id as usize * k..(id as usize + 1) * k]
    }

    fn find(&self, c: &[Vertex], hash: u64) -> Option<u32> {
        let mut id = *self.index.get(&hash)?;
        loop {
            if self.config(id) == c {
                return Some(id);
            }
            id = self.nodes[id as usize].chain;
            if id == NONE {
                return None;
            }
        }
    }

    fn heuristic(&mut self, c: &[Vertex]) -> u64 {
        c.iter()
            .enumerate()
            .map(|(i, &v)| u64::from(self.dist.distance(i, v)))
            .sum()
    }

    fn edge_cost(&self, a: &[Vertex], b: &[Vertex]) -> u64 {
        let goals = self.instance.goals();
        (0..self.k)
            .filter(|&i| !(a[i] == goals[i] && b[i] == goals[i]))
            .count() as u64
    }

    fn insert(&mut self, c: &[Vertex], hash: u64, parent: u32, g: u64) -> u32 {
        let id = self.nodes.len() as u32;
        let h = self.heuristic(c);
        self.configs.extend_from_slice(c);
        let mut prio = Vec::with_capacity(self.k);
        if parent == NONE {
            let k = self.k as f32;
            for (i, &v) in c.iter().enumerate() {
                prio.push(self.dist.distance(i, v) as f32 / k);
            }
        } else {
            let p = parent as usize * self.k;
            let goals = self.instance.goals();
            next_priorities(
                &self.priorities[p..p + self.k],
                |i| c[i] == goals[i],
                &mut prio,
            );
        }
        let mut order = Vec::with_capacity(self.k);
        order_of(&prio, &mut order);
        self.priorities.extend_from_slice(&prio);
        self.orders.extend_from_slice(&order);
        let chain = self.index.insert(hash, id).unwrap_or(NONE);
        let entry = self.queue.len() as u32;
        self.queue.push((0, NONE));
        self.nodes.push(Node {
            parent,
            g,
            h,
            neighbors: NONE,
            queue_head: entry,
            queue_tail: entry,
            chain,
        });
        if parent != NONE {
            self.link(parent, id);
        }
        id
    }

    fn link(&mut self, from: u32, to: u32) {
        let mut l = self.nodes[from as usize].neighbors;
        while l != NONE {
            if self.links[l as usize].0 == to {
                return;
            }
            l = self.links[l as usize].1;
        }
        self.links.push((to, self.nodes[from as usize].neighbors));
        self.nodes[from as usize].neighbors = self.links.len() as u32 - 1;
    }

    fn pop_low(&mut self, id: u32) -> Option<u32> {
        let node = &mut self.nodes[id as usize];
        if node.queue_head == NONE {
            return None;
        }
        let (low, next) = self.queue[node.queue_head as usize];
        node.queue_head = next;
        if next == NONE {
            node.queue_tail = NONE;
        }
        Some(low)
    }

    fn push_low(&mut self, id: u32, low: u32) {
        let entry = self.queue.len() as u32;
        self.queue.push((low, NONE));
        let node = &mut self.nodes[id as usize];
        if node.queue_tail == NONE {
            node.queue_head = entry;
        } else {
            self.queue[node.queue_tail as usize].1 = entry;
        }
        node.queue_tail = entry;
    }

    fn memory(&self) -> usize {
        self.configs.len() * 12
            + self.nodes.len() * std::mem::size_of::<Node>()
            + self.lows.len() * 16
            + self.queue.len() * 8
    }

    /// Grows the constraint tree of `id` below low-level node `low` by the next agent's
    /// choices.
    fn expand_constraints(&mut self, id: u32, low: u32) {
        let depth = self.lows[low as usize].depth as usize;
        if depth >= self.k {
            return;
        }
        let i = self.orders[id as usize * self.k + depth];
        let v = self.configs[id as usize * self.k + i as usize];
        let instance = self.instance;
        let graph = instance.graph();
        let mut choices: Vec<Vertex> = std::iter::once(v)
            .chain(graph.successors(v).iter().copied())
            .filter(|&u| u == v || self.dist.distance(i as usize, u) != UNREACHABLE)
            .collect();
        choices.shuffle(&mut self.rng);
        for u in choices {
            self.lows.push(Low {
                parent: low,
                agent: i,
                vertex: u,
                depth: depth as u32 + 1,
            });
            let l = self.lows.len() as u32 - 1;
            self.push_low(id, l);
        }
    }

    /// Dijkstra-style update of costs below `from` after linking it to `to`.
    fn rewire(&mut self, from: u32, to: u32, goal: u32, open: &mut Vec<u32>, deadline: Instant) {
        self.link(from, to);
        let mut queue = VecDeque::from([from]);
        let mut steps = 0u32;
        while let Some(a) = queue.pop_front() {
            // Stopping early only leaves some costs too high (never a wrong plan).
            steps = steps.wrapping_add(1);
            if steps.is_multiple_of(256) && Instant::now() >= deadline {
                return;
            }
            let mut l = self.nodes[a as usize].neighbors;
            while l != NONE {
                let (b, next) = self.links[l as usize];
                l = next;
                let g = self.nodes[a as usize].g + self.edge_cost(self.config(a), self.config(b));
                if g < self.nodes[b as usize].g {
                    let node = &mut self.nodes[b as usize];
                    node.g = g;
                    node.parent = a;
                    queue.push_back(b);
                    if goal != NONE && g + node.h < self.nodes[goal as usize].g {
                        open.push(b);
                    }
                }
            }
        }
    }

    fn plan_to(&self, goal: u32) -> Plan {
        let mut configs = Vec::new();
        let mut id = goal;
        while id != NONE {
            configs.push(self.config(id).to_vec());
            id = self.nodes[id as usize].parent;
        }
        configs.reverse();
        Plan::from_configs(configs)
    }
}

impl Solver for LaCam {
    fn name(&self) -> &'static str {
        "lacam"
    }

    fn solve(
        &mut self,
        instance: &Instance,
        deadline: Instant,
        seed: u64,
    ) -> Result<Outcome, PlanError> {
        let started = Instant::now();
        if !(0.0..=1.0).contains(&self.options.restart_rate) {
            return Err(PlanError::InvalidParameter {
                name: "restart_rate",
                reason: format!("{} is not a probability", self.options.restart_rate),
            });
        }
        let k = instance.agents();
        let mut stats = Stats::default();
        let mut dist = DistanceTable::new(instance);
        // With many agents the first searches dominate set-up: run them on every core.
        let threads = if k >= 256 {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
        } else {
            1
        };
        if dist
            .distances_from(instance.starts(), threads)
            .contains(&UNREACHABLE)
        {
            stats.elapsed = started.elapsed();
            return Ok(Outcome::Unsolvable(stats));
        }
        let mut pibt = Pibt::new(instance, seed);
        pibt.set_swap(self.options.swap);
        if let Some(margin) = self.options.space_utilisation {
            let now = Instant::now();
            let until = now
                + (deadline.saturating_duration_since(now) / 2)
                    .min(self.options.space_utilisation_budget);
            let scatter = Scatter::compute(instance, &mut dist, margin, until, seed);
            pibt.set_scatter(Some(Arc::new(scatter)));
        }
        let mut search = Search {
            instance,
            k,
            dist,
            pibt,
            rng: ChaCha8Rng::seed_from_u64(seed.wrapping_add(0x9e37_79b9_7f4a_7c15)),
            nodes: Vec::new(),
            configs: Vec::new(),
            priorities: Vec::new(),
            orders: Vec::new(),
            index: HashIndex::default(),
            lows: vec![Low {
                parent: NONE,
                agent: NONE,
                vertex: NONE,
                depth: 0,
            }],
            queue: Vec::new(),
            links: Vec::new(),
        };
        let options = self.options.clone();
        let stop = AtomicBool::new(false);
        let (goal, exhausted, hit_deadline, refined) = std::thread::scope(|scope| {
            let mut refiner = None;
            let (goal, exhausted, hit_deadline) = run_search(
                &mut search,
                &options,
                deadline,
                started,
                &mut stats,
                |paths| {
                    if options.anytime && options.refine && k > 1 {
                        let stop = &stop;
                        refiner = Some(scope.spawn(move || {
                            refine(instance, paths, deadline, seed, stop, u64::MAX)
                        }));
                    }
                },
            );
            // A proof of optimality ends the refinement; otherwise it runs to the deadline.
            if exhausted {
                stop.store(true, Ordering::Relaxed);
            }
            let refined = refiner.and_then(|h| h.join().ok());
            (goal, exhausted, hit_deadline, refined)
        });
        stats.hit_deadline = hit_deadline;
        if goal == NONE {
            stats.elapsed = started.elapsed();
            return Ok(if exhausted {
                Outcome::Unsolvable(stats)
            } else {
                Outcome::NotFound(stats)
            });
        }
        stats.optimal = exhausted;
        let plan = search.plan_to(goal);
        drop(search);
        if let Some((paths, _)) = refined {
            let lacam_cost = sum_of_costs(&paths_of(plan.configs(), instance.goals()));
            if !exhausted && sum_of_costs(&paths) < lacam_cost {
                return deliver(
                    self.name(),
                    instance,
                    Plan::from_paths(&paths),
                    stats,
                    started,
                );
            }
        }
        deliver(self.name(), instance, plan, stats, started)
    }
}

/// The LaCAM* loop. Calls `on_first` with the first solution's paths. Returns the goal node
/// (`NONE` if none), whether the search space was exhausted, and whether the deadline hit.
fn run_search(
    search: &mut Search<'_>,
    options: &LaCamOptions,
    deadline: Instant,
    started: Instant,
    stats: &mut Stats,
    mut on_first: impl FnMut(Vec<Vec<Vertex>>),
) -> (u32, bool, bool) {
    let k = search.k;
    let instance = search.instance;
    let starts = instance.starts().to_vec();
    let goals = instance.goals();
    let root = search.insert(&starts, hash_config(&starts), NONE, 0);
    let mut open = vec![root];
    let mut goal = NONE;
    let mut next = vec![NONE; k];
    let mut candidate = vec![NONE; k];
    let mut constraints: Vec<(u32, Vertex)> = Vec::new();
    let mut from = vec![NONE; k];
    let mut order = vec![0; k];
    while let Some(&top) = open.last() {
        if Instant::now() >= deadline {
            return (goal, false, true);
        }
        if goal != NONE && search.memory() > options.memory_limit {
            // Too big to go on: keep the plan, let refinement use the time left.
            return (goal, false, false);
        }
        stats.expanded += 1;
        let node = &search.nodes[top as usize];
        if node.queue_head == NONE {
            open.pop();
            continue;
        }
        if goal != NONE && node.g + node.h >= search.nodes[goal as usize].g {
            open.pop();
            continue;
        }
        if goal == NONE && search.config(top) == goals {
            goal = top;
            stats.first_solution = Some(started.elapsed());
            stats.first_cost = Some(search.nodes[top as usize].g);
            if !options.anytime {
                return (goal, false, false);
            }
            on_first(paths_of(search.plan_to(goal).configs(), goals));
            continue;
        }
        let Some(low) = search.pop_low(top) else {
            continue;
        };
        search.expand_constraints(top, low);
        constraints.clear();
        let mut l = low;
        while l != 0 {
            let c = search.lows[l as usize];
            constraints.push((c.agent, c.vertex));
            l = c.parent;
        }
        let base = top as usize * k;
        from.copy_from_slice(&search.configs[base..base + k]);
        order.copy_from_slice(&search.orders[base..base + k]);
        let mut best = u64::MAX;
        for _ in 0..options.pibt_runs.max(1) {
            candidate.fill(NONE);
            for &(i, v) in &constraints {
                candidate[i as usize] = v;
            }
            if !search
                .pibt
                .generate(&mut search.dist, &from, &mut candidate, &order)
            {
                continue;
            }
            let f = if options.pibt_runs > 1 {
                search.edge_cost(&from, &candidate) + search.heuristic(&candidate)
            } else {
                0
            };
            if f < best {
                best = f;
                std::mem::swap(&mut next, &mut candidate);
            }
        }
        if best == u64::MAX {
            continue;
        }
        let hash = hash_config(&next);
        if let Some(known) = search.find(&next, hash) {
            search.rewire(top, known, goal, &mut open, deadline);
            let restart = search.rng.next_u32() as f64 / f64::from(u32::MAX) < options.restart_rate;
            let again = if restart { root } else { known };
            let n = &search.nodes[again as usize];
            if goal == NONE || n.g + n.h < search.nodes[goal as usize].g {
                open.push(again);
            }
        } else {
            let g = search.nodes[top as usize].g + search.edge_cost(&from, &next);
            let id = search.insert(&next, hash, top, g);
            stats.generated += 1;
            let n = &search.nodes[id as usize];
            if goal == NONE || n.g + n.h < search.nodes[goal as usize].g {
                open.push(id);
            }
        }
    }
    (goal, true, false)
}
