//! Conflict-based search and its bounded-suboptimal variant ([`Cbs`]).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::time::Instant;

use crate::distance::{DistanceTable, UNREACHABLE};
use crate::error::PlanError;
use crate::graph::{Digraph, Vertex};
use crate::instance::Instance;
use crate::plan::Plan;
use crate::single_agent::{NoPath, SoftConflicts, SpaceTimeObstacles, focal_search};
use crate::solver::{Outcome, Solver, Stats, deliver};

/// Options of [`Cbs`].
#[derive(Debug, Clone, PartialEq)]
pub struct CbsOptions {
    /// Suboptimality bound `w ≥ 1`: 1 is optimal CBS, above 1 bounded-suboptimal focal
    /// search.
    pub suboptimality: f64,
    /// Split on cardinal conflicts first, then semi-cardinal (only with `w = 1`).
    pub prioritize_conflicts: bool,
    /// Adopt a child's path when it costs the same and has fewer conflicts.
    pub bypass: bool,
    /// Target reasoning: when an agent runs into another resting at its goal, split on
    /// "the resting one arrives later" versus "the other never enters that goal again".
    pub target_reasoning: bool,
    /// Give up (as [`Outcome::NotFound`]) after expanding this many high-level nodes:
    /// a bound on effort that does not depend on the machine's speed.
    pub max_nodes: Option<u64>,
}

impl Default for CbsOptions {
    fn default() -> Self {
        CbsOptions {
            suboptimality: 1.0,
            prioritize_conflicts: true,
            bypass: true,
            target_reasoning: true,
            max_nodes: None,
        }
    }
}

/// Conflict-based search (Sharon et al., AIJ 2015) with the standard improvements —
/// conflicts prioritised cardinal first (from multi-valued decision diagrams) and bypassing
/// — and, with a suboptimality weight `w > 1`, a bounded-suboptimal focal search in the
/// EECBS family (Li, Ruml & Koenig, AAAI-21): focal search at both levels, preferring
/// plans and paths with fewer conflicts among those within `w` of the lower bound.
///
/// # Guarantees
/// - `w = 1`: the plan returned has minimal sum-of-costs.
/// - `w > 1`: sum-of-costs at most `w` times the minimum.
/// - Complete for solvable instances given time; an instance whose constraint tree runs out
///   is proven unsolvable, but on most unsolvable instances CBS runs until the deadline.
///   CBS is meant for small fleets where cost matters; use LaCAM* for large ones.
///
/// As in EECBS, the focal high level minimises the number of conflicting pairs of agents,
/// a bounded child whose plan has fewer of them is adopted by its parent (bypass) when it
/// stays within the focal bound and its new path within `w` of the agent's lower bound in
/// the parent, and the focal low level counts the conflicts of resting at the goal.
/// Not implemented from EECBS: the explicit-estimation (online-corrected) high-level
/// heuristic, the admissible WDG heuristic, rectangle and corridor reasoning, conflict
/// prioritisation with `w > 1` (the earliest conflict is split) and the low-level SIPP;
/// the high level here is ECBS-style focal search.
#[derive(Debug, Clone, Default)]
pub struct Cbs {
    /// Its options.
    pub options: CbsOptions,
}

impl Cbs {
    /// Optimal CBS with the standard improvements.
    pub fn optimal() -> Cbs {
        Cbs::default()
    }
    /// Bounded-suboptimal search with weight `w` (sum-of-costs at most `w` × optimal).
    pub fn bounded(w: f64) -> Cbs {
        Cbs {
            options: CbsOptions {
                suboptimality: w,
                ..CbsOptions::default()
            },
        }
    }
}

/// A fast, non-keyed hasher for the small integer keys of the search (vertices, times):
/// the multiply-rotate mix of rustc's FxHasher.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
type FxSet<K> = HashSet<K, BuildHasherDefault<Fx>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Constraint {
    /// Not on `v` at `t`.
    Vertex(Vertex, u32),
    /// Not moving `from → to` arriving at `t`.
    Edge(Vertex, Vertex, u32),
    /// Never on `v` at `t` or later (target reasoning: `v` is another agent's goal, where
    /// that agent rests from `t` on).
    VertexFrom(Vertex, u32),
    /// The agent's last arrival at its goal `v` comes after `t` (it may still pass `v`
    /// at `t`).
    ArriveAfter(Vertex, u32),
}

