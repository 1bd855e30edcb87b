//! Task commands: `queue`, `status`, `log`, `tasks`, `cancel`, `retry`, `progress`.

use clap::Args;
use iron_worker::{TaskFilter, TaskOptions, WaitOptions};
use serde_json::{json, Map, Value};

use super::{first_id, ids, print_msg, put, Ctx, PageArgs, PayloadArgs};
use crate::exit::CliError;
use crate::output::{field, note, LogSink};

/// Examples shown by `iron-worker queue --help`.
pub const QUEUE_EXAMPLES: &str = "\
Examples:
  iron-worker queue fibonacci --payload '{\"max\": 1000}'
  iron-worker queue fibonacci --payload-file payload.json --wait
  iron-worker queue fibonacci -n 10 --priority 2
  id=$(iron-worker queue fibonacci) && iron-worker log --follow \"$id\"";

/// Arguments of `queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Name of the code package to run.
    name: String,

    #[command(flatten)]
    payload: PayloadArgs,

    /// Priority: 0 (default), 1 or 2 (higher runs first).
    #[arg(long, value_name = "P")]
    priority: Option<String>,

    /// Seconds before the task is killed (server default 3600).
    #[arg(long, value_name = "S")]
    timeout: Option<String>,

    /// Seconds to wait before running the task.
    #[arg(long, value_name = "S")]
    delay: Option<String>,

    /// Cluster to run on.
    #[arg(long, value_name = "C")]
    cluster: Option<String>,

    /// Free-text label, usable as a `tasks --label` filter.
    #[arg(long, value_name = "L")]
    label: Option<String>,

    /// How many tasks to queue, all with the same payload (1-1000).
    #[arg(short = 'n', long = "count", value_name = "COUNT", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    count: u32,

    /// Wait until the tasks end; exit 1 unless all are complete.
    #[arg(long)]
    wait: bool,

    /// Stream the log while the task runs (implies --wait); several tasks are followed one
    /// after the other.
    #[arg(long)]
    follow: bool,

    /// With --wait or --follow: give up after S seconds (exit 5). Default: the task's
    /// timeout plus a minute.
    #[arg(long, value_name = "S")]
    max_wait: Option<String>,
}

/// `queue`: prints the task ids, one a line; with `--wait`/`--follow`, waits for the end.
pub fn queue(ctx: &mut Ctx, args: QueueArgs) -> Result<(), CliError> {
    let payload = args.payload.read()?;
    let mut map = Map::new();
    put(&mut map, "priority", &args.priority);
    put(&mut map, "timeout", &args.timeout);
    put(&mut map, "delay", &args.delay);
    put(&mut map, "cluster", &args.cluster);
    put(&mut map, "label", &args.label);
    let options = TaskOptions::from_map(&map)?;
    let wait = wait_options(&args.max_wait)?;

    let answer = if args.count == 1 {
        ctx.client
            .post_task(&args.name, payload.as_ref(), &options)?
    } else {
        let one = payload.unwrap_or_else(|| json!({}));
        let payloads = vec![one; args.count as usize];
        ctx.client.post_tasks(&args.name, &payloads, &options)?
    };
    let task_ids = ids(&answer, "tasks")?;

    if !args.wait && !args.follow {
        if ctx.out.is_json() {
            return Ok(ctx.out.json(&answer)?);
        }
        for id in &task_ids {
            ctx.out.line(id)?;
        }
        return Ok(());
    }

    // The ids go where the result goes, unless stdout is about to carry a log.
    if ctx.out.is_json() || args.follow {
        for id in &task_ids {
            note(&format!("Queued task {id}"));
        }
    } else {
        for id in &task_ids {
            ctx.out.line(id)?;
        }
    }

    let mut ended = Vec::new();
    for id in &task_ids {
        let details = if args.follow {
            if task_ids.len() > 1 {
                note(&format!("==> log of task {id} <=="));
            }
            follow(ctx, id, &wait)?
        } else {
            ctx.client.wait_for(id, &wait)?
        };
        note(&ended_line(id, &details));
        ended.push(details);
    }

    if ctx.out.is_json() {
        ctx.out.json(&json!({ "tasks": ended }))?;
    }
    all_complete(&ended)
}

