//! The execution dependency graph: turns a timed plan into an order of cell visits that
//! stays collision-free and deadlock-free whatever the delays (after Hönig et al.,
//! "Persistent and Robust Execution of MAPF Schedules in Warehouses", RA-L 2019).
//!
//! A plan is a sequence of configurations (one cell per vehicle per step). From it each
//! vehicle gets its sequence of *visits* — the cells it passes, with the waits the plan holds
//! only for timing dropped — and every cell gets the queue of visits to it, in the order the
//! plan makes them. A vehicle may enter its next cell only when its visit is at the head of
//! that cell's queue, that is when every earlier visit of the cell has been *left* (that
//! vehicle has completely entered its own next cell). The order of visits is kept, not the
//! timing.
//!
//! The graph grows step by step ([`ExecutionGraph::push_step`]): a lifelong planner appends
//! each new step of its plan to what is already committed, and committed visits are never
//! taken back. A one-shot plan is the same thing pushed all at once
//! ([`ExecutionGraph::from_plan`]).
//!
//! # Guarantees
//! - **No two vehicles hold one cell.** A vehicle holds the cell of the visit it has
//!   entered, and while it moves, the cell it is entering too; it may only start moving
//!   into a cell whose earlier visits have all been left, and later visits wait for it.
//! - **No deadlock.** A visit waits only for visits pushed before it — in an earlier step,
//!   or in the same step by a vehicle it follows into a cell that one is leaving. Steps
//!   that would make a vehicle wait for itself through others are refused when pushed:
//!   two vehicles swapping cells, or a closed ring of vehicles each moving into the cell
//!   of the next ([`ExecutionError::Swap`], [`ExecutionError::Rotation`]). So the waits
//!   form no cycle, and whatever the delays, as long as stopped vehicles move again, every
//!   vehicle reaches its last visit.

use std::collections::{HashMap, VecDeque};
use std::fmt;

/// One visit of one vehicle: `vehicle`'s visit number `index` (0 is its start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VisitRef {
    /// The vehicle (agent index of the plan).
    pub vehicle: u32,
    /// Index into that vehicle's visits, counted from its start; never reused.
    pub index: u64,
}

impl fmt::Display for VisitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vehicle {} visit {}", self.vehicle, self.index)
    }
}

/// Why a step could not be pushed or a report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExecutionError {
    /// A step has a different number of vehicles than the graph.
    #[error("a step with {got} vehicles pushed onto a graph of {expected}")]
    VehicleCount {
        /// Vehicles in the graph.
        expected: usize,
        /// Vehicles in the step.
        got: usize,
    },
    /// Two vehicles end a step in one cell.
    #[error("vehicles {first} and {second} would both be in cell {cell}")]
    Collision {
        /// The cell.
        cell: u32,
        /// One vehicle.
        first: u32,
        /// The other.
        second: u32,
    },
    /// Two vehicles swap cells in one step: each would wait for the other.
    #[error("vehicles {first} and {second} would swap cells {a} and {b}")]
    Swap {
        /// One vehicle.
        first: u32,
        /// The other.
        second: u32,
        /// The first vehicle's cell.
        a: u32,
        /// The second vehicle's cell.
        b: u32,
    },
    /// A closed ring of vehicles each moves into the cell of the next in one step: no order
    /// of single moves can carry it out.
    #[error("vehicles {vehicles:?} would rotate around a ring in one step")]
    Rotation {
        /// The vehicles of the ring, in order.
        vehicles: Vec<u32>,
    },
    /// A vehicle entered a cell before an earlier visit of it had been left.
    #[error("{entered} entered cell {cell} before {waiting_for} had left it")]
    OutOfOrder {
        /// The visit that came too early.
        entered: VisitRef,
        /// The cell.
        cell: u32,
        /// The visit at the head of the cell's queue.
        waiting_for: VisitRef,
    },
    /// A report names a vehicle or visit that does not exist, or goes backwards.
    #[error("vehicle {vehicle}: {reason}")]
    BadReport {
        /// The vehicle.
        vehicle: u32,
        /// What is wrong.
        reason: String,
    },
    /// The independent plan checker rejects a planned step (a planner bug); nothing of it
    /// was committed.
    #[error("the plan checker rejects the step: {0}")]
    Rejected(crate::checker::Violation),
    /// The cell graph cannot be given to the plan checker (too many cells).
    #[error("the cell graph cannot be checked: {0}")]
    Unchecked(String),
}

/// The execution dependency graph and the state of its execution: which visit each vehicle
/// has entered, and each cell's queue of visits not yet left.
#[derive(Debug, Clone)]
pub struct ExecutionGraph {
    /// Per vehicle: cells of its visits from `first[v]` on.
    visits: Vec<VecDeque<u32>>,
    /// Per vehicle: index of `visits[v][0]`.
    first: Vec<u64>,
    /// Per vehicle: index of the visit it has completely entered.
    entered: Vec<u64>,
    /// Per cell: the visits not yet left, in plan order. The head may be entered (or is held).
    queues: HashMap<u32, VecDeque<VisitRef>>,
}

