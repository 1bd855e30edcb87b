//! Code packages: upload, list, details, delete, download, revisions, stats, pause/resume.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};
use tokio::io::AsyncWriteExt;

use super::error::{ApiError, ApiResult};
use super::{input, project, AppState};
use crate::ids::{is_id, new_id, now_ms};
use crate::package::{self, PackageError};
use crate::store::{self, CodeRow, RevisionRow};

/// Largest `data` part of an upload (it holds the config, up to 64 KB, plus a few fields).
const MAX_DATA_BYTES: usize = 1024 * 1024;

/// Most retries a code may ask for (documented).
const MAX_RETRIES: i64 = 10;

fn code_not_found(code_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Code not found: no code package {code_id} in this project"
    ))
}

/// Looks up a code of the project or answers 404.
fn load_code(state: &AppState, pid: &str, code_id: &str) -> ApiResult<CodeRow> {
    if !is_id(code_id) {
        return Err(code_not_found(code_id));
    }
    let conn = state.engine.store.lock();
    store::code_by_id(&conn, pid, code_id)?.ok_or_else(|| code_not_found(code_id))
}

fn code_json(state: &AppState, code: &CodeRow) -> ApiResult<Value> {
    let conn = state.engine.store.lock();
    let latest = store::revision_by_id(&conn, &code.latest_history_id)?;
    Ok(code.to_json(latest.as_ref()))
}

/// `GET /codes`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let (limit, offset) = input::paging(&input::query_pairs(uri.query()))?;

    let conn = state.engine.store.lock();
    let codes = store::list_codes(&conn, &pid, limit, offset)?;
    let mut list = Vec::with_capacity(codes.len());
    for code in &codes {
        let latest = store::revision_by_id(&conn, &code.latest_history_id)?;
        list.push(code.to_json(latest.as_ref()));
    }
    Ok(Json(json!({ "codes": list })))
}

/// `GET /codes/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let code = load_code(&state, &pid, &code_id)?;
    Ok(Json(code_json(&state, &code)?))
}

/// `DELETE /codes/{id}`: removes the code, its revisions and files; its queued tasks are
/// cancelled (running ones finish).
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    if !is_id(&code_id) {
        return Err(code_not_found(&code_id));
    }

    // The existence check is the DELETE itself: of concurrent deletes, one wins, the others
    // answer 404, and no task is queued for the code between its cancel and its removal.
    let revisions = {
        let mut conn = state.engine.store.lock();
        let msg = "The code package was deleted";
        store::delete_code(&mut conn, &pid, &code_id, msg, now_ms())?
            .ok_or_else(|| code_not_found(&code_id))?
    };

    let paths = state.engine.paths.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for rev in revisions {
            let _ = std::fs::remove_file(paths.package_zip(&rev));
            let _ = std::fs::remove_dir_all(paths.package_cache(&rev));
        }
    })
    .await;
    Ok(Json(json!({ "msg": "Deleted" })))
}

/// `GET /codes/{id}/revisions`.
pub(crate) async fn revisions(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let (limit, offset) = input::paging(&input::query_pairs(uri.query()))?;
    let code = load_code(&state, &pid, &code_id)?;

    let conn = state.engine.store.lock();
    let revs = store::list_revisions(&conn, &code.id, limit, offset)?;
    let list: Vec<Value> = revs.iter().map(RevisionRow::to_json).collect();
    Ok(Json(json!({ "revisions": list })))
}

