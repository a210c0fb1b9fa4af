//! Integration tests of corridor-fleet.

mod day;
mod operator;
mod store;
mod vda;

use corridor_map::SiteMap;

/// The bundled Hữu Nghị map, or a small stand-in while it is not there.
pub fn map() -> SiteMap {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corridor-map/tests/fixtures/good.toml"
    );
    SiteMap::load(path).expect("fixture map")
}
