//! The independent plan checker ([`check`]).

use std::collections::VecDeque;
use std::fmt;

use crate::error::PlanError;
use crate::instance::Instance;
use crate::plan::Plan;

/// One way a plan breaks the rules, naming the agents, timestep and vertices involved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The plan has no configuration.
    Empty,
    /// A configuration has the wrong number of agents.
    AgentCount {
        /// The timestep.
        timestep: usize,
        /// Agents in the instance.
        expected: usize,
        /// Entries in the configuration.
        got: usize,
    },
    /// An agent is on a vertex that is not in the graph.
    UnknownVertex {
        /// The agent.
        agent: usize,
        /// The timestep.
        timestep: usize,
        /// The vertex.
        vertex: u32,
    },
    /// An agent does not begin at its start.
    WrongStart {
        /// The agent.
        agent: usize,
        /// Where the plan puts it at timestep 0.
        vertex: u32,
        /// Its start.
        start: u32,
    },
    /// An agent does not end at its goal.
    WrongGoal {
        /// The agent.
        agent: usize,
        /// Where the plan leaves it.
        vertex: u32,
        /// Its goal.
        goal: u32,
    },
    /// An agent jumps between two vertices that no edge joins.
    NotAnEdge {
        /// The agent.
        agent: usize,
        /// The timestep it arrives.
        timestep: usize,
        /// Where it was.
        from: u32,
        /// Where it is.
        to: u32,
    },
    /// Two agents on one vertex.
    VertexConflict {
        /// The timestep.
        timestep: usize,
        /// The vertex.
        vertex: u32,
        /// The lower agent index.
        first: usize,
        /// The higher agent index.
        second: usize,
    },
    /// Two agents swap vertices along one edge.
    SwapConflict {
        /// The timestep they arrive.
        timestep: usize,
        /// One agent, moving `a → b`.
        first: usize,
        /// The other agent, moving `b → a`.
        second: usize,
        /// The first agent's vertex before the step.
        a: u32,
        /// The second agent's vertex before the step.
        b: u32,
    },
    /// A closed cycle of agents rotates in one step, refused under
    /// [`Rules::no_rotation`].
    Rotation {
        /// The timestep they arrive.
        timestep: usize,
        /// The agents of the cycle, each moving into the vertex the previous one left.
        agents: Vec<usize>,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Empty => write!(f, "the plan has no configuration"),
            Violation::AgentCount {
                timestep,
                expected,
                got,
            } => write!(
                f,
                "timestep {timestep} has {got} agents, expected {expected}"
            ),
            Violation::UnknownVertex {
                agent,
                timestep,
                vertex,
            } => write!(
                f,
                "agent {agent} at timestep {timestep} is on vertex {vertex}, which is not in the graph"
            ),
            Violation::WrongStart {
                agent,
                vertex,
                start,
            } => write!(
                f,
                "agent {agent} begins at vertex {vertex}, its start is {start}"
            ),
            Violation::WrongGoal {
                agent,
                vertex,
                goal,
            } => write!(
                f,
                "agent {agent} ends at vertex {vertex}, its goal is {goal}"
            ),
            Violation::NotAnEdge {
                agent,
                timestep,
                from,
                to,
            } => write!(
                f,
                "agent {agent} moves from vertex {from} to vertex {to} at timestep {timestep}, but no edge joins them"
            ),
            Violation::VertexConflict {
                timestep,
                vertex,
                first,
                second,
            } => write!(
                f,
                "agents {first} and {second} are both on vertex {vertex} at timestep {timestep}"
            ),
            Violation::SwapConflict {
                timestep,
                first,
                second,
                a,
                b,
            } => write!(
                f,
                "agents {first} and {second} swap vertices {a} and {b} arriving at timestep {timestep}"
            ),
            Violation::Rotation { timestep, agents } => write!(
                f,
                "agents {agents:?} rotate around a closed cycle arriving at timestep {timestep}"
            ),
        }
    }
}

/// Which movement rules the checker applies beyond the five it always checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rules {
    /// Reject closed cycles of three or more agents moving in one step.
    pub forbid_rotation: bool,
}

impl Rules {
    /// Standard MAPF: following and rotation allowed (the default).
    pub fn mapf() -> Rules {
        Rules::default()
    }
    /// Standard MAPF without rotations.
    pub fn no_rotation() -> Rules {
        Rules {
            forbid_rotation: true,
        }
    }
}

