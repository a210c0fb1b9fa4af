//! Integration tests of corridor-bridge, over real sockets: each test starts its own
//! embedded broker on a free port (and the Mosquitto test uses `CORRIDOR_MOSQUITTO`).

mod broker;
pub mod fixtures;
mod garbage;
mod mosquitto;
mod operator;
mod schemas;
mod support;
mod vehicle_link;
mod vehicles;
