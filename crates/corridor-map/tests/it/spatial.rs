//! Spatial queries agree with brute force.

use corridor_map::{LaneId, NodeId, SiteMap, SpatialIndex};
use nalgebra::Point2;
use proptest::prelude::*;

use crate::fixture;

fn good() -> SiteMap {
    SiteMap::load(fixture("good.toml")).expect("good.toml")
}

#[test]
fn nearest_node_and_radius() {
    let map = good();
    let index = SpatialIndex::new(&map).expect("index");
    let (node, d) = index.nearest_node(Point2::new(98.0, 1.0)).expect("nodes");
    assert_eq!(map.node(node).id, "B");
    assert!((d - 5f64.sqrt()).abs() < 1e-9);
    let near = index.nodes_within(Point2::new(10.0, 0.0), 50.0);
    assert_eq!(near, vec![(NodeId(0), 10.0)]);
    assert_eq!(index.nodes_within(Point2::new(50.0, 0.0), 60.0).len(), 2);
}

#[test]
fn lane_position_uses_heading() {
    let map = good();
    let index = SpatialIndex::new(&map).expect("index");
    // On the A→B lane, facing +x.
    let p = index
        .nearest_lane_position(Point2::new(50.0, 1.0), Some(0.0))
        .expect("lanes");
    assert_eq!(p.lane, LaneId(0));
    assert!((p.offset - 50.0).abs() < 1e-9 && (p.distance - 1.0).abs() < 1e-9);
    // Between the two lanes, slightly nearer the return lane at y = 20, facing -x.
    let q = index
        .nearest_lane_position(Point2::new(50.0, 12.0), Some(std::f64::consts::PI))
        .expect("lanes");
    assert_eq!(q.lane, LaneId(1));
    assert!((q.offset - 70.0).abs() < 1e-9, "{q:?}");
    // Same point facing +x: the A→B lane, although it is farther.
    let r = index
        .nearest_lane_position(Point2::new(50.0, 9.0), Some(0.0))
        .expect("lanes");
    assert_eq!(r.lane, LaneId(0));
}

fn segment_distance(p: Point2<f64>, a: Point2<f64>, b: Point2<f64>) -> f64 {
    let ab = b - a;
    let t = ((p - a).dot(&ab) / ab.norm_squared()).clamp(0.0, 1.0);
    nalgebra::distance(&p, &(a + ab * t))
}

proptest! {
    #[test]
    fn queries_match_brute_force(x in -200.0f64..300.0, y in -200.0f64..200.0, r in 0.0f64..150.0) {
        let map = good();
        let index = SpatialIndex::new(&map).expect("index");
        let p = Point2::new(x, y);
        let brute = map.nodes().iter().map(|n| nalgebra::distance(&p, &n.position)).fold(f64::INFINITY, f64::min);
        let (_, d) = index.nearest_node(p).expect("nodes");
        prop_assert!((d - brute).abs() < 1e-9);
        let within = index.nodes_within(p, r);
        let count = map.nodes().iter().filter(|n| nalgebra::distance(&p, &n.position) <= r).count();
        prop_assert_eq!(within.len(), count);
        let lane_brute = map.lanes().iter()
            .flat_map(|l| l.polyline.windows(2).map(|w| segment_distance(p, w[0], w[1])).collect::<Vec<_>>())
            .fold(f64::INFINITY, f64::min);
        let pos = index.nearest_lane_position(p, None).expect("lanes");
        prop_assert!((pos.distance - lane_brute).abs() < 1e-9, "{} vs {}", pos.distance, lane_brute);
        let on_lane = map.lane(pos.lane).point_at(pos.offset);
        prop_assert!((nalgebra::distance(&p, &on_lane) - pos.distance).abs() < 1e-6);
    }
}
