//! Options of the API calls, parsed from the key/value maps the bindings pass.
//!
//! Every `from_map` rejects an unknown key with [`crate::Error::InvalidArgument`] naming it,
//! accepts numbers given as numbers or numeric strings, and treats `null` as "not given".
//!
//! Integers may be JSON integers, integral floats (`5.0`) or numeric strings (`"5"`); booleans
//! are never numbers. An empty string for a text option (`label=""`) counts as not given. A value
//! of the wrong type or out of range is an [`crate::Error::InvalidArgument`] naming the option
//! and what it expects.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Task statuses, in the order the API documents them.
pub const TASK_STATUSES: &[&str] = &[
    "queued",
    "preparing",
    "running",
    "complete",
    "error",
    "cancelled",
    "killed",
    "timeout",
];

/// Largest Unix time accepted for a schedule: 9999-12-31T23:59:59Z, the last RFC 3339 second.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

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
    ///
    /// `config` keeps a string as it is and JSON-encodes any other value; `env_vars` is a map
    /// whose numbers and booleans are turned into strings. `max_concurrency` is a positive
    /// integer or `-1` (no limit), `retries` 0-10, `default_priority` 0-2.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let reader = Reader::new(
            map,
            "postCode",
            &[
                "runtime",
                "stack",
                "config",
                "max_concurrency",
                "retries",
                "retries_delay",
                "default_priority",
                "env_vars",
            ],
        )?;

        let max_concurrency = reader.int("max_concurrency", -1..=i64::MAX)?;
        if max_concurrency == Some(0) {
            return Err(Error::InvalidArgument(
                "max_concurrency must be a positive integer, or -1 for no limit (got 0, which \
                 would never run a task)"
                    .to_string(),
            ));
        }

        Ok(CodeOptions {
            runtime: reader.text("runtime")?,
            stack: reader.text("stack")?,
            config: code_config(reader.value("config"))?,
            max_concurrency,
            retries: reader.int("retries", 0..=10)?,
            retries_delay: reader.int("retries_delay", 0..=i64::MAX)?,
            default_priority: reader.int("default_priority", 0..=2)?,
            env_vars: env_vars(reader.value("env_vars"))?,
        })
    }
}

impl TaskOptions {
    /// Parses `priority, timeout, delay, cluster, label`.
    ///
    /// `priority` is 0-2, `timeout` a positive number of seconds, `delay` zero or more seconds.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let reader = Reader::new(
            map,
            "postTask",
            &["priority", "timeout", "delay", "cluster", "label"],
        )?;

        Ok(TaskOptions {
            priority: reader.int("priority", 0..=2)?,
            timeout: reader.int("timeout", 1..=i64::MAX)?,
            delay: reader.int("delay", 0..=i64::MAX)?,
            cluster: reader.text("cluster")?,
            label: reader.text("label")?,
        })
    }
}

impl Page {
    /// Parses `page, per_page`.
    ///
    /// `page` counts from 0; `per_page` is 1-100 (the API's maximum).
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let reader = Reader::new(map, "a list call", &["page", "per_page"])?;
        Page::read(&reader)
    }

    fn read(reader: &Reader<'_>) -> Result<Self> {
        let page = reader.int("page", 0..=i64::from(u32::MAX))?;
        let per_page = reader.int("per_page", 1..=100)?;
        Ok(Page {
            page: page.map(|p| p as u32),
            per_page: per_page.map(|p| p as u32),
        })
    }
}

impl TaskFilter {
    /// Parses `page, per_page, code_name, status` (a string or list) or one flag per status
    /// (`queued=True`, ...), `from_time, to_time, label, cluster`.
    ///
    /// `status` may also be a comma-separated string (`"complete,error"`). A flag set to
    /// `true` (or 1) adds its status and `false` (or 0) is ignored; the statuses are kept in the
    /// order given, without duplicates. Times are Unix seconds (a fractional time is rounded
    /// down).
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let mut allowed = vec![
            "page",
            "per_page",
            "code_name",
            "status",
            "from_time",
            "to_time",
            "label",
            "cluster",
        ];
        allowed.extend_from_slice(TASK_STATUSES);
        let reader = Reader::new(map, "getTasks", &allowed)?;

        let mut statuses = Vec::new();
        for status in status_list(reader.value("status"))? {
            push_unique(&mut statuses, status);
        }
        for status in TASK_STATUSES {
            if reader.flag(status)? {
                push_unique(&mut statuses, (*status).to_string());
            }
        }

