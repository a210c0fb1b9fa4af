//! Lifelong planning: vehicles get new goals at any time while they move; the planner
//! extends what is already committed to them, one step at a time, and never takes back a
//! cell a vehicle has been released into.
//!
//! Each [`LifelongPlanner::step`] computes the next configuration of the *frontier* — where
//! every vehicle's committed plan ends — with PIBT (priority inheritance with
//! backtracking, Okumura et al., IJCAI-19), and appends it to the [`ExecutionGraph`], which
//! releases cells to vehicles in an order that is safe whatever their delays.
//!
//! What PIBT is given:
//! - **goals** per vehicle (none: it may be pushed aside but is not drawn anywhere);
//! - **pinned** vehicles that must not move (in service at a station, broken down, paused);
//! - **closed cells** no vehicle may enter (a closed lane); a vehicle already in one may
//!   leave it;
//! - a **look-ahead** bound: a vehicle whose frontier is this many visits ahead of the
//!   vehicle itself is held at its frontier, so commitments never run far ahead of a
//!   vehicle that is late.
//!
//! Priorities follow the lifelong PIBT convention: the longer a vehicle has been on its way
//! to its current goal, the higher its priority; reaching a goal resets it. This gives the
//! reachability guarantee of PIBT on graphs where every edge lies on a cycle. Moves that the
//! execution graph could not carry out (a swap, a ring of vehicles rotating in one step) are
//! never generated.

use std::sync::Arc;

use corridor_map::{CellGraph, CellId};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::checker::{Rules, check_with};
use crate::execution::{ExecutionError, ExecutionGraph};
use crate::graph::Digraph;
use crate::guidance::Guidance;
use crate::instance::Instance;
use crate::plan::Plan;
use crate::window::{ToGo, Vehicle, Window, WindowOptions, WindowReport, fits};

/// Lazily computed distance tables: for each goal, every cell's number of moves to it over
/// open cells. Computed on first use, kept until cells close or open. Looked up by goal
/// cell through a dense index (no hashing: this is the hottest look-up of a tick).
#[derive(Debug, Default)]
struct Distances {
    /// For each goal cell, the index of its table in `tables`, or `NO_TABLE`.
    slot: Vec<u32>,
    tables: Vec<Vec<u32>>,
}

const UNREACHABLE: u32 = u32::MAX;
const NO_TABLE: u32 = u32::MAX;
/// Default escalation: after this long (on the planner's clock) without moving, a vehicle's
/// pushes ignore the detour limit.
const STUCK_LIMIT: f64 = 20.0;
/// At most this many cells' worth of tables are kept (64 MiB of `u32`); beyond it the
/// cache starts again empty. Fleet goals are a few station cells; benchmarks with random
/// goals on large maps would otherwise grow without bound.
const CACHE_CELLS: usize = 16 << 20;
/// With guidance, at most this many vehicles that start a step off their guide path get a
/// new one in that step (new goals always get theirs). Bounds the A* work of a step.
pub const GUIDE_REPLANS: usize = 8;

impl Distances {
    fn clear(&mut self) {
        self.slot.iter_mut().for_each(|s| *s = NO_TABLE);
        self.tables.clear();
    }

