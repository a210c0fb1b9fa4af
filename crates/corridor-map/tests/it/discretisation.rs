//! Cutting lanes into cells keeps each lane's length and the lane graph's reachability.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write;

use corridor_map::{CellGraph, CellId, CellOrigin, LaneId, SiteMap};
use proptest::prelude::*;

const PROFILE: &str = r#"
[[vehicle]]
id = "igv"
length = 15.6
width = 3.0
max_speed = 6.1
acceleration = 0.5
service_brake = 0.8
emergency_brake = 2.5
min_gap = 5.0
time_gap = 2.0
battery_kwh = 232.0
consumption_empty_kwh_per_km = 2.0
consumption_loaded_kwh_per_km = 3.0
"#;

/// A random lane network: nodes on a ring (so a cycle through all of them makes it strongly
/// connected) plus extra lanes, some two-way, some with bends and longer driving lengths.
#[derive(Debug, Clone)]
struct Network {
    nodes: Vec<(f64, f64)>,
    lanes: Vec<RandomLane>,
}

/// (from, to, driving length beyond the geometry, bend offset, two_way)
type RandomLane = (usize, usize, f64, Option<(f64, f64)>, bool);

fn network() -> impl Strategy<Value = Network> {
    (2usize..8).prop_flat_map(|n| {
        let nodes = proptest::collection::vec((0.0f64..50.0, 0.0f64..50.0), n);
        let extra = proptest::collection::vec(
            (
                0..n,
                0..n,
                0.0f64..300.0,
                proptest::option::of((-100.0f64..100.0, -100.0f64..100.0)),
                any::<bool>(),
            ),
            0..10,
        );
        let ring_extra = proptest::collection::vec((0.0f64..500.0, any::<bool>()), n);
        (nodes, extra, ring_extra).prop_map(move |(jitter, extra, ring_extra)| {
            // Nodes on a circle of radius 400 m, jittered: ring lanes are long enough for cells.
            let nodes: Vec<(f64, f64)> = jitter
                .iter()
                .enumerate()
                .map(|(i, (jx, jy))| {
                    let a = i as f64 / n as f64 * std::f64::consts::TAU;
                    (400.0 * a.cos() + jx, 400.0 * a.sin() + jy)
                })
                .collect();
            let mut lanes: Vec<_> = ring_extra
                .iter()
                .enumerate()
                .map(|(i, &(len, two_way))| (i, (i + 1) % n, len, None, two_way))
                .collect();
            // Extra lanes: at most one per node pair, no node both the start of one and the end
            // of another (that would make a crossing), at least 30 m of slack.
            let mut used = std::collections::HashSet::new();
            for (a, b, len, bend, tw) in extra {
                if a == b
                    || !used.insert((a.min(b), a.max(b)))
                    || touches(&lanes[n..], a, true)
                    || touches(&lanes[n..], b, false)
                {
                    continue;
                }
                lanes.push((a, b, len + 30.0, bend, tw));
            }
            Network { nodes, lanes }
        })
    })
}

/// Whether one of `extras` ends at node `n` (`arriving`) or starts there.
fn touches(extras: &[RandomLane], n: usize, arriving: bool) -> bool {
    extras
        .iter()
        .any(|l| if arriving { l.1 == n } else { l.0 == n })
}

fn to_toml(net: &Network) -> String {
    let mut s = String::from(
        "[site]\nname = \"random\"\norigin_lat = 22.0\norigin_lon = 106.7\nspeed_limit = 5.0\n",
    );
    for (i, (x, y)) in net.nodes.iter().enumerate() {
        let _ = write!(s, "\n[[node]]\nid = \"N{i}\"\nx = {x}\ny = {y}\n");
    }
    for (i, (a, b, extra, bend, two_way)) in net.lanes.iter().enumerate() {
        let (pa, pb) = (net.nodes[*a], net.nodes[*b]);
        let mut geometry = vec![pa];
        if let Some((bx, by)) = bend {
            geometry.push(((pa.0 + pb.0) / 2.0 + bx, (pa.1 + pb.1) / 2.0 + by));
        }
        geometry.push(pb);
        let geometric: f64 = geometry
            .windows(2)
            .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
            .sum();
        let _ = write!(
            s,
            "\n[[lane]]\nid = \"L{i}\"\nfrom = \"N{a}\"\nto = \"N{b}\"\nlength = {}\ntwo_way = {two_way}\n",
            geometric + extra
        );
        if let Some((bx, by)) = bend {
            let _ = writeln!(
                s,
                "polyline = [[{}, {}]]",
                (pa.0 + pb.0) / 2.0 + bx,
                (pa.1 + pb.1) / 2.0 + by
            );
        }
    }
    s.push_str(PROFILE);
    s
}

