//! The `IronWorker` class: the tutorial's API over [`iron_worker::Client`].
//!
//! Every method converts its arguments, releases the GIL for the core call (network or archive
//! work), and converts the JSON answer back. Names are the tutorial's camelCase; the Python
//! package adds the snake_case aliases. The docstrings here are what `help()` shows.

#![allow(non_snake_case)] // Python keyword names: runFilename, zipFilename.

use iron_worker::options::{CodeOptions, Page, ScheduleOptions, TaskFilter, TaskOptions};
use iron_worker::worker::TaskContext;
use iron_worker::{package, Client, ConfigOptions, WaitOptions};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

use crate::convert::{
    flag, integer, kwargs_map, named_map, number_or_str, path, paths, text, to_py, to_value,
    type_name,
};
use crate::error::IntoPyResult;
use crate::interrupt::Signals;

/// A client of one IronWorker project.
///
/// ``IronWorker("config.ini")`` reads the ``[iron_worker]`` section of an INI (or JSON) file;
/// ``IronWorker(token=..., project_id=...)`` takes the values directly. Keyword options beat
/// the file, which beats ``./iron.json``/``./iron.ini``, ``IRON_WORKER_*`` then ``IRON_*``
/// environment variables, ``~/.iron.json``/``~/.iron.ini``, then the defaults (the hosted
/// service: https://worker-aws-us-east-1.iron.io:443, API v2).
///
/// Keyword options: token, project_id, host, port, protocol (alias scheme), api_version
/// (alias version), timeout, upload_timeout (seconds), max_retries.
///
/// Raises ConfigError if the file is missing or malformed, or no token or project_id is found
/// (the message lists where it looked). One instance may be shared between threads; the GIL is
/// released during every request.
#[pyclass(module = "iron_worker._native", name = "IronWorker", subclass, frozen)]
pub struct IronWorker {
    client: Client,
}

impl IronWorker {
    /// Runs a core call with the GIL released; Ctrl-C stops it while it waits.
    ///
    /// The call gets its own handle on the client, whose interrupt runs Python's signal
    /// handlers (see [`Signals`]); an exception they raise is what this returns.
    fn run<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&Client) -> iron_worker::Result<T> + Send,
        T: Send,
    {
        let signals = Signals::new(py);
        let client = self.client.clone().with_interrupt(signals.interrupt());
        py.detach(|| f(&client)).map_err(|err| signals.error(err))
    }

    /// Runs a core call like [`IronWorker::run`] and converts its JSON answer.
    fn call<'py, F>(&self, py: Python<'py>, f: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(&Client) -> iron_worker::Result<Value> + Send,
    {
        let value = self.run(py, f)?;
        to_py(py, &value)
    }
}

