//! Runs one task under the runtime contract (reference §3): its own directory holding a
//! copy of the unpacked package, payload and config files, the `-id -d -e -payload
//! [-config] [-schedule_id]` flags, the `TASK_*` variables and the code's `env_vars`;
//! stdout and stderr into the log; timeout and cancel kill the whole process group.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::oneshot;

use crate::engine::{failed, Engine, StopReason};
use crate::package;
use crate::process::{self, kill_group};
use crate::store::{self, Outcome, RevisionRow, TaskRow};

/// How long to wait for the output pipes to close after the process group was killed.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// Bytes of stderr kept to build the error message.
const STDERR_TAIL: usize = 4096;

/// Payload file name in the task directory (the name the hosted service used).
const PAYLOAD_FILE: &str = "task_payload.json";

/// Config file name in the task directory.
const CONFIG_FILE: &str = "task_config.json";

/// The files of a prepared task.
struct Prepared {
    dir: PathBuf,
    payload_file: PathBuf,
    config_file: Option<PathBuf>,
}

/// Runs `task` to its end and records the outcome. Never panics; every failure becomes the
/// task's `error` status with a message.
pub(crate) async fn run(
    engine: Arc<Engine>,
    task: TaskRow,
    rev: RevisionRow,
    stop: oneshot::Receiver<StopReason>,
) {
    let (outcome, log_size) = match run_inner(&engine, &task, &rev, stop).await {
        Ok(done) => done,
        Err(msg) => (failed(msg), 0),
    };

    if !engine.config.keep_task_dirs {
        let dir = engine.paths.task_dir(&task.id);
        let _ = tokio::task::spawn_blocking(move || fs::remove_dir_all(dir)).await;
    }
    engine.finish(&task, &outcome, log_size);
}

