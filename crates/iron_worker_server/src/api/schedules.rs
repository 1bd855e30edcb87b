//! Schedules: create (batch), list, details, update, cancel.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::Json;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::error::{ApiError, ApiResult};
use super::{input, project, AppState};
use crate::ids::{is_id, new_id, now_ms, Millis};
use crate::store::{self, ScheduleRow};

/// Shortest allowed interval between runs (documented).
const MIN_RUN_EVERY: i64 = 60;

fn schedule_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Schedule not found: no schedule {id} in this project"
    ))
}

fn load_schedule(conn: &Connection, pid: &str, id: &str) -> ApiResult<ScheduleRow> {
    if !is_id(id) {
        return Err(schedule_not_found(id));
    }
    store::schedule_in_project(conn, pid, id)?.ok_or_else(|| schedule_not_found(id))
}

/// Applies the fields given in `map` to `s`, validating each; `creating` requires
/// `code_name` and sets the first run.
fn apply_fields(
    conn: &Connection,
    s: &mut ScheduleRow,
    map: &Map<String, Value>,
    path: &str,
    creating: bool,
    payload_limit: usize,
    now: Millis,
) -> ApiResult<()> {
    if let Some(code_name) = input::opt_str(map, "code_name", path)? {
        s.code_name = code_name;
    }
    if creating && s.code_name.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{path}code_name is required"
        )));
    }
    let check_code = creating || map.contains_key("code_name");
    if check_code && store::code_by_name(conn, &s.project_id, &s.code_name)?.is_none() {
        return Err(ApiError::not_found(format!(
            "Code not found: no code package named {:?} in this project; upload it first",
            s.code_name
        )));
    }

    if let Some(payload) = input::opt_text(map, "payload") {
        s.payload = payload;
    }
    if s.payload.len() > payload_limit {
        return Err(ApiError::too_large(format!(
            "{path}payload is {} bytes; the limit is {payload_limit} bytes",
            s.payload.len()
        )));
    }

    if let Some(every) = input::opt_int(map, "run_every", path)? {
        if every < MIN_RUN_EVERY {
            return Err(ApiError::bad_request(format!(
                "{path}run_every must be at least {MIN_RUN_EVERY} seconds, not {every}"
            )));
        }
        s.run_every = Some(every);
    }
    if let Some(times) = input::opt_int(map, "run_times", path)? {
        if times < 0 {
            return Err(ApiError::bad_request(format!(
                "{path}run_times must be 1 or more, not {times}"
            )));
        }
        s.run_times = (times > 0).then_some(times);
    }
    if let Some(priority) = input::opt_int(map, "priority", path)? {
        s.priority = (0..=2).contains(&priority).then_some(priority);
    }
    if let Some(timeout) = input::opt_int(map, "timeout", path)? {
        s.timeout = (timeout > 0).then_some(timeout);
    }
    if let Some(cluster) = input::opt_str(map, "cluster", path)? {
        s.cluster = Some(cluster);
    }
    if let Some(label) = input::opt_str(map, "label", path)? {
        s.label = Some(label);
    }
    if let Some(name) = input::opt_str(map, "name", path)? {
        s.name = Some(name);
    }
    if let Some(end) = input::opt_time(map, "end_at", path)? {
        s.end_at = Some(end);
    }

    // The first run: start_at, else the legacy `delay` (seconds from now), else now.
    let start_at = input::opt_time(map, "start_at", path)?;
    let delay = input::opt_int(map, "delay", path)?.filter(|d| *d > 0);
    if let Some(d) = delay {
        if d > crate::queue::MAX_DELAY_SECS {
            return Err(ApiError::bad_request(format!(
                "{path}delay must be at most {} seconds, not {d}",
                crate::queue::MAX_DELAY_SECS
            )));
        }
    }
    let new_start = start_at.or(delay.map(|d| now + d * 1000));
    if creating || new_start.is_some() {
        s.start_at = new_start.unwrap_or(now);
        if s.run_count == 0 && s.status == "scheduled" {
            s.next_start = Some(s.start_at);
        }
    }

    if let Some(end) = s.end_at {
        if end < s.start_at {
            return Err(ApiError::bad_request(format!(
                "{path}end_at is before the first run (start_at)"
            )));
        }
    }
    Ok(())
}