/// The costs of a valid plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanCost {
    /// Sum over agents of the timestep of its last arrival at its goal.
    pub sum_of_costs: u64,
    /// Sum over agents of the steps in which it is not resting on its goal (a step counts
    /// unless the agent is at its goal before and after it); at most `sum_of_costs`.
    pub sum_of_loss: u64,
    /// The last timestep at which any agent arrives at its goal.
    pub makespan: u64,
}

/// Lower bounds of an instance's costs from single-agent shortest distances.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LowerBounds {
    /// Shortest distance from start to goal per agent.
    pub distances: Vec<u32>,
    /// Their sum: a lower bound of both sum-of-costs and sum-of-loss.
    pub sum_of_costs: u64,
    /// Their maximum: a lower bound of the makespan.
    pub makespan: u64,
}

/// The independent plan checker.
///
/// It shares no code with the solvers beyond the graph snapshot ([`crate::Digraph`]) and
/// the instance: every plan a solver returns passes through [`check`] first, so a bug in a
/// solver surfaces as [`crate::PlanError::RejectedPlan`], never as a collision.
///
/// # Rules
/// A plan is valid when
/// 1. it has at least one configuration, each with one vertex of the graph per agent;
/// 2. configuration 0 is the starts and the last one is the goals (agents stay at their
///    last vertex after the plan ends, so this means they rest at their goals);
/// 3. between two timesteps every agent either waits or moves along a directed edge;
/// 4. no two agents are on one vertex at one timestep (*vertex conflict*);
/// 5. no two agents traverse one edge in opposite directions in one step (*swap conflict*).
///
/// **Following and rotation.** As in standard MAPF, an agent may move into a vertex that
/// another agent leaves in the same step, also along one-way lanes, and a closed cycle of
/// agents may rotate in one step (three or more agents; two would be a swap). A vehicle
/// controller that needs a vehicle to have *left* a cell before the next one enters uses
/// the execution dependency graph, which orders such moves; [`check_with`] with
/// [`Rules::no_rotation`] additionally rejects rotations for executors that cannot order a
/// closed cycle.
///
/// Checks `plan` against `instance` under the standard MAPF rules above and
/// returns its costs, or the first violation in timestep order.
///
/// Runs in `O(T · k)` time for `T` timesteps and `k` agents, with two tables of one entry
/// per vertex.
///
/// # Errors
/// The first [`Violation`] found.
pub fn check(instance: &Instance, plan: &Plan) -> Result<PlanCost, Violation> {
    check_with(instance, plan, Rules::mapf())
}

/// As [`check`], under the given [`Rules`].
///
/// # Errors
/// The first [`Violation`] found.
pub fn check_with(instance: &Instance, plan: &Plan, rules: Rules) -> Result<PlanCost, Violation> {
    let graph = instance.graph();
    let n = graph.vertex_count();
    let k = instance.agents();
    let configs = plan.configs();
    if configs.is_empty() {
        return Err(Violation::Empty);
    }
    const FREE: usize = usize::MAX;
    // occupant[v]: agent on v at the current timestep; before[v]: at the previous one.
    let mut occupant = vec![FREE; n];
    let mut before = vec![FREE; n];
    for (t, config) in configs.iter().enumerate() {
        if config.len() != k {
            return Err(Violation::AgentCount {
                timestep: t,
                expected: k,
                got: config.len(),
            });
        }
        for (agent, &v) in config.iter().enumerate() {
            if v as usize >= n {
                return Err(Violation::UnknownVertex {
                    agent,
                    timestep: t,
                    vertex: v,
                });
            }
            if let Some(&first) = occupant.get(v as usize).filter(|&&a| a != FREE) {
                return Err(Violation::VertexConflict {
                    timestep: t,
                    vertex: v,
                    first,
                    second: agent,
                });
            }
            occupant[v as usize] = agent;
        }
        if t == 0 {
            for (agent, (&v, &s)) in config.iter().zip(instance.starts()).enumerate() {
                if v != s {
                    return Err(Violation::WrongStart {
                        agent,
                        vertex: v,
                        start: s,
                    });
                }
            }
        } else {
            let prev = &configs[t - 1];
            for agent in 0..k {
                let (a, b) = (prev[agent], config[agent]);
                if a == b {
                    continue;
                }
                if !graph.has_edge(a, b) {
                    return Err(Violation::NotAnEdge {
                        agent,
                        timestep: t,
                        from: a,
                        to: b,
                    });
                }
                let other = before[b as usize];
                if other != FREE && other != agent && config[other] == a {
                    return Err(Violation::SwapConflict {
                        timestep: t,
                        first: agent.min(other),
                        second: agent.max(other),
                        a: prev[agent.min(other)],
                        b: prev[agent.max(other)],
                    });
                }
            }
            if rules.forbid_rotation
                && let Some(agents) = find_rotation(prev, config, &before)
            {
                return Err(Violation::Rotation {
                    timestep: t,
                    agents,
                });
            }
            for &v in prev {
                before[v as usize] = FREE;
            }
        }
        std::mem::swap(&mut occupant, &mut before);
    }
    let last = configs.last().map_or(&[][..], Vec::as_slice);
    for (agent, (&v, &g)) in last.iter().zip(instance.goals()).enumerate() {
        if v != g {
            return Err(Violation::WrongGoal {
                agent,
                vertex: v,
                goal: g,
            });
        }
    }
    Ok(costs(instance, plan))
}

