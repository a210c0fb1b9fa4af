//! Spatial look-ups on a site: nearest node, nodes in a radius, and the lane position that
//! best explains a vehicle's pose — what localising a position report needs.
//!
//! Lanes are indexed by sample points every [`SAMPLE_STEP`] metres along their polylines
//! (plus every polyline vertex) in a k-d tree; a query gathers the samples near the pose
//! and projects the pose exactly onto the segments they belong to.

use std::f64::consts::{FRAC_PI_2, PI};

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use nalgebra::{Point2, Vector2};

use crate::error::MapError;
use crate::model::{LaneId, NodeId, SiteMap};

/// Spacing of the lane sample points, metres. A query looks this far beyond its nearest
/// sample, so every segment that could be nearer than it is examined.
pub const SAMPLE_STEP: f64 = 5.0;

/// A position on a lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LanePosition {
    /// The lane.
    pub lane: LaneId,
    /// Driving distance from the lane's start, metres.
    pub offset: f64,
    /// Distance from the query point to the lane's centre line, metres.
    pub distance: f64,
    /// Heading of the lane at that point in the direction of travel, radians
    /// counter-clockwise from +x (for a two-way lane, the direction closer to the query's).
    pub heading: f64,
    /// Whether the position is on a two-way lane driven from its end towards its start.
    pub reversed: bool,
}

/// A k-d tree over the nodes and lane geometry of one [`SiteMap`].
#[derive(Debug)]
pub struct SpatialIndex {
    nodes: ImmutableKdTree<f64, 2>,
    samples: ImmutableKdTree<f64, 2>,
    /// For each sample: lane index and segment index.
    sample_segments: Vec<(u32, u32)>,
    lanes: Vec<LaneGeometry>,
}

/// What a projection needs of one lane.
#[derive(Debug)]
struct LaneGeometry {
    polyline: Vec<Point2<f64>>,
    /// Geometric length from the start to each vertex.
    cumulative: Vec<f64>,
    /// Driving length per geometric metre.
    scale: f64,
    two_way: bool,
}

fn tree(points: &[[f64; 2]]) -> Result<ImmutableKdTree<f64, 2>, MapError> {
    ImmutableKdTree::new_from_slice(points).map_err(|e| MapError::InvalidArgument {
        name: "points",
        reason: format!("cannot build the spatial index: {e:?}"),
    })
}

fn wrap_angle(a: f64) -> f64 {
    let a = (a + PI).rem_euclid(2.0 * PI) - PI;
    if a < -PI { a + 2.0 * PI } else { a }
}

impl SpatialIndex {
    /// Indexes the nodes and lanes of `map`.
    ///
    /// # Errors
    /// [`MapError::InvalidArgument`] if the k-d tree cannot be built (never for a loaded map).
    pub fn new(map: &SiteMap) -> Result<SpatialIndex, MapError> {
        let node_points: Vec<[f64; 2]> = map
            .nodes()
            .iter()
            .map(|n| [n.position.x, n.position.y])
            .collect();
        let mut sample_points = Vec::new();
        let mut sample_segments = Vec::new();
        let mut lanes = Vec::new();
        for (l, lane) in map.lanes().iter().enumerate() {
            let mut cumulative = vec![0.0];
            for (s, w) in lane.polyline.windows(2).enumerate() {
                let seg = nalgebra::distance(&w[0], &w[1]);
                cumulative.push(cumulative[s] + seg);
                let steps = (seg / SAMPLE_STEP).ceil().max(1.0) as usize;
                for k in 0..=steps {
                    let p = w[0] + (w[1] - w[0]) * (k as f64 / steps as f64);
                    sample_points.push([p.x, p.y]);
                    sample_segments.push((l as u32, s as u32));
                }
            }
            let geometric = cumulative.last().copied().unwrap_or(0.0);
            let scale = if geometric > 0.0 {
                lane.length / geometric
            } else {
                1.0
            };
            lanes.push(LaneGeometry {
                polyline: lane.polyline.clone(),
                cumulative,
                scale,
                two_way: lane.two_way,
            });
        }
        Ok(SpatialIndex {
            nodes: tree(&node_points)?,
            samples: tree(&sample_points)?,
            sample_segments,
            lanes,
        })
    }