/// `POST /schedules`: `{"schedules": [...]}`, all or nothing.
pub(crate) async fn create(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let bytes = input::read_limited(&headers, body, state.engine.config.max_body_bytes).await?;
    let data = input::parse_object(&headers, &bytes, true)?;
    let items = input::batch(&data, "schedules", r#"{"code_name": ..., "start_at": ...}"#)?;

    let now = now_ms();
    let limit = state.engine.config.max_payload_bytes;
    let ids = {
        let conn = state.engine.store.lock();
        let tx = conn.unchecked_transaction()?;
        let mut ids = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("schedules[{i}].");
            let Value::Object(map) = item else {
                return Err(ApiError::bad_request(format!(
                    "schedules[{i}] must be an object, not {}",
                    input::kind(item)
                )));
            };
            let mut s = ScheduleRow {
                id: new_id(),
                project_id: pid.clone(),
                created_at: now,
                updated_at: now,
                status: "scheduled".to_string(),
                ..ScheduleRow::default()
            };
            apply_fields(&tx, &mut s, map, &path, true, limit, now)?;
            store::insert_schedule(&tx, &s)?;
            ids.push(json!({ "id": s.id }));
        }
        tx.commit()?;
        ids
    };
    state.engine.wake();
    Ok(Json(
        json!({ "msg": "Scheduled", "status_code": 200, "schedules": ids }),
    ))
}

/// `GET /schedules`: newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let (limit, offset) = input::paging(&input::query_pairs(uri.query()))?;
    let conn = state.engine.store.lock();
    let rows = store::list_schedules(&conn, &pid, limit, offset)?;
    let list: Vec<Value> = rows.iter().map(ScheduleRow::to_json).collect();
    Ok(Json(json!({ "schedules": list })))
}

/// `GET /schedules/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let conn = state.engine.store.lock();
    Ok(Json(load_schedule(&conn, &pid, &id)?.to_json()))
}

/// `PUT /schedules/{id}`: changes the given fields (e.g. `{"label": "x"}`).
pub(crate) async fn update(
    State(state): State<AppState>,
    Path((pid, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let bytes = input::read_limited(&headers, body, state.engine.config.max_body_bytes).await?;
    let data = input::parse_object(&headers, &bytes, true)?;
    // Some clients wrap the fields as {"schedule": {...}} or {"schedules": [{...}]}.
    let fields = match (
        input::given(&data, "schedule"),
        input::given(&data, "schedules"),
    ) {
        (Some(Value::Object(m)), _) => m.clone(),
        (_, Some(Value::Array(a))) if a.len() == 1 => match &a[0] {
            Value::Object(m) => m.clone(),
            _ => data.clone(),
        },
        _ => data.clone(),
    };

    let now = now_ms();
    let json = {
        let conn = state.engine.store.lock();
        let mut s = load_schedule(&conn, &pid, &id)?;
        let limit = state.engine.config.max_payload_bytes;
        apply_fields(&conn, &mut s, &fields, "", false, limit, now)?;
        s.updated_at = now;
        store::update_schedule(&conn, &s)?;
        s.to_json()
    };
    state.engine.wake();

    let mut out = match json {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    out.insert("msg".into(), json!("Updated"));
    Ok(Json(Value::Object(out)))
}

/// `POST /schedules/{id}/cancel`: no more tasks are queued from it.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let conn = state.engine.store.lock();
    let mut s = load_schedule(&conn, &pid, &id)?;
    if s.status == "scheduled" {
        s.status = "cancelled".to_string();
        s.msg = Some("Cancelled".to_string());
        s.next_start = None;
        s.updated_at = now_ms();
        store::update_schedule(&conn, &s)?;
    }
    Ok(Json(json!({ "msg": "Cancelled" })))
}
