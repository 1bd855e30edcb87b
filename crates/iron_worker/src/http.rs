//! Sending one API request: headers, timeouts, retries and error mapping.
//!
//! One [`Transport`] owns one `ureq` agent (a keep-alive connection pool) and is shared by all
//! calls of a [`crate::Client`]. `ureq` is synchronous and starts no background thread, so a
//! client survives `fork()` in a prefork server; the child only needs its own pool, which
//! [`Transport::agent`] builds on the child's first call.

use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use ureq::http::Response;
use ureq::{Agent, Body, SendBody};

use crate::client::Interrupt;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::multipart::{LocalFileError, UploadForm};
use crate::retry::Backoff;

mod resolve;

/// Longest piece of a non-JSON error body quoted in an error message.
const MAX_ERROR_TEXT: usize = 500;

/// Most bytes of an error body read to find its message.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Largest `Content-Length` trusted to size a body's buffer up front; a longer body still
/// reads, growing its buffer as it comes, so a wrong header cannot reserve unbounded memory.
const MAX_PRESIZE: u64 = 1 << 30;

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// A request body.
pub(crate) enum Payload<'a> {
    /// No body and no `Content-Type` (an empty POST still says `Content-Length: 0`).
    Empty,
    /// A JSON document.
    Json(Value),
    /// A code upload, streamed from disk.
    Upload(&'a UploadForm),
}

/// Which time limit a request has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// An ordinary API call: `config.timeout`.
    Short,
    /// Upload or download of a package or log: `config.upload_timeout`.
    Long,
}

/// One API request, relative to the project (`/tasks/...`).
pub(crate) struct Request<'a> {
    pub(crate) method: Method,
    /// Path below `/projects/{pid}`, already percent-encoded, starting with `/` or empty.
    pub(crate) path: String,
    /// Query parameters (encoded when sent).
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) payload: Payload<'a>,
    pub(crate) accept: &'static str,
    pub(crate) budget: Budget,
}

impl<'a> Request<'a> {
    /// A request with no body and no query, answered with JSON.
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Request<'a> {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            payload: Payload::Empty,
            accept: "application/json",
            budget: Budget::Short,
        }
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is set.
    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(key, value),
            None => self,
        }
    }

    /// Sets a JSON body.
    pub(crate) fn json(mut self, body: Value) -> Self {
        self.payload = Payload::Json(body);
        self
    }
}

/// The agent of the process that built it.
struct PooledAgent {
    pid: u32,
    agent: Agent,
}

/// Sends requests for one client.
pub(crate) struct Transport {
    /// `{protocol}://{host}:{port}/{version}/projects/{pid}`.
    project_url: String,
    /// The same without the scheme and host, for messages and logs: `/2/projects/{pid}`.
    project_path: String,
    /// `host:port`, for connection error messages.
    endpoint: String,
    /// `OAuth <token>`. Never logged nor shown: `Transport` has no `Debug`.
    authorization: String,
    timeout: Duration,
    upload_timeout: Duration,
    backoff: Backoff,
    agent: Mutex<PooledAgent>,
}

impl Transport {
    /// Builds the transport for a configuration.
    pub(crate) fn new(config: &Config, backoff: Backoff) -> Transport {
        let base = config.base_url();
        let project = format!("/projects/{}", encode(&config.project_id));
        let version_path = match base.find("://").map(|i| i + 3) {
            Some(start) => base[start..]
                .find('/')
                .map(|i| &base[start + i..])
                .unwrap_or(""),
            None => "",
        };

        Transport {
            project_url: format!("{base}{project}"),
            project_path: format!("{version_path}{project}"),
            endpoint: format!("{}:{}", config.host, config.port),
            authorization: format!("OAuth {}", config.token.expose()),
            timeout: config.timeout,
            upload_timeout: config.upload_timeout,
            backoff,
            agent: Mutex::new(PooledAgent {
                pid: std::process::id(),
                agent: new_agent(),
            }),
        }
    }

    /// The URL of the project, `{base}/projects/{pid}`.
    pub(crate) fn project_url(&self) -> &str {
        &self.project_url
    }

    /// This process's agent; a forked child gets a new one.
    fn agent(&self) -> Agent {
        let pid = std::process::id();
        let mut pooled = match self.agent.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };

        if pooled.pid != pid {
            // The parent's connections must not be used, nor closed: closing a TLS stream
            // writes to a socket the parent still uses. Forgetting them leaks a few file
            // descriptors in the child, once.
            let inherited = std::mem::replace(&mut pooled.agent, new_agent());
            std::mem::forget(inherited);
            pooled.pid = pid;
        }