    fn table(&mut self, graph: &CellGraph, closed: &[bool], goal: u32) -> &[u32] {
        if self.slot.len() != graph.len() {
            self.slot = vec![NO_TABLE; graph.len()];
            self.tables.clear();
        }
        if self.slot[goal as usize] == NO_TABLE {
            if (self.tables.len() + 1) * graph.len() > CACHE_CELLS {
                self.clear();
            }
            let mut dist = vec![UNREACHABLE; graph.len()];
            let mut queue = std::collections::VecDeque::new();
            dist[goal as usize] = 0;
            queue.push_back(goal);
            while let Some(c) = queue.pop_front() {
                let d = dist[c as usize] + 1;
                for &p in graph.predecessors(CellId(c)) {
                    // A closed cell may be left but not entered: it can be a source of
                    // moves but not an intermediate cell, except the goal itself.
                    if dist[p.0 as usize] == UNREACHABLE {
                        dist[p.0 as usize] = d;
                        if !closed[p.0 as usize] {
                            queue.push_back(p.0);
                        }
                    }
                }
            }
            self.slot[goal as usize] = self.tables.len() as u32;
            self.tables.push(dist);
        }
        &self.tables[self.slot[goal as usize] as usize]
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepReport {
    /// Vehicles whose frontier moved.
    pub moved: usize,
    /// Vehicles whose frontier reached their goal in this step.
    pub reached: usize,
}

/// A lifelong planner over a cell graph. Deterministic under its seed.
#[derive(Debug)]
pub struct LifelongPlanner {
    graph: Arc<CellGraph>,
    /// The moves the plan checker allows: every edge of `graph` into an open cell.
    open_moves: Arc<Digraph>,
    execution: ExecutionGraph,
    goals: Vec<Option<u32>>,
    pinned: Vec<bool>,
    closed: Vec<bool>,
    /// Cells a vehicle passes through only when no equally short move avoids them.
    avoid: Vec<bool>,
    /// Steps since the vehicle's goal was set or last reached.
    elapsed: Vec<u64>,
    /// When the vehicle last moved, got its goal, or was held (pinned or by the look-ahead
    /// bound), on the planner's clock: it is stuck from then on while it does not move.
    stuck_since: Vec<f64>,
    /// The planner's clock: the caller's ([`LifelongPlanner::set_time`]) or, until the caller
    /// sets one, the number of steps taken.
    time: f64,
    caller_clock: bool,
    /// How long a vehicle may be stuck before its pushes ignore the detour limit.
    stuck_limit: f64,
    distances: Distances,
    rng: ChaCha8Rng,
    lookahead: u64,
    /// A pushed vehicle with a goal moves only where its distance to the goal grows by at
    /// most this many moves.
    max_detour: u32,
    /// Whether the current push chain ignores `max_detour`.
    unlimited: bool,
    /// Traffic-flow guide paths, when on.
    guidance: Option<Guidance>,
    /// Windowed refinement, when on.
    window: Option<Window>,
    /// What the last windowed step's search did.
    last_window: WindowReport,
    // Scratch of one step.
    now: Vec<u32>,
    next: Vec<Option<u32>>,
    occupied_now: Vec<Option<u32>>,
    occupied_next: Vec<Option<u32>>,
    tie: Vec<f64>,
}

impl LifelongPlanner {
    /// A planner with vehicle `v` at `starts[v]`, no goals, nothing pinned or closed.
    ///
    /// # Errors
    /// [`ExecutionError::Collision`] if two vehicles start in one cell.
    pub fn new(
        graph: Arc<CellGraph>,
        starts: &[CellId],
        seed: u64,
    ) -> Result<LifelongPlanner, ExecutionError> {
        let raw: Vec<u32> = starts.iter().map(|c| c.0).collect();
        let execution = ExecutionGraph::new(&raw)?;
        let n = starts.len();
        let cells = graph.len();
        let open_moves = open_moves(&graph, &vec![false; cells])
            .map_err(|e| ExecutionError::Unchecked(e.to_string()))?;
        Ok(LifelongPlanner {
            open_moves,
            execution,
            goals: vec![None; n],
            pinned: vec![false; n],
            closed: vec![false; cells],
            avoid: vec![false; cells],
            elapsed: vec![0; n],
            stuck_since: vec![0.0; n],
            time: 0.0,
            caller_clock: false,
            stuck_limit: STUCK_LIMIT,
            distances: Distances::default(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            lookahead: u64::MAX,
            max_detour: u32::MAX,
            unlimited: false,
            guidance: None,
            window: None,
            last_window: WindowReport::default(),
            now: Vec::new(),
            next: vec![None; n],
            occupied_now: vec![None; cells],
            occupied_next: vec![None; cells],
            tie: vec![0.0; n],
            graph,
        })
    }

    /// Holds a vehicle at its frontier while its frontier is `visits` or more ahead of the
    /// visit it has entered (`u64::MAX`: no bound, for synchronous benchmarks).
    pub fn set_lookahead(&mut self, visits: u64) {
        self.lookahead = visits.max(1);
    }

    /// Limits how far a vehicle may be pushed away from its goal: a vehicle that a
    /// higher-priority one wants to push moves only to cells at most `moves` farther from
    /// its goal than where it is, else it stays and the pusher looks elsewhere. On one-way
    /// networks this keeps a vehicle waiting for a busy station in its queue instead of
    /// being pushed onto a long loop. `u32::MAX` (the default) is plain PIBT.
    pub fn set_max_detour(&mut self, moves: u32) {
        self.max_detour = moves;
    }

    /// Turns traffic-flow guide paths on or off (default off; after Chen, Harabor, Li,
    /// Stuckey, "Traffic Flow Optimisation for Lifelong Multi-Agent Path Finding", AAAI-24).
    ///
    /// With guidance, each vehicle with a goal follows a *guide path*: the cheapest path to
    /// its goal where a move costs 1 plus twice its contraflow (for a move `a → b`: the
    /// other guide paths using `a → b`, plus one, times those using `b → a`), ties broken
    /// at random under the seed. PIBT then ranks the vehicle's moves by the moves to its
    /// guide path plus the path's remaining length from there, instead of the distance to
    /// the goal, so vehicles crossing a narrow two-way aisle keep to one direction in it and
    /// spread over parallel aisles. A guide path is planned at the first step after the
    /// goal is set, and again, from where the vehicle is, when a step starts with the
    /// vehicle off its path (at most [`GUIDE_REPLANS`] of those per step, in turn).
    ///
    /// What stays guaranteed: every step is an ordinary PIBT step (moves along edges, no
    /// swaps, no rotating rings, pins and closed cells respected), and the ranking falls
    /// by one with every move along the guide path and is 0 only at the goal, so the
    /// highest-priority vehicle still moves towards its goal. Closing or opening cells drops
    /// every guide path (they are planned anew). The cost: one A* per new goal and per
    /// replanning, and a lazily filled table per vehicle (8 bytes per cell).
    pub fn set_guidance(&mut self, on: bool) {
        if !on {
            self.guidance = None;
        } else if self.guidance.is_none() {
            let seed = self.rng.random();
            self.guidance = Some(Guidance::new(&self.graph, self.goals.len(), seed));
        }
    }

    /// Turns windowed refinement on (`Some`) or off (`None`, the default).
    ///
    /// With a window, each step first rolls PIBT forward `horizon` steps, then improves that
    /// windowed plan by large neighbourhood search (`iterations` neighbourhoods of up to
    /// `neighbourhood` vehicles: a vehicle late against its cost to go and the vehicles in
    /// its way, replanned with space-time A*; kept if the sum of their costs does not rise),
    /// and commits the first step of the result. A path costs the step at which it first
    /// reaches its goal, or the horizon plus the moves still to go. After Jiang et al.'s
    /// windowed PIBT-LNS (SoCS 2024).
    ///
    /// What stays guaranteed: every committed step passes the same checks as a PIBT step
    /// (edges into open cells, no vertex conflict, no swap, no rotating ring; pinned and
    /// held vehicles stay), and the search is bounded by `iterations`, so runs stay
    /// deterministic under the seed — unless `time_limit` is set, which bounds the search's
    /// wall time per step instead and makes the steps depend on the machine's speed and load.
    /// On graphs too large for the search's state numbering (([`MAX_HORIZON`](crate::MAX_HORIZON) + 1) × cells ×
    /// 2 ≥ 2³²) the step is plain PIBT. What is given up: PIBT's reachability
    /// guarantee (the search may trade a vehicle's progress for the window's sum), so the
    /// fleet controller leaves it off. Meant for synchronous operation, where every
    /// vehicle follows the plan step by step, as in `corridor lifelong`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corridor_map::{CellGraph, CellId};
    /// use corridor_plan::{LifelongPlanner, WindowOptions};
    ///
    /// // A 5 × 3 grid, moves both ways; two vehicles cross it in opposite directions.
    /// let graph = Arc::new(CellGraph::from_grid(5, 3, &[true; 15])?);
    /// let mut planner = LifelongPlanner::new(graph, &[CellId(5), CellId(9)], 7)?;
    /// planner.set_window(Some(WindowOptions { horizon: 6, ..WindowOptions::default() }));
    /// planner.set_goal(0, Some(CellId(9)));
    /// planner.set_goal(1, Some(CellId(5)));
    /// for _ in 0..8 {
    ///     planner.step()?;
    ///     let searched = planner.last_window();
    ///     assert!(searched.cost_after <= searched.cost_before);
    ///     for v in 0..2 {
    ///         let released = planner.execution().released(v);
    ///         planner.enter(v, released)?;
    ///     }
    /// }
    /// assert!(planner.at_goal(0) && planner.at_goal(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_window(&mut self, options: Option<WindowOptions>) {
        self.window = options.map(Window::new);
        self.last_window = WindowReport::default();
    }

    /// What the last windowed step's search did (default when the window is off or has not
    /// stepped yet).
    pub fn last_window(&self) -> WindowReport {
        self.last_window
    }

    /// Sets the planner's clock (any unit, never going back; the controller passes
    /// seconds). From the first call on, escalation ([`LifelongPlanner::set_stuck_limit`])
    /// is measured on this clock instead of in steps, so that a vehicle waiting in a queue
    /// does not escalate faster when more steps are planned per second.
    pub fn set_time(&mut self, now: f64) {
        self.caller_clock = true;
        self.time = self.time.max(now);
    }

    /// How long (in steps, or in the unit of [`LifelongPlanner::set_time`]) a vehicle with a
    /// goal may stay blocked before its pushes ignore the detour limit (plain PIBT for that
    /// vehicle, which keeps a queue from turning into a gridlock). Time a vehicle spends
    /// pinned or held by the look-ahead bound does not count. Default 20.
    pub fn set_stuck_limit(&mut self, limit: f64) {
        self.stuck_limit = limit.max(0.0);
    }

    /// The execution graph: what is committed, released and entered.
    pub fn execution(&self) -> &ExecutionGraph {
        &self.execution
    }

    /// Records that vehicle `v` has completely entered visit `index`.
    ///
    /// # Errors
    /// As [`ExecutionGraph::enter`].
    pub fn enter(&mut self, v: u32, index: u64) -> Result<(), ExecutionError> {
        self.execution.enter(v, index)
    }

    /// Sets (or clears) vehicle `v`'s goal; its priority restarts.
    pub fn set_goal(&mut self, v: u32, goal: Option<CellId>) {
        self.goals[v as usize] = goal.map(|c| c.0);
        self.elapsed[v as usize] = 0;
        self.stuck_since[v as usize] = self.time;
    }

    /// The goal of vehicle `v`.
    pub fn goal(&self, v: u32) -> Option<CellId> {
        self.goals[v as usize].map(CellId)
    }

    /// Pins or unpins vehicle `v` at its frontier.
    pub fn set_pinned(&mut self, v: u32, pinned: bool) {
        self.pinned[v as usize] = pinned;
    }

    /// Closes or opens cells; distance tables are recomputed.
    pub fn set_closed(&mut self, cells: &[CellId], closed: bool) {
        for c in cells {
            if let Some(slot) = self.closed.get_mut(c.0 as usize) {
                *slot = closed;
            }
        }
        self.distances.clear();
        // Fewer edges than the graph that was built in `new`: this cannot fail.
        if let Ok(moves) = open_moves(&self.graph, &self.closed) {
            self.open_moves = moves;
        }
        if let Some(gd) = &mut self.guidance {
            gd.clear_all(&self.graph);
        }
    }

    /// Marks cells that vehicles should not pass through: among moves that bring a vehicle
    /// equally close to its goal, one into such a cell is taken last, unless the cell is the
    /// vehicle's goal. For places where vehicles stand for a long time (bays on sidings
    /// beside a through lane, chargers): a vehicle driving past uses the through lane and
    /// leaves the places to those that stop there. Distances and completeness are unchanged:
    /// this only orders equally good moves.
    pub fn set_avoided(&mut self, cells: &[CellId], avoided: bool) {
        for c in cells {
            if let Some(slot) = self.avoid.get_mut(c.0 as usize) {
                *slot = avoided;
            }
        }
    }

    /// Moves from `from` to `goal`, over open cells (`None` if it cannot be reached).
    pub fn distance(&mut self, from: CellId, goal: CellId) -> Option<u32> {
        let d = self.distances.table(&self.graph, &self.closed, goal.0)[from.0 as usize];
        (d != UNREACHABLE).then_some(d)
    }

    /// Whether vehicle `v`'s frontier is at its goal.
    pub fn at_goal(&self, v: u32) -> bool {
        self.goals[v as usize].is_some_and(|g| self.execution.frontier_of(v) == g)
    }

    /// Plans one step for every vehicle, has the independent plan checker check it (moves
    /// along edges into open cells, no two vehicles in one cell, no swap, no rotation), and
    /// commits it.
    ///
    /// # Errors
    /// Never for a planner used through its API (the step is conflict-free by
    /// construction). If that is ever violated, [`ExecutionError::Rejected`] with the
    /// checker's finding (or the execution graph's error), and nothing is committed.
    pub fn step(&mut self) -> Result<StepReport, ExecutionError> {
        let n = self.goals.len();
        if !self.caller_clock {
            self.time += 1.0;
        }
        let frontier = self.execution.frontier();
        self.now.clone_from(&frontier);
        self.update_guides();
        // Fixed vehicles: pinned, held by the look-ahead bound.
        let mut fixed = vec![false; n];
        for (v, fixed) in fixed.iter_mut().enumerate() {
            let ahead = self.execution.last_visit(v as u32) - self.execution.entered(v as u32);
            if self.pinned[v] || ahead >= self.lookahead {
                *fixed = true;
                // Held, not blocked: this does not count as being stuck.
                self.stuck_since[v] = self.time;
            }
        }
        let mut next = self.plan_config(&frontier, &fixed);
        if self.window.is_some() {
            next = self.windowed(frontier.clone(), next, &fixed);
        }
        self.now = frontier;
        let mut report = StepReport::default();
        for (v, &to) in next.iter().enumerate() {
            let from = self.now[v];
            if to != from || self.goals[v].is_none_or(|g| g == from) {
                self.stuck_since[v] = self.time;
            }
            if to != from {
                report.moved += 1;
            }
            match self.goals[v] {
                Some(g) if to == g => {
                    if from != g {
                        report.reached += 1;
                    }
                    self.elapsed[v] = 0;
                }
                Some(_) => self.elapsed[v] += 1,
                None => {}
            }
        }
        self.check_step(&next)?;
        self.execution.push_step(&next)?;
        Ok(report)
    }

    /// One PIBT step from `from` (fixed vehicles stay), leaving the scratch clean.
    fn plan_config(&mut self, from: &[u32], fixed: &[bool]) -> Vec<u32> {
        let n = self.goals.len();
        self.now.clear();
        self.now.extend_from_slice(from);
        for (v, &cell) in from.iter().enumerate() {
            self.next[v] = None;
            self.occupied_now[cell as usize] = Some(v as u32);
            self.tie[v] = self.rng.random();
        }
        for (v, &cell) in from.iter().enumerate() {
            if fixed[v] {
                self.decide(v as u32, cell);
            }
        }
        let mut order: Vec<u32> = (0..n as u32)
            .filter(|&v| self.next[v as usize].is_none())
            .collect();
        order.sort_by(|&a, &b| {
            let key = |v: u32| {
                (
                    self.goals[v as usize].is_some() && !self.at_goal_now(v),
                    self.elapsed[v as usize],
                )
            };
            key(b)
                .cmp(&key(a))
                .then(self.tie[b as usize].total_cmp(&self.tie[a as usize]))
        });
        for v in order {
            if self.next[v as usize].is_none() {
                // A vehicle stuck for long may push others as far as needed (plain PIBT):
                // the detour limit must not turn a queue into a gridlock.
                self.unlimited = self.time - self.stuck_since[v as usize] >= self.stuck_limit;
                self.pibt(v, None);
            }
        }
        let next: Vec<u32> = (0..n).map(|v| self.next[v].unwrap_or(from[v])).collect();
        for v in 0..n {
            self.occupied_now[from[v] as usize] = None;
            self.occupied_next[next[v] as usize] = None;
        }
        next
    }

    /// The windowed step (see [`LifelongPlanner::set_window`]): PIBT rolled over the
    /// window from `frontier` (whose first step is `first`), improved by neighbourhood
    /// search; its first step.
    fn windowed(&mut self, frontier: Vec<u32>, first: Vec<u32>, fixed: &[bool]) -> Vec<u32> {
        let Some(mut window) = self.window.take() else {
            return first;
        };
        if !fits(window.options.horizon, self.graph.len()) {
            self.window = Some(window);
            return first;
        }
        let horizon = window.options.horizon as usize;
        let carried = window.carried_over(&frontier, fixed, &self.closed);
        let mut configs = Vec::with_capacity(horizon + 1);
        configs.push(frontier);
        configs.push(first);
        self.roll(&mut configs, horizon, fixed);
        // The last step's improved plan, moved on by one and extended by PIBT, competes
        // with the fresh roll-out.
        let carried = carried.map(|mut c| {
            self.roll(&mut c, horizon, fixed);
            c
        });
        let vehicles: Vec<Vehicle> = (0..self.goals.len())
            .map(|v| Vehicle {
                goal: self.goals[v],
                fixed: fixed[v],
            })
            .collect();
        // As `self.cost_source()`, built from the fields so that `self.rng` can be borrowed too.
        let mut to_go = PlannerToGo {
            graph: &self.graph,
            closed: &self.closed,
            goals: &self.goals,
            distances: &mut self.distances,
            guidance: self.guidance.as_mut(),
        };
        if let Some(carried) = carried
            && window.plan_cost(&carried, &vehicles, &mut to_go)
                < window.plan_cost(&configs, &vehicles, &mut to_go)
        {
            configs = carried;
        }
        window.load(self.graph.len(), &configs);
        self.last_window = window.improve(
            &self.graph,
            &self.closed,
            &vehicles,
            &mut to_go,
            &mut self.rng,
        );
        let next = window.first_step();
        self.window = Some(window);
        next
    }

    /// Extends `configs` by PIBT steps to `horizon + 1` configurations.
    fn roll(&mut self, configs: &mut Vec<Vec<u32>>, horizon: usize, fixed: &[bool]) {
        while configs.len() <= horizon {
            let next = self.plan_config(&configs[configs.len() - 1], fixed);
            configs.push(next);
        }
    }

    /// The plan checker's verdict on the step from the frontier (`self.now`) to `next`.
    fn check_step(&self, next: &[u32]) -> Result<(), ExecutionError> {
        let plan = Plan::from_configs(vec![self.now.clone(), next.to_vec()]);
        let instance = Instance::new(
            Arc::clone(&self.open_moves),
            self.now.clone(),
            next.to_vec(),
        )
        .map_err(|e| match e {
            crate::PlanError::SharedEndpoint {
                first,
                second,
                vertex,
                ..
            } => ExecutionError::Collision {
                cell: vertex,
                first: first as u32,
                second: second as u32,
            },
            other => ExecutionError::Unchecked(other.to_string()),
        })?;
        check_with(&instance, &plan, Rules::no_rotation())
            .map(|_| ())
            .map_err(ExecutionError::Rejected)
    }

    fn at_goal_now(&self, v: u32) -> bool {
        self.goals[v as usize].is_some_and(|g| self.now[v as usize] == g)
    }

    fn decide(&mut self, v: u32, cell: u32) {
        self.next[v as usize] = Some(cell);
        self.occupied_next[cell as usize] = Some(v);
    }

    /// Whether moving `v` into `cell` now would close a ring of vehicles each moving into
    /// the cell of the next.
    fn closes_ring(&self, v: u32, cell: u32) -> bool {
        let mut c = cell;
        for _ in 0..self.goals.len() {
            let Some(holder) = self.occupied_now[c as usize] else {
                return false;
            };
            if holder == v {
                return true;
            }
            match self.next[holder as usize] {
                Some(n) if n != c => c = n,
                _ => return false,
            }
        }
        false
    }

    /// PIBT for `v`, pushed by `parent` (whose cell `v` must not move into: no swaps).
    /// Returns whether `v` moved out of its cell.
    fn pibt(&mut self, v: u32, parent: Option<u32>) -> bool {
        let here = self.now[v as usize];
        let mut candidates: Vec<(u32, u32, f64)> = Vec::with_capacity(6);
        let goal = self.goals[v as usize];
        let graph = Arc::clone(&self.graph);
        for &s in graph.successors(CellId(here)) {
            if !self.closed[s.0 as usize] {
                // An avoided cell that is not the goal ranks after the other moves of the
                // same distance (jitter is below 1; staying ranks at 2).
                let avoided = self.avoid[s.0 as usize] && goal != Some(s.0);
                let jitter: f64 = self.rng.random::<f64>() + if avoided { 1.0 } else { 0.0 };
                let d = self.cost_to_go(v, s.0);
                candidates.push((s.0, d, jitter));
            }
        }
        let stay = self.cost_to_go(v, here);
        // A pushed vehicle does not take a long detour (see `set_max_detour`).
        if parent.is_some() && goal.is_some() && !self.unlimited {
            let limit = stay.saturating_add(self.max_detour);
            candidates.retain(|&(_, d, _)| d <= limit);
        }
        // Staying ranks after moves of the same distance, so pushed vehicles make room.
        candidates.push((here, stay, 2.0));
        candidates.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)));
        for (cell, _, _) in candidates {
            if self.occupied_next[cell as usize].is_some() {
                continue;
            }
            if parent.is_some_and(|p| self.now[p as usize] == cell) {
                continue;
            }
            if cell == here {
                self.decide(v, here);
                return false;
            }
            if self.closes_ring(v, cell) {
                continue;
            }
            self.decide(v, cell);
            match self.occupied_now[cell as usize] {
                Some(w) if w != v && self.next[w as usize].is_none() => {
                    if !self.pibt(w, Some(v)) {
                        // w stays: it took its own cell back; try the next candidate.
                        continue;
                    }
                    return true;
                }
                _ => return true,
            }
        }
        // Nothing free: stay (take our own cell even if someone tentatively claimed it).
        self.decide(v, here);
        false
    }

    /// Plans guide paths (with guidance on): for vehicles whose goal changed, then for at
    /// most [`GUIDE_REPLANS`] vehicles that start the step off their path, taken in turn;
    /// drops the guides of vehicles without a goal.
    fn update_guides(&mut self) {
        let Some(gd) = &mut self.guidance else {
            return;
        };
        let n = self.goals.len();
        let mut off_path = Vec::new();
        for v in 0..n {
            match self.goals[v] {
                Some(g) if gd.guides[v].goal != Some(g) => {
                    let table = self.distances.table(&self.graph, &self.closed, g);
                    gd.plan(&self.graph, &self.closed, table, v, self.now[v], g);
                }
                Some(_) if !gd.guides[v].on_path(self.now[v]) => off_path.push(v),
                None if gd.guides[v].goal.is_some() => gd.clear(&self.graph, v),
                _ => {}
            }
        }
        if off_path.is_empty() {
            return;
        }
        // In turn: the first off-path vehicle at or after the cursor, and on from there.
        let start = off_path.partition_point(|&v| v < gd.cursor);
        let take = off_path.len().min(GUIDE_REPLANS);
        for i in 0..take {
            let v = off_path[(start + i) % off_path.len()];
            if let Some(g) = self.goals[v] {
                let table = self.distances.table(&self.graph, &self.closed, g);
                gd.plan(&self.graph, &self.closed, table, v, self.now[v], g);
            }
            gd.cursor = v + 1;
        }
    }

    /// What PIBT ranks `v`'s moves by: the guide path's cost-to-go from `cell` when `v`
    /// has a guide path to its goal, else the moves from `cell` to the goal (0 without a
    /// goal). `UNREACHABLE` where neither reaches.
    fn cost_to_go(&mut self, v: u32, cell: u32) -> u32 {
        self.cost_source().to_go(v, cell)
    }

    /// [`LifelongPlanner::cost_to_go`] as a [`ToGo`] borrowing only the fields it reads.
    fn cost_source(&mut self) -> PlannerToGo<'_> {
        PlannerToGo {
            graph: &self.graph,
            closed: &self.closed,
            goals: &self.goals,
            distances: &mut self.distances,
            guidance: self.guidance.as_mut(),
        }
    }
}

