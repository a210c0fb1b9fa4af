//! The planner's graph of cells.
//!
//! # Discretisation rule
//!
//! Let `F` be the longest vehicle footprint of the map (length + standstill gap over all
//! profiles, [`SiteMap::max_footprint`]), and `c_s`, `c_e` the junction clearances at a
//! lane's start and end node (see [`crate::junction`]: 0 where lanes continue straight, a
//! few metres where they meet at an angle). A lane of driving length `ℓ` is cut into
//! `n = ⌊(ℓ − c_s − c_e) / F⌋` cells: the usable length is split equally, and the first cell
//! also takes `c_s`, the last `c_e`. So every cell holds one stopped vehicle clear of every
//! other lane at its nodes, and the cells of a lane sum to its length exactly. A lane too
//! short for that is an error ([`MapError::LaneShorterThanCell`]).
//!
//! Inside a lane, cell `i` leads to cell `i + 1` (and back, on a two-way lane). Where lanes
//! meet at a node, the cell by which a lane leaves the node's side is joined to the cell by
//! which each lane starts from it: a one-way lane `a → b` is entered at `a` by its first cell
//! and left at `b` by its last; a two-way lane is also entered at `b` by its last cell and
//! left at `a` by its first. So the cell graph has a path between two cells exactly when
//! the lane graph has one between their lanes, and the planner never needs to know about
//! nodes. Nodes themselves are points, not cells: a vehicle standing on a node stands in the
//! last cell of the lane it came by.
//!
//! MovingAI grids ([`crate::movingai`]) produce the same type: one cell per free grid square,
//! joined to its free 4-neighbours in both directions.

use std::ops::Range;

use nalgebra::Point2;

use crate::error::MapError;
use crate::model::{LaneId, NodeId, SiteMap, StationId};

/// Index of a cell in a [`CellGraph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u32);

/// Where a cell comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellOrigin {
    /// A stretch of a lane.
    Lane {
        /// The lane.
        lane: LaneId,
        /// Its index along the lane, 0 at the lane's start.
        index: u32,
        /// Driving distance of the cell's start from the lane's start, metres.
        start: f64,
        /// Driving distance of the cell's end from the lane's start, metres.
        end: f64,
    },
    /// A free square of a grid map.
    Grid {
        /// Column (x), 0 at the left.
        col: u32,
        /// Row (y), 0 at the top.
        row: u32,
    },
}

/// One cell: room for one vehicle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Where it comes from.
    pub origin: CellOrigin,
    /// Its centre in metres (lane cells) or grid units (grid cells).
    pub position: Point2<f64>,
    /// Its length in metres (1 for grid cells).
    pub length: f64,
    /// How far past the cell's start a vehicle's rear must be before the vehicle counts as
    /// inside it, metres: the junction clearance at the start of a lane's first cell, else 0.
    /// For a two-way lane driven backwards, this applies at the cell's end.
    pub entry_clearance: f64,
    /// How far before the cell's end a vehicle must stop, beyond its standstill gap, metres:
    /// the junction clearance at the end of a lane's last cell, else 0. For a two-way lane
    /// driven backwards, this applies at the cell's start.
    pub exit_clearance: f64,
}

/// A directed graph of cells in compressed adjacency form. Successor and predecessor lists
/// are sorted and free of duplicates and self-loops.
#[derive(Debug, Clone)]
pub struct CellGraph {
    cells: Vec<Cell>,
    out_offsets: Vec<u32>,
    out_targets: Vec<CellId>,
    in_offsets: Vec<u32>,
    in_sources: Vec<CellId>,
    lane_cells: Vec<Range<u32>>,
    /// Per node of a lane map: the cells in which a vehicle stands at that node (the cells
    /// by which lanes arrive there), sorted.
    node_cells: Vec<Vec<CellId>>,
    grid: Option<Grid>,
}

#[derive(Debug, Clone)]
struct Grid {
    width: u32,
    height: u32,
    cell_of: Vec<Option<CellId>>,
}

impl CellGraph {
    /// Builds a graph from its cells and directed edges (duplicates and self-loops dropped).
    ///
    /// # Errors
    /// [`MapError::InvalidArgument`] when an edge names a cell that does not exist.
    pub fn from_edges(cells: Vec<Cell>, edges: &[(CellId, CellId)]) -> Result<CellGraph, MapError> {
        Self::build(cells, edges, Vec::new(), Vec::new(), None)
    }