/// One task id.
#[derive(Debug, Args)]
pub struct TaskArg {
    /// The task's id.
    task: String,
}

/// `status`: the task's details.
pub fn status(ctx: &mut Ctx, args: TaskArg) -> Result<(), CliError> {
    let details = ctx.client.get_task_details(&args.task)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&details)?);
    }
    Ok(ctx.out.details(&details)?)
}

/// Arguments of `log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The task's id.
    task: String,

    /// Keep printing the log as it grows until the task ends; exit 1 unless it ends
    /// complete. With --json the log streams to stderr and the task's details are printed.
    #[arg(short, long)]
    follow: bool,

    /// With --follow: give up after S seconds (exit 5). Default: the task's timeout plus a
    /// minute.
    #[arg(long, value_name = "S", requires = "follow")]
    max_wait: Option<String>,
}

/// `log`: the log as it is now, or followed to the task's end.
pub fn log(ctx: &mut Ctx, args: LogArgs) -> Result<(), CliError> {
    if args.follow {
        let wait = wait_options(&args.max_wait)?;
        let details = follow(ctx, &args.task, &wait)?;
        if ctx.out.is_json() {
            ctx.out.json(&details)?;
        }
        return all_complete(&[details]);
    }

    if ctx.out.is_json() {
        let log = ctx.client.get_log(&args.task)?;
        return Ok(ctx.out.json(&json!({ "id": args.task, "log": log }))?);
    }
    let mut stream = ctx.client.get_log_stream(&args.task)?;
    let mut sink = LogSink::new(&ctx.out);
    std::io::copy(&mut stream, &mut sink).map_err(|e| {
        if sink.closed() {
            CliError::OutputClosed
        } else {
            CliError::Core(iron_worker::Error::Connection(format!(
                "reading the log of task {}: {e}",
                args.task
            )))
        }
    })?;
    Ok(())
}

/// Arguments of `tasks`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tasks of this code package.
    #[arg(long, value_name = "NAME")]
    code: Option<String>,

    /// Only tasks in this status (queued, preparing, running, complete, error, cancelled,
    /// killed, timeout); repeat it or separate with commas for several.
    #[arg(long, value_name = "S")]
    status: Vec<String>,

    /// Only tasks with this label.
    #[arg(long, value_name = "L")]
    label: Option<String>,

    /// Only tasks on this cluster.
    #[arg(long, value_name = "C")]
    cluster: Option<String>,

    /// Only tasks created at or after this Unix time (seconds).
    #[arg(long, value_name = "T")]
    from_time: Option<String>,

    /// Only tasks created at or before this Unix time (seconds).
    #[arg(long, value_name = "T")]
    to_time: Option<String>,

    #[command(flatten)]
    page: PageArgs,
}

/// `tasks`: a table of tasks.
pub fn list(ctx: &mut Ctx, args: ListArgs) -> Result<(), CliError> {
    let mut map = Map::new();
    put(&mut map, "code_name", &args.code);
    put(&mut map, "label", &args.label);
    put(&mut map, "cluster", &args.cluster);
    put(&mut map, "from_time", &args.from_time);
    put(&mut map, "to_time", &args.to_time);
    if !args.status.is_empty() {
        map.insert("status".to_string(), Value::from(args.status.join(",")));
    }
    args.page.add_to(&mut map);
    let filter = TaskFilter::from_map(&map)?;

    let tasks = ctx.client.get_tasks(&filter)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&tasks)?);
    }
    if tasks.as_array().is_some_and(Vec::is_empty) {
        note("No tasks.");
        return Ok(());
    }
    Ok(ctx.out.table(
        &tasks,
        &[
            ("ID", |t| field(t, "id")),
            ("CODE", |t| field(t, "code_name")),
            ("STATUS", |t| field(t, "status")),
            ("CREATED", |t| field(t, "created_at")),
            ("DURATION", duration),
        ],
    )?)
}

