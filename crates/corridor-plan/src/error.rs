//! The one error type of the crate's planning API.

use std::fmt;

use crate::checker::Violation;

/// Which end of an agent's task a vertex is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Where the agent starts.
    Start,
    /// Where the agent must end.
    Goal,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endpoint::Start => "start",
            Endpoint::Goal => "goal",
        })
    }
}

/// Everything that can go wrong when building an instance or calling a solver.
///
/// Bad input is always reported through this type, naming the agent and vertex at fault;
/// no function of the crate panics on bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The graph has more vertices than vertex ids can hold.
    #[error("the graph has {vertex_count} vertices; at most {max} are supported")]
    TooManyVertices {
        /// Vertices of the graph.
        vertex_count: usize,
        /// The largest supported count.
        max: usize,
    },
    /// A graph names a successor that is not one of its vertices.
    #[error(
        "vertex {vertex} has successor {successor}, but the graph has only {vertex_count} vertices"
    )]
    UnknownSuccessor {
        /// The vertex whose successor list is wrong.
        vertex: u32,
        /// The successor named.
        successor: u32,
        /// Vertices of the graph.
        vertex_count: usize,
    },
    /// Starts and goals differ in number.
    #[error("{starts} starts but {goals} goals: every agent needs exactly one of each")]
    AgentCount {
        /// Number of starts given.
        starts: usize,
        /// Number of goals given.
        goals: usize,
    },
    /// An agent's start or goal is not a vertex of the graph.
    #[error(
        "agent {agent}: {endpoint} vertex {vertex} is not in the graph ({vertex_count} vertices)"
    )]
    UnknownVertex {
        /// The agent (index in the instance).
        agent: usize,
        /// Start or goal.
        endpoint: Endpoint,
        /// The vertex named.
        vertex: u32,
        /// Vertices of the graph.
        vertex_count: usize,
    },
    /// Two agents share a start or a goal vertex.
    #[error("agents {first} and {second} both have vertex {vertex} as their {endpoint}")]
    SharedEndpoint {
        /// The lower agent index.
        first: usize,
        /// The higher agent index.
        second: usize,
        /// Start or goal.
        endpoint: Endpoint,
        /// The vertex.
        vertex: u32,
    },
    /// An agent cannot reach its goal from its start at all (the instance has no solution).
    #[error("agent {agent}: goal vertex {goal} cannot be reached from start vertex {start}")]
    Unreachable {
        /// The agent.
        agent: usize,
        /// Its start.
        start: u32,
        /// Its goal.
        goal: u32,
    },
    /// A solver parameter is out of range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A solver produced a plan the independent checker rejects. This is a bug in the
    /// solver; the plan is withheld rather than handed on.
    #[error("{solver} produced a plan the checker rejects: {violation}")]
    RejectedPlan {
        /// The solver's name.
        solver: &'static str,
        /// The first violation found.
        violation: Violation,
    },
}
