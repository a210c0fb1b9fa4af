//! Integration tests of corridor-map: one binary, a module per concern.

mod bad_maps;
mod bundled;
mod discretisation;
mod movingai;
mod spatial;

use std::path::PathBuf;

/// The crate's test fixtures.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The repository's `maps/` folder.
pub fn bundled_map(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../maps")
        .join(name)
}

/// The shared MovingAI benchmark folder beside the repository.
pub fn movingai(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/benchmarks/movingai")
        .join(rel)
}
