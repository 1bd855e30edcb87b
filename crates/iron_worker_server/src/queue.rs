//! The rules of queueing a task, shared by the API, schedules and retries.

use std::collections::hash_map::{Entry, HashMap};

use rusqlite::Connection;

use crate::api::error::{ApiError, ApiResult};
use crate::ids::{new_id, Millis};
use crate::store::{self, CodeRow, RevisionRow, TaskRow};

/// Longest delay the API accepts (7 days, as documented).
pub(crate) const MAX_DELAY_SECS: i64 = 604_800;

/// What a client asked for; `None` means "the default".
#[derive(Debug, Default, Clone)]
pub(crate) struct TaskSpec {
    pub code_name: String,
    pub payload: String,
    pub priority: Option<i64>,
    pub timeout: Option<i64>,
    pub delay: Option<i64>,
    pub cluster: Option<String>,
    pub label: Option<String>,
    pub schedule_id: Option<String>,
    pub retry_count: i64,
    pub original_task_id: Option<String>,
}

/// Limits the queue enforces, from the server config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    pub max_timeout_secs: i64,
    pub max_payload_bytes: usize,
}

/// Validates `spec`, resolves the code's latest revision and inserts a queued task.
///
/// `path` prefixes field names in errors (e.g. `tasks[2].`).
pub(crate) fn queue_task(
    conn: &Connection,
    project_id: &str,
    spec: &TaskSpec,
    limits: QueueLimits,
    path: &str,
    now: Millis,
) -> ApiResult<TaskRow> {
    check_spec(spec, limits, path)?;
    let (code, rev) = latest_revision(conn, project_id, &spec.code_name)?;
    let task = new_task(project_id, spec, &code, &rev, limits, now);
    store::insert_task(conn, &task)?;
    Ok(task)
}

/// Queues a batch of tasks in request order and returns their ids, in that order.
///
/// Each code named in the batch is looked up once, however many tasks name it. The checks
/// and their order are those of [`queue_task`], and errors name the element (`tasks[i].`).
/// The caller runs this inside one transaction, so a failed element queues nothing.
pub(crate) fn queue_batch(
    conn: &Connection,
    project_id: &str,
    specs: &[TaskSpec],
    limits: QueueLimits,
    now: Millis,
) -> ApiResult<Vec<String>> {
    let mut codes: HashMap<&str, (CodeRow, RevisionRow)> = HashMap::new();
    let mut ids = Vec::with_capacity(specs.len());

    for (i, spec) in specs.iter().enumerate() {
        check_spec(spec, limits, &format!("tasks[{i}]."))?;

        let (code, rev) = match codes.entry(spec.code_name.as_str()) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(latest_revision(conn, project_id, &spec.code_name)?),
        };
        let task = new_task(project_id, spec, code, rev, limits, now);
        store::insert_task(conn, &task)?;
        ids.push(task.id);
    }
    Ok(ids)
}

/// Checks the payload size and the delay of `spec`; `path` prefixes field names in errors.
fn check_spec(spec: &TaskSpec, limits: QueueLimits, path: &str) -> ApiResult<()> {
    if spec.payload.len() > limits.max_payload_bytes {
        return Err(ApiError::too_large(format!(
            "{path}payload is {} bytes; the limit is {} bytes",
            spec.payload.len(),
            limits.max_payload_bytes
        )));
    }

    let delay = spec.delay.unwrap_or(0);
    if !(0..=MAX_DELAY_SECS).contains(&delay) {
        return Err(ApiError::bad_request(format!(
            "{path}delay must be between 0 and {MAX_DELAY_SECS} seconds, not {delay}"
        )));
    }
    Ok(())
}

/// The project's code named `code_name` and its latest revision.
fn latest_revision(
    conn: &Connection,
    project_id: &str,
    code_name: &str,
) -> ApiResult<(CodeRow, RevisionRow)> {
    let code = store::code_by_name(conn, project_id, code_name)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "Code not found: no code package named {code_name:?} in this project; upload it \
             first"
        ))
    })?;
    let rev = store::revision_by_id(conn, &code.latest_history_id)?.ok_or_else(|| {
        ApiError::internal(format!(
            "code {} has no revision {}",
            code.id, code.latest_history_id
        ))
    })?;
    Ok((code, rev))
}

/// The queued task `spec` asks for, on revision `rev` of `code` (checked by [`check_spec`]).
fn new_task(
    project_id: &str,
    spec: &TaskSpec,
    code: &CodeRow,
    rev: &RevisionRow,
    limits: QueueLimits,
    now: Millis,
) -> TaskRow {
    // Out-of-range priorities (ironcli sends -3 for "default") fall back to the code's.
    let priority = spec
        .priority
        .filter(|p| (0..=2).contains(p))
        .or(rev.priority)
        .unwrap_or(0);

    // A missing or non-positive timeout means the maximum, as on the hosted service.
    let timeout = spec
        .timeout
        .filter(|t| *t > 0)
        .map(|t| t.min(limits.max_timeout_secs))
        .unwrap_or(limits.max_timeout_secs);

    let delay = spec.delay.unwrap_or(0);
    TaskRow {
        id: new_id(),
        project_id: project_id.to_string(),
        code_id: code.id.clone(),
        code_history_id: rev.id.clone(),
        code_name: code.name.clone(),
        code_rev: rev.rev,
        status: "queued".to_string(),
        priority,
        timeout,
        delay,
        payload: spec.payload.clone(),
        cluster: spec
            .cluster
            .clone()
            .unwrap_or_else(|| "default".to_string()),
        label: spec.label.clone(),
        created_at: now,
        updated_at: now,
        run_after: now + delay * 1000,
        schedule_id: spec.schedule_id.clone(),
        retry_count: spec.retry_count,
        original_task_id: spec.original_task_id.clone(),
        ..TaskRow::default()
    }
}

/// The spec of a new attempt of `task` (manual or automatic retry).
pub(crate) fn retry_spec(task: &TaskRow, delay: i64) -> TaskSpec {
    TaskSpec {
        code_name: task.code_name.clone(),
        payload: task.payload.clone(),
        priority: Some(task.priority),
        timeout: Some(task.timeout),
        delay: Some(delay),
        cluster: Some(task.cluster.clone()),
        label: task.label.clone(),
        schedule_id: task.schedule_id.clone(),
        retry_count: task.retry_count + 1,
        original_task_id: Some(
            task.original_task_id
                .clone()
                .unwrap_or_else(|| task.id.clone()),
        ),
    }
}

/// Queues the next attempt of a failed task if its code has retries left; returns its id.
///
/// Attempts in all = retries + 1. The failed task gets `retry_task_id`, the new one
/// `original_task_id` and `retry_count`, and waits the code's `retries_delay`.
pub(crate) fn auto_retry(
    conn: &Connection,
    task: &TaskRow,
    limits: QueueLimits,
    now: Millis,
) -> ApiResult<Option<String>> {
    let Some(rev) = store::revision_by_id(conn, &task.code_history_id)? else {
        return Ok(None);
    };
    let retries = rev.retries.unwrap_or(0);
    if task.retry_count >= retries {
        return Ok(None);
    }

    let delay = rev.retries_delay.unwrap_or(0).clamp(0, MAX_DELAY_SECS);
    let spec = retry_spec(task, delay);
    let next = match queue_task(conn, &task.project_id, &spec, limits, "", now) {
        Ok(next) => next,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => return Ok(None),
        Err(e) => return Err(e),
    };
    store::set_retry_task_id(conn, &task.id, &next.id)?;
    Ok(Some(next.id))
}
