//! Configuration: where the token, project id and endpoint come from.
//!
//! Precedence, highest first (DESIGN.md): constructor options > the config file given to the
//! constructor > `./iron.json` / `./iron.ini` > `IRON_WORKER_*` env > `IRON_*` env >
//! `~/.iron.json` / `~/.iron.ini` > defaults (https, worker-aws-us-east-1.iron.io, 443, v2).
//!
//! SKELETON: signatures are fixed; bodies are being written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::Result;

/// The API token: a secret that never shows in `Debug`, `Display`, errors or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The token itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What the caller passed to the constructor: an optional config file and key/value options.
///
/// Keys: `token`, `project_id`, `host`, `port`, `protocol` (alias `scheme`), `api_version`
/// (alias `version`), `timeout`, `upload_timeout`, `max_retries`. Values may be strings or
/// numbers; `null` means "not given". An unknown key is an [`crate::Error::InvalidArgument`].
#[derive(Debug, Clone, Default)]
pub struct ConfigOptions {
    /// The config file named by the caller (INI or JSON); an error if missing or malformed.
    pub config_file: Option<PathBuf>,
    /// Options as given, already validated and normalised to canonical key names.
    pub values: Map<String, Value>,
}

impl ConfigOptions {
    /// Builds options from a config file path and a map of keyword options.
    pub fn from_map(config_file: Option<PathBuf>, values: &Map<String, Value>) -> Result<Self> {
        let _ = (config_file, values);
        todo!()
    }
}

/// The environment a configuration is resolved in; injectable for tests.
pub struct Environment {
    /// Environment variables.
    pub vars: Box<dyn Fn(&str) -> Option<String>>,
    /// The current directory (where `iron.json` / `iron.ini` are looked for).
    pub cwd: PathBuf,
    /// The home directory (where `.iron.json` / `.iron.ini` are looked for).
    pub home: Option<PathBuf>,
}

impl Environment {
    /// The real process environment.
    pub fn from_process() -> Self {
        todo!()
    }
}

/// A resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The API token.
    pub token: Token,
    /// The project id (24 hex characters on the hosted service; not enforced).
    pub project_id: String,
    /// API host name.
    pub host: String,
    /// API port.
    pub port: u16,
    /// `https` or `http`.
    pub protocol: String,
    /// API version, `2`.
    pub api_version: String,
    /// Timeout for ordinary requests.
    pub timeout: Duration,
    /// Timeout for code uploads and downloads.
    pub upload_timeout: Duration,
    /// How many times a 503/504 or a connection failure before any response is retried.
    pub max_retries: u32,
}

impl Config {
    /// Resolves options against the process environment.
    pub fn load(options: &ConfigOptions) -> Result<Config> {
        Config::load_in(options, &Environment::from_process())
    }

    /// Resolves options against a given environment.
    pub fn load_in(options: &ConfigOptions, env: &Environment) -> Result<Config> {
        let _ = (options, env);
        todo!()
    }

    /// `{protocol}://{host}:{port}/{api_version}`, with no trailing slash.
    pub fn base_url(&self) -> String {
        todo!()
    }

    /// Reads one config file (INI or JSON) into canonical keys; used by `load_in`.
    pub fn read_file(path: &Path) -> Result<Map<String, Value>> {
        let _ = path;
        todo!()
    }
}