impl ExecutionGraph {
    /// A graph with each vehicle at its start cell.
    ///
    /// # Errors
    /// [`ExecutionError::Collision`] if two vehicles start in one cell.
    pub fn new(starts: &[u32]) -> Result<ExecutionGraph, ExecutionError> {
        let mut queues: HashMap<u32, VecDeque<VisitRef>> = HashMap::new();
        for (v, &c) in starts.iter().enumerate() {
            let q = queues.entry(c).or_default();
            if let Some(other) = q.front() {
                return Err(ExecutionError::Collision {
                    cell: c,
                    first: other.vehicle,
                    second: v as u32,
                });
            }
            q.push_back(VisitRef {
                vehicle: v as u32,
                index: 0,
            });
        }
        Ok(ExecutionGraph {
            visits: starts.iter().map(|&c| VecDeque::from([c])).collect(),
            first: vec![0; starts.len()],
            entered: vec![0; starts.len()],
            queues,
        })
    }

    /// The graph of a whole plan: `paths[v][t]` is vehicle `v`'s cell at step `t`; a vehicle
    /// stays in its last cell after its path ends.
    ///
    /// # Errors
    /// As [`ExecutionGraph::new`] and [`ExecutionGraph::push_step`].
    pub fn from_plan(paths: &[Vec<u32>]) -> Result<ExecutionGraph, ExecutionError> {
        let at = |v: usize, t: usize| paths[v].get(t).or(paths[v].last()).copied().unwrap_or(0);
        let mut graph =
            ExecutionGraph::new(&(0..paths.len()).map(|v| at(v, 0)).collect::<Vec<_>>())?;
        let horizon = paths.iter().map(Vec::len).max().unwrap_or(0);
        let mut step = vec![0; paths.len()];
        for t in 1..horizon {
            for (v, cell) in step.iter_mut().enumerate() {
                *cell = at(v, t);
            }
            graph.push_step(&step)?;
        }
        Ok(graph)
    }

    /// Number of vehicles.
    pub fn vehicle_count(&self) -> usize {
        self.visits.len()
    }

    /// The cell of each vehicle's last visit: where the plan so far leaves it.
    pub fn frontier(&self) -> Vec<u32> {
        self.visits
            .iter()
            .map(|v| v.back().copied().unwrap_or(0))
            .collect()
    }

    /// The cell of `vehicle`'s last visit (one entry of [`ExecutionGraph::frontier`],
    /// without building the whole vector).
    pub fn frontier_of(&self, vehicle: u32) -> u32 {
        self.visits[vehicle as usize].back().copied().unwrap_or(0)
    }

    /// Index of the vehicle's last visit.
    pub fn last_visit(&self, vehicle: u32) -> u64 {
        let v = vehicle as usize;
        self.first[v] + self.visits[v].len() as u64 - 1
    }

    /// The cell of a visit, if it is still known (visits before the one entered are dropped).
    pub fn cell(&self, visit: VisitRef) -> Option<u32> {
        let v = visit.vehicle as usize;
        let i = visit.index.checked_sub(*self.first.get(v)?)?;
        self.visits[v].get(i as usize).copied()
    }

    /// Appends one plan step: `next[v]` is vehicle `v`'s cell after the step (the same cell
    /// to wait). The moves themselves (edges of the graph) are the plan checker's business.
    ///
    /// # Errors
    /// [`ExecutionError::Collision`], [`ExecutionError::Swap`] or
    /// [`ExecutionError::Rotation`]; nothing is changed then.
    pub fn push_step(&mut self, next: &[u32]) -> Result<(), ExecutionError> {
        let n = self.visits.len();
        if next.len() != n {
            return Err(ExecutionError::VehicleCount {
                expected: n,
                got: next.len(),
            });
        }
        let now = self.frontier();
        let mut holder: HashMap<u32, u32> = HashMap::with_capacity(n);
        for (v, &c) in next.iter().enumerate() {
            if let Some(other) = holder.insert(c, v as u32) {
                return Err(ExecutionError::Collision {
                    cell: c,
                    first: other,
                    second: v as u32,
                });
            }
        }
        let before: HashMap<u32, u32> = now
            .iter()
            .enumerate()
            .map(|(v, &c)| (c, v as u32))
            .collect();
        // follows[v] = the vehicle whose cell v moves into.
        let mut follows: Vec<Option<u32>> = vec![None; n];
        for v in 0..n {
            if next[v] == now[v] {
                continue;
            }
            if let Some(&w) = before.get(&next[v]) {
                if next[w as usize] == now[v] {
                    return Err(ExecutionError::Swap {
                        first: v as u32,
                        second: w,
                        a: now[v],
                        b: now[w as usize],
                    });
                }
                follows[v] = Some(w);
            }
        }
        if let Some(ring) = find_ring(&follows) {
            return Err(ExecutionError::Rotation { vehicles: ring });
        }
        // A follower's visit lands behind its leader's in the queue of the cell the leader
        // leaves, which already holds the leader's visit; no two pushes of one step share a
        // queue (that would be a collision), so their order does not matter.
        for v in 0..n {
            if next[v] != now[v] {
                let index = self.last_visit(v as u32) + 1;
                self.visits[v].push_back(next[v]);
                self.queues.entry(next[v]).or_default().push_back(VisitRef {
                    vehicle: v as u32,
                    index,
                });
            }
        }
        Ok(())
    }

