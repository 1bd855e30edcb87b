//! Configuration: where the token, project id and endpoint come from.
//!
//! Precedence, highest first (DESIGN.md): constructor options > the config file given to the
//! constructor > `./iron.json` / `./iron.ini` > `IRON_WORKER_*` env > `IRON_*` env >
//! `~/.iron.json` / `~/.iron.ini` > defaults (https, worker-aws-us-east-1.iron.io, 443, v2).
//!
//! Each key is taken from the highest source that sets it to a non-empty value, so a file may
//! give the host while the environment gives the token. Only the winning value of a key is
//! validated, and an error names the key and the exact place it came from (file and line, JSON
//! key, environment variable or constructor option).
//!
//! Files are JSON when their name ends in `.json` or their text starts with `{`, INI otherwise.
//! In JSON, top-level keys are read first, then overridden by the `iron` sub-object, then by the
//! `iron_worker` sub-object. In INI, keys before any section are overridden by `[iron]`, then by
//! the legacy `[IronWorker]`, then by `[iron_worker]`. Keys meant for other products are ignored
//! in files (they are shared by every Iron.io client), but an unknown constructor option is an
//! error. A file given explicitly must exist; a file found automatically is skipped only when it
//! is absent, never when it is malformed.

mod ini;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// The hosted service's default API host.
pub const DEFAULT_HOST: &str = "worker-aws-us-east-1.iron.io";

/// The default protocol: the hosted service only speaks https.
pub const DEFAULT_PROTOCOL: &str = "https";

/// The API version this client speaks.
pub const DEFAULT_API_VERSION: &str = "2";

/// Default timeout for ordinary requests: long enough for a slow list call, short enough to
/// notice a dead server.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default timeout for uploads and downloads, which move whole code packages.
pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// Default number of retries of a 503/504 or a failed connection, as the official clients do.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// Canonical option names, in the order messages list them.
const OPTION_NAMES: &str = "token, project_id, host, port, protocol (alias scheme), \
                            api_version (alias version), timeout, upload_timeout, max_retries";

/// Environment variable suffixes and the key each sets; `PROTOCOL` beats `SCHEME`.
const ENV_KEYS: &[(&str, &str)] = &[
    ("TOKEN", "token"),
    ("PROJECT_ID", "project_id"),
    ("HOST", "host"),
    ("PORT", "port"),
    ("PROTOCOL", "protocol"),
    ("SCHEME", "protocol"),
    ("API_VERSION", "api_version"),
];

/// The environment variable prefixes, highest precedence first.
const ENV_PREFIXES: &[&str] = &["IRON_WORKER_", "IRON_"];

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
///
/// Its `Debug` output shows `<redacted>` in place of the token.
#[derive(Clone, Default)]
pub struct ConfigOptions {
    /// The config file named by the caller (INI or JSON); an error if missing or malformed.
    pub config_file: Option<PathBuf>,
    /// Options as given, already validated and normalised to canonical key names.
    pub values: Map<String, Value>,
}

impl ConfigOptions {
    /// Builds options from a config file path and a map of keyword options.
    ///
    /// `null` and empty-string values count as not given. A bad value (port `"abc"`, protocol
    /// `"ftp"`) is an [`Error::Config`] naming the option; an unknown name, an empty config
    /// path, or an option given under both its names with different values is an
    /// [`Error::InvalidArgument`].
    pub fn from_map(config_file: Option<PathBuf>, values: &Map<String, Value>) -> Result<Self> {
        if config_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(Error::InvalidArgument(
                "config file path is empty; pass a path to an INI or JSON file, or none"
                    .to_string(),
            ));
        }

        let mut normalised = Map::new();
        let mut given_as: HashMap<&'static str, &str> = HashMap::new();
        for (name, value) in values {
            let key = option_key(name)?;
            let origin = format!("constructor option `{name}`");
            let Some(value) = normalise(key, value, &origin)? else {
                continue;
            };

            if let Some(first) = given_as.get(key) {
                if normalised.get(key) != Some(&value) {
                    return Err(Error::InvalidArgument(format!(
                        "options `{first}` and `{name}` are the same setting but have \
                         different values; give only one"
                    )));
                }
                continue;
            }
            given_as.insert(key, name);
            normalised.insert(key.to_string(), value);
        }

