//! Single-agent planning in space-time ([`SpaceTimeAStar`], [`Sipp`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

use crate::distance::UNREACHABLE;
use crate::graph::{Digraph, Vertex};

/// What an agent must avoid in space-time. Times are timesteps; a move "at `t`" arrives
/// at `t`.
pub trait SpaceTimeObstacles {
    /// Whether the agent may not be on `v` at time `t`.
    fn vertex_blocked(&self, v: Vertex, t: u32) -> bool;
    /// Whether the agent may not move `from → to` arriving at `t` (other than by
    /// [`SpaceTimeObstacles::vertex_blocked`] of `to`): a swap with another agent.
    fn edge_blocked(&self, from: Vertex, to: Vertex, t: u32) -> bool;
    /// The last time `v` is blocked: `None` if never, `Some(u32::MAX)` if blocked for good
    /// from some time on.
    fn last_blocked(&self, v: Vertex) -> Option<u32>;
    /// A time after which nothing changes (every obstacle is permanent or over).
    fn horizon(&self) -> u32;
}

/// Paths of agents already planned, reserved in space-time. An agent's last vertex stays
/// reserved from its arrival on (agents rest at their goals).
#[derive(Debug, Clone, Default)]
pub struct ReservationTable {
    /// Times at which each vertex is occupied (sorted, per vertex).
    vertex: HashMap<Vertex, Vec<u32>>,
    /// Moves `(from, to, arrival)` reserved.
    edges: HashSet<(Vertex, Vertex, u32)>,
    /// Vertices held for good from the given time.
    parked: HashMap<Vertex, u32>,
    horizon: u32,
}

impl ReservationTable {
    /// An empty table.
    pub fn new() -> ReservationTable {
        ReservationTable::default()
    }

    /// Reserves a path starting at time 0 (`path[t]` is the vertex at `t`); its last vertex
    /// is held for good from the end on.
    pub fn reserve_path(&mut self, path: &[Vertex]) {
        let Some(&last) = path.last() else {
            return;
        };
        let end = (path.len() - 1) as u32;
        for (t, &v) in path.iter().enumerate().take(path.len() - 1) {
            let times = self.vertex.entry(v).or_default();
            if let Err(pos) = times.binary_search(&(t as u32)) {
                times.insert(pos, t as u32);
            }
        }
        for (t, w) in path.windows(2).enumerate() {
            if w[0] != w[1] {
                self.edges.insert((w[0], w[1], t as u32 + 1));
            }
        }
        let from = self.parked.entry(last).or_insert(end);
        *from = (*from).min(end);
        self.horizon = self.horizon.max(end);
    }

    /// Whether `v` is reserved at `t`.
    pub fn is_reserved(&self, v: Vertex, t: u32) -> bool {
        self.parked.get(&v).is_some_and(|&from| t >= from)
            || self
                .vertex
                .get(&v)
                .is_some_and(|ts| ts.binary_search(&t).is_ok())
    }

    /// The safe intervals of `v`: maximal `[start, end]` time ranges in which it is free
    /// (`end == u32::MAX`: free for good).
    pub fn safe_intervals(&self, v: Vertex) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut start = 0u32;
        let parked = self.parked.get(&v).copied();
        let times = self.vertex.get(&v).map_or(&[][..], Vec::as_slice);
        let cutoff = parked.unwrap_or(u32::MAX);
        for &t in times.iter().filter(|&&t| t < cutoff).chain(parked.iter()) {
            if t > start {
                out.push((start, t - 1));
            }
            start = start.max(t.saturating_add(1));
        }
        if parked.is_none() {
            out.push((start, u32::MAX));
        }
        out
    }
}

