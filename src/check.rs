//! `corridor check`: validate a map and summarise it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use corridor_map::{CellGraph, MapError, SiteMap};

/// Loads `path`; prints a summary and returns success, or prints every problem and returns
/// failure.
pub fn run(path: &Path) -> Result<ExitCode> {
    let map = match SiteMap::load(path) {
        Ok(map) => map,
        Err(MapError::Invalid { file, problems }) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "{}: {} problem(s); the map is not valid",
                file.display(),
                problems.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    let cells = match CellGraph::from_site(&map) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    print!("{}", summary(&map, &cells));
    Ok(ExitCode::SUCCESS)
}

/// The text `corridor check` prints for a valid map.
pub fn summary(map: &SiteMap, cells: &CellGraph) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let two_way = map.lanes().iter().filter(|l| l.two_way).count();
    let _ = writeln!(s, "site:      {}", map.name());
    let geo = map.geo();
    let _ = writeln!(
        s,
        "origin:    {:.6}° N, {:.6}° E, +x bearing {:.1}°",
        geo.origin_lat, geo.origin_lon, geo.bearing_deg
    );
    let _ = writeln!(s, "nodes:     {}", map.nodes().len());
    let _ = writeln!(
        s,
        "lanes:     {} ({} one-way, {} two-way), {:.0} m in total",
        map.lanes().len(),
        map.lanes().len() - two_way,
        two_way,
        map.total_lane_length()
    );
    let mut kinds: BTreeMap<_, (usize, u32)> = BTreeMap::new();
    for st in map.stations() {
        let e = kinds.entry(st.kind).or_default();
        e.0 += 1;
        e.1 += st.capacity;
    }
    let _ = writeln!(s, "stations:  {}", map.stations().len());
    for (kind, (n, cap)) in kinds {
        let _ = writeln!(s, "  {:<14} {n:>3} (capacity {cap})", kind.as_str());
    }
    let _ = writeln!(
        s,
        "cells:     {} (at least {:.1} m each), {} moves",
        cells.len(),
        map.max_footprint(),
        cells.edge_count()
    );
    let _ = writeln!(s, "vehicles:  {}", map.vehicles().len());
    for v in map.vehicles() {
        let _ = writeln!(
            s,
            "  {:<14} {:.1} x {:.1} m, {:.1} m/s, {:.2} m/s² accel, {:.0} kWh",
            v.id, v.length, v.width, v.max_speed, v.acceleration, v.battery_kwh
        );
    }
    let _ = writeln!(s, "flows:     {}", map.flows().len());
    for f in map.flows() {
        let steps: Vec<String> = f
            .steps
            .iter()
            .map(|step| {
                let names: Vec<&str> = step
                    .stations
                    .iter()
                    .map(|&id| map.station(id).id.as_str())
                    .collect();
                let mut t = names.join("|");
                if step.probability < 1.0 {
                    t = format!("({t} {:.0}%)", step.probability * 100.0);
                }
                t
            })
            .collect();
        let _ = writeln!(
            s,
            "  {:<14} {:.0}%: {}",
            f.id,
            f.share * 100.0,
            steps.join(" → ")
        );
    }
    s
}