        Ok(ConfigOptions {
            config_file,
            values: normalised,
        })
    }
}

impl std::fmt::Debug for ConfigOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut values = self.values.clone();
        if let Some(token) = values.get_mut("token") {
            *token = Value::from("<redacted>");
        }
        f.debug_struct("ConfigOptions")
            .field("config_file", &self.config_file)
            .field("values", &values)
            .finish()
    }
}

/// Looks up an environment variable by name.
pub type VarLookup = dyn Fn(&str) -> Option<String>;

/// The environment a configuration is resolved in; injectable for tests.
pub struct Environment {
    /// Environment variables.
    pub vars: Box<VarLookup>,
    /// The current directory (where `iron.json` / `iron.ini` are looked for).
    pub cwd: PathBuf,
    /// The home directory (where `.iron.json` / `.iron.ini` are looked for).
    pub home: Option<PathBuf>,
}

impl Environment {
    /// The real process environment.
    ///
    /// The home directory is `$HOME` (or `%USERPROFILE%`); when the current directory cannot be
    /// determined, `.` is used, so relative paths still resolve against it.
    pub fn from_process() -> Self {
        let home = ["HOME", "USERPROFILE"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|h| !h.is_empty())
            .map(PathBuf::from);

        Environment {
            vars: Box::new(|name| std::env::var(name).ok()),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            home,
        }
    }

    /// An environment with the given variables, current directory and home directory.
    pub fn with_vars(
        vars: HashMap<String, String>,
        cwd: impl Into<PathBuf>,
        home: Option<PathBuf>,
    ) -> Self {
        Environment {
            vars: Box::new(move |name| vars.get(name).cloned()),
            cwd: cwd.into(),
            home,
        }
    }
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("cwd", &self.cwd)
            .field("home", &self.home)
            .finish_non_exhaustive()
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
    ///
    /// Every config file in the chain is read (so a malformed one is reported even when a
    /// higher source already sets every key); then each key takes the value of the highest
    /// source that sets it, and that value is validated.
    pub fn load_in(options: &ConfigOptions, env: &Environment) -> Result<Config> {
        let mut entries = Vec::new();
        let mut local_files = Vec::new();
        let mut home_files = Vec::new();

        for (name, value) in &options.values {
            entries.push(Entry {
                key: option_key(name)?,
                value: value.clone(),
                origin: format!("constructor option `{name}`"),
            });
        }

        if let Some(given) = &options.config_file {
            let path = resolve_given_path(given, env);
            let label = if path == *given {
                given.display().to_string()
            } else {
                format!("{} ({})", given.display(), path.display())
            };
            local_files.push(format!("config file {label}"));
            entries.extend(read_entries(&path, &label)?);
        }

        for name in ["iron.json", "iron.ini"] {
            let path = env.cwd.join(name);
            local_files.push(format!("./{name} ({})", path.display()));
            entries.extend(read_if_present(&path)?);
        }

        for prefix in ENV_PREFIXES {
            for (suffix, key) in ENV_KEYS {
                let var = format!("{prefix}{suffix}");
                if let Some(value) = (env.vars)(&var) {
                    entries.push(Entry {
                        key,
                        value: Value::String(value),
                        origin: format!("environment variable {var}"),
                    });
                }
            }
        }

        for name in [".iron.json", ".iron.ini"] {
            match &env.home {
                Some(home) => {
                    let path = home.join(name);
                    home_files.push(format!("~/{name} ({})", path.display()));
                    entries.extend(read_if_present(&path)?);
                }
                None => home_files.push(format!("~/{name} (no home directory)")),
            }
        }

        let winners = pick_winners(entries)?;
        build(winners, &local_files, &home_files)
    }

    /// `{protocol}://{host}:{port}/{api_version}`, with no trailing slash.
    ///
    /// An IPv6 host is put in brackets.
    pub fn base_url(&self) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "{}://{}:{}/{}",
            self.protocol, host, self.port, self.api_version
        )
    }

    /// Reads one config file (INI or JSON) into canonical keys; used by `load_in`.
    ///
    /// Values are validated and normalised (port as a number, protocol lower-cased, ...); keys
    /// the file does not set are absent. A missing, unreadable or malformed file is an
    /// [`Error::Config`] naming it.
    pub fn read_file(path: &Path) -> Result<Map<String, Value>> {
        let label = path.display().to_string();
        let winners = pick_winners(read_entries(path, &label)?)?;

        let mut map = Map::new();
        for (key, (value, _origin)) in winners {
            map.insert(key.to_string(), value);
        }
        Ok(map)
    }
}

