//! Integration tests of the kinematic simulator.

mod driving;
mod vda;

use std::sync::Arc;

use corridor_map::SiteMap;
use corridor_sim::Site;

/// A 600 m one-way loop (A → B → C → A) with a slow 60 m scanner zone on B → S → C, a
/// station at S and a side lane D → B that merges at B.
pub const LOOP: &str = r#"
[site]
name = "test loop"
origin_lat = 21.97
origin_lon = 106.70
speed_limit = 6.1

[[node]]
id = "A"
x = 0
y = 0
[[node]]
id = "B"
x = 200
y = 0
[[node]]
id = "S"
x = 260
y = 0
[[node]]
id = "C"
x = 260
y = 100
[[node]]
id = "D"
x = 150
y = -60

[[lane]]
from = "A"
to = "B"
[[lane]]
from = "B"
to = "S"
speed_limit = 1.4
[[lane]]
from = "S"
to = "C"
[[lane]]
from = "C"
to = "A"
[[lane]]
from = "D"
to = "B"
[[lane]]
from = "C"
to = "D"
polyline = [[150, 100]]

[[station]]
id = "scanner"
kind = "xray"
nodes = ["S"]
service = { dist = "uniform", min = 20, max = 40 }

[[station]]
id = "charger"
kind = "charger"
nodes = ["A"]
capacity = 1
service = { dist = "fixed", seconds = 3600 }

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
battery_kwh = 232
consumption_empty_kwh_per_km = 2.0
consumption_loaded_kwh_per_km = 3.0
"#;

/// The loop site.
pub fn site() -> Arc<Site> {
    Arc::new(Site::new(SiteMap::from_toml_str(LOOP, "loop.toml").expect("valid")).expect("cells"))
}
