//! MovingAI import: every shared benchmark map loads with its documented free-cell count.

use corridor_map::movingai::{GridMap, Scenario};

use crate::movingai;

/// Free cells as documented in shared/benchmarks/movingai/SOURCE.md (warehouse counted here).
const MAPS: &[(&str, u32, u32, usize)] = &[
    ("empty-32-32", 32, 32, 1024),
    ("lak303d", 194, 194, 14784),
    ("maze-32-32-2", 32, 32, 666),
    ("random-32-32-20", 32, 32, 819),
    ("room-64-64-8", 64, 64, 3232),
    ("warehouse-10-20-10-2-1", 161, 63, 5699),
];

#[test]
fn every_shared_map_loads_with_its_free_cell_count() {
    for &(name, w, h, free) in MAPS {
        let map = GridMap::load(movingai(&format!("maps/{name}.map"))).expect(name);
        assert_eq!((map.width(), map.height()), (w, h), "{name}");
        assert_eq!(map.free_count(), free, "{name}");
        let graph = map.to_cell_graph().expect(name);
        assert_eq!(graph.len(), free, "{name}");
        // 4-connected, both ways: every edge has its reverse.
        for c in 0..graph.len() as u32 {
            let c = corridor_map::CellId(c);
            for &n in graph.successors(c) {
                assert!(graph.has_edge(n, c));
            }
        }
    }
}

#[test]
fn every_shared_map_accepts_crlf() {
    let text = std::fs::read_to_string(movingai("maps/random-32-32-20.map")).expect("map");
    let crlf = text.replace('\n', "\r\n");
    let a = GridMap::parse(&text, "lf.map").expect("lf");
    let b = GridMap::parse(&crlf, "crlf.map").expect("crlf");
    assert_eq!(a, b);
}

#[test]
fn scenarios_give_the_first_k_agents_on_free_cells() {
    for &(name, ..) in MAPS {
        let map = GridMap::load(movingai(&format!("maps/{name}.map"))).expect(name);
        let graph = map.to_cell_graph().expect(name);
        let scen = Scenario::load(movingai(&format!("scen/{name}-random-1.scen"))).expect(name);
        assert!(scen.agents.len() >= 100, "{name}");
        let pairs = scen.cells(&graph, 100).expect(name);
        assert_eq!(pairs.len(), 100);
        for (agent, (s, g)) in scen.agents.iter().zip(&pairs) {
            assert_eq!(agent.map, format!("{name}.map"));
            let cell = graph.cell(*s);
            assert_eq!(cell.position.x as u32, agent.start.0);
            assert_eq!(cell.position.y as u32, agent.start.1);
            assert!(map.is_free(agent.goal.0, agent.goal.1));
            assert_eq!(graph.grid_cell(agent.goal.0, agent.goal.1), Some(*g));
        }
        assert!(scen.cells(&graph, scen.agents.len() + 1).is_err());
    }
}

#[test]
fn first_scenario_line_of_random_32_32_20_is_read_exactly() {
    let scen = Scenario::load(movingai("scen/random-32-32-20-random-1.scen")).expect("scen");
    let a = &scen.agents[0];
    assert_eq!((a.bucket, a.start, a.goal), (7, (5, 16), (31, 24)));
    assert!((a.optimal_length - 31.313_708_50).abs() < 1e-6);
}

#[test]
fn malformed_grid_files_name_the_line() {
    let cases = [
        (
            "type octile\nheight 2\nwidth 3\nmap\n...\n..\n",
            6,
            "row 1 has 2 squares",
        ),
        (
            "type octile\nheight x\nwidth 3\nmap\n",
            2,
            "height must be a whole number",
        ),
        (
            "type octile\nheight 2\nwidth 2\nmap\n..\n",
            5,
            "1 rows, the header gives height 2",
        ),
        (
            "type octile\nheight 1\nwidth 1\n.\n",
            4,
            "unexpected header line",
        ),
    ];
    for (src, line, words) in cases {
        match GridMap::parse(src, "bad.map") {
            Err(corridor_map::MapError::MovingAi { location, message }) => {
                assert_eq!(location.line, line, "{message}");
                assert!(message.contains(words), "{message}");
            }
            other => panic!("expected a MovingAI error for {src:?}, got {other:?}"),
        }
    }
    let err = Scenario::parse("version 1\n1\tm.map\t3\t3\t0\t0\t1\n", "bad.scen").unwrap_err();
    assert!(err.to_string().contains("bad.scen:2:"), "{err}");
}