#[derive(Debug, Clone, Copy)]
enum Conflict {
    Vertex {
        a: usize,
        b: usize,
        v: Vertex,
        t: u32,
    },
    Edge {
        a: usize,
        b: usize,
        u: Vertex,
        v: Vertex,
        t: u32,
    },
}

/// One agent's constraints as obstacles.
#[derive(Default)]
struct AgentConstraints {
    vertex: FxSet<(Vertex, u32)>,
    edge: FxSet<(Vertex, Vertex, u32)>,
    last: FxMap<Vertex, u32>,
    /// Vertices forbidden from a time on.
    from: FxMap<Vertex, u32>,
    /// Goals where the agent may come to rest only after a time.
    arrive_after: FxMap<Vertex, u32>,
    horizon: u32,
}

impl AgentConstraints {
    fn of(constraints: &[(usize, Constraint)], agent: usize) -> AgentConstraints {
        let mut c = AgentConstraints::default();
        for &(a, con) in constraints {
            if a != agent {
                continue;
            }
            match con {
                Constraint::Vertex(v, t) => {
                    c.vertex.insert((v, t));
                    let l = c.last.entry(v).or_insert(t);
                    *l = (*l).max(t);
                    c.horizon = c.horizon.max(t);
                }
                Constraint::Edge(u, v, t) => {
                    c.edge.insert((u, v, t));
                    c.horizon = c.horizon.max(t);
                }
                Constraint::VertexFrom(v, t) => {
                    let f = c.from.entry(v).or_insert(t);
                    *f = (*f).min(t);
                    c.horizon = c.horizon.max(t);
                }
                Constraint::ArriveAfter(v, t) => {
                    let l = c.arrive_after.entry(v).or_insert(t);
                    *l = (*l).max(t);
                    c.horizon = c.horizon.max(t);
                }
            }
        }
        c
    }
}

impl SpaceTimeObstacles for AgentConstraints {
    fn vertex_blocked(&self, v: Vertex, t: u32) -> bool {
        (!self.vertex.is_empty() && self.vertex.contains(&(v, t)))
            || (!self.from.is_empty() && self.from.get(&v).is_some_and(|&f| t >= f))
    }
    fn edge_blocked(&self, from: Vertex, to: Vertex, t: u32) -> bool {
        !self.edge.is_empty() && self.edge.contains(&(from, to, t))
    }
    fn last_blocked(&self, v: Vertex) -> Option<u32> {
        if self.from.contains_key(&v) {
            return Some(u32::MAX);
        }
        // An arrival constraint counts as blocked for resting, not for passing.
        match (
            self.last.get(&v).copied(),
            self.arrive_after.get(&v).copied(),
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
    fn horizon(&self) -> u32 {
        self.horizon
    }
}

/// The agents' paths as a conflict-avoidance table, counted as soft conflicts by the
/// focal low level. Built once per high-level expansion (or incrementally at the root)
/// and queried for one agent at a time, its own path left out.
#[derive(Default)]
struct Cat<'g> {
    /// Which vertices are some agent's goal.
    is_goal: &'g [bool],
    /// Per goal vertex: the agents on it, with the times.
    visits: FxMap<Vertex, Vec<(usize, u32)>>,
    /// Agents on `v` at `t`.
    at: FxMap<(Vertex, u32), u32>,
    /// Agents moving `from → to` arriving at `t`.
    moves: FxMap<(Vertex, Vertex, u32), u32>,
    /// Per vertex: the agents whose paths end there, with their path lengths, in the
    /// order added.
    parked: FxMap<Vertex, Vec<(usize, u32)>>,
}

impl<'g> Cat<'g> {
    fn new(is_goal: &'g [bool]) -> Cat<'g> {
        Cat {
            is_goal,
            ..Cat::default()
        }
    }

    fn of(paths: &[Arc<Vec<Vertex>>], is_goal: &'g [bool]) -> Cat<'g> {
        let mut cat = Cat::new(is_goal);
        let size: usize = paths.iter().map(|p| p.len()).sum();
        cat.at.reserve(size);
        cat.moves.reserve(size);
        for (i, p) in paths.iter().enumerate() {
            cat.add(i, p);
        }
        cat
    }

    fn add(&mut self, agent: usize, p: &[Vertex]) {
        if p.is_empty() {
            return;
        }
        for (t, &v) in p.iter().enumerate() {
            *self.at.entry((v, t as u32)).or_default() += 1;
            if self.is_goal.get(v as usize) == Some(&true) {
                self.visits.entry(v).or_default().push((agent, t as u32));
            }
        }
        for (t, w) in p.windows(2).enumerate() {
            if w[0] != w[1] {
                *self.moves.entry((w[0], w[1], t as u32 + 1)).or_default() += 1;
            }
        }
        if let Some(&last) = p.last() {
            self.parked
                .entry(last)
                .or_default()
                .push((agent, p.len() as u32));
        }
    }

    /// The table as seen by `agent`, whose own path is `own`.
    fn except<'a>(&'a self, agent: usize, own: &'a [Vertex]) -> OtherPaths<'a, 'g> {
        OtherPaths {
            cat: self,
            agent,
            own,
        }
    }
}

/// A [`Cat`] without one agent's path: the other agents' paths.
struct OtherPaths<'a, 'g> {
    cat: &'a Cat<'g>,
    agent: usize,
    own: &'a [Vertex],
}

impl SoftConflicts for OtherPaths<'_, '_> {
    fn future(&self, v: Vertex, t: u32) -> u32 {
        self.cat.visits.get(&v).map_or(0, |list| {
            list.iter()
                .filter(|&&(a, at)| a != self.agent && at > t)
                .count() as u32
        })
    }

