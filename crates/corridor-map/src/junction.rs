//! Junctions: where lanes meet at a node, vehicles on different lanes can be close enough to
//! touch even though each stands in its own cell. Two rules keep them apart.
//!
//! **Clearance.** At a node, every lane end gets a clearance: how far from the node a
//! vehicle on that lane must keep its body so that a vehicle on any other lane at the node —
//! standing there or driving through — cannot touch it. For two lanes leaving the node along
//! unit directions at angle θ, a vehicle of width `w` on one is clear of the other's swept
//! band when its nearest corner is `(w/2)·cot(θ/2)` from the node; 0.5 m is added as a
//! margin. A lane's first cell is lengthened by its start clearance and its last cell by its
//! end clearance ([`crate::CellGraph::from_site`]); a simulated vehicle stops that far
//! before the node and counts as having left a cell only when its rear is that far past it.
//!
//! **No crossings.** A node is a *crossing* when two vehicles could drive through it at the
//! same time on moves that share no lane (for example A→N→B and C→N→D). Cells cannot keep
//! them apart, so a map with a crossing is refused; split such a node into a diverge node and
//! a merge node one footprint apart.

use nalgebra::Vector2;

use crate::model::{Lane, NodeId, SiteMap};

/// Added to every computed clearance, metres.
const MARGIN: f64 = 0.5;
/// Clearances below this are rounding noise (lanes meeting head-on), metres.
const NEGLIGIBLE: f64 = 0.05;

/// One end of a lane at a node.
#[derive(Debug, Clone, Copy)]
struct End {
    lane: usize,
    /// Whether this is the lane's start (else its end).
    start: bool,
    /// Unit direction pointing away from the node along the lane.
    away: Vector2<f64>,
    /// Vehicles can arrive at the node by this end.
    arrives: bool,
    /// Vehicles can leave the node by this end.
    leaves: bool,
}

fn ends_at_nodes(node_count: usize, lanes: &[Lane]) -> Vec<Vec<End>> {
    let mut ends: Vec<Vec<End>> = vec![Vec::new(); node_count];
    for (l, lane) in lanes.iter().enumerate() {
        let p = &lane.polyline;
        let unit = |v: Vector2<f64>| {
            let n = v.norm();
            if n > 0.0 { v / n } else { Vector2::x() }
        };
        let (first, last) = (p[0], p[p.len() - 1]);
        let after_first = p
            .iter()
            .skip(1)
            .find(|q| **q != first)
            .copied()
            .unwrap_or(last);
        let before_last = p
            .iter()
            .rev()
            .skip(1)
            .find(|q| **q != last)
            .copied()
            .unwrap_or(first);
        ends[lane.from.0 as usize].push(End {
            lane: l,
            start: true,
            away: unit(after_first - first),
            arrives: lane.two_way,
            leaves: true,
        });
        ends[lane.to.0 as usize].push(End {
            lane: l,
            start: false,
            away: unit(before_last - last),
            arrives: true,
            leaves: lane.two_way,
        });
    }
    ends
}

/// The clearance two lane ends at angle `theta` (radians, between their away-directions)
/// need for vehicles of width `width`; infinite when they overlap.
pub fn clearance(theta: f64, width: f64) -> f64 {
    let half = theta / 2.0;
    if half <= 1e-6 {
        return f64::INFINITY;
    }
    let c = width / 2.0 / half.tan();
    if c < NEGLIGIBLE { 0.0 } else { c + MARGIN }
}

/// Per lane of `map`: the clearance at its start node and at its end node, metres, for its
/// widest vehicle profile.
pub fn lane_clearances(map: &SiteMap) -> Vec<(f64, f64)> {
    let width = map.vehicles().iter().map(|v| v.width).fold(0.0, f64::max);
    clearances_of(map.nodes().len(), map.lanes(), width)
}

/// Per lane: the clearance at its start node and at its end node, metres, for vehicles of
/// width `width`, on a network of `node_count` nodes.
pub fn clearances_of(node_count: usize, lanes: &[Lane], width: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = vec![(0.0, 0.0); lanes.len()];
    for ends in ends_at_nodes(node_count, lanes) {
        for e in &ends {
            let c = ends
                .iter()
                .filter(|f| f.lane != e.lane)
                .map(|f| clearance(e.away.angle(&f.away), width))
                .fold(0.0, f64::max);
            let slot = &mut out[e.lane];
            if e.start {
                slot.0 = slot.0.max(c);
            } else {
                slot.1 = slot.1.max(c);
            }
        }
    }
    out
}

/// A crossing: two moves through one node that share no lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    /// The node.
    pub node: NodeId,
    /// The lanes of the first move (arrive by, leave by).
    pub first: (usize, usize),
    /// The lanes of the second move.
    pub second: (usize, usize),
}

/// Every node of a network of `node_count` nodes that is a crossing, with one pair of moves
/// that proves it (lane indices into `lanes`).
pub fn crossings(node_count: usize, lanes: &[Lane]) -> Vec<Crossing> {
    let mut out = Vec::new();
    for (n, ends) in ends_at_nodes(node_count, lanes).into_iter().enumerate() {
        let moves: Vec<(usize, usize)> = ends
            .iter()
            .filter(|a| a.arrives)
            .flat_map(|a| {
                ends.iter()
                    .filter(|b| b.leaves && b.lane != a.lane)
                    .map(move |b| (a.lane, b.lane))
            })
            .collect();
        'search: for (i, &(a, b)) in moves.iter().enumerate() {
            for &(c, d) in &moves[i + 1..] {
                if a != c && a != d && b != c && b != d {
                    out.push(Crossing {
                        node: NodeId(n as u32),
                        first: (a, b),
                        second: (c, d),
                    });
                    break 'search;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearance_by_angle() {
        // Head-on (a lane going straight through): nothing. Right angle: half a width
        // plus the margin. Shallow angles grow quickly; parallel lanes overlap.
        assert_eq!(clearance(std::f64::consts::PI, 3.0), 0.0);
        assert!((clearance(std::f64::consts::FRAC_PI_2, 3.0) - 2.0).abs() < 1e-9);
        assert!(clearance(10f64.to_radians(), 3.0) > 17.0);
        assert!(clearance(0.0, 3.0).is_infinite());
    }
}
