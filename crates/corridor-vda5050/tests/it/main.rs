//! Integration tests of corridor-vda5050: schema conformance and round trips (property
//! tests), decoders against bad input, topics, header bookkeeping, the order tracker.

mod decode_errors;
mod headers;
mod instant_actions;
mod roundtrip;
mod schema;
mod strategies;
mod topics;
mod tracker;
mod wire;
