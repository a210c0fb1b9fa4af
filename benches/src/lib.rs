//! Criterion benchmarks of Corridor's hot loops; see `benches/`. Run with
//! `cargo bench -p corridor-benches`. The MovingAI instances are read from
//! `../shared/benchmarks/movingai` beside the repository.

use std::path::PathBuf;

use corridor_map::movingai::{GridMap, Scenario};
use corridor_plan::{Instance, PlanError};

/// Where the shared MovingAI benchmarks are.
pub fn movingai_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/benchmarks/movingai"
    ))
}

/// The first `agents` agents of `<map>-random-1.scen` on `<map>.map`.
///
/// # Errors
/// The map or scenario cannot be read, or the instance is invalid.
pub fn movingai_instance(map: &str, agents: usize) -> Result<Instance, Box<dyn std::error::Error>> {
    let dir = movingai_dir();
    let graph = GridMap::load(dir.join("maps").join(format!("{map}.map")))?.to_cell_graph()?;
    let pairs = Scenario::load(dir.join("scen").join(format!("{map}-random-1.scen")))?
        .cells(&graph, agents)?;
    let instance = Instance::from_graph(
        &graph,
        pairs.iter().map(|p| p.0.0).collect(),
        pairs.iter().map(|p| p.1.0).collect(),
    )
    .map_err(|e: PlanError| Box::new(e) as Box<dyn std::error::Error>)?;
    Ok(instance)
}