    fn conflicts(&self, from: Vertex, to: Vertex, t: u32) -> u32 {
        let own_at = |v: Vertex, t: u32| self.own.get(t as usize) == Some(&v);
        let mut c = self.cat.at.get(&(to, t)).copied().unwrap_or(0) - u32::from(own_at(to, t));
        // The last other agent (by index) whose path ends on `to` rests there.
        if let Some(list) = self.cat.parked.get(&to)
            && let Some(&(_, from_t)) = list.iter().rev().find(|&&(a, _)| a != self.agent)
            && t >= from_t
        {
            c += 1;
        }
        if from != to {
            let own_move = t >= 1 && own_at(to, t - 1) && own_at(from, t);
            c += self.cat.moves.get(&(to, from, t)).copied().unwrap_or(0) - u32::from(own_move);
        }
        c
    }
}

#[derive(Debug, Clone)]
struct Node {
    constraints: Vec<(usize, Constraint)>,
    paths: Vec<Arc<Vec<Vertex>>>,
    /// Per agent: the optimal cost under its constraints (a lower bound of its path).
    lower: Vec<u32>,
    cost: u64,
    lb: u64,
    conflicts: u64,
}

fn position(path: &[Vertex], t: usize) -> Vertex {
    path.get(t).or(path.last()).copied().unwrap_or(u32::MAX)
}

/// All conflicts of a set of paths on a graph of `n` vertices, in timestep order.
fn conflicts(paths: &[Arc<Vec<Vertex>>], n: usize) -> Vec<Conflict> {
    let horizon = paths.iter().map(|p| p.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    // Per vertex: (timestep + 1, first agent there at that timestep); 0 = nobody.
    let mut stamp: Vec<(u32, u32)> = vec![(0, 0); n];
    for t in 0..horizon {
        let now = t as u32 + 1;
        for (a, p) in paths.iter().enumerate() {
            let v = position(p, t);
            let Some(slot) = stamp.get_mut(v as usize) else {
                continue;
            };
            if slot.0 == now {
                out.push(Conflict::Vertex {
                    a: slot.1 as usize,
                    b: a,
                    v,
                    t: t as u32,
                });
            } else {
                *slot = (now, a as u32);
            }
        }
        let here = |v: Vertex| {
            stamp
                .get(v as usize)
                .and_then(|&(s, b)| (s == now).then_some(b as usize))
        };
        if t == 0 {
            continue;
        }
        for (a, p) in paths.iter().enumerate() {
            let (u, v) = (position(p, t - 1), position(p, t));
            if u == v {
                continue;
            }
            // The agent now on u came from v?
            if let Some(b) = here(u)
                && b != a
                && position(&paths[b], t - 1) == v
                && a < b
            {
                out.push(Conflict::Edge {
                    a,
                    b,
                    u,
                    v,
                    t: t as u32,
                });
            }
        }
    }
    out
}

/// The number of distinct pairs of agents in conflict (EECBS's distance-to-go): what the
/// focal high level minimises.
fn conflicting_pairs(all: &[Conflict]) -> u64 {
    let pairs: FxSet<(usize, usize)> = all
        .iter()
        .map(|c| match *c {
            Conflict::Vertex { a, b, .. } | Conflict::Edge { a, b, .. } => (a.min(b), a.max(b)),
        })
        .collect();
    pairs.len() as u64
}

/// The vertices of agent `agent`'s optimal paths, per timestep (multi-valued decision
/// diagram), under its constraints, for a path cost `cost`.
fn mdd(
    graph: &Digraph,
    h: &[u32],
    start: Vertex,
    goal: Vertex,
    cost: u32,
    obstacles: &AgentConstraints,
) -> Vec<Vec<Vertex>> {
    let c = cost as usize;
    let mut levels: Vec<FxSet<Vertex>> = vec![FxSet::from_iter([start])];
    for t in 1..=c {
        let mut next = FxSet::default();
        for &v in &levels[t - 1] {
            for &u in graph.successors(v).iter().chain(std::iter::once(&v)) {
                let hu = h[u as usize];
                if hu == UNREACHABLE || t as u32 + hu > cost {
                    continue;
                }
                if obstacles.vertex_blocked(u, t as u32)
                    || (u != v && obstacles.edge_blocked(v, u, t as u32))
                {
                    continue;
                }
                next.insert(u);
            }
        }
        levels.push(next);
    }
    // Backwards: keep what leads to the goal at `cost`.
    let mut out = vec![Vec::new(); c + 1];
    let mut keep: FxSet<Vertex> = FxSet::from_iter([goal]);
    out[c] = vec![goal];
    for t in (0..c).rev() {
        let mut k = FxSet::default();
        for &v in &levels[t] {
            let leads = graph
                .successors(v)
                .iter()
                .chain(std::iter::once(&v))
                .any(|u| {
                    keep.contains(u)
                        && !obstacles.vertex_blocked(*u, t as u32 + 1)
                        && (*u == v || !obstacles.edge_blocked(v, *u, t as u32 + 1))
                });
            if leads {
                k.insert(v);
            }
        }
        let mut level: Vec<Vertex> = k.iter().copied().collect();
        level.sort_unstable();
        out[t] = level;
        keep = k;
    }
    out
}

struct Search<'a> {
    instance: &'a Instance,
    tables: Vec<Vec<u32>>,
    w: f64,
    deadline: Instant,
    stats: Stats,
}

enum Low {
    Path(Vec<Vertex>, u32),
    None,
    Deadline,
}

impl Search<'_> {
    /// Plans `agent` under `constraints`, counting conflicts with the other agents' paths
    /// in `cat` when focal (`own`: the agent's path in `cat`, if any).
    fn low_level(
        &self,
        agent: usize,
        constraints: &[(usize, Constraint)],
        cat: &Cat,
        own: &[Vertex],
    ) -> Low {
        let graph = self.instance.graph();
        let obstacles = AgentConstraints::of(constraints, agent);
        let (s, g) = (self.instance.starts()[agent], self.instance.goals()[agent]);
        let h = &self.tables[agent];
        let optimal = match focal_search(graph, h, s, g, &obstacles, None, None, self.deadline) {
            Ok((p, _)) => p,
            Err(NoPath::Blocked) => return Low::None,
            Err(NoPath::Deadline) => return Low::Deadline,
        };
        let lower = (optimal.len() - 1) as u32;
        if self.w <= 1.0 {
            return Low::Path(optimal, lower);
        }
        let bound = (f64::from(lower) * self.w).floor() as u32;
        let others = cat.except(agent, own);
        // An optimal path without conflicts is as good as focal search can do.
        let free = optimal
            .windows(2)
            .enumerate()
            .all(|(t, w)| others.conflicts(w[0], w[1], t as u32 + 1) == 0)
            && others.future(g, lower) == 0;
        if free {
            return Low::Path(optimal, lower);
        }
        match focal_search(
            graph,
            h,
            s,
            g,
            &obstacles,
            Some(bound),
            Some(&others),
            self.deadline,
        ) {
            Ok((p, _)) => Low::Path(p, lower),
            Err(NoPath::Blocked) => Low::Path(optimal, lower),
            Err(NoPath::Deadline) => Low::Deadline,
        }
    }

