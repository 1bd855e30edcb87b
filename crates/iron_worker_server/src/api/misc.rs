//! Project, stacks, version, the request recorder, and the JSON 404.

use axum::extract::{Path, State};
use axum::http::{Method, Uri};
use axum::Json;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::{input, AppState};
use crate::store;

/// `GET /2/projects/{pid}`: the project, created on first use.
pub(crate) async fn project(
    State(state): State<AppState>,
    Path(pid): Path<String>,
) -> ApiResult<Json<Value>> {
    let pid = super::project(&state, &pid)?;
    let conn = state.engine.store.lock();
    Ok(Json(store::ensure_project(
        &conn,
        &pid,
        crate::ids::now_ms(),
    )?))
}

/// `GET /2/stacks`: the runtimes this server can run (a JSON array, as documented).
pub(crate) async fn stacks() -> Json<Value> {
    Json(json!(["python", "php", "ruby", "node", "sh", "binary"]))
}

/// `GET /version`.
pub(crate) async fn version() -> Json<Value> {
    Json(json!({ "version": env!("CARGO_PKG_VERSION"), "server": "iron-worker local server" }))
}

/// `GET /__debug/requests[?limit=N]`: the recorded requests, oldest first.
pub(crate) async fn debug_requests(
    State(state): State<AppState>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let pairs = input::query_pairs(uri.query());
    let limit = input::query_int(&pairs, "limit")?.map(|l| l.max(0) as usize);
    Ok(Json(state.recorder.to_json(limit)))
}

/// `DELETE /__debug/requests`: forgets them.
pub(crate) async fn debug_clear(State(state): State<AppState>) -> Json<Value> {
    state.recorder.clear();
    Json(json!({ "msg": "Cleared" }))
}

/// Any other path.
pub(crate) async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("Not found: no endpoint {method} {}", uri.path()))
}
