//! The `iron-worker` command: a command-line client of the IronWorker API over the core crate,
//! and `serve`, the local IronWorker-compatible server.
//!
//! Each client command lives in `commands/`; they share the global options (`global.rs`), the
//! output helpers (`output.rs`) and one mapping from errors to exit codes (`exit.rs`).

mod commands;
mod exit;
mod global;
mod output;
mod progress;
mod serve;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use commands::{codes, schedules, tasks};
use exit::CliError;
use global::GlobalArgs;

/// Upload IronWorker workers, queue and watch their tasks, schedule them, and run a local
/// IronWorker-compatible server.
///
/// Credentials and the endpoint come from the global options, then the --config file,
/// ./iron.json or ./iron.ini, IRON_WORKER_* and IRON_* environment variables, and
/// ~/.iron.json or ~/.iron.ini, in that order (the same loader as the Python, Ruby and PHP
/// libraries).
#[derive(Debug, Parser)]
#[command(name = "iron-worker", version, after_help = exit::EXIT_CODES_HELP)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

/// A client command's own arguments plus the global options, which may be given after it.
#[derive(Debug, Args)]
struct With<T: Args> {
    #[command(flatten)]
    args: T,

    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Zip a worker's folder (or take a zip) and upload it as a code package.
    #[command(after_help = codes::UPLOAD_EXAMPLES)]
    Upload(With<codes::UploadArgs>),

    /// Queue tasks of a code package; print their ids, or wait for them.
    #[command(after_help = tasks::QUEUE_EXAMPLES)]
    Queue(With<tasks::QueueArgs>),

    /// Show a task's details (status, times, exit code, ...).
    Status(With<tasks::TaskArg>),

    /// Print a task's log (stdout and stderr); --follow streams it while the task runs.
    Log(With<tasks::LogArgs>),

    /// List tasks, newest first, with filters.
    Tasks(With<tasks::ListArgs>),

    /// Cancel a queued or running task.
    Cancel(With<tasks::TaskArg>),

    /// Queue a task again, like a finished one; print the new task's id.
    Retry(With<tasks::RetryArgs>),

    /// Set a task's progress (0-100) and message.
    Progress(With<tasks::ProgressArgs>),

    /// Schedule tasks of a code package: once later, or every so often.
    #[command(after_help = schedules::SCHEDULE_EXAMPLES)]
    Schedule(With<schedules::ScheduleArgs>),

    /// List schedules.
    Schedules(With<commands::PageArgs>),

    /// Cancel a schedule.
    Unschedule(With<schedules::ScheduleIdArg>),

    /// List code packages.
    Codes(With<commands::PageArgs>),

    /// Show a code package's details.
    Code(With<codes::CodeArg>),

    /// List a code package's revisions.
    Revisions(With<codes::RevisionsArgs>),

    /// Download a code package as a zip.
    Download(With<codes::DownloadArgs>),

    /// Stop running the queued tasks of a code package until `resume`.
    Pause(With<codes::CodeArg>),

    /// Run the queued tasks of a paused code package again.
    Resume(With<codes::CodeArg>),

    /// Run the local IronWorker-compatible server, which really runs workers.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let top = cli.global;

    let outcome = match cli.command {
        Command::Serve(args) => {
            if top.is_given() {
                let msg = "the global options (--config, --token, --host, ...) are for client \
                           commands; `serve` takes its own --host, --port and --token (see \
                           `iron-worker serve --help`)";
                return exit::report(&CliError::Usage(msg.to_string()));
            }
            return serve::run(args);
        }
        Command::Upload(c) => commands::run(top, c.global, |ctx| codes::upload(ctx, c.args)),
        Command::Queue(c) => commands::run(top, c.global, |ctx| tasks::queue(ctx, c.args)),
        Command::Status(c) => commands::run(top, c.global, |ctx| tasks::status(ctx, c.args)),
        Command::Log(c) => commands::run(top, c.global, |ctx| tasks::log(ctx, c.args)),
        Command::Tasks(c) => commands::run(top, c.global, |ctx| tasks::list(ctx, c.args)),
        Command::Cancel(c) => commands::run(top, c.global, |ctx| tasks::cancel(ctx, c.args)),
        Command::Retry(c) => commands::run(top, c.global, |ctx| tasks::retry(ctx, c.args)),
        Command::Progress(c) => commands::run(top, c.global, |ctx| tasks::progress(ctx, c.args)),
        Command::Schedule(c) => {
            commands::run(top, c.global, |ctx| schedules::schedule(ctx, c.args))
        }
        Command::Schedules(c) => commands::run(top, c.global, |ctx| schedules::list(ctx, c.args)),
        Command::Unschedule(c) => {
            commands::run(top, c.global, |ctx| schedules::unschedule(ctx, c.args))
        }
        Command::Codes(c) => commands::run(top, c.global, |ctx| codes::list(ctx, c.args)),
        Command::Code(c) => commands::run(top, c.global, |ctx| codes::show(ctx, c.args)),
        Command::Revisions(c) => commands::run(top, c.global, |ctx| codes::revisions(ctx, c.args)),
        Command::Download(c) => commands::run(top, c.global, |ctx| codes::download(ctx, c.args)),
        Command::Pause(c) => commands::run(top, c.global, |ctx| codes::pause(ctx, c.args)),
        Command::Resume(c) => commands::run(top, c.global, |ctx| codes::resume(ctx, c.args)),
    };

    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => exit::report(&error),
    }
}