        let from_time = reader.unix_time("from_time")?;
        let to_time = reader.unix_time("to_time")?;
        if let (Some(from), Some(to)) = (from_time, to_time) {
            if from > to {
                return Err(Error::InvalidArgument(format!(
                    "from_time ({from}) is after to_time ({to})"
                )));
            }
        }

        Ok(TaskFilter {
            page: Page::read(&reader)?,
            code_name: reader.text("code_name")?,
            statuses,
            from_time,
            to_time,
            label: reader.text("label")?,
            cluster: reader.text("cluster")?,
        })
    }
}

impl ScheduleOptions {
    /// Parses `start_at, delay, run_every, end_at, run_times, priority, timeout, cluster, label`.
    ///
    /// `start_at` and `end_at` are RFC 3339 strings (`2026-12-03T17:00:00Z`) or Unix seconds
    /// (converted to RFC 3339 in UTC); `end_at` may not precede `start_at`. `run_every` is at
    /// least 60 seconds, the API's minimum; `run_times` at least 1.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let reader = Reader::new(
            map,
            "postSchedule",
            &[
                "start_at",
                "delay",
                "run_every",
                "end_at",
                "run_times",
                "priority",
                "timeout",
                "cluster",
                "label",
            ],
        )?;

        let start_at = reader.time("start_at")?;
        let end_at = reader.time("end_at")?;
        if let (Some((start, start_text)), Some((end, end_text))) = (&start_at, &end_at) {
            if end < start {
                return Err(Error::InvalidArgument(format!(
                    "end_at ({end_text}) is before start_at ({start_text})"
                )));
            }
        }

        let run_every = reader.int("run_every", i64::MIN..=i64::MAX)?;
        if let Some(every) = run_every.filter(|every| *every < 60) {
            return Err(Error::InvalidArgument(format!(
                "run_every must be at least 60 seconds (the API's minimum), got {every}"
            )));
        }

        Ok(ScheduleOptions {
            start_at: start_at.map(|(_, text)| text),
            delay: reader.int("delay", 0..=i64::MAX)?,
            run_every,
            end_at: end_at.map(|(_, text)| text),
            run_times: reader.int("run_times", 1..=i64::MAX)?,
            priority: reader.int("priority", 0..=2)?,
            timeout: reader.int("timeout", 1..=i64::MAX)?,
            cluster: reader.text("cluster")?,
            label: reader.text("label")?,
        })
    }
}

impl WaitOptions {
    /// Parses `interval` (alias `sleep`, seconds), `max_wait` (alias `max_wait_time`, seconds; 0 = no limit).
    ///
    /// Seconds may be fractional. `max_interval` (seconds) caps the doubling pause; a first
    /// pause longer than the cap raises the cap to it, so `sleep=10` polls every 10 seconds.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self> {
        let reader = Reader::new(
            map,
            "waitFor",
            &[
                "interval",
                "sleep",
                "max_interval",
                "max_wait",
                "max_wait_time",
            ],
        )?;
        let mut options = WaitOptions::default();

        if let Some((name, value)) = reader.either("interval", "sleep")? {
            options.interval = duration(name, value, false)?.unwrap_or(options.interval);
        }
        if let Some(value) = reader.value("max_interval") {
            options.max_interval =
                duration("max_interval", value, false)?.unwrap_or(options.max_interval);
        }
        options.max_interval = options.max_interval.max(options.interval);

        if let Some((name, value)) = reader.either("max_wait", "max_wait_time")? {
            options.max_wait = duration(name, value, true)?;
        }
        Ok(options)
    }
}

