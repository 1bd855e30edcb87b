//! Schedule commands: `schedule`, `schedules`, `unschedule`.

use clap::Args;
use iron_worker::ScheduleOptions;
use serde_json::{Map, Value};

use super::{first_id, print_msg, put, Ctx, PageArgs, PayloadArgs};
use crate::exit::CliError;
use crate::output::{field, note};

/// Examples shown by `iron-worker schedule --help`.
pub const SCHEDULE_EXAMPLES: &str = "\
Examples:
  iron-worker schedule fibonacci --payload '{\"max\": 10}' --run-every 3600 --run-times 24
  iron-worker schedule report --start-at 2030-01-01T09:00:00Z
  iron-worker schedule cleanup --delay 600";

/// Arguments of `schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Name of the code package to run.
    name: String,

    #[command(flatten)]
    payload: PayloadArgs,

    /// First run: an RFC 3339 time (2030-01-01T09:00:00Z) or Unix seconds. Default: now.
    #[arg(long, value_name = "T")]
    start_at: Option<String>,

    /// First run in S seconds from now (instead of --start-at).
    #[arg(long, value_name = "S", conflicts_with = "start_at")]
    delay: Option<String>,

    /// Run again every S seconds (at least 60).
    #[arg(long, value_name = "S")]
    run_every: Option<String>,

    /// Run at most N times.
    #[arg(long, value_name = "N")]
    run_times: Option<String>,

    /// No runs after this time: RFC 3339 or Unix seconds.
    #[arg(long, value_name = "T")]
    end_at: Option<String>,

    /// Priority of the queued tasks: 0, 1 or 2.
    #[arg(long, value_name = "P")]
    priority: Option<String>,

    /// Timeout of the queued tasks, in seconds.
    #[arg(long, value_name = "S")]
    timeout: Option<String>,

    /// Cluster to run on.
    #[arg(long, value_name = "C")]
    cluster: Option<String>,

    /// Free-text label.
    #[arg(long, value_name = "L")]
    label: Option<String>,
}

/// `schedule`: creates a schedule; prints its id.
pub fn schedule(ctx: &mut Ctx, args: ScheduleArgs) -> Result<(), CliError> {
    let payload = args.payload.read()?;
    let mut map = Map::new();
    put(&mut map, "start_at", &args.start_at);
    put(&mut map, "delay", &args.delay);
    put(&mut map, "run_every", &args.run_every);
    put(&mut map, "run_times", &args.run_times);
    put(&mut map, "end_at", &args.end_at);
    put(&mut map, "priority", &args.priority);
    put(&mut map, "timeout", &args.timeout);
    put(&mut map, "cluster", &args.cluster);
    put(&mut map, "label", &args.label);
    let options = ScheduleOptions::from_map(&map)?;

    let answer = ctx
        .client
        .post_schedule(&args.name, payload.as_ref(), &options)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&answer)?);
    }
    Ok(ctx.out.line(&first_id(&answer, "schedules")?)?)
}

/// `schedules`: a table of schedules.
pub fn list(ctx: &mut Ctx, args: PageArgs) -> Result<(), CliError> {
    let schedules = ctx.client.get_schedules(&args.page()?)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&schedules)?);
    }
    if schedules.as_array().is_some_and(Vec::is_empty) {
        note("No schedules.");
        return Ok(());
    }
    Ok(ctx.out.table(
        &schedules,
        &[
            ("ID", |s| field(s, "id")),
            ("CODE", |s| field(s, "code_name")),
            ("STATUS", |s| field(s, "status")),
            ("RUNS", runs),
            ("EVERY", |s| field(s, "run_every")),
            ("NEXT START", |s| field(s, "next_start")),
        ],
    )?)
}

/// One schedule id.
#[derive(Debug, Args)]
pub struct ScheduleIdArg {
    /// The schedule's id.
    schedule: String,
}

/// `unschedule`: cancels a schedule; prints the server's message.
pub fn unschedule(ctx: &mut Ctx, args: ScheduleIdArg) -> Result<(), CliError> {
    let answer = ctx.client.cancel_schedule(&args.schedule)?;
    print_msg(&ctx.out, &answer, "Cancelled")
}

/// `3/24` (runs so far / most runs), or `3` when there is no limit.
fn runs(schedule: &Value) -> String {
    let count = field(schedule, "run_count");
    match schedule.get("run_times") {
        Some(times) if !times.is_null() => format!("{count}/{}", field(schedule, "run_times")),
        _ => count,
    }
}
