//! The floor of the per-call benchmarks: one keep-alive HTTP/1.1 connection driven by hand
//! over `std::net`, with no HTTP library, no JSON parser and no retry logic.
//!
//! ```text
//! raw_http queue BASE_URL CODE_NAME CALLS [TASKS]   # POST /tasks, TASKS (1) tasks per call
//! raw_http get   BASE_URL TASK_ID   CALLS           # GET /tasks/{id}
//! ```
//!
//! `BASE_URL` is `http://HOST:PORT/2/projects/PROJECT_ID`; the token comes from the
//! `IRON_BENCH_TOKEN` environment variable so it never appears in a process listing.
//! Prints one JSON line: `{"calls": N, "seconds": S}`. Built with plain `rustc -O`, so it
//! needs nothing from crates.io.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str =
    "usage: raw_http queue BASE_URL CODE_NAME CALLS [TASKS] | raw_http get BASE_URL TASK_ID CALLS";

/// What one run is asked to do.
struct Args {
    mode: String,
    host_port: String,
    path_prefix: String,
    target: String,
    calls: usize,
    tasks_per_call: usize,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("raw_http: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let token =
        std::env::var("IRON_BENCH_TOKEN").map_err(|_| "IRON_BENCH_TOKEN is not set".to_string())?;

    let stream = TcpStream::connect(&args.host_port)
        .map_err(|e| format!("cannot connect to {}: {e}", args.host_port))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);

    // One untimed call opens the connection and warms the server's caches.
    let warm = build_request(&args, &token, usize::MAX);
    call(&mut writer, &mut reader, &warm)?;

    let started = Instant::now();
    for i in 0..args.calls {
        let request = build_request(&args, &token, i);
        call(&mut writer, &mut reader, &request)?;
    }
    let seconds = started.elapsed().as_secs_f64();

    println!("{{\"calls\": {}, \"seconds\": {seconds:.6}}}", args.calls);
    Ok(())
}

fn parse_args() -> Result<Args, String> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let (mode, base, target, calls, tasks) = match argv.as_slice() {
        [m, b, t, c] => (m, b, t, c, "1"),
        [m, b, t, c, n] if m == "queue" => (m, b, t, c, n.as_str()),
        _ => return Err(USAGE.to_string()),
    };
    if mode != "queue" && mode != "get" {
        return Err(format!("unknown mode {mode:?} (expected queue or get)"));
    }

    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("BASE_URL must start with http:// (got {base:?})"))?;
    let (host_port, path) = rest
        .split_once('/')
        .ok_or_else(|| format!("BASE_URL has no path (got {base:?})"))?;
    let calls = calls
        .parse()
        .map_err(|_| format!("CALLS must be a whole number (got {calls:?})"))?;
    let tasks_per_call = tasks
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("TASKS must be a whole number above 0 (got {tasks:?})"))?;

    Ok(Args {
        mode: mode.clone(),
        host_port: host_port.to_string(),
        path_prefix: format!("/{}", path.trim_end_matches('/')),
        target: target.clone(),
        calls,
        tasks_per_call,
    })
}

/// The bytes of call number `i`: the same request the bindings send, built by hand.
fn build_request(args: &Args, token: &str, i: usize) -> Vec<u8> {
    let host = &args.host_port;
    let prefix = &args.path_prefix;

    if args.mode == "get" {
        let head = format!(
            "GET {prefix}/tasks/{} HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: OAuth {token}\r\nAccept: application/json\r\n\r\n",
            args.target
        );
        return head.into_bytes();
    }

    // Delayed like every benchmark task, so it waits out of the dispatcher's way.
    let tasks: Vec<String> = (0..args.tasks_per_call)
        .map(|k| {
            let n = i.wrapping_mul(args.tasks_per_call).wrapping_add(k);
            format!(
                "{{\"code_name\":\"{}\",\"payload\":\"{{\\\"n\\\":{n}}}\",\"delay\":3600}}",
                args.target
            )
        })
        .collect();
    let body = format!("{{\"tasks\":[{}]}}", tasks.join(","));
    let head = format!(
        "POST {prefix}/tasks HTTP/1.1\r\nHost: {host}\r\nAuthorization: OAuth {token}\r\n\
         Accept: application/json\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    [head.into_bytes(), body.into_bytes()].concat()
}

/// Sends one request and reads its whole response; anything but 200 is an error.
fn call(
    writer: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    request: &[u8],
) -> Result<(), String> {
    writer
        .write_all(request)
        .map_err(|e| format!("send failed: {e}"))?;

    let mut line = String::new();
    read_line(reader, &mut line)?;
    let status = line.split_whitespace().nth(1).unwrap_or("").to_string();

    let mut length: Option<usize> = None;
    let mut chunked = false;
    loop {
        read_line(reader, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }

    let body = if chunked {
        read_chunked(reader)?
    } else {
        let mut body = vec![0; length.unwrap_or(0)];
        reader
            .read_exact(&mut body)
            .map_err(|e| format!("short body: {e}"))?;
        body
    };

    if status != "200" {
        let text = String::from_utf8_lossy(&body);
        return Err(format!(
            "HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    Ok(())
}

fn read_line(reader: &mut BufReader<TcpStream>, line: &mut String) -> Result<(), String> {
    line.clear();
    match reader.read_line(line) {
        Ok(0) => Err("the server closed the connection".to_string()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("read failed: {e}")),
    }
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        read_line(reader, &mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        if size == 0 {
            // Trailers, then the blank line that ends the message.
            loop {
                read_line(reader, &mut line)?;
                if line.trim_end().is_empty() {
                    return Ok(body);
                }
            }
        }

        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|e| format!("short chunk: {e}"))?;
        read_line(reader, &mut line)?;
    }
}