/// `GET /codes/{id}/download[?revision=N]`: the zip, named `<name>_<rev>.zip`.
pub(crate) async fn download(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult<Response> {
    let pid = project(&state, &pid)?;
    let pairs = input::query_pairs(uri.query());
    let wanted = input::query_int(&pairs, "revision")?;
    let code = load_code(&state, &pid, &code_id)?;

    let rev = {
        let conn = state.engine.store.lock();
        match wanted {
            Some(n) => store::revision_by_number(&conn, &code.id, n)?.ok_or_else(|| {
                ApiError::not_found(format!(
                    "Revision not found: code {code_id} has no revision {n}"
                ))
            })?,
            None => store::revision_by_id(&conn, &code.latest_history_id)?
                .ok_or_else(|| code_not_found(&code_id))?,
        }
    };
    if !rev.has_zip {
        return Err(ApiError::not_found(format!(
            "Revision {} of code {code_id} has no zip package (it was registered without one)",
            rev.rev
        )));
    }

    let path = state.engine.paths.package_zip(&rev.id);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::internal(format!("cannot read {}: {e}", path.display())))?;
    let disposition = format!("filename={}_{}.zip", code.name, rev.rev);
    let mut resp = (StatusCode::OK, bytes).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `GET /codes/{id}/stats[?start_date&end_date]`: task counts by status (default: last 24 h).
pub(crate) async fn stats(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let pairs = input::query_pairs(uri.query());
    let now = now_ms();
    let to = input::query_int(&pairs, "end_date")?
        .map(|s| s * 1000)
        .unwrap_or(now);
    let from = input::query_int(&pairs, "start_date")?
        .map(|s| s * 1000)
        .unwrap_or(to - 24 * 3600 * 1000);
    let code = load_code(&state, &pid, &code_id)?;

    let conn = state.engine.store.lock();
    let mut out = Map::new();
    for status in [
        "queued",
        "preparing",
        "running",
        "complete",
        "error",
        "cancelled",
        "timeout",
    ] {
        out.insert(status.to_string(), json!(0));
    }
    for (status, n) in store::code_stats(&conn, &code.id, from, to)? {
        out.insert(status, json!(n));
    }
    Ok(Json(Value::Object(out)))
}

/// `POST /codes/{id}/pause_task_queue`: queued (and scheduled) tasks wait until resumed.
pub(crate) async fn pause(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    set_paused(state, pid, code_id, true).await
}

/// `POST /codes/{id}/resume_task_queue`.
pub(crate) async fn resume(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    set_paused(state, pid, code_id, false).await
}

async fn set_paused(
    state: AppState,
    pid: String,
    code_id: String,
    paused: bool,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    if !is_id(&code_id) {
        return Err(code_not_found(&code_id));
    }

    // The state before is read in the same transaction as the change, so of concurrent
    // pauses exactly one answers "Paused".
    let before = {
        let mut conn = state.engine.store.lock();
        store::set_paused(&mut conn, &pid, &code_id, paused)?
            .ok_or_else(|| code_not_found(&code_id))?
    };
    let msg = match (before, paused) {
        (true, true) => "Already paused",
        (false, false) => "Already resumed",
        (_, true) => "Paused",
        (_, false) => "Resumed",
    };
    state.engine.wake();
    Ok(Json(json!({ "msg": msg })))
}

/// `POST /codes/{id}/cancel_all`: cancels every queued task of the code.
pub(crate) async fn cancel_all(
    State(state): State<AppState>,
    Path((pid, code_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    if !is_id(&code_id) {
        return Err(code_not_found(&code_id));
    }
    let n = state
        .engine
        .cancel_all(&pid, &code_id)?
        .ok_or_else(|| code_not_found(&code_id))?;
    Ok(Json(json!({ "msg": "Cancelled", "cancelled_count": n })))
}

// ---- upload --------------------------------------------------------------------------------

/// A zip received into a temporary file.
struct Received {
    path: PathBuf,
    size: u64,
    md5: String,
}

/// `POST /codes`: multipart with a `data` JSON part and an optional `file` zip, in any order.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    req: Request,
) -> ApiResult<Json<Value>> {
    let pid = project(&state, &pid)?;
    let headers = req.headers().clone();
    let limit = state.engine.config.max_upload_bytes;

    if let Some(len) = content_length(&headers) {
        if len > limit {
            return Err(too_large_upload(limit));
        }
    }

    let (data, zip) = if input::is_json(&headers) {
        // Docker-era registration without a zip may come as plain JSON.
        let body = input::read_limited(&headers, req.into_body(), MAX_DATA_BYTES).await?;
        (input::parse_object(&headers, &body, true)?, None)
    } else {
        read_multipart(&state, req, limit).await?
    };

    let result = store_upload(&state, &pid, data, zip.as_ref()).await;
    if let Some(z) = zip {
        let _ = tokio::fs::remove_file(&z.path).await;
    }
    result.map(Json)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn too_large_upload(limit: u64) -> ApiError {
    ApiError::too_large(format!(
        "the upload is larger than the limit of {limit} bytes"
    ))
}

/// Reads the parts; the zip is streamed to a temporary file (memory stays flat).
async fn read_multipart(
    state: &AppState,
    req: Request,
    limit: u64,
) -> ApiResult<(Map<String, Value>, Option<Received>)> {
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::not_acceptable(format!(
            "a code upload is multipart/form-data with a `data` part and an optional `file` \
             part: {}",
            e.body_text()
        ))
    })?;

    let mut data: Option<Map<String, Value>> = None;
    let mut zip: Option<Received> = None;
    let mut total: u64 = 0;
    let bad_multipart = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
    };

    let outcome: ApiResult<()> = async {
        while let Some(mut field) = multipart.next_field().await.map_err(bad_multipart)? {
            let name = field.name().unwrap_or("").to_string();
            let has_filename = field.file_name().is_some_and(|f| !f.is_empty());
            match name.as_str() {
                "data" => {
                    let mut buf = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
                        total += chunk.len() as u64;
                        if buf.len() + chunk.len() > MAX_DATA_BYTES {
                            return Err(ApiError::too_large(format!(
                                "the `data` part is larger than {MAX_DATA_BYTES} bytes"
                            )));
                        }
                        buf.extend_from_slice(&chunk);
                    }
                    let parsed: Value = serde_json::from_slice(&buf).map_err(|e| {
                        ApiError::bad_request(format!("the `data` part is not valid JSON: {e}"))
                    })?;
                    let Value::Object(map) = parsed else {
                        return Err(ApiError::bad_request(
                            "the `data` part must be a JSON object",
                        ));
                    };
                    data = Some(map);
                }
                "file" => {
                    let path = state
                        .engine
                        .paths
                        .tmp()
                        .join(format!("upload-{}.zip", new_id()));
                    let mut out = tokio::fs::File::create(&path)
                        .await
                        .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
                    let mut received = Received {
                        path,
                        size: 0,
                        md5: String::new(),
                    };
                    let mut hasher = Md5::new();
                    let written: ApiResult<()> = async {
                        while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
                            total += chunk.len() as u64;
                            if total > limit {
                                return Err(too_large_upload(limit));
                            }
                            hasher.update(&chunk);
                            received.size += chunk.len() as u64;
                            out.write_all(&chunk).await.map_err(|e| {
                                ApiError::internal(format!("writing the upload: {e}"))
                            })?;
                        }
                        out.flush()
                            .await
                            .map_err(|e| ApiError::internal(format!("writing the upload: {e}")))
                    }
                    .await;
                    if let Err(e) = written {
                        let _ = tokio::fs::remove_file(&received.path).await;
                        return Err(e);
                    }
                    received.md5 = hex(&hasher.finalize());

                    // Ruby can send `file` as an empty plain field: that means no zip.
                    if received.size == 0 && !has_filename {
                        let _ = tokio::fs::remove_file(&received.path).await;
                        continue;
                    }
                    if let Some(old) = zip.replace(received) {
                        let _ = tokio::fs::remove_file(&old.path).await;
                    }
                }
                _ => {
                    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
                        total += chunk.len() as u64;
                        if total > limit {
                            return Err(too_large_upload(limit));
                        }
                    }
                }
            }
        }
        Ok(())
    }
    .await;

    if let Err(e) = outcome {
        if let Some(z) = zip {
            let _ = tokio::fs::remove_file(&z.path).await;
        }
        return Err(e);
    }
    let Some(data) = data else {
        if let Some(z) = zip {
            let _ = tokio::fs::remove_file(&z.path).await;
        }
        return Err(ApiError::bad_request(
            "the upload has no `data` part (a JSON object with at least `name`)",
        ));
    };
    Ok((data, zip))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The settings of a revision, validated from the `data` object.
