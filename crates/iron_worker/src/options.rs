//! Options of the API calls, parsed from the key/value maps the bindings pass.
//!
//! Every `from_map` rejects an unknown key with [`crate::Error::InvalidArgument`] naming it,
//! accepts numbers given as numbers or numeric strings, and treats `null` as "not given".
//!
//! SKELETON: signatures are fixed; bodies are being written.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::Result;

/// Options of `postCode` / `upload`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeOptions {
    /// Runtime (`python`, `php`, `ruby`, `node`, `sh`, `binary`); from the run file's extension if absent.
    pub runtime: Option<String>,
    /// Stack (hosted service only).
    pub stack: Option<String>,
    /// Config text given to every task as `CONFIG_FILE` / `-config`; a map is JSON-encoded.
    pub config: Option<String>,
    /// Tasks of this code that may run at once.
    pub max_concurrency: Option<i64>,
    /// Automatic retries of a failed task (0-10).
    pub retries: Option<i64>,
    /// Seconds before each automatic retry.
    pub retries_delay: Option<i64>,
    /// Priority of tasks queued without one (0-2).
    pub default_priority: Option<i64>,
    /// Environment variables for the worker.
    pub env_vars: BTreeMap<String, String>,
}

/// Options of `postTask`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskOptions {
    /// 0 (default), 1 or 2.
    pub priority: Option<i64>,
    /// Seconds before the task is killed (server default 3600).
    pub timeout: Option<i64>,
    /// Seconds to wait before running.
    pub delay: Option<i64>,
    /// Cluster name.
    pub cluster: Option<String>,
    /// Free-text label.
    pub label: Option<String>,
}

/// Pagination of list calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// 0-based page number.
    pub page: Option<u32>,
    /// Items per page (max 100).
    pub per_page: Option<u32>,
}

/// Filters of `getTasks`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    /// Pagination.
    pub page: Page,
    /// Only tasks of this code.
    pub code_name: Option<String>,
    /// Only tasks in these statuses (`queued`, `running`, `complete`, ...).
    pub statuses: Vec<String>,
    /// Created at or after this Unix time (seconds).
    pub from_time: Option<i64>,
    /// Created at or before this Unix time (seconds).
    pub to_time: Option<i64>,
    /// Only tasks with this label.
    pub label: Option<String>,
    /// Only tasks on this cluster.
    pub cluster: Option<String>,
}

/// Options of `postSchedule`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleOptions {
    /// First run, RFC 3339 (a Unix time in seconds is converted).
    pub start_at: Option<String>,
    /// Legacy: seconds from now to the first run.
    pub delay: Option<i64>,
    /// Seconds between runs (>= 60).
    pub run_every: Option<i64>,
    /// No runs after this time, RFC 3339 (a Unix time is converted).
    pub end_at: Option<String>,
    /// Maximum number of runs.
    pub run_times: Option<i64>,
    /// Priority of the queued tasks.
    pub priority: Option<i64>,
    /// Timeout of the queued tasks.
    pub timeout: Option<i64>,
    /// Cluster name.
    pub cluster: Option<String>,
    /// Free-text label.
    pub label: Option<String>,
}

/// How `waitFor` polls.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitOptions {
    /// First pause between polls; doubles up to `max_interval`.
    pub interval: Duration,
    /// Longest pause between polls.
    pub max_interval: Duration,
    /// Give up after this long (`None`: the task's timeout plus a margin).
    pub max_wait: Option<Duration>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(5),
            max_wait: None,
        }
    }
}

impl CodeOptions {
    /// Parses `runtime, stack, config, max_concurrency, retries, retries_delay, default_priority, env_vars`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let _ = map;
        todo!()
    }
}

impl TaskOptions {
    /// Parses `priority, timeout, delay, cluster, label`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let _ = map;
        todo!()
    }
}

impl Page {
    /// Parses `page, per_page`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let _ = map;
        todo!()
    }
}

impl TaskFilter {
    /// Parses `page, per_page, code_name, status` (a string or list) or one flag per status
    /// (`queued=True`, ...), `from_time, to_time, label, cluster`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let _ = map;
        todo!()
    }
}

impl ScheduleOptions {
    /// Parses `start_at, delay, run_every, end_at, run_times, priority, timeout, cluster, label`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let _ = map;
        todo!()
    }
}

impl WaitOptions {
    /// Parses `interval` (alias `sleep`, seconds), `max_wait` (alias `max_wait_time`, seconds; 0 = no limit).
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let _ = map;
        todo!()
    }
}