impl SpaceTimeObstacles for ReservationTable {
    fn vertex_blocked(&self, v: Vertex, t: u32) -> bool {
        self.is_reserved(v, t)
    }
    fn edge_blocked(&self, from: Vertex, to: Vertex, t: u32) -> bool {
        self.edges.contains(&(to, from, t))
    }
    fn last_blocked(&self, v: Vertex) -> Option<u32> {
        if self.parked.contains_key(&v) {
            return Some(u32::MAX);
        }
        self.vertex.get(&v).and_then(|ts| ts.last().copied())
    }
    fn horizon(&self) -> u32 {
        self.horizon
    }
}

/// Why a single-agent search returned no path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPath {
    /// No path avoids the obstacles (within the horizon).
    Blocked,
    /// The deadline came first.
    Deadline,
}

/// Single-agent planning in space-time: space-time A* and safe-interval path planning
/// (SIPP, Phillips & Likhachev, ICRA 2011), against a [`ReservationTable`] of the paths of
/// agents already planned, or any other [`SpaceTimeObstacles`] (CBS passes its
/// constraints this way).
///
/// # Guarantees
/// Both planners return a shortest path (fewest timesteps until the agent rests at its goal
/// for good) among the paths that avoid the obstacles, or report that none exists within
/// the search horizon (the obstacles' horizon plus the number of vertices, past which every
/// path can be shortened). A path ends at the goal at a time after which the goal is never
/// blocked, so the agent can rest there.
///
/// Space-time A*: states are (vertex, time), moves are waits and edges, `h` is the exact
/// goal distance. Optimal (fewest timesteps) among obstacle-free paths.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpaceTimeAStar;

impl SpaceTimeAStar {
    /// A shortest path from `start` (at time 0) to `goal` avoiding `obstacles`; `goal_distance`
    /// is the agent's full goal-distance table (as from [`crate::DistanceTable::full`]).
    ///
    /// # Errors
    /// [`NoPath`] when no path exists within the horizon or the deadline passes.
    pub fn find_path(
        &self,
        graph: &Digraph,
        goal_distance: &[u32],
        start: Vertex,
        goal: Vertex,
        obstacles: &impl SpaceTimeObstacles,
        deadline: Instant,
    ) -> Result<Vec<Vertex>, NoPath> {
        focal_search(
            graph,
            goal_distance,
            start,
            goal,
            obstacles,
            None,
            None,
            deadline,
        )
        .map(|(path, _)| path)
    }
}

/// A fast multiplicative hasher for packed (vertex, time) states.
#[derive(Default)]
struct StateHasher(u64);

impl Hasher for StateHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 32;
    }
}

/// Soft obstacles counted (not avoided) by the focal low level of bounded-suboptimal CBS.
pub(crate) trait SoftConflicts {
    /// Conflicts of the move `from → to` arriving at `t`.
    fn conflicts(&self, from: Vertex, to: Vertex, t: u32) -> u32;
    /// Conflicts of resting on the goal `v` after arriving at `t`: the other agents on
    /// `v` later than `t`.
    fn future(&self, _v: Vertex, _t: u32) -> u32 {
        0
    }
}

/// Best-first search over (vertex, time) for paths of at most `bound` timesteps (when
/// given). Without `soft`, it is A* (key `f`). With soft conflicts, it returns one with the
/// fewest of them (key: conflicts, then `f`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn focal_search(
    graph: &Digraph,
    goal_distance: &[u32],
    start: Vertex,
    goal: Vertex,
    obstacles: &impl SpaceTimeObstacles,
    bound: Option<u32>,
    soft: Option<&dyn SoftConflicts>,
    deadline: Instant,
) -> Result<(Vec<Vertex>, u32), NoPath> {
    search_within(
        graph,
        goal_distance,
        start,
        goal,
        obstacles,
        bound,
        soft,
        deadline,
        u32::MAX,
    )
}

