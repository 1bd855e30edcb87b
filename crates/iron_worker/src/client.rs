//! The IronWorker v2 HTTP API.
//!
//! One [`Client`] holds one connection pool (keep-alive) and the resolved [`Config`]. Results
//! are the server's JSON as [`serde_json::Value`], so every field the server sent is kept.
//! List calls return the JSON array (the `codes` / `tasks` / `schedules` / `revisions` member).
//!
//! Requests carry `Authorization: OAuth <token>`, ask for gzip, and time out after
//! `config.timeout` (`config.upload_timeout` for package uploads and downloads and log streams).
//! A 503 or 504, or a connection that could not be opened, is retried up to `config.max_retries`
//! times with jittered exponential backoff; a POST that may have reached the server is never
//! sent twice, so a task is never queued twice.
//!
//! Calls that wait (`wait_for`, `wait_for_log`, `follow_log`, and the backoff before a retry)
//! ask the client's [`Interrupt`] whether to stop, between polls and at least every 50 ms
//! while they sleep; a request in flight is bounded by its timeout.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::config::{Config, ConfigOptions};
use crate::error::{Error, Result};
use crate::http::{encode, Budget, Method, Payload, Request, Transport};
use crate::multipart::UploadForm;
use crate::options::{CodeOptions, Page, ScheduleOptions, TaskFilter, TaskOptions, WaitOptions};
use crate::retry::{Backoff, DEFAULT_BASE};

/// Task statuses that are not final: `wait_for` keeps polling while a task is in one of them.
const PENDING_STATUSES: [&str; 3] = ["queued", "preparing", "running"];

/// Every task status the list filter knows (`killed` is the 2012 name of a system kill).
const TASK_STATUSES: [&str; 8] = [
    "queued",
    "preparing",
    "running",
    "complete",
    "error",
    "cancelled",
    "killed",
    "timeout",
];

/// The task timeout assumed when the server does not say (the service's default and maximum).
const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(3600);

/// Added to the task's own timeout by `wait_for`, for queueing and start-up time.
const WAIT_MARGIN: Duration = Duration::from_secs(60);

/// Shortest pause between two polls, whatever the caller asked, so a wait never spins.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(10);

/// How many times `wait_for_log` asks again for a log the server says does not exist yet.
const LOG_NOT_FOUND_RETRIES: u32 = 5;

/// Longest sleep between two questions to the [`Interrupt`]: short enough that Ctrl-C feels
/// immediate, long enough that asking (which may take an interpreter lock) costs nothing.
const INTERRUPT_SLICE: Duration = Duration::from_millis(50);

/// A callback told `(bytes sent, total bytes)` while a code package is uploaded.
///
/// It runs on the uploading thread, between writes to the socket, so it should be quick. A
/// resent upload (after a 503) is reported again from zero.
pub type UploadProgress = dyn Fn(u64, u64) + Send + Sync;

/// The caller's answer to "should this waiting call stop now?".
///
/// A call that waits (polling a task, sleeping before a retry) asks between polls and at
/// least every 50 ms while it sleeps; when the answer is `true` it returns
/// [`Error::Interrupted`] at once. This is how a binding lets Ctrl-C, Python's signal
/// handlers or Ruby's `Timeout.timeout` and `Thread#raise` stop a wait that could otherwise
/// last an hour. The check runs on the calling thread, so it may briefly take an interpreter
/// lock. A request already sent is not cut short; its own timeout bounds it.
///
/// The default never fires and costs nothing: sleeps are not even cut into slices.
#[derive(Clone, Default)]
pub struct Interrupt(Option<Arc<dyn Fn() -> bool + Send + Sync>>);

impl Interrupt {
    /// An interrupt that fires when `check` returns `true`.
    pub fn new(check: impl Fn() -> bool + Send + Sync + 'static) -> Interrupt {
        Interrupt(Some(Arc::new(check)))
    }

    /// An interrupt that never fires (the default).
    pub fn never() -> Interrupt {
        Interrupt(None)
    }

    /// An interrupt that fires once `flag` is set, e.g. by a signal handler or another thread.
    pub fn from_flag(flag: Arc<AtomicBool>) -> Interrupt {
        Interrupt::new(move || flag.load(Ordering::SeqCst))
    }

    /// Asks the check whether to stop now.
    pub fn fired(&self) -> bool {
        self.0.as_ref().is_some_and(|check| check())
    }

    /// Returns [`Error::Interrupted`] (saying what was being done) if the check fires.
    pub(crate) fn check(&self, doing: impl FnOnce() -> String) -> Result<()> {
        if self.fired() {
            return Err(Error::Interrupted(doing()));
        }
        Ok(())
    }

    /// Sleeps for `duration`, asking the check before and at least every 50 ms.
    pub(crate) fn sleep(&self, duration: Duration, doing: impl Fn() -> String) -> Result<()> {
        if self.0.is_none() {
            std::thread::sleep(duration);
            return Ok(());
        }

        let deadline = Instant::now() + duration;
        loop {
            self.check(&doing)?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(INTERRUPT_SLICE));
        }
    }
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.0.is_some() {
            "Interrupt(check)"
        } else {
            "Interrupt(never)"
        };
        f.write_str(kind)
    }
}