/// The payload argument: `None` stays "no payload".
fn payload_value(payload: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Value>> {
    match payload {
        Some(payload) if !payload.is_none() => Ok(Some(to_value(payload, "payload")?)),
        _ => Ok(None),
    }
}

/// The pagination arguments of list calls, as the core parses them.
fn page(page: Option<&Bound<'_, PyAny>>, per_page: Option<&Bound<'_, PyAny>>) -> PyResult<Page> {
    let map = named_map(&[("page", page), ("per_page", per_page)])?;
    Page::from_map(&map).into_py()
}

/// The argv the worker was started with, as Python sees it (`sys.argv`).
fn python_argv(py: Python<'_>) -> Vec<String> {
    py.import("sys")
        .and_then(|sys| sys.getattr("argv"))
        .and_then(|argv| argv.extract::<Vec<String>>())
        .unwrap_or_default()
}

fn task_context(py: Python<'_>) -> TaskContext {
    let argv = python_argv(py);
    TaskContext::from_parts(|key| std::env::var(key).ok(), &argv)
}

#[pymethods]
impl IronWorker {
    #[new]
    #[pyo3(signature = (
        config = None,
        *,
        token = None,
        project_id = None,
        host = None,
        port = None,
        protocol = None,
        api_version = None,
        timeout = None,
        upload_timeout = None,
        max_retries = None,
        **options
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        token: Option<&Bound<'_, PyAny>>,
        project_id: Option<&Bound<'_, PyAny>>,
        host: Option<&Bound<'_, PyAny>>,
        port: Option<&Bound<'_, PyAny>>,
        protocol: Option<&Bound<'_, PyAny>>,
        api_version: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        upload_timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config = config.map(|c| path(c, "config")).transpose()?;
        let mut values = kwargs_map(options)?;
        let strings = [
            ("token", token),
            ("project_id", project_id),
            ("host", host),
            ("protocol", protocol),
        ];
        for (name, value) in strings {
            if let Some(value) = value {
                values.insert(name.to_string(), Value::String(text(value, name)?));
            }
        }
        let numbers = [
            ("port", port),
            ("api_version", api_version),
            ("timeout", timeout),
            ("upload_timeout", upload_timeout),
            ("max_retries", max_retries),
        ];
        for (name, value) in numbers {
            if let Some(value) = number_or_str(value, name)? {
                values.insert(name.to_string(), value);
            }
        }

        // Reading the config files is I/O too.
        let client = py
            .detach(|| {
                let options = ConfigOptions::from_map(config, &values)?;
                Client::from_options(&options)
            })
            .into_py()?;
        Ok(IronWorker { client })
    }

    /// The project and endpoint in use; never the token.
    fn __repr__(&self) -> String {
        let config = self.client.config();
        format!(
            "IronWorker(project_id={:?}, url={:?})",
            config.project_id,
            config.base_url()
        )
    }

    // ---- packaging and worker side -----------------------------------------------------

    /// Zips ``files`` under the folder ``base_dir`` inside the archive.
    ///
    /// ``base_dir`` is the folder the files are placed under *inside* the zip (``""``: the
    /// archive root); the files themselves are read relative to the current directory.
    /// Returns True when the archive was written, False (touching nothing) when
    /// ``destination`` exists and ``overwrite`` is False. The archive is written to a
    /// temporary file and renamed into place, and is the same bytes for the same inputs.
    ///
    /// Raises MissingFileError (a FileNotFoundError) naming a missing input file.
    #[staticmethod]
    #[pyo3(
        name = "createZip",
        signature = (base_dir, files, destination, overwrite = None),
        text_signature = "(base_dir, files, destination, overwrite=False)"
    )]
    fn create_zip(
        py: Python<'_>,
        base_dir: &Bound<'_, PyAny>,
        files: &Bound<'_, PyAny>,
        destination: &Bound<'_, PyAny>,
        overwrite: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let overwrite = flag(overwrite, "overwrite")?;
        let base_dir = text(base_dir, "base_dir")?;
        let destination = path(destination, "destination")?;
        let files = paths(files, "files")?;
        py.detach(|| package::create_zip(&base_dir, &files, &destination, overwrite))
            .into_py()
    }

    /// Zips the contents of ``directory``, entries relative to it (the run file at the root).
    ///
    /// Same return value and ``overwrite`` rule as createZip. Raises MissingFileError if the
    /// directory does not exist.
    #[staticmethod]
    #[pyo3(
        name = "zipDirectory",
        signature = (directory, destination, overwrite = None),
        text_signature = "(directory, destination, overwrite=False)"
    )]
    fn zip_directory(
        py: Python<'_>,
        directory: &Bound<'_, PyAny>,
        destination: &Bound<'_, PyAny>,
        overwrite: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let overwrite = flag(overwrite, "overwrite")?;
        let directory = path(directory, "directory")?;
        let destination = path(destination, "destination")?;
        py.detach(|| package::zip_directory(&directory, &destination, overwrite))
            .into_py()
    }

    /// Inside a running worker: what the runtime passed, as a dict.
    ///
    /// Keys: task_id, dir, payload, config, schedule_id, environment, payload_file,
    /// config_file (None when absent). Read from TASK_ID, TASK_DIR, PAYLOAD_FILE, CONFIG_FILE
    /// first, then the -id, -d, -payload, -config, -e, -schedule_id flags in sys.argv.
    #[staticmethod]
    #[pyo3(name = "getArgs")]
    fn get_args(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let context = task_context(py);
        let value = py.detach(|| context.args()).into_py()?;
        to_py(py, &value)
    }

    /// Inside a running worker: the task's payload, parsed from JSON; None without one.
    ///
    /// A payload that is not JSON comes back as the str it is.
    #[staticmethod]
    #[pyo3(name = "getPayload")]
    fn get_payload(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let context = task_context(py);
        let value = py.detach(|| context.payload()).into_py()?;
        to_py(py, &value.unwrap_or(Value::Null))
    }

    /// Inside a running worker: the code package's config, parsed from JSON; None if unset.
    #[staticmethod]
    #[pyo3(name = "getConfig")]
    fn get_config(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let context = task_context(py);
        let value = py.detach(|| context.config()).into_py()?;
        to_py(py, &value.unwrap_or(Value::Null))
    }

    // ---- code packages -----------------------------------------------------------------

    /// Uploads the zip ``zipFilename`` as code package ``name``, run with ``runFilename``.
    ///
    /// ``runFilename`` is the file inside the zip that each task executes; the runtime comes
    /// from its extension unless ``runtime`` is given. Options: runtime, stack, config (str or
    /// dict), max_concurrency, retries, retries_delay, default_priority, env_vars (dict).
    /// Returns the server's answer, e.g. ``{"id": ..., "msg": "Upload successful.",
    /// "status_code": 200}``.
    #[pyo3(name = "postCode", signature = (runFilename, zipFilename, name, **options))]
    fn post_code<'py>(
        &self,
        py: Python<'py>,
        runFilename: &Bound<'py, PyAny>,
        zipFilename: &Bound<'py, PyAny>,
        name: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let runFilename = text(runFilename, "runFilename")?;
        let zipFilename = path(zipFilename, "zipFilename")?;
        let name = text(name, "name")?;
        let options = CodeOptions::from_map(&kwargs_map(options)?).into_py()?;
        self.call(py, |c| {
            c.post_code(&runFilename, &zipFilename, &name, &options)
        })
    }

    /// Zips ``directory`` and uploads it as code package ``name`` (postCode's options).
    #[pyo3(signature = (directory, runFilename, name, **options))]
    fn upload<'py>(
        &self,
        py: Python<'py>,
        directory: &Bound<'py, PyAny>,
        runFilename: &Bound<'py, PyAny>,
        name: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let directory = path(directory, "directory")?;
        let runFilename = text(runFilename, "runFilename")?;
        let name = text(name, "name")?;
        let options = CodeOptions::from_map(&kwargs_map(options)?).into_py()?;
        self.call(py, |c| c.upload(&directory, &runFilename, &name, &options))
    }

    /// Lists code packages: a list of dicts (``page`` counts from 0, ``per_page`` up to 100).
    #[pyo3(name = "getCodes", signature = (page = None, per_page = None))]
    fn get_codes<'py>(
        &self,
        py: Python<'py>,
        page: Option<&Bound<'py, PyAny>>,
        per_page: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let page = self::page(page, per_page)?;
        self.call(py, |c| c.get_codes(&page))
    }

    /// One code package, as a dict.
    #[pyo3(name = "getCodeDetails")]
    fn get_code_details<'py>(
        &self,
        py: Python<'py>,
        code_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code_id = text(code_id, "code_id")?;
        self.call(py, |c| c.get_code_details(&code_id))
    }

    /// Deletes a code package; returns the server's answer.
    #[pyo3(name = "deleteCode")]
    fn delete_code<'py>(&self, py: Python<'py>, code_id: String) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |c| c.delete_code(&code_id))
    }

    /// Lists the revisions of a code package: a list of dicts.
    #[pyo3(name = "getCodeRevisions", signature = (code_id, page = None, per_page = None))]
    fn get_code_revisions<'py>(
        &self,
        py: Python<'py>,
        code_id: &Bound<'py, PyAny>,
        page: Option<&Bound<'py, PyAny>>,
        per_page: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code_id = text(code_id, "code_id")?;
        let page = self::page(page, per_page)?;
        self.call(py, |c| c.get_code_revisions(&code_id, &page))
    }

    /// Downloads a code package's zip (the latest revision unless ``revision`` is given).
    ///
    /// Returns the zip as bytes; with ``destination``, writes it there (atomically, streamed)
    /// and returns the path as a str.
    #[pyo3(name = "downloadCode", signature = (code_id, revision = None, destination = None))]
    fn download_code<'py>(
        &self,
        py: Python<'py>,
        code_id: &Bound<'py, PyAny>,
        revision: Option<&Bound<'py, PyAny>>,
        destination: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code_id = text(code_id, "code_id")?;
        let revision = integer::<u32>(revision, "revision")?;
        let destination = destination.map(|d| path(d, "destination")).transpose()?;
        match destination {
            Some(destination) => {
                self.run(py, |c| c.download_code_to(&code_id, revision, &destination))?;
                Ok(PyString::new(py, &destination.to_string_lossy()).into_any())
            }
            None => {
                let bytes = self.run(py, |c| c.download_code(&code_id, revision))?;
                Ok(PyBytes::new(py, &bytes).into_any())
            }
        }
    }

    /// Stops dispatching the queued tasks of a code package; returns the server's answer.
    #[pyo3(name = "pauseTaskQueue")]
    fn pause_task_queue<'py>(
        &self,
        py: Python<'py>,
        code_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code_id = text(code_id, "code_id")?;
        self.call(py, |c| c.pause_task_queue(&code_id))
    }

    /// Resumes dispatching the queued tasks of a code package; returns the server's answer.
    #[pyo3(name = "resumeTaskQueue")]
    fn resume_task_queue<'py>(
        &self,
        py: Python<'py>,
        code_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code_id = text(code_id, "code_id")?;
        self.call(py, |c| c.resume_task_queue(&code_id))
    }

    /// Cancels every queued task of a code package; returns the server's answer.
    #[pyo3(name = "cancelAllTasks")]
    fn cancel_all_tasks<'py>(
        &self,
        py: Python<'py>,
        code_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code_id = text(code_id, "code_id")?;
        self.call(py, |c| c.cancel_all_tasks(&code_id))
    }

    // ---- tasks -------------------------------------------------------------------------

    /// Queues a task of code package ``name`` with ``payload`` (any JSON data, or None).
    ///
    /// Options: priority (0-2), timeout (seconds), delay (seconds), cluster, label. Returns the
    /// whole answer, so the task id is ``task["tasks"][0]["id"]``. A task is never queued
    /// twice, even when a request is retried.
    #[pyo3(name = "postTask", signature = (name, payload = None, **options))]
    fn post_task<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        payload: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let name = text(name, "name")?;
        let payload = payload_value(payload)?;
        let options = TaskOptions::from_map(&kwargs_map(options)?).into_py()?;
        self.call(py, |c| c.post_task(&name, payload.as_ref(), &options))
    }

    /// Queues one task per payload in one request; the ids come back in order.
    #[pyo3(name = "postTasks", signature = (name, payloads, **options))]
    fn post_tasks<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        payloads: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let name = text(name, "name")?;
        if !payloads.is_instance_of::<PyList>() && !payloads.is_instance_of::<PyTuple>() {
            return Err(PyTypeError::new_err(format!(
                "payloads must be a list of payloads, not {}",
                type_name(payloads)
            )));
        }
        let payloads = payloads
            .try_iter()?
            .enumerate()
            .map(|(i, payload)| Ok((i, payload?)))
            .collect::<PyResult<Vec<_>>>()?
            .into_iter()
            .map(|(i, payload)| to_value(&payload, &format!("payloads[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let options = TaskOptions::from_map(&kwargs_map(options)?).into_py()?;
        self.call(py, |c| c.post_tasks(&name, &payloads, &options))
    }

    /// Lists tasks, newest first: a list of dicts.
    ///
    /// Filters: page, per_page, code_name, status (a str or a list), from_time, to_time (Unix
    /// seconds), label, cluster, and one flag per status (``queued=True``, ``complete=True``,
    /// ...).
    #[pyo3(name = "getTasks", signature = (**filter))]
    fn get_tasks<'py>(
        &self,
        py: Python<'py>,
        filter: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = TaskFilter::from_map(&kwargs_map(filter)?).into_py()?;
        self.call(py, |c| c.get_tasks(&filter))
    }

    /// One task, as a dict; ``["status"]`` is "queued", "running", "complete", "error", ...
    #[pyo3(name = "getTaskDetails")]
    fn get_task_details<'py>(
        &self,
        py: Python<'py>,
        task_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let task_id = text(task_id, "task_id")?;
        self.call(py, |c| c.get_task_details(&task_id))
    }

    /// The task's log (stdout and stderr) as a str.
    ///
    /// With ``destination``, streams the log into that file instead (atomically: a temporary
    /// file beside it, renamed once complete; the bytes as the server sent them) and returns
    /// the path as a str, so a log of any size costs no memory.
    ///
    /// Raises NotFoundError while the task has no log yet; waitFor first to be sure.
    #[pyo3(name = "getLog", signature = (task_id, destination = None))]
    fn get_log<'py>(
        &self,
        py: Python<'py>,
        task_id: String,
        destination: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyString>> {
        let destination = destination.map(|d| path(d, "destination")).transpose()?;
        if let Some(destination) = destination {
            self.run(py, |c| c.get_log_to(&task_id, &destination))?;
            return Ok(PyString::new(py, &destination.to_string_lossy()));
        }

        // The str is made from the core's buffer directly: one copy, which a str needs.
        let log = self.run(py, |c| c.get_log(&task_id))?;
        Ok(PyString::new(py, &log))
    }

    /// The task's stdout alone, as a str.
    #[pyo3(name = "getStdout")]
    fn get_stdout<'py>(&self, py: Python<'py>, task_id: String) -> PyResult<Bound<'py, PyString>> {
        let stdout = self.run(py, |c| c.get_stdout(&task_id))?;
        Ok(PyString::new(py, &stdout))
    }

    /// Cancels a task; returns the server's answer.
    #[pyo3(name = "cancelTask")]
    fn cancel_task<'py>(&self, py: Python<'py>, task_id: String) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |c| c.cancel_task(&task_id))
    }

    /// Queues a new task like a finished one, after ``delay`` seconds; returns the answer
    /// with the new task as ``["tasks"][0]``.
    #[pyo3(name = "retryTask", signature = (task_id, delay = None))]
    fn retry_task<'py>(
        &self,
        py: Python<'py>,
        task_id: &Bound<'py, PyAny>,
        delay: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let task_id = text(task_id, "task_id")?;
        let delay = integer::<i64>(delay, "delay")?;
        self.call(py, |c| c.retry_task(&task_id, delay))
    }

    /// Sets a task's progress: ``percent`` (0-100) and/or a message ``msg``.
    #[pyo3(name = "setTaskProgress", signature = (task_id, percent = None, msg = None))]
    fn set_task_progress<'py>(
        &self,
        py: Python<'py>,
        task_id: &Bound<'py, PyAny>,
        percent: Option<&Bound<'py, PyAny>>,
        msg: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let task_id = text(task_id, "task_id")?;
        let percent = integer::<i64>(percent, "percent")?;
        let msg = msg
            .filter(|m| !m.is_none())
            .map(|m| text(m, "msg"))
            .transpose()?;
        self.call(py, |c| {
            c.set_task_progress(&task_id, percent, msg.as_deref())
        })
    }

    /// Waits until the task has ended and returns its details.
    ///
    /// Polls every ``sleep`` seconds at first, backing off; raises RequestTimeoutError after
    /// ``max_wait_time`` seconds (None or 0: the task's own timeout plus a margin). Ctrl-C
    /// stops the wait with KeyboardInterrupt (on the main thread, as for any Python code).
    #[pyo3(name = "waitFor", signature = (task_id, sleep = None, max_wait_time = None))]
    fn wait_for<'py>(
        &self,
        py: Python<'py>,
        task_id: &Bound<'py, PyAny>,
        sleep: Option<&Bound<'py, PyAny>>,
        max_wait_time: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let task_id = text(task_id, "task_id")?;
        let map = named_map(&[("sleep", sleep), ("max_wait_time", max_wait_time)])?;
        let options = WaitOptions::from_map(&map).into_py()?;
        self.call(py, |c| c.wait_for(&task_id, &options))
    }

    // ---- schedules and project ---------------------------------------------------------

    /// Schedules code package ``name`` with ``payload``.
    ///
    /// Options: start_at (RFC 3339 str, Unix seconds or datetime), delay, run_every (seconds,
    /// at least 60), end_at, run_times, priority, timeout, cluster, label. Returns the whole
    /// answer; the schedule id is ``["schedules"][0]["id"]``.
    #[pyo3(name = "postSchedule", signature = (name, payload = None, **options))]
    fn post_schedule<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        payload: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let name = text(name, "name")?;
        let payload = payload_value(payload)?;
        let options = ScheduleOptions::from_map(&kwargs_map(options)?).into_py()?;
        self.call(py, |c| c.post_schedule(&name, payload.as_ref(), &options))
    }

    /// Schedules one run of code package ``name`` in ``delay`` seconds (postSchedule's answer).
    #[pyo3(
        name = "postScheduleSimple",
        signature = (name, payload = None, delay = None),
        text_signature = "($self, name, payload=None, delay=1)"
    )]
    fn post_schedule_simple<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        payload: Option<&Bound<'py, PyAny>>,
        delay: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The 2012 PHP client's default: one run, a second from now.
        let delay = integer::<i64>(delay, "delay")?.unwrap_or(1);
        let name = text(name, "name")?;
        let payload = payload_value(payload)?;
        let mut map = Map::new();
        map.insert("delay".to_string(), Value::from(delay));
        let options = ScheduleOptions::from_map(&map).into_py()?;
        self.call(py, |c| c.post_schedule(&name, payload.as_ref(), &options))
    }

    /// Schedules code package ``name`` from ``start_at``, every ``run_every`` seconds, until
    /// ``end_at`` or ``run_times`` runs (postSchedule's answer).
    ///
    /// Times are RFC 3339 strs, Unix seconds or datetimes (a naive datetime is local time).
    #[pyo3(
        name = "postScheduleAdvanced",
        signature = (
            name, payload, start_at, run_every = None, end_at = None, run_times = None,
            priority = None
        )
    )]
    #[allow(clippy::too_many_arguments)]
    fn post_schedule_advanced<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        payload: Option<&Bound<'py, PyAny>>,
        start_at: &Bound<'py, PyAny>,
        run_every: Option<&Bound<'py, PyAny>>,
        end_at: Option<&Bound<'py, PyAny>>,
        run_times: Option<&Bound<'py, PyAny>>,
        priority: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let name = text(name, "name")?;
        let payload = payload_value(payload)?;
        let map = named_map(&[
            ("start_at", Some(start_at)),
            ("run_every", run_every),
            ("end_at", end_at),
            ("run_times", run_times),
            ("priority", priority),
        ])?;
        let options = ScheduleOptions::from_map(&map).into_py()?;
        self.call(py, |c| c.post_schedule(&name, payload.as_ref(), &options))
    }

    /// Lists schedules: a list of dicts.
    #[pyo3(name = "getSchedules", signature = (page = None, per_page = None))]
    fn get_schedules<'py>(
        &self,
        py: Python<'py>,
        page: Option<&Bound<'py, PyAny>>,
        per_page: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let page = self::page(page, per_page)?;
        self.call(py, |c| c.get_schedules(&page))
    }

    /// One schedule, as a dict.
    #[pyo3(name = "getSchedule")]
    fn get_schedule<'py>(
        &self,
        py: Python<'py>,
        schedule_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let schedule_id = text(schedule_id, "schedule_id")?;
        self.call(py, |c| c.get_schedule(&schedule_id))
    }

    /// Cancels a schedule; returns the server's answer.
    #[pyo3(name = "cancelSchedule")]
    fn cancel_schedule<'py>(
        &self,
        py: Python<'py>,
        schedule_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let schedule_id = text(schedule_id, "schedule_id")?;
        self.call(py, |c| c.cancel_schedule(&schedule_id))
    }

    /// The project, as a dict (``id``, ``name``, ...).
    #[pyo3(name = "getProjectDetails")]
    fn get_project_details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |c| c.get_project_details())
    }
}