    fn finish_node(&self, node: &mut Node) {
        node.cost = node.paths.iter().map(|p| (p.len() - 1) as u64).sum();
        node.lb = node.lower.iter().map(|&l| u64::from(l)).sum();
        node.conflicts = conflicting_pairs(&conflicts(
            &node.paths,
            self.instance.graph().vertex_count(),
        ));
    }

    /// Picks the conflict to split on: cardinal, then semi-cardinal, then the earliest.
    fn choose(&self, node: &Node, all: &[Conflict], prioritize: bool) -> Conflict {
        if !prioritize || self.w > 1.0 || all.len() == 1 {
            return all[0];
        }
        let graph = self.instance.graph();
        let mut mdds: HashMap<usize, Vec<Vec<Vertex>>> = HashMap::new();
        let mut best = (0u8, all[0]);
        for &c in all.iter().take(64) {
            let (a, b) = match c {
                Conflict::Vertex { a, b, .. } | Conflict::Edge { a, b, .. } => (a, b),
            };
            let mut score = 0u8;
            for agent in [a, b] {
                let cost = (node.paths[agent].len() - 1) as u32;
                let m = mdds.entry(agent).or_insert_with(|| {
                    let obstacles = AgentConstraints::of(&node.constraints, agent);
                    mdd(
                        graph,
                        &self.tables[agent],
                        self.instance.starts()[agent],
                        self.instance.goals()[agent],
                        cost,
                        &obstacles,
                    )
                });
                let narrow = |t: u32, v: Vertex| {
                    // Past the end the agent rests at its goal: any constraint there costs.
                    m.get(t as usize).is_none_or(|l| l.len() == 1 && l[0] == v)
                };
                let cardinal = match c {
                    Conflict::Vertex { v, t, .. } => narrow(t, v),
                    Conflict::Edge { u, v, t, .. } => {
                        let (from, to) = if agent == a { (u, v) } else { (v, u) };
                        narrow(t - 1, from) && narrow(t, to)
                    }
                };
                score += u8::from(cardinal);
            }
            if score > best.0 {
                best = (score, c);
                if score == 2 {
                    break;
                }
            }
        }
        best.1
    }
}

impl Solver for Cbs {
    fn name(&self) -> &'static str {
        if self.options.suboptimality > 1.0 {
            "eecbs"
        } else {
            "cbs"
        }
    }

