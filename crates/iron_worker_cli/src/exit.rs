//! What can go wrong in a client command, and the exit code each failure gets.
//!
//! Every failure is printed once, on stderr, as `iron-worker: <message>`; the core's messages
//! never contain the token. Codes are stable so that scripts can branch on them.

use std::io;
use std::process::ExitCode;

use iron_worker::ErrorKind;

/// Success.
pub const OK: u8 = 0;

/// A task ended in a status other than `complete` (with `--wait` or `--follow`).
pub const TASK_NOT_COMPLETE: u8 = 1;

/// Bad command-line input: an unknown option, a missing argument, an invalid value.
pub const USAGE: u8 = 2;

/// Configuration: no token or project id, or a malformed config file or setting.
pub const CONFIG: u8 = 3;

/// The server refused the request (an HTTP 4xx or 5xx other than 401 and 404) or its answer
/// could not be understood.
pub const HTTP: u8 = 4;

/// The server could not be reached, the connection broke, or a wait timed out.
pub const NETWORK: u8 = 5;

/// A local file or folder is missing, unreadable or unwritable, or is not a usable zip.
pub const FILE: u8 = 6;

/// HTTP 401: the token was refused.
pub const UNAUTHORIZED: u8 = 7;

/// HTTP 404, or no code package by that name: the task, code or schedule does not exist.
pub const NOT_FOUND: u8 = 8;

/// The exit codes, as shown at the end of `iron-worker --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  a task ended in a status other than complete (--wait, --follow)
  2  usage: unknown option, missing argument or invalid value
  3  configuration: no token or project id, or a bad config file or setting
  4  the server refused the request (HTTP 4xx/5xx other than 401 and 404)
  5  network: the server could not be reached, or a wait timed out
  6  file: a local file or folder is missing, unreadable or unwritable
  7  HTTP 401: the token was refused
  8  not found: no such task, code package or schedule (HTTP 404)";

/// A failed client command.
#[derive(Debug)]
pub enum CliError {
    /// An error of the core crate (configuration, files, HTTP, network, arguments).
    Core(iron_worker::Error),
    /// Bad input noticed by the command line itself.
    Usage(String),
    /// Something named on the command line does not exist (a code package name).
    NotFound(String),
    /// One or more tasks ended in a status other than `complete`.
    TaskNotComplete(String),
    /// Standard output could not be written.
    Output(io::Error),
    /// Standard output was closed by its reader (`| head`): stop quietly.
    OutputClosed,
}

impl From<iron_worker::Error> for CliError {
    fn from(error: iron_worker::Error) -> Self {
        CliError::Core(error)
    }
}

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            CliError::OutputClosed
        } else {
            CliError::Output(error)
        }
    }
}

impl CliError {
    /// The exit code of this failure.
    pub fn code(&self) -> u8 {
        match self {
            CliError::Core(error) => core_code(error),
            CliError::Usage(_) => USAGE,
            CliError::NotFound(_) => NOT_FOUND,
            CliError::TaskNotComplete(_) => TASK_NOT_COMPLETE,
            CliError::Output(_) => FILE,
            CliError::OutputClosed => OK,
        }
    }

    /// The message printed on stderr, or `None` when nothing should be printed.
    fn message(&self) -> Option<String> {
        let text = match self {
            CliError::Core(error) if error.status() == Some(401) => format!(
                "{error}\n(check the token given by --token, --config, iron.json / iron.ini, \
                 IRON_WORKER_TOKEN or IRON_TOKEN)"
            ),
            CliError::Core(error) => error.to_string(),
            CliError::Usage(msg) | CliError::NotFound(msg) | CliError::TaskNotComplete(msg) => {
                msg.clone()
            }
            CliError::Output(error) => format!("cannot write to standard output: {error}"),
            CliError::OutputClosed => return None,
        };
        Some(text)
    }
}

/// The exit code of a core error.
fn core_code(error: &iron_worker::Error) -> u8 {
    match error.kind() {
        ErrorKind::Config => CONFIG,
        ErrorKind::InvalidArgument => USAGE,
        ErrorKind::FileNotFound | ErrorKind::Io | ErrorKind::Packaging => FILE,
        ErrorKind::Timeout | ErrorKind::Connection => NETWORK,
        ErrorKind::Http => match error.status() {
            Some(401) => UNAUTHORIZED,
            Some(404) => NOT_FOUND,
            _ => HTTP,
        },
        // The answer could not be understood; and any kind added to the core later.
        _ => HTTP,
    }
}

/// Prints the failure on stderr and returns its exit code.
pub fn report(error: &CliError) -> ExitCode {
    if let Some(message) = error.message() {
        eprintln!("iron-worker: {message}");
    }
    ExitCode::from(error.code())
}
