//! Reading request bodies and fields the way the official clients send them.
//!
//! Unknown keys are ignored and `null` or `""` mean "not given", because the clients send many
//! legacy fields and empty values (reference §1.5). Every error names the field.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use crate::ids::{parse_time, Millis};

/// Reads a body of at most `limit` bytes; 413 past it.
pub(crate) async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> ApiResult<Bytes> {
    let too_large = || {
        ApiError::too_large(format!(
            "request body is larger than the limit of {limit} bytes"
        ))
    };

    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit as u64 {
            return Err(too_large());
        }
    }

    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("cannot read request body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// True if the request says its body is JSON.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        })
        .unwrap_or(false)
}

/// Parses a JSON object body.
///
/// `strict`: a body that is missing or not declared as JSON is a 406 (the documented answer
/// for JSON endpoints). Not strict (cancel, pause, retry...): an empty body or a body of any
/// type is accepted, and an unparsable one is ignored, because clients send `{}`, nothing,
/// or their token as the body of these calls.
pub(crate) fn parse_object(
    headers: &HeaderMap,
    body: &[u8],
    strict: bool,
) -> ApiResult<Map<String, Value>> {
    let blank = body.iter().all(|b| b.is_ascii_whitespace());

    if strict && !is_json(headers) {
        return Err(ApiError::not_acceptable(
            "this endpoint takes a JSON body: send Content-Type: application/json",
        ));
    }
    if blank {
        if strict {
            return Err(ApiError::bad_request(
                "the request body is empty; a JSON object is required",
            ));
        }
        return Ok(Map::new());
    }

    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) if strict => Err(ApiError::bad_request(
            "the request body must be a JSON object",
        )),
        Err(e) if strict => Err(ApiError::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
        _ => Ok(Map::new()),
    }
}

/// A field's value unless it is absent, `null` or `""`.
pub(crate) fn given<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(v),
    }
}

/// An optional string field; numbers and booleans are refused.
pub(crate) fn opt_str(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
) -> ApiResult<Option<String>> {
    match given(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ApiError::bad_request(format!(
            "{path}{key} must be a string, not {}",
            kind(other)
        ))),
    }
}

/// An optional integer field: an integer, a float (truncated) or a numeric string.
pub(crate) fn opt_int(map: &Map<String, Value>, key: &str, path: &str) -> ApiResult<Option<i64>> {
    let Some(v) = given(map, key) else {
        return Ok(None);
    };
    let bad = || ApiError::bad_request(format!("{path}{key} must be an integer, not {}", kind(v)));
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(bad),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// An optional time: RFC 3339 text or Unix seconds.
pub(crate) fn opt_time(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
) -> ApiResult<Option<Millis>> {
    let Some(v) = given(map, key) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(format!(
            "{path}{key} must be an RFC 3339 time such as 2030-01-01T00:00:00Z or Unix seconds"
        ))
    };
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(|f| Some((f * 1000.0) as i64))
            .ok_or_else(bad),
        Value::String(s) => {
            if let Ok(secs) = s.trim().parse::<f64>() {
                return Ok(Some((secs * 1000.0) as i64));
            }
            parse_time(s).map(Some).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// A payload or config: a string as is, anything else JSON-encoded (defensively: the API
/// wants a string, some clients send an object).
pub(crate) fn opt_text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match given(map, key) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// The JSON type name of a value, for error messages.
/// The non-empty array under `key` of a batch request (`{"tasks": [...]}`); `example` shows
/// the expected shape in the error for a missing key.
pub(crate) fn batch<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    example: &str,
) -> ApiResult<&'a Vec<Value>> {
    match given(map, key) {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items),
        Some(Value::Array(_)) => Err(ApiError::bad_request(format!("{key} must not be empty"))),
        Some(other) => Err(ApiError::bad_request(format!(
            "{key} must be an array of objects, not {}",
            kind(other)
        ))),
        None => Err(ApiError::bad_request(format!(
            "{key} is required: {{\"{key}\": [{example}]}}"
        ))),
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Query parameters as pairs, in order.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

/// The last value of a query parameter, unless empty.
pub(crate) fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// An integer query parameter.
pub(crate) fn query_int(pairs: &[(String, String)], key: &str) -> ApiResult<Option<i64>> {
    match query_get(pairs, key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| v.trim().parse::<f64>().ok().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "query parameter {key} must be an integer, not {v:?}"
                ))
            }),
    }
}

/// True for a flag query parameter that is set: any value but empty, `0` or `false`.
pub(crate) fn query_flag(pairs: &[(String, String)], key: &str) -> bool {
    pairs.iter().any(|(k, v)| {
        k == key && {
            let v = v.trim().to_ascii_lowercase();
            !(v.is_empty() || v == "0" || v == "false")
        }
    })
}

/// `page` and `per_page` as (limit, offset): page 0-100, per_page 1-100 (default 30).
pub(crate) fn paging(pairs: &[(String, String)]) -> ApiResult<(i64, i64)> {
    let page = query_int(pairs, "page")?.unwrap_or(0);
    let per_page = query_int(pairs, "per_page")?.unwrap_or(30);
    if !(0..=100).contains(&page) {
        return Err(ApiError::bad_request(format!(
            "page must be between 0 and 100, not {page}"
        )));
    }
    if !(0..=100).contains(&per_page) {
        return Err(ApiError::bad_request(format!(
            "per_page must be between 1 and 100, not {per_page}"
        )));
    }
    let per_page = if per_page == 0 { 30 } else { per_page };
    Ok((per_page, page * per_page))
}
