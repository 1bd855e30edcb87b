//! Tasks: queue (batch and webhook), list, details, logs, cancel, progress, retry.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::error::{ApiError, ApiResult};
use super::{input, project, AppState};
use crate::engine::task_not_found;
use crate::ids::{is_id, now_ms};
use crate::queue::{self, TaskSpec};
use crate::store::{self, is_terminal, TaskQuery, TaskRow};

/// Every status a task can have; also the list filter flags.
const STATUSES: [&str; 8] = [
    "queued",
    "preparing",
    "running",
    "complete",
    "error",
    "cancelled",
    "killed",
    "timeout",
];

fn load_task(state: &AppState, pid: &str, task_id: &str) -> ApiResult<TaskRow> {
    if !is_id(task_id) {
        return Err(task_not_found(task_id));
    }
    let conn = state.engine.store.lock();
    store::task_in_project(&conn, pid, task_id)?.ok_or_else(|| task_not_found(task_id))
}

/// One task of a `tasks` array, validated.
fn spec_from(item: &Value, index: usize) -> ApiResult<TaskSpec> {
    let path = format!("tasks[{index}].");
    let Value::Object(map) = item else {
        return Err(ApiError::bad_request(format!(
            "tasks[{index}] must be an object, not {}",
            input::kind(item)
        )));
    };
    let code_name = input::opt_str(map, "code_name", &path)?
        .ok_or_else(|| ApiError::bad_request(format!("{path}code_name is required")))?;

    Ok(TaskSpec {
        code_name,
        payload: input::opt_text(map, "payload").unwrap_or_default(),
        priority: input::opt_int(map, "priority", &path)?,
        timeout: input::opt_int(map, "timeout", &path)?,
        delay: input::opt_int(map, "delay", &path)?,
        cluster: input::opt_str(map, "cluster", &path)?,
        label: input::opt_str(map, "label", &path)?,
        ..TaskSpec::default()
    })
}

/// `POST /tasks`: `{"tasks": [...]}`, all or nothing; ids in request order.
pub(crate) async fn queue(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let bytes = input::read_limited(&headers, body, state.engine.config.max_body_bytes).await?;
    let data = input::parse_object(&headers, &bytes, true)?;

    let items = input::batch(&data, "tasks", r#"{"code_name": ..., "payload": ...}"#)?;
    let specs = items
        .iter()
        .enumerate()
        .map(|(i, item)| spec_from(item, i))
        .collect::<ApiResult<Vec<_>>>()?;

    // One transaction: all or nothing, and one commit (one WAL write) for the batch.
    let ids = {
        let conn = state.engine.store.lock();
        let tx = conn.unchecked_transaction()?;
        let ids = queue::queue_batch(&tx, &pid, &specs, state.engine.limits(), now_ms())?;
        tx.commit()?;
        ids
    };
    state.engine.wake();

    let tasks: Vec<Value> = ids.into_iter().map(|id| json!({ "id": id })).collect();
    Ok(Json(
        json!({ "msg": "Queued up", "status_code": 200, "tasks": tasks }),
    ))
}

/// `POST /tasks/webhook?code_name=X[&priority&cluster&timeout&delay&label]`: the raw body
/// becomes the payload.
pub(crate) async fn webhook(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let pairs = input::query_pairs(uri.query());
    let code_name = input::query_get(&pairs, "code_name")
        .ok_or_else(|| ApiError::bad_request("query parameter code_name is required"))?
        .to_string();
    let bytes = input::read_limited(&headers, body, state.engine.config.max_payload_bytes)
        .await
        .map_err(|e| ApiError::too_large(format!("webhook payload: {}", e.msg)))?;

    let spec = TaskSpec {
        code_name,
        payload: String::from_utf8_lossy(&bytes).into_owned(),
        priority: input::query_int(&pairs, "priority")?,
        timeout: input::query_int(&pairs, "timeout")?,
        delay: input::query_int(&pairs, "delay")?,
        cluster: input::query_get(&pairs, "cluster").map(str::to_string),
        label: input::query_get(&pairs, "label").map(str::to_string),
        ..TaskSpec::default()
    };
    let task = {
        let conn = state.engine.store.lock();
        queue::queue_task(&conn, &pid, &spec, state.engine.limits(), "", now_ms())?
    };
    state.engine.wake();
    Ok(Json(json!({ "id": task.id, "msg": "Queued up." })))
}

/// `GET /tasks`: filters `code_name`, status flags (`complete=1`, ...) or `status=a,b`,
/// `from_time`/`to_time` (Unix seconds, on creation), `label`, `cluster`; newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let pairs = input::query_pairs(uri.query());
    let (limit, offset) = input::paging(&pairs)?;

    let mut statuses: Vec<String> = STATUSES
        .iter()
        .filter(|s| input::query_flag(&pairs, s))
        .map(|s| s.to_string())
        .collect();
    for (k, v) in &pairs {
        if k != "status" && k != "statuses" {
            continue;
        }
        for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !STATUSES.contains(&s) {
                return Err(ApiError::bad_request(format!(
                    "unknown task status {s:?}; known: {}",
                    STATUSES.join(", ")
                )));
            }
            statuses.push(s.to_string());
        }
    }

    let query = TaskQuery {
        code_name: input::query_get(&pairs, "code_name").map(str::to_string),
        statuses,
        from_time: input::query_int(&pairs, "from_time")?.map(|s| s * 1000),
        to_time: input::query_int(&pairs, "to_time")?.map(|s| s * 1000 + 999),
        label: input::query_get(&pairs, "label").map(str::to_string),
        cluster: input::query_get(&pairs, "cluster").map(str::to_string),
        limit,
        offset,
    };
    let conn = state.engine.store.lock();
    let tasks = store::list_tasks(&conn, &pid, &query)?;
    let list: Vec<Value> = tasks.iter().map(TaskRow::to_json).collect();
    Ok(Json(json!({ "tasks": list })))
}