/// A client of one IronWorker project.
///
/// It is `Send + Sync`: bindings share one between threads. Clones share the configuration and
/// the connection pool, and each has its own [`Interrupt`], so a binding can give every call
/// the interrupt of the thread making it. After `fork()` the child process builds a fresh
/// connection pool on its first call (no connection is shared with the parent).
#[derive(Clone)]
pub struct Client {
    config: Arc<Config>,
    transport: Arc<Transport>,
    interrupt: Interrupt,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("interrupt", &self.interrupt)
            .finish()
    }
}

impl Client {
    /// Builds a client for a resolved configuration.
    pub fn new(config: Config) -> Result<Client> {
        if config.project_id.is_empty() {
            return Err(Error::InvalidArgument(
                "project_id must not be empty".to_string(),
            ));
        }
        if config.token.expose().is_empty() {
            return Err(Error::InvalidArgument(
                "token must not be empty".to_string(),
            ));
        }

        let backoff = Backoff {
            max_retries: config.max_retries,
            base: DEFAULT_BASE,
        };
        let transport = Transport::new(&config, backoff);
        Ok(Client {
            config: Arc::new(config),
            transport: Arc::new(transport),
            interrupt: Interrupt::never(),
        })
    }

    /// Resolves `options` (see [`Config::load`]) and builds a client.
    pub fn from_options(options: &ConfigOptions) -> Result<Client> {
        Client::new(Config::load(options)?)
    }

    /// Sets the ceiling of the first retry's backoff (default 100 ms; it grows 4x per retry,
    /// up to 10 s). Tests use a tiny base to exercise retries quickly.
    ///
    /// The client gets a connection pool of its own (clones made before keep theirs).
    pub fn with_retry_base(mut self, base: Duration) -> Client {
        let backoff = Backoff {
            max_retries: self.config.max_retries,
            base,
        };
        self.transport = Arc::new(Transport::new(&self.config, backoff));
        self
    }

    /// Returns this client with `interrupt` asked during its waits (see [`Interrupt`]).
    ///
    /// `client.clone().with_interrupt(..)` gives one call its own interrupt while sharing the
    /// connection pool.
    pub fn with_interrupt(mut self, interrupt: Interrupt) -> Client {
        self.interrupt = interrupt;
        self
    }