/// One value for one key, with the place it came from (for messages).
struct Entry {
    key: &'static str,
    value: Value,
    origin: String,
}

/// The canonical key of an option name, aliases included.
fn canonical_key(name: &str) -> Option<&'static str> {
    let key = match name {
        "token" => "token",
        "project_id" => "project_id",
        "host" => "host",
        "port" => "port",
        "protocol" | "scheme" => "protocol",
        "api_version" | "version" => "api_version",
        "timeout" => "timeout",
        "upload_timeout" => "upload_timeout",
        "max_retries" => "max_retries",
        _ => return None,
    };
    Some(key)
}

/// The canonical key of a constructor option, or an error naming the unknown one.
fn option_key(name: &str) -> Result<&'static str> {
    canonical_key(name).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "unknown config option `{name}`; valid options are: {OPTION_NAMES}"
        ))
    })
}

/// Whether an option name is an alias (so the canonical name wins within one source).
fn is_alias(name: &str) -> bool {
    matches!(name, "scheme" | "version")
}

/// Keeps, for each key, the first entry with a value, validated and normalised.
fn pick_winners(entries: Vec<Entry>) -> Result<HashMap<&'static str, (Value, String)>> {
    let mut winners = HashMap::new();
    for entry in entries {
        if winners.contains_key(entry.key) {
            continue;
        }
        if let Some(value) = normalise(entry.key, &entry.value, &entry.origin)? {
            winners.insert(entry.key, (value, entry.origin));
        }
    }
    Ok(winners)
}

/// Builds the configuration from the winning values, or says what is missing and where it
/// looked (`local_files` are searched before the environment, `home_files` after it).
fn build(
    mut winners: HashMap<&'static str, (Value, String)>,
    local_files: &[String],
    home_files: &[String],
) -> Result<Config> {
    for (key, (_, origin)) in &winners {
        tracing::debug!(key = *key, origin = origin.as_str(), "configuration value");
    }

    let mut take_str = |key: &str| match winners.remove(key) {
        Some((Value::String(s), _)) => Some(s),
        _ => None,
    };
    let token = take_str("token");
    let project_id = take_str("project_id");
    let host = take_str("host");
    let protocol = take_str("protocol");
    let api_version = take_str("api_version");

    let (token, project_id) = match (token, project_id) {
        (Some(token), Some(project_id)) => (token, project_id),
        (token, project_id) => {
            let missing = Missing {
                token: token.is_none(),
                project_id: project_id.is_none(),
            };
            return Err(missing.error(local_files, home_files));
        }
    };

    let protocol = protocol.unwrap_or_else(|| DEFAULT_PROTOCOL.to_string());
    let number = |key: &str| winners.get(key).and_then(|(v, _)| v.as_f64());
    let port = match number("port") {
        Some(port) => port as u16,
        None if protocol == "http" => 80,
        None => 443,
    };
    let seconds = |key: &str, default: Duration| {
        number(key)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or(default)
    };

    Ok(Config {
        token: Token::new(token),
        project_id,
        host: host.unwrap_or_else(|| DEFAULT_HOST.to_string()),
        port,
        protocol,
        api_version: api_version.unwrap_or_else(|| DEFAULT_API_VERSION.to_string()),
        timeout: seconds("timeout", DEFAULT_TIMEOUT),
        upload_timeout: seconds("upload_timeout", DEFAULT_UPLOAD_TIMEOUT),
        max_retries: number("max_retries").map_or(DEFAULT_MAX_RETRIES, |n| n as u32),
    })
}

/// Which of the two required settings no source gave.
struct Missing {
    token: bool,
    project_id: bool,
}

