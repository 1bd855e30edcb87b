//! Durable state in SQLite: projects, code packages and their revisions, tasks, schedules.
//!
//! One connection behind a mutex: every statement is short, and one writer keeps the
//! dispatcher's view of queued tasks consistent without retries on `SQLITE_BUSY`.
//!
//! The mutex makes one *call* atomic, not one HTTP request: a handler that looks a row up,
//! lets the lock go and takes it again to write acts on a stale check. So every
//! check-then-write lives in one function here, in one transaction, and reports what it
//! found (`None` for a row that is gone) instead of trusting an earlier read. Unique
//! constraints back the invariants (one code per name and project, one revision per
//! number) so that a mistake fails loudly instead of losing or duplicating data.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::{json, Map, Value};

use crate::ids::{rfc3339, Millis};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    rev INTEGER NOT NULL,
    latest_history_id TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, name)
);
CREATE TABLE IF NOT EXISTS revisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    code_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rev INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    runtime TEXT,
    file_name TEXT,
    stack TEXT,
    image TEXT,
    command TEXT,
    config TEXT,
    max_concurrency INTEGER,
    retries INTEGER,
    retries_delay INTEGER,
    priority INTEGER,
    env_vars TEXT,
    checksum TEXT,
    code_size INTEGER,
    has_zip INTEGER NOT NULL
);
DROP INDEX IF EXISTS revisions_code;
CREATE UNIQUE INDEX IF NOT EXISTS revisions_code_rev ON revisions (code_id, rev);
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    code_id TEXT NOT NULL,
    code_history_id TEXT NOT NULL,
    code_name TEXT NOT NULL,
    code_rev INTEGER NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    delay INTEGER NOT NULL,
    payload TEXT NOT NULL,
    cluster TEXT NOT NULL,
    label TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    run_after INTEGER NOT NULL,
    start_time INTEGER,
    end_time INTEGER,
    msg TEXT,
    percent INTEGER,
    log_size INTEGER,
    schedule_id TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0,
    original_task_id TEXT,
    retry_task_id TEXT,
    error_class TEXT,
    exit_code INTEGER,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS tasks_queue ON tasks (status, run_after);
CREATE INDEX IF NOT EXISTS tasks_project ON tasks (project_id, seq);
CREATE TABLE IF NOT EXISTS schedules (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    code_name TEXT NOT NULL,
    payload TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    run_every INTEGER,
    end_at INTEGER,
    run_times INTEGER,
    priority INTEGER,
    timeout INTEGER,
    cluster TEXT,
    label TEXT,
    name TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    msg TEXT,
    run_count INTEGER NOT NULL DEFAULT 0,
    last_run_time INTEGER,
    next_start INTEGER,
    error_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS schedules_due ON schedules (status, next_start);
"#;

/// How many prepared statements the connection keeps for reuse.
const STATEMENT_CACHE: usize = 64;

/// The state database.
pub(crate) struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Room for every statement of the hot paths (queueing, dispatch, task reads), which
        // use `prepare_cached` so that SQLite parses each of them once per connection.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// The connection. A panic while it was held cannot leave SQLite inconsistent (every
    /// change is a statement or a transaction), so a poisoned lock is simply taken over.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

// ---- rows ----------------------------------------------------------------------------------

/// A code package: its name and the pointer to its latest revision.
#[derive(Debug, Clone)]
pub(crate) struct CodeRow {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub rev: i64,
    pub latest_history_id: String,
    pub paused: bool,
}

/// One uploaded revision of a code package, with the settings of that upload.
#[derive(Debug, Clone, Default)]
pub(crate) struct RevisionRow {
    pub id: String,
    pub code_id: String,
    pub project_id: String,
    pub name: String,
    pub rev: i64,
    pub created_at: Millis,
    pub runtime: Option<String>,
    pub file_name: Option<String>,
    pub stack: Option<String>,
    pub image: Option<String>,
    pub command: Option<String>,
    pub config: Option<String>,
    pub max_concurrency: Option<i64>,
    pub retries: Option<i64>,
    pub retries_delay: Option<i64>,
    pub priority: Option<i64>,
    pub env_vars: Option<String>,
    pub checksum: Option<String>,
    pub code_size: Option<i64>,
    pub has_zip: bool,
}

/// A task.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskRow {
    pub id: String,
    pub project_id: String,
    pub code_id: String,
    pub code_history_id: String,
    pub code_name: String,
    pub code_rev: i64,
    pub status: String,
    pub priority: i64,
    pub timeout: i64,
    pub delay: i64,
    pub payload: String,
    pub cluster: String,
    pub label: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub run_after: Millis,
    pub start_time: Option<Millis>,
    pub end_time: Option<Millis>,
    pub msg: Option<String>,
    pub percent: Option<i64>,
    pub log_size: Option<i64>,
    pub schedule_id: Option<String>,
    pub retry_count: i64,
    pub original_task_id: Option<String>,
    pub retry_task_id: Option<String>,
    pub error_class: Option<String>,
    pub exit_code: Option<i64>,
    pub pid: Option<i64>,
}

