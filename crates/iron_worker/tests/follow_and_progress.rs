//! `Client::follow_log` and `Client::post_code_with_progress` against the real local server.

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iron_worker::{Client, CodeOptions, TaskOptions, WaitOptions};
use iron_worker_server::RunningServer;
use tempfile::TempDir;

use common::local_server;

/// A local server with its own data directory, and a client of it.
struct Local {
    client: Client,
    _server: RunningServer,
    dir: TempDir,
}

impl Local {
    fn start() -> Local {
        let dir = tempfile::tempdir().unwrap();
        let (server, client) = local_server(dir.path());
        Local {
            client,
            _server: server,
            dir,
        }
    }

    /// Zips one file into a package and returns the zip's path.
    fn zip(&self, name: &str, file: &str, source: &str) -> PathBuf {
        let folder = self.dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(file), source).unwrap();
        let zip = self.dir.path().join(format!("{name}.zip"));
        assert!(iron_worker::package::zip_directory(&folder, &zip, true).unwrap());
        zip
    }

    /// Uploads a one-file worker and queues one task of it; returns the task id.
    fn run(&self, name: &str, file: &str, source: &str) -> String {
        let zip = self.zip(name, file, source);
        self.client
            .post_code(file, &zip, name, &CodeOptions::default())
            .unwrap();
        let answer = self
            .client
            .post_task(name, None, &TaskOptions::default())
            .unwrap();
        answer["tasks"][0]["id"].as_str().unwrap().to_string()
    }
}

fn polling() -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        max_wait: Some(Duration::from_secs(120)),
    }
}

/// Records each write separately, and creates `release` once `trigger` has been written.
struct Recorder {
    chunks: Vec<Vec<u8>>,
    trigger: &'static str,
    release: PathBuf,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.chunks.push(buf.to_vec());
        let all: Vec<u8> = self.chunks.concat();
        if String::from_utf8_lossy(&all).contains(self.trigger) {
            std::fs::write(&self.release, b"go")?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A worker that prints `first`, waits until `release` exists, then prints `second`.
fn gated_worker(release: &Path) -> String {
    format!(
        "echo first\n\
         i=0\n\
         while [ ! -e '{}' ]; do\n\
           i=$((i+1)); if [ $i -gt 1200 ]; then echo 'never released'; exit 1; fi\n\
           sleep 0.05\n\
         done\n\
         echo second\n",
        release.display()
    )
}

#[test]
fn follow_log_streams_output_while_the_task_runs() {
    let local = Local::start();
    let release = local.dir.path().join("release");
    let task_id = local.run("gated", "gated.sh", &gated_worker(&release));

    let mut out = Recorder {
        chunks: Vec::new(),
        trigger: "first",
        release,
    };
    let details = local
        .client
        .follow_log(&task_id, &polling(), &mut out)
        .unwrap();

    // The worker only prints `second` after the follower wrote `first`: the log was
    // streamed while the task ran, in more than one piece.
    assert_eq!(details["status"], "complete", "{details}");
    let all = String::from_utf8(out.chunks.concat()).unwrap();
    assert_eq!(all, local.client.get_log(&task_id).unwrap());
    assert_eq!(all, "first\nsecond\n");
    assert!(out.chunks.len() >= 2, "{:?}", out.chunks);
}

#[test]
fn follow_log_returns_the_details_of_a_failed_task_with_its_whole_log() {
    let local = Local::start();
    let task_id = local.run("fails", "fails.sh", "echo out\necho err >&2\nexit 3\n");

    let mut out = Vec::new();
    let details = local
        .client
        .follow_log(&task_id, &polling(), &mut out)
        .unwrap();

    assert_eq!(details["status"], "error", "{details}");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("out") && text.contains("err"), "{text}");
}

#[test]
fn follow_log_of_an_unknown_task_is_a_404() {
    let local = Local::start();
    let mut out = Vec::new();
    let err = local
        .client
        .follow_log("0123456789abcdef01234567", &polling(), &mut out)
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(out.is_empty());
}

#[test]
fn follow_log_write_errors_name_the_output() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let local = Local::start();
    let task_id = local.run("talks", "talks.sh", "echo something\n");
    let err = local
        .client
        .follow_log(&task_id, &polling(), &mut Broken)
        .unwrap_err();
    assert_eq!(err.kind(), iron_worker::ErrorKind::Io, "{err}");
    assert!(err.to_string().contains("log output"), "{err}");
}

#[test]
fn post_code_with_progress_reports_the_whole_body() {
    let local = Local::start();
    let big: String = (0..20_000).map(|i| format!("# line {i}\n")).collect();
    let zip = local.zip("big", "big.sh", &format!("{big}echo done\n"));
    let zip_len = std::fs::metadata(&zip).unwrap().len();

    let calls = Arc::new(Mutex::new(Vec::<(u64, u64)>::new()));
    let seen = Arc::clone(&calls);
    let answer = local
        .client
        .post_code_with_progress(
            "big.sh",
            &zip,
            "big",
            &CodeOptions::default(),
            Arc::new(move |sent, total| seen.lock().unwrap().push((sent, total))),
        )
        .unwrap();
    assert!(answer["id"].as_str().is_some(), "{answer}");

    let calls = calls.lock().unwrap();
    let (_, total) = calls[0];
    assert_eq!(calls[0], (0, total));
    assert!(
        total > zip_len,
        "total {total} must include the zip ({zip_len})"
    );
    assert_eq!(*calls.last().unwrap(), (total, total));
    assert!(calls
        .windows(2)
        .all(|w| w[0].0 <= w[1].0 && w[0].1 == w[1].1));
    assert!(calls.len() > 2, "{} calls", calls.len());
}