    fn build(
        cells: Vec<Cell>,
        edges: &[(CellId, CellId)],
        lane_cells: Vec<Range<u32>>,
        node_cells: Vec<Vec<CellId>>,
        grid: Option<Grid>,
    ) -> Result<CellGraph, MapError> {
        let n = cells.len();
        if let Some((a, b)) = edges
            .iter()
            .find(|(a, b)| a.0 as usize >= n || b.0 as usize >= n)
        {
            return Err(MapError::InvalidArgument {
                name: "edges",
                reason: format!("edge {} -> {} names a cell beyond the {n} cells", a.0, b.0),
            });
        }
        let mut edges: Vec<(CellId, CellId)> =
            edges.iter().copied().filter(|(a, b)| a != b).collect();
        edges.sort_unstable();
        edges.dedup();
        let (out_offsets, out_targets) = compress(n, edges.iter().map(|&(a, b)| (a, b)));
        let mut reversed: Vec<(CellId, CellId)> = edges.iter().map(|&(a, b)| (b, a)).collect();
        reversed.sort_unstable();
        let (in_offsets, in_sources) = compress(n, reversed.into_iter());
        Ok(CellGraph {
            cells,
            out_offsets,
            out_targets,
            in_offsets,
            in_sources,
            lane_cells,
            node_cells,
            grid,
        })
    }