fn revision_from_data(
    state: &AppState,
    pid: &str,
    data: &Map<String, Value>,
) -> ApiResult<RevisionRow> {
    let p = "data.";
    let name = input::opt_str(data, "name", p)?
        .or(input::opt_str(data, "code_name", p)?)
        .ok_or_else(|| ApiError::bad_request("data.name is required: the code package's name"))?;

    let config = input::opt_text(data, "config");
    let limit = state.engine.config.max_payload_bytes;
    if let Some(c) = &config {
        if c.len() > limit {
            return Err(ApiError::too_large(format!(
                "data.config is {} bytes; the limit is {limit} bytes",
                c.len()
            )));
        }
    }

    let retries = input::opt_int(data, "retries", p)?;
    if let Some(r) = retries {
        if !(0..=MAX_RETRIES).contains(&r) {
            return Err(ApiError::bad_request(format!(
                "data.retries must be between 0 and {MAX_RETRIES}, not {r}"
            )));
        }
    }
    let retries_delay = input::opt_int(data, "retries_delay", p)?;
    if let Some(d) = retries_delay {
        if d < 0 {
            return Err(ApiError::bad_request(format!(
                "data.retries_delay must be 0 or more seconds, not {d}"
            )));
        }
    }
    let priority =
        input::opt_int(data, "default_priority", p)?.or(input::opt_int(data, "priority", p)?);
    if let Some(pr) = priority {
        if !(0..=2).contains(&pr) {
            return Err(ApiError::bad_request(format!(
                "data.default_priority must be 0, 1 or 2, not {pr}"
            )));
        }
    }
    let max_concurrency = input::opt_int(data, "max_concurrency", p)?.filter(|m| *m > 0);

    let env_vars = match input::given(data, "env_vars") {
        None => None,
        Some(Value::Object(map)) => {
            let mut clean = BTreeMap::new();
            for (k, v) in map {
                if k.is_empty() || k.contains('=') || k.contains('\0') {
                    return Err(ApiError::bad_request(format!(
                        "data.env_vars has an invalid variable name {k:?}"
                    )));
                }
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => v.to_string(),
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "data.env_vars.{k} must be a string, not {}",
                            input::kind(other)
                        )))
                    }
                };
                if v.contains('\0') {
                    return Err(ApiError::bad_request(format!(
                        "data.env_vars.{k} contains a NUL byte"
                    )));
                }
                clean.insert(k.clone(), Value::String(v));
            }
            Some(Value::Object(clean.into_iter().collect()).to_string())
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "data.env_vars must be an object of strings, not {}",
                input::kind(other)
            )))
        }
    };

    let file_name = input::opt_str(data, "file_name", p)?;
    if let Some(f) = &file_name {
        package::check_run_file(f).map_err(|why| {
            ApiError::bad_request(format!("data.file_name {f:?} is refused: {why}"))
        })?;
    }

    Ok(RevisionRow {
        id: new_id(),
        project_id: pid.to_string(),
        name,
        created_at: now_ms(),
        runtime: input::opt_str(data, "runtime", p)?,
        file_name,
        stack: input::opt_str(data, "stack", p)?,
        image: input::opt_str(data, "image", p)?,
        command: input::opt_str(data, "command", p)?,
        config,
        max_concurrency,
        retries,
        retries_delay,
        priority,
        env_vars,
        ..RevisionRow::default()
    })
}

