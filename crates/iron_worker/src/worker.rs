//! Worker side: what a running task reads under the runtime contract.
//!
//! Environment variables (`TASK_ID`, `TASK_DIR`, `PAYLOAD_FILE`, `CONFIG_FILE`) win; then the
//! flags `-id`, `-d`, `-e`, `-payload`, `-config`, `-schedule_id` (also `--x` and `--dir`).
//!
//! A flag's value is the next argument (`-payload /task/payload.json`), or follows an `=` in
//! the same argument (`-payload=payload.json`, the form the tutorial suggests for a local run).
//! A known flag with no value after it is ignored, as are unknown flags, so a worker can take
//! arguments of its own. When a flag is repeated, the last one wins. An empty value, from a
//! flag (`-payload=`) or an environment variable, counts as unset.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::error::{Error, Result};

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

/// The fields a flag can set.
#[derive(Clone, Copy)]
enum Field {
    TaskId,
    TaskDir,
    PayloadFile,
    ConfigFile,
    Environment,
    ScheduleId,
}

/// The field a flag name (without its dashes) sets.
fn flag_field(name: &str) -> Option<Field> {
    let field = match name {
        "id" => Field::TaskId,
        "d" | "dir" => Field::TaskDir,
        "payload" => Field::PayloadFile,
        "config" => Field::ConfigFile,
        "e" => Field::Environment,
        "schedule_id" => Field::ScheduleId,
        _ => return None,
    };
    Some(field)
}

/// Splits `-x`, `--x`, `-x=v` or `--x=v` into the name and the inline value.
fn split_flag(arg: &str) -> Option<(&str, Option<&str>)> {
    let name = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    match name.split_once('=') {
        Some((name, value)) => Some((name, Some(value))),
        None => Some((name, None)),
    }
}

impl TaskContext {
    /// Reads the current process's environment and arguments.
    pub fn from_process() -> Self {
        let args: Vec<String> = std::env::args().collect();
        TaskContext::from_parts(|k| std::env::var(k).ok(), &args)
    }

    /// Reads from the given environment lookup and argv (argv\[0\] is the program).
    pub fn from_parts(env: impl Fn(&str) -> Option<String>, argv: &[String]) -> Self {
        let mut context = TaskContext::default();
        let args = argv.get(1..).unwrap_or_default();

        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            let Some((name, inline)) = split_flag(arg) else {
                continue;
            };
            let Some(field) = flag_field(name) else {
                continue;
            };

            let value = match inline {
                Some(value) => value.to_string(),
                None => match args.get(i) {
                    Some(next) if !is_known_flag(next) => {
                        i += 1;
                        next.clone()
                    }
                    _ => continue,
                },
            };
            if !value.is_empty() {
                context.set(field, value);
            }
        }

        let vars = [
            ("TASK_ID", Field::TaskId),
            ("TASK_DIR", Field::TaskDir),
            ("PAYLOAD_FILE", Field::PayloadFile),
            ("CONFIG_FILE", Field::ConfigFile),
        ];
        for (var, field) in vars {
            if let Some(value) = env(var).filter(|v| !v.is_empty()) {
                context.set(field, value);
            }
        }
        context
    }

    /// The payload, parsed as JSON (a string Value if it is not JSON); `None` without a payload.
    ///
    /// An empty (or all-whitespace) payload file also gives `None`. A payload file that was
    /// named but does not exist is an [`Error::FileNotFound`].
    pub fn payload(&self) -> Result<Option<Value>> {
        read_json_or_text(self.payload_file.as_deref())
    }

    /// The code's config, parsed as JSON (a string Value if it is not JSON); `None` if unset.
    ///
    /// Same rules as [`TaskContext::payload`].
    pub fn config(&self) -> Result<Option<Value>> {
        read_json_or_text(self.config_file.as_deref())
    }

    /// Everything as one JSON object: `task_id`, `dir`, `payload`, `config`, `schedule_id`,
    /// `environment`, `payload_file`, `config_file` (absent values are `null`).
    pub fn args(&self) -> Result<Value> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        Ok(json!({
            "task_id": self.task_id,
            "dir": path(&self.task_dir),
            "payload": self.payload()?,
            "config": self.config()?,
            "schedule_id": self.schedule_id,
            "environment": self.environment,
            "payload_file": path(&self.payload_file),
            "config_file": path(&self.config_file),
        }))
    }

    fn set(&mut self, field: Field, value: String) {
        match field {
            Field::TaskId => self.task_id = Some(value),
            Field::TaskDir => self.task_dir = Some(PathBuf::from(value)),
            Field::PayloadFile => self.payload_file = Some(PathBuf::from(value)),
            Field::ConfigFile => self.config_file = Some(PathBuf::from(value)),
            Field::Environment => self.environment = Some(value),
            Field::ScheduleId => self.schedule_id = Some(value),
        }
    }
}

/// Whether an argument is one of the runtime's flags (so it is not taken as a value).
fn is_known_flag(arg: &str) -> bool {
    split_flag(arg).is_some_and(|(name, _)| flag_field(name).is_some())
}

/// Reads a payload or config file: JSON if it parses, its text otherwise, `None` if empty.
fn read_json_or_text(path: Option<&Path>) -> Result<Option<Value>> {
    let Some(path) = path else {
        return Ok(None);
    };

    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::FileNotFound {
                path: path.to_path_buf(),
            }
        } else {
            Error::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);

    if text.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Ok(Some(value)),
        Err(_) => Ok(Some(Value::String(text.to_string()))),
    }
}
