//! The client commands. Each turns its arguments into the core's option maps (so every rule
//! and every message about a bad value comes from the core), calls the [`Client`], and prints.

pub mod codes;
pub mod schedules;
pub mod tasks;

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use iron_worker::{Client, Page};
use serde_json::{Map, Value};

use crate::exit::CliError;
use crate::global::GlobalArgs;
use crate::output::Out;

/// What a command runs with: the client and the output format.
pub struct Ctx {
    /// The API client, configured from the global options.
    pub client: Client,
    /// Standard output in the chosen format.
    pub out: Out,
}

/// Runs a client command with the global options given before and after it.
pub fn run(
    before: GlobalArgs,
    after: GlobalArgs,
    command: impl FnOnce(&mut Ctx) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let global = GlobalArgs::merge(before, after);
    global.init_logging();

    let mut ctx = Ctx {
        client: global.client()?,
        out: Out::new(global.json()),
    };
    command(&mut ctx)
}

/// `--page` and `--per-page` of list commands.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// Page to show, counting from 0.
    #[arg(long, value_name = "N")]
    page: Option<String>,

    /// Items per page (1-100; the server's default is 30).
    #[arg(long, value_name = "N")]
    per_page: Option<String>,
}

impl PageArgs {
    /// The pagination, checked by the core.
    pub fn page(&self) -> Result<Page, CliError> {
        let mut map = Map::new();
        put(&mut map, "page", &self.page);
        put(&mut map, "per_page", &self.per_page);
        Ok(Page::from_map(&map)?)
    }

    /// Adds `page` / `per_page` to an option map.
    pub fn add_to(&self, map: &mut Map<String, Value>) {
        put(map, "page", &self.page);
        put(map, "per_page", &self.per_page);
    }
}

/// The payload of a task or schedule: inline JSON or a file.
#[derive(Debug, Args)]
pub struct PayloadArgs {
    /// Payload as JSON text, e.g. '{"max": 1000}'.
    #[arg(long, value_name = "JSON", conflicts_with = "payload_file")]
    payload: Option<String>,

    /// Read the payload (JSON) from a file; `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    payload_file: Option<PathBuf>,
}

impl PayloadArgs {
    /// The payload as JSON, or `None` when none was given.
    pub fn read(&self) -> Result<Option<Value>, CliError> {
        let (text, origin) = match (&self.payload, &self.payload_file) {
            (Some(text), _) => (text.clone(), "--payload".to_string()),
            (None, Some(path)) => (
                read_text(path)?,
                format!("--payload-file {}", path.display()),
            ),
            (None, None) => return Ok(None),
        };

        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| CliError::Usage(format!("{origin} is not valid JSON: {e}")))
    }
}

/// Inserts a command-line value as a JSON string; the core parses numbers out of strings and
/// names the option when one is not valid.
pub fn put(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        map.insert(key.to_string(), Value::from(value.as_str()));
    }
}

/// Reads a text file named on the command line (`-`: stdin), with errors naming it.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| io_error("read", Path::new("standard input"), source))?;
        return Ok(text);
    }

    let bytes = std::fs::read(path).map_err(|source| io_error("read", path, source))?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", path.display())))
}

/// A file error as the core reports it: "file not found" for a missing file.
pub fn io_error(action: &'static str, path: &Path, source: std::io::Error) -> CliError {
    let path = path.to_path_buf();
    let error = if source.kind() == std::io::ErrorKind::NotFound {
        iron_worker::Error::FileNotFound { path }
    } else {
        iron_worker::Error::Io {
            action,
            path,
            source,
        }
    };
    CliError::Core(error)
}

/// The `id` of the first item of `key` in an answer (`tasks`, `schedules`).
pub fn first_id(answer: &Value, key: &str) -> Result<String, CliError> {
    ids(answer, key)?
        .into_iter()
        .next()
        .ok_or_else(|| no_ids(key))
}

/// The `id`s of the items of `key` in an answer, in order.
pub fn ids(answer: &Value, key: &str) -> Result<Vec<String>, CliError> {
    let items = answer
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| no_ids(key))?;
    items
        .iter()
        .map(|item| {
            item.get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| no_ids(key))
        })
        .collect()
}

fn no_ids(key: &str) -> CliError {
    CliError::Core(iron_worker::Error::Decode(format!(
        "the answer has no `{key}` array of items with an `id`"
    )))
}

/// Prints the server's `msg` (or the whole answer with `--json`).
pub fn print_msg(out: &Out, answer: &Value, fallback: &str) -> Result<(), CliError> {
    if out.is_json() {
        return Ok(out.json(answer)?);
    }
    let msg = answer
        .get("msg")
        .and_then(Value::as_str)
        .unwrap_or(fallback);
    Ok(out.line(msg)?)
}
