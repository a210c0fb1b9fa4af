//! Plans: one configuration (a vertex per agent) per timestep.

use crate::graph::Vertex;

/// A plan: `configs()[t][i]` is agent `i`'s vertex at timestep `t`; timestep 0 holds the
/// starts. After the last timestep every agent stays where it is.
///
/// A `Plan` says nothing about validity by itself; every plan a solver returns has passed
/// [`crate::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    configs: Vec<Vec<Vertex>>,
}

impl Plan {
    /// A plan from its configurations (timestep 0 first).
    pub fn from_configs(configs: Vec<Vec<Vertex>>) -> Plan {
        Plan { configs }
    }

    /// A plan from one path per agent (`paths[i][t]`); shorter paths are padded by waiting
    /// at their last vertex. Agents with an empty path are padded with `u32::MAX`, which
    /// the checker rejects. No paths give the plan of one empty configuration.
    pub fn from_paths(paths: &[Vec<Vertex>]) -> Plan {
        let len = paths.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let configs = (0..len)
            .map(|t| {
                paths
                    .iter()
                    .map(|p| p.get(t).or(p.last()).copied().unwrap_or(u32::MAX))
                    .collect()
            })
            .collect();
        Plan { configs }
    }

    /// The configurations, timestep 0 first.
    pub fn configs(&self) -> &[Vec<Vertex>] {
        &self.configs
    }

    /// Number of agents (of the first configuration; 0 for an empty plan).
    pub fn agents(&self) -> usize {
        self.configs.first().map_or(0, Vec::len)
    }

    /// Number of timesteps after the start (the plan's makespan); 0 for an empty plan.
    pub fn makespan(&self) -> usize {
        self.configs.len().saturating_sub(1)
    }

    /// Agent `agent`'s vertex at timestep `t` (its last vertex for `t` past the end).
    pub fn position(&self, agent: usize, t: usize) -> Option<Vertex> {
        let c = self.configs.get(t).or(self.configs.last())?;
        c.get(agent).copied()
    }

    /// Agent `agent`'s path, timestep 0 to the makespan.
    pub fn path(&self, agent: usize) -> Vec<Vertex> {
        self.configs
            .iter()
            .filter_map(|c| c.get(agent).copied())
            .collect()
    }
}
