//! Traffic-flow guide paths for the lifelong planner (Chen, Harabor, Li, Stuckey, "Traffic
//! Flow Optimisation for Lifelong Multi-Agent Path Finding", AAAI-24).
//!
//! Every vehicle with a goal gets a *guide path*, found by A* over the cell graph where a
//! move `a → b` costs 1 plus [`CONTRAFLOW_WEIGHT`] times its contraflow: the other guide
//! paths using `a → b`, plus one, times those using `b → a`. PIBT then ranks a vehicle's
//! moves by the distance to the nearest cell of its guide path plus the path's remaining
//! length from that cell, instead of the plain distance to the goal: vehicles spread over
//! parallel aisles and keep to one direction in the narrow ones.
//!
//! The paper's guide paths minimise contraflow first and length plus vertex congestion
//! second; on RHCR's fulfillment warehouse that lost throughput against this weighted sum
//! (and the vertex-congestion term lost on both two-way maps measured), see the crate
//! README.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use corridor_map::{CellGraph, CellId};

const UNREACHABLE: u32 = u32::MAX;
/// A move's cost is 1 plus this many times its contraflow.
pub(crate) const CONTRAFLOW_WEIGHT: u32 = 2;

/// One vehicle's guide path and its lazily filled distance-to-path table.
#[derive(Debug, Default)]
pub(crate) struct Guide {
    /// The goal the path leads to (`None`: no guide).
    pub goal: Option<u32>,
    path: Vec<u32>,
    /// The path's cells, sorted (for `on_path`).
    sorted: Vec<u32>,
    /// Per cell: (label, moves to the path + the path's remaining length from there).
    table: Vec<(u32, u32)>,
    label: u32,
    /// Breadth-first frontier over predecessors: (cell, moves to the path, remaining length).
    queue: VecDeque<(u32, u32, u32)>,
}

impl Guide {
    /// The guide's cost-to-go from `cell`: moves to the nearest path cell (nearest to the goal
    /// among equally near ones) plus the path's length from there; `None` if the path cannot
    /// be reached.
    pub fn cost(&mut self, graph: &CellGraph, closed: &[bool], cell: u32) -> Option<u32> {
        let (label, value) = self.table[cell as usize];
        if label == self.label {
            return (value != UNREACHABLE).then_some(value);
        }
        while let Some((c, d, togo)) = self.queue.pop_front() {
            for &p in graph.predecessors(CellId(c)) {
                let slot = &mut self.table[p.0 as usize];
                if slot.0 != self.label {
                    *slot = (self.label, d + 1 + togo);
                    // A closed cell may be left but not entered.
                    if !closed[p.0 as usize] {
                        self.queue.push_back((p.0, d + 1, togo));
                    }
                }
            }
            if self.table[cell as usize].0 == self.label {
                break;
            }
        }
        let (label, value) = self.table[cell as usize];
        if label != self.label {
            // Exhausted: unreachable from here (and stays so until the path changes).
            self.table[cell as usize] = (self.label, UNREACHABLE);
            return None;
        }
        (value != UNREACHABLE).then_some(value)
    }

    /// Whether `cell` is on the guide path.
    pub fn on_path(&self, cell: u32) -> bool {
        self.sorted.binary_search(&cell).is_ok()
    }

    fn set_path(&mut self, cells: usize, goal: u32, path: Vec<u32>) {
        if self.table.len() != cells {
            self.table = vec![(0, UNREACHABLE); cells];
            self.label = 0;
        }
        self.label = self.label.wrapping_add(1);
        if self.label == 0 {
            self.table.iter_mut().for_each(|s| *s = (0, UNREACHABLE));
            self.label = 1;
        }
        self.queue.clear();
        for (togo, &c) in path.iter().rev().enumerate() {
            if self.table[c as usize].0 != self.label {
                self.table[c as usize] = (self.label, togo as u32);
                self.queue.push_back((c, 0, togo as u32));
            }
        }
        self.goal = Some(goal);
        self.sorted = path.clone();
        self.sorted.sort_unstable();
        self.path = path;
    }
}