/// A schedule.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScheduleRow {
    pub id: String,
    pub project_id: String,
    pub code_name: String,
    pub payload: String,
    pub start_at: Millis,
    pub run_every: Option<i64>,
    pub end_at: Option<Millis>,
    pub run_times: Option<i64>,
    pub priority: Option<i64>,
    pub timeout: Option<i64>,
    pub cluster: Option<String>,
    pub label: Option<String>,
    pub name: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub status: String,
    pub msg: Option<String>,
    pub run_count: i64,
    pub last_run_time: Option<Millis>,
    pub next_start: Option<Millis>,
    pub error_count: i64,
}

/// Task statuses after which nothing changes.
pub(crate) const TERMINAL: [&str; 5] = ["complete", "error", "cancelled", "timeout", "killed"];

/// True if a task in `status` has ended.
pub(crate) fn is_terminal(status: &str) -> bool {
    TERMINAL.contains(&status)
}

fn put(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_string(), value.into());
}

fn put_opt<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v.into());
    }
}

fn put_time(map: &mut Map<String, Value>, key: &str, value: Option<Millis>) {
    if let Some(ms) = value {
        map.insert(key.to_string(), Value::String(rfc3339(ms)));
    }
}

impl CodeRow {
    const COLUMNS: &'static str =
        "id, project_id, name, created_at, updated_at, rev, latest_history_id, paused";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(CodeRow {
            id: row.get(0)?,
            project_id: row.get(1)?,
            name: row.get(2)?,
            created_at: row.get(3)?,
            updated_at: row.get(4)?,
            rev: row.get(5)?,
            latest_history_id: row.get(6)?,
            paused: row.get::<_, i64>(7)? != 0,
        })
    }

    /// The API's code object, with the settings of the latest revision.
    pub fn to_json(&self, latest: Option<&RevisionRow>) -> Value {
        let mut m = Map::new();
        put(&mut m, "id", self.id.clone());
        put(&mut m, "project_id", self.project_id.clone());
        put(&mut m, "name", self.name.clone());
        put(&mut m, "created_at", rfc3339(self.created_at));
        put(&mut m, "updated_at", rfc3339(self.updated_at));
        put(&mut m, "rev", self.rev);
        put(&mut m, "latest_history_id", self.latest_history_id.clone());
        put(&mut m, "latest_change", rfc3339(self.updated_at));
        if let Some(r) = latest {
            put_opt(&mut m, "latest_checksum", r.checksum.clone());
            r.put_settings(&mut m);
        }
        if self.paused {
            put(&mut m, "max_concurrency", -1);
            put(&mut m, "paused", true);
        }
        Value::Object(m)
    }
}

impl RevisionRow {
    const COLUMNS: &'static str = "id, code_id, project_id, name, rev, created_at, runtime, \
        file_name, stack, image, command, config, max_concurrency, retries, retries_delay, \
        priority, env_vars, checksum, code_size, has_zip";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RevisionRow {
            id: row.get(0)?,
            code_id: row.get(1)?,
            project_id: row.get(2)?,
            name: row.get(3)?,
            rev: row.get(4)?,
            created_at: row.get(5)?,
            runtime: row.get(6)?,
            file_name: row.get(7)?,
            stack: row.get(8)?,
            image: row.get(9)?,
            command: row.get(10)?,
            config: row.get(11)?,
            max_concurrency: row.get(12)?,
            retries: row.get(13)?,
            retries_delay: row.get(14)?,
            priority: row.get(15)?,
            env_vars: row.get(16)?,
            checksum: row.get(17)?,
            code_size: row.get(18)?,
            has_zip: row.get::<_, i64>(19)? != 0,
        })
    }

    /// The code's environment variables, as stored (a JSON object of strings).
    pub fn env_map(&self) -> Map<String, Value> {
        self.env_vars
            .as_deref()
            .and_then(|s| serde_json::from_str::<Map<String, Value>>(s).ok())
            .unwrap_or_default()
    }

    fn put_settings(&self, m: &mut Map<String, Value>) {
        put_opt(m, "runtime", self.runtime.clone());
        put_opt(m, "file_name", self.file_name.clone());
        put_opt(m, "stack", self.stack.clone());
        put_opt(m, "image", self.image.clone());
        put_opt(m, "command", self.command.clone());
        put_opt(m, "config", self.config.clone());
        put_opt(m, "max_concurrency", self.max_concurrency);
        put_opt(m, "retries", self.retries);
        put_opt(m, "retries_delay", self.retries_delay);
        put_opt(m, "priority", self.priority);
        if self.env_vars.is_some() {
            put(m, "env_vars", Value::Object(self.env_map()));
        }
    }

    /// The API's revision object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        put(&mut m, "id", self.id.clone());
        put(&mut m, "code_id", self.code_id.clone());
        put(&mut m, "project_id", self.project_id.clone());
        put(&mut m, "name", self.name.clone());
        put(&mut m, "rev", self.rev);
        put(&mut m, "created_at", rfc3339(self.created_at));
        put(&mut m, "updated_at", rfc3339(self.created_at));
        put_opt(&mut m, "checksum", self.checksum.clone());
        put_opt(&mut m, "code_size", self.code_size);
        self.put_settings(&mut m);
        Value::Object(m)
    }
}