/// Formats a Unix time (seconds) as RFC 3339 in UTC, e.g. `2026-12-03T17:00:00Z`.
///
/// Works for any `i64`; years outside 0000-9999 are written with more digits or a sign, which
/// RFC 3339 does not allow, so callers validate the range first.
pub fn rfc3339_from_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Parses an RFC 3339 time into Unix seconds (fractions dropped), or `None` if malformed.
///
/// Accepts `T`, `t` or a space between date and time, and `Z`, `z` or `±HH:MM` as the offset.
pub fn unix_from_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let fixed = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let separators_ok = b[4] == b'-' && b[7] == b'-' && b[13] == b':' && b[16] == b':';
    if !separators_ok {
        return None;
    }

    let (year, month, day) = (fixed(0..4)?, fixed(5..7)?, fixed(8..10)?);
    let (hour, minute, second) = (fixed(11..13)?, fixed(14..16)?, fixed(17..19)?);
    let in_range = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    if !in_range {
        return None;
    }

    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let o = rest.as_bytes();
            if o.len() != 6 || !matches!(o[0], b'+' | b'-') || o[3] != b':' {
                return None;
            }
            let digits = |r: std::ops::Range<usize>| -> Option<i64> {
                let part = rest.get(r)?;
                part.bytes()
                    .all(|c| c.is_ascii_digit())
                    .then(|| part.parse().ok())?
            };
            let (h, m) = (digits(1..3)?, digits(4..6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let sign = if o[0] == b'-' { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
    };

    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// The (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day count since 1970-01-01 of a (year, month, day); the inverse of `civil_from_days`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads typed options out of one call's map, after checking its keys.
struct Reader<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Reader<'a> {
    /// Rejects any key not in `allowed`, naming it, the call and the valid keys.
    fn new(map: &'a Map<String, Value>, call: &str, allowed: &[&str]) -> Result<Self> {
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(Error::InvalidArgument(format!(
                "unknown option `{unknown}` for {call}; valid options are: {}",
                allowed.join(", ")
            )));
        }
        Ok(Reader { map })
    }

    /// The value of `key`, `None` when absent or `null`.
    fn value(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The value under either of two names of one option; an error if both are given.
    fn either(
        &self,
        name: &'static str,
        alias: &'static str,
    ) -> Result<Option<(&'static str, &'a Value)>> {
        match (self.value(name), self.value(alias)) {
            (Some(_), Some(_)) => Err(Error::InvalidArgument(format!(
                "`{name}` and `{alias}` are the same option; give only one"
            ))),
            (Some(v), None) => Ok(Some((name, v))),
            (None, Some(v)) => Ok(Some((alias, v))),
            (None, None) => Ok(None),
        }
    }

    /// An integer within `range`.
    fn int(&self, key: &str, range: RangeInclusive<i64>) -> Result<Option<i64>> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        let n = integer(value).ok_or_else(|| {
            Error::InvalidArgument(format!("{key} must be an integer, got {}", describe(value)))
        })?;

        if range.contains(&n) {
            return Ok(Some(n));
        }
        let expected = match (*range.start(), *range.end()) {
            (lo, i64::MAX) => format!("at least {lo}"),
            (lo, hi) => format!("from {lo} to {hi}"),
        };
        Err(Error::InvalidArgument(format!(
            "{key} must be {expected}, got {n}"
        )))
    }

    /// A text option; an empty string counts as not given.
    fn text(&self, key: &str) -> Result<Option<String>> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(Error::InvalidArgument(format!(
                "{key} must be a string, got {}",
                describe(other)
            ))),
        }
    }

    /// A status flag: `true`/1 sets it, `false`/0 or absence does not.
    fn flag(&self, key: &str) -> Result<bool> {
        match self.value(key) {
            None | Some(Value::Bool(false)) => Ok(false),
            Some(Value::Bool(true)) => Ok(true),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
            Some(other) => Err(Error::InvalidArgument(format!(
                "{key} must be true or false, got {}",
                describe(other)
            ))),
        }
    }

    /// Unix seconds, fractions rounded down; not negative.
    fn unix_time(&self, key: &str) -> Result<Option<i64>> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        match number(value).map(f64::floor) {
            Some(t) if (0.0..=MAX_UNIX_SECONDS as f64).contains(&t) => Ok(Some(t as i64)),
            _ => Err(Error::InvalidArgument(format!(
                "{key} must be a Unix time in seconds, got {}",
                describe(value)
            ))),
        }
    }

    /// A point in time: an RFC 3339 string or Unix seconds, as (Unix seconds, RFC 3339 text).
    fn time(&self, key: &str) -> Result<Option<(i64, String)>> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        let bad = || {
            Error::InvalidArgument(format!(
                "{key} must be an RFC 3339 time such as 2026-12-03T17:00:00Z or Unix seconds, \
                 got {}",
                describe(value)
            ))
        };

        if let Some(secs) = number(value) {
            let secs = secs.floor();
            if !(0.0..=MAX_UNIX_SECONDS as f64).contains(&secs) {
                return Err(bad());
            }
            return Ok(Some((secs as i64, rfc3339_from_unix(secs as i64))));
        }

        let Value::String(text) = value else {
            return Err(bad());
        };
        let text = text.trim();
        let secs = unix_from_rfc3339(text).ok_or_else(bad)?;
        let mut normalised = text.to_string();
        normalised.replace_range(10..11, "T");
        if normalised.ends_with('z') {
            normalised.pop();
            normalised.push('Z');
        }
        Ok(Some((secs, normalised)))
    }
}

