//! Helpers shared by the client tests: clients for a URL, and a tiny scripted HTTP server.
//!
//! The scripted server is a plain `TcpListener` that reads each request in full and answers
//! what the test tells it to (a status, a gzip body, or a dropped connection), counting the
//! requests it saw. It is for what the real local server cannot be made to do on demand
//! (answer 503, hang up); everything else is tested against the real server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iron_worker::{Client, Config, Token};
use iron_worker_server::{start_background, RunningServer, ServerConfig};

/// The token of every test; a test checks it never shows in an error.
pub const TOKEN: &str = "tok-SECRET-4f32d521519cb6";

/// A 24-hex project id.
pub const PROJECT: &str = "4f32d521519cb67829000390";

/// A configuration for a server at `url` (`http://host:port`).
pub fn config_for(url: &str, token: &str, max_retries: u32) -> Config {
    let rest = url.trim_start_matches("http://").trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').expect("url has a port");
    Config {
        token: Token::new(token),
        project_id: PROJECT.to_string(),
        host: host.to_string(),
        port: port.parse().expect("numeric port"),
        protocol: "http".to_string(),
        api_version: "2".to_string(),
        timeout: Duration::from_secs(30),
        upload_timeout: Duration::from_secs(300),
        max_retries,
    }
}

/// A client for a server at `url`, retrying quickly.
pub fn client_for(url: &str, max_retries: u32) -> Client {
    Client::new(config_for(url, TOKEN, max_retries))
        .expect("client")
        .with_retry_base(Duration::from_millis(1))
}

/// What the scripted server does with one request.
pub enum Reply {
    /// Answers this status with this JSON body.
    Json(u16, String),
    /// Answers 200 with this body, gzip-compressed.
    Gzip(String),
    /// Closes the connection without answering (after reading the whole request).
    Hangup,
    /// Reads the request, then waits this long before closing without an answer.
    Stall(Duration),
}

/// One request as the scripted server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request line, e.g. `GET /2/projects/P HTTP/1.1`.
    pub line: String,
    /// Header lines, lowercase names: `("authorization", "OAuth ...")`.
    pub headers: Vec<(String, String)>,
    /// Body length in bytes.
    pub body_len: u64,
    /// The first 64 KiB of the body.
    pub body_head: Vec<u8>,
    /// The last 64 bytes of the body.
    pub body_tail: Vec<u8>,
}

impl Seen {
    /// The value of a header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running scripted server.
pub struct Scripted {
    pub url: String,
    pub attempts: Arc<AtomicUsize>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    /// How many requests arrived.
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// The requests that arrived, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a server answering request number `n` (0-based) with `script(n)`.
pub fn scripted(script: impl Fn(usize) -> Reply + Send + 'static) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));

    let (counter, log) = (attempts.clone(), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Some(request) = read_request(&stream) else {
                continue;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            log.lock().unwrap().push(request);
            let reply = script(n);
            // A stalled answer must not hold up the next connection.
            std::thread::spawn(move || answer(stream, reply));
        }
    });

    Scripted {
        url: format!("http://{addr}"),
        attempts,
        seen,
    }
}

/// Reads one request: head, then exactly `Content-Length` bytes of body.
fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }

    let length: u64 = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body_head = Vec::new();
    let mut body_tail = Vec::new();
    let mut remaining = length;
    let mut buffer = vec![0u8; 64 * 1024];
    while remaining > 0 {
        let want = buffer.len().min(remaining as usize);
        let read = reader.read(&mut buffer[..want]).ok()?;
        if read == 0 {
            return None;
        }
        if body_head.len() < 64 * 1024 {
            let room = 64 * 1024 - body_head.len();
            body_head.extend_from_slice(&buffer[..read.min(room)]);
        }
        body_tail.extend_from_slice(&buffer[..read]);
        if body_tail.len() > 64 {
            body_tail.drain(..body_tail.len() - 64);
        }
        remaining -= read as u64;
    }

    let line = line.trim_end().to_string();
    Some(Seen {
        line,
        headers,
        body_len: length,
        body_head,
        body_tail,
    })
}

/// Writes the scripted answer and closes the connection.
fn answer(mut stream: TcpStream, reply: Reply) {
    let (status, extra, body) = match reply {
        Reply::Hangup => return,
        Reply::Stall(pause) => {
            std::thread::sleep(pause);
            return;
        }
        Reply::Json(status, body) => (status, "", body.into_bytes()),
        Reply::Gzip(body) => (
            200,
            "Content-Encoding: gzip\r\n",
            gzip_stored(body.as_bytes()),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\n{extra}\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
}

/// A gzip member holding `data` in one stored (uncompressed) deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    assert!(data.len() < 65_536);
    let len = data.len() as u16;
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.push(1);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE), bit by bit: the test bodies are tiny.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Starts a real local server on a free port with its data under `dir`, and a client of it
/// (two retries).
pub fn local_server(dir: &std::path::Path) -> (RunningServer, Client) {
    let config = ServerConfig {
        port: 0,
        ..ServerConfig::new(dir.join("data"), TOKEN)
    };
    let server = start_background(config).expect("local server starts");
    let client = client_for(&server.url(), 2);
    (server, client)
}
