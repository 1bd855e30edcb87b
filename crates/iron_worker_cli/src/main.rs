//! The `iron-worker` command. Each subcommand lives in its own module; `serve` runs the local
//! IronWorker-compatible server.

mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// IronWorker tools: a local IronWorker-compatible server (and, later, a client).
#[derive(Debug, Parser)]
#[command(name = "iron-worker", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local IronWorker-compatible server, which really runs workers.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
    }
}
