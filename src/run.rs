//! Running a simulation to its end: the loop that steps a [`Simulation`] through a
//! [`Transport`], answers operator requests and publishes operator events on the way.

use std::time::{Duration, Instant};

use anyhow::Result;
use corridor_bridge::{OperatorApi, OperatorRequest};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::mpsc;

use crate::simulation::{Simulation, Transport, stamp};

/// The operator API a run answers to while it goes.
#[derive(Debug)]
pub struct Operators<'a> {
    /// Where events go.
    pub api: &'a OperatorApi,
    /// Where requests come from.
    pub requests: mpsc::Receiver<OperatorRequest>,
}

/// The main loop: operator requests, then one simulation step through the transport, until
/// the simulated time is over. `realtime` paces it to the wall clock.
pub async fn drive<T: Transport>(
    sim: &mut Simulation,
    transport: &mut T,
    mut operators: Option<Operators<'_>>,
    realtime: bool,
    bar: &ProgressBar,
) -> Result<()> {
    let wall = Instant::now();
    let connected = transport.connect(stamp(0.0)?).await?;
    sim.receive(connected);
    let first = sim.all_states()?;
    let received = transport.to_fleet(first, stamp(0.0)?).await?;
    sim.receive(received);
    let mut next_snapshot = Instant::now();
    let mut hour = 0u64;
    let end = sim.end();
    while sim.time() < end {
        if sim.restart_due() {
            sim.kill_controller();
            let retained = transport.restart_master(stamp(sim.time())?).await?;
            sim.receive(retained);
        }
        // Requests wait in their queue while the fleet side restarts.
        if let Some(ops) = operators.as_mut().filter(|_| !sim.restarting()) {
            while let Ok(request) = ops.requests.try_recv() {
                if request.abandoned() {
                    // The bridge has told the operator it was not carried out: so it is not.
                    tracing::warn!(
                        correlation_id = %request.request.correlation_id,
                        "operator request dropped: answered `unavailable` while it waited"
                    );
                    continue;
                }
                let OperatorRequest { request, reply } = request;
                if let Some(answer) = sim.command(request) {
                    let _ = reply.send(answer);
                }
            }
        }
        let now = stamp(sim.time())?;
        let commands = sim.plan()?;
        let delivered = transport.to_vehicles(commands, now).await?;
        sim.deliver(delivered);
        let states = sim.advance()?;
        let now = stamp(sim.time())?;
        let received = transport.to_fleet(states, now).await?;
        sim.receive(received);
        let events = sim.take_events();
        if let Some(ops) = operators.as_ref() {
            for event in events {
                if let Err(e) = ops.api.publish_event(&event).await {
                    tracing::warn!("operator event not published: {e}");
                }
            }
            if Instant::now() >= next_snapshot {
                next_snapshot += Duration::from_secs(1);
                if let Some(snapshot) = sim.snapshot()
                    && let Err(e) = ops.api.publish_event(&snapshot).await
                {
                    tracing::warn!("fleet snapshot not published: {e}");
                }
            }
        }
        if realtime {
            let due = Duration::from_secs_f64(sim.time());
            if let Some(wait) = due.checked_sub(wall.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        let h = (sim.time() / 3600.0) as u64;
        if h > hour {
            hour = h;
            bar.set_position(h);
            bar.set_message(format!("{} delivered", sim.delivered()));
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// A progress bar over the run's simulated hours (hidden when `quiet`).
pub fn progress(hours: f64, quiet: bool) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(hours.ceil() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} simulated hours, {msg} [{elapsed_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