impl TaskRow {
    const COLUMNS: &'static str = "id, project_id, code_id, code_history_id, code_name, \
        code_rev, status, priority, timeout, delay, payload, cluster, label, created_at, \
        updated_at, run_after, start_time, end_time, msg, percent, log_size, schedule_id, \
        retry_count, original_task_id, retry_task_id, error_class, exit_code, pid";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(TaskRow {
            id: row.get(0)?,
            project_id: row.get(1)?,
            code_id: row.get(2)?,
            code_history_id: row.get(3)?,
            code_name: row.get(4)?,
            code_rev: row.get(5)?,
            status: row.get(6)?,
            priority: row.get(7)?,
            timeout: row.get(8)?,
            delay: row.get(9)?,
            payload: row.get(10)?,
            cluster: row.get(11)?,
            label: row.get(12)?,
            created_at: row.get(13)?,
            updated_at: row.get(14)?,
            run_after: row.get(15)?,
            start_time: row.get(16)?,
            end_time: row.get(17)?,
            msg: row.get(18)?,
            percent: row.get(19)?,
            log_size: row.get(20)?,
            schedule_id: row.get(21)?,
            retry_count: row.get(22)?,
            original_task_id: row.get(23)?,
            retry_task_id: row.get(24)?,
            error_class: row.get(25)?,
            exit_code: row.get(26)?,
            pid: row.get(27)?,
        })
    }

    /// The API's task object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        put(&mut m, "id", self.id.clone());
        put(&mut m, "project_id", self.project_id.clone());
        put(&mut m, "code_id", self.code_id.clone());
        put(&mut m, "code_history_id", self.code_history_id.clone());
        put(&mut m, "code_name", self.code_name.clone());
        put(&mut m, "code_rev", self.code_rev.to_string());
        put(&mut m, "status", self.status.clone());
        put(&mut m, "priority", self.priority);
        put(&mut m, "timeout", self.timeout);
        put(&mut m, "delay", self.delay);
        put(&mut m, "payload", self.payload.clone());
        put(&mut m, "cluster", self.cluster.clone());
        put_opt(&mut m, "label", self.label.clone());
        put(&mut m, "created_at", rfc3339(self.created_at));
        put(&mut m, "updated_at", rfc3339(self.updated_at));
        put_time(&mut m, "start_time", self.start_time);
        put_time(&mut m, "end_time", self.end_time);
        if let (Some(s), Some(e)) = (self.start_time, self.end_time) {
            put(&mut m, "duration", (e - s).max(0));
        }
        if let Some(s) = self.start_time {
            put(
                &mut m,
                "time_in_queue",
                ((s - self.run_after).max(0)) / 1000,
            );
        }
        put_opt(&mut m, "msg", self.msg.clone());
        put_opt(&mut m, "percent", self.percent);
        put(&mut m, "log_size", self.log_size.unwrap_or(0));
        put_opt(&mut m, "schedule_id", self.schedule_id.clone());
        put(&mut m, "retry_count", self.retry_count);
        if self.retry_count > 0 {
            put(&mut m, "retry", self.retry_count);
        }
        put_opt(&mut m, "original_task_id", self.original_task_id.clone());
        put_opt(&mut m, "retry_task_id", self.retry_task_id.clone());
        put_opt(&mut m, "error_class", self.error_class.clone());
        put_opt(&mut m, "exit_code", self.exit_code);
        put(&mut m, "run_times", 1);
        Value::Object(m)
    }
}

impl ScheduleRow {
    const COLUMNS: &'static str = "id, project_id, code_name, payload, start_at, run_every, \
        end_at, run_times, priority, timeout, cluster, label, name, created_at, updated_at, \
        status, msg, run_count, last_run_time, next_start, error_count";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ScheduleRow {
            id: row.get(0)?,
            project_id: row.get(1)?,
            code_name: row.get(2)?,
            payload: row.get(3)?,
            start_at: row.get(4)?,
            run_every: row.get(5)?,
            end_at: row.get(6)?,
            run_times: row.get(7)?,
            priority: row.get(8)?,
            timeout: row.get(9)?,
            cluster: row.get(10)?,
            label: row.get(11)?,
            name: row.get(12)?,
            created_at: row.get(13)?,
            updated_at: row.get(14)?,
            status: row.get(15)?,
            msg: row.get(16)?,
            run_count: row.get(17)?,
            last_run_time: row.get(18)?,
            next_start: row.get(19)?,
            error_count: row.get(20)?,
        })
    }

    /// The API's schedule object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        put(&mut m, "id", self.id.clone());
        put(&mut m, "project_id", self.project_id.clone());
        put(&mut m, "code_name", self.code_name.clone());
        put(&mut m, "payload", self.payload.clone());
        put(&mut m, "created_at", rfc3339(self.created_at));
        put(&mut m, "updated_at", rfc3339(self.updated_at));
        put(&mut m, "start_at", rfc3339(self.start_at));
        put_opt(&mut m, "run_every", self.run_every);
        put_time(&mut m, "end_at", self.end_at);
        put_opt(&mut m, "run_times", self.run_times);
        put_opt(&mut m, "priority", self.priority);
        put_opt(&mut m, "timeout", self.timeout);
        put_opt(&mut m, "cluster", self.cluster.clone());
        put_opt(&mut m, "label", self.label.clone());
        put_opt(&mut m, "name", self.name.clone());
        put(&mut m, "status", self.status.clone());
        put_opt(&mut m, "msg", self.msg.clone());
        put(&mut m, "run_count", self.run_count);
        put_time(&mut m, "last_run_time", self.last_run_time);
        put_time(&mut m, "next_start", self.next_start);
        put(&mut m, "error_count", self.error_count);
        Value::Object(m)
    }
}

