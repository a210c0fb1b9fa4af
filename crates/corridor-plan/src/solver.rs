//! The one interface every solver implements, and what a call returns.

use std::time::{Duration, Instant};

use crate::checker::{self, PlanCost};
use crate::error::PlanError;
use crate::instance::Instance;
use crate::plan::Plan;

/// A multi-agent path-finding solver.
///
/// # Contract
/// - `solve` returns by `deadline` plus a small bounded overrun (one step of the solver's
///   main loop: one configuration generated, one high-level node expanded, one low-level
///   search), and does not hang.
/// - It never panics on a valid [`Instance`]; parameters out of range are
///   [`PlanError::InvalidParameter`].
/// - Every plan it returns has passed [`crate::check`]; a plan the checker rejects is
///   returned as [`PlanError::RejectedPlan`] instead (a solver bug, never a collision).
/// - The result depends only on the instance, the solver's options and `seed`, as long as
///   the deadline is not reached.
/// - Solvers hold no global state and are `Send`: run one per thread.
pub trait Solver: Send {
    /// A short name (`"lacam"`, `"pibt"`, `"cbs"`, …).
    fn name(&self) -> &'static str;

    /// Plans `instance` until `deadline`, with randomness drawn from `seed`.
    ///
    /// # Errors
    /// [`PlanError::InvalidParameter`] for bad options, [`PlanError::RejectedPlan`] if the
    /// solver's plan fails the checker.
    fn solve(
        &mut self,
        instance: &Instance,
        deadline: Instant,
        seed: u64,
    ) -> Result<Outcome, PlanError>;
}

/// What a solver call found.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A plan that passed the checker.
    Solved(Solution),
    /// Proven: no plan exists (the solver exhausted every reachable configuration, or an
    /// agent cannot reach its goal).
    Unsolvable(Stats),
    /// No plan was found before the deadline, or an incomplete solver (PIBT) gave up; says
    /// nothing about whether a plan exists.
    NotFound(Stats),
}

impl Outcome {
    /// The solution, if solved.
    pub fn solution(&self) -> Option<&Solution> {
        match self {
            Outcome::Solved(s) => Some(s),
            _ => None,
        }
    }
    /// The statistics of the call.
    pub fn stats(&self) -> &Stats {
        match self {
            Outcome::Solved(s) => &s.stats,
            Outcome::Unsolvable(s) | Outcome::NotFound(s) => s,
        }
    }
}

/// A checked plan and what it cost.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The plan.
    pub plan: Plan,
    /// Its costs, as computed by the checker.
    pub cost: PlanCost,
    /// How the solver got there.
    pub stats: Stats,
}

/// Statistics of one solver call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Wall time of the call.
    pub elapsed: Duration,
    /// Time to the first solution, when one was found.
    pub first_solution: Option<Duration>,
    /// The objective value of the first solution found (the solver's own objective:
    /// sum-of-loss for LaCAM*, sum-of-costs for CBS/EECBS, makespan steps for PIBT).
    pub first_cost: Option<u64>,
    /// Search nodes expanded (high-level nodes for LaCAM* and CBS, steps for PIBT).
    pub expanded: u64,
    /// Search nodes generated.
    pub generated: u64,
    /// Whether the returned plan is proven optimal for the solver's objective.
    pub optimal: bool,
    /// Whether the deadline stopped the call.
    pub hit_deadline: bool,
}

/// Checks a solver's plan and wraps it.
pub(crate) fn deliver(
    solver: &'static str,
    instance: &Instance,
    plan: Plan,
    mut stats: Stats,
    started: Instant,
) -> Result<Outcome, PlanError> {
    let cost = checker::check(instance, &plan)
        .map_err(|violation| PlanError::RejectedPlan { solver, violation })?;
    stats.elapsed = started.elapsed();
    Ok(Outcome::Solved(Solution { plan, cost, stats }))
}