fn reachable(graph: &CellGraph, from: CellId) -> HashSet<CellId> {
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(c) = queue.pop_front() {
        for &n in graph.successors(c) {
            if seen.insert(n) {
                queue.push_back(n);
            }
        }
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cells_keep_lane_length_and_reachability(net in network()) {
        // Random networks can have crossings or lanes meeting at angles too shallow for
        // their length; the loader must refuse exactly those, and they are skipped.
        let map = match SiteMap::from_toml_str(&to_toml(&net), "random.toml") {
            Ok(map) => map,
            Err(e) => {
                let junction_only = e.problems().iter().all(|p| p.message.contains("is a crossing") || p.message.contains("junction clearances"));
                prop_assert!(junction_only, "unexpected problems: {}", e);
                prop_assume!(false);
                unreachable!()
            }
        };
        let cells = CellGraph::from_site(&map).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let footprint = map.max_footprint();

        // Every lane's cells are contiguous, at least a footprint long, and sum to its length.
        let mut seen = 0;
        for (l, lane) in map.lanes().iter().enumerate() {
            let ids: Vec<CellId> = cells.lane_cells(LaneId(l as u32)).collect();
            prop_assert!(!ids.is_empty());
            seen += ids.len();
            let mut at = 0.0;
            let mut sum = 0.0;
            for (k, id) in ids.iter().enumerate() {
                let cell = cells.cell(*id);
                let CellOrigin::Lane { lane: lid, index, start, end } = cell.origin else {
                    return Err(TestCaseError::fail("lane cell without lane origin"));
                };
                prop_assert_eq!(lid, LaneId(l as u32));
                prop_assert_eq!(index as usize, k);
                prop_assert!((start - at).abs() < 1e-9);
                prop_assert!(cell.length >= footprint + cell.entry_clearance + cell.exit_clearance - 1e-9, "cell {} m < footprint {} m + clearances", cell.length, footprint);
                prop_assert!(k == 0 || cell.entry_clearance == 0.0);
                prop_assert!(k + 1 == ids.len() || cell.exit_clearance == 0.0);
                prop_assert!((cell.length - (end - start)).abs() < 1e-9);
                at = end;
                sum += cell.length;
            }
            prop_assert!((sum - lane.length).abs() < 1e-6 * lane.length.max(1.0), "{} vs {}", sum, lane.length);
            prop_assert!((at - lane.length).abs() < 1e-9);
            prop_assert_eq!(cells.cell_at(LaneId(l as u32), lane.length / 2.0).map(|c| {
                let CellOrigin::Lane { start, end, .. } = cells.cell(c).origin else { unreachable!() };
                start <= lane.length / 2.0 && lane.length / 2.0 <= end
            }), Some(true));
        }
        prop_assert_eq!(seen, cells.len());

        // Cross-lane moves are exactly the lane graph's connections at nodes.
        let lane_of = |c: CellId| match cells.cell(c).origin {
            CellOrigin::Lane { lane, .. } => lane,
            CellOrigin::Grid { .. } => unreachable!(),
        };
        let ends = |l: LaneId| {
            let ids: Vec<CellId> = cells.lane_cells(l).collect();
            (ids[0], ids[ids.len() - 1])
        };
        let mut expected = HashSet::new();
        for (a, la) in map.lanes().iter().enumerate() {
            for (b, lb) in map.lanes().iter().enumerate() {
                let (ha, ta) = ends(LaneId(a as u32));
                let (hb, tb) = ends(LaneId(b as u32));
                // exits of a at each node, entries of b at each node
                let mut exits = vec![(la.to, ta)];
                if la.two_way { exits.push((la.from, ha)); }
                let mut entries = vec![(lb.from, hb)];
                if lb.two_way { entries.push((lb.to, tb)); }
                for &(n1, c1) in &exits {
                    for &(n2, c2) in &entries {
                        if n1 == n2 && c1 != c2 { expected.insert((c1, c2)); }
                    }
                }
            }
        }
        for c in 0..cells.len() as u32 {
            let c = CellId(c);
            for &n in cells.successors(c) {
                if lane_of(n) != lane_of(c) {
                    prop_assert!(expected.contains(&(c, n)), "unexpected move {:?} -> {:?}", c, n);
                }
                prop_assert!(cells.predecessors(n).contains(&c));
            }
        }
        for &(a, b) in &expected {
            prop_assert!(cells.has_edge(a, b), "missing move {:?} -> {:?}", a, b);
        }

        // A vehicle stands at a node in the cells by which lanes arrive there.
        for n in 0..map.nodes().len() {
            let node = corridor_map::NodeId(n as u32);
            let mut expected: Vec<CellId> = Vec::new();
            for (l, lane) in map.lanes().iter().enumerate() {
                let (head, tail) = ends(LaneId(l as u32));
                if lane.to == node { expected.push(tail); }
                if lane.two_way && lane.from == node { expected.push(head); }
            }
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(cells.cells_at_node(node), expected.as_slice());
        }

        // The lane network is strongly connected (the loader checks it), so is the cell graph.
        let all = reachable(&cells, CellId(0));
        prop_assert_eq!(all.len(), cells.len());
    }
}

#[test]
fn a_lane_shorter_than_a_footprint_is_refused_by_name() {
    let net = Network {
        nodes: vec![(0.0, 0.0), (15.0, 0.0)],
        lanes: vec![
            (0, 1, 0.0, None, false),
            (1, 0, 100.0, Some((0.0, 40.0)), false),
        ],
    };
    let err = SiteMap::from_toml_str(&to_toml(&net), "short.toml").unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.field, "lane \"L0\"", "{err}");
    assert!(p.message.contains("is 15.0 m long; it needs"), "{err}");
}