// ---- projects ------------------------------------------------------------------------------

/// Creates the project on first use; returns `(id, name, created_at)`.
pub(crate) fn ensure_project(
    conn: &Connection,
    project_id: &str,
    now: Millis,
) -> rusqlite::Result<Value> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO projects (id, name, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        project_id,
        format!("Local project {project_id}"),
        now
    ])?;
    conn.prepare_cached("SELECT id, name, created_at FROM projects WHERE id = ?1")?
        .query_row(params![project_id], |row| {
            let id: String = row.get(0)?;
            let name: String = row.get(1)?;
            let created: Millis = row.get(2)?;
            Ok(json!({
                "id": id,
                "name": name,
                "created_at": rfc3339(created),
                "updated_at": rfc3339(created),
                "type": "local",
                "status": "active",
            }))
        })
}

// ---- codes ---------------------------------------------------------------------------------

pub(crate) fn code_by_id(
    conn: &Connection,
    project_id: &str,
    code_id: &str,
) -> rusqlite::Result<Option<CodeRow>> {
    let sql = format!(
        "SELECT {} FROM codes WHERE project_id = ?1 AND id = ?2",
        CodeRow::COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_row(params![project_id, code_id], CodeRow::from_row)
        .optional()
}

pub(crate) fn code_by_name(
    conn: &Connection,
    project_id: &str,
    name: &str,
) -> rusqlite::Result<Option<CodeRow>> {
    let sql = format!(
        "SELECT {} FROM codes WHERE project_id = ?1 AND name = ?2",
        CodeRow::COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_row(params![project_id, name], CodeRow::from_row)
        .optional()
}

/// Any code by id, whatever its project (for the dispatcher).
pub(crate) fn code_any(conn: &Connection, code_id: &str) -> rusqlite::Result<Option<CodeRow>> {
    let sql = format!("SELECT {} FROM codes WHERE id = ?1", CodeRow::COLUMNS);
    conn.prepare_cached(&sql)?
        .query_row(params![code_id], CodeRow::from_row)
        .optional()
}

pub(crate) fn list_codes(
    conn: &Connection,
    project_id: &str,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Vec<CodeRow>> {
    let sql = format!(
        "SELECT {} FROM codes WHERE project_id = ?1 ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
        CodeRow::COLUMNS
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![project_id, limit, offset], CodeRow::from_row)?;
    rows.collect()
}

/// Inserts a revision and creates or bumps its code; returns the code after the change.
pub(crate) fn insert_revision(
    conn: &mut Connection,
    rev: &mut RevisionRow,
    new_code_id: &str,
) -> rusqlite::Result<CodeRow> {
    // Immediate: the read of the current revision number and the write of the next one are
    // one unit even if another connection ever shares the database.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

    let existing = {
        let sql = format!(
            "SELECT {} FROM codes WHERE project_id = ?1 AND name = ?2",
            CodeRow::COLUMNS
        );
        tx.query_row(&sql, params![rev.project_id, rev.name], CodeRow::from_row)
            .optional()?
    };
    match existing {
        Some(code) => {
            rev.code_id = code.id.clone();
            rev.rev = code.rev + 1;
            tx.execute(
                "UPDATE codes SET rev = ?1, latest_history_id = ?2, updated_at = ?3 \
                 WHERE id = ?4",
                params![rev.rev, rev.id, rev.created_at, code.id],
            )?;
        }
        None => {
            rev.code_id = new_code_id.to_string();
            rev.rev = 1;
            tx.execute(
                "INSERT INTO codes (id, project_id, name, created_at, updated_at, rev, \
                 latest_history_id) VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5)",
                params![
                    new_code_id,
                    rev.project_id,
                    rev.name,
                    rev.created_at,
                    rev.id
                ],
            )?;
        }
    }

    tx.execute(
        "INSERT INTO revisions (id, code_id, project_id, name, rev, created_at, runtime, \
         file_name, stack, image, command, config, max_concurrency, retries, retries_delay, \
         priority, env_vars, checksum, code_size, has_zip) VALUES (?1, ?2, ?3, ?4, ?5, ?6, \
         ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        params![
            rev.id,
            rev.code_id,
            rev.project_id,
            rev.name,
            rev.rev,
            rev.created_at,
            rev.runtime,
            rev.file_name,
            rev.stack,
            rev.image,
            rev.command,
            rev.config,
            rev.max_concurrency,
            rev.retries,
            rev.retries_delay,
            rev.priority,
            rev.env_vars,
            rev.checksum,
            rev.code_size,
            i64::from(rev.has_zip),
        ],
    )?;

    let sql = format!("SELECT {} FROM codes WHERE id = ?1", CodeRow::COLUMNS);
    let code = tx.query_row(&sql, params![rev.code_id], CodeRow::from_row)?;
    tx.commit()?;
    Ok(code)
}

pub(crate) fn revision_by_id(
    conn: &Connection,
    revision_id: &str,
) -> rusqlite::Result<Option<RevisionRow>> {
    let sql = format!(
        "SELECT {} FROM revisions WHERE id = ?1",
        RevisionRow::COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_row(params![revision_id], RevisionRow::from_row)
        .optional()
}

pub(crate) fn revision_by_number(
    conn: &Connection,
    code_id: &str,
    rev: i64,
) -> rusqlite::Result<Option<RevisionRow>> {
    let sql = format!(
        "SELECT {} FROM revisions WHERE code_id = ?1 AND rev = ?2",
        RevisionRow::COLUMNS
    );
    conn.query_row(&sql, params![code_id, rev], RevisionRow::from_row)
        .optional()
}

pub(crate) fn list_revisions(
    conn: &Connection,
    code_id: &str,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Vec<RevisionRow>> {
    let sql = format!(
        "SELECT {} FROM revisions WHERE code_id = ?1 ORDER BY rev DESC LIMIT ?2 OFFSET ?3",
        RevisionRow::COLUMNS
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![code_id, limit, offset], RevisionRow::from_row)?;
    rows.collect()
}

/// Deletes a code of the project with its revisions, and cancels its queued tasks with
/// `msg`, in one transaction.
///
/// Returns the deleted revision ids (for file cleanup), or `None` if the project has no
/// such code (it never existed, or a concurrent request deleted it first).
pub(crate) fn delete_code(
    conn: &mut Connection,
    project_id: &str,
    code_id: &str,
    msg: &str,
    now: Millis,
) -> rusqlite::Result<Option<Vec<String>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

    let deleted = tx.execute(
        "DELETE FROM codes WHERE project_id = ?1 AND id = ?2",
        params![project_id, code_id],
    )?;
    if deleted == 0 {
        return Ok(None);
    }

    cancel_queued_of_code(&tx, code_id, msg, now)?;
    let ids = {
        let mut stmt = tx.prepare("SELECT id FROM revisions WHERE code_id = ?1")?;
        let rows = stmt.query_map(params![code_id], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    tx.execute("DELETE FROM revisions WHERE code_id = ?1", params![code_id])?;

    tx.commit()?;
    Ok(Some(ids))
}

/// Pauses or resumes a code's task queue; returns whether it was paused before, or `None`
/// if the project has no such code.
pub(crate) fn set_paused(
    conn: &mut Connection,
    project_id: &str,
    code_id: &str,
    paused: bool,
) -> rusqlite::Result<Option<bool>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

    let before: Option<i64> = tx
        .query_row(
            "SELECT paused FROM codes WHERE project_id = ?1 AND id = ?2",
            params![project_id, code_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(before) = before else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE codes SET paused = ?1 WHERE id = ?2",
        params![i64::from(paused), code_id],
    )?;

    tx.commit()?;
    Ok(Some(before != 0))
}

// ---- tasks ---------------------------------------------------------------------------------

pub(crate) fn insert_task(conn: &Connection, t: &TaskRow) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO tasks (id, project_id, code_id, code_history_id, code_name, code_rev, \
         status, priority, timeout, delay, payload, cluster, label, created_at, updated_at, \
         run_after, schedule_id, retry_count, original_task_id) VALUES (?1, ?2, ?3, ?4, ?5, \
         ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?;
    stmt.execute(params![
        t.id,
        t.project_id,
        t.code_id,
        t.code_history_id,
        t.code_name,
        t.code_rev,
        t.status,
        t.priority,
        t.timeout,
        t.delay,
        t.payload,
        t.cluster,
        t.label,
        t.created_at,
        t.updated_at,
        t.run_after,
        t.schedule_id,
        t.retry_count,
        t.original_task_id,
    ])?;
    Ok(())
}

pub(crate) fn task_in_project(
    conn: &Connection,
    project_id: &str,
    task_id: &str,
) -> rusqlite::Result<Option<TaskRow>> {
    let sql = format!(
        "SELECT {} FROM tasks WHERE project_id = ?1 AND id = ?2",
        TaskRow::COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_row(params![project_id, task_id], TaskRow::from_row)
        .optional()
}

/// Filters of the task list.
#[derive(Debug, Default)]
pub(crate) struct TaskQuery {
    pub code_name: Option<String>,
    pub statuses: Vec<String>,
    pub from_time: Option<Millis>,
    pub to_time: Option<Millis>,
    pub label: Option<String>,
    pub cluster: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub(crate) fn list_tasks(
    conn: &Connection,
    project_id: &str,
    q: &TaskQuery,
) -> rusqlite::Result<Vec<TaskRow>> {
    let mut sql = format!(
        "SELECT {} FROM tasks WHERE project_id = ?",
        TaskRow::COLUMNS
    );
    let mut args: Vec<rusqlite::types::Value> = vec![project_id.to_string().into()];

    if let Some(name) = &q.code_name {
        sql.push_str(" AND code_name = ?");
        args.push(name.clone().into());
    }
    if !q.statuses.is_empty() {
        let marks = vec!["?"; q.statuses.len()].join(", ");
        sql.push_str(&format!(" AND status IN ({marks})"));
        args.extend(q.statuses.iter().map(|s| s.clone().into()));
    }
    if let Some(from) = q.from_time {
        sql.push_str(" AND created_at >= ?");
        args.push(from.into());
    }
    if let Some(to) = q.to_time {
        sql.push_str(" AND created_at <= ?");
        args.push(to.into());
    }
    if let Some(label) = &q.label {
        sql.push_str(" AND label = ?");
        args.push(label.clone().into());
    }
    if let Some(cluster) = &q.cluster {
        sql.push_str(" AND cluster = ?");
        args.push(cluster.clone().into());
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ? OFFSET ?");
    args.push(q.limit.into());
    args.push(q.offset.into());

    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), TaskRow::from_row)?;
    rows.collect()
}

/// Queued tasks whose delay has passed, highest priority first, then oldest first; tasks of
/// a paused code are left out.
///
/// The pause is tested in the query so that a paused queue, however long, costs a dispatch
/// pass nothing. A task whose code is gone is still returned, so the dispatcher can end it.
pub(crate) fn ready_tasks(
    conn: &Connection,
    now: Millis,
    limit: i64,
) -> rusqlite::Result<Vec<TaskRow>> {
    let sql = format!(
        "SELECT {} FROM tasks WHERE status = 'queued' AND run_after <= ?1 \
         AND NOT EXISTS (SELECT 1 FROM codes WHERE codes.id = tasks.code_id AND codes.paused) \
         ORDER BY priority DESC, seq ASC LIMIT ?2",
        TaskRow::COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![now, limit], TaskRow::from_row)?;
    rows.collect()
}

/// The earliest time a delayed queued task becomes ready, if any is waiting.
pub(crate) fn next_run_after(conn: &Connection, now: Millis) -> rusqlite::Result<Option<Millis>> {
    conn.query_row(
        "SELECT MIN(run_after) FROM tasks WHERE status = 'queued' AND run_after > ?1",
        params![now],
        |r| r.get(0),
    )
}

pub(crate) fn tasks_with_status(conn: &Connection, status: &str) -> rusqlite::Result<Vec<TaskRow>> {
    let sql = format!("SELECT {} FROM tasks WHERE status = ?1", TaskRow::COLUMNS);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![status], TaskRow::from_row)?;
    rows.collect()
}

/// Moves a queued task to `running`; false if it was no longer queued.
pub(crate) fn mark_running(
    conn: &Connection,
    task_id: &str,
    now: Millis,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE tasks SET status = 'running', start_time = ?1, updated_at = ?1 \
             WHERE id = ?2 AND status = 'queued'",
        )?
        .execute(params![now, task_id])?;
    Ok(n == 1)
}

pub(crate) fn set_pid(conn: &Connection, task_id: &str, pid: Option<i64>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET pid = ?1 WHERE id = ?2",
        params![pid, task_id],
    )?;
    Ok(())
}

/// How a task ended.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub status: &'static str,
    pub msg: Option<String>,
    pub error_class: Option<String>,
    pub exit_code: Option<i64>,
}

/// Ends a task that is `queued` or `running` (per `from`); false if it was in neither.
pub(crate) fn finish_task(
    conn: &Connection,
    task_id: &str,
    from: &[&str],
    outcome: &Outcome,
    log_size: Option<i64>,
    now: Millis,
) -> rusqlite::Result<bool> {
    let marks = vec!["?"; from.len()].join(", ");
    let sql = format!(
        "UPDATE tasks SET status = ?, msg = COALESCE(?, msg), error_class = ?, exit_code = ?, \
         end_time = ?, updated_at = ?, log_size = COALESCE(?, log_size), pid = NULL \
         WHERE id = ? AND status IN ({marks})"
    );
    let mut args: Vec<rusqlite::types::Value> = vec![
        outcome.status.to_string().into(),
        outcome.msg.clone().into(),
        outcome.error_class.clone().into(),
        outcome.exit_code.into(),
        now.into(),
        now.into(),
        log_size.into(),
        task_id.to_string().into(),
    ];
    args.extend(from.iter().map(|s| s.to_string().into()));
    let n = conn.execute(&sql, rusqlite::params_from_iter(args))?;
    Ok(n == 1)
}

pub(crate) fn set_log_size(conn: &Connection, task_id: &str, size: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET log_size = ?1, pid = NULL WHERE id = ?2",
        params![size, task_id],
    )?;
    Ok(())
}

pub(crate) fn set_progress(
    conn: &Connection,
    task_id: &str,
    percent: Option<i64>,
    msg: Option<&str>,
    now: Millis,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET percent = COALESCE(?1, percent), msg = COALESCE(?2, msg), \
         updated_at = ?3 WHERE id = ?4",
        params![percent, msg, now, task_id],
    )?;
    Ok(())
}

