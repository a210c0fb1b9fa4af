//! Conflict-based search and its bounded-suboptimal variant ([`Cbs`]).

use std::collections::{HashMap, HashSet};
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
/// Not implemented from EECBS: the explicit-estimation (online-corrected) high-level
/// heuristic and the low-level SIPP; the high level here is ECBS-style focal search.
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
    vertex: HashSet<(Vertex, u32)>,
    edge: HashSet<(Vertex, Vertex, u32)>,
    last: HashMap<Vertex, u32>,
    /// Vertices forbidden from a time on.
    from: HashMap<Vertex, u32>,
    /// Goals where the agent may come to rest only after a time.
    arrive_after: HashMap<Vertex, u32>,
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
        self.vertex.contains(&(v, t)) || self.from.get(&v).is_some_and(|&f| t >= f)
    }
    fn edge_blocked(&self, from: Vertex, to: Vertex, t: u32) -> bool {
        self.edge.contains(&(from, to, t))
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

/// The other agents' paths, counted as soft conflicts by the focal low level.
struct OtherPaths {
    at: HashMap<(Vertex, u32), u32>,
    moves: HashMap<(Vertex, Vertex, u32), u32>,
    parked: HashMap<Vertex, u32>,
}

impl OtherPaths {
    fn new(paths: &[Arc<Vec<Vertex>>], except: usize) -> OtherPaths {
        let mut o = OtherPaths {
            at: HashMap::new(),
            moves: HashMap::new(),
            parked: HashMap::new(),
        };
        for (i, p) in paths.iter().enumerate() {
            if i == except || p.is_empty() {
                continue;
            }
            for (t, &v) in p.iter().enumerate() {
                *o.at.entry((v, t as u32)).or_default() += 1;
            }
            for (t, w) in p.windows(2).enumerate() {
                if w[0] != w[1] {
                    *o.moves.entry((w[0], w[1], t as u32 + 1)).or_default() += 1;
                }
            }
            if let Some(&last) = p.last() {
                o.parked.insert(last, p.len() as u32);
            }
        }
        o
    }
}

impl SoftConflicts for OtherPaths {
    fn conflicts(&self, from: Vertex, to: Vertex, t: u32) -> u32 {
        let mut c = self.at.get(&(to, t)).copied().unwrap_or(0);
        if self.parked.get(&to).is_some_and(|&from_t| t >= from_t) {
            c += 1;
        }
        if from != to {
            c += self.moves.get(&(to, from, t)).copied().unwrap_or(0);
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

/// All conflicts of a set of paths, in timestep order.
fn conflicts(paths: &[Arc<Vec<Vertex>>]) -> Vec<Conflict> {
    let horizon = paths.iter().map(|p| p.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    let mut here: HashMap<Vertex, usize> = HashMap::new();
    for t in 0..horizon {
        here.clear();
        for (a, p) in paths.iter().enumerate() {
            let v = position(p, t);
            if let Some(&b) = here.get(&v) {
                out.push(Conflict::Vertex {
                    a: b,
                    b: a,
                    v,
                    t: t as u32,
                });
            } else {
                here.insert(v, a);
            }
        }
        if t == 0 {
            continue;
        }
        for (a, p) in paths.iter().enumerate() {
            let (u, v) = (position(p, t - 1), position(p, t));
            if u == v {
                continue;
            }
            // The agent now on u came from v?
            if let Some(&b) = here.get(&u)
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
    let mut levels: Vec<HashSet<Vertex>> = vec![HashSet::from([start])];
    for t in 1..=c {
        let mut next = HashSet::new();
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
    let mut keep: HashSet<Vertex> = HashSet::from([goal]);
    out[c] = vec![goal];
    for t in (0..c).rev() {
        let mut k = HashSet::new();
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
    /// Plans `agent` under `constraints`, counting conflicts with `paths` when focal.
    fn low_level(
        &self,
        agent: usize,
        constraints: &[(usize, Constraint)],
        paths: &[Arc<Vec<Vertex>>],
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
        let others = OtherPaths::new(paths, agent);
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
        node.conflicts = conflicts(&node.paths).len() as u64;
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
        for i in 0..k {
            match search.low_level(i, &[], &root.paths) {
                Low::Path(p, l) => {
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
            let all = conflicts(&node.paths);
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
            for (agent, constraint) in branches {
                let mut constraints = node.constraints.clone();
                constraints.push((agent, constraint));
                match search.low_level(agent, &constraints, &node.paths) {
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
                        if self.options.bypass
                            && child.cost == node.cost
                            && child.lb <= node.lb
                            && child.conflicts < node.conflicts
                        {
                            // Bypass: the parent takes the path, no split.
                            node.paths = child.paths;
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