/// As [`focal_search`], giving up (as [`NoPath::Deadline`]) after `max_expansions`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn search_within(
    graph: &Digraph,
    goal_distance: &[u32],
    start: Vertex,
    goal: Vertex,
    obstacles: &impl SpaceTimeObstacles,
    bound: Option<u32>,
    soft: Option<&dyn SoftConflicts>,
    deadline: Instant,
    max_expansions: u32,
) -> Result<(Vec<Vertex>, u32), NoPath> {
    let h = |v: Vertex| {
        goal_distance
            .get(v as usize)
            .copied()
            .unwrap_or(UNREACHABLE)
    };
    if h(start) == UNREACHABLE || obstacles.vertex_blocked(start, 0) {
        return Err(NoPath::Blocked);
    }
    let goal_free_after = match obstacles.last_blocked(goal) {
        None => 0,
        Some(u32::MAX) => return Err(NoPath::Blocked),
        Some(t) => t + 1,
    };
    let horizon = obstacles.horizon();
    let cap = horizon.saturating_add(1);
    let max_t = horizon
        .saturating_add(graph.vertex_count() as u32)
        .saturating_add(goal_free_after)
        .saturating_add(1);
    let bound = bound.map_or(max_t, |b| b.min(max_t));
    // Arena of (vertex, time, parent, conflicts). With soft conflicts, a goal state whose
    // rest there would meet others goes back into the queue as a copy (a "finish" entry,
    // parent = the goal state) carrying those conflicts too; the search goes on from the
    // goal state itself, so a path that waits or comes back later can win.
    let mut arena: Vec<(Vertex, u32, u32, u32)> = vec![(start, 0, u32::MAX, 0)];
    let mut finish: HashSet<u32, BuildHasherDefault<StateHasher>> = HashSet::default();
    let mut heap = BinaryHeap::new();
    let mut closed: HashSet<u64, BuildHasherDefault<StateHasher>> = HashSet::default();
    let state = |v: Vertex, t: u32| u64::from(v) | (u64::from(t) << 32);
    let key = |conf: u32, f: u32, g: u32| {
        if soft.is_some() {
            (conf, f, Reverse(g))
        } else {
            (0, f, Reverse(g))
        }
    };
    // f never undercuts the time the goal becomes free for good (still admissible).
    heap.push(Reverse((key(0, h(start).max(goal_free_after), 0), 0u32)));
    let mut expansions = 0u32;
    while let Some(Reverse((_, id))) = heap.pop() {
        expansions = expansions.wrapping_add(1);
        if expansions >= max_expansions
            || (expansions.is_multiple_of(1024) && Instant::now() >= deadline)
        {
            return Err(NoPath::Deadline);
        }
        let (v, t, parent, conf) = arena[id as usize];
        let finishing = !finish.is_empty() && finish.contains(&id);
        if !finishing && !closed.insert(state(v, t.min(cap))) {
            continue;
        }
        let rest = match soft {
            Some(s) if !finishing && v == goal && t >= goal_free_after => s.future(v, t),
            _ => 0,
        };
        if rest > 0 {
            arena.push((v, t, parent, conf + rest));
            let fid = arena.len() as u32 - 1;
            finish.insert(fid);
            let f = t.max(goal_free_after);
            heap.push(Reverse((key(conf + rest, f, t), fid)));
        } else if v == goal && t >= goal_free_after {
            let mut path = vec![0; t as usize + 1];
            let mut i = id;
            while i != u32::MAX {
                let (v, t, p, _) = arena[i as usize];
                path[t as usize] = v;
                i = p;
            }
            return Ok((path, conf));
        }
        if t >= bound {
            continue;
        }
        let nt = t + 1;
        for &u in graph.successors(v).iter().chain(std::iter::once(&v)) {
            let hu = h(u);
            if hu == UNREACHABLE || nt + hu > bound || goal_free_after > bound {
                continue;
            }
            if obstacles.vertex_blocked(u, nt) || (u != v && obstacles.edge_blocked(v, u, nt)) {
                continue;
            }
            if closed.contains(&state(u, nt.min(cap))) {
                continue;
            }
            let c = conf + soft.map_or(0, |s| s.conflicts(v, u, nt));
            arena.push((u, nt, id, c));
            let f = (nt + hu).max(goal_free_after);
            heap.push(Reverse((key(c, f, nt), arena.len() as u32 - 1)));
        }
    }
    Err(NoPath::Blocked)
}