/// Finds a closed cycle of agents each moving into the vertex the next one leaves.
/// `before[v]` is the agent on `v` in `prev`.
fn find_rotation(prev: &[u32], next: &[u32], before: &[usize]) -> Option<Vec<usize>> {
    let k = prev.len();
    // state: 0 unvisited, 1 on current chain, 2 done
    let mut state = vec![0u8; k];
    for start in 0..k {
        if state[start] != 0 {
            continue;
        }
        let mut chain = Vec::new();
        let mut a = start;
        loop {
            if state[a] == 1 {
                let pos = chain.iter().position(|&x| x == a).unwrap_or(0);
                let cycle: Vec<usize> = chain[pos..].to_vec();
                if cycle.len() >= 3 {
                    return Some(cycle);
                }
                break;
            }
            if state[a] == 2 || prev[a] == next[a] {
                break;
            }
            state[a] = 1;
            chain.push(a);
            // the agent that was on the vertex `a` moves into
            let b = before[next[a] as usize];
            if b == usize::MAX {
                break;
            }
            a = b;
        }
        for &c in &chain {
            state[c] = 2;
        }
    }
    None
}

fn costs(instance: &Instance, plan: &Plan) -> PlanCost {
    let configs = plan.configs();
    let mut cost = PlanCost::default();
    for (agent, &goal) in instance.goals().iter().enumerate() {
        let mut arrival = 0u64;
        let mut loss = 0u64;
        for t in 1..configs.len() {
            let (a, b) = (configs[t - 1][agent], configs[t][agent]);
            if !(a == goal && b == goal) {
                loss += 1;
            }
            if a != goal && b == goal {
                arrival = t as u64;
            }
        }
        cost.sum_of_costs += arrival;
        cost.sum_of_loss += loss;
        cost.makespan = cost.makespan.max(arrival);
    }
    cost
}

/// Single-agent shortest distances and the lower bounds they give (breadth-first search
/// from each start, stopping at its goal). Independent of the solvers' distance tables.
///
/// # Errors
/// [`PlanError::Unreachable`] naming the first agent whose goal cannot be reached.
pub fn lower_bounds(instance: &Instance) -> Result<LowerBounds, PlanError> {
    let graph = instance.graph();
    let n = graph.vertex_count();
    let mut seen = vec![u32::MAX; n];
    let mut dist = vec![0u32; n];
    let mut queue = VecDeque::new();
    let mut out = LowerBounds::default();
    for (agent, (&s, &g)) in instance.starts().iter().zip(instance.goals()).enumerate() {
        let stamp = agent as u32;
        queue.clear();
        seen[s as usize] = stamp;
        dist[s as usize] = 0;
        queue.push_back(s);
        let mut found = None;
        while let Some(v) = queue.pop_front() {
            if v == g {
                found = Some(dist[v as usize]);
                break;
            }
            for &w in graph.successors(v) {
                if seen[w as usize] != stamp {
                    seen[w as usize] = stamp;
                    dist[w as usize] = dist[v as usize] + 1;
                    queue.push_back(w);
                }
            }
        }
        let Some(d) = found else {
            return Err(PlanError::Unreachable {
                agent,
                start: s,
                goal: g,
            });
        };
        out.distances.push(d);
        out.sum_of_costs += u64::from(d);
        out.makespan = out.makespan.max(u64::from(d));
    }
    Ok(out)
}