    /// Sets the [`Interrupt`] asked during this client's waits.
    pub fn set_interrupt(&mut self, interrupt: Interrupt) {
        self.interrupt = interrupt;
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ---- code packages -------------------------------------------------------------------

    /// Uploads `zip_filename` as code `name`, to be run with `run_filename` (a path inside the zip).
    ///
    /// The runtime comes from the run file's extension unless `options.runtime` is set. For a PHP
    /// run file, a copy of the zip gets a generated runner (see [`crate::php_runner`]); the
    /// user's zip is never modified. The archive is streamed from disk. Returns the server's
    /// answer (`id`, `msg`, `status_code`, ...).
    pub fn post_code(
        &self,
        run_filename: &str,
        zip_filename: &Path,
        name: &str,
        options: &CodeOptions,
    ) -> Result<Value> {
        self.send_code(run_filename, zip_filename, name, options, None)
    }

    /// Does what [`Client::post_code`] does, telling `progress` how much of the upload is sent.
    ///
    /// Progress counts the bytes of the whole request body (the zip plus a few hundred bytes of
    /// form), so the last call is `(total, total)` once the body is sent, before the answer.
    pub fn post_code_with_progress(
        &self,
        run_filename: &str,
        zip_filename: &Path,
        name: &str,
        options: &CodeOptions,
        progress: Arc<UploadProgress>,
    ) -> Result<Value> {
        self.send_code(run_filename, zip_filename, name, options, Some(progress))
    }

    /// `post_code`, with an optional progress callback.
    fn send_code(
        &self,
        run_filename: &str,
        zip_filename: &Path,
        name: &str,
        options: &CodeOptions,
        progress: Option<Arc<UploadProgress>>,
    ) -> Result<Value> {
        require("name", name)?;
        require("run_filename", run_filename)?;
        if !zip_filename.is_file() {
            return Err(Error::FileNotFound {
                path: zip_filename.to_path_buf(),
            });
        }

        let run_file = run_filename.trim_start_matches("./");
        let entries = crate::package::list_entries(zip_filename)?;
        if !entries.iter().any(|entry| entry == run_file) {
            return Err(missing_run_file(run_filename, zip_filename, &entries));
        }

        let runtime = match &options.runtime {
            Some(runtime) if !runtime.is_empty() => runtime.clone(),
            _ => crate::runtime::runtime_for_file(run_file).to_string(),
        };

        // A PHP worker is started through the generated runner, added to a copy of the zip.
        let staging;
        let (upload_path, file_name) = if runtime == "php" {
            staging = tempfile::tempdir().map_err(|source| Error::Io {
                action: "create a temporary directory for",
                path: zip_filename.to_path_buf(),
                source,
            })?;
            let copy = staging.path().join(upload_file_name(zip_filename));
            let runner = crate::php_runner::runner_source(run_file);
            let runner_name = crate::php_runner::RUNNER_FILE_NAME;
            crate::package::with_extra_file(zip_filename, runner_name, runner.as_bytes(), &copy)?;
            (copy, runner_name.to_string())
        } else {
            (zip_filename.to_path_buf(), run_file.to_string())
        };

        let data = code_data(name, &file_name, &runtime, options);
        let mut form = UploadForm::new(&data, &upload_path, &upload_file_name(zip_filename))?;
        if let Some(progress) = progress {
            form = form.with_progress(progress);
        }
        let request = Request {
            payload: Payload::Upload(&form),
            budget: Budget::Long,
            ..Request::new(Method::Post, "/codes")
        };
        self.json(&request)
    }

    /// Zips `directory` (see [`crate::package::zip_directory`]) into a temporary file and uploads it.
    pub fn upload(
        &self,
        directory: &Path,
        run_filename: &str,
        name: &str,
        options: &CodeOptions,
    ) -> Result<Value> {
        require("name", name)?;
        if !directory.is_dir() {
            return Err(Error::FileNotFound {
                path: directory.to_path_buf(),
            });
        }

        let staging = tempfile::tempdir().map_err(|source| Error::Io {
            action: "create a temporary directory for",
            path: directory.to_path_buf(),
            source,
        })?;
        let zip = staging.path().join(format!("{}.zip", safe_file_stem(name)));
        crate::package::zip_directory(directory, &zip, true)?;

        self.post_code(run_filename, &zip, name, options)
    }

    /// Lists code packages (the `codes` array).
    pub fn get_codes(&self, page: &Page) -> Result<Value> {
        let request = paged(Request::new(Method::Get, "/codes"), page);
        list(self.json(&request)?, "codes", "GET /codes")
    }

    /// One code package.
    pub fn get_code_details(&self, code_id: &str) -> Result<Value> {
        let path = format!("/codes/{}", id("code_id", code_id)?);
        self.json(&Request::new(Method::Get, path))
    }

    /// Deletes a code package.
    pub fn delete_code(&self, code_id: &str) -> Result<Value> {
        let path = format!("/codes/{}", id("code_id", code_id)?);
        self.json(&Request::new(Method::Delete, path))
    }

    /// Lists the revisions of a code package (the `revisions` array).
    pub fn get_code_revisions(&self, code_id: &str, page: &Page) -> Result<Value> {
        let path = format!("/codes/{}/revisions", id("code_id", code_id)?);
        let request = paged(Request::new(Method::Get, path), page);
        list(
            self.json(&request)?,
            "revisions",
            "GET /codes/{id}/revisions",
        )
    }

    /// Downloads a code package (latest revision unless `revision` is given) as zip bytes.
    pub fn download_code(&self, code_id: &str, revision: Option<u32>) -> Result<Vec<u8>> {
        let request = self.download_request(code_id, revision)?;
        self.bytes(&request)
    }

    /// Downloads a code package into `destination`, streamed, atomically (temp file + rename).
    pub fn download_code_to(
        &self,
        code_id: &str,
        revision: Option<u32>,
        destination: &Path,
    ) -> Result<()> {
        let request = self.download_request(code_id, revision)?;
        self.stream_to(&request, destination)
    }

    /// Task counts by status for a code package.
    pub fn get_code_stats(&self, code_id: &str) -> Result<Value> {
        let path = format!("/codes/{}/stats", id("code_id", code_id)?);
        self.json(&Request::new(Method::Get, path))
    }

    /// Stops dispatching the queued tasks of a code package.
    pub fn pause_task_queue(&self, code_id: &str) -> Result<Value> {
        let path = format!("/codes/{}/pause_task_queue", id("code_id", code_id)?);
        self.json(&Request::new(Method::Post, path))
    }

    /// Resumes dispatching the queued tasks of a code package.
    pub fn resume_task_queue(&self, code_id: &str) -> Result<Value> {
        let path = format!("/codes/{}/resume_task_queue", id("code_id", code_id)?);
        self.json(&Request::new(Method::Post, path))
    }

    /// Cancels every queued task of a code package.
    pub fn cancel_all_tasks(&self, code_id: &str) -> Result<Value> {
        let path = format!("/codes/{}/cancel_all", id("code_id", code_id)?);
        self.json(&Request::new(Method::Post, path))
    }

    // ---- tasks ---------------------------------------------------------------------------

    /// Queues one task of code `name`. `payload` is JSON-encoded into the string the API wants
    /// (`None` sends `"{}"`). Returns the whole answer, so `["tasks"][0]["id"]` is the task id.
    pub fn post_task(
        &self,
        name: &str,
        payload: Option<&Value>,
        options: &TaskOptions,
    ) -> Result<Value> {
        require("name", name)?;
        let task = task_body(name, payload, options);
        let request = Request::new(Method::Post, "/tasks").json(json!({ "tasks": [task] }));
        self.json(&request)
    }

    /// Queues one task per payload in one request; ids come back in order.
    pub fn post_tasks(
        &self,
        name: &str,
        payloads: &[Value],
        options: &TaskOptions,
    ) -> Result<Value> {
        require("name", name)?;
        if payloads.is_empty() {
            return Err(Error::InvalidArgument(
                "payloads must not be empty".to_string(),
            ));
        }

        let tasks: Vec<Value> = payloads
            .iter()
            .map(|p| task_body(name, Some(p), options))
            .collect();
        let request = Request::new(Method::Post, "/tasks").json(json!({ "tasks": tasks }));
        self.json(&request)
    }

    /// Lists tasks (the `tasks` array), newest first.
    pub fn get_tasks(&self, filter: &TaskFilter) -> Result<Value> {
        let mut request = paged(Request::new(Method::Get, "/tasks"), &filter.page)
            .query_opt("code_name", filter.code_name.as_deref())
            .query_opt("from_time", filter.from_time)
            .query_opt("to_time", filter.to_time)
            .query_opt("label", filter.label.as_deref())
            .query_opt("cluster", filter.cluster.as_deref());

        for status in &filter.statuses {
            let known = TASK_STATUSES
                .iter()
                .find(|known| **known == status.as_str());
            let Some(known) = known else {
                return Err(Error::InvalidArgument(format!(
                    "unknown task status {status:?} (expected one of {})",
                    TASK_STATUSES.join(", ")
                )));
            };
            request = request.query(known, 1);
        }

        list(self.json(&request)?, "tasks", "GET /tasks")
    }

    /// One task.
    pub fn get_task_details(&self, task_id: &str) -> Result<Value> {
        let path = format!("/tasks/{}", id("task_id", task_id)?);
        self.json(&Request::new(Method::Get, path))
    }

    /// The task's log (stdout and stderr) as text.
    pub fn get_log(&self, task_id: &str) -> Result<String> {
        let request = log_request(task_id)?;
        Ok(text(self.bytes(&request)?))
    }

    /// Streams the task's log into `destination`, atomically (temp file + rename).
    ///
    /// The bytes are written as the server sent them, never held in memory whole, so a log of
    /// any size costs a fixed buffer. On any failure (a 404, a dropped connection) the
    /// destination is left as it was and no temporary file remains.
    pub fn get_log_to(&self, task_id: &str, destination: &Path) -> Result<()> {
        let request = log_request(task_id)?;
        self.stream_to(&request, destination)
    }

    /// The task's log as a byte stream, for large logs.
    pub fn get_log_stream(&self, task_id: &str) -> Result<Box<dyn Read + Send>> {
        let request = log_request(task_id)?;
        Ok(Box::new(self.reader(&request)?))
    }

    /// The task's stdout alone (`outlog`).
    pub fn get_stdout(&self, task_id: &str) -> Result<String> {
        let path = format!("/tasks/{}/outlog", id("task_id", task_id)?);
        // A log can be tens of megabytes: it gets the download time limit.
        let request = Request {
            accept: "text/plain",
            budget: Budget::Long,
            ..Request::new(Method::Get, path)
        };
        Ok(text(self.bytes(&request)?))
    }

    /// Waits for the task to end, then returns its log; retries the 404 a server gives before
    /// any log exists. Times out and is interrupted like [`Client::wait_for`].
    pub fn wait_for_log(&self, task_id: &str, options: &WaitOptions) -> Result<String> {
        self.wait_for(task_id, options)?;

        let mut interval = options.interval.max(MIN_POLL_INTERVAL);
        let mut tries = 0;
        loop {
            match self.get_log(task_id) {
                Err(e) if e.status() == Some(404) && tries < LOG_NOT_FOUND_RETRIES => {
                    tracing::debug!(task_id, tries, "log not there yet; asking again");
                    self.interrupt
                        .sleep(interval, || waiting_for_log(task_id))?;
                    interval = (interval * 2).min(options.max_interval.max(MIN_POLL_INTERVAL));
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// Cancels a task.
    pub fn cancel_task(&self, task_id: &str) -> Result<Value> {
        let path = format!("/tasks/{}/cancel", id("task_id", task_id)?);
        self.json(&Request::new(Method::Post, path))
    }

    /// Queues a new task like a finished one, after `delay` seconds.
    pub fn retry_task(&self, task_id: &str, delay: Option<i64>) -> Result<Value> {
        let path = format!("/tasks/{}/retry", id("task_id", task_id)?);
        let mut body = Map::new();
        if let Some(delay) = delay {
            if delay < 0 {
                let msg = format!("delay must be zero or more seconds, got {delay}");
                return Err(Error::InvalidArgument(msg));
            }
            body.insert("delay".to_string(), delay.into());
        }

        let request = Request::new(Method::Post, path).json(Value::Object(body));
        self.json(&request)
    }

    /// Sets a task's progress (`percent` 0-100 and/or `msg`).
    pub fn set_task_progress(
        &self,
        task_id: &str,
        percent: Option<i64>,
        msg: Option<&str>,
    ) -> Result<Value> {
        let path = format!("/tasks/{}/progress", id("task_id", task_id)?);
        let mut body = Map::new();
        if let Some(percent) = percent {
            if !(0..=100).contains(&percent) {
                let msg = format!("percent must be between 0 and 100, got {percent}");
                return Err(Error::InvalidArgument(msg));
            }
            body.insert("percent".to_string(), percent.into());
        }
        if let Some(msg) = msg {
            body.insert("msg".to_string(), msg.into());
        }

        let request = Request::new(Method::Post, path).json(Value::Object(body));
        self.json(&request)
    }

    /// Polls the task with backoff until its status is terminal (not `queued`, `preparing`
    /// or `running`) and returns its details; [`crate::Error::Timeout`] after `max_wait`, and
    /// [`crate::Error::Interrupted`] as soon as the client's [`Interrupt`] fires.
    pub fn wait_for(&self, task_id: &str, options: &WaitOptions) -> Result<Value> {
        let started = Instant::now();
        let max_interval = options.max_interval.max(MIN_POLL_INTERVAL);
        let mut interval = options.interval.max(MIN_POLL_INTERVAL).min(max_interval);
        let mut max_wait = options.max_wait.filter(|wait| !wait.is_zero());

        loop {
            self.interrupt.check(|| waiting_for(task_id))?;
            let details = self.get_task_details(task_id)?;
            let status = match details.get("status").and_then(Value::as_str) {
                Some(status) => status.to_string(),
                None => {
                    let msg = format!("GET /tasks/{task_id}: the task has no `status`");
                    return Err(Error::Decode(msg));
                }
            };
            if !PENDING_STATUSES.contains(&status.as_str()) {
                return Ok(details);
            }

            let limit = *max_wait.get_or_insert_with(|| task_timeout(&details) + WAIT_MARGIN);
            let waited = started.elapsed();
            if waited >= limit {
                return Err(Error::Timeout(format!(
                    "task {task_id} is still {status} after waiting {:.1} s",
                    waited.as_secs_f64()
                )));
            }

            let pause = interval.min(limit - waited);
            self.interrupt.sleep(pause, || waiting_for(task_id))?;
            interval = (interval * 2).min(max_interval);
        }
    }

    /// Writes the task's log to `out` as it grows, until the task ends; returns its details.
    ///
    /// The task and its log are polled in turn, and only the bytes not yet written are written,
    /// so `out` receives the log exactly once, in order. A poll that finds new output resets the
    /// pause to `options.interval`; quiet polls double it up to `options.max_interval`. Once the
    /// task has ended, its log is read one last time (a server that answers 404 for a log that
    /// does not exist yet is asked again a few times; a task that never ran may have none).
    /// Times out and is interrupted like [`Client::wait_for`]. Each poll reads the whole log again: a client
    /// cannot ask the API for a part of it.
    pub fn follow_log(
        &self,
        task_id: &str,
        options: &WaitOptions,
        out: &mut dyn Write,
    ) -> Result<Value> {
        let started = Instant::now();
        let max_interval = options.max_interval.max(MIN_POLL_INTERVAL);
        let first_interval = options.interval.max(MIN_POLL_INTERVAL).min(max_interval);
        let mut interval = first_interval;
        let mut max_wait = options.max_wait.filter(|wait| !wait.is_zero());
        let mut written = 0;

        loop {
            self.interrupt.check(|| following_log(task_id))?;
            let details = self.get_task_details(task_id)?;
            let status = task_status(&details, task_id)?;
            let ended = !PENDING_STATUSES.contains(&status.as_str());

            let log = if ended {
                self.final_log(task_id, first_interval, max_interval)?
            } else {
                self.log_so_far(task_id)?
            };
            let grew = write_new_part(out, &log, &mut written)?;
            if ended {
                return Ok(details);
            }

            let limit = *max_wait.get_or_insert_with(|| task_timeout(&details) + WAIT_MARGIN);
            let waited = started.elapsed();
            if waited >= limit {
                return Err(Error::Timeout(format!(
                    "task {task_id} is still {status} after following its log for {:.1} s",
                    waited.as_secs_f64()
                )));
            }

            interval = if grew {
                first_interval
            } else {
                (interval * 2).min(max_interval)
            };
            let pause = interval.min(limit - waited);
            self.interrupt.sleep(pause, || following_log(task_id))?;
        }
    }

    /// The log of a running task as bytes; empty while the server has none yet (404).
    fn log_so_far(&self, task_id: &str) -> Result<Vec<u8>> {
        match self.log_bytes(task_id) {
            Err(e) if e.status() == Some(404) => Ok(Vec::new()),
            other => other,
        }
    }

    /// The log of an ended task; a 404 is asked again a few times, then means "no log".
    fn final_log(&self, task_id: &str, first: Duration, max: Duration) -> Result<Vec<u8>> {
        let mut interval = first;
        for _ in 0..LOG_NOT_FOUND_RETRIES {
            match self.log_bytes(task_id) {
                Err(e) if e.status() == Some(404) => {
                    tracing::debug!(task_id, "log of an ended task not there yet; asking again");
                    self.interrupt
                        .sleep(interval, || waiting_for_log(task_id))?;
                    interval = (interval * 2).min(max);
                }
                other => return other,
            }
        }
        self.log_so_far(task_id)
    }

    /// The task's log as raw bytes (no UTF-8 repair, so a character cut in two by a poll is
    /// completed by the next one).
    fn log_bytes(&self, task_id: &str) -> Result<Vec<u8>> {
        self.bytes(&log_request(task_id)?)
    }

    /// The webhook URL that queues a task of `code_name` from any HTTP POST.
    ///
    /// The URL contains the token (that is how webhooks authenticate): treat it as a secret.
    pub fn webhook_url(&self, code_name: &str) -> String {
        format!(
            "{}/tasks/webhook?code_name={}&oauth={}",
            self.transport.project_url(),
            encode(code_name),
            encode(self.config.token.expose())
        )
    }

    // ---- schedules -----------------------------------------------------------------------

    /// Schedules code `name`. Returns the whole answer (`["schedules"][0]["id"]`).
    pub fn post_schedule(
        &self,
        name: &str,
        payload: Option<&Value>,
        options: &ScheduleOptions,
    ) -> Result<Value> {
        require("name", name)?;

        let mut schedule = Map::new();
        schedule.insert("code_name".to_string(), name.into());
        schedule.insert("payload".to_string(), payload_text(payload).into());
        if options.start_at.is_none() && options.delay.is_none() {
            schedule.insert("start_at".to_string(), rfc3339_now().into());
        }
        insert_opt(&mut schedule, "start_at", options.start_at.as_deref());
        insert_opt(&mut schedule, "delay", options.delay);
        insert_opt(&mut schedule, "run_every", options.run_every);
        insert_opt(&mut schedule, "end_at", options.end_at.as_deref());
        insert_opt(&mut schedule, "run_times", options.run_times);
        insert_opt(&mut schedule, "priority", options.priority);
        insert_opt(&mut schedule, "timeout", options.timeout);
        insert_opt(&mut schedule, "cluster", options.cluster.as_deref());
        insert_opt(&mut schedule, "label", options.label.as_deref());

        let body = json!({ "schedules": [Value::Object(schedule)] });
        self.json(&Request::new(Method::Post, "/schedules").json(body))
    }

    /// Lists schedules (the `schedules` array).
    pub fn get_schedules(&self, page: &Page) -> Result<Value> {
        let request = paged(Request::new(Method::Get, "/schedules"), page);
        list(self.json(&request)?, "schedules", "GET /schedules")
    }

    /// One schedule.
    pub fn get_schedule(&self, schedule_id: &str) -> Result<Value> {
        let path = format!("/schedules/{}", id("schedule_id", schedule_id)?);
        self.json(&Request::new(Method::Get, path))
    }

    /// Cancels a schedule.
    pub fn cancel_schedule(&self, schedule_id: &str) -> Result<Value> {
        let path = format!("/schedules/{}/cancel", id("schedule_id", schedule_id)?);
        self.json(&Request::new(Method::Post, path))
    }

    /// Updates fields of a schedule (e.g. `label`).
    pub fn update_schedule(
        &self,
        schedule_id: &str,
        fields: &serde_json::Map<String, Value>,
    ) -> Result<Value> {
        let path = format!("/schedules/{}", id("schedule_id", schedule_id)?);
        let request = Request::new(Method::Put, path).json(Value::Object(fields.clone()));
        self.json(&request)
    }

    // ---- project -------------------------------------------------------------------------

    /// The project (`id`, `name`, ...).
    pub fn get_project_details(&self) -> Result<Value> {
        self.json(&Request::new(Method::Get, ""))
    }

    // ---- helpers -------------------------------------------------------------------------

    /// Sends a request and parses the JSON answer.
    fn json(&self, request: &Request<'_>) -> Result<Value> {
        self.transport.json(request, &self.interrupt)
    }

    /// Sends a request and returns the body as bytes.
    fn bytes(&self, request: &Request<'_>) -> Result<Vec<u8>> {
        self.transport.bytes(request, &self.interrupt)
    }

    /// Sends a request and returns the body as a stream.
    fn reader(&self, request: &Request<'_>) -> Result<crate::http::BodyStream> {
        self.transport.reader(request, &self.interrupt)
    }

    /// Streams a response body into `destination` through a temporary file in the same
    /// folder, renamed over it only once the whole body is on disk.
    fn stream_to(&self, request: &Request<'_>, destination: &Path) -> Result<()> {
        let folder = match destination.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let io_error = |action, source| Error::Io {
            action,
            path: destination.to_path_buf(),
            source,
        };

        // The temporary file is created first: an unwritable destination fails before the
        // download starts.
        let mut file = tempfile::Builder::new()
            .prefix(".iron-download-")
            .tempfile_in(folder)
            .map_err(|e| io_error("create a temporary file for", e))?;
        self.transport
            .copy_to(request, &self.interrupt, file.as_file_mut(), destination)?;

        file.as_file()
            .sync_all()
            .map_err(|e| io_error("write", e))?;
        file.persist(destination)
            .map_err(|e| io_error("rename into", e.error))?;
        Ok(())
    }

    /// `GET /codes/{id}/download[?revision=N]`, with the long time limit.
    fn download_request(&self, code_id: &str, revision: Option<u32>) -> Result<Request<'static>> {
        let path = format!("/codes/{}/download", id("code_id", code_id)?);
        let request = Request {
            accept: "application/zip",
            budget: Budget::Long,
            ..Request::new(Method::Get, path)
        };
        Ok(request.query_opt("revision", revision))
    }
}

/// `GET /tasks/{id}/log` as plain text. A log can be tens of megabytes, so it gets the
/// download time limit.
fn log_request(task_id: &str) -> Result<Request<'static>> {
    let path = format!("/tasks/{}/log", id("task_id", task_id)?);
    Ok(Request {
        accept: "text/plain",
        budget: Budget::Long,
        ..Request::new(Method::Get, path)
    })
}

/// A log's bytes as text: kept as they are when valid UTF-8 (no copy), repaired otherwise.
fn text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Fails with a message naming `what` when `value` is empty.
fn require(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!("{what} must not be empty")));
    }
    Ok(())
}