/// Safe-interval path planning: one search state per (vertex, safe interval) instead of
/// per (vertex, time); same optimality as space-time A* against a [`ReservationTable`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Sipp;

impl Sipp {
    /// A shortest path from `start` (at time 0) to `goal` avoiding the reserved paths.
    ///
    /// # Errors
    /// [`NoPath`] when no path exists or the deadline passes.
    pub fn find_path(
        &self,
        graph: &Digraph,
        goal_distance: &[u32],
        start: Vertex,
        goal: Vertex,
        reservations: &ReservationTable,
        deadline: Instant,
    ) -> Result<Vec<Vertex>, NoPath> {
        let h = |v: Vertex| {
            goal_distance
                .get(v as usize)
                .copied()
                .unwrap_or(UNREACHABLE)
        };
        let mut intervals: HashMap<Vertex, Vec<(u32, u32)>> = HashMap::new();
        let mut get = |v: Vertex| -> Vec<(u32, u32)> {
            intervals
                .entry(v)
                .or_insert_with(|| reservations.safe_intervals(v))
                .clone()
        };
        let start_iv = get(start);
        if h(start) == UNREACHABLE || start_iv.first().is_none_or(|&(a, _)| a > 0) {
            return Err(NoPath::Blocked);
        }
        // Arena: (vertex, interval index, arrival time, parent).
        let mut arena: Vec<(Vertex, usize, u32, u32)> = vec![(start, 0, 0, u32::MAX)];
        let mut best: HashMap<(Vertex, usize), u32> = HashMap::from([((start, 0), 0)]);
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((h(start), Reverse(0u32), 0u32)));
        let mut expansions = 0u32;
        while let Some(Reverse((_, _, id))) = heap.pop() {
            expansions = expansions.wrapping_add(1);
            if expansions.is_multiple_of(256) && Instant::now() >= deadline {
                return Err(NoPath::Deadline);
            }
            let (v, iv, t, _) = arena[id as usize];
            if best.get(&(v, iv)).is_some_and(|&b| b < t) {
                continue;
            }
            let (_, end) = get(v)[iv];
            if v == goal && end == u32::MAX {
                // Rebuild with waits filled in.
                let mut stops = Vec::new();
                let mut i = id;
                while i != u32::MAX {
                    let (v, _, t, p) = arena[i as usize];
                    stops.push((v, t));
                    i = p;
                }
                stops.reverse();
                let mut path = Vec::with_capacity(t as usize + 1);
                for w in stops.windows(2) {
                    let ((a, ta), (_, tb)) = (w[0], w[1]);
                    while (path.len() as u32) < tb {
                        path.push(a);
                    }
                    let _ = ta;
                }
                path.push(goal);
                return Ok(path);
            }
            for &u in graph.successors(v) {
                if h(u) == UNREACHABLE {
                    continue;
                }
                for (j, (a, b)) in get(u).into_iter().enumerate() {
                    // Leave v at some time in [t, end], arrive at u at time in [a, b].
                    let earliest = a.max(t + 1);
                    let latest = b.min(end.saturating_add(1));
                    let mut arrival = earliest;
                    // An edge reservation (swap) may forbid some arrival times.
                    while arrival <= latest && reservations.edge_blocked(v, u, arrival) {
                        arrival += 1;
                    }
                    if arrival > latest || (arrival == u32::MAX) {
                        continue;
                    }
                    if best.get(&(u, j)).is_some_and(|&bt| bt <= arrival) {
                        continue;
                    }
                    best.insert((u, j), arrival);
                    arena.push((u, j, arrival, id));
                    heap.push(Reverse((
                        arrival.saturating_add(h(u)),
                        Reverse(arrival),
                        arena.len() as u32 - 1,
                    )));
                }
            }
        }
        Err(NoPath::Blocked)
    }
}
