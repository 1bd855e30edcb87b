//! Worker side: what a running task reads under the runtime contract.
//!
//! Environment variables (`TASK_ID`, `TASK_DIR`, `PAYLOAD_FILE`, `CONFIG_FILE`) win; then the
//! flags `-id`, `-d`, `-e`, `-payload`, `-config`, `-schedule_id` (also `--x` and `--dir`).
//!
//! SKELETON: signatures are fixed; bodies are being written.

use std::path::PathBuf;

use serde_json::Value;

use crate::error::Result;

/// What the runtime told this worker process.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskContext {
    /// The task id.
    pub task_id: Option<String>,
    /// The task directory.
    pub task_dir: Option<PathBuf>,
    /// The payload file.
    pub payload_file: Option<PathBuf>,
    /// The config file.
    pub config_file: Option<PathBuf>,
    /// The environment name (`-e`).
    pub environment: Option<String>,
    /// The schedule id, for scheduled runs.
    pub schedule_id: Option<String>,
}

impl TaskContext {
    /// Reads the current process's environment and arguments.
    pub fn from_process() -> Self {
        let args: Vec<String> = std::env::args().collect();
        TaskContext::from_parts(|k| std::env::var(k).ok(), &args)
    }

    /// Reads from the given environment lookup and argv (argv\[0\] is the program).
    pub fn from_parts(env: impl Fn(&str) -> Option<String>, argv: &[String]) -> Self {
        let _ = (env, argv);
        todo!()
    }

    /// The payload, parsed as JSON (a string Value if it is not JSON); `None` without a payload.
    pub fn payload(&self) -> Result<Option<Value>> {
        todo!()
    }

    /// The code's config, parsed as JSON (a string Value if it is not JSON); `None` if unset.
    pub fn config(&self) -> Result<Option<Value>> {
        todo!()
    }

    /// Everything as one JSON object: `task_id`, `dir`, `payload`, `config`, `schedule_id`,
    /// `environment`, `payload_file`, `config_file` (absent values are `null`).
    pub fn args(&self) -> Result<Value> {
        todo!()
    }
}