/// Checks an id and percent-encodes it for a path.
///
/// An empty id would turn `/tasks/{id}` into the task list, so it is refused.
fn id(what: &str, value: &str) -> Result<String> {
    require(what, value)?;
    Ok(encode(value))
}

/// Adds `page` / `per_page` to a list request.
fn paged<'a>(request: Request<'a>, page: &Page) -> Request<'a> {
    request
        .query_opt("page", page.page)
        .query_opt("per_page", page.per_page)
}

/// Takes the array `key` out of a list answer.
fn list(mut answer: Value, key: &str, what: &str) -> Result<Value> {
    match answer.get_mut(key).map(Value::take) {
        Some(items @ Value::Array(_)) => Ok(items),
        Some(Value::Null) | None if answer.is_object() => Ok(Value::Array(Vec::new())),
        _ => Err(Error::Decode(format!(
            "{what}: the answer has no `{key}` array"
        ))),
    }
}

/// The JSON text sent as a task or schedule payload (`"{}"` when there is none).
fn payload_text(payload: Option<&Value>) -> String {
    match payload {
        Some(value) => value.to_string(),
        None => "{}".to_string(),
    }
}

/// One element of the `tasks` array of `POST /tasks`.
fn task_body(name: &str, payload: Option<&Value>, options: &TaskOptions) -> Value {
    let mut task = Map::new();
    task.insert("code_name".to_string(), name.into());
    task.insert("payload".to_string(), payload_text(payload).into());
    insert_opt(&mut task, "priority", options.priority);
    insert_opt(&mut task, "timeout", options.timeout);
    insert_opt(&mut task, "delay", options.delay);
    insert_opt(&mut task, "cluster", options.cluster.as_deref());
    insert_opt(&mut task, "label", options.label.as_deref());
    Value::Object(task)
}

