//! `corridor demo`: the main job. Starts the embedded MQTT broker (or uses `--broker`),
//! the operator API on it, the fleet controller and a simulated fleet of IGVs on the
//! Hữu Nghị map, and runs a simulated day: containers arrive with the daily peak, the
//! controller assigns, plans and releases, the vehicles drive, queue and get served, all
//! of it in VDA 5050 (2.x for even vehicles, 3.0 for odd ones). At the end it prints a
//! summary and writes `report.json` and SVG plots.
//!
//! The default is the accelerated virtual clock with the vehicles' VDA 5050 encoded and
//! decoded in process (the same messages, headers and rules as on the wire, without the
//! broker's latency). `--transport mqtt` sends them through the broker instead, one MQTT
//! connection per vehicle, in lock-step with the virtual clock; `--realtime` paces the
//! virtual clock to the wall clock and always uses MQTT. While it runs, operators can watch and command the fleet on
//! `corridor/v1/{site}/…` (docs/operator-api.md): a snapshot is published once a second
//! of wall time, job changes and alarms as they happen.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use corridor_bridge::{
    BrokerConfig, BrokerUrl, EmbeddedBroker, MqttSettings, OperatorApi, OperatorConfig, free_port,
};

use corridor::run::{Operators, drive, progress};
use corridor::simulation::{RunSpec, Simulation, Transport, stamp};
use corridor::transport::{InProcess, Mqtt};

/// How the vehicles' VDA 5050 messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportKind {
    /// Through the MQTT broker, one connection per vehicle.
    Mqtt,
    /// Encoded and decoded in process (same messages, no broker).
    InProcess,
}

/// Options of `corridor demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The site map.
    #[arg(long, default_value = "maps/huu-nghi.toml")]
    pub map: PathBuf,
    /// Simulated hours.
    #[arg(long, default_value_t = 24.0)]
    pub hours: f64,
    /// Fleet size (profile: the map's first). Default: 51, the fleet domain.md §6 sizes
    /// for 2,800 containers a day (44 without queueing, plus 15 %).
    #[arg(long, default_value_t = 51)]
    pub vehicles: usize,
    /// Mean containers per day, split between the map's flows by their shares (60/40
    /// export/import at Hữu Nghị).
    #[arg(long, default_value_t = 2800.0)]
    pub demand: f64,
    /// Peak rate over mean rate of the daily demand profile (domain.md §6: 1.5).
    #[arg(long, default_value_t = 1.5)]
    pub peak_factor: f64,
    /// Share of the first flow's containers that are perishable (fruit).
    #[arg(long, default_value_t = 0.5)]
    pub perishable: f64,
    /// Seed of demand, service times and planning.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulation step, seconds.
    #[arg(long, default_value_t = 0.5)]
    pub dt: f64,
    /// An external MQTT broker instead of the embedded one, e.g.
    /// `mqtt://user:password@127.0.0.1:1883`.
    #[arg(long)]
    pub broker: Option<BrokerUrl>,
    /// Port of the embedded broker (default: a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// How the vehicles' VDA 5050 travels. `mqtt` runs the virtual clock in lock-step over
    /// the broker; with the embedded broker each step then waits for TCP delayed ACKs
    /// (rumqttd cannot set TCP_NODELAY), so a day takes hours: use it with Mosquitto
    /// (`set_tcp_nodelay true`) or for short runs.
    #[arg(long, value_enum, default_value_t = TransportKind::InProcess)]
    pub transport: TransportKind,
    /// Pace the virtual clock to the wall clock (a real-time run; implies MQTT).
    #[arg(long)]
    pub realtime: bool,
    /// Site id of the operator API topics `corridor/v1/{site}/…`.
    #[arg(long, default_value = "huu-nghi")]
    pub site: String,
    /// Where to write the report (SVG plots go beside it).
    #[arg(long, default_value = "report.json")]
    pub report: PathBuf,
    /// The job store file (default: a temporary one in /dev/shm or the temporary
    /// directory, removed at the end).
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Kill the fleet side (controller and VDA 5050 master control, with its MQTT
    /// connection) after this many simulated hours and start a new one on the same job
    /// store: no job may be lost or run twice.
    #[arg(long, value_name = "HOURS")]
    pub restart_controller_at: Option<f64>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the demo. Fails (exit code 1) on any collision, stall or vehicle rejection.
pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: &DemoArgs) -> Result<ExitCode> {
    let spec = RunSpec {
        map: args.map.clone(),
        hours: args.hours,
        vehicles: args.vehicles,
        demand: args.demand,
        peak_factor: args.peak_factor,
        perishable: args.perishable,
        seed: args.seed,
        dt: args.dt,
        store: args.store.clone(),
        restart_at_s: args.restart_controller_at.map(|h| h * 3600.0),
    };
    let mut sim = Simulation::new(spec)?;
    // The broker: embedded unless one is given.
    let (_broker, url) = match &args.broker {
        Some(url) => (None, url.clone()),
        None => {
            let port = match args.port {
                Some(p) => p,
                None => free_port()?,
            };
            let broker = EmbeddedBroker::start(BrokerConfig::new(port))
                .await
                .context("starting the embedded MQTT broker")?;
            let url = broker.url();
            (Some(broker), url)
        }
    };
    if !args.quiet {
        eprintln!(
            "MQTT broker: {url} (operator API on corridor/v1/{}/…)",
            args.site
        );
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shutdown = {
        let mut rx = stopped.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let operator = OperatorConfig::new(
        MqttSettings::new(
            url.clone(),
            format!("corridor-operator-{}", std::process::id()),
        ),
        args.site.clone(),
    );
    let (api, requests) = OperatorApi::connect(operator, shutdown)
        .await
        .context("connecting the operator API")?;
    let operators = Some(Operators {
        api: &api,
        requests,
    });
    let bar = progress(args.hours, args.quiet);
    let code = if args.transport == TransportKind::InProcess && !args.realtime {
        let mut transport = InProcess::new(sim.vehicle_ids())?;
        drive(&mut sim, &mut transport, operators, false, &bar).await?;
        finish(sim, &transport, args)?
    } else {
        let mut transport = Mqtt::connect(&url, sim.vehicle_ids(), stamp(0.0)?)
            .await
            .context("connecting the simulated fleet")?;
        drive(&mut sim, &mut transport, operators, args.realtime, &bar).await?;
        finish(sim, &transport, args)?
    };
    let _ = stop.send(true);
    Ok(code)
}

fn finish<T: Transport>(sim: Simulation, transport: &T, args: &DemoArgs) -> Result<ExitCode> {
    let report = sim.finish(transport.name(), transport.counts(), &args.report)?;
    corridor::report::print_summary(&report);
    if report.collisions > 0 || report.stalls > 0 || report.vehicle_rejections > 0 {
        eprintln!(
            "FAILED: {} collision(s), {} stall(s), {} vehicle rejection(s)",
            report.collisions, report.stalls, report.vehicle_rejections
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