        pooled.agent.clone()
    }

    /// Sends a request (with retries) and returns the successful response.
    ///
    /// `interrupt` is asked while sleeping before a retry, so an interrupted request is one
    /// that may be sent again. A request in flight is bounded by its timeout (a signal does
    /// not end it: `ureq` resumes reads that a signal broke).
    pub(crate) fn send(
        &self,
        request: &Request<'_>,
        interrupt: &Interrupt,
    ) -> Result<Response<Body>> {
        let path = format!("{}{}", self.project_path, request.path);
        let method = request.method.as_str();
        let mut attempt = 0;

        loop {
            let upload = match &request.payload {
                Payload::Upload(form) => Some(form.reader()?),
                _ => None,
            };
            let started = Instant::now();
            let outcome = self.send_once(request, upload);
            let elapsed = started.elapsed().as_millis();

            let retry = attempt < self.backoff.max_retries;
            match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    tracing::debug!(method, path = %path, status, elapsed_ms = elapsed, attempt);

                    if retry && (status == 503 || status == 504) {
                        drop(response);
                        let reason = format!("HTTP {status}");
                        self.pause(attempt, method, &path, &reason, interrupt)?;
                        attempt += 1;
                        continue;
                    }
                    if !(200..300).contains(&status) {
                        return Err(http_error(response, method, &path));
                    }
                    return Ok(response);
                }
                Err(error) => {
                    let error_text = error.to_string();
                    tracing::debug!(
                        method,
                        path = %path,
                        error = %error_text,
                        elapsed_ms = elapsed,
                        attempt
                    );

                    if retry && may_resend(&error, request.method) {
                        self.pause(attempt, method, &path, &error_text, interrupt)?;
                        attempt += 1;
                        continue;
                    }
                    return Err(self.map_error(error, method, &path, request.budget));
                }
            }
        }
    }

    /// Sends a request and parses the JSON answer.
    pub(crate) fn json(&self, request: &Request<'_>, interrupt: &Interrupt) -> Result<Value> {
        let response = self.send(request, interrupt)?;
        let path = format!("{}{}", self.project_path, request.path);
        let method = request.method.as_str();

        let bytes = read_body(response.into_body())
            .map_err(|e| self.read_error(e, method, &path, request.budget))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(serde_json::Map::new()));
        }

        serde_json::from_slice(&bytes).map_err(|e| {
            let start = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
            Error::Decode(format!(
                "{method} {path}: the answer is not JSON ({e}): {start:?}"
            ))
        })
    }

    /// Sends a request and returns the body as bytes.
    pub(crate) fn bytes(&self, request: &Request<'_>, interrupt: &Interrupt) -> Result<Vec<u8>> {
        let response = self.send(request, interrupt)?;
        let path = format!("{}{}", self.project_path, request.path);

        read_body(response.into_body())
            .map_err(|e| self.read_error(e, request.method.as_str(), &path, request.budget))
    }

    /// Sends a request and returns the body as a stream whose errors name the request.
    pub(crate) fn reader(
        &self,
        request: &Request<'_>,
        interrupt: &Interrupt,
    ) -> Result<BodyStream> {
        let response = self.send(request, interrupt)?;
        Ok(BodyStream {
            inner: Box::new(response.into_body().into_reader()),
            context: format!(
                "{} {}{}",
                request.method.as_str(),
                self.project_path,
                request.path
            ),
        })
    }

    /// Sends a request and copies the body into `out` (the file at `out_path`).
    pub(crate) fn copy_to(
        &self,
        request: &Request<'_>,
        interrupt: &Interrupt,
        out: &mut dyn Write,
        out_path: &Path,
    ) -> Result<u64> {
        let response = self.send(request, interrupt)?;
        let path = format!("{}{}", self.project_path, request.path);
        let method = request.method.as_str();
        let mut body = response.into_body().into_reader();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut copied = 0;

        loop {
            let read = match body.read(&mut buffer) {
                Ok(0) => return Ok(copied),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(e, method, &path, request.budget)),
            };
            out.write_all(&buffer[..read]).map_err(|source| Error::Io {
                action: "write",
                path: out_path.to_path_buf(),
                source,
            })?;
            copied += read as u64;
        }
    }

    /// Turns an error met while reading a response body into an [`Error`].
    pub(crate) fn read_error(
        &self,
        error: io::Error,
        method: &str,
        path: &str,
        budget: Budget,
    ) -> Error {
        self.map_error(ureq::Error::from(error), method, path, budget)
    }

    /// Sleeps before retry number `attempt`, unless `interrupt` fires.
    fn pause(
        &self,
        attempt: u32,
        method: &str,
        path: &str,
        reason: &str,
        interrupt: &Interrupt,
    ) -> Result<()> {
        let delay = self.backoff.delay(attempt);
        tracing::debug!(
            method,
            path = %path,
            reason,
            retry = attempt + 1,
            max_retries = self.backoff.max_retries,
            delay_ms = delay.as_millis(),
            "retrying"
        );
        interrupt.sleep(delay, || format!("before retrying {method} {path}"))
    }

    /// Sends a request once.
    ///
    /// `upload` is the body reader of an upload request, opened afresh for each attempt.
    fn send_once(
        &self,
        request: &Request<'_>,
        upload: Option<UploadReader>,
    ) -> std::result::Result<Response<Body>, ureq::Error> {
        let url = self.url(request);
        let agent = self.agent();
        let timeout = match request.budget {
            Budget::Short => self.timeout,
            Budget::Long => self.upload_timeout,
        };
        // A separate, shorter connect timeout makes a failed connection recognisable
        // (`Timeout::Connect`): nothing was sent, so even a POST may be retried.
        let connect_timeout = self.timeout.min(Duration::from_secs(30));

        macro_rules! configure {
            ($builder:expr) => {
                $builder
                    .config()
                    .timeout_global(Some(timeout))
                    .timeout_connect(Some(connect_timeout))
                    .build()
                    .header("Authorization", self.authorization.as_str())
                    .header("Accept", request.accept)
            };
        }

        match (request.method, &request.payload) {
            (Method::Get, _) => configure!(agent.get(&url)).call(),
            (Method::Delete, _) => configure!(agent.delete(&url)).call(),
            (Method::Post, payload) => {
                send_with_body(configure!(agent.post(&url)), payload, upload)
            }
            (Method::Put, payload) => send_with_body(configure!(agent.put(&url)), payload, upload),
        }
    }

    /// The full URL of a request, query included.
    fn url(&self, request: &Request<'_>) -> String {
        let mut url = format!("{}{}", self.project_url, request.path);
        for (i, (key, value)) in request.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.push_str(&encode(value));
        }
        url
    }

    /// Maps a transport failure to an [`Error`] that names the request, never the token.
    fn map_error(&self, error: ureq::Error, method: &str, path: &str, budget: Budget) -> Error {
        let endpoint = &self.endpoint;
        match error {
            ureq::Error::Timeout(phase) => {
                let limit = match budget {
                    Budget::Short => self.timeout,
                    Budget::Long => self.upload_timeout,
                };
                Error::Timeout(format!(
                    "{method} {path} to {endpoint} did not finish within {:.1} s ({phase})",
                    limit.as_secs_f64()
                ))
            }
            ureq::Error::Io(e) => {
                if let Some(local) = LocalFileError::find(&e) {
                    return Error::Io {
                        action: "upload",
                        path: local.path.clone(),
                        source: io::Error::new(local.source.kind(), local.source.to_string()),
                    };
                }
                let what = match e.kind() {
                    io::ErrorKind::ConnectionRefused => "connection refused",
                    io::ErrorKind::UnexpectedEof => "the server closed the connection",
                    io::ErrorKind::ConnectionReset => "the connection was reset",
                    _ => "connection failed",
                };
                Error::Connection(format!("{method} {path} to {endpoint}: {what} ({e})"))
            }
            ureq::Error::HostNotFound => {
                Error::Connection(format!("{method} {path}: host {endpoint} not found"))
            }
            ureq::Error::ConnectionFailed => {
                Error::Connection(format!("{method} {path}: cannot connect to {endpoint}"))
            }
            ureq::Error::Protocol(e) => Error::Connection(format!(
                "{method} {path} to {endpoint}: the server broke the HTTP protocol ({e})"
            )),
            ureq::Error::Decompress(_, e) => Error::Decode(format!(
                "{method} {path}: cannot decompress the answer ({e})"
            )),
            ureq::Error::BodyExceedsLimit(limit) => Error::Decode(format!(
                "{method} {path}: the body is longer than its announced {limit} bytes"
            )),
            other => Error::Connection(format!("{method} {path} to {endpoint}: {other}")),
        }
    }
}