/// The `data` part of a code upload.
fn code_data(name: &str, file_name: &str, runtime: &str, options: &CodeOptions) -> Value {
    let mut data = Map::new();
    data.insert("name".to_string(), name.into());
    data.insert("file_name".to_string(), file_name.into());
    data.insert("runtime".to_string(), runtime.into());
    insert_opt(&mut data, "stack", options.stack.as_deref());
    insert_opt(&mut data, "config", options.config.as_deref());
    insert_opt(&mut data, "max_concurrency", options.max_concurrency);
    insert_opt(&mut data, "retries", options.retries);
    insert_opt(&mut data, "retries_delay", options.retries_delay);
    insert_opt(&mut data, "default_priority", options.default_priority);
    if !options.env_vars.is_empty() {
        let vars: Map<String, Value> = options
            .env_vars
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        data.insert("env_vars".to_string(), Value::Object(vars));
    }
    Value::Object(data)
}

/// Inserts `key` when `value` is set.
fn insert_opt<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_string(), value.into());
    }
}

/// The error for a run file that is not in the archive, listing a few entries that are.
fn missing_run_file(run_filename: &str, zip: &Path, entries: &[String]) -> Error {
    const SHOWN: usize = 10;
    let files: Vec<&str> = entries
        .iter()
        .map(String::as_str)
        .filter(|e| !e.ends_with('/'))
        .take(SHOWN)
        .collect();
    let more = entries.len().saturating_sub(files.len());
    let listing = if files.is_empty() {
        "the archive has no files".to_string()
    } else if more > 0 {
        format!("it holds {} and {more} more", files.join(", "))
    } else {
        format!("it holds {}", files.join(", "))
    };
    Error::InvalidArgument(format!(
        "run_filename {run_filename:?} is not in {}: {listing}",
        zip.display()
    ))
}