impl Missing {
    /// The error naming what is missing and listing every place searched, in precedence order.
    fn error(&self, local_files: &[String], home_files: &[String]) -> Error {
        let mut missing = Vec::new();
        let mut vars = Vec::new();
        if self.token {
            missing.push("token");
            vars.extend(ENV_PREFIXES.iter().map(|p| format!("{p}TOKEN")));
        }
        if self.project_id {
            missing.push("project_id");
            vars.extend(ENV_PREFIXES.iter().map(|p| format!("{p}PROJECT_ID")));
        }

        let mut places = vec!["constructor options".to_string()];
        places.extend_from_slice(local_files);
        places.push(format!("environment variables {}", vars.join(", ")));
        places.extend_from_slice(home_files);

        Error::Config(format!(
            "no {} found; looked in: {}",
            missing.join(" and no "),
            places.join("; ")
        ))
    }
}

/// Expands a leading `~/` and makes a relative path relative to the environment's cwd.
fn resolve_given_path(given: &Path, env: &Environment) -> PathBuf {
    if let (Ok(rest), Some(home)) = (given.strip_prefix("~"), &env.home) {
        return home.join(rest);
    }
    if given.is_absolute() {
        given.to_path_buf()
    } else {
        env.cwd.join(given)
    }
}

/// Reads an automatically discovered file, skipping it only when it does not exist.
fn read_if_present(path: &Path) -> Result<Vec<Entry>> {
    match path.try_exists() {
        Ok(false) => Ok(Vec::new()),
        Ok(true) => read_entries(path, &path.display().to_string()),
        Err(e) => Err(Error::Config(format!(
            "cannot check config file {}: {e}",
            path.display()
        ))),
    }
}

/// Reads a config file into entries, highest precedence first.
fn read_entries(path: &Path, label: &str) -> Result<Vec<Entry>> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Config(format!("config file {label} not found"))
        } else {
            Error::Config(format!("cannot read config file {label}: {e}"))
        }
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Config(format!("config file {label} is not UTF-8 text")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);

    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if is_json {
        json_entries(text, label)
    } else {
        ini_entries(text, label)
    }
}

/// Entries of a JSON file: `iron_worker` sub-object, then `iron`, then top level.
fn json_entries(text: &str, label: &str) -> Result<Vec<Entry>> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| Error::Config(format!("config file {label} is not valid JSON: {e}")))?;
    let Value::Object(root) = root else {
        return Err(Error::Config(format!(
            "config file {label} must hold a JSON object"
        )));
    };

    let mut entries = Vec::new();
    for section in ["iron_worker", "iron"] {
        match root.get(section) {
            None | Some(Value::Null) => {}
            Some(Value::Object(sub)) => {
                entries.extend(json_level(sub, label, &format!("{section}.")))
            }
            Some(_) => {
                return Err(Error::Config(format!(
                    "key `{section}` in config file {label} must be a JSON object"
                )))
            }
        }
    }
    entries.extend(json_level(&root, label, ""));
    Ok(entries)
}

/// Entries of one JSON object level, canonical names before aliases.
fn json_level(object: &Map<String, Value>, label: &str, prefix: &str) -> Vec<Entry> {
    let mut found: Vec<(bool, Entry)> = object
        .iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let key = canonical_key(&lower)?;
            let entry = Entry {
                key,
                value: value.clone(),
                origin: format!("{label}, key `{prefix}{name}`"),
            };
            Some((is_alias(&lower), entry))
        })
        .collect();
    found.sort_by_key(|(alias, _)| *alias);
    found.into_iter().map(|(_, e)| e).collect()
}

/// Entries of an INI file: `[iron_worker]`, `[IronWorker]`, `[iron]`, then keys before any
/// section; within a section the last line of a key wins.
fn ini_entries(text: &str, label: &str) -> Result<Vec<Entry>> {
    let parsed = ini::parse(text).map_err(|e| {
        Error::Config(format!(
            "config file {label} line {}: {}",
            e.line, e.message
        ))
    })?;

    let rank = |section: &str| match section {
        "iron_worker" => Some(0),
        "ironworker" => Some(1),
        "iron" => Some(2),
        "" => Some(3),
        _ => None,
    };
    let mut found: Vec<(u8, bool, std::cmp::Reverse<usize>, Entry)> = parsed
        .into_iter()
        .filter_map(|e| {
            let rank = rank(&e.section)?;
            let key = canonical_key(&e.key)?;
            let place = if e.section.is_empty() {
                e.key.clone()
            } else {
                format!("[{}] {}", e.section, e.key)
            };
            let entry = Entry {
                key,
                value: Value::String(e.value),
                origin: format!("{label} line {} ({place})", e.line),
            };
            Some((rank, is_alias(&e.key), std::cmp::Reverse(e.line), entry))
        })
        .collect();
    found.sort_by_key(|(rank, alias, line, _)| (*rank, *alias, *line));
    Ok(found.into_iter().map(|(_, _, _, e)| e).collect())
}

