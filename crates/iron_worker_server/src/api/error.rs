//! The API's error answer: a status code and `{"msg": ...}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answered to a client. The `msg` names what was wrong; it never holds the token.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub msg: String,
}

impl ApiError {
    pub fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        ApiError {
            status,
            msg: msg.into(),
        }
    }

    /// 400: a field is missing or invalid.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, msg)
    }

    /// 404: no such resource.
    pub fn not_found(msg: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, msg)
    }

    /// 406: a JSON endpoint called without a JSON body.
    pub fn not_acceptable(msg: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_ACCEPTABLE, msg)
    }

    /// 413: over a size limit.
    pub fn too_large(msg: impl Into<String>) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, msg)
    }

    /// 500: the server's own failure (database, disk).
    pub fn internal(msg: impl Into<String>) -> Self {
        let msg = msg.into();
        tracing::error!("internal error: {msg}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {msg}"),
        )
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("state database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "msg": self.msg, "status_code": self.status.as_u16() });
        (self.status, Json(body)).into_response()
    }
}

/// Result of a handler step.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