/// The file name sent for the zip part of an upload.
fn upload_file_name(zip: &Path) -> String {
    zip.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "package.zip".to_string())
}

/// A code name made safe as a file name.
fn safe_file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What `wait_for` was doing, for [`Error::Interrupted`].
fn waiting_for(task_id: &str) -> String {
    format!("while waiting for task {task_id}")
}

/// What `wait_for_log` was doing once the task had ended, for [`Error::Interrupted`].
fn waiting_for_log(task_id: &str) -> String {
    format!("while waiting for the log of task {task_id}")
}

/// What `follow_log` was doing, for [`Error::Interrupted`].
fn following_log(task_id: &str) -> String {
    format!("while following the log of task {task_id}")
}

/// The `status` of a task's details.
fn task_status(details: &Value, task_id: &str) -> Result<String> {
    match details.get("status").and_then(Value::as_str) {
        Some(status) => Ok(status.to_string()),
        None => Err(Error::Decode(format!(
            "GET /tasks/{task_id}: the task has no `status`"
        ))),
    }
}

/// Writes the part of `log` past the first `*written` bytes; says whether there was any.
///
/// A log shorter than what was written (the server restarted it) writes nothing.
fn write_new_part(out: &mut dyn Write, log: &[u8], written: &mut usize) -> Result<bool> {
    let Some(new) = log.get(*written..).filter(|new| !new.is_empty()) else {
        return Ok(false);
    };
    let io_error = |source| Error::Io {
        action: "write",
        path: "the log output".into(),
        source,
    };
    out.write_all(new).map_err(io_error)?;
    out.flush().map_err(io_error)?;
    *written = log.len();
    Ok(true)
}

