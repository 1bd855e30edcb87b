//! The last requests received, for conformance tests: `GET /__debug/requests`.
//!
//! Keeps method, path, query, a few headers and the first 64 KB of the body. The token is
//! replaced by `[redacted]` wherever it appears before anything is shown.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};
use futures_util::StreamExt;
use serde_json::{json, Map, Value};

use crate::ids::{now_ms, rfc3339};

/// Body bytes kept per request.
const BODY_LIMIT: usize = 64 * 1024;

/// Headers worth seeing in a conformance check.
const HEADERS: [&str; 8] = [
    "authorization",
    "content-type",
    "content-length",
    "accept",
    "accept-encoding",
    "user-agent",
    "connection",
    "transfer-encoding",
];

/// One recorded request; the body and status fill in as the request is served.
pub(crate) struct Record {
    seq: u64,
    time: i64,
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Arc<Mutex<Vec<u8>>>,
    body_size: Arc<AtomicU64>,
    status: AtomicU16,
}

impl Record {
    /// Sets the response status.
    pub fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::Relaxed);
    }
}

/// The ring of recent requests.
pub(crate) struct Recorder {
    capacity: usize,
    token: String,
    next: AtomicU64,
    records: Mutex<VecDeque<Arc<Record>>>,
}

impl Recorder {
    pub fn new(capacity: usize, token: &str) -> Self {
        Recorder {
            capacity,
            token: token.to_string(),
            next: AtomicU64::new(1),
            records: Mutex::new(VecDeque::new()),
        }
    }

    /// Records a request and returns it with its body wrapped to copy what is read.
    pub fn record(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Body,
    ) -> (Option<Arc<Record>>, Body) {
        if self.capacity == 0 {
            return (None, body);
        }

        let kept = HEADERS
            .iter()
            .filter_map(|name| {
                let value = headers.get(*name)?.to_str().unwrap_or("<binary>");
                let value = if *name == "authorization" {
                    let scheme = value.split_whitespace().next().unwrap_or("");
                    format!("{scheme} [redacted]")
                } else {
                    value.to_string()
                };
                Some((name.to_string(), value))
            })
            .collect();

        let record = Arc::new(Record {
            seq: self.next.fetch_add(1, Ordering::Relaxed),
            time: now_ms(),
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: kept,
            body: Arc::new(Mutex::new(Vec::new())),
            body_size: Arc::new(AtomicU64::new(0)),
            status: AtomicU16::new(0),
        });

        let (sink, size) = (Arc::clone(&record.body), Arc::clone(&record.body_size));
        let body = Body::from_stream(body.into_data_stream().map(move |chunk| {
            if let Ok(bytes) = &chunk {
                size.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                if let Ok(mut buf) = sink.lock() {
                    let room = BODY_LIMIT.saturating_sub(buf.len()).min(bytes.len());
                    buf.extend_from_slice(&bytes[..room]);
                }
            }
            chunk
        }));

        if let Ok(mut records) = self.records.lock() {
            records.push_back(Arc::clone(&record));
            while records.len() > self.capacity {
                records.pop_front();
            }
        }
        (Some(record), body)
    }

    fn redact(&self, text: &str) -> String {
        if self.token.is_empty() {
            return text.to_string();
        }
        text.replace(&self.token, "[redacted]")
    }

    /// The recorded requests, oldest first (the last `limit` if given).
    pub fn to_json(&self, limit: Option<usize>) -> Value {
        let records: Vec<Arc<Record>> = match self.records.lock() {
            Ok(r) => r.iter().cloned().collect(),
            Err(_) => Vec::new(),
        };
        let skip = limit.map(|l| records.len().saturating_sub(l)).unwrap_or(0);

        let list: Vec<Value> = records
            .iter()
            .skip(skip)
            .map(|r| {
                let body = r.body.lock().map(|b| b.clone()).unwrap_or_default();
                let size = r.body_size.load(Ordering::Relaxed);
                let headers: Map<String, Value> = r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(self.redact(v))))
                    .collect();
                json!({
                    "seq": r.seq,
                    "time": rfc3339(r.time),
                    "method": r.method,
                    "path": self.redact(&r.path),
                    "query": r.query.as_deref().map(|q| self.redact(q)),
                    "headers": headers,
                    "body": self.redact(&String::from_utf8_lossy(&body)),
                    "body_size": size,
                    "body_truncated": size > body.len() as u64,
                    "status": r.status.load(Ordering::Relaxed),
                })
            })
            .collect();
        json!({ "requests": list })
    }

    /// Forgets every recorded request.
    pub fn clear(&self) {
        if let Ok(mut records) = self.records.lock() {
            records.clear();
        }
    }
}