/// `cancel`: cancels a task; prints the server's message.
pub fn cancel(ctx: &mut Ctx, args: TaskArg) -> Result<(), CliError> {
    let answer = ctx.client.cancel_task(&args.task)?;
    print_msg(&ctx.out, &answer, "Cancelled")
}

/// Arguments of `retry`.
#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The task's id.
    task: String,

    /// Seconds to wait before the new task runs.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(i64))]
    delay: Option<i64>,
}

/// `retry`: queues a task again; prints the new task's id.
pub fn retry(ctx: &mut Ctx, args: RetryArgs) -> Result<(), CliError> {
    let answer = ctx.client.retry_task(&args.task, args.delay)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&answer)?);
    }
    Ok(ctx.out.line(&first_id(&answer, "tasks")?)?)
}

/// Arguments of `progress`.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// The task's id.
    task: String,

    /// Percent done, 0-100.
    #[arg(value_parser = clap::value_parser!(i64), allow_negative_numbers = true)]
    percent: i64,

    /// A message shown with the progress.
    msg: Option<String>,
}

/// `progress`: sets a task's progress; prints the server's message.
pub fn progress(ctx: &mut Ctx, args: ProgressArgs) -> Result<(), CliError> {
    let answer =
        ctx.client
            .set_task_progress(&args.task, Some(args.percent), args.msg.as_deref())?;
    print_msg(&ctx.out, &answer, "Progress set")
}

/// Polling for `--wait` and `--follow`, with `--max-wait` checked by the core.
fn wait_options(max_wait: &Option<String>) -> Result<WaitOptions, CliError> {
    let mut map = Map::new();
    put(&mut map, "max_wait", max_wait);
    // Poll briskly at first and at most every 2 s: a person is watching.
    map.insert("interval".to_string(), Value::from(0.2));
    map.insert("max_interval".to_string(), Value::from(2));
    Ok(WaitOptions::from_map(&map)?)
}

/// Streams a task's log to stdout (stderr with `--json`) until it ends; returns its details.
fn follow(ctx: &Ctx, task_id: &str, wait: &WaitOptions) -> Result<Value, CliError> {
    let mut sink = LogSink::new(&ctx.out);
    ctx.client
        .follow_log(task_id, wait, &mut sink)
        .map_err(|e| {
            if sink.closed() {
                CliError::OutputClosed
            } else {
                CliError::Core(e)
            }
        })
}

/// `Task 5ea...: complete (2.1 s)`.
fn ended_line(id: &str, details: &Value) -> String {
    let status = field(details, "status");
    match details.get("duration").and_then(Value::as_f64) {
        Some(ms) => format!("Task {id}: {status} ({:.1} s)", ms / 1000.0),
        None => format!("Task {id}: {status}"),
    }
}

/// Fails with exit code 1 unless every task ended `complete`.
fn all_complete(ended: &[Value]) -> Result<(), CliError> {
    let failed: Vec<String> = ended
        .iter()
        .filter(|d| d.get("status").and_then(Value::as_str) != Some("complete"))
        .map(|d| format!("{} ({})", field(d, "id"), field(d, "status")))
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(CliError::TaskNotComplete(format!(
        "not complete: task {}",
        failed.join(", task ")
    )))
}

/// A task's run time in seconds, from `duration` (milliseconds), or `-`.
fn duration(task: &Value) -> String {
    match task.get("duration").and_then(Value::as_f64) {
        Some(ms) => format!("{:.1}s", ms / 1000.0),
        None => "-".to_string(),
    }
}
