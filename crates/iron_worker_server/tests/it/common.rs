//! A real server on loopback per test, and a small blocking HTTP client for it.

use std::io::Write;
use std::time::{Duration, Instant};

use iron_worker_server::{start_background, RunningServer, ServerConfig};
use serde_json::{json, Value};

pub const TOKEN: &str = "test-token-0123456789";
pub const PROJECT: &str = "5f0c1d2e3f4a5b6c7d8e9f00";

/// Longest any wait in these tests may take before the test fails (not a timing assertion:
/// only a bound so a broken server fails the test instead of hanging it).
pub const WAIT_LIMIT: Duration = Duration::from_secs(60);

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    agent: ureq::Agent,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn msg(&self) -> String {
        self.json()["msg"].as_str().unwrap_or("").to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(|_| {})
    }

    pub fn start_with(tune: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        TestServer::start_in(dir, tune)
    }

    /// Starts a server on an existing data directory (for restarts).
    pub fn start_in(dir: tempfile::TempDir, tune: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let mut config = ServerConfig::new(dir.path().join("data"), TOKEN);
        config.port = 0;
        config.workers = 4;
        tune(&mut config);
        let server = start_background(config).unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        TestServer {
            server: Some(server),
            dir,
            agent,
        }
    }

    pub fn base(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    /// `http://host:port/2/projects/PROJECT/<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/2/projects/{PROJECT}/{path}", self.base())
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        std::fs::canonicalize(self.dir.path().join("data")).unwrap()
    }

    pub fn stop(mut self) -> tempfile::TempDir {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    fn finish(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut res = res.unwrap();
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        Answer {
            status,
            content_type,
            headers,
            body,
        }
    }

    /// GET with the token in the Authorization header.
    pub fn get(&self, url: &str) -> Answer {
        let req = self
            .agent
            .get(url)
            .header("Authorization", format!("OAuth {TOKEN}"));
        Self::finish(req.call())
    }

    /// GET with no token at all.
    pub fn get_anon(&self, url: &str) -> Answer {
        Self::finish(self.agent.get(url).call())
    }

    /// POST a JSON value.
    pub fn post_json(&self, url: &str, body: &Value) -> Answer {
        let req = self
            .agent
            .post(url)
            .header("Authorization", format!("OAuth {TOKEN}"))
            .header("Content-Type", "application/json");
        Self::finish(req.send(body.to_string().as_bytes()))
    }

    /// POST raw bytes with optional content type and optional auth header.
    pub fn post_raw(
        &self,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
        auth: bool,
    ) -> Answer {
        let mut req = self.agent.post(url);
        if auth {
            req = req.header("Authorization", format!("OAuth {TOKEN}"));
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        Self::finish(req.send(body))
    }

    pub fn put_json(&self, url: &str, body: &Value) -> Answer {
        let req = self
            .agent
            .put(url)
            .header("Authorization", format!("OAuth {TOKEN}"))
            .header("Content-Type", "application/json");
        Self::finish(req.send(body.to_string().as_bytes()))
    }

    pub fn delete(&self, url: &str) -> Answer {
        let req = self
            .agent
            .delete(url)
            .header("Authorization", format!("OAuth {TOKEN}"));
        Self::finish(req.call())
    }

    /// Uploads `files` as code `name` run with `file_name`; `extra` adds data fields.
    pub fn upload(
        &self,
        name: &str,
        file_name: &str,
        files: &[(&str, &str)],
        extra: Value,
    ) -> Answer {
        let mut data = json!({ "name": name, "file_name": file_name });
        if let Value::Object(m) = extra {
            for (k, v) in m {
                data[k] = v;
            }
        }
        let zip = make_zip(files);
        let (ct, body) = multipart(&[
            Part::field("data", &data.to_string()),
            Part::file("file", "w.zip", &zip),
        ]);
        self.post_raw(&self.url("codes"), Some(&ct), &body, true)
    }

    /// Uploads and asserts success; returns the code object.
    pub fn upload_ok(
        &self,
        name: &str,
        file_name: &str,
        files: &[(&str, &str)],
        extra: Value,
    ) -> Value {
        let a = self.upload(name, file_name, files, extra);
        assert_eq!(a.status, 200, "upload failed: {}", a.text());
        a.json()
    }

    /// Queues one task; returns its id.
    pub fn queue(&self, code_name: &str, payload: &str, extra: Value) -> String {
        let mut task = json!({ "code_name": code_name, "payload": payload });
        if let Value::Object(m) = extra {
            for (k, v) in m {
                task[k] = v;
            }
        }
        let a = self.post_json(&self.url("tasks"), &json!({ "tasks": [task] }));
        assert_eq!(a.status, 200, "queue failed: {}", a.text());
        a.json()["tasks"][0]["id"].as_str().unwrap().to_string()
    }

    pub fn task(&self, id: &str) -> Value {
        let a = self.get(&self.url(&format!("tasks/{id}")));
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()
    }

    /// Polls until `pred` holds for the task, or fails the test after [`WAIT_LIMIT`].
    pub fn wait_task(&self, id: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let t = self.task(id);
            if pred(&t) {
                return t;
            }
            assert!(
                start.elapsed() < WAIT_LIMIT,
                "task {id} never became {what}: {t}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits for a terminal status.
    pub fn wait_done(&self, id: &str) -> Value {
        self.wait_task(id, "finished", |t| {
            !matches!(
                t["status"].as_str(),
                Some("queued" | "preparing" | "running")
            )
        })
    }

    pub fn wait_status(&self, id: &str, status: &str) -> Value {
        self.wait_task(id, status, |t| t["status"] == status)
    }

    pub fn log(&self, id: &str) -> Answer {
        self.get(&self.url(&format!("tasks/{id}/log")))
    }

    /// Waits until the log contains `needle` (it is served while the task runs).
    pub fn wait_log(&self, id: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let a = self.log(id);
            if a.status == 200 && a.text().contains(needle) {
                return a.text();
            }
            assert!(
                start.elapsed() < WAIT_LIMIT,
                "log of {id} never showed {needle:?}: {}",
                a.text()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
    }
}

/// An in-memory zip of `(name, content)` files; names ending in `/` are directories.
pub fn make_zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, content) in files {
            let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
            if name.ends_with('/') {
                w.add_directory(*name, opts).unwrap();
            } else {
                w.start_file(*name, opts).unwrap();
                w.write_all(content.as_bytes()).unwrap();
            }
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

/// One multipart part.
pub struct Part {
    name: String,
    filename: Option<String>,
    content: Vec<u8>,
}

impl Part {
    pub fn field(name: &str, value: &str) -> Part {
        Part {
            name: name.into(),
            filename: None,
            content: value.as_bytes().to_vec(),
        }
    }

    pub fn file(name: &str, filename: &str, content: &[u8]) -> Part {
        Part {
            name: name.into(),
            filename: Some(filename.into()),
            content: content.to_vec(),
        }
    }
}

/// A multipart/form-data body: (content type, bytes).
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----------ThIs_Is_tHe_bouNdaRY_$";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match &p.filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/zip\r\n\r\n",
                    p.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    p.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(&p.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// True if a process with this pid exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        }
        Err(_) => false,
    }
}

/// Polls until `cond` holds, or fails after [`WAIT_LIMIT`].
pub fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT_LIMIT, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}
