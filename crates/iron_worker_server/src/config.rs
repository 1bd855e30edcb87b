//! How the local server is configured: address, data directory, token and limits.

use std::path::PathBuf;

/// Settings of one local server. Build it with [`ServerConfig::new`] and change fields.
#[derive(Clone)]
pub struct ServerConfig {
    /// Address to bind. Loopback by default: the server runs code for whoever holds the token.
    pub host: String,
    /// Port to bind; 0 picks a free port (see [`crate::RunningServer::addr`]).
    pub port: u16,
    /// Where the SQLite database, packages, logs and task directories live.
    pub data_dir: PathBuf,
    /// The token every request must carry. Never printed or logged.
    pub token: String,
    /// Tasks that may run at once across all codes (default: the number of CPU cores).
    pub workers: usize,
    /// Longest a task may run, and the timeout of a task queued without one (3600 s, as the
    /// hosted service).
    pub max_timeout_secs: u64,
    /// Largest request body except code uploads (64 KB, the documented API limit).
    pub max_body_bytes: usize,
    /// Largest task payload, code config and progress message (64 KB, as documented).
    pub max_payload_bytes: usize,
    /// Largest code upload request (256 MB; the API documents no limit, so this only guards
    /// the disk).
    pub max_upload_bytes: u64,
    /// Largest unpacked size of a code package (1 GB), so a small zip bomb is refused at upload.
    pub max_unpacked_bytes: u64,
    /// Largest task log; output past it is dropped and the log ends with a note (64 MB).
    pub max_log_bytes: u64,
    /// How many recent requests `GET /__debug/requests` keeps (200; 0 turns recording off).
    pub recorded_requests: usize,
    /// Keep each task's directory after it ends (for debugging; off by default).
    pub keep_task_dirs: bool,
}

impl ServerConfig {
    /// Settings with the defaults: loopback, port 8080, one worker per core, 3600 s timeout,
    /// the documented 64 KB limits.
    pub fn new(data_dir: impl Into<PathBuf>, token: impl Into<String>) -> Self {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        ServerConfig {
            host: "127.0.0.1".to_string(),
            port: 8080,
            data_dir: data_dir.into(),
            token: token.into(),
            workers,
            max_timeout_secs: 3600,
            max_body_bytes: 64 * 1024,
            max_payload_bytes: 64 * 1024,
            max_upload_bytes: 256 * 1024 * 1024,
            max_unpacked_bytes: 1024 * 1024 * 1024,
            max_log_bytes: 64 * 1024 * 1024,
            recorded_requests: 200,
            keep_task_dirs: false,
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("token", &"<redacted>")
            .field("workers", &self.workers)
            .field("max_timeout_secs", &self.max_timeout_secs)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_unpacked_bytes", &self.max_unpacked_bytes)
            .field("max_log_bytes", &self.max_log_bytes)
            .field("recorded_requests", &self.recorded_requests)
            .field("keep_task_dirs", &self.keep_task_dirs)
            .finish()
    }
}

/// Where things live under the data directory.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    pub root: PathBuf,
}

impl Paths {
    pub fn database(&self) -> PathBuf {
        self.root.join("state.sqlite3")
    }

    /// The uploaded zip of one code revision.
    pub fn package_zip(&self, revision_id: &str) -> PathBuf {
        self.root
            .join("packages")
            .join(format!("{revision_id}.zip"))
    }

    /// The unpacked tree of one code revision, reused by all its tasks.
    pub fn package_cache(&self, revision_id: &str) -> PathBuf {
        self.root.join("cache").join(revision_id)
    }

    pub fn task_dir(&self, task_id: &str) -> PathBuf {
        self.root.join("tasks").join(task_id)
    }

    /// The full log (stdout and stderr interleaved).
    pub fn log(&self, task_id: &str) -> PathBuf {
        self.root.join("logs").join(format!("{task_id}.log"))
    }

    /// Stdout alone (`outlog`).
    pub fn outlog(&self, task_id: &str) -> PathBuf {
        self.root.join("logs").join(format!("{task_id}.out"))
    }

    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn dirs(&self) -> [PathBuf; 5] {
        [
            self.root.join("packages"),
            self.root.join("cache"),
            self.root.join("tasks"),
            self.root.join("logs"),
            self.tmp(),
        ]
    }
}
