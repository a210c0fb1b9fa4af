//! Distance tables ([`DistanceTable`]).

use std::sync::Arc;

use crate::graph::{Digraph, Vertex};
use crate::instance::Instance;

/// Distance returned for a vertex from which the goal cannot be reached.
pub const UNREACHABLE: u32 = u32::MAX;

/// One agent's table: 0 where not reached yet, otherwise distance + 1; 16 bits per vertex
/// on graphs of fewer than 65,535 vertices, else 32.
#[derive(Debug, Clone)]
enum Table {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Table {
    #[inline]
    fn get(&self, v: usize) -> u32 {
        match self {
            Table::Narrow(d) => u32::from(d[v]),
            Table::Wide(d) => d[v],
        }
    }
    #[inline]
    fn set(&mut self, v: usize, value: u32) {
        match self {
            // Values stay below the vertex count, which fits.
            Table::Narrow(d) => d[v] = value as u16,
            Table::Wide(d) => d[v] = value,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct LazyBfs {
    /// `None` until the agent's first query.
    dist: Option<Table>,
    /// The unexpanded part of the search's queue, from `head` on.
    queue: Vec<Vertex>,
    head: usize,
}

impl LazyBfs {
    /// Expands one vertex of the search; `false` when the search is complete.
    #[inline]
    fn expand_one(&mut self, graph: &Digraph) -> bool {
        let Some(&u) = self.queue.get(self.head) else {
            return false;
        };
        self.head += 1;
        let Some(table) = self.dist.as_mut() else {
            return false;
        };
        let d = table.get(u as usize) + 1;
        for &p in graph.predecessors(u) {
            if table.get(p as usize) == 0 {
                table.set(p as usize, d);
                self.queue.push(p);
            }
        }
        // Drop the expanded part now and then: the queue holds the frontier only.
        if self.head >= 4096 && self.head * 2 >= self.queue.len() {
            self.queue.drain(..self.head);
            self.head = 0;
        }
        true
    }
}

/// Answers a query on one agent's table, creating it and advancing its search as needed.
fn query(bfs: &mut LazyBfs, graph: &Digraph, goal: Vertex, v: Vertex) -> u32 {
    if bfs.dist.is_none() {
        let n = graph.vertex_count();
        let mut table = if n < usize::from(u16::MAX) {
            Table::Narrow(vec![0; n])
        } else {
            Table::Wide(vec![0; n])
        };
        table.set(goal as usize, 1);
        bfs.dist = Some(table);
        bfs.queue.push(goal);
    }
    loop {
        let d = bfs.dist.as_ref().map_or(0, |t| t.get(v as usize));
        if d != 0 {
            return d - 1;
        }
        if !bfs.expand_one(graph) {
            return UNREACHABLE;
        }
    }
}

/// Lazily computed goal-distance tables, one per agent, shared by everything that plans
/// one instance (configuration generator, search, heuristics, refinement).
///
/// A table is created on its agent's first query, and its breadth-first search (backwards
/// over predecessors, from the goal) is advanced only as far as the vertex asked about.
/// Creating a [`DistanceTable`] costs `O(k)`; a query costs amortised `O(1)` plus the part
/// of the search it advances. Tables take 2 bytes per vertex (4 on graphs of 65,535
/// vertices or more), from the allocator zeroed, so pages of a table the search never
/// reaches are not touched; the search queue keeps only its frontier. This is what keeps
/// set-up time small with thousands of agents: plain LaCAM spent 7 of 11.7 s building full
/// tables for 10,000 agents.
///
/// # Guarantees
/// [`DistanceTable::distance`] is exact: the length of a shortest directed path to the
/// agent's goal, or [`UNREACHABLE`].
#[derive(Debug, Clone)]
pub struct DistanceTable {
    graph: Arc<Digraph>,
    goals: Vec<Vertex>,
    tables: Vec<LazyBfs>,
}

impl DistanceTable {
    /// Empty tables for the agents of `instance`: `O(k)`.
    pub fn new(instance: &Instance) -> DistanceTable {
        DistanceTable {
            graph: Arc::clone(instance.shared_graph()),
            goals: instance.goals().to_vec(),
            tables: vec![LazyBfs::default(); instance.agents()],
        }
    }

    /// Number of agents.
    pub fn agents(&self) -> usize {
        self.goals.len()
    }

    /// Moves from `v` to agent `agent`'s goal, or [`UNREACHABLE`].
    ///
    /// Panics if `agent` or `v` is out of range (callers pass validated ids).
    #[inline]
    pub fn distance(&mut self, agent: usize, v: Vertex) -> u32 {
        if let Some(table) = &self.tables[agent].dist {
            let d = table.get(v as usize);
            if d != 0 {
                return d - 1;
            }
        }
        self.advance(agent, v)
    }

    #[cold]
    fn advance(&mut self, agent: usize, v: Vertex) -> u32 {
        query(&mut self.tables[agent], &self.graph, self.goals[agent], v)
    }

    /// Distance from `from[i]` to agent `i`'s goal for every agent, the searches run on up
    /// to `threads` threads (the tables are independent). The same values as
    /// [`DistanceTable::distance`], and deterministic; worth it with thousands of agents,
    /// where these first searches are most of LaCAM*'s set-up.
    ///
    /// Panics if `from` does not have one vertex per agent.
    pub fn distances_from(&mut self, from: &[Vertex], threads: usize) -> Vec<u32> {
        assert_eq!(from.len(), self.goals.len(), "one vertex per agent");
        let k = from.len();
        let threads = threads.clamp(1, k.max(1));
        if threads == 1 {
            return (0..k).map(|i| self.distance(i, from[i])).collect();
        }
        let chunk = k.div_ceil(threads);
        let graph = &*self.graph;
        let goals = &self.goals;
        let parts: Vec<Option<Vec<u32>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .tables
                .chunks_mut(chunk)
                .zip(goals.chunks(chunk))
                .zip(from.chunks(chunk))
                .map(|((tables, goals), from)| {
                    scope.spawn(move || {
                        tables
                            .iter_mut()
                            .zip(goals)
                            .zip(from)
                            .map(|((bfs, &g), &v)| query(bfs, graph, g, v))
                            .collect::<Vec<u32>>()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().ok()).collect()
        });
        let out: Vec<u32> = parts.into_iter().flatten().flatten().collect();
        if out.len() == k {
            out
        } else {
            // A worker died (it cannot, short of running out of memory): do it here.
            (0..k).map(|i| self.distance(i, from[i])).collect()
        }
    }

    /// Finishes agent `agent`'s table and returns it (`UNREACHABLE` where the goal cannot be
    /// reached): what heuristic searches that query every vertex want.
    pub fn full(&mut self, agent: usize) -> Vec<u32> {
        let n = self.graph.vertex_count() as u32;
        if n == 0 {
            return Vec::new();
        }
        // Create the table, then run its search to the end.
        let goal = self.goals[agent];
        self.distance(agent, goal);
        let graph = &*self.graph;
        let bfs = &mut self.tables[agent];
        while bfs.expand_one(graph) {}
        match &bfs.dist {
            Some(table) => (0..n as usize)
                .map(|v| match table.get(v) {
                    0 => UNREACHABLE,
                    d => d - 1,
                })
                .collect(),
            None => vec![UNREACHABLE; n as usize],
        }
    }
}
