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

/// The simulator and the codec allocate many small strings and vectors per message;
/// mimalloc serves them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
                // rumqttd logs at ERROR every connection that closes, cleanly or not (a
                // DISCONNECT as "router-drop", a closed socket as "disconnected"): noise for
                // a user, kept out unless RUST_LOG says. The embedded broker's own failures
                // are reported by corridor-bridge.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new(
                        "warn,rumqttd::router::routing=off,rumqttd::server::broker=off",
                    )
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
            eprintln!("error: {}", chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, each cause once: the library errors already end
/// their message with their source's, so a cause the text ends with is not repeated.
fn chain(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod chain_tests {
    use super::chain;

    #[test]
    fn each_cause_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let map = corridor_map::SiteMap::load("/nonexistent/map.toml").expect_err("no file");
        let e = anyhow::Error::new(map).context("loading /nonexistent/map.toml");
        let text = chain(&e);
        assert_eq!(text.matches("No such file").count(), 1, "{text}");
        assert!(
            text.starts_with("loading /nonexistent/map.toml: cannot read map"),
            "{text}"
        );
        // A cause not in the text before it is added.
        let e = anyhow::Error::new(io).context("opening the store");
        assert_eq!(chain(&e), "opening the store: no such file");
    }
}