/// An integer from a JSON integer, an integral float or a numeric string.
fn integer(value: &Value) -> Option<i64> {
    let n = number(value)?;
    if let Value::Number(num) = value {
        if let Some(i) = num.as_i64() {
            return Some(i);
        }
    }
    if let Value::String(s) = value {
        if let Ok(i) = s.trim().parse::<i64>() {
            return Some(i);
        }
    }
    (n.fract() == 0.0 && n.abs() < 9.0e15).then_some(n as i64)
}

/// A finite number from a JSON number or a numeric string; never from a boolean.
fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    n.filter(|n| n.is_finite())
}

/// Seconds as a duration; `allow_zero` makes 0 mean "no limit" (`None`).
fn duration(key: &str, value: &Value, allow_zero: bool) -> Result<Option<Duration>> {
    let secs = number(value);
    if allow_zero && secs == Some(0.0) {
        return Ok(None);
    }

    match secs.filter(|s| *s > 0.0).map(Duration::try_from_secs_f64) {
        Some(Ok(d)) => Ok(Some(d)),
        _ => {
            let expected = if allow_zero {
                "a positive number of seconds, or 0 for no limit"
            } else {
                "a positive number of seconds"
            };
            Err(Error::InvalidArgument(format!(
                "{key} must be {expected}, got {}",
                describe(value)
            )))
        }
    }
}

/// A short description of a value for messages: its type, and the value when short.
fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".to_string(),
        Value::Bool(b) => return format!("boolean {b}"),
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => return "a list".to_string(),
        Value::Object(_) => return "a map".to_string(),
    };
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{kind} {}...", text.chars().take(37).collect::<String>())
    } else {
        format!("{kind} {text}")
    }
}

/// The code's config text: a string as is, anything else JSON-encoded.
fn code_config(value: Option<&Value>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => serde_json::to_string(other)
            .map(Some)
            .map_err(|e| Error::InvalidArgument(format!("config cannot be JSON-encoded: {e}"))),
    }
}

/// Environment variables for the worker: names to strings, numbers and booleans stringified.
fn env_vars(value: Option<&Value>) -> Result<BTreeMap<String, String>> {
    let mut vars = BTreeMap::new();
    let object = match value {
        None => return Ok(vars),
        Some(Value::Object(object)) => object,
        Some(other) => {
            return Err(Error::InvalidArgument(format!(
                "env_vars must be a map of names to strings, got {}",
                describe(other)
            )))
        }
    };

    for (name, value) in object {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(Error::InvalidArgument(format!(
                "env_vars name {name:?} is not a valid environment variable name"
            )));
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "env_vars.{name} must be a string, number or boolean, got {}",
                    describe(other)
                )))
            }
        };
        if text.contains('\0') {
            return Err(Error::InvalidArgument(format!(
                "env_vars.{name} contains a NUL character"
            )));
        }
        vars.insert(name.clone(), text);
    }
    Ok(vars)
}

/// The statuses named by `status`: a string (comma-separated allowed) or a list of strings.
fn status_list(value: Option<&Value>) -> Result<Vec<String>> {
    let names: Vec<&str> = match value {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => s.split(',').collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.as_str()),
                other => Err(Error::InvalidArgument(format!(
                    "status must be a string or a list of strings, but the list holds {}",
                    describe(other)
                ))),
            })
            .collect::<Result<_>>()?,
        Some(other) => {
            return Err(Error::InvalidArgument(format!(
                "status must be a string or a list of strings, got {}",
                describe(other)
            )))
        }
    };

    let mut statuses = Vec::new();
    for name in names {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        if !TASK_STATUSES.contains(&name.as_str()) {
            return Err(Error::InvalidArgument(format!(
                "status {name:?} is not a task status; valid statuses are: {}",
                TASK_STATUSES.join(", ")
            )));
        }
        statuses.push(name);
    }
    Ok(statuses)
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}
