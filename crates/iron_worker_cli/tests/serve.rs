//! `iron-worker serve` as a real process: the listening line, the generated token, SIGTERM,
//! and recovery after the server is killed with SIGKILL while a worker runs.

// Test code may fail loudly: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "cli-test-token-42";
const PROJECT: &str = "0123456789abcdef01234567";
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// A server process and the URL it printed.
struct Serve {
    child: Child,
    url: String,
    stderr_path: std::path::PathBuf,
}

fn start(data: &Path, token: Option<&str>) -> Serve {
    start_with(data, token, &[])
}

/// Starts `iron-worker serve` with `extra` flags after the usual ones.
fn start_with(data: &Path, token: Option<&str>, extra: &[&str]) -> Serve {
    let stderr_path = data.with_extension(format!("stderr-{}", std::process::id()));
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iron-worker"));
    cmd.args(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(data)
        .env_remove("IRON_TOKEN")
        .stdout(Stdio::piped())
        .stderr(stderr);
    if let Some(t) = token {
        cmd.args(["--token", t]);
    }
    cmd.args(extra);
    let mut child = cmd.spawn().unwrap();

    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("iron-worker: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_string();
    Serve {
        child,
        url,
        stderr_path,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn call(req: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut res = req.unwrap();
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

impl Serve {
    fn url(&self, path: &str) -> String {
        format!("{}/2/projects/{PROJECT}/{path}", self.url)
    }

    fn get(&self, path: &str, token: &str) -> (u16, Value) {
        call(
            agent()
                .get(self.url(path))
                .header("Authorization", format!("OAuth {token}"))
                .call(),
        )
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        call(
            agent()
                .post(self.url(path))
                .header("Authorization", format!("OAuth {TOKEN}"))
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )
    }

    fn upload(&self, name: &str, file: &str, script: &str, extra: Value) -> Value {
        let (status, v) = self.try_upload(name, file, script, extra);
        assert_eq!(status, 200, "{v}");
        v
    }

    /// Uploads `script` deflated in a zip as code `name`; returns the status and answer.
    fn try_upload(&self, name: &str, file: &str, script: &str, extra: Value) -> (u16, Value) {
        let mut data = json!({"name": name, "file_name": file});
        for (k, v) in extra.as_object().unwrap() {
            data[k] = v.clone();
        }
        let mut zip = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut zip);
            w.start_file(file, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(script.as_bytes()).unwrap();
            w.finish().unwrap();
        }
        let b = "XyZboundary";
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{data}\r\n--{b}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"w.zip\"\r\n\
             Content-Type: application/zip\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(zip.get_ref());
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        call(
            agent()
                .post(self.url("codes"))
                .header("Authorization", format!("OAuth {TOKEN}"))
                .header("Content-Type", format!("multipart/form-data; boundary={b}"))
                .send(&body[..]),
        )
    }

    fn queue(&self, code: &str, extra: Value) -> String {
        let mut task = json!({"code_name": code, "payload": "{}"});
        for (k, v) in extra.as_object().unwrap() {
            task[k] = v.clone();
        }
        let (status, v) = self.post("tasks", &json!({"tasks": [task]}));
        assert_eq!(status, 200, "{v}");
        v["tasks"][0]["id"].as_str().unwrap().to_string()
    }

    fn task(&self, id: &str) -> Value {
        let (status, v) = self.get(&format!("tasks/{id}"), TOKEN);
        assert_eq!(status, 200, "{v}");
        v
    }

    fn wait_task(&self, id: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let t = self.task(id);
            if pred(&t) {
                return t;
            }
            assert!(start.elapsed() < WAIT_LIMIT, "task {id} never {what}: {t}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits for the log to contain `needle` and returns it.
    fn wait_log(&self, id: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let (status, v) = self.get(&format!("tasks/{id}/log"), TOKEN);
            if let (200, Value::String(text)) = (status, &v) {
                if text.contains(needle) {
                    return text.clone();
                }
            }
            assert!(
                start.elapsed() < WAIT_LIMIT,
                "log of {id} never showed {needle}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn signal(&self, sig: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).unwrap();
        rustix::process::kill_process(pid, sig).unwrap();
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < WAIT_LIMIT, "the server did not exit");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_file(&self.stderr_path);
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false)
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT_LIMIT, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

const LONG: &str = "sleep 300 &\necho \"child $!\"\nwait\n";

fn child_pid(log: &str) -> u32 {
    log.lines()
        .find_map(|l| l.strip_prefix("child "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn prints_the_listening_line_and_stops_on_sigterm_killing_workers() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(&dir.path().join("data"), Some(TOKEN));
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    assert_ne!(s.url, "http://127.0.0.1:0");

    s.upload("Long", "long.sh", LONG, json!({}));
    let id = s.queue("Long", json!({}));
    let child = child_pid(&s.wait_log(&id, "child "));
    assert!(alive(child));

    s.signal(rustix::process::Signal::TERM);
    assert!(s.wait_exit().success(), "stderr: {}", s.stderr());
    wait_until("the worker's child is killed at shutdown", || !alive(child));
    assert!(!s.stderr().contains(TOKEN), "the token was logged");
}

#[test]
fn without_a_token_one_is_generated_and_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("data"), None);
    wait_until("the generated token is printed", || {
        s.stderr().contains("generated token: ")
    });
    let err = s.stderr();
    let token = err
        .lines()
        .find_map(|l| l.split("generated token: ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    assert!(token.len() >= 32);
    assert_eq!(err.matches(&token).count(), 1);

    assert_eq!(s.get("codes", &token).0, 200);
    assert_eq!(s.get("codes", "wrong").0, 401);
}

#[test]
fn after_kill_9_no_task_is_lost_or_stuck_and_schedules_resume() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = start(&data, Some(TOKEN));

    s.upload("Long", "long.sh", LONG, json!({"retries": 1}));
    let quick = s.upload("Quick", "q.sh", "echo quick ran\n", json!({}));
    let quick_id = quick["id"].as_str().unwrap().to_string();

    let running = s.queue("Long", json!({}));
    let child = child_pid(&s.wait_log(&running, "child "));
    let (status, _) = s.post(&format!("codes/{quick_id}/pause_task_queue"), &json!({}));
    assert_eq!(status, 200);
    let queued = s.queue("Quick", json!({}));
    let (status, v) = s.post(
        "schedules",
        &json!({"schedules": [{"code_name": "Quick", "payload": "{}",
            "start_at": "2099-01-01T00:00:00Z", "run_every": 3600}]}),
    );
    assert_eq!(status, 200, "{v}");
    let sid = v["schedules"][0]["id"].as_str().unwrap().to_string();

    s.child.kill().unwrap();
    s.child.wait().unwrap();
    assert!(alive(child), "the worker outlives a SIGKILLed server");

    let s = start(&data, Some(TOKEN));
    wait_until("the orphaned worker is killed on restart", || !alive(child));

    let t = s.task(&running);
    assert_eq!(t["status"], "error", "{t}");
    assert!(t["msg"].as_str().unwrap().contains("restarted"), "{t}");
    let retry = t["retry_task_id"]
        .as_str()
        .expect("auto-retried")
        .to_string();
    s.wait_log(&retry, "child ");

    assert_eq!(s.task(&queued)["status"], "queued");
    let (status, _) = s.post(&format!("codes/{quick_id}/resume_task_queue"), &json!({}));
    assert_eq!(status, 200);
    let done = s.wait_task(&queued, "finished", |t| t["status"] == "complete");
    assert_eq!(done["status"], "complete");

    let (status, sched) = s.get(&format!("schedules/{sid}"), TOKEN);
    assert_eq!(status, 200);
    assert_eq!(sched["status"], "scheduled");
    assert!(sched["next_start"].is_string());

    let (status, _) = s.post(&format!("tasks/{retry}/cancel"), &json!({}));
    assert_eq!(status, 200);
}

/// A batch of `n` delayed tasks of `code`, each with a 60-byte payload.
fn batch(code: &str, n: usize) -> Value {
    let tasks: Vec<Value> = (0..n)
        .map(|i| json!({"code_name": code, "payload": format!("{i:060}"), "delay": 600}))
        .collect();
    json!({ "tasks": tasks })
}

/// Text that deflate cannot shrink much: `n` pseudo-random hex digits.
fn noise(n: usize) -> String {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_digit((x % 16) as u32, 16).unwrap()
        })
        .collect()
}

#[test]
fn size_limit_flags_raise_and_lower_the_server_limits() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_with(
        &dir.path().join("data"),
        Some(TOKEN),
        &[
            "--max-body-bytes",
            "100K",
            "--max-upload-bytes",
            "8192",
            "--max-unpacked-bytes",
            "16k",
        ],
    );
    s.upload("Small", "s.sh", "echo small\n", json!({}));

    // About 80 KB: over the default 64 KB, under the 100 KB given.
    let (status, v) = s.post("tasks", &batch("Small", 900));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["tasks"].as_array().unwrap().len(), 900);
    let (status, v) = s.post("tasks", &batch("Small", 1400));
    assert_eq!(status, 413, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("102400 bytes"), "{v}");

    let (status, v) = s.try_upload("Noisy", "n.sh", &noise(40_000), json!({}));
    assert_eq!(status, 413, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("8192 bytes"), "{v}");

    // Deflates to well under 8 KB, unpacks to 100 KB.
    let (status, v) = s.try_upload("Bomb", "b.sh", &" ".repeat(100_000), json!({}));
    assert_eq!(status, 413, "{v}");
    assert!(v["msg"].as_str().unwrap().contains("16384 bytes"), "{v}");
    assert_eq!(
        s.get("codes", TOKEN).1["codes"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn a_bad_size_flag_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, reason) in [
        ("--max-body-bytes", "12T", "is not a size"),
        ("--max-upload-bytes", "0", "at least 1 byte"),
        ("--max-unpacked-bytes", "lots", "is not a size"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_iron-worker"))
            .args(["serve", "--port", "0", "--token", TOKEN, "--data-dir"])
            .arg(dir.path().join("data"))
            .args([flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(out.stdout.is_empty(), "{flag} {value}: the server started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(flag) && err.contains(reason),
            "{flag} {value}: {err}"
        );
    }

    let help = Command::new(env!("CARGO_BIN_EXE_iron-worker"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--max-body-bytes",
        "--max-upload-bytes",
        "--max-unpacked-bytes",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}
