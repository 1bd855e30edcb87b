//! The PHP class `IronWorker`: the tutorial's API over `iron_worker::Client` (docs/API.md).
//!
//! Every method converts its arguments, calls the core and converts the answer; option
//! arrays go through the core's `*Options::from_map`, so names, aliases, defaults and
//! validation are the core's. PHP runs one request per thread and has no interpreter lock,
//! so there is nothing to release around network calls.

#![allow(non_snake_case)] // `$runFilename` / `$zipFilename` are the tutorial's parameter names.

use std::path::{Path, PathBuf};

use ext_php_rs::binary::Binary;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ProcessGlobals;
use iron_worker::worker::TaskContext;
use iron_worker::{
    package, Client, CodeOptions, ConfigOptions, Page, ScheduleOptions, TaskFilter, TaskOptions,
    WaitOptions,
};
use serde_json::{Map, Value};

use crate::convert::{self, php_error, to_json, to_options, Arg};
use crate::error;

/// A client of one IronWorker project, configured like the tutorial's `new IronWorker(...)`.
///
/// ```php
/// $worker = new IronWorker("config.ini");
/// $task = $worker->postTask("FibWorker", ["max" => 10]);
/// echo $worker->getTaskDetails($task['tasks'][0]['id'])->status;
/// ```
#[php_class]
#[php(name = "IronWorker")]
pub struct IronWorker {
    client: Client,
}

/// Turns a core result into the PHP value of a "map" answer.
fn map(result: iron_worker::Result<Value>) -> PhpResult<Zval> {
    convert::to_php(&result.map_err(error::to_php)?)
}

/// Turns a core result into the PHP value of a "list of maps" answer.
fn list(result: iron_worker::Result<Value>) -> PhpResult<Zval> {
    convert::to_php_list(&result.map_err(error::to_php)?)
}

/// Runs a core call, mapping its error.
fn core<T>(result: iron_worker::Result<T>) -> PhpResult<T> {
    result.map_err(error::to_php)
}

