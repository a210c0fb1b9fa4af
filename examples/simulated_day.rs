//! A simulated day at Hữu Nghị embedded in a program of your own: the fleet controller and
//! 51 simulated IGVs talking VDA 5050 in process, on the virtual clock, then the figures an
//! engineer looks at — without the broker, the operator API or the command line of
//! `corridor demo`.
//!
//! ```sh
//! cargo run --release --example simulated_day -- 6    # simulated hours (default 24)
//! ```

use corridor::run::{drive, progress};
use corridor::simulation::{RunSpec, Simulation, Transport};
use corridor::transport::InProcess;

fn main() -> anyhow::Result<()> {
    let hours: f64 = std::env::args()
        .nth(1)
        .map(|h| h.parse())
        .transpose()?
        .unwrap_or(24.0);
    let mut sim = Simulation::new(RunSpec {
        map: concat!(env!("CARGO_MANIFEST_DIR"), "/maps/huu-nghi.toml").into(),
        hours,
        vehicles: 51,
        demand: 2800.0,
        peak_factor: 1.5,
        perishable: 0.5,
        seed: 1,
        dt: 0.5,
        store: None,
        restart_at_s: None,
    })?;
    let mut transport = InProcess::new(sim.vehicle_ids())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(drive(
        &mut sim,
        &mut transport,
        None,
        false,
        &progress(hours, false),
    ))?;
    let report_path = std::env::temp_dir().join("corridor-simulated-day.json");
    let report = sim.finish(transport.name(), transport.counts(), &report_path)?;
    println!(
        "{:.0} containers/day ({} delivered in {hours} h), cycle p95 {:.0} s, {} collisions, {} stalls",
        report.containers_per_day,
        report.containers_delivered,
        report.cycle_s_p95,
        report.collisions,
        report.stalls
    );
    println!("report and plots: {}", report_path.display());
    Ok(())
}
