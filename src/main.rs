//! `corridor`: the command-line front of the Corridor workspace.

mod check;
mod demo;
mod lifelong;
mod mapf;
mod render;
mod rhcr;
mod sweep;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Plans and controls fleets of driverless container vehicles (AGV/IGV) on the dedicated
/// freight roads of smart border gates.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a map file: print a summary and exit 0, or print every problem and exit 1.
    Check {
        /// The map (TOML, see maps/README.md).
        map: PathBuf,
    },
    /// Run the lifelong benchmark (a new goal for every agent that arrives) and print one
    /// JSON object: throughput, tick times, checker violations, stalled steps.
    Lifelong(lifelong::LifelongArgs),
    /// Solve a multi-agent path finding instance (MovingAI map + scenario, or a lane map with
    /// random starts and goals) and write the plan in the LaCAM / mapf-visualizer format.
    Mapf(mapf::MapfArgs),
    /// Draw a map as SVG: lanes with direction arrows, stations by kind, border, scale bars.
    Render(render::RenderArgs),
    /// The main job: embedded MQTT broker, operator API, fleet controller and a simulated
    /// fleet speaking VDA 5050, for a simulated day at the border gate (accelerated virtual
    /// clock by default); prints a summary, writes report.json and SVG plots.
    Demo(demo::DemoArgs),
    /// Fleet sizing: the simulated day for each fleet size of a range; containers per day
    /// against fleet size (table, sweep.json, sweep.svg) and the smallest fleet that meets
    /// the target.
    Sweep(sweep::SweepArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // rumqttd's router logs at ERROR each probe connection that closes (the embedded
                // broker's own readiness check): noise for a user, kept out unless RUST_LOG says.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("warn,rumqttd::router::routing=off")
                }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { map } => check::run(&map),
        Command::Lifelong(args) => lifelong::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Mapf(args) => mapf::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Sweep(args) => sweep::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