/// Guide paths of all vehicles and the traffic flow they make.
#[derive(Debug)]
pub(crate) struct Guidance {
    /// Per cell, the index of its first out-edge (CSR over `CellGraph::successors`).
    edge_start: Vec<u32>,
    /// Per directed edge, the guide paths using it.
    flow: Vec<u32>,
    /// Per vehicle, its guide.
    pub guides: Vec<Guide>,
    /// Mixed into the A*'s tie-breaking.
    seed: u64,
    // A* scratch.
    stamp: Vec<u32>,
    round: u32,
    /// Best cost found per cell (valid where `stamp` is this round).
    best: Vec<u32>,
    parent: Vec<u32>,
    /// Open list: (cost + distance to goal, random tie-breaker, cell).
    heap: BinaryHeap<Reverse<(u32, u32, u32)>>,
    /// Where the next round of off-path replanning starts (a vehicle index).
    pub cursor: usize,
}

impl Guidance {
    /// Guidance for `vehicles` vehicles on `graph`, no paths yet; `seed` breaks ties.
    pub fn new(graph: &CellGraph, vehicles: usize, seed: u64) -> Guidance {
        let mut edge_start = Vec::with_capacity(graph.len() + 1);
        let mut e = 0u32;
        for c in 0..graph.len() as u32 {
            edge_start.push(e);
            e += graph.successors(CellId(c)).len() as u32;
        }
        edge_start.push(e);
        Guidance {
            edge_start,
            flow: vec![0; e as usize],
            guides: (0..vehicles).map(|_| Guide::default()).collect(),
            seed,
            stamp: vec![0; graph.len()],
            round: 0,
            best: vec![0; graph.len()],
            parent: vec![0; graph.len()],
            heap: BinaryHeap::new(),
            cursor: 0,
        }
    }

    fn edge(&self, graph: &CellGraph, a: u32, b: u32) -> Option<usize> {
        graph
            .successors(CellId(a))
            .iter()
            .position(|s| s.0 == b)
            .map(|i| self.edge_start[a as usize] as usize + i)
    }

    fn add_flow(&mut self, graph: &CellGraph, path: &[u32], sign: i64) {
        for w in path.windows(2) {
            if let Some(e) = self.edge(graph, w[0], w[1]) {
                self.flow[e] = (i64::from(self.flow[e]) + sign) as u32;
            }
        }
    }

    /// Drops vehicle `v`'s guide (and its flow).
    pub fn clear(&mut self, graph: &CellGraph, v: usize) {
        let path = std::mem::take(&mut self.guides[v].path);
        self.add_flow(graph, &path, -1);
        self.guides[v].goal = None;
    }

    /// Drops every guide (cells closed or opened: the paths may no longer be valid).
    pub fn clear_all(&mut self, graph: &CellGraph) {
        for v in 0..self.guides.len() {
            self.clear(graph, v);
        }
    }

    /// Plans vehicle `v`'s guide path from `start` to `goal` (`dist`: moves to `goal` per
    /// cell, the A* heuristic) and adds its flow. Without a path, `v` keeps no guide.
    pub fn plan(
        &mut self,
        graph: &CellGraph,
        closed: &[bool],
        dist: &[u32],
        v: usize,
        start: u32,
        goal: u32,
    ) {
        self.clear(graph, v);
        if dist[start as usize] == UNREACHABLE {
            return;
        }
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.round = 1;
        }
        let round = self.round;
        self.heap.clear();
        self.stamp[start as usize] = round;
        self.best[start as usize] = 0;
        self.parent[start as usize] = start;
        self.heap.push(Reverse((dist[start as usize], 0, start)));
        let mut found = false;
        while let Some(Reverse((f, _, c))) = self.heap.pop() {
            let g = f - dist[c as usize];
            if g != self.best[c as usize] {
                continue; // stale entry
            }
            if c == goal {
                found = true;
                break;
            }
            let edge_start = self.edge_start[c as usize] as usize;
            for (i, &s) in graph.successors(CellId(c)).iter().enumerate() {
                let n = s.0;
                if (closed[n as usize] && n != goal) || dist[n as usize] == UNREACHABLE {
                    continue;
                }
                let back = self.edge(graph, n, c).map_or(0, |e| self.flow[e]);
                let contraflow = (self.flow[edge_start + i] + 1) * back;
                let g2 = g + 1 + CONTRAFLOW_WEIGHT * contraflow;
                if self.stamp[n as usize] != round || g2 < self.best[n as usize] {
                    self.stamp[n as usize] = round;
                    self.best[n as usize] = g2;
                    self.parent[n as usize] = c;
                    let tie = mix(self.seed ^ (u64::from(round) << 32 | u64::from(n)));
                    self.heap.push(Reverse((g2 + dist[n as usize], tie, n)));
                }
            }
        }
        if !found {
            return;
        }
        let mut path = vec![goal];
        let mut c = goal;
        while c != start {
            c = self.parent[c as usize];
            path.push(c);
        }
        path.reverse();
        self.add_flow(graph, &path, 1);
        self.guides[v].set_path(graph.len(), goal, path);
    }
}

