//! Windowed refinement of lifelong steps (after Jiang et al.'s windowed PIBT with large
//! neighbourhood search, "Scaling Lifelong Multi-Agent Path Finding to More Realistic
//! Settings", SoCS 2024, and Li et al.'s MAPF-LNS).
//!
//! PIBT looks one step ahead. With a window on, the lifelong planner first rolls PIBT
//! forward `horizon` steps (a collision-free plan of every vehicle over the window), then
//! improves that plan by large neighbourhood search: it takes a vehicle that is late (its
//! cost exceeds its cost to go from where it starts: the distance, or with guide paths the
//! guide path's cost) and the vehicles in its way, removes their windowed paths and plans
//! them again one by one with space-time A* around everyone else's, keeping the new paths if
//! their summed cost does not rise (equal ones too, so the search can drift across
//! plateaus). A path's cost is the step at which it first reaches its goal, or, if it
//! does not within the window, the window's length plus the moves still to go from where it
//! ends. Only the first step of the improved plan is committed; the next step starts again.
//!
//! What stays guaranteed: the windowed plan is at every step free of vertex conflicts,
//! swaps and rotating rings (a replanned path that would close a ring is refused), moves
//! only along edges into open cells, and never moves a fixed (pinned or held) vehicle. The
//! search is bounded by the caller's iteration budget (and, if the caller asks, a time limit
//! per step), so a run without a time limit is deterministic under its seed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use corridor_map::{CellGraph, CellId};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// How far ahead a windowed step looks and how hard it searches. The default (10 steps,
/// 1,000 neighbourhoods of 8) is what `corridor lifelong --solver window` was measured with
/// against RHCR (whose own window is 10 steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowOptions {
    /// Steps in the window (1 to [`MAX_HORIZON`]).
    pub horizon: u32,
    /// Neighbourhoods tried per step (the search budget).
    pub iterations: u32,
    /// Vehicles replanned together in one neighbourhood (at least 1).
    pub neighbourhood: u32,
    /// Wall time the search may take per step, if bounded (checked before each
    /// neighbourhood; the PIBT roll-out is not counted). With a time bound the steps depend
    /// on the machine's speed and load: runs are no longer reproducible under the seed.
    pub time_limit: Option<Duration>,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions {
            horizon: 10,
            iterations: 1000,
            neighbourhood: 8,
            time_limit: None,
        }
    }
}

/// The longest window (longer ones are cut to it).
pub const MAX_HORIZON: u32 = 64;
/// The window search is skipped (the step is plain PIBT) on graphs so large that its
/// space-time states could not be numbered in 32 bits.
pub(crate) fn fits(horizon: u32, cells: usize) -> bool {
    (horizon as usize + 1)
        .checked_mul(cells)
        .and_then(|s| s.checked_mul(2))
        .is_some_and(|s| s < u32::MAX as usize)
}

/// Moves still to go beyond the window for a vehicle whose goal cannot be reached from
/// where its path ends (keeps the sums finite and such paths last).
const FAR: u32 = 1 << 20;
/// Space-time A* gives up after this many expansions (the neighbourhood is then kept as it
/// was).
const EXPANSIONS: usize = 4096;
const NONE: u32 = u32::MAX;

/// An open space-time A* state: `(Reverse(f), t, Reverse(g), Reverse(state))`, so the heap
/// pops the least `f` first, then the latest step.
type Open = (Reverse<u32>, u32, Reverse<u32>, Reverse<u32>);

/// What the window search needs to know about one vehicle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vehicle {
    /// The goal, if any.
    pub goal: Option<u32>,
    /// Pinned or held: stays where it is for the whole window and is never replanned.
    pub fixed: bool,
}

/// A vehicle's cost to go from a cell to its goal, in moves (`u32::MAX`: unreachable):
/// the planner's distance or guide-path cost, whichever its PIBT ranks moves by.
pub(crate) trait ToGo {
    /// Vehicle `v`'s cost to go from `cell`.
    fn to_go(&mut self, v: u32, cell: u32) -> u32;
}