/// Builds a `{name: value}` map of the given optional arguments, skipping absent ones.
fn args_map(pairs: &[(&str, Option<Value>)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter_map(|(name, value)| value.clone().map(|value| ((*name).to_owned(), value)))
        .collect()
}

/// Converts an optional PHP value (absent or `null` = not given).
fn optional_json(zval: Option<&Zval>, arg: &Arg) -> PhpResult<Option<Value>> {
    match zval {
        Some(zval) if !zval.dereference().is_null() => to_json(zval, arg).map(Some),
        _ => Ok(None),
    }
}

fn page(page: Option<i64>, per_page: Option<i64>) -> PhpResult<Page> {
    let map = args_map(&[
        ("page", page.map(Value::from)),
        ("per_page", per_page.map(Value::from)),
    ]);
    core(Page::from_map(&map))
}

/// The script's own arguments (`$_SERVER['argv']`), not the `php` binary's flags.
fn script_argv() -> Vec<String> {
    let globals = ProcessGlobals::get();
    let argv = globals
        .http_server_vars()
        .and_then(|server| server.get("argv"))
        .and_then(Zval::array);
    match argv {
        Some(argv) => argv.values().filter_map(Zval::string).collect(),
        None => std::env::args().collect(),
    }
}

/// What the runtime told this worker process, read from PHP's view of argv.
fn task_context() -> TaskContext {
    TaskContext::from_parts(|name| std::env::var(name).ok(), &script_argv())
}

#[php_impl]
impl IronWorker {
    /// Configures a client from a config file path or an options array, plus options.
    ///
    /// @param string|array|null $config path of an INI or JSON config file, or an options array
    /// @param array|null $options token, project_id, host, port, protocol, api_version, timeout,
    ///     upload_timeout, max_retries (they beat the file)
    /// @throws \IronWorker\ConfigException when no token or project id is found
    pub fn __construct(config: Option<&Zval>, options: Option<&ZendHashTable>) -> PhpResult<Self> {
        const CONFIG: Arg = Arg::new("IronWorker::__construct", 1, "config");
        const OPTIONS: Arg = Arg::new("IronWorker::__construct", 2, "options");

        let mut values = to_options(options, &OPTIONS)?;
        let mut config_file = None;
        if let Some(config) = config.map(Zval::dereference).filter(|z| !z.is_null()) {
            if let Some(path) = config.str() {
                config_file = Some(PathBuf::from(path));
            } else if let Some(table) = config.array() {
                let from_config = to_options(Some(table), &CONFIG)?;
                for (key, value) in from_config {
                    values.entry(key).or_insert(value);
                }
            } else {
                return Err(convert::type_error(
                    &CONFIG,
                    format!(
                        "must be of type string|array|null, {} given",
                        convert::type_name(config)
                    ),
                ));
            }
        }

        let options = core(ConfigOptions::from_map(config_file, &values))?;
        let client = core(Client::from_options(&options))?;
        Ok(IronWorker { client })
    }

    // ---- packaging and worker side -----------------------------------------------------------

    /// Zips files (read relative to the current directory) under the folder `$base_dir` inside
    /// the archive ("" = the archive root).
    ///
    /// @param string $base_dir folder inside the archive that the files go under
    /// @param string[] $files the files to add
    /// @param string $destination the zip to write (atomically)
    /// @param bool $overwrite replace an existing destination
    /// @return bool true when written; false when the destination exists and $overwrite is false
    /// @throws \IronWorker\MissingFileException naming a file that does not exist
    #[php(defaults(overwrite = false))]
    pub fn create_zip(
        base_dir: &str,
        files: &ZendHashTable,
        destination: &str,
        overwrite: bool,
    ) -> PhpResult<bool> {
        const FILES: Arg = Arg::new("IronWorker::createZip", 2, "files");
        let files = convert::to_strings(files, &FILES)?;
        core(package::create_zip(
            base_dir,
            &files,
            Path::new(destination),
            overwrite,
        ))
    }

    /// Zips the contents of a directory, entries relative to it (the run file at the root).
    ///
    /// @param string $directory the directory to zip
    /// @param string $destination the zip to write (atomically)
    /// @param bool $overwrite replace an existing destination
    /// @return bool true when written; false when the destination exists and $overwrite is false
    /// @throws \IronWorker\MissingFileException when the directory does not exist
    #[php(defaults(overwrite = false))]
    pub fn zip_directory(directory: &str, destination: &str, overwrite: bool) -> PhpResult<bool> {
        core(package::zip_directory(
            Path::new(directory),
            Path::new(destination),
            overwrite,
        ))
    }

    /// Inside a worker: everything the runtime passed, as an array: task_id, dir, payload,
    /// config, schedule_id, payload_file, config_file, environment (absent ones are null).
    ///
    /// Payload and config are decoded as arrays, like the runner's getArgs().
    ///
    /// @return array
    pub fn get_args() -> PhpResult<Zval> {
        convert::json_decode(&core(task_context().args())?, true)
    }

    /// Inside a worker: the task's payload, decoded like json_decode (objects by default).
    ///
    /// @param bool $assoc return JSON objects as arrays instead of stdClass
    /// @return mixed null when the task has no payload
    #[php(defaults(assoc = false))]
    pub fn get_payload(assoc: bool) -> PhpResult<Zval> {
        match core(task_context().payload())? {
            Some(payload) => convert::json_decode(&payload, assoc),
            None => Ok(Zval::null()),
        }
    }

    /// Inside a worker: the code's config, decoded like json_decode (objects by default).
    ///
    /// @param bool $assoc return JSON objects as arrays instead of stdClass
    /// @return mixed null when the code has no config
    #[php(defaults(assoc = false))]
    pub fn get_config(assoc: bool) -> PhpResult<Zval> {
        match core(task_context().config())? {
            Some(config) => convert::json_decode(&config, assoc),
            None => Ok(Zval::null()),
        }
    }

    // ---- code packages -----------------------------------------------------------------------

    /// Uploads a zip as code `$name`, run with `$runFilename` (a path inside the zip).
    ///
    /// A PHP worker gets a runner in the uploaded copy so it can call getPayload(), getArgs()
    /// and getConfig() without this extension; your zip is not modified.
    ///
    /// @param string $runFilename the file to run, inside the zip
    /// @param string $zipFilename the zip to upload
    /// @param string $name the code's name
    /// @param array|null $options runtime, stack, config, max_concurrency, retries,
    ///     retries_delay, default_priority, env_vars
    /// @return \IronWorker\Result id, msg, status_code, ...
    pub fn post_code(
        &self,
        runFilename: &str,
        zipFilename: &str,
        name: &str,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Zval> {
        const OPTIONS: Arg = Arg::new("IronWorker::postCode", 4, "options");
        let options = core(CodeOptions::from_map(&to_options(options, &OPTIONS)?))?;
        map(self
            .client
            .post_code(runFilename, Path::new(zipFilename), name, &options))
    }

    /// Zips a directory and uploads it as code `$name` (zipDirectory + postCode).
    ///
    /// @param string $directory the directory holding the worker
    /// @param string $runFilename the file to run, relative to the directory
    /// @param string $name the code's name
    /// @param array|null $options as for postCode
    /// @return \IronWorker\Result as postCode
    pub fn upload(
        &self,
        directory: &str,
        runFilename: &str,
        name: &str,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Zval> {
        const OPTIONS: Arg = Arg::new("IronWorker::upload", 4, "options");
        let options = core(CodeOptions::from_map(&to_options(options, &OPTIONS)?))?;
        map(self
            .client
            .upload(Path::new(directory), runFilename, name, &options))
    }

    /// Lists code packages.
    ///
    /// @param int|null $page 0-based page
    /// @param int|null $per_page items per page (at most 100)
    /// @return \IronWorker\Result[]
    pub fn get_codes(&self, page: Option<i64>, per_page: Option<i64>) -> PhpResult<Zval> {
        let page = self::page(page, per_page)?;
        list(self.client.get_codes(&page))
    }

    /// One code package.
    ///
    /// @return \IronWorker\Result
    pub fn get_code_details(&self, code_id: &str) -> PhpResult<Zval> {
        map(self.client.get_code_details(code_id))
    }

    /// Deletes a code package.
    ///
    /// @return \IronWorker\Result
    pub fn delete_code(&self, code_id: &str) -> PhpResult<Zval> {
        map(self.client.delete_code(code_id))
    }

    /// Lists the revisions of a code package.
    ///
    /// @return \IronWorker\Result[]
    pub fn get_code_revisions(
        &self,
        code_id: &str,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> PhpResult<Zval> {
        let page = self::page(page, per_page)?;
        list(self.client.get_code_revisions(code_id, &page))
    }

    /// Downloads a code package (the latest revision unless `$revision` is given).
    ///
    /// @param int|null $revision the revision number
    /// @param string|null $destination write the zip there (atomically) instead of returning it
    /// @return string the zip's bytes, or the destination path when one is given
    pub fn download_code(
        &self,
        code_id: &str,
        revision: Option<i64>,
        destination: Option<String>,
    ) -> PhpResult<Zval> {
        const REVISION: Arg = Arg::new("IronWorker::downloadCode", 2, "revision");
        let revision = match revision.map(u32::try_from) {
            None => None,
            Some(Ok(revision)) => Some(revision),
            Some(Err(_)) => {
                return Err(convert::value_error(
                    &REVISION,
                    "must be a revision number (0 or more)",
                ))
            }
        };
        match destination {
            Some(destination) => {
                let path = Path::new(&destination);
                core(self.client.download_code_to(code_id, revision, path))?;
                destination.into_zval(false).map_err(php_error)
            }
            None => {
                let bytes = core(self.client.download_code(code_id, revision))?;
                Binary::from(bytes).into_zval(false).map_err(php_error)
            }
        }
    }

    /// Stops dispatching the queued tasks of a code package.
    ///
    /// @return \IronWorker\Result
    pub fn pause_task_queue(&self, code_id: &str) -> PhpResult<Zval> {
        map(self.client.pause_task_queue(code_id))
    }

    /// Resumes dispatching the queued tasks of a code package.
    ///
    /// @return \IronWorker\Result
    pub fn resume_task_queue(&self, code_id: &str) -> PhpResult<Zval> {
        map(self.client.resume_task_queue(code_id))
    }

    /// Cancels every queued task of a code package.
    ///
    /// @return \IronWorker\Result
    pub fn cancel_all_tasks(&self, code_id: &str) -> PhpResult<Zval> {
        map(self.client.cancel_all_tasks(code_id))
    }

    // ---- tasks -------------------------------------------------------------------------------

    /// Queues a task of code `$name`; the task id is `$task['tasks'][0]['id']`.
    ///
    /// @param string $name the code's name
    /// @param mixed $payload any JSON value (arrays, stdClass, JsonSerializable, scalars)
    /// @param array|null $options priority, timeout, delay, cluster, label
    /// @return \IronWorker\Result the whole answer: msg, tasks
    pub fn post_task(
        &self,
        name: &str,
        payload: Option<&Zval>,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Zval> {
        const PAYLOAD: Arg = Arg::new("IronWorker::postTask", 2, "payload");
        const OPTIONS: Arg = Arg::new("IronWorker::postTask", 3, "options");
        let payload = optional_json(payload, &PAYLOAD)?;
        let options = core(TaskOptions::from_map(&to_options(options, &OPTIONS)?))?;
        map(self.client.post_task(name, payload.as_ref(), &options))
    }

    /// Queues one task per payload in one request; the ids come back in order.
    ///
    /// @param string $name the code's name
    /// @param array $payloads a list of JSON values
    /// @param array|null $options as for postTask, applied to every task
    /// @return \IronWorker\Result the whole answer: msg, tasks
    pub fn post_tasks(
        &self,
        name: &str,
        payloads: &ZendHashTable,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Zval> {
        const PAYLOADS: Arg = Arg::new("IronWorker::postTasks", 2, "payloads");
        const OPTIONS: Arg = Arg::new("IronWorker::postTasks", 3, "options");
        let mut list = Vec::with_capacity(payloads.len());
        for payload in payloads.values() {
            list.push(to_json(payload, &PAYLOADS)?);
        }
        let options = core(TaskOptions::from_map(&to_options(options, &OPTIONS)?))?;
        map(self.client.post_tasks(name, &list, &options))
    }

    /// Lists tasks, newest first.
    ///
    /// @param array|null $options page, per_page, code_name, status (string or list),
    ///     from_time, to_time, label, cluster, or a flag per status (queued => true, ...)
    /// @return \IronWorker\Result[]
    pub fn get_tasks(&self, options: Option<&ZendHashTable>) -> PhpResult<Zval> {
        const OPTIONS: Arg = Arg::new("IronWorker::getTasks", 1, "options");
        let filter = core(TaskFilter::from_map(&to_options(options, &OPTIONS)?))?;
        list(self.client.get_tasks(&filter))
    }

    /// One task: status, code_name, start_time, ...
    ///
    /// @return \IronWorker\Result
    pub fn get_task_details(&self, task_id: &str) -> PhpResult<Zval> {
        map(self.client.get_task_details(task_id))
    }

    /// The task's log (stdout and stderr).
    ///
    /// @param string|null $destination stream the log into that file (atomically) instead of
    ///   returning it, so a log of any size costs no memory
    /// @return string the log, or the destination path when one is given
    /// @throws \IronWorker\NotFoundException when the task has no log yet
    pub fn get_log(&self, task_id: &str, destination: Option<String>) -> PhpResult<String> {
        match destination {
            Some(destination) => {
                core(self.client.get_log_to(task_id, Path::new(&destination)))?;
                Ok(destination)
            }
            None => core(self.client.get_log(task_id)),
        }
    }

    /// The task's stdout alone.
    pub fn get_stdout(&self, task_id: &str) -> PhpResult<String> {
        core(self.client.get_stdout(task_id))
    }

    /// Cancels a task.
    ///
    /// @return \IronWorker\Result
    pub fn cancel_task(&self, task_id: &str) -> PhpResult<Zval> {
        map(self.client.cancel_task(task_id))
    }

    /// Queues a new task like a finished one.
    ///
    /// @param int|null $delay seconds to wait before running
    /// @return \IronWorker\Result as postTask
    pub fn retry_task(&self, task_id: &str, delay: Option<i64>) -> PhpResult<Zval> {
        map(self.client.retry_task(task_id, delay))
    }

    /// Sets a task's progress.
    ///
    /// @param int|null $percent 0 to 100
    /// @param string|null $msg a short message
    /// @return \IronWorker\Result
    pub fn set_task_progress(
        &self,
        task_id: &str,
        percent: Option<i64>,
        msg: Option<String>,
    ) -> PhpResult<Zval> {
        map(self
            .client
            .set_task_progress(task_id, percent, msg.as_deref()))
    }

    /// Waits until the task ends (complete, error, cancelled, killed, timeout) and returns it.
    ///
    /// @param int|float|null $sleep first pause between polls, in seconds (it grows)
    /// @param int|float|null $max_wait_time give up after this many seconds (null or 0:
    ///     the task's timeout plus a margin)
    /// @return \IronWorker\Result the task's details
    /// @throws \IronWorker\TimeoutException when the wait is over
    pub fn wait_for(
        &self,
        task_id: &str,
        sleep: Option<&Zval>,
        max_wait_time: Option<&Zval>,
    ) -> PhpResult<Zval> {
        const SLEEP: Arg = Arg::new("IronWorker::waitFor", 2, "sleep");
        const MAX_WAIT: Arg = Arg::new("IronWorker::waitFor", 3, "max_wait_time");
        let map_args = args_map(&[
            ("sleep", optional_json(sleep, &SLEEP)?),
            ("max_wait_time", optional_json(max_wait_time, &MAX_WAIT)?),
        ]);
        let options = core(WaitOptions::from_map(&map_args))?;
        map(self.client.wait_for(task_id, &options))
    }

    // ---- schedules ---------------------------------------------------------------------------

    /// Schedules code `$name`; the schedule id is `$schedule['schedules'][0]['id']`.
    ///
    /// @param mixed $payload any JSON value
    /// @param array|null $options start_at, delay, run_every, end_at, run_times, priority,
    ///     timeout, cluster, label (times: RFC 3339, Unix seconds or DateTimeInterface)
    /// @return \IronWorker\Result the whole answer: msg, schedules
    pub fn post_schedule(
        &self,
        name: &str,
        payload: Option<&Zval>,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Zval> {
        const PAYLOAD: Arg = Arg::new("IronWorker::postSchedule", 2, "payload");
        const OPTIONS: Arg = Arg::new("IronWorker::postSchedule", 3, "options");
        let payload = optional_json(payload, &PAYLOAD)?;
        let options = core(ScheduleOptions::from_map(&to_options(options, &OPTIONS)?))?;
        map(self.client.post_schedule(name, payload.as_ref(), &options))
    }

    /// Schedules one run of code `$name` in `$delay` seconds.
    ///
    /// @param mixed $payload any JSON value
    /// @param int $delay seconds from now
    /// @return \IronWorker\Result as postSchedule
    #[php(defaults(delay = 1))]
    pub fn post_schedule_simple(
        &self,
        name: &str,
        payload: Option<&Zval>,
        delay: i64,
    ) -> PhpResult<Zval> {
        const PAYLOAD: Arg = Arg::new("IronWorker::postScheduleSimple", 2, "payload");
        let payload = optional_json(payload, &PAYLOAD)?;
        let options = core(ScheduleOptions::from_map(&args_map(&[(
            "delay",
            Some(Value::from(delay)),
        )])))?;
        map(self.client.post_schedule(name, payload.as_ref(), &options))
    }

    /// Schedules code `$name` from `$start_at`, optionally repeating.
    ///
    /// @param mixed $payload any JSON value
    /// @param string|int|\DateTimeInterface $start_at first run (RFC 3339, Unix seconds or a date)
    /// @param int|null $run_every seconds between runs (at least 60)
    /// @param string|int|\DateTimeInterface|null $end_at no runs after this time
    /// @param int|null $run_times at most this many runs
    /// @param int|null $priority 0, 1 or 2
    /// @return \IronWorker\Result as postSchedule
    #[allow(clippy::too_many_arguments)] // The tutorial-era signature, positional in PHP.
    pub fn post_schedule_advanced(
        &self,
        name: &str,
        payload: Option<&Zval>,
        start_at: &Zval,
        run_every: Option<i64>,
        end_at: Option<&Zval>,
        run_times: Option<i64>,
        priority: Option<i64>,
    ) -> PhpResult<Zval> {
        const METHOD: &str = "IronWorker::postScheduleAdvanced";
        const PAYLOAD: Arg = Arg::new(METHOD, 2, "payload");
        const START_AT: Arg = Arg::new(METHOD, 3, "start_at");
        const END_AT: Arg = Arg::new(METHOD, 5, "end_at");
        let payload = optional_json(payload, &PAYLOAD)?;
        let options = args_map(&[
            ("start_at", optional_json(Some(start_at), &START_AT)?),
            ("run_every", run_every.map(Value::from)),
            ("end_at", optional_json(end_at, &END_AT)?),
            ("run_times", run_times.map(Value::from)),
            ("priority", priority.map(Value::from)),
        ]);
        let options = core(ScheduleOptions::from_map(&options))?;
        map(self.client.post_schedule(name, payload.as_ref(), &options))
    }

    /// Lists schedules.
    ///
    /// @param int|null $page 0-based page
    /// @param int|null $per_page items per page (at most 100)
    /// @return \IronWorker\Result[]
    pub fn get_schedules(&self, page: Option<i64>, per_page: Option<i64>) -> PhpResult<Zval> {
        let page = self::page(page, per_page)?;
        list(self.client.get_schedules(&page))
    }

    /// One schedule.
    ///
    /// @return \IronWorker\Result
    pub fn get_schedule(&self, schedule_id: &str) -> PhpResult<Zval> {
        map(self.client.get_schedule(schedule_id))
    }

    /// Cancels a schedule.
    ///
    /// @return \IronWorker\Result
    pub fn cancel_schedule(&self, schedule_id: &str) -> PhpResult<Zval> {
        map(self.client.cancel_schedule(schedule_id))
    }

    // ---- project -----------------------------------------------------------------------------

    /// The project: id, name, ...
    ///
    /// @return \IronWorker\Result
    pub fn get_project_details(&self) -> PhpResult<Zval> {
        map(self.client.get_project_details())
    }
}