    /// Cuts every lane of `map` into cells by the rule in the module documentation.
    ///
    /// # Errors
    /// [`MapError::LaneShorterThanCell`] when a lane is shorter than one footprint.
    pub fn from_site(map: &SiteMap) -> Result<CellGraph, MapError> {
        let footprint = map.max_footprint();
        let mut cells = Vec::new();
        let mut lane_cells = Vec::with_capacity(map.lanes().len());
        let mut edges = Vec::new();
        // Per node: (cell that leaves the lane at this node, cell that enters from it).
        let mut exits: Vec<Vec<CellId>> = vec![Vec::new(); map.nodes().len()];
        let mut entries: Vec<Vec<CellId>> = vec![Vec::new(); map.nodes().len()];
        let clearances = crate::junction::lane_clearances(map);
        for (l, lane) in map.lanes().iter().enumerate() {
            let (c_start, c_end) = clearances[l];
            let usable = lane.length - c_start - c_end;
            let n = (usable / footprint).floor();
            if n < 1.0 || !n.is_finite() {
                return Err(MapError::LaneShorterThanCell {
                    lane: lane.id.clone(),
                    length: lane.length,
                    cell_length: footprint,
                    clearance: c_start + c_end,
                });
            }
            let n = n as u32;
            let step = usable / f64::from(n);
            let first = cells.len() as u32;
            for i in 0..n {
                let start = if i == 0 {
                    0.0
                } else {
                    c_start + step * f64::from(i)
                };
                let end = if i + 1 == n {
                    lane.length
                } else {
                    c_start + step * f64::from(i + 1)
                };
                cells.push(Cell {
                    origin: CellOrigin::Lane {
                        lane: LaneId(l as u32),
                        index: i,
                        start,
                        end,
                    },
                    position: lane.point_at((start + end) / 2.0),
                    length: end - start,
                    entry_clearance: if i == 0 { c_start } else { 0.0 },
                    exit_clearance: if i + 1 == n { c_end } else { 0.0 },
                });
                if i > 0 {
                    let (prev, here) = (CellId(first + i - 1), CellId(first + i));
                    edges.push((prev, here));
                    if lane.two_way {
                        edges.push((here, prev));
                    }
                }
            }
            let (head, tail) = (CellId(first), CellId(first + n - 1));
            let node = |id: NodeId| id.0 as usize;
            entries[node(lane.from)].push(head);
            exits[node(lane.to)].push(tail);
            if lane.two_way {
                entries[node(lane.to)].push(tail);
                exits[node(lane.from)].push(head);
            }
            lane_cells.push(first..first + n);
        }
        for (outs, ins) in exits.iter().zip(&entries) {
            for &a in outs {
                for &b in ins {
                    edges.push((a, b));
                }
            }
        }
        let node_cells = exits
            .into_iter()
            .map(|mut v| {
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        Self::build(cells, &edges, lane_cells, node_cells, None)
    }

    /// Builds the graph of a grid: `free[row * width + col]` tells which squares are free;
    /// each free square becomes a cell joined to its free 4-neighbours both ways.
    ///
    /// # Errors
    /// [`MapError::InvalidArgument`] when `free` does not hold `width × height` squares.
    pub fn from_grid(width: u32, height: u32, free: &[bool]) -> Result<CellGraph, MapError> {
        let expected = width as usize * height as usize;
        if free.len() != expected {
            return Err(MapError::InvalidArgument {
                name: "free",
                reason: format!(
                    "{} squares for a {width}x{height} grid ({expected})",
                    free.len()
                ),
            });
        }
        let mut cell_of = vec![None; expected];
        let mut cells = Vec::new();
        for row in 0..height {
            for col in 0..width {
                let i = (row * width + col) as usize;
                if free[i] {
                    cell_of[i] = Some(CellId(cells.len() as u32));
                    cells.push(Cell {
                        origin: CellOrigin::Grid { col, row },
                        position: Point2::new(f64::from(col), f64::from(row)),
                        length: 1.0,
                        entry_clearance: 0.0,
                        exit_clearance: 0.0,
                    });
                }
            }
        }
        let mut edges = Vec::new();
        for row in 0..height {
            for col in 0..width {
                let Some(a) = cell_of[(row * width + col) as usize] else {
                    continue;
                };
                let right = (col + 1 < width)
                    .then(|| cell_of[(row * width + col + 1) as usize])
                    .flatten();
                let down = (row + 1 < height)
                    .then(|| cell_of[((row + 1) * width + col) as usize])
                    .flatten();
                for b in [right, down].into_iter().flatten() {
                    edges.push((a, b));
                    edges.push((b, a));
                }
            }
        }
        Self::build(
            cells,
            &edges,
            Vec::new(),
            Vec::new(),
            Some(Grid {
                width,
                height,
                cell_of,
            }),
        )
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }
    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
    /// Number of directed edges.
    pub fn edge_count(&self) -> usize {
        self.out_targets.len()
    }
    /// All cells; [`CellId`] indexes this slice.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }
    /// A cell by id.
    pub fn cell(&self, id: CellId) -> &Cell {
        &self.cells[id.0 as usize]
    }
    /// The cells a vehicle in `id` may move to next, sorted.
    pub fn successors(&self, id: CellId) -> &[CellId] {
        let i = id.0 as usize;
        &self.out_targets[self.out_offsets[i] as usize..self.out_offsets[i + 1] as usize]
    }
    /// The cells from which a vehicle may move into `id`, sorted.
    pub fn predecessors(&self, id: CellId) -> &[CellId] {
        let i = id.0 as usize;
        &self.in_sources[self.in_offsets[i] as usize..self.in_offsets[i + 1] as usize]
    }
    /// Whether a vehicle may move from `a` to `b` in one step.
    pub fn has_edge(&self, a: CellId, b: CellId) -> bool {
        self.successors(a).binary_search(&b).is_ok()
    }
    /// The cells of a lane, from its start to its end (empty for grids and unknown lanes).
    pub fn lane_cells(&self, lane: LaneId) -> impl ExactSizeIterator<Item = CellId> + '_ {
        self.lane_cells
            .get(lane.0 as usize)
            .cloned()
            .unwrap_or(0..0)
            .map(CellId)
    }
    /// The cell of `lane` that holds driving distance `offset` (metres, clamped to the lane).
    pub fn cell_at(&self, lane: LaneId, offset: f64) -> Option<CellId> {
        let range = self.lane_cells.get(lane.0 as usize)?.clone();
        if range.is_empty() {
            return None;
        }
        let slice = &self.cells[range.start as usize..range.end as usize];
        let pos = slice.partition_point(|c| match c.origin {
            CellOrigin::Lane { end, .. } => end <= offset,
            CellOrigin::Grid { .. } => false,
        });
        Some(CellId(range.start + pos.min(slice.len() - 1) as u32))
    }
    /// The cells in which a vehicle stands at `node` of a lane map: the last cells of the
    /// lanes arriving there (and the first cells of two-way lanes leaving it). Empty for
    /// grids and unknown nodes.
    pub fn cells_at_node(&self, node: NodeId) -> &[CellId] {
        self.node_cells
            .get(node.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The cells in which a vehicle is served by `station` of `map`: the cells at each of
    /// its nodes, sorted.
    pub fn station_cells(&self, map: &SiteMap, station: StationId) -> Vec<CellId> {
        let mut cells: Vec<CellId> = map
            .station(station)
            .nodes
            .iter()
            .flat_map(|&n| self.cells_at_node(n).iter().copied())
            .collect();
        cells.sort_unstable();
        cells.dedup();
        cells
    }

    /// Width and height, for a grid graph.
    pub fn grid_size(&self) -> Option<(u32, u32)> {
        self.grid.as_ref().map(|g| (g.width, g.height))
    }
    /// The cell of grid square (`col`, `row`), if the graph is a grid and the square is free.
    pub fn grid_cell(&self, col: u32, row: u32) -> Option<CellId> {
        let g = self.grid.as_ref()?;
        if col >= g.width || row >= g.height {
            return None;
        }
        g.cell_of[(row * g.width + col) as usize]
    }
}

fn compress(n: usize, sorted: impl Iterator<Item = (CellId, CellId)>) -> (Vec<u32>, Vec<CellId>) {
    let mut offsets = vec![0u32; n + 1];
    let mut targets = Vec::new();
    for (a, b) in sorted {
        offsets[a.0 as usize + 1] += 1;
        targets.push(b);
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    (offsets, targets)
}