/// A response body being read; errors name the request.
pub(crate) struct BodyStream {
    inner: Box<dyn Read + Send>,
    context: String,
}

impl Read for BodyStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let kind = e.kind();
            io::Error::new(kind, format!("reading the answer to {}: {e}", self.context))
        })
    }
}

/// The agent every transport starts from: statuses are returned (not errors), redirects are
/// not followed (the API never redirects; following one could carry the token elsewhere).
///
/// Its resolver answers IP hosts without a lookup and caches names for a minute: `ureq`'s own
/// starts a thread per request to bound the lookup by the time limit. The resolver's cache
/// belongs to the agent, so a forked child's new agent starts with its own.
fn new_agent() -> Agent {
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(format!("iron_worker_rust/{}", crate::VERSION))
        .build();

    Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        resolve::CachingResolver::new(),
    )
}

/// Reads a whole response body into one buffer.
///
/// The buffer is sized from `Content-Length` (up to [`MAX_PRESIZE`]) and read into directly,
/// so a 50 MB log is neither grown by doubling nor copied between buffers on the way.
fn read_body(body: Body) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(length) = body.content_length() {
        // A failed reservation only means the buffer grows as the body arrives.
        let _ = bytes.try_reserve_exact(length.min(MAX_PRESIZE) as usize);
    }

    body.into_reader().read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The body reader of an upload.