/// The windowed plan and the scratch of its search.
#[derive(Debug)]
pub(crate) struct Window {
    pub options: WindowOptions,
    cells: usize,
    /// `paths[v][t]`: vehicle `v`'s cell at step `t` of the window, `t` in `0..=horizon`.
    paths: Vec<Vec<u32>>,
    /// `occupant[t * cells + c]`: the vehicle in cell `c` at step `t`, or `NONE`.
    occupant: Vec<u32>,
    // Space-time A* scratch, indexed by state `(t * cells + c) * 2 + reached`.
    seen: Vec<u32>,
    generation: u32,
    cost: Vec<u32>,
    parent: Vec<u32>,
    heap: BinaryHeap<Open>,
}

/// What one windowed step's search did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowReport {
    /// Neighbourhoods whose replanned paths were kept (at an equal or lower cost).
    pub improved: u32,
    /// Sum of path costs of the plan the search started from: the cheaper of the fresh PIBT
    /// roll-out and the plan carried over from the last step.
    pub cost_before: u64,
    /// Sum of path costs after the search.
    pub cost_after: u64,
}

impl Window {
    pub fn new(options: WindowOptions) -> Window {
        Window {
            options: WindowOptions {
                horizon: options.horizon.clamp(1, MAX_HORIZON),
                iterations: options.iterations,
                neighbourhood: options.neighbourhood.max(1),
                time_limit: options.time_limit,
            },
            cells: 0,
            paths: Vec::new(),
            occupant: Vec::new(),
            seen: Vec::new(),
            generation: 0,
            cost: Vec::new(),
            parent: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Takes `configs` (`horizon + 1` collision-free, ring-free configurations, the first
    /// where the vehicles are) as the plan to improve.
    pub fn load(&mut self, cells: usize, configs: &[Vec<u32>]) {
        let h = self.options.horizon as usize;
        debug_assert_eq!(configs.len(), h + 1);
        let n = configs.first().map_or(0, Vec::len);
        self.cells = cells;
        self.occupant.clear();
        self.occupant.resize((h + 1) * cells, NONE);
        self.paths.resize_with(n, Vec::new);
        for (v, path) in self.paths.iter_mut().enumerate() {
            path.clear();
            path.extend(configs.iter().map(|c| c[v]));
        }
        for v in 0..n {
            self.reserve(v as u32);
        }
        let states = (h + 1) * cells * 2;
        if self.seen.len() != states {
            self.seen = vec![0; states];
            self.cost = vec![0; states];
            self.parent = vec![NONE; states];
            self.generation = 0;
        }
    }

    /// The plan of the last step moved on by one step, as the first `horizon`
    /// configurations of this step's plan, if it still fits: it must start at `frontier`,
    /// not move a vehicle that is now `fixed`, and not enter a cell that is now `closed`.
    pub fn carried_over(
        &self,
        frontier: &[u32],
        fixed: &[bool],
        closed: &[bool],
    ) -> Option<Vec<Vec<u32>>> {
        let h = self.options.horizon as usize;
        if self.paths.len() != frontier.len() || h < 2 {
            return None;
        }
        for (v, path) in self.paths.iter().enumerate() {
            if path.len() != h + 1 || path[1] != frontier[v] {
                return None;
            }
            if fixed[v] && path[1..].iter().any(|&c| c != frontier[v]) {
                return None;
            }
            if path[1..]
                .windows(2)
                .any(|m| m[0] != m[1] && closed[m[1] as usize])
            {
                return None;
            }
        }
        Some(
            (1..=h)
                .map(|t| self.paths.iter().map(|p| p[t]).collect())
                .collect(),
        )
    }

    /// The sum of path costs of a plan given as configurations.
    pub fn plan_cost(
        &self,
        configs: &[Vec<u32>],
        vehicles: &[Vehicle],
        to_go: &mut dyn ToGo,
    ) -> u64 {
        let h = self.options.horizon;
        (0..vehicles.len())
            .map(|v| {
                let cells = configs.iter().map(|c| c[v]);
                u64::from(cost_along(h, v as u32, vehicles[v].goal, cells, to_go))
            })
            .sum()
    }

    /// The configuration after the first step of the plan.
    pub fn first_step(&self) -> Vec<u32> {
        self.paths.iter().map(|p| p[1]).collect()
    }

    /// Improves the plan with up to `options.iterations` neighbourhoods.
    pub fn improve(
        &mut self,
        graph: &CellGraph,
        closed: &[bool],
        vehicles: &[Vehicle],
        to_go: &mut dyn ToGo,
        rng: &mut ChaCha8Rng,
    ) -> WindowReport {
        let n = vehicles.len();
        let mut costs: Vec<u32> = (0..n).map(|v| self.path_cost(v, vehicles, to_go)).collect();
        let before: u64 = costs.iter().map(|&c| u64::from(c)).sum();
        let mut report = WindowReport {
            cost_before: before,
            ..WindowReport::default()
        };
        // Late vehicles (movable, with a goal, cost above their cost to go from the start),
        // in vehicle order; only a kept neighbourhood changes costs, so only its members
        // can join or leave.
        let ideal: Vec<u32> = (0..n as u32)
            .map(|v| match vehicles[v as usize] {
                Vehicle {
                    goal: Some(_),
                    fixed: false,
                } => to_go.to_go(v, self.paths[v as usize][0]),
                _ => u32::MAX,
            })
            .collect();
        let mut late: Vec<u32> = (0..n as u32)
            .filter(|&v| costs[v as usize] > ideal[v as usize])
            .collect();
        let mut members = Vec::new();
        let mut old_paths: Vec<Vec<u32>> = Vec::new();
        let deadline = self.options.time_limit.map(|t| Instant::now() + t);
        for _ in 0..self.options.iterations {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            // A vehicle that is late, and those in its way.
            if late.is_empty() {
                break;
            }
            let chosen = late[rng.random_range(0..late.len())];
            self.neighbourhood(graph, chosen, vehicles, to_go, &mut members);
            // Shuffle the replanning order.
            for i in (1..members.len()).rev() {
                let j = rng.random_range(0..=i);
                members.swap(i, j);
            }
            old_paths.clear();
            let old_cost: u64 = members.iter().map(|&v| u64::from(costs[v as usize])).sum();
            for &v in &members {
                old_paths.push(self.paths[v as usize].clone());
                self.release(v);
            }
            let mut new_cost = 0u64;
            let mut planned = 0;
            for &v in &members {
                if !self.plan(graph, closed, v, vehicles[v as usize].goal, to_go) {
                    break;
                }
                self.reserve(v);
                new_cost += u64::from(self.path_cost(v as usize, vehicles, to_go));
                planned += 1;
            }
            let keep = planned == members.len()
                && new_cost <= old_cost
                && members.iter().all(|&v| !self.closes_ring(v));
            if keep {
                report.improved += 1;
                for &v in &members {
                    costs[v as usize] = self.path_cost(v as usize, vehicles, to_go);
                    match (
                        late.binary_search(&v),
                        costs[v as usize] > ideal[v as usize],
                    ) {
                        (Err(at), true) => late.insert(at, v),
                        (Ok(at), false) => {
                            late.remove(at);
                        }
                        _ => {}
                    }
                }
            } else {
                for &v in &members[..planned] {
                    self.release(v);
                }
                for (&v, path) in members.iter().zip(&old_paths) {
                    self.paths[v as usize].clone_from(path);
                    self.reserve(v);
                }
            }
        }
        report.cost_after = costs.iter().map(|&c| u64::from(c)).sum();
        report
    }

    /// `v`'s path's cost: the first step at its goal, else the horizon plus the moves to go.
    fn path_cost(&self, v: usize, vehicles: &[Vehicle], to_go: &mut dyn ToGo) -> u32 {
        let cells = self.paths[v].iter().copied();
        cost_along(
            self.options.horizon,
            v as u32,
            vehicles[v].goal,
            cells,
            to_go,
        )
    }

    /// `chosen` and up to `neighbourhood − 1` movable vehicles that are, at some step of the
    /// window, in a cell of `chosen`'s shortest way to its goal: in the order of those cells
    /// along the way, and at each cell in the order of the steps.
    fn neighbourhood(
        &self,
        graph: &CellGraph,
        chosen: u32,
        vehicles: &[Vehicle],
        to_go: &mut dyn ToGo,
        members: &mut Vec<u32>,
    ) {
        members.clear();
        members.push(chosen);
        let want = self.options.neighbourhood as usize;
        if vehicles[chosen as usize].goal.is_none() || want <= 1 {
            return;
        }
        let h = self.options.horizon as usize;
        let mut cell = self.paths[chosen as usize][0];
        for _ in 0..h {
            // One step down the distance table (the first successor that gets closer).
            let d = to_go.to_go(chosen, cell);
            let Some(&next) = graph
                .successors(CellId(cell))
                .iter()
                .find(|s| to_go.to_go(chosen, s.0) < d)
            else {
                break;
            };
            cell = next.0;
            for t in 0..=h {
                let w = self.occupant[t * self.cells + cell as usize];
                if w != NONE && !vehicles[w as usize].fixed && !members.contains(&w) {
                    members.push(w);
                    if members.len() >= want {
                        return;
                    }
                }
            }
        }
    }

    fn reserve(&mut self, v: u32) {
        for (t, &c) in self.paths[v as usize].iter().enumerate() {
            self.occupant[t * self.cells + c as usize] = v;
        }
    }

    fn release(&mut self, v: u32) {
        for (t, &c) in self.paths[v as usize].iter().enumerate() {
            let slot = &mut self.occupant[t * self.cells + c as usize];
            if *slot == v {
                *slot = NONE;
            }
        }
    }

    /// Whether one of `v`'s moves closes a ring of vehicles each moving into the cell of
    /// the next at the same step.
    fn closes_ring(&self, v: u32) -> bool {
        let path = &self.paths[v as usize];
        let limit = self.paths.len();
        for t in 0..path.len() - 1 {
            if path[t + 1] == path[t] {
                continue;
            }
            let mut cell = path[t + 1];
            for _ in 0..limit {
                let holder = self.occupant[t * self.cells + cell as usize];
                if holder == NONE {
                    break;
                }
                if holder == v {
                    return true;
                }
                let theirs = &self.paths[holder as usize];
                if theirs[t + 1] == theirs[t] {
                    break;
                }
                cell = theirs[t + 1];
            }
        }
        false
    }

    /// Plans `v`'s path over the window from where it starts, around every reserved path
    /// (no vertex conflict, no swap), minimising its cost. False if there is no such path or
    /// the search ran out of expansions.
    fn plan(
        &mut self,
        graph: &CellGraph,
        closed: &[bool],
        v: u32,
        goal: Option<u32>,
        to_go: &mut dyn ToGo,
    ) -> bool {
        let cells = self.cells;
        let h = self.options.horizon;
        let start = self.paths[v as usize][0];
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        let generation = self.generation;
        let state = |t: u32, c: u32, reached: bool| {
            ((t as usize * cells + c as usize) * 2 + usize::from(reached)) as u32
        };
        let mut heuristic = |c: u32, reached: bool| {
            if reached {
                0
            } else {
                remaining(to_go.to_go(v, c))
            }
        };
        let reached0 = goal.is_none_or(|g| g == start);
        let s0 = state(0, start, reached0);
        self.heap.clear();
        self.seen[s0 as usize] = generation;
        self.cost[s0 as usize] = 0;
        self.parent[s0 as usize] = NONE;
        self.heap.push((
            Reverse(heuristic(start, reached0)),
            0,
            Reverse(0),
            Reverse(s0),
        ));
        let mut expansions = 0;
        while let Some((_, t, Reverse(g), Reverse(s))) = self.heap.pop() {
            if self.cost[s as usize] < g {
                // A cheaper way to this state was found after this entry was pushed.
                continue;
            }
            let cell = (s / 2) % cells as u32;
            let reached = s % 2 == 1;
            if t == h {
                // Write the path back from the parents.
                let path = &mut self.paths[v as usize];
                let mut at = s;
                for step in (0..=h as usize).rev() {
                    path[step] = (at / 2) % cells as u32;
                    at = self.parent[at as usize];
                }
                return true;
            }
            expansions += 1;
            if expansions > EXPANSIONS {
                return false;
            }
            let now = t as usize * cells;
            let next = (t as usize + 1) * cells;
            let successors = graph.successors(CellId(cell));
            for k in 0..=successors.len() {
                let to = if k == 0 { cell } else { successors[k - 1].0 };
                if k > 0 && closed[to as usize] {
                    continue;
                }
                if self.occupant[next + to as usize] != NONE {
                    continue;
                }
                if k > 0 {
                    let other = self.occupant[now + to as usize];
                    if other != NONE && self.occupant[next + cell as usize] == other {
                        continue;
                    }
                }
                let arrives = goal == Some(to);
                let reached_to = reached || arrives;
                let g_to = if reached { g } else { t + 1 };
                let s_to = state(t + 1, to, reached_to);
                let i = s_to as usize;
                if self.seen[i] == generation && self.cost[i] <= g_to {
                    continue;
                }
                self.seen[i] = generation;
                self.cost[i] = g_to;
                self.parent[i] = s;
                let f = g_to + heuristic(to, reached_to);
                self.heap
                    .push((Reverse(f), t + 1, Reverse(g_to), Reverse(s_to)));
            }
        }
        false
    }
}

/// The cost of vehicle `v`'s path through `cells` (step 0 first): the first step at `goal`,
/// else `horizon` plus the cost to go from the last cell; 0 without a goal.
fn cost_along(
    horizon: u32,
    v: u32,
    goal: Option<u32>,
    cells: impl Iterator<Item = u32>,
    to_go: &mut dyn ToGo,
) -> u32 {
    let Some(goal) = goal else {
        return 0;
    };
    let mut last = None;
    for (t, cell) in cells.enumerate() {
        if cell == goal {
            return t as u32;
        }
        last = Some(cell);
    }
    horizon + last.map_or(FAR, |cell| remaining(to_go.to_go(v, cell)))
}

/// A cost to go, `FAR` where the goal cannot be reached.
fn remaining(to_go: u32) -> u32 {
    to_go.min(FAR)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance along the line 0 → 1 → … → 4 to cell 4.
    struct Line;

    impl ToGo for Line {
        fn to_go(&mut self, _: u32, cell: u32) -> u32 {
            4u32.saturating_sub(cell)
        }
    }

    /// A neighbourhood of `size` holds the chosen vehicle and at most `size − 1` of those
    /// standing in its way (here vehicles 1..=3, ahead of vehicle 0 on the line).
    #[test]
    fn a_neighbourhood_holds_at_most_its_size() {
        let graph = CellGraph::from_grid(5, 1, &[true; 5]).expect("line");
        // Vehicles 0..4 at cells 0..4, standing still over a window of 3 (vehicle 0's way
        // over the window: cells 1, 2, 3).
        let configs = vec![vec![0, 1, 2, 3]; 4];
        let vehicles = vec![
            Vehicle {
                goal: Some(4),
                fixed: false,
            };
            4
        ];
        for (size, expected) in [
            (1, vec![0]),
            (2, vec![0, 1]),
            (3, vec![0, 1, 2]),
            (8, vec![0, 1, 2, 3]),
        ] {
            let mut window = Window::new(WindowOptions {
                horizon: 3,
                iterations: 1,
                neighbourhood: size,
                time_limit: None,
            });
            window.load(5, &configs);
            let mut members = Vec::new();
            window.neighbourhood(&graph, 0, &vehicles, &mut Line, &mut members);
            assert_eq!(members, expected, "neighbourhood of {size}");
        }
    }

    #[test]
    fn oversized_windows_are_refused_before_their_states_overflow() {
        assert!(fits(MAX_HORIZON, 1 << 20));
        assert!(!fits(MAX_HORIZON, 1 << 26));
        assert_eq!(
            Window::new(WindowOptions {
                horizon: 1000,
                ..WindowOptions::default()
            })
            .options
            .horizon,
            MAX_HORIZON
        );
    }
}