    /// The node nearest to `p` and its distance in metres.
    pub fn nearest_node(&self, p: Point2<f64>) -> Option<(NodeId, f64)> {
        if self.nodes.size() == 0 {
            return None;
        }
        let r = self
            .nodes
            .query(&[p.x, p.y])
            .nearest_one::<SquaredEuclidean<f64>>()
            .execute();
        Some((NodeId(r.item), r.distance.sqrt()))
    }

    /// Every node within `radius` metres of `p`, nearest first, with its distance.
    pub fn nodes_within(&self, p: Point2<f64>, radius: f64) -> Vec<(NodeId, f64)> {
        if self.nodes.size() == 0 || radius.is_nan() || radius < 0.0 {
            return Vec::new();
        }
        self.nodes
            .query(&[p.x, p.y])
            .within::<SquaredEuclidean<f64>>(radius * radius)
            .execute()
            .into_iter()
            .map(|r| (NodeId(r.item), r.distance.sqrt()))
            .collect()
    }

    /// The lane position that best explains a vehicle at `p` facing `heading` (radians,
    /// counter-clockwise from +x; `None` when unknown).
    ///
    /// Among the lane segments near `p`, it returns the nearest whose direction of travel is
    /// within 90° of `heading`; if none near `p` is, or no heading is given, the nearest of
    /// all. `None` only for a map without lanes.
    pub fn nearest_lane_position(
        &self,
        p: Point2<f64>,
        heading: Option<f64>,
    ) -> Option<LanePosition> {
        if self.samples.size() == 0 {
            return None;
        }
        let nearest = self
            .samples
            .query(&[p.x, p.y])
            .nearest_one::<SquaredEuclidean<f64>>()
            .execute();
        // Any segment closer than the nearest sample has a sample within d0 + step.
        let radius = nearest.distance.sqrt() + SAMPLE_STEP;
        let candidates = self
            .samples
            .query(&[p.x, p.y])
            .within::<SquaredEuclidean<f64>>(radius * radius)
            .execute();
        let mut segments: Vec<(u32, u32)> = candidates
            .iter()
            .map(|r| self.sample_segments[r.item as usize])
            .collect();
        segments.sort_unstable();
        segments.dedup();
        let mut best_any: Option<LanePosition> = None;
        let mut best_aligned: Option<LanePosition> = None;
        for (l, s) in segments {
            for pos in self.project(p, l, s, heading) {
                let closer = |b: &Option<LanePosition>| b.is_none_or(|b| pos.distance < b.distance);
                if closer(&best_any) {
                    best_any = Some(pos);
                }
                let aligned =
                    heading.is_none_or(|h| wrap_angle(pos.heading - h).abs() <= FRAC_PI_2 + 1e-9);
                if aligned && closer(&best_aligned) {
                    best_aligned = Some(pos);
                }
            }
        }
        best_aligned.or(best_any)
    }

    /// Projects `p` onto segment `s` of lane `l`: one position, or two for a two-way lane
    /// (one per direction of travel), the one facing `heading` first.
    fn project(&self, p: Point2<f64>, l: u32, s: u32, heading: Option<f64>) -> Vec<LanePosition> {
        let LaneGeometry {
            polyline,
            cumulative,
            scale,
            two_way,
        } = &self.lanes[l as usize];
        let (a, b) = (polyline[s as usize], polyline[s as usize + 1]);
        let ab: Vector2<f64> = b - a;
        let len2 = ab.norm_squared();
        let t = if len2 > 0.0 {
            ((p - a).dot(&ab) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let q = a + ab * t;
        let geometric = cumulative[s as usize] + t * len2.sqrt();
        let forward = LanePosition {
            lane: LaneId(l),
            offset: geometric * scale,
            distance: nalgebra::distance(&p, &q),
            heading: ab.y.atan2(ab.x),
            reversed: false,
        };
        if !two_way {
            return vec![forward];
        }
        let backward = LanePosition {
            heading: wrap_angle(forward.heading + PI),
            reversed: true,
            ..forward
        };
        match heading {
            Some(h)
                if wrap_angle(backward.heading - h).abs()
                    < wrap_angle(forward.heading - h).abs() =>
            {
                vec![backward, forward]
            }
            _ => vec![forward, backward],
        }
    }
}
