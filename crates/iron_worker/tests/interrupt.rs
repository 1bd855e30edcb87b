//! `Interrupt`: waits and retry pauses stop when the caller's check fires, against the real
//! local server (and the scripted one for 503s). Nothing here measures time: each test shows
//! the call came back while the thing it waited for was still going on.

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iron_worker::client::Interrupt;
use iron_worker::{Client, CodeOptions, ErrorKind, TaskOptions, WaitOptions};
use iron_worker_server::RunningServer;
use tempfile::TempDir;

use common::{config_for, local_server, scripted, Reply, TOKEN};

/// A worker that says it started, then sleeps far longer than any test waits.
const SLEEPER: &str = "echo started\nsleep 30\necho finished\n";

/// A local server, a client of it, and a running task of [`SLEEPER`].
struct Sleeping {
    client: Client,
    task_id: String,
    _server: RunningServer,
    _dir: TempDir,
}

impl Sleeping {
    /// Uploads the sleeper, queues one task and waits until it is running.
    fn start() -> Sleeping {
        let dir = tempfile::tempdir().unwrap();
        let (server, client) = local_server(dir.path());

        let folder = dir.path().join("sleeper");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("sleeper.sh"), SLEEPER).unwrap();
        let zip = dir.path().join("sleeper.zip");
        assert!(iron_worker::package::zip_directory(&folder, &zip, true).unwrap());
        client
            .post_code("sleeper.sh", &zip, "sleeper", &CodeOptions::default())
            .unwrap();
        let answer = client
            .post_task("sleeper", None, &TaskOptions::default())
            .unwrap();
        let task_id = answer["tasks"][0]["id"].as_str().unwrap().to_string();

        let sleeping = Sleeping {
            client,
            task_id,
            _server: server,
            _dir: dir,
        };
        loop {
            match sleeping.status().as_str() {
                "running" => break,
                "queued" | "preparing" => std::thread::sleep(Duration::from_millis(20)),
                other => panic!("the sleeper should start, but it is {other}"),
            }
        }
        sleeping
    }

    fn status(&self) -> String {
        let details = self.client.get_task_details(&self.task_id).unwrap();
        details["status"].as_str().unwrap().to_string()
    }
}

impl Drop for Sleeping {
    fn drop(&mut self) {
        let _ = self.client.cancel_task(&self.task_id);
    }
}

/// Waits that would outlast the task, so only the interrupt can end them.
fn long_wait() -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        max_wait: Some(Duration::from_secs(600)),
    }
}

/// An interrupt that fires the `n`-th time it is asked, and counts the questions.
fn fires_after(n: usize) -> (Interrupt, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let interrupt = Interrupt::new(move || counter.fetch_add(1, Ordering::SeqCst) + 1 >= n);
    (interrupt, asked)
}

#[test]
fn wait_for_stops_when_the_interrupt_fires_while_the_task_runs() {
    let sleeping = Sleeping::start();
    let (interrupt, asked) = fires_after(5);
    let client = sleeping.client.clone().with_interrupt(interrupt);

    let err = client
        .wait_for(&sleeping.task_id, &long_wait())
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert_eq!(
        err.to_string(),
        format!("interrupted while waiting for task {}", sleeping.task_id)
    );
    assert_eq!(
        asked.load(Ordering::SeqCst),
        5,
        "it stops at the first `true`"
    );
    assert_eq!(sleeping.status(), "running", "the wait ended, not the task");
}

#[test]
fn an_interrupt_set_by_another_thread_stops_wait_for_log() {
    let sleeping = Sleeping::start();
    let flag = Arc::new(AtomicBool::new(false));
    let mut client = sleeping.client.clone();
    client.set_interrupt(Interrupt::from_flag(Arc::clone(&flag)));

    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        flag.store(true, Ordering::SeqCst);
    });
    let err = client
        .wait_for_log(&sleeping.task_id, &long_wait())
        .unwrap_err();
    setter.join().unwrap();

    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert_eq!(sleeping.status(), "running");
}

/// A `Write` whose bytes an interrupt can look at.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn follow_log_stops_when_the_interrupt_fires_and_keeps_what_it_wrote() {
    let sleeping = Sleeping::start();
    let mut out = Shared::default();
    let seen = out.clone();
    let interrupt = Interrupt::new(move || {
        String::from_utf8_lossy(&seen.0.lock().unwrap()).contains("started")
    });
    let client = sleeping.client.clone().with_interrupt(interrupt);

    let err = client
        .follow_log(&sleeping.task_id, &long_wait(), &mut out)
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert!(err.to_string().contains("following the log"), "{err}");
    let written = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
    assert_eq!(written, "started\n");
    assert_eq!(sleeping.status(), "running");
}

#[test]
fn the_pause_before_a_retry_stops_when_the_interrupt_fires() {
    let server = scripted(|_| Reply::Json(503, r#"{"msg":"busy"}"#.to_string()));
    // Backoff ceilings of 10 s: without the interrupt the retries would take a while.
    let client = Client::new(config_for(&server.url, TOKEN, 5))
        .unwrap()
        .with_retry_base(Duration::from_secs(10));
    let attempts = Arc::clone(&server.attempts);
    let client =
        client.with_interrupt(Interrupt::new(move || attempts.load(Ordering::SeqCst) >= 1));

    let err = client.get_project_details().unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert!(err.to_string().contains("before retrying GET"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert_eq!(
        server.attempts(),
        1,
        "no retry was sent after the interrupt"
    );
}

#[test]
fn clones_share_the_client_but_not_the_interrupt() {
    let sleeping = Sleeping::start();
    let interrupted = sleeping
        .client
        .clone()
        .with_interrupt(Interrupt::new(|| true));

    let err = interrupted
        .wait_for(&sleeping.task_id, &long_wait())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interrupted);

    // The original has no interrupt: a short wait ends in the ordinary timeout.
    let short = WaitOptions {
        max_wait: Some(Duration::from_millis(100)),
        ..long_wait()
    };
    let err = sleeping
        .client
        .wait_for(&sleeping.task_id, &short)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn a_call_with_nothing_to_wait_for_never_asks() {
    let sleeping = Sleeping::start();
    let (interrupt, asked) = fires_after(usize::MAX);
    let client = sleeping.client.clone().with_interrupt(interrupt);

    client.get_task_details(&sleeping.task_id).unwrap();
    client.get_project_details().unwrap();

    assert_eq!(asked.load(Ordering::SeqCst), 0);
}
