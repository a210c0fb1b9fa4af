//! One fixture per class of bad map: the error names the right line, field and reason.

use corridor_map::{MapError, SiteMap};

use crate::fixture;

/// (fixture, line, field, words the message must contain)
const CASES: &[(&str, usize, &str, &str)] = &[
    ("syntax", 16, "(syntax)", "invalid float"),
    (
        "unknown_field",
        22,
        "lane[0].speed",
        "unknown field `speed`",
    ),
    ("missing_field", 14, "node[1]", "missing field `y`"),
    ("wrong_type", 37, "vehicle[0].width", "expected f64"),
    ("unknown_node", 21, "lane[0].to", "unknown node \"C\""),
    ("duplicate_id", 20, "node[2].id", "duplicate node id \"A\""),
    (
        "negative_length",
        22,
        "lane[0].length",
        "must be a positive number",
    ),
    (
        "lane_too_long",
        22,
        "lane[0].length",
        "longer than a lane can be (100000 m)",
    ),
    (
        "length_short",
        22,
        "lane[0].length",
        "shorter than the lane's geometry (100.00 m",
    ),
    (
        "station_missing_node",
        31,
        "station[0].nodes",
        "unknown node \"Z\"",
    ),
    (
        "flow_missing_station",
        51,
        "flow[0].steps[0].stations",
        "unknown station \"scanner\"",
    ),
    (
        "unknown_kind",
        30,
        "station[0].kind",
        "unknown kind \"tollbooth\"",
    ),
    (
        "service_order",
        32,
        "station[0].service",
        "min <= mode <= max",
    ),
    ("shares", 50, "flow.share", "sum to 0.6"),
    (
        "bad_speed",
        7,
        "site.speed_limit",
        "must be a positive number",
    ),
    (
        "queue_unknown_node",
        32,
        "station[0].queue",
        "unknown node \"Q\"",
    ),
    ("dead_end", 28, "node \"C\"", "cannot return to the rest"),
    (
        "crossing",
        14,
        "node \"B\"",
        "is a crossing: vehicles could drive A-B → B-A and C-B → B-C",
    ),
];

fn problems(name: &str) -> Vec<corridor_map::Problem> {
    let path = fixture(&format!("bad/{name}.toml"));
    match SiteMap::load(&path) {
        Ok(_) => panic!("{name}: the bad map was accepted"),
        Err(MapError::Invalid { file, problems }) => {
            assert_eq!(file, path);
            assert!(!problems.is_empty());
            problems
        }
        Err(other) => panic!("{name}: expected Invalid, got {other}"),
    }
}

#[test]
fn the_good_base_map_loads() {
    let map = SiteMap::load(fixture("good.toml")).expect("good.toml is valid");
    assert_eq!(map.nodes().len(), 2);
    assert_eq!(map.lanes()[0].id, "A-B");
    assert_eq!(map.lanes()[1].length, 140.0);
    assert_eq!(map.stations()[0].capacity, 1);
}

#[test]
fn each_class_of_bad_map_names_line_field_and_reason() {
    for &(name, line, field, words) in CASES {
        let found = problems(name);
        let first = &found[0];
        assert_eq!(first.location.line, line, "{name}: {first}");
        assert_eq!(first.field, field, "{name}: {first}");
        assert!(first.message.contains(words), "{name}: {first}");
        assert!(first.location.file.ends_with(format!("bad/{name}.toml")));
        // The rendered form carries file:line:column.
        let text = first.to_string();
        assert!(text.contains(&format!("{name}.toml:{line}:")), "{text}");
    }
}

#[test]
fn bad_maps_report_exactly_their_own_problem() {
    // The base map is valid, so each single-edit fixture has exactly one problem, except
    // dead_end (its node and the station on it).
    for &(name, ..) in CASES {
        let expected = if name == "dead_end" { 2 } else { 1 };
        let found = problems(name);
        assert_eq!(found.len(), expected, "{name}: {found:#?}");
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let found = problems("many");
    let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "station[0].kind",
            "vehicle[0].width",
            "flow[0].steps[0].stations"
        ],
        "{found:#?}"
    );
    let lines: Vec<usize> = found.iter().map(|p| p.location.line).collect();
    assert_eq!(lines, [30, 37, 51]);
}

#[test]
fn unreadable_file_is_an_io_error_naming_it() {
    let err = SiteMap::load(fixture("does-not-exist.toml")).unwrap_err();
    assert!(matches!(err, MapError::Io { .. }));
    assert!(err.to_string().contains("does-not-exist.toml"));
}

#[test]
fn column_counts_characters_not_bytes() {
    let src =
        "[site]\nname = \"Hữu Nghị\"\norigin_lat = 21.9\norigin_lon = 106.7\nbearing_deg = \"x\"\n";
    let err = SiteMap::from_toml_str(src, "mem.toml").unwrap_err();
    let p = err
        .problems()
        .iter()
        .find(|p| p.field == "site.bearing_deg")
        .expect("bearing problem");
    assert_eq!((p.location.line, p.location.column), (5, 15));
}

mod arbitrary_input {
    use corridor_map::SiteMap;
    use proptest::prelude::*;

    proptest! {
        /// Whatever bytes a map file holds, loading returns (never panics), and an error
        /// always lists at least one located problem.
        #[test]
        fn never_panics(src in "\\PC{0,300}") {
            if let Err(e) = SiteMap::from_toml_str(&src, "fuzz.toml") {
                let listed = e.problems();
                prop_assert!(!listed.is_empty());
                for p in listed {
                    prop_assert!(p.location.line >= 1 && p.location.column >= 1);
                }
            }
        }

        /// Mutating one character of a valid map never panics the loader.
        #[test]
        fn mutations_of_a_valid_map_never_panic(pos in 0usize..1200, c in proptest::char::any()) {
            let base = std::fs::read_to_string(crate::fixture("good.toml")).expect("fixture");
            let mut chars: Vec<char> = base.chars().collect();
            let i = pos % chars.len();
            chars[i] = c;
            let src: String = chars.into_iter().collect();
            let _ = SiteMap::from_toml_str(&src, "mutated.toml");
        }
    }
}
