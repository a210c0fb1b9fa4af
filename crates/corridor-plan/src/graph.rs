//! The graph abstraction the planner works on, and its compact snapshot [`Digraph`].

use crate::error::PlanError;

/// A vertex id: an index in `0..vertex_count`.
pub type Vertex = u32;

/// Marks "no vertex" / "no agent" in dense tables; never a valid id.
pub(crate) const NONE: u32 = u32::MAX;

/// A directed graph that agents move on, one edge per step.
///
/// Implement it for your own graph to plan on it: vertices are `0..vertex_count()`, and
/// `successors(v)` lists the vertices an agent at `v` may move to in one step. An
/// undirected edge is two directed ones. Waiting in place is always allowed and need not be
/// listed; self-loops and duplicates are ignored. Predecessors are derived by the planner
/// ([`Digraph::from_graph`]) so they can never disagree with the successors.
pub trait Graph {
    /// Number of vertices.
    fn vertex_count(&self) -> usize;
    /// The vertices an agent at `v` may move to in one step (`v < vertex_count()`).
    fn successors(&self, v: Vertex) -> impl Iterator<Item = Vertex> + '_;
}

impl Graph for corridor_map::CellGraph {
    fn vertex_count(&self) -> usize {
        self.len()
    }
    fn successors(&self, v: Vertex) -> impl Iterator<Item = Vertex> + '_ {
        corridor_map::CellGraph::successors(self, corridor_map::CellId(v))
            .iter()
            .map(|c| c.0)
    }
}

/// A directed graph in compressed adjacency form: the immutable snapshot every solver and
/// the checker plan on. Successor and predecessor lists are sorted, free of duplicates and
/// of self-loops. Built in `O(V + E log E)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digraph {
    out_offsets: Vec<u32>,
    out_targets: Vec<Vertex>,
    in_offsets: Vec<u32>,
    in_sources: Vec<Vertex>,
}

impl Digraph {
    /// The largest number of vertices supported (ids must stay below [`u32::MAX`]).
    pub const MAX_VERTICES: usize = (u32::MAX - 1) as usize;

    /// Copies any [`Graph`] into a snapshot.
    ///
    /// # Errors
    /// [`PlanError::UnknownSuccessor`] when a successor is out of range,
    /// [`PlanError::TooManyVertices`] beyond [`Digraph::MAX_VERTICES`].
    pub fn from_graph<G: Graph + ?Sized>(graph: &G) -> Result<Digraph, PlanError> {
        let n = graph.vertex_count();
        check_size(n)?;
        let mut edges = Vec::new();
        for v in 0..n as u32 {
            edges.extend(graph.successors(v).map(|w| (v, w)));
        }
        Digraph::from_edges(n, &edges)
    }

    /// Builds a graph of `vertex_count` vertices from directed edges `(from, to)`.
    ///
    /// # Errors
    /// [`PlanError::UnknownSuccessor`] when an edge names a vertex out of range,
    /// [`PlanError::TooManyVertices`] beyond [`Digraph::MAX_VERTICES`].
    pub fn from_edges(
        vertex_count: usize,
        edges: &[(Vertex, Vertex)],
    ) -> Result<Digraph, PlanError> {
        check_size(vertex_count)?;
        let n = vertex_count;
        let mut sorted = Vec::with_capacity(edges.len());
        for &(a, b) in edges {
            for x in [a, b] {
                if x as usize >= n {
                    return Err(PlanError::UnknownSuccessor {
                        vertex: a,
                        successor: b,
                        vertex_count: n,
                    });
                }
            }
            if a != b {
                sorted.push((a, b));
            }
        }
        sorted.sort_unstable();
        sorted.dedup();
        let (out_offsets, out_targets) = compress(n, sorted.iter().copied());
        let mut reversed: Vec<(Vertex, Vertex)> = sorted.iter().map(|&(a, b)| (b, a)).collect();
        reversed.sort_unstable();
        let (in_offsets, in_sources) = compress(n, reversed.into_iter());
        Ok(Digraph {
            out_offsets,
            out_targets,
            in_offsets,
            in_sources,
        })
    }

    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.out_offsets.len() - 1
    }

    /// Number of directed edges.
    pub fn edge_count(&self) -> usize {
        self.out_targets.len()
    }

    /// The vertices reachable from `v` in one move, sorted. Panics if `v` is out of range
    /// (solvers only call it on validated vertices).
    pub fn successors(&self, v: Vertex) -> &[Vertex] {
        let i = v as usize;
        &self.out_targets[self.out_offsets[i] as usize..self.out_offsets[i + 1] as usize]
    }

    /// The vertices from which `v` is reached in one move, sorted.
    pub fn predecessors(&self, v: Vertex) -> &[Vertex] {
        let i = v as usize;
        &self.in_sources[self.in_offsets[i] as usize..self.in_offsets[i + 1] as usize]
    }

    /// Whether an agent may move from `a` to `b` in one step (`false` for `a == b`: a wait
    /// is not an edge).
    pub fn has_edge(&self, a: Vertex, b: Vertex) -> bool {
        (a as usize) < self.vertex_count() && self.successors(a).binary_search(&b).is_ok()
    }
}

impl Graph for Digraph {
    fn vertex_count(&self) -> usize {
        Digraph::vertex_count(self)
    }
    fn successors(&self, v: Vertex) -> impl Iterator<Item = Vertex> + '_ {
        Digraph::successors(self, v).iter().copied()
    }
}

fn check_size(n: usize) -> Result<(), PlanError> {
    if n > Digraph::MAX_VERTICES {
        return Err(PlanError::TooManyVertices {
            vertex_count: n,
            max: Digraph::MAX_VERTICES,
        });
    }
    Ok(())
}

fn compress(n: usize, sorted: impl Iterator<Item = (Vertex, Vertex)>) -> (Vec<u32>, Vec<Vertex>) {
    let mut offsets = vec![0u32; n + 1];
    let mut targets = Vec::new();
    for (a, b) in sorted {
        offsets[a as usize + 1] += 1;
        targets.push(b);
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    (offsets, targets)
}
