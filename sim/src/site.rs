//! The site a simulation runs on: the validated map and its cells, shared by every vehicle.

use corridor_map::{CellGraph, CellId, CellOrigin, LaneId, MapError, SiteMap};
use nalgebra::{Point2, Vector2};

use crate::error::SimError;

/// A map with its cell graph.
#[derive(Debug)]
pub struct Site {
    /// The map.
    pub map: SiteMap,
    /// Its cells (see `corridor_map::CellGraph::from_site`).
    pub cells: CellGraph,
}

/// What the simulator needs of one lane cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteCell {
    /// The cell.
    pub cell: CellId,
    /// Its lane.
    pub lane: LaneId,
    /// Lane offset of the end the vehicle enters by, metres.
    pub entry: f64,
    /// Lane offset of the end the vehicle leaves by, metres (smaller than `entry` when a
    /// two-way lane is driven backwards).
    pub exit: f64,
    /// The lane's speed limit, m/s.
    pub speed_limit: f64,
    /// Junction clearance at the end the vehicle enters by, metres: its rear must be this
    /// far into the cell before it has left the cell before.
    pub entry_clearance: f64,
    /// Junction clearance at the end the vehicle leaves by, metres: it stops at least this
    /// far (and at least its standstill gap) before that end.
    pub exit_clearance: f64,
}

impl RouteCell {
    /// Length in metres.
    pub fn length(&self) -> f64 {
        (self.exit - self.entry).abs()
    }

    /// Distance from the entry end at which a vehicle of standstill gap `min_gap` stops.
    pub fn stop_point(&self, min_gap: f64) -> f64 {
        self.length() - min_gap.max(self.exit_clearance)
    }

    /// Lane offset at distance `d` from the entry end.
    pub fn offset_at(&self, d: f64) -> f64 {
        if self.exit >= self.entry {
            self.entry + d
        } else {
            self.entry - d
        }
    }
}

impl Site {
    /// Builds the cells of `map`.
    ///
    /// # Errors
    /// [`SimError::Map`] when a lane is too short to hold a vehicle.
    pub fn new(map: SiteMap) -> Result<Site, SimError> {
        let cells = CellGraph::from_site(&map).map_err(SimError::Map)?;
        Ok(Site { map, cells })
    }

    /// The route cell for `cell` driven after `previous` (None for the first cell of a
    /// route). A two-way lane cell is driven backwards when the vehicle comes from the
    /// lane's far side.
    ///
    /// # Errors
    /// [`SimError::Route`] when `cell` is not a lane cell or cannot follow `previous`.
    pub fn route_cell(
        &self,
        cell: CellId,
        previous: Option<&RouteCell>,
    ) -> Result<RouteCell, SimError> {
        if cell.0 as usize >= self.cells.len() {
            return Err(SimError::Route(format!("cell {} does not exist", cell.0)));
        }
        let CellOrigin::Lane {
            lane, start, end, ..
        } = self.cells.cell(cell).origin
        else {
            return Err(SimError::Route(format!(
                "cell {} is not a lane cell",
                cell.0
            )));
        };
        let c = self.cells.cell(cell);
        let l = self.map.lane(lane);
        let forward = RouteCell {
            cell,
            lane,
            entry: start,
            exit: end,
            speed_limit: l.speed_limit,
            entry_clearance: c.entry_clearance,
            exit_clearance: c.exit_clearance,
        };
        let Some(prev) = previous else {
            return Ok(forward);
        };
        if !self.cells.has_edge(prev.cell, cell) {
            return Err(SimError::Route(format!(
                "no move from cell {} to cell {}",
                prev.cell.0, cell.0
            )));
        }
        if !l.two_way {
            return Ok(forward);
        }
        // On a two-way lane: backwards if we come from the next cell along the lane or
        // enter the lane at its end.
        let backwards = if prev.lane == lane {
            prev.entry > start
        } else {
            let to = self.map.node(l.to).position;
            let from = self.map.node(l.from).position;
            let at = self.point(prev, prev.length());
            nalgebra::distance(&at, &to) < nalgebra::distance(&at, &from)
        };
        Ok(if backwards {
            RouteCell {
                entry: end,
                exit: start,
                entry_clearance: c.exit_clearance,
                exit_clearance: c.entry_clearance,
                ..forward
            }
        } else {
            forward
        })
    }

    /// The point at distance `d` from the entry end of `rc`.
    pub fn point(&self, rc: &RouteCell, d: f64) -> Point2<f64> {
        self.map
            .lane(rc.lane)
            .point_at(rc.offset_at(d.clamp(0.0, rc.length())))
    }

    /// The direction of travel at distance `d` from the entry end of `rc` (unit vector).
    pub fn direction(&self, rc: &RouteCell, d: f64) -> Vector2<f64> {
        let lane = self.map.lane(rc.lane);
        let o = rc.offset_at(d.clamp(0.0, rc.length()));
        let (a, b) = (lane.point_at(o - 0.5), lane.point_at(o + 0.5));
        let mut v = b - a;
        if rc.exit < rc.entry {
            v = -v;
        }
        let n = v.norm();
        if n > 0.0 { v / n } else { Vector2::x() }
    }
}

impl From<MapError> for SimError {
    fn from(e: MapError) -> Self {
        SimError::Map(e)
    }
}