pub(crate) fn set_retry_task_id(
    conn: &Connection,
    task_id: &str,
    retry_id: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET retry_task_id = ?1 WHERE id = ?2",
        params![retry_id, task_id],
    )?;
    Ok(())
}

/// Cancels every queued task of a code of the project; returns how many, or `None` if the
/// project has no such code.
pub(crate) fn cancel_queued_of_project_code(
    conn: &mut Connection,
    project_id: &str,
    code_id: &str,
    msg: &str,
    now: Millis,
) -> rusqlite::Result<Option<usize>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

    let exists = tx
        .query_row(
            "SELECT 1 FROM codes WHERE project_id = ?1 AND id = ?2",
            params![project_id, code_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !exists {
        return Ok(None);
    }
    let n = cancel_queued_of_code(&tx, code_id, msg, now)?;

    tx.commit()?;
    Ok(Some(n))
}

/// Cancels every queued task of a code; returns how many.
fn cancel_queued_of_code(
    conn: &Connection,
    code_id: &str,
    msg: &str,
    now: Millis,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE tasks SET status = 'cancelled', msg = ?1, end_time = ?2, updated_at = ?2 \
         WHERE code_id = ?3 AND status = 'queued'",
        params![msg, now, code_id],
    )
}

/// Task counts by status of one code, over tasks updated in `[from, to]`.
pub(crate) fn code_stats(
    conn: &Connection,
    code_id: &str,
    from: Millis,
    to: Millis,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT status, COUNT(*) FROM tasks WHERE code_id = ?1 AND updated_at >= ?2 \
         AND updated_at <= ?3 GROUP BY status",
    )?;
    let rows = stmt.query_map(params![code_id, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

// ---- schedules -----------------------------------------------------------------------------

pub(crate) fn insert_schedule(conn: &Connection, s: &ScheduleRow) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO schedules (id, project_id, code_name, payload, start_at, run_every, \
         end_at, run_times, priority, timeout, cluster, label, name, created_at, updated_at, \
         status, msg, run_count, next_start) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
         ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        params![
            s.id,
            s.project_id,
            s.code_name,
            s.payload,
            s.start_at,
            s.run_every,
            s.end_at,
            s.run_times,
            s.priority,
            s.timeout,
            s.cluster,
            s.label,
            s.name,
            s.created_at,
            s.updated_at,
            s.status,
            s.msg,
            s.run_count,
            s.next_start,
        ],
    )?;
    Ok(())
}

