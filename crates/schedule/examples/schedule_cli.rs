//! The `bridgehub schedule` / `schedule-gen` commands as a standalone binary (the same
//! glue as `crates/cli/src/schedule.rs`), for benchmarking without the whole CLI:
//! `cargo run --release -p bridgehub-schedule --example schedule_cli -- schedule FILE --out OUT.json`.

#[path = "../../cli/src/schedule.rs"]
mod schedule;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "schedule_cli")]
enum Cli {
    /// Schedule a `.dzn` or `.json` instance.
    Schedule(schedule::ScheduleArgs),
    /// Write a generated instance.
    ScheduleGen(schedule::ScheduleGenArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse() {
        Cli::Schedule(args) => schedule::run_schedule(args),
        Cli::ScheduleGen(args) => schedule::run_schedule_gen(args),
    }
}