/// A 32-bit mix of `x` (splitmix64's finaliser): deterministic tie-breaking in the A*.
fn mix(mut x: u64) -> u32 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (x ^ (x >> 31)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_map::{Cell, CellOrigin};
    use proptest::prelude::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn graph(rng: &mut ChaCha8Rng, n: usize, extra: usize) -> CellGraph {
        let cells: Vec<Cell> = (0..n)
            .map(|i| Cell {
                origin: CellOrigin::Grid {
                    col: i as u32,
                    row: 0,
                },
                position: nalgebra::Point2::new(i as f64, 0.0),
                length: 1.0,
                entry_clearance: 0.0,
                exit_clearance: 0.0,
            })
            .collect();
        let mut edges: Vec<(CellId, CellId)> = (0..n)
            .map(|i| (CellId(i as u32), CellId(((i + 1) % n) as u32)))
            .collect();
        for _ in 0..extra {
            let a = rng.random_range(0..n as u32);
            let b = rng.random_range(0..n as u32);
            edges.push((CellId(a), CellId(b)));
            if rng.random_bool(0.5) {
                edges.push((CellId(b), CellId(a)));
            }
        }
        CellGraph::from_edges(cells, &edges).unwrap()
    }

    /// Moves to `goal` from every cell (breadth-first over predecessors).
    fn distances(graph: &CellGraph, goal: u32) -> Vec<u32> {
        let mut dist = vec![UNREACHABLE; graph.len()];
        let mut queue = VecDeque::from([goal]);
        dist[goal as usize] = 0;
        while let Some(c) = queue.pop_front() {
            for &p in graph.predecessors(CellId(c)) {
                if dist[p.0 as usize] == UNREACHABLE {
                    dist[p.0 as usize] = dist[c as usize] + 1;
                    queue.push_back(p.0);
                }
            }
        }
        dist
    }

    proptest! {
        /// Guide paths follow edges from start to goal; the cost-to-go falls by one per
        /// move along the path, is 0 only at the goal, never undercuts the true distance,
        /// and is `None` exactly where the goal cannot be reached.
        #[test]
        fn guide_paths_and_their_cost_to_go(seed in any::<u64>(), n in 2usize..30, extra in 0usize..40, vehicles in 1usize..6) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let g = graph(&mut rng, n, extra);
            let closed = vec![false; n];
            let mut gd = Guidance::new(&g, vehicles, seed);
            for v in 0..vehicles {
                let start = rng.random_range(0..n as u32);
                let goal = rng.random_range(0..n as u32);
                let dist = distances(&g, goal);
                gd.plan(&g, &closed, &dist, v, start, goal);
                let guide = &mut gd.guides[v];
                prop_assert_eq!(guide.goal, Some(goal));
                let path = guide.path.clone();
                prop_assert_eq!(path[0], start);
                prop_assert_eq!(*path.last().unwrap(), goal);
                for w in path.windows(2) {
                    prop_assert!(g.has_edge(CellId(w[0]), CellId(w[1])));
                }
                for (i, &c) in path.iter().enumerate() {
                    prop_assert_eq!(guide.cost(&g, &closed, c), Some((path.len() - 1 - i) as u32));
                }
                for c in 0..n as u32 {
                    match guide.cost(&g, &closed, c) {
                        None => prop_assert_eq!(dist[c as usize], UNREACHABLE),
                        Some(h) => {
                            prop_assert!(h >= dist[c as usize]);
                            prop_assert_eq!(h == 0, c == goal);
                        }
                    }
                }
            }
            // Dropping every guide leaves no flow behind.
            gd.clear_all(&g);
            prop_assert!(gd.flow.iter().all(|&f| f == 0));
        }
    }
}