/// Writes every mutable field of a schedule back.
pub(crate) fn update_schedule(conn: &Connection, s: &ScheduleRow) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE schedules SET code_name = ?1, payload = ?2, start_at = ?3, run_every = ?4, \
         end_at = ?5, run_times = ?6, priority = ?7, timeout = ?8, cluster = ?9, label = ?10, \
         name = ?11, updated_at = ?12, status = ?13, msg = ?14, run_count = ?15, \
         last_run_time = ?16, next_start = ?17, error_count = ?18 WHERE id = ?19",
        params![
            s.code_name,
            s.payload,
            s.start_at,
            s.run_every,
            s.end_at,
            s.run_times,
            s.priority,
            s.timeout,
            s.cluster,
            s.label,
            s.name,
            s.updated_at,
            s.status,
            s.msg,
            s.run_count,
            s.last_run_time,
            s.next_start,
            s.error_count,
            s.id,
        ],
    )?;
    Ok(())
}

pub(crate) fn schedule_in_project(
    conn: &Connection,
    project_id: &str,
    schedule_id: &str,
) -> rusqlite::Result<Option<ScheduleRow>> {
    let sql = format!(
        "SELECT {} FROM schedules WHERE project_id = ?1 AND id = ?2",
        ScheduleRow::COLUMNS
    );
    conn.query_row(
        &sql,
        params![project_id, schedule_id],
        ScheduleRow::from_row,
    )
    .optional()
}

