//! Encode and decode time of the messages master control handles most: a busy vehicle's
//! `state` (decoded on every arrival) and a 20-node `order` (encoded for every release),
//! in VDA 5050 2.x and 3.0, through the same calls the bridge makes.
//!
//! `cargo bench -p corridor-bridge --bench codec`

use std::hint::black_box;

use corridor_vda5050::{Header, ProtocolVersion, Timestamp, Topic, TopicKind, VehicleId, codec};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[allow(dead_code)]
#[path = "../tests/it/fixtures.rs"]
mod fixtures;

fn codec_benches(c: &mut Criterion) {
    let vehicle = VehicleId::new("Corridor", "IGV-07").expect("id");
    let now = Timestamp::parse("2026-05-01T08:30:00.000Z").expect("time");
    let state = fixtures::realistic_state();
    let order = fixtures::realistic_order();
    for version in ProtocolVersion::ALL {
        let header = Header::new(&vehicle, version, 4711, now);
        let state_topic =
            Topic::new("uagv", version, vehicle.clone(), TopicKind::State).expect("topic");
        let order_topic =
            Topic::new("uagv", version, vehicle.clone(), TopicKind::Order).expect("topic");
        let state_bytes = codec::encode_state(version, &header, &state).expect("state");
        let order_bytes = codec::encode_order(version, &header, &order).expect("order");

        let mut group = c.benchmark_group(format!("{version}/state"));
        group.throughput(Throughput::Bytes(state_bytes.len() as u64));
        group.bench_function("encode", |b| {
            b.iter(|| codec::encode_state(version, black_box(&header), black_box(&state)))
        });
        group.bench_function("decode", |b| {
            b.iter(|| codec::decode(black_box(&state_topic), black_box(&state_bytes)))
        });
        group.finish();

        let mut group = c.benchmark_group(format!("{version}/order"));
        group.throughput(Throughput::Bytes(order_bytes.len() as u64));
        group.bench_function("encode", |b| {
            b.iter(|| codec::encode_order(version, black_box(&header), black_box(&order)))
        });
        group.bench_function("decode", |b| {
            b.iter(|| codec::decode(black_box(&order_topic), black_box(&order_bytes)))
        });
        group.finish();
    }
}

criterion_group!(benches, codec_benches);
criterion_main!(benches);
