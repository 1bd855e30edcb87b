//! The PHP runner added to the uploaded copy of a PHP worker's package.
//!
//! It defines `getArgs()`, `getPayload($assoc = false)`, `getConfig($assoc = false)` and
//! `setProgress()` for the worker, then runs the user's file. It carries no token.
//!
//! SKELETON: signatures are fixed; bodies are being written.

/// File name of the runner inside the uploaded archive.
pub const RUNNER_FILE_NAME: &str = "__iron_runner__.php";

/// The runner's PHP source, which ends by requiring `run_filename`.
pub fn runner_source(run_filename: &str) -> String {
    let _ = run_filename;
    todo!()
}