pub(crate) fn list_schedules(
    conn: &Connection,
    project_id: &str,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Vec<ScheduleRow>> {
    let sql = format!(
        "SELECT {} FROM schedules WHERE project_id = ?1 ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
        ScheduleRow::COLUMNS
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![project_id, limit, offset], ScheduleRow::from_row)?;
    rows.collect()
}

/// Active schedules whose next firing is due.
pub(crate) fn due_schedules(conn: &Connection, now: Millis) -> rusqlite::Result<Vec<ScheduleRow>> {
    let sql = format!(
        "SELECT {} FROM schedules WHERE status = 'scheduled' AND next_start <= ?1 \
         ORDER BY next_start ASC",
        ScheduleRow::COLUMNS
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![now], ScheduleRow::from_row)?;
    rows.collect()
}

/// The earliest future firing of an active schedule.
pub(crate) fn next_schedule_time(conn: &Connection) -> rusqlite::Result<Option<Millis>> {
    conn.query_row(
        "SELECT MIN(next_start) FROM schedules WHERE status = 'scheduled'",
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const PID: &str = "0123456789abcdef01234567";
    const OTHER: &str = "76543210fedcba9876543210";

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn
    }

    fn upload(conn: &mut Connection, pid: &str, name: &str) -> (CodeRow, RevisionRow) {
        let mut rev = RevisionRow {
            id: crate::ids::new_id(),
            project_id: pid.to_string(),
            name: name.to_string(),
            created_at: 1,
            ..RevisionRow::default()
        };
        let code = insert_revision(conn, &mut rev, &crate::ids::new_id()).unwrap();
        (code, rev)
    }

    fn queued_task(conn: &Connection, code: &CodeRow) -> String {
        let task = TaskRow {
            id: crate::ids::new_id(),
            project_id: code.project_id.clone(),
            code_id: code.id.clone(),
            code_history_id: code.latest_history_id.clone(),
            code_name: code.name.clone(),
            status: "queued".to_string(),
            ..TaskRow::default()
        };
        insert_task(conn, &task).unwrap();
        task.id
    }

    #[test]
    fn a_code_is_deleted_once_and_only_from_its_project() {
        let mut conn = db();
        let (code, rev) = upload(&mut conn, PID, "A");
        let task = queued_task(&conn, &code);

        let elsewhere = delete_code(&mut conn, OTHER, &code.id, "gone", 2).unwrap();
        assert_eq!(elsewhere, None, "another project's delete must not see it");

        let first = delete_code(&mut conn, PID, &code.id, "gone", 2).unwrap();
        assert_eq!(first, Some(vec![rev.id.clone()]));
        let again = delete_code(&mut conn, PID, &code.id, "gone", 3).unwrap();
        assert_eq!(again, None, "the second delete finds nothing");

        let t = task_in_project(&conn, PID, &task).unwrap().unwrap();
        assert_eq!(t.status, "cancelled");
        assert_eq!(t.msg.as_deref(), Some("gone"));
        assert!(revision_by_id(&conn, &rev.id).unwrap().is_none());
    }

    #[test]
    fn pausing_reports_the_state_it_changed() {
        let mut conn = db();
        let (code, _) = upload(&mut conn, PID, "P");

        assert_eq!(
            set_paused(&mut conn, PID, &code.id, true).unwrap(),
            Some(false)
        );
        assert_eq!(
            set_paused(&mut conn, PID, &code.id, true).unwrap(),
            Some(true)
        );
        assert_eq!(
            set_paused(&mut conn, PID, &code.id, false).unwrap(),
            Some(true)
        );
        assert_eq!(set_paused(&mut conn, OTHER, &code.id, true).unwrap(), None);

        delete_code(&mut conn, PID, &code.id, "gone", 2).unwrap();
        assert_eq!(set_paused(&mut conn, PID, &code.id, true).unwrap(), None);
    }

    #[test]
    fn cancel_all_needs_the_code_in_the_project() {
        let mut conn = db();
        let (code, _) = upload(&mut conn, PID, "C");
        queued_task(&conn, &code);
        queued_task(&conn, &code);

        let n = cancel_queued_of_project_code(&mut conn, OTHER, &code.id, "x", 2).unwrap();
        assert_eq!(n, None);
        let n = cancel_queued_of_project_code(&mut conn, PID, &code.id, "x", 2).unwrap();
        assert_eq!(n, Some(2));

        delete_code(&mut conn, PID, &code.id, "gone", 3).unwrap();
        let n = cancel_queued_of_project_code(&mut conn, PID, &code.id, "x", 4).unwrap();
        assert_eq!(n, None);
    }

    #[test]
    fn revision_numbers_are_unique_per_code() {
        let mut conn = db();
        let (code, rev) = upload(&mut conn, PID, "U");
        let (again, _) = upload(&mut conn, PID, "U");
        assert_eq!((again.id.as_str(), again.rev), (code.id.as_str(), 2));

        let duplicate = conn.execute(
            "INSERT INTO revisions (id, code_id, project_id, name, rev, created_at, has_zip) \
             VALUES ('dup', ?1, ?2, 'U', ?3, 1, 0)",
            params![code.id, PID, rev.rev],
        );
        assert!(duplicate.is_err(), "a second revision 1 must be refused");
    }

    #[test]
    fn the_schema_opens_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite3");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let mut conn = store.lock();
        upload(&mut conn, PID, "Reopened");
    }
}
