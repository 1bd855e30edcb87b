//! Core of the `iron_worker` client: every rule of the IronWorker API lives here once.
//!
//! - [`config`]: where credentials and the endpoint come from, and in which order.
//! - [`package`]: `createZip` / `zipDirectory`, deterministic and atomic.
//! - [`client`]: the IronWorker v2 HTTP API (codes, tasks, schedules, project).
//! - [`worker`]: what a running worker reads (payload, config, task id) under the runtime contract.
//! - [`runtime`]: which interpreter runs a file, shared with the local server.
//!
//! The Python, Ruby and PHP bindings only convert values and map [`Error`] to exceptions.
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod error;
pub mod options;
pub mod package;
pub mod php_runner;
pub mod runtime;
pub mod worker;

mod http;
mod multipart;
mod retry;

pub use client::{Client, Interrupt};
pub use config::{Config, ConfigOptions, Token};
pub use error::{Error, ErrorKind, Result};
pub use options::{CodeOptions, Page, ScheduleOptions, TaskFilter, TaskOptions, WaitOptions};

/// The version of this crate, sent in the `User-Agent` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