/// What PIBT ranks moves by and the window search plans by (see
/// [`LifelongPlanner::cost_to_go`]), from fields borrowed apart from the planner.
struct PlannerToGo<'a> {
    graph: &'a CellGraph,
    closed: &'a [bool],
    goals: &'a [Option<u32>],
    distances: &'a mut Distances,
    guidance: Option<&'a mut Guidance>,
}

impl ToGo for PlannerToGo<'_> {
    fn to_go(&mut self, v: u32, cell: u32) -> u32 {
        let Some(goal) = self.goals[v as usize] else {
            return 0;
        };
        if let Some(gd) = &mut self.guidance {
            let guide = &mut gd.guides[v as usize];
            if guide.goal == Some(goal) {
                return guide
                    .cost(self.graph, self.closed, cell)
                    .unwrap_or(UNREACHABLE);
            }
        }
        self.distances.table(self.graph, self.closed, goal)[cell as usize]
    }
}

/// The graph of allowed moves: the edges of `graph` that end in an open cell (a vehicle may
/// leave a closed cell, not enter one).
fn open_moves(graph: &CellGraph, closed: &[bool]) -> Result<Arc<Digraph>, crate::PlanError> {
    let edges: Vec<(u32, u32)> = (0..graph.len() as u32)
        .flat_map(|c| {
            graph
                .successors(CellId(c))
                .iter()
                .filter(|s| !closed[s.0 as usize])
                .map(move |s| (c, s.0))
        })
        .collect();
    Digraph::from_edges(graph.len(), &edges).map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::Violation;

    /// A 4 × 1 corridor, cells 0-1-2-3, both ways.
    fn corridor(starts: &[u32]) -> LifelongPlanner {
        let graph = CellGraph::from_grid(4, 1, &[true; 4]).expect("grid");
        let starts: Vec<CellId> = starts.iter().map(|&c| CellId(c)).collect();
        LifelongPlanner::new(Arc::new(graph), &starts, 1).expect("planner")
    }

    fn verdict(planner: &mut LifelongPlanner, next: &[u32]) -> Result<(), ExecutionError> {
        planner.now = planner.execution.frontier();
        planner.check_step(next)
    }

    #[test]
    fn the_checker_sees_every_step_and_names_what_is_wrong() {
        let mut p = corridor(&[0, 2]);
        assert_eq!(verdict(&mut p, &[1, 3]), Ok(()), "two moves along edges");
        assert_eq!(verdict(&mut p, &[0, 2]), Ok(()), "waiting");
        assert!(
            matches!(
                verdict(&mut p, &[3, 2]),
                Err(ExecutionError::Rejected(Violation::NotAnEdge { .. }))
            ),
            "a jump over cells"
        );
        assert!(matches!(
            verdict(&mut p, &[1, 1]),
            Err(ExecutionError::Collision { cell: 1, .. })
        ));
        let mut p = corridor(&[1, 2]);
        assert!(
            matches!(
                verdict(&mut p, &[2, 1]),
                Err(ExecutionError::Rejected(Violation::SwapConflict { .. }))
            ),
            "a swap"
        );
        // A closed cell may be left, not entered.
        let mut p = corridor(&[0, 3]);
        p.set_closed(&[CellId(1), CellId(3)], true);
        assert!(
            matches!(
                verdict(&mut p, &[1, 3]),
                Err(ExecutionError::Rejected(Violation::NotAnEdge { .. }))
            ),
            "into a closed cell"
        );
        assert_eq!(verdict(&mut p, &[0, 2]), Ok(()), "out of a closed cell");
        // And the planner's own steps pass it.
        p.set_closed(&[CellId(1), CellId(3)], false);
        p.set_goal(0, Some(CellId(2)));
        p.set_goal(1, Some(CellId(0)));
        for _ in 0..3 {
            p.step().expect("a checked step");
        }
    }
}
