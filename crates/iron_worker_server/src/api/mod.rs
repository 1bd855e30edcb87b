//! The HTTP API: the IronWorker v2 routes, authentication and the request recorder.

pub(crate) mod codes;
pub(crate) mod error;
pub(crate) mod input;
pub(crate) mod misc;
pub(crate) mod schedules;
pub(crate) mod tasks;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use subtle::ConstantTimeEq;

use crate::engine::Engine;
use crate::ids::{is_id, now_ms};
use crate::recorder::Recorder;
use crate::store;
use error::{ApiError, ApiResult};

/// What every handler can reach.
#[derive(Clone)]
pub(crate) struct AppState {
    pub engine: Arc<Engine>,
    pub recorder: Arc<Recorder>,
}

/// The whole application: every route behind the outer middleware (path normalisation,
/// recording, authentication, JSON error bodies).
pub(crate) fn app(state: AppState) -> Router {
    let p = "/2/projects/{pid}";
    let routes = Router::new()
        .route(p, get(misc::project))
        .route(&format!("{p}/codes"), get(codes::list).post(codes::upload))
        .route(
            &format!("{p}/codes/{{code_id}}"),
            get(codes::get).delete(codes::delete),
        )
        .route(
            &format!("{p}/codes/{{code_id}}/download"),
            get(codes::download),
        )
        .route(
            &format!("{p}/codes/{{code_id}}/revisions"),
            get(codes::revisions),
        )
        .route(&format!("{p}/codes/{{code_id}}/stats"), get(codes::stats))
        .route(
            &format!("{p}/codes/{{code_id}}/pause_task_queue"),
            post(codes::pause),
        )
        .route(
            &format!("{p}/codes/{{code_id}}/resume_task_queue"),
            post(codes::resume),
        )
        .route(
            &format!("{p}/codes/{{code_id}}/cancel_all"),
            post(codes::cancel_all),
        )
        .route(&format!("{p}/tasks"), get(tasks::list).post(tasks::queue))
        .route(&format!("{p}/tasks/webhook"), post(tasks::webhook))
        .route(&format!("{p}/tasks/{{task_id}}"), get(tasks::get))
        .route(&format!("{p}/tasks/{{task_id}}/log"), get(tasks::log))
        .route(&format!("{p}/tasks/{{task_id}}/outlog"), get(tasks::outlog))
        .route(
            &format!("{p}/tasks/{{task_id}}/cancel"),
            post(tasks::cancel),
        )
        .route(
            &format!("{p}/tasks/{{task_id}}/progress"),
            post(tasks::progress),
        )
        .route(&format!("{p}/tasks/{{task_id}}/retry"), post(tasks::retry))
        .route(
            &format!("{p}/schedules"),
            get(schedules::list).post(schedules::create),
        )
        .route(
            &format!("{p}/schedules/{{schedule_id}}"),
            get(schedules::get).put(schedules::update),
        )
        .route(
            &format!("{p}/schedules/{{schedule_id}}/cancel"),
            post(schedules::cancel),
        )
        .route("/2/stacks", get(misc::stacks))
        .route("/2/version", get(misc::version))
        .route("/version", get(misc::version))
        .route(
            "/__debug/requests",
            get(misc::debug_requests).delete(misc::debug_clear),
        )
        .fallback(misc::not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(state.clone());

    // The routes sit in a fallback so that the middleware runs before routing (it rewrites
    // a trailing slash, which old clients send).
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(state, outer))
}

/// Validates a project id from the path and creates the project on first use.
pub(crate) fn project(state: &AppState, pid: &str) -> ApiResult<String> {
    if !is_id(pid) {
        return Err(ApiError::not_found(format!(
            "Project not found: {pid:?} is not a project id (24 hex characters)"
        )));
    }
    let conn = state.engine.store.lock();
    store::ensure_project(&conn, pid, now_ms())?;
    Ok(pid.to_string())
}

/// Path normalisation, recording, authentication, JSON bodies for 405s.
async fn outer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();

    if let Some(uri) = without_trailing_slash(&parts.uri) {
        parts.uri = uri;
    }

    let (record, body) = if parts.uri.path().starts_with("/__debug/") {
        (None, body)
    } else {
        state
            .recorder
            .record(&parts.method, &parts.uri, &parts.headers, body)
    };

    // Small bodies are read whole before routing: every handler then sees a complete body,
    // and one that ignores it (cancel, pause...) never leaves unread bytes that would make
    // the server drop the client's keep-alive connection. Uploads stream.
    let (buffered, body) = if has_body(&parts.method) && !is_multipart(&parts.headers) {
        match input::read_limited(&parts.headers, body, BUFFERED_BODY_LIMIT).await {
            Ok(bytes) => (Some(bytes.clone()), Body::from(bytes)),
            Err(e) => {
                if let Some(r) = &record {
                    r.set_status(e.status.as_u16());
                }
                return e.into_response();
            }
        }
    } else {
        (None, body)
    };
    let authorized = authorize(&state, &parts, buffered.as_ref());

    let response = if authorized {
        let method = parts.method.clone();
        let path = parts.uri.path().to_string();
        let resp = next.run(Request::from_parts(parts, body)).await;
        json_method_not_allowed(resp, &method, &path)
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing token: send it as the header `Authorization: OAuth <token>`, \
             the query parameter `oauth=<token>` or a JSON body key `oauth`",
        )
        .into_response()
    };

    if let Some(r) = &record {
        r.set_status(response.status().as_u16());
    }
    response
}

/// The URI without a trailing slash, if it had one (`/2/projects/X/tasks/Y/log/`).
fn without_trailing_slash(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    let new = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    new.parse().ok()
}

/// Largest body read before routing; each endpoint then applies its own (smaller) limit.
const BUFFERED_BODY_LIMIT: usize = 1024 * 1024;

fn has_body(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        })
}

/// Checks the token from the Authorization header, `?oauth=` or a JSON body key `oauth`
/// (PHP clients put it in every POST body), in constant time.
fn authorize(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: Option<&axum::body::Bytes>,
) -> bool {
    let expected = state.engine.config.token.as_bytes();
    let matches = |given: &str| -> bool {
        !expected.is_empty() && bool::from(given.trim().as_bytes().ct_eq(expected))
    };

    if let Some(value) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        let credential = match value.split_once(char::is_whitespace) {
            Some((scheme, rest))
                if ["oauth", "jwt", "bearer", "token"]
                    .contains(&scheme.to_ascii_lowercase().as_str()) =>
            {
                rest
            }
            _ => value,
        };
        if matches(credential) {
            return true;
        }
    }

    let pairs = input::query_pairs(parts.uri.query());
    if input::query_get(&pairs, "oauth").is_some_and(matches) {
        return true;
    }

    match body {
        Some(bytes) if input::is_json(&parts.headers) => {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("oauth").and_then(|t| t.as_str()).map(matches))
                .unwrap_or(false)
        }
        _ => false,
    }
}

/// Gives axum's bare 405 a JSON `msg`.
fn json_method_not_allowed(resp: Response, method: &Method, path: &str) -> Response {
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED
        || resp.headers().contains_key(header::CONTENT_TYPE)
    {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method not allowed: {method} is not supported on {path}"),
    )
    .into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}