    /// The visit at the head of `cell`'s queue: the only one that may be in it or enter it.
    pub fn head(&self, cell: u32) -> Option<VisitRef> {
        self.queues.get(&cell).and_then(|q| q.front().copied())
    }

    /// The visit `vehicle` has completely entered.
    pub fn entered(&self, vehicle: u32) -> u64 {
        self.entered[vehicle as usize]
    }

    /// The last visit of `vehicle` released to it: it may drive through every visit up to
    /// this one, in order, and that stays true whatever the other vehicles do.
    pub fn released(&self, vehicle: u32) -> u64 {
        let v = vehicle as usize;
        let mut k = self.entered[v];
        while k < self.last_visit(vehicle) {
            let next = VisitRef {
                vehicle,
                index: k + 1,
            };
            let cell = self.cell(next).unwrap_or(u32::MAX);
            if self.head(cell) != Some(next) {
                break;
            }
            k += 1;
        }
        k
    }

    /// Records that `vehicle` has completely entered visit `index` — and so left every visit
    /// before it.
    ///
    /// # Errors
    /// [`ExecutionError::OutOfOrder`] if a visit on the way was not released (nothing is
    /// changed for that visit or later ones); [`ExecutionError::BadReport`] for an unknown
    /// vehicle or visit, or a step backwards.
    pub fn enter(&mut self, vehicle: u32, index: u64) -> Result<(), ExecutionError> {
        let v = vehicle as usize;
        if v >= self.visits.len() {
            return Err(ExecutionError::BadReport {
                vehicle,
                reason: "unknown vehicle".into(),
            });
        }
        let current = self.entered[v];
        if index < current || index > self.last_visit(vehicle) {
            return Err(ExecutionError::BadReport {
                vehicle,
                reason: format!(
                    "visit {index} reported at visit {current} of 0..={}",
                    self.last_visit(vehicle)
                ),
            });
        }
        for k in current + 1..=index {
            let visit = VisitRef { vehicle, index: k };
            let cell = self.cell(visit).unwrap_or(u32::MAX);
            if self.head(cell) != Some(visit) {
                return Err(ExecutionError::OutOfOrder {
                    entered: visit,
                    cell,
                    waiting_for: self.head(cell).unwrap_or(visit),
                });
            }
            // Leave the previous cell.
            let left = self.visits[v].pop_front().unwrap_or(u32::MAX);
            self.first[v] += 1;
            if let Some(q) = self.queues.get_mut(&left) {
                q.pop_front();
                if q.is_empty() {
                    self.queues.remove(&left);
                }
            }
            self.entered[v] = k;
        }
        Ok(())
    }

    /// Whether every vehicle has entered its last visit.
    pub fn is_finished(&self) -> bool {
        (0..self.visits.len()).all(|v| self.entered[v] == self.last_visit(v as u32))
    }

    /// Replays a trace of entries on a copy of the graph as it is now and checks each.
    ///
    /// # Errors
    /// The first error [`ExecutionGraph::enter`] reports.
    pub fn check_trace(&self, trace: &[VisitRef]) -> Result<(), ExecutionError> {
        let mut copy = self.clone();
        for e in trace {
            copy.enter(e.vehicle, e.index)?;
        }
        Ok(())
    }
}

/// Finds a ring in a functional graph (`next[i]` = the vehicle `i` follows).
fn find_ring(next: &[Option<u32>]) -> Option<Vec<u32>> {
    let mut state = vec![0u8; next.len()]; // 0 unseen, 1 on the current walk, 2 done
    for start in 0..next.len() {
        let mut walk = Vec::new();
        let mut i = start;
        loop {
            if state[i] == 1 {
                let from = walk.iter().position(|&w| w == i as u32).unwrap_or(0);
                return Some(walk[from..].to_vec());
            }
            if state[i] == 2 {
                break;
            }
            state[i] = 1;
            walk.push(i as u32);
            match next[i] {
                Some(j) => i = j as usize,
                None => break,
            }
        }
        for w in walk {
            state[w as usize] = 2;
        }
    }
    None
}