type UploadReader = Box<dyn Read + Send + 'static>;

/// Sends a body-carrying request.
fn send_with_body(
    builder: ureq::RequestBuilder<ureq::typestate::WithBody>,
    payload: &Payload<'_>,
    upload: Option<UploadReader>,
) -> std::result::Result<Response<Body>, ureq::Error> {
    match (payload, upload) {
        (Payload::Upload(form), Some(reader)) => builder
            .header("Content-Type", form.content_type())
            .header("Content-Length", form.content_length())
            .send(SendBody::from_owned_reader(reader)),
        (Payload::Json(value), _) => builder
            .header("Content-Type", "application/json")
            .send(value.to_string().as_bytes()),
        _ => builder.send(&[][..]),
    }
}

/// Whether a failed request can be sent again without risking a second effect.
///
/// A request that never reached the server (refused or timed-out connection, unknown host) is
/// always safe. Any other failure may have happened after the server acted on the request, so
/// only idempotent methods are sent again: a POST that queues a task is never duplicated.
fn may_resend(error: &ureq::Error, method: Method) -> bool {
    use ureq::Timeout;

    let before_sending = match error {
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => true,
        ureq::Error::Io(e) => {
            LocalFileError::find(e).is_none() && e.kind() == io::ErrorKind::ConnectionRefused
        }
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
        _ => false,
    };
    if before_sending {
        return true;
    }

    let interrupted = match error {
        ureq::Error::Io(e) => {
            LocalFileError::find(e).is_none()
                && matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::BrokenPipe
                        | io::ErrorKind::UnexpectedEof
                )
        }
        _ => false,
    };
    interrupted && method.is_idempotent()
}

/// Builds the [`Error::Http`] of a non-success response from its `msg` or its text.
fn http_error(response: Response<Body>, method: &str, path: &str) -> Error {
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    let _ = response
        .into_body()
        .into_reader()
        .take(MAX_ERROR_BODY)
        .read_to_end(&mut bytes);

    let msg = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("msg").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim();
            let mut cut: String = text.chars().take(MAX_ERROR_TEXT).collect();
            if cut.len() < text.len() {
                cut.push_str("...");
            }
            if cut.is_empty() {
                reason(status).to_string()
            } else {
                cut
            }
        });

    Error::Http {
        status,
        msg,
        method: method.to_string(),
        path: path.to_string(),
    }
}

/// The standard reason phrase, for errors with an empty body.
fn reason(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("no message")
}

/// Percent-encodes a path segment or query value: everything but RFC 3986 unreserved bytes.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_unreserved_bytes_only() {
        assert_eq!(encode("abc-1.2_~"), "abc-1.2_~");
        assert_eq!(encode("a b/c?d&e=é"), "a%20b%2Fc%3Fd%26e%3D%C3%A9");
    }

    #[test]
    fn a_post_is_resent_only_when_it_never_left() {
        let refused = || ureq::Error::Io(io::ErrorKind::ConnectionRefused.into());
        let reset = || ureq::Error::Io(io::ErrorKind::ConnectionReset.into());
        let read_timeout = || ureq::Error::Timeout(ureq::Timeout::RecvResponse);

        assert!(may_resend(&refused(), Method::Post));
        assert!(may_resend(
            &ureq::Error::Timeout(ureq::Timeout::Connect),
            Method::Post
        ));
        assert!(!may_resend(&reset(), Method::Post));
        assert!(!may_resend(&read_timeout(), Method::Post));

        assert!(may_resend(&reset(), Method::Get));
        assert!(!may_resend(&read_timeout(), Method::Get));
    }
}
