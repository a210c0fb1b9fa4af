//! The bundled maps load, pass validation and discretise.

use corridor_map::{CellGraph, SiteMap};

use crate::bundled_map;

#[test]
fn bundled_maps_load_and_discretise() {
    for name in ["huu-nghi.toml", "tan-thanh.toml", "mong-cai.toml"] {
        let map = SiteMap::load(bundled_map(name)).unwrap_or_else(|e| panic!("{e}"));
        let cells = CellGraph::from_site(&map).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(cells.len() > map.lanes().len() / 2, "{name}");
        let shares: f64 = map.flows().iter().map(|f| f.share).sum();
        assert!((shares - 1.0).abs() < 1e-9, "{name}");
    }
}