/// Validates, unpacks into the revision cache, stores the zip and the revision.
async fn store_upload(
    state: &AppState,
    pid: &str,
    data: Map<String, Value>,
    zip: Option<&Received>,
) -> ApiResult<Value> {
    let mut rev = revision_from_data(state, pid, &data)?;

    match (&zip, &rev.file_name, &rev.command, &rev.image) {
        (None, _, None, None) => {
            return Err(ApiError::bad_request(
                "Code package zip file required if no image specified: send the zip as the \
                 `file` part (or give `image`/`command`)",
            ))
        }
        (Some(_), None, None, _) => {
            return Err(ApiError::bad_request(
                "data.file_name is required: the file in the zip to run",
            ))
        }
        _ => {}
    }

    let paths = state.engine.paths.clone();
    if let Some(z) = zip {
        let max = state.engine.config.max_unpacked_bytes;
        let (zip_path, rev_id) = (z.path.clone(), rev.id.clone());
        let tmp = paths.tmp().join(format!("unpack-{rev_id}"));
        let tmp2 = tmp.clone();
        let unpacked = tokio::task::spawn_blocking(move || package::unpack(&zip_path, &tmp2, max))
            .await
            .map_err(|e| ApiError::internal(format!("unpacking failed: {e}")))?
            .map_err(package_error)?;

        if let Some(file) = &rev.file_name {
            if !package::has_file(&tmp, file) {
                let _ = std::fs::remove_dir_all(&tmp);
                let listed: Vec<String> = unpacked
                    .files
                    .iter()
                    .take(10)
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                return Err(ApiError::bad_request(format!(
                    "data.file_name {file:?} is not in the uploaded zip (it holds: {})",
                    listed.join(", ")
                )));
            }
        }

        place(
            &z.path,
            &paths.package_zip(&rev.id),
            &tmp,
            &paths.package_cache(&rev.id),
        )?;
        rev.has_zip = true;
        rev.checksum = Some(z.md5.clone());
        rev.code_size = Some(i64::try_from(z.size).unwrap_or(i64::MAX));
    }

    let inserted = {
        let mut conn = state.engine.store.lock();
        store::insert_revision(&mut conn, &mut rev, &new_id())
    };
    let code = match inserted {
        Ok(code) => code,
        Err(e) => {
            // Nothing refers to the placed files: remove them rather than leak them.
            if rev.has_zip {
                let _ = std::fs::remove_file(paths.package_zip(&rev.id));
                let _ = std::fs::remove_dir_all(paths.package_cache(&rev.id));
            }
            return Err(e.into());
        }
    };
    tracing::info!(code = %code.name, rev = rev.rev, "code uploaded");

    let mut out = match code.to_json(Some(&rev)) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    out.insert("msg".into(), json!("Upload successful."));
    out.insert("status_code".into(), json!(200));
    Ok(Value::Object(out))
}

/// Moves the received zip and the unpacked tree to their places for the revision.
fn place(zip: &FsPath, zip_dest: &FsPath, tree: &FsPath, tree_dest: &FsPath) -> ApiResult<()> {
    let fail = |what: &FsPath, e: std::io::Error| {
        ApiError::internal(format!("storing the package at {}: {e}", what.display()))
    };
    if std::fs::rename(zip, zip_dest).is_err() {
        std::fs::copy(zip, zip_dest).map_err(|e| fail(zip_dest, e))?;
    }
    std::fs::rename(tree, tree_dest).map_err(|e| fail(tree_dest, e))?;
    Ok(())
}

fn package_error(e: PackageError) -> ApiError {
    match e {
        PackageError::TooLarge { .. } => ApiError::too_large(e.to_string()),
        PackageError::Io { .. } => ApiError::internal(e.to_string()),
        _ => ApiError::bad_request(e.to_string()),
    }
}