/// `GET /tasks/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path((pid, task_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    Ok(Json(load_task(&state, &pid, &task_id)?.to_json()))
}

/// `GET /tasks/{id}/log`: stdout and stderr, text/plain.
pub(crate) async fn log(
    State(state): State<AppState>,
    Path((pid, task_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let pid = project(&state, &pid)?;
    let task = load_task(&state, &pid, &task_id)?;
    let path = state.engine.paths.log(&task.id);
    serve_log(&task, &path, "log").await
}

/// `GET /tasks/{id}/outlog`: stdout alone, text/plain.
pub(crate) async fn outlog(
    State(state): State<AppState>,
    Path((pid, task_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let pid = project(&state, &pid)?;
    let task = load_task(&state, &pid, &task_id)?;
    let path = state.engine.paths.outlog(&task.id);
    serve_log(&task, &path, "stdout log").await
}

/// The log file as text/plain: the partial log while running, the full log once ended, and
/// a 404 mentioning the log before any output exists (clients retry on that 404).
async fn serve_log(task: &TaskRow, path: &std::path::Path, what: &str) -> ApiResult<Response> {
    let bytes = match tokio::fs::read(path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(ApiError::internal(format!(
                "reading {}: {e}",
                path.display()
            )))
        }
    };

    if bytes.is_empty() && !is_terminal(&task.status) {
        return Err(ApiError::not_found(format!(
            "Log not found: task {} has no {what} yet (status {})",
            task.id, task.status
        )));
    }
    let mut resp = (StatusCode::OK, bytes).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(resp)
}

/// `POST /tasks/{id}/cancel`: any body (or none) is accepted.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path((pid, task_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    if !is_id(&task_id) {
        return Err(task_not_found(&task_id));
    }
    state.engine.cancel(&pid, &task_id)?;
    state.engine.wake();
    Ok(Json(json!({ "msg": "Cancelled" })))
}

/// `POST /tasks/{id}/progress`: `{"percent": 0-100, "msg": "..."}`, either alone.
pub(crate) async fn progress(
    State(state): State<AppState>,
    Path((pid, task_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let bytes =
        input::read_limited(&headers, body, state.engine.config.max_body_bytes + 1024).await?;
    let data = input::parse_object(&headers, &bytes, true)?;

    let percent = input::opt_int(&data, "percent", "")?;
    if let Some(p) = percent {
        if !(0..=100).contains(&p) {
            return Err(ApiError::bad_request(format!(
                "percent must be between 0 and 100, not {p}"
            )));
        }
    }
    let msg = input::opt_text(&data, "msg");
    let limit = state.engine.config.max_payload_bytes;
    if let Some(m) = &msg {
        if m.len() > limit {
            return Err(ApiError::too_large(format!(
                "msg is {} bytes; the limit is {limit} bytes",
                m.len()
            )));
        }
    }

    let task = load_task(&state, &pid, &task_id)?;
    let conn = state.engine.store.lock();
    store::set_progress(&conn, &task.id, percent, msg.as_deref(), now_ms())?;
    Ok(Json(json!({ "msg": "Progress set" })))
}

/// `POST /tasks/{id}/retry`: `{"delay": N}` (optional); queues a new task like a finished one.
pub(crate) async fn retry(
    State(state): State<AppState>,
    Path((pid, task_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let bytes = input::read_limited(&headers, body, state.engine.config.max_body_bytes).await?;
    let strict = !bytes.iter().all(|b| b.is_ascii_whitespace());
    let data: Map<String, Value> = input::parse_object(&headers, &bytes, strict)?;
    let delay = input::opt_int(&data, "delay", "")?.unwrap_or(0);
    if !is_id(&task_id) {
        return Err(task_not_found(&task_id));
    }

    // The task is read in the transaction that queues its retry, not before it.
    let new = {
        let conn = state.engine.store.lock();
        let tx = conn.unchecked_transaction()?;
        let task =
            store::task_in_project(&tx, &pid, &task_id)?.ok_or_else(|| task_not_found(&task_id))?;
        if !is_terminal(&task.status) {
            return Err(ApiError::bad_request(format!(
                "Task {} is still {}; only a finished task can be retried",
                task.id, task.status
            )));
        }
        let spec = queue::retry_spec(&task, delay);
        let new = queue::queue_task(&tx, &pid, &spec, state.engine.limits(), "", now_ms())?;
        store::set_retry_task_id(&tx, &task.id, &new.id)?;
        tx.commit()?;
        new
    };
    state.engine.wake();
    Ok(Json(json!({
        "msg": "Queued up",
        "status_code": 200,
        "tasks": [{ "id": new.id }],
    })))
}