/// Validates and normalises one value; `Ok(None)` when it counts as not given.
///
/// Strings are trimmed and an empty string counts as not given, so `IRON_TOKEN=` does not hide
/// a token set further down the chain.
fn normalise(key: &'static str, value: &Value, origin: &str) -> Result<Option<Value>> {
    if let Value::String(s) = value {
        if s.trim().is_empty() {
            return Ok(None);
        }
    }
    if value.is_null() {
        return Ok(None);
    }

    let checked = match key {
        "token" => check_token(value),
        "project_id" => check_project_id(value),
        "host" => check_host(value),
        "port" => integer(value)
            .filter(|p| (1..=65535).contains(p))
            .map(|p| Value::from(p as u64))
            .ok_or_else(|| "expected an integer from 1 to 65535".to_string()),
        "protocol" => check_protocol(value),
        "api_version" => check_api_version(value),
        "timeout" | "upload_timeout" => seconds(value)
            .filter(|s| *s > 0.0 && Duration::try_from_secs_f64(*s).is_ok())
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| "expected a positive number of seconds".to_string()),
        "max_retries" => integer(value)
            .filter(|n| (0..=i64::from(u32::MAX)).contains(n))
            .map(Value::from)
            .ok_or_else(|| "expected a non-negative integer".to_string()),
        _ => Err(format!("unknown key {key}")),
    };

    checked.map(Some).map_err(|reason| {
        if key == "token" {
            Error::Config(format!("invalid token from {origin}: {reason}"))
        } else {
            Error::Config(format!(
                "invalid {key} {} from {origin}: {reason}",
                show(value)
            ))
        }
    })
}

/// A short rendering of a bad value for messages (never used for the token).
fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

/// An integer from a JSON integer, an integral float or a numeric string; `None` otherwise.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
        }
        _ => None,
    }
}

/// A number of seconds from a JSON number or a numeric string; `None` otherwise.
fn seconds(value: &Value) -> Option<f64> {
    let secs = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    secs.filter(|s| s.is_finite())
}

/// A trimmed string value, or the reason it is not one.
fn string(value: &Value) -> std::result::Result<&str, String> {
    match value {
        Value::String(s) => Ok(s.trim()),
        _ => Err("expected a string".to_string()),
    }
}

fn check_token(value: &Value) -> std::result::Result<Value, String> {
    let token = string(value)?;
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters".to_string());
    }
    Ok(Value::from(token))
}

fn check_project_id(value: &Value) -> std::result::Result<Value, String> {
    let id = string(value)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(
            "expected letters, digits, `-` or `_` (24 hex characters on the hosted \
                    service)"
                .to_string(),
        );
    }
    Ok(Value::from(id))
}

fn check_host(value: &Value) -> std::result::Result<Value, String> {
    let host = string(value)?;
    if host.contains("://") {
        return Err("expected a bare host name; put the scheme in `protocol`".to_string());
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '@'))
    {
        return Err("expected a bare host name, without path, query or credentials".to_string());
    }
    if let Some((_, after)) = host.split_once(':') {
        let is_port = !after.is_empty() && after.chars().all(|c| c.is_ascii_digit());
        if is_port && host.matches(':').count() == 1 {
            return Err("expected a bare host name; put the port in `port`".to_string());
        }
    }
    Ok(Value::from(host))
}

fn check_protocol(value: &Value) -> std::result::Result<Value, String> {
    let protocol = string(value)?.to_ascii_lowercase();
    match protocol.as_str() {
        "http" | "https" => Ok(Value::from(protocol)),
        _ => Err("expected `https` or `http`".to_string()),
    }
}

fn check_api_version(value: &Value) -> std::result::Result<Value, String> {
    let version = match value {
        Value::Number(_) => match integer(value) {
            Some(n) => n.to_string(),
            None => value.to_string(),
        },
        other => string(other)?.to_string(),
    };
    let valid = version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(Value::from(version))
    } else {
        Err("expected a version such as 2".to_string())
    }
}