    fn solve(
        &mut self,
        instance: &Instance,
        deadline: Instant,
        _seed: u64,
    ) -> Result<Outcome, PlanError> {
        let started = Instant::now();
        let w = self.options.suboptimality;
        if !(w.is_finite() && w >= 1.0) {
            return Err(PlanError::InvalidParameter {
                name: "suboptimality",
                reason: format!("w = {w}; it must be a finite number of at least 1"),
            });
        }
        let k = instance.agents();
        let mut dist = DistanceTable::new(instance);
        let mut stats = Stats::default();
        for (i, &s) in instance.starts().iter().enumerate() {
            if dist.distance(i, s) == UNREACHABLE {
                stats.elapsed = started.elapsed();
                return Ok(Outcome::Unsolvable(stats));
            }
        }
        let tables = (0..k).map(|i| dist.full(i)).collect();
        let mut search = Search {
            instance,
            tables,
            w,
            deadline,
            stats,
        };
        let not_found = |mut stats: Stats, hit: bool| {
            stats.hit_deadline = hit;
            stats.elapsed = started.elapsed();
            Ok(Outcome::NotFound(stats))
        };
        // Root: agents planned one by one (focal: counting conflicts with those before).
        let mut root = Node {
            constraints: Vec::new(),
            paths: (0..k).map(|_| Arc::new(Vec::new())).collect(),
            lower: vec![0; k],
            cost: 0,
            lb: 0,
            conflicts: 0,
        };
        let mut is_goal = vec![false; instance.graph().vertex_count()];
        for &g in instance.goals() {
            is_goal[g as usize] = true;
        }
        let mut cat = Cat::new(&is_goal);
        for i in 0..k {
            match search.low_level(i, &[], &cat, &[]) {
                Low::Path(p, l) => {
                    if w > 1.0 {
                        cat.add(i, &p);
                    }
                    root.paths[i] = Arc::new(p);
                    root.lower[i] = l;
                }
                Low::None => {
                    search.stats.elapsed = started.elapsed();
                    return Ok(Outcome::Unsolvable(search.stats));
                }
                Low::Deadline => return not_found(search.stats, true),
            }
        }
        search.finish_node(&mut root);
        let mut open: Vec<Node> = vec![root];
        search.stats.generated = 1;
        while !open.is_empty() {
            if Instant::now() >= deadline {
                return not_found(search.stats, true);
            }
            if self
                .options
                .max_nodes
                .is_some_and(|m| search.stats.expanded >= m)
            {
                return not_found(search.stats, false);
            }
            // Focal selection: among nodes within w of the lowest bound, fewest conflicts.
            let lb_min = open.iter().map(|n| n.lb).min().unwrap_or(0);
            let limit = (lb_min as f64 * w).floor() as u64;
            let pick = open
                .iter()
                .enumerate()
                .filter(|(_, n)| n.cost <= limit.max(lb_min))
                .min_by_key(|(_, n)| (n.conflicts, n.cost, n.constraints.len()))
                .or_else(|| {
                    open.iter()
                        .enumerate()
                        .min_by_key(|(_, n)| (n.cost, n.conflicts))
                })
                .map_or(0, |(i, _)| i);
            let mut node = open.swap_remove(pick);
            search.stats.expanded += 1;
            let all = conflicts(&node.paths, instance.graph().vertex_count());
            if all.is_empty() {
                let plan =
                    Plan::from_paths(&node.paths.iter().map(|p| p.to_vec()).collect::<Vec<_>>());
                search.stats.first_solution = Some(started.elapsed());
                search.stats.first_cost = Some(node.cost);
                search.stats.optimal = w <= 1.0;
                return deliver(self.name(), instance, plan, search.stats, started);
            }
            let conflict = search.choose(&node, &all, self.options.prioritize_conflicts);
            let branches = match conflict {
                Conflict::Vertex { a, b, v, t } => {
                    // Target reasoning: if one agent already rests at its goal `v`, either
                    // it arrives later than `t`, or the other never enters `v` from `t` on.
                    let resting = |x: usize| {
                        self.options.target_reasoning
                            && t as usize + 1 >= node.paths[x].len()
                            && instance.goals()[x] == v
                    };
                    if resting(b) {
                        [
                            (a, Constraint::VertexFrom(v, t)),
                            (b, Constraint::ArriveAfter(v, t)),
                        ]
                    } else if resting(a) {
                        [
                            (a, Constraint::ArriveAfter(v, t)),
                            (b, Constraint::VertexFrom(v, t)),
                        ]
                    } else {
                        [(a, Constraint::Vertex(v, t)), (b, Constraint::Vertex(v, t))]
                    }
                }
                Conflict::Edge { a, b, u, v, t } => [
                    (a, Constraint::Edge(u, v, t)),
                    (b, Constraint::Edge(v, u, t)),
                ],
            };
            let mut children = Vec::with_capacity(2);
            let mut bypassed = false;
            let cat = if w > 1.0 {
                Cat::of(&node.paths, &is_goal)
            } else {
                Cat::default()
            };
            for (agent, constraint) in branches {
                let mut constraints = node.constraints.clone();
                constraints.push((agent, constraint));
                match search.low_level(agent, &constraints, &cat, &node.paths[agent]) {
                    Low::Path(p, l) => {
                        let mut child = Node {
                            constraints,
                            paths: node.paths.clone(),
                            lower: node.lower.clone(),
                            cost: 0,
                            lb: 0,
                            conflicts: 0,
                        };
                        child.paths[agent] = Arc::new(p);
                        child.lower[agent] = l;
                        search.finish_node(&mut child);
                        search.stats.generated += 1;
                        // Bypass: the parent takes the path, no split. Optimal: when it costs
                        // the same. Bounded (as EECBS): when the plan stays within the focal
                        // bound and the path within `w` of the agent's lower bound in the
                        // parent (so every node keeps cost ≤ w × its lower bound).
                        let adopt = if w > 1.0 {
                            let len = (child.paths[agent].len() - 1) as u32;
                            child.cost <= limit.max(lb_min)
                                && len <= (f64::from(node.lower[agent]) * w).floor() as u32
                        } else {
                            child.cost == node.cost && child.lb <= node.lb
                        };
                        if self.options.bypass && adopt && child.conflicts < node.conflicts {
                            node.paths = child.paths;
                            node.cost = child.cost;
                            node.conflicts = child.conflicts;
                            bypassed = true;
                            break;
                        }
                        children.push(child);
                    }
                    Low::None => {}
                    Low::Deadline => return not_found(search.stats, true),
                }
            }
            if bypassed {
                open.push(node);
            } else {
                open.extend(children);
            }
        }
        search.stats.elapsed = started.elapsed();
        Ok(Outcome::Unsolvable(search.stats))
    }
}