/// The task's `timeout` in seconds (a number or a numeric string), or the default.
fn task_timeout(details: &Value) -> Duration {
    let seconds = match details.get("timeout") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match seconds {
        Some(s) if s.is_finite() && s > 0.0 => Duration::from_secs_f64(s.min(7.0 * 86_400.0)),
        _ => DEFAULT_TASK_TIMEOUT,
    }
}

/// The current time as RFC 3339 in UTC, to the second: `2012-02-14T11:30:00Z`.
fn rfc3339_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(seconds)
}

/// Formats Unix seconds as RFC 3339 in UTC.
fn rfc3339(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let secs_of_day = unix_seconds % 86_400;

    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);

    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client of `host:port` that does not retry.
    fn client_of(host: &str, port: u16) -> Client {
        Client::new(Config {
            token: crate::Token::new("tok-SECRET-resolve"),
            project_id: "4f32d521519cb67829000390".to_string(),
            host: host.to_string(),
            port,
            protocol: "http".to_string(),
            api_version: "2".to_string(),
            timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            max_retries: 0,
        })
        .unwrap()
    }

    #[test]
    fn an_ip_host_and_a_cached_name_reach_the_local_server() {
        let dir = tempfile::tempdir().unwrap();
        let config = iron_worker_server::ServerConfig {
            port: 0,
            ..iron_worker_server::ServerConfig::new(dir.path().join("data"), "tok-SECRET-resolve")
        };
        let server = iron_worker_server::start_background(config).unwrap();
        let port: u16 = server.url().rsplit(':').next().unwrap().parse().unwrap();

        for host in ["127.0.0.1", "localhost"] {
            let client = client_of(host, port);
            // The second and third calls of `localhost` use the cached addresses.
            for _ in 0..3 {
                let answer = client.get_codes(&Page::default()).unwrap();
                assert!(answer.is_array(), "{host}: {answer}");
            }
        }
    }

    #[test]
    fn an_unknown_host_is_a_connection_error_naming_it() {
        let client = client_of("no-such-host.invalid", 8080);

        for _ in 0..2 {
            let error = client.get_codes(&Page::default()).unwrap_err();
            let text = error.to_string();
            assert!(matches!(error, Error::Connection(_)), "{error:?}");
            assert!(text.contains("no-such-host.invalid:8080"), "{text}");
            assert!(!text.contains("SECRET"), "{text}");
        }
    }

    #[test]
    fn a_client_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_329_219_000), "2012-02-14T11:30:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn task_timeout_reads_numbers_and_strings() {
        assert_eq!(
            task_timeout(&json!({"timeout": 30})),
            Duration::from_secs(30)
        );
        assert_eq!(
            task_timeout(&json!({"timeout": "45"})),
            Duration::from_secs(45)
        );
        assert_eq!(task_timeout(&json!({"timeout": 0})), DEFAULT_TASK_TIMEOUT);
        assert_eq!(task_timeout(&json!({})), DEFAULT_TASK_TIMEOUT);
    }

    #[test]
    fn code_data_has_only_the_options_that_are_set() {
        let mut options = CodeOptions {
            retries: Some(2),
            ..CodeOptions::default()
        };
        options.env_vars.insert("A".to_string(), "1".to_string());
        let data = code_data("w", "w.py", "python", &options);
        assert_eq!(
            data,
            json!({"name": "w", "file_name": "w.py", "runtime": "python", "retries": 2,
                   "env_vars": {"A": "1"}})
        );
    }

    #[test]
    fn task_body_encodes_the_payload_as_text() {
        let options = TaskOptions {
            priority: Some(1),
            ..TaskOptions::default()
        };
        let task = task_body("w", Some(&json!({"max": 5})), &options);
        assert_eq!(
            task,
            json!({"code_name": "w", "payload": "{\"max\":5}", "priority": 1})
        );
        assert_eq!(
            task_body("w", None, &TaskOptions::default())["payload"],
            "{}"
        );
    }

    #[test]
    fn log_text_is_kept_when_valid_and_repaired_otherwise() {
        let valid = "h\u{e9}llo\n".as_bytes().to_vec();
        let pointer = valid.as_ptr();
        let kept = text(valid);
        assert_eq!(kept, "h\u{e9}llo\n");
        assert_eq!(kept.as_ptr(), pointer, "valid UTF-8 is not copied");

        assert_eq!(text(b"a\xffb".to_vec()), "a\u{fffd}b");
    }

    #[test]
    fn list_takes_the_array_out() {
        assert_eq!(
            list(json!({"tasks": [1, 2]}), "tasks", "t").unwrap(),
            json!([1, 2])
        );
        assert_eq!(list(json!({}), "tasks", "t").unwrap(), json!([]));
        assert!(list(json!({"tasks": 3}), "tasks", "t").is_err());
    }
}