async fn run_inner(
    engine: &Arc<Engine>,
    task: &TaskRow,
    rev: &RevisionRow,
    stop: oneshot::Receiver<StopReason>,
) -> Result<(Outcome, i64), String> {
    let prepared = {
        let engine = Arc::clone(engine);
        let (task, rev) = (task.clone(), rev.clone());
        tokio::task::spawn_blocking(move || prepare(&engine, &task, &rev))
            .await
            .map_err(|e| format!("preparing the task directory failed: {e}"))??
    };

    let mut cmd = command(engine, task, rev, &prepared)?;
    let mut child = cmd.spawn().map_err(|e| spawn_error(&cmd, e))?;
    let pid = child.id();
    {
        let conn = engine.store.lock();
        if let Err(e) = store::set_pid(&conn, &task.id, pid.map(i64::from)) {
            tracing::warn!(task = %task.id, "recording the pid failed: {e}");
        }
    }

    let sink = Arc::new(Mutex::new(LogSink::open(engine, &task.id)?));
    let out_pump = child
        .stdout
        .take()
        .map(|r| tokio::spawn(pump(r, Arc::clone(&sink), Stream::Stdout)));
    let err_pump = child
        .stderr
        .take()
        .map(|r| tokio::spawn(pump(r, Arc::clone(&sink), Stream::Stderr)));

    let stop = async move {
        match stop.await {
            Ok(reason) => reason,
            Err(_) => std::future::pending().await,
        }
    };
    let timeout = Duration::from_secs(u64::try_from(task.timeout.max(1)).unwrap_or(3600));

    let ended = tokio::select! {
        status = child.wait() => Ended::Exited(status),
        _ = tokio::time::sleep(timeout) => Ended::TimedOut,
        reason = stop => Ended::Stopped(reason),
    };

    // Kill the whole group in every case: a finished worker must leave no orphans, and a
    // timed-out or cancelled one must stop now.
    if let Some(pid) = pid {
        kill_group(pid);
    }
    let _ = child.kill().await;

    if let Some(h) = out_pump {
        drain(h).await;
    }
    let stderr_tail = match err_pump {
        Some(h) => drain(h).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let log_size = sink
        .lock()
        .map(|s| i64::try_from(s.written).unwrap_or(i64::MAX))
        .unwrap_or(0);

    let outcome = match ended {
        Ended::Exited(Ok(status)) => exit_outcome(status, &stderr_tail),
        Ended::Exited(Err(e)) => failed(format!("waiting for the worker process failed: {e}")),
        Ended::TimedOut => Outcome {
            status: "timeout",
            msg: Some(format!(
                "Timed out: the task ran longer than its timeout of {} seconds and was killed",
                task.timeout
            )),
            error_class: Some("Timeout".to_string()),
            exit_code: None,
        },
        Ended::Stopped(StopReason::Cancel) => Outcome {
            status: "cancelled",
            msg: Some("Cancelled by request".to_string()),
            error_class: None,
            exit_code: None,
        },
        Ended::Stopped(StopReason::Shutdown) => Outcome {
            status: "error",
            msg: Some("The server stopped while the task was running".to_string()),
            error_class: Some("ServerShutdown".to_string()),
            exit_code: None,
        },
    };
    Ok((outcome, log_size))
}

enum Ended {
    Exited(std::io::Result<ExitStatus>),
    TimedOut,
    Stopped(StopReason),
}

/// Waits for a pump to see the end of its pipe, bounded: a grandchild that escaped the
/// process group could hold the pipe open forever.
async fn drain(handle: tokio::task::JoinHandle<Vec<u8>>) -> Option<Vec<u8>> {
    let abort = handle.abort_handle();
    match tokio::time::timeout(DRAIN_LIMIT, handle).await {
        Ok(Ok(tail)) => Some(tail),
        _ => {
            abort.abort();
            None
        }
    }
}

/// Builds the task directory: a copy of the unpacked package plus the payload and config.
fn prepare(engine: &Engine, task: &TaskRow, rev: &RevisionRow) -> Result<Prepared, String> {
    let paths = &engine.paths;
    let cache = package::ensure_cache(
        paths,
        &rev.id,
        rev.has_zip,
        engine.config.max_unpacked_bytes,
    )
    .map_err(|e| format!("cannot unpack the code package: {e}"))?;

    let dir = paths.task_dir(&task.id);
    let _ = fs::remove_dir_all(&dir);
    package::copy_tree(&cache, &dir)
        .map_err(|e| format!("cannot create the task directory {}: {e}", dir.display()))?;

    let payload_file = dir.join(PAYLOAD_FILE);
    fs::write(&payload_file, task.payload.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", payload_file.display()))?;

    let config_file = match &rev.config {
        Some(config) => {
            let path = dir.join(CONFIG_FILE);
            fs::write(&path, config.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Some(path)
        }
        None => None,
    };

    Ok(Prepared {
        dir,
        payload_file,
        config_file,
    })
}

/// The worker's command line and environment.
fn command(
    engine: &Engine,
    task: &TaskRow,
    rev: &RevisionRow,
    prepared: &Prepared,
) -> Result<Command, String> {
    let dir = &prepared.dir;

    let mut cmd = if let Some(file) = rev.file_name.as_deref() {
        if !package::has_file(dir, file) {
            return Err(format!(
                "the run file {file:?} is not in the code package (revision {})",
                rev.rev
            ));
        }
        let runtime = process::resolve_runtime(rev.runtime.as_deref(), rev.stack.as_deref(), file);
        if runtime == "binary" {
            make_executable(&dir.join(file))?;
        }
        let launch = process::launch(runtime, file, dir);

        let mut cmd = Command::new(&launch.program);
        cmd.args(&launch.args);
        cmd.arg("-id").arg(&task.id);
        cmd.arg("-d").arg(dir);
        cmd.arg("-e").arg("development");
        cmd.arg("-payload").arg(&prepared.payload_file);
        if let Some(config) = &prepared.config_file {
            cmd.arg("-config").arg(config);
        }
        if let Some(schedule) = &task.schedule_id {
            cmd.arg("-schedule_id").arg(schedule);
        }
        cmd
    } else if let Some(command) = rev.command.as_deref() {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(command);
        cmd
    } else {
        return Err(
            "this code package has neither a file_name nor a command to run (Docker \
                    images are not run by the local server)"
                .to_string(),
        );
    };

    // The server's own secrets stay out of the worker: no IRON_* variable, nothing that
    // holds the token.
    let token = engine.config.token.as_str();
    for (key, value) in std::env::vars_os() {
        let key_s = key.to_string_lossy();
        let leaks = !token.is_empty() && value.to_string_lossy().contains(token);
        if key_s.starts_with("IRON_") || leaks {
            cmd.env_remove(&key);
        }
    }
    for (key, value) in rev.env_map() {
        let value = match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        cmd.env(key, value);
    }
    cmd.env("TASK_ID", &task.id);
    cmd.env("TASK_DIR", dir);
    cmd.env("PAYLOAD_FILE", &prepared.payload_file);
    match &prepared.config_file {
        Some(config) => cmd.env("CONFIG_FILE", config),
        None => cmd.env_remove("CONFIG_FILE"),
    };
    cmd.env("PYTHONUNBUFFERED", "1");

    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    Ok(cmd)
}

fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;

    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mode = meta.permissions().mode() | 0o700;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot make {} executable: {e}", path.display()))
}

/// A clear message for a worker that could not start.
fn spawn_error(cmd: &Command, e: std::io::Error) -> String {
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    if e.kind() == std::io::ErrorKind::NotFound {
        format!("cannot start the worker: {program:?} was not found (is that runtime installed on the server's PATH?)")
    } else if e.kind() == std::io::ErrorKind::PermissionDenied {
        format!("cannot start the worker: permission denied running {program:?}")
    } else {
        format!("cannot start the worker {program:?}: {e}")
    }
}

/// The outcome of a worker that exited by itself.
fn exit_outcome(status: ExitStatus, stderr_tail: &[u8]) -> Outcome {
    use std::os::unix::process::ExitStatusExt;

    if status.success() {
        return Outcome {
            status: "complete",
            msg: None,
            error_class: None,
            exit_code: Some(0),
        };
    }

    let last_line = String::from_utf8_lossy(stderr_tail)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(1000).collect::<String>());
    match status.code() {
        Some(code) => Outcome {
            status: "error",
            msg: Some(last_line.unwrap_or_else(|| format!("The worker exited with status {code}"))),
            error_class: Some(format!("Process Exit {code}")),
            exit_code: Some(i64::from(code)),
        },
        None => {
            let signal = status.signal().unwrap_or(0);
            Outcome {
                status: "error",
                msg: Some(
                    last_line
                        .unwrap_or_else(|| format!("The worker was killed by signal {signal}")),
                ),
                error_class: Some(format!("Process Signal {signal}")),
                exit_code: None,
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// The log files of one task: everything into the log, stdout also into the outlog.
struct LogSink {
    log: File,
    out: File,
    written: u64,
    out_written: u64,
    limit: u64,
    truncated: bool,
}

impl LogSink {
    fn open(engine: &Engine, task_id: &str) -> Result<LogSink, String> {
        let create = |path: PathBuf| {
            File::create(&path)
                .map_err(|e| format!("cannot create the log {}: {e}", path.display()))
        };
        Ok(LogSink {
            log: create(engine.paths.log(task_id))?,
            out: create(engine.paths.outlog(task_id))?,
            written: 0,
            out_written: 0,
            limit: engine.config.max_log_bytes,
            truncated: false,
        })
    }

    /// Appends a chunk (unbuffered, so a partial log is readable at once); past the limit,
    /// writes one note and drops the rest.
    fn write(&mut self, stream: Stream, chunk: &[u8]) {
        if stream == Stream::Stdout && self.out_written < self.limit {
            let room = (self.limit - self.out_written).min(chunk.len() as u64) as usize;
            if self.out.write_all(&chunk[..room]).is_ok() {
                self.out_written += room as u64;
            }
        }

        if self.truncated {
            return;
        }
        let room = (self.limit.saturating_sub(self.written)).min(chunk.len() as u64) as usize;
        if self.log.write_all(&chunk[..room]).is_ok() {
            self.written += room as u64;
        }
        if room < chunk.len() {
            self.truncated = true;
            let note = format!("\n[iron-worker: log truncated at {} bytes]\n", self.limit);
            if self.log.write_all(note.as_bytes()).is_ok() {
                self.written += note.len() as u64;
            }
        }
    }
}

/// Copies one pipe into the log until it closes; returns the tail (for stderr's message).
async fn pump<R: AsyncRead + Unpin>(
    mut reader: R,
    sink: Arc<Mutex<LogSink>>,
    stream: Stream,
) -> Vec<u8> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Ok(mut sink) = sink.lock() {
            sink.write(stream, &buf[..n]);
        }
        if stream == Stream::Stderr {
            tail.extend_from_slice(&buf[..n]);
            if tail.len() > STDERR_TAIL {
                tail.drain(..tail.len() - STDERR_TAIL);
            }
        }
    }
    tail
}
