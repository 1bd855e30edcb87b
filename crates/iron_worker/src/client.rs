//! The IronWorker v2 HTTP API.
//!
//! One [`Client`] holds one connection pool (keep-alive) and the resolved [`Config`]. Results
//! are the server's JSON as [`serde_json::Value`], so every field the server sent is kept.
//! List calls return the JSON array (the `codes` / `tasks` / `schedules` / `revisions` member).
//!
//! SKELETON: signatures are fixed; bodies are being written.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::config::{Config, ConfigOptions};
use crate::error::Result;
use crate::options::{CodeOptions, Page, ScheduleOptions, TaskFilter, TaskOptions, WaitOptions};

/// A client of one IronWorker project.
///
/// It is `Send + Sync`: bindings share one between threads. After `fork()` the child process
/// builds a fresh connection pool on its first call (no connection is shared with the parent).
pub struct Client {
    config: Config,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.config).finish()
    }
}

impl Client {
    /// Builds a client for a resolved configuration.
    pub fn new(config: Config) -> Result<Client> {
        Ok(Client { config })
    }

    /// Resolves `options` (see [`Config::load`]) and builds a client.
    pub fn from_options(options: &ConfigOptions) -> Result<Client> {
        Client::new(Config::load(options)?)
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
        let _ = (run_filename, zip_filename, name, options);
        todo!()
    }

    /// Zips `directory` (see [`crate::package::zip_directory`]) into a temporary file and uploads it.
    pub fn upload(
        &self,
        directory: &Path,
        run_filename: &str,
        name: &str,
        options: &CodeOptions,
    ) -> Result<Value> {
        let _ = (directory, run_filename, name, options);
        todo!()
    }

    /// Lists code packages (the `codes` array).
    pub fn get_codes(&self, page: &Page) -> Result<Value> {
        let _ = page;
        todo!()
    }

    /// One code package.
    pub fn get_code_details(&self, code_id: &str) -> Result<Value> {
        let _ = code_id;
        todo!()
    }

    /// Deletes a code package.
    pub fn delete_code(&self, code_id: &str) -> Result<Value> {
        let _ = code_id;
        todo!()
    }

    /// Lists the revisions of a code package (the `revisions` array).
    pub fn get_code_revisions(&self, code_id: &str, page: &Page) -> Result<Value> {
        let _ = (code_id, page);
        todo!()
    }

    /// Downloads a code package (latest revision unless `revision` is given) as zip bytes.
    pub fn download_code(&self, code_id: &str, revision: Option<u32>) -> Result<Vec<u8>> {
        let _ = (code_id, revision);
        todo!()
    }

    /// Downloads a code package into `destination`, streamed, atomically (temp file + rename).
    pub fn download_code_to(
        &self,
        code_id: &str,
        revision: Option<u32>,
        destination: &Path,
    ) -> Result<()> {
        let _ = (code_id, revision, destination);
        todo!()
    }

    /// Task counts by status for a code package.
    pub fn get_code_stats(&self, code_id: &str) -> Result<Value> {
        let _ = code_id;
        todo!()
    }

    /// Stops dispatching the queued tasks of a code package.
    pub fn pause_task_queue(&self, code_id: &str) -> Result<Value> {
        let _ = code_id;
        todo!()
    }

    /// Resumes dispatching the queued tasks of a code package.
    pub fn resume_task_queue(&self, code_id: &str) -> Result<Value> {
        let _ = code_id;
        todo!()
    }

    /// Cancels every queued task of a code package.
    pub fn cancel_all_tasks(&self, code_id: &str) -> Result<Value> {
        let _ = code_id;
        todo!()
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
        let _ = (name, payload, options);
        todo!()
    }

    /// Queues one task per payload in one request; ids come back in order.
    pub fn post_tasks(&self, name: &str, payloads: &[Value], options: &TaskOptions) -> Result<Value> {
        let _ = (name, payloads, options);
        todo!()
    }

    /// Lists tasks (the `tasks` array), newest first.
    pub fn get_tasks(&self, filter: &TaskFilter) -> Result<Value> {
        let _ = filter;
        todo!()
    }

    /// One task.
    pub fn get_task_details(&self, task_id: &str) -> Result<Value> {
        let _ = task_id;
        todo!()
    }

    /// The task's log (stdout and stderr) as text.
    pub fn get_log(&self, task_id: &str) -> Result<String> {
        let _ = task_id;
        todo!()
    }

    /// The task's log as a byte stream, for large logs.
    pub fn get_log_stream(&self, task_id: &str) -> Result<Box<dyn Read + Send>> {
        let _ = task_id;
        todo!()
    }

    /// The task's stdout alone (`outlog`).
    pub fn get_stdout(&self, task_id: &str) -> Result<String> {
        let _ = task_id;
        todo!()
    }

    /// Waits for the task to end, then returns its log; retries the 404 a server gives before
    /// any log exists.
    pub fn wait_for_log(&self, task_id: &str, options: &WaitOptions) -> Result<String> {
        let _ = (task_id, options);
        todo!()
    }

    /// Cancels a task.
    pub fn cancel_task(&self, task_id: &str) -> Result<Value> {
        let _ = task_id;
        todo!()
    }

    /// Queues a new task like a finished one, after `delay` seconds.
    pub fn retry_task(&self, task_id: &str, delay: Option<i64>) -> Result<Value> {
        let _ = (task_id, delay);
        todo!()
    }

    /// Sets a task's progress (`percent` 0-100 and/or `msg`).
    pub fn set_task_progress(
        &self,
        task_id: &str,
        percent: Option<i64>,
        msg: Option<&str>,
    ) -> Result<Value> {
        let _ = (task_id, percent, msg);
        todo!()
    }

    /// Polls the task with backoff until its status is terminal (not `queued`, `preparing`
    /// or `running`) and returns its details; [`crate::Error::Timeout`] after `max_wait`.
    pub fn wait_for(&self, task_id: &str, options: &WaitOptions) -> Result<Value> {
        let _ = (task_id, options);
        todo!()
    }

    /// The webhook URL that queues a task of `code_name` from any HTTP POST.
    ///
    /// The URL contains the token (that is how webhooks authenticate): treat it as a secret.
    pub fn webhook_url(&self, code_name: &str) -> String {
        let _ = code_name;
        todo!()
    }

    // ---- schedules -----------------------------------------------------------------------

    /// Schedules code `name`. Returns the whole answer (`["schedules"][0]["id"]`).
    pub fn post_schedule(
        &self,
        name: &str,
        payload: Option<&Value>,
        options: &ScheduleOptions,
    ) -> Result<Value> {
        let _ = (name, payload, options);
        todo!()
    }

    /// Lists schedules (the `schedules` array).
    pub fn get_schedules(&self, page: &Page) -> Result<Value> {
        let _ = page;
        todo!()
    }

    /// One schedule.
    pub fn get_schedule(&self, schedule_id: &str) -> Result<Value> {
        let _ = schedule_id;
        todo!()
    }

    /// Cancels a schedule.
    pub fn cancel_schedule(&self, schedule_id: &str) -> Result<Value> {
        let _ = schedule_id;
        todo!()
    }

    /// Updates fields of a schedule (e.g. `label`).
    pub fn update_schedule(&self, schedule_id: &str, fields: &serde_json::Map<String, Value>) -> Result<Value> {
        let _ = (schedule_id, fields);
        todo!()
    }

    // ---- project -------------------------------------------------------------------------

    /// The project (`id`, `name`, ...).
    pub fn get_project_details(&self) -> Result<Value> {
        todo!()
    }
}