#[test]
fn station_cells_are_where_vehicles_stand_at_its_nodes() {
    let map = SiteMap::load(crate::fixture("good.toml")).expect("fixture");
    let cells = CellGraph::from_site(&map).expect("cells");
    let gate = map.station_id("gate").expect("gate");
    let last_of_a_to_b = cells.lane_cells(LaneId(0)).last().expect("cells");
    assert_eq!(cells.station_cells(&map, gate), vec![last_of_a_to_b]);
}

#[test]
fn lanes_meeting_at_an_angle_keep_a_clearance() {
    // good.toml: A→B straight, B→A bent up to y = 20: the lanes meet at right angles at
    // both nodes, so each end keeps (3 m / 2)·cot(45°) + 0.5 m = 2 m.
    let map = SiteMap::load(crate::fixture("good.toml")).expect("fixture");
    let cells = CellGraph::from_site(&map).expect("cells");
    let ab: Vec<CellId> = cells.lane_cells(LaneId(0)).collect();
    assert_eq!(ab.len(), 4, "(100 - 2 - 2) / 20.6 = 4.66");
    let first = cells.cell(ab[0]);
    let last = cells.cell(ab[3]);
    assert!((first.entry_clearance - 2.0).abs() < 1e-9 && first.exit_clearance == 0.0);
    assert!((last.exit_clearance - 2.0).abs() < 1e-9 && last.entry_clearance == 0.0);
    assert!((first.length - (2.0 + 96.0 / 4.0)).abs() < 1e-9);
    assert!((cells.cell(ab[1]).length - 24.0).abs() < 1e-9);
}
