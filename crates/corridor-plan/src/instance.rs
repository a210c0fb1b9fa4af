//! A MAPF instance: a graph, and a start and a goal per agent.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Endpoint, PlanError};
use crate::graph::{Digraph, Graph, Vertex};

/// A validated multi-agent path-finding instance: agent `i` starts at `starts()[i]` and
/// must end at `goals()[i]`.
///
/// # Guarantees
/// Every start and goal is a vertex of the graph, no two agents share a start and no two
/// share a goal. Cloning is cheap (the graph is shared).
#[derive(Debug, Clone)]
pub struct Instance {
    graph: Arc<Digraph>,
    starts: Vec<Vertex>,
    goals: Vec<Vertex>,
}

impl Instance {
    /// An instance on a graph snapshot.
    ///
    /// # Errors
    /// [`PlanError::AgentCount`], [`PlanError::UnknownVertex`] (naming the agent and the
    /// vertex) or [`PlanError::SharedEndpoint`] (naming both agents and the vertex).
    pub fn new(
        graph: impl Into<Arc<Digraph>>,
        starts: Vec<Vertex>,
        goals: Vec<Vertex>,
    ) -> Result<Instance, PlanError> {
        let graph = graph.into();
        if starts.len() != goals.len() {
            return Err(PlanError::AgentCount {
                starts: starts.len(),
                goals: goals.len(),
            });
        }
        let n = graph.vertex_count();
        for (endpoint, list) in [(Endpoint::Start, &starts), (Endpoint::Goal, &goals)] {
            let mut seen: HashMap<Vertex, usize> = HashMap::with_capacity(list.len());
            for (agent, &vertex) in list.iter().enumerate() {
                if vertex as usize >= n {
                    return Err(PlanError::UnknownVertex {
                        agent,
                        endpoint,
                        vertex,
                        vertex_count: n,
                    });
                }
                if let Some(&first) = seen.get(&vertex) {
                    return Err(PlanError::SharedEndpoint {
                        first,
                        second: agent,
                        endpoint,
                        vertex,
                    });
                }
                seen.insert(vertex, agent);
            }
        }
        Ok(Instance {
            graph,
            starts,
            goals,
        })
    }

    /// An instance on any [`Graph`] (copied into a [`Digraph`] snapshot first).
    ///
    /// # Errors
    /// As [`Digraph::from_graph`] and [`Instance::new`].
    pub fn from_graph<G: Graph + ?Sized>(
        graph: &G,
        starts: Vec<Vertex>,
        goals: Vec<Vertex>,
    ) -> Result<Instance, PlanError> {
        Instance::new(Digraph::from_graph(graph)?, starts, goals)
    }

    /// `agents` agents with distinct starts and distinct goals drawn uniformly from the
    /// vertices with the seed (a start may equal another agent's goal). Goals are not
    /// checked for reachability: on a graph that is not strongly connected the instance may
    /// be unsolvable, which solvers report.
    ///
    /// # Errors
    /// [`PlanError::InvalidParameter`] when there are fewer vertices than agents.
    pub fn random(
        graph: impl Into<Arc<Digraph>>,
        agents: usize,
        seed: u64,
    ) -> Result<Instance, PlanError> {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let graph = graph.into();
        let n = graph.vertex_count();
        if agents > n {
            return Err(PlanError::InvalidParameter {
                name: "agents",
                reason: format!("{agents} agents do not fit on {n} vertices"),
            });
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut vertices: Vec<Vertex> = (0..n as u32).collect();
        let (starts, _) = vertices.partial_shuffle(&mut rng, agents);
        let starts = starts.to_vec();
        let (goals, _) = vertices.partial_shuffle(&mut rng, agents);
        let goals = goals.to_vec();
        Instance::new(graph, starts, goals)
    }

    /// The graph.
    pub fn graph(&self) -> &Digraph {
        &self.graph
    }

    /// The shared graph handle.
    pub fn shared_graph(&self) -> &Arc<Digraph> {
        &self.graph
    }

    /// Number of agents.
    pub fn agents(&self) -> usize {
        self.starts.len()
    }

    /// Start vertex per agent.
    pub fn starts(&self) -> &[Vertex] {
        &self.starts
    }

    /// Goal vertex per agent.
    pub fn goals(&self) -> &[Vertex] {
        &self.goals
    }
}
