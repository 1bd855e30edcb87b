//! The API client against the real local server over real HTTP on loopback, plus a tiny
//! scripted server for what the real one cannot be made to do (503s, hang-ups).

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use iron_worker::{
    Client, CodeOptions, Error, ErrorKind, Page, ScheduleOptions, TaskFilter, TaskOptions,
    WaitOptions,
};
use iron_worker_server::RunningServer;
use serde_json::{json, Value};
use tempfile::TempDir;

use common::{client_for, config_for, local_server, scripted, Reply, PROJECT, TOKEN};

/// A local server with its own data directory, and a client of it.
struct Local {
    client: Client,
    server: RunningServer,
    dir: TempDir,
}

impl Local {
    fn start() -> Local {
        let dir = tempfile::tempdir().unwrap();
        let (server, client) = local_server(dir.path());
        Local {
            client,
            server,
            dir,
        }
    }

    /// Writes `files` into a fresh folder and zips it; returns the zip's path.
    fn zip(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let folder = self.dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        for (file, text) in files {
            std::fs::write(folder.join(file), text).unwrap();
        }
        let zip = self.dir.path().join(format!("{name}.zip"));
        assert!(iron_worker::package::zip_directory(&folder, &zip, true).unwrap());
        zip
    }

    /// Uploads a one-file worker and returns the upload answer.
    fn upload(&self, name: &str, file: &str, source: &str) -> Value {
        let zip = self.zip(name, &[(file, source)]);
        self.client
            .post_code(file, &zip, name, &CodeOptions::default())
            .unwrap()
    }

    /// Queues a task and returns its id.
    fn queue(&self, name: &str, payload: Option<&Value>, options: &TaskOptions) -> String {
        let answer = self.client.post_task(name, payload, options).unwrap();
        answer["tasks"][0]["id"].as_str().unwrap().to_string()
    }
}

fn wait() -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(50),
        max_interval: Duration::from_millis(500),
        max_wait: Some(Duration::from_secs(120)),
    }
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect()
}

const SH_WORKER: &str = "echo \"hello from sh\"\necho \"payload: $(cat \"$PAYLOAD_FILE\")\"\n\
                         echo \"to stderr\" >&2\n";

const PY_WORKER: &str = "import json, os\n\
                         payload = json.load(open(os.environ['PAYLOAD_FILE']))\n\
                         print('hello from python, max =', payload['max'])\n";

// ---- workers end to end -----------------------------------------------------------------

#[test]
fn a_sh_worker_is_uploaded_queued_waited_for_and_logged() {
    let local = Local::start();

    let upload = local.upload("hello-sh", "hello.sh", SH_WORKER);
    assert!(
        upload["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{upload}"
    );

    let task_id = local.queue(
        "hello-sh",
        Some(&json!({"name": "Travis"})),
        &TaskOptions::default(),
    );
    let details = local.client.wait_for(&task_id, &wait()).unwrap();
    assert_eq!(details["status"], "complete", "{details}");
    assert_eq!(details["id"], task_id.as_str());

    let log = local.client.get_log(&task_id).unwrap();
    assert!(log.contains("hello from sh"), "{log}");
    assert!(log.contains(r#"payload: {"name":"Travis"}"#), "{log}");
    assert!(log.contains("to stderr"), "{log}");

    let stdout = local.client.get_stdout(&task_id).unwrap();
    assert!(
        stdout.contains("hello from sh") && !stdout.contains("to stderr"),
        "{stdout}"
    );

    let mut streamed = String::new();
    let mut stream = local.client.get_log_stream(&task_id).unwrap();
    std::io::Read::read_to_string(&mut stream, &mut streamed).unwrap();
    assert_eq!(streamed, log);
}

#[test]
fn get_log_to_streams_the_log_into_a_file_atomically() {
    let local = Local::start();
    local.upload("log-file", "hello.sh", SH_WORKER);
    let task_id = local.queue("log-file", None, &TaskOptions::default());
    local.client.wait_for(&task_id, &wait()).unwrap();
    let log = local.client.get_log(&task_id).unwrap();

    let folder = local.dir.path().join("logs");
    std::fs::create_dir_all(&folder).unwrap();
    let destination = folder.join("task.log");
    std::fs::write(&destination, "an older log, replaced whole").unwrap();
    local.client.get_log_to(&task_id, &destination).unwrap();
    assert_eq!(std::fs::read_to_string(&destination).unwrap(), log);

    // A 404 leaves the destination as it was and no temporary file beside it.
    let missing = folder.join("missing.log");
    let err = local
        .client
        .get_log_to("0123456789abcdef01234567", &missing)
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(!missing.exists());
    let err = local
        .client
        .get_log_to("0123456789abcdef01234567", &destination)
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert_eq!(std::fs::read_to_string(&destination).unwrap(), log);
    let names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("task.log")]);

    // A folder that does not exist is an I/O error naming the destination.
    let nowhere = folder.join("no-such-folder").join("task.log");
    let err = local.client.get_log_to(&task_id, &nowhere).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(err.to_string().contains("no-such-folder"), "{err}");
}

#[test]
fn a_python_worker_reads_its_payload() {
    let local = Local::start();
    local.upload("hello-py", "hello.py", PY_WORKER);

    let task_id = local.queue(
        "hello-py",
        Some(&json!({"max": 7})),
        &TaskOptions::default(),
    );
    let log = local.client.wait_for_log(&task_id, &wait()).unwrap();

    assert!(log.contains("hello from python, max = 7"), "{log}");
    let details = local.client.get_task_details(&task_id).unwrap();
    assert_eq!(details["status"], "complete");
    assert_eq!(details["code_name"], "hello-py");
}

#[test]
fn a_failing_worker_ends_in_error() {
    let local = Local::start();
    local.upload("fails", "fail.sh", "echo about to fail\nexit 3\n");

    let task_id = local.queue("fails", None, &TaskOptions::default());
    let details = local.client.wait_for(&task_id, &wait()).unwrap();

    assert_eq!(details["status"], "error", "{details}");
    assert!(local
        .client
        .get_log(&task_id)
        .unwrap()
        .contains("about to fail"));
}

#[test]
fn a_php_worker_gets_the_runner_in_an_uploaded_copy_only() {
    let local = Local::start();
    let source = "<?php\n$payload = getPayload();\n\
                  echo 'hello from php, max = ' . $payload->max . \"\\n\";\n";
    let zip = local.zip("hello-php", &[("hello.php", source)]);
    let before = std::fs::read(&zip).unwrap();

    let upload = local
        .client
        .post_code("hello.php", &zip, "hello-php", &CodeOptions::default());
    let code_id = upload.unwrap()["id"].as_str().unwrap().to_string();

    assert_eq!(
        std::fs::read(&zip).unwrap(),
        before,
        "the user's zip must stay untouched"
    );
    let copy = local.dir.path().join("downloaded.zip");
    local
        .client
        .download_code_to(&code_id, None, &copy)
        .unwrap();
    let entries = iron_worker::package::list_entries(&copy).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e == iron_worker::php_runner::RUNNER_FILE_NAME),
        "{entries:?}"
    );
    assert!(entries.iter().any(|e| e == "hello.php"), "{entries:?}");

    // php is installed by scripts/setup.sh; the worker really runs through the runner.
    let task_id = local.queue(
        "hello-php",
        Some(&json!({"max": 3})),
        &TaskOptions::default(),
    );
    let log = local.client.wait_for_log(&task_id, &wait()).unwrap();
    assert!(log.contains("hello from php, max = 3"), "{log}");
}

// ---- every endpoint ---------------------------------------------------------------------

#[test]
fn code_endpoints() {
    let local = Local::start();
    let first = local.upload("coder", "run.sh", "echo one\n");
    let code_id = first["id"].as_str().unwrap().to_string();
    let second = local.upload("coder", "run.sh", "echo two\n");
    assert_eq!(
        second["id"],
        code_id.as_str(),
        "a second upload is a new revision of one code"
    );

    let codes = local.client.get_codes(&Page::default()).unwrap();
    assert!(ids(&codes).contains(&code_id.as_str()), "{codes}");
    let one_per_page = Page {
        page: Some(0),
        per_page: Some(1),
    };
    assert_eq!(
        local
            .client
            .get_codes(&one_per_page)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let details = local.client.get_code_details(&code_id).unwrap();
    assert_eq!(details["name"], "coder");
    assert_eq!(details["rev"], 2);

    let revisions = local
        .client
        .get_code_revisions(&code_id, &Page::default())
        .unwrap();
    assert_eq!(revisions.as_array().unwrap().len(), 2, "{revisions}");

    let latest = local.client.download_code(&code_id, None).unwrap();
    let first_rev = local.client.download_code(&code_id, Some(1)).unwrap();
    assert!(latest.starts_with(b"PK") && first_rev.starts_with(b"PK"));
    assert_ne!(latest, first_rev);

    let destination = local.dir.path().join("out").join("rev1.zip");
    std::fs::create_dir_all(destination.parent().unwrap()).unwrap();
    local
        .client
        .download_code_to(&code_id, Some(1), &destination)
        .unwrap();
    assert_eq!(std::fs::read(&destination).unwrap(), first_rev);
    let leftovers = std::fs::read_dir(destination.parent().unwrap())
        .unwrap()
        .count();
    assert_eq!(
        leftovers, 1,
        "no temporary file is left beside the download"
    );

    let stats = local.client.get_code_stats(&code_id).unwrap();
    assert!(stats.is_object(), "{stats}");

    assert!(local.client.pause_task_queue(&code_id).unwrap()["msg"].is_string());
    let paused = local.queue("coder", None, &TaskOptions::default());
    assert!(local.client.resume_task_queue(&code_id).unwrap()["msg"].is_string());
    assert_eq!(
        local.client.wait_for(&paused, &wait()).unwrap()["status"],
        "complete"
    );

    let delayed = TaskOptions {
        delay: Some(600),
        ..TaskOptions::default()
    };
    let queued = local.queue("coder", None, &delayed);
    assert!(local.client.cancel_all_tasks(&code_id).unwrap().is_object());
    assert_eq!(
        local.client.get_task_details(&queued).unwrap()["status"],
        "cancelled"
    );

    assert!(local.client.delete_code(&code_id).unwrap()["msg"].is_string());
    let gone = local.client.get_code_details(&code_id).unwrap_err();
    assert_eq!(gone.status(), Some(404), "{gone}");
}

#[test]
fn task_endpoints() {
    let local = Local::start();
    local.upload(
        "tasker",
        "run.sh",
        "echo \"ran $(cat \"$PAYLOAD_FILE\")\"\n",
    );

    let payloads = [json!({"n": 1}), json!({"n": 2}), json!({"n": 3})];
    let labelled = TaskOptions {
        label: Some("batch".to_string()),
        ..TaskOptions::default()
    };
    let answer = local
        .client
        .post_tasks("tasker", &payloads, &labelled)
        .unwrap();
    let batch: Vec<String> = answer["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(batch.len(), 3, "{answer}");
    for (id, n) in batch.iter().zip(1..) {
        local.client.wait_for(id, &wait()).unwrap();
        let details = local.client.get_task_details(id).unwrap();
        assert_eq!(
            details["payload"],
            format!("{{\"n\":{n}}}"),
            "ids come back in order"
        );
    }

    let filter = TaskFilter {
        code_name: Some("tasker".to_string()),
        statuses: vec!["complete".to_string()],
        ..TaskFilter::default()
    };
    let complete = local.client.get_tasks(&filter).unwrap();
    for id in &batch {
        assert!(ids(&complete).contains(&id.as_str()), "{complete}");
    }
    let by_label = TaskFilter {
        label: Some("batch".to_string()),
        ..TaskFilter::default()
    };
    assert_eq!(
        local
            .client
            .get_tasks(&by_label)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let running = TaskFilter {
        statuses: vec!["running".to_string()],
        ..filter.clone()
    };
    assert!(local
        .client
        .get_tasks(&running)
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());

    let progress = local
        .client
        .set_task_progress(&batch[0], Some(50), Some("half way"));
    assert!(progress.unwrap()["msg"].is_string());
    let details = local.client.get_task_details(&batch[0]).unwrap();
    assert_eq!(details["percent"], 50, "{details}");

    let retried = local.client.retry_task(&batch[0], Some(0)).unwrap();
    let retry_id = retried["tasks"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(retry_id, batch[0]);
    assert_eq!(
        local.client.wait_for(&retry_id, &wait()).unwrap()["status"],
        "complete"
    );

    let delayed = TaskOptions {
        delay: Some(600),
        ..TaskOptions::default()
    };
    let later = local.queue("tasker", None, &delayed);
    assert!(local.client.cancel_task(&later).unwrap()["msg"].is_string());
    assert_eq!(
        local.client.wait_for(&later, &wait()).unwrap()["status"],
        "cancelled"
    );
}

#[test]
fn the_webhook_url_queues_a_task_with_the_raw_body() {
    let local = Local::start();
    local.upload("hooked", "run.sh", "cat \"$PAYLOAD_FILE\"\n");

    let url = local.client.webhook_url("hooked");
    assert!(url.starts_with(&format!(
        "{}/2/projects/{PROJECT}/tasks/webhook?",
        local.server.url()
    )));
    let text = ureq::post(&url)
        .send("raw body 42")
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap();

    let task_id = answer["id"].as_str().unwrap();
    let log = local.client.wait_for_log(task_id, &wait()).unwrap();
    assert!(log.contains("raw body 42"), "{log}");
}

#[test]
fn schedule_endpoints() {
    let local = Local::start();
    local.upload("cron", "run.sh", "echo scheduled\n");

    let options = ScheduleOptions {
        run_every: Some(3600),
        run_times: Some(2),
        ..Default::default()
    };
    let answer = local
        .client
        .post_schedule("cron", Some(&json!({"x": 1})), &options)
        .unwrap();
    let schedule_id = answer["schedules"][0]["id"].as_str().unwrap().to_string();

    let schedules = local.client.get_schedules(&Page::default()).unwrap();
    assert!(
        ids(&schedules).contains(&schedule_id.as_str()),
        "{schedules}"
    );

    let schedule = local.client.get_schedule(&schedule_id).unwrap();
    assert_eq!(schedule["code_name"], "cron");
    assert_eq!(schedule["payload"], r#"{"x":1}"#);

    let mut fields = serde_json::Map::new();
    fields.insert("label".to_string(), json!("nightly"));
    local.client.update_schedule(&schedule_id, &fields).unwrap();
    assert_eq!(
        local.client.get_schedule(&schedule_id).unwrap()["label"],
        "nightly"
    );

    // Started "now" (no start_at, no delay): the first run is queued at once.
    let filter = TaskFilter {
        code_name: Some("cron".to_string()),
        ..TaskFilter::default()
    };
    let mut runs = Value::Null;
    for _ in 0..200 {
        runs = local.client.get_tasks(&filter).unwrap();
        if !runs.as_array().unwrap().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(runs[0]["schedule_id"], schedule_id.as_str(), "{runs}");

    assert!(local.client.cancel_schedule(&schedule_id).unwrap()["msg"].is_string());
    let cancelled = local.client.get_schedule(&schedule_id).unwrap();
    assert_ne!(cancelled["status"], "scheduled", "{cancelled}");
}

#[test]
fn project_details() {
    let local = Local::start();
    let project = local.client.get_project_details().unwrap();
    assert_eq!(project["id"], PROJECT);
    assert!(project["name"].is_string(), "{project}");
}

// ---- waiting ------------------------------------------------------------------------------

#[test]
fn wait_for_times_out_naming_the_task_and_its_status() {
    let local = Local::start();
    local.upload("sleepy", "run.sh", "sleep 30\n");
    let task_id = local.queue("sleepy", None, &TaskOptions::default());

    let short = WaitOptions {
        max_wait: Some(Duration::from_millis(300)),
        ..wait()
    };
    let err = local.client.wait_for(&task_id, &short).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let text = err.to_string();
    assert!(text.contains(&task_id), "{text}");
    assert!(
        ["queued", "preparing", "running"]
            .iter()
            .any(|s| text.contains(s)),
        "{text}"
    );
    local.client.cancel_task(&task_id).unwrap();
}

// ---- errors -------------------------------------------------------------------------------

#[test]
fn a_wrong_token_is_a_401_that_never_shows_the_token() {
    let local = Local::start();
    let wrong = "wrong-SECRET-token-123";
    let client = Client::new(config_for(&local.server.url(), wrong, 0)).unwrap();

    let err = client.get_project_details().unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(err.kind(), ErrorKind::Http);
    for text in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains(wrong) && !text.contains("SECRET"), "{text}");
    }
}

#[test]
fn an_unknown_task_is_a_404_with_the_servers_message() {
    let local = Local::start();
    let err = local
        .client
        .get_task_details("0123456789abcdef01234567")
        .unwrap_err();

    match &err {
        Error::Http {
            status,
            msg,
            method,
            path,
        } => {
            assert_eq!(*status, 404);
            assert!(!msg.is_empty());
            assert_eq!(method, "GET");
            assert_eq!(
                path,
                &format!("/2/projects/{PROJECT}/tasks/0123456789abcdef01234567")
            );
        }
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[test]
fn bad_arguments_are_refused_before_any_request() {
    let local = Local::start();
    let client = &local.client;

    let err = client.get_task_details("").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("task_id"), "{err}");

    let err = client
        .set_task_progress("0123456789abcdef01234567", Some(101), None)
        .unwrap_err();
    assert!(err.to_string().contains("percent"), "{err}");

    let filter = TaskFilter {
        statuses: vec!["finished".to_string()],
        ..TaskFilter::default()
    };
    let err = client.get_tasks(&filter).unwrap_err();
    assert!(err.to_string().contains("finished"), "{err}");

    let err = client
        .post_tasks("w", &[], &TaskOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("payloads"), "{err}");
}

#[test]
fn post_code_checks_the_zip_and_the_run_file() {
    let local = Local::start();
    let zip = local.zip("checked", &[("main.py", "print(1)\n")]);

    let err = local
        .client
        .post_code("other.py", &zip, "checked", &CodeOptions::default());
    let err = err.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let text = err.to_string();
    assert!(
        text.contains("other.py") && text.contains("main.py"),
        "{text}"
    );

    let missing = local.dir.path().join("missing.zip");
    let err = local
        .client
        .post_code("main.py", &missing, "checked", &CodeOptions::default());
    let err = err.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FileNotFound);
    assert_eq!(err.path(), Some(missing.as_path()));

    let err = local.client.upload(
        Path::new("/no/such/dir"),
        "main.py",
        "x",
        &Default::default(),
    );
    assert_eq!(err.unwrap_err().kind(), ErrorKind::FileNotFound);

    let answer = local.client.upload(
        &local.dir.path().join("checked"),
        "./main.py",
        "checked",
        &Default::default(),
    );
    assert!(answer.unwrap()["id"].is_string());
}

#[test]
fn a_refused_connection_names_the_endpoint_not_the_token() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = client_for(&format!("http://127.0.0.1:{port}"), 2);

    let err = client
        .post_task("w", None, &TaskOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

// ---- headers and backoff, with a scripted server ------------------------------------------

fn ok_json() -> String {
    json!({"id": PROJECT, "name": "scripted", "msg": "ok", "tasks": [{"id": "t1"}]}).to_string()
}

#[test]
fn requests_carry_the_documented_headers_and_gzip_is_decoded() {
    let server = scripted(|_| Reply::Gzip(ok_json()));
    let client = client_for(&server.url, 0);

    let project = client.get_project_details().unwrap();
    assert_eq!(project["name"], "scripted", "the gzip body was decoded");
    client
        .post_task("w", Some(&json!({"a": 1})), &TaskOptions::default())
        .unwrap();

    let seen = server.seen();
    let get = &seen[0];
    assert_eq!(get.line, format!("GET /2/projects/{PROJECT} HTTP/1.1"));
    assert_eq!(
        get.header("authorization"),
        Some(format!("OAuth {TOKEN}").as_str())
    );
    assert_eq!(get.header("accept"), Some("application/json"));
    assert!(get.header("accept-encoding").unwrap().contains("gzip"));
    assert!(get
        .header("user-agent")
        .unwrap()
        .starts_with("iron_worker_rust/"));
    assert_eq!(get.header("content-type"), None, "no body, no Content-Type");

    let post = &seen[1];
    assert_eq!(
        post.line,
        format!("POST /2/projects/{PROJECT}/tasks HTTP/1.1")
    );
    assert_eq!(post.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&post.body_head).unwrap();
    assert_eq!(
        body,
        json!({"tasks": [{"code_name": "w", "payload": "{\"a\":1}"}]})
    );
}

#[test]
fn a_503_is_retried_until_it_succeeds() {
    let server = scripted(|n| {
        if n < 2 {
            Reply::Json(503, r#"{"msg":"busy"}"#.to_string())
        } else {
            Reply::Json(200, ok_json())
        }
    });
    let client = client_for(&server.url, 5);

    let answer = client
        .post_task("w", None, &TaskOptions::default())
        .unwrap();
    assert_eq!(answer["tasks"][0]["id"], "t1");
    assert_eq!(server.attempts(), 3, "two 503s, then the success");
}

#[test]
fn a_504_is_retried_too() {
    let server = scripted(|n| {
        if n == 0 {
            Reply::Json(504, "{}".to_string())
        } else {
            Reply::Json(200, ok_json())
        }
    });
    client_for(&server.url, 1).get_project_details().unwrap();
    assert_eq!(server.attempts(), 2);
}

#[test]
fn a_503_forever_fails_after_max_retries_plus_one_attempts() {
    let server = scripted(|_| Reply::Json(503, r#"{"msg":"over capacity"}"#.to_string()));
    let client = client_for(&server.url, 3);

    let err = client.get_project_details().unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(err.server_message(), Some("over capacity"));
    assert_eq!(server.attempts(), 4);
}

#[test]
fn other_statuses_are_not_retried() {
    let server = scripted(|_| Reply::Json(500, "plain text failure".to_string()));
    let err = client_for(&server.url, 3)
        .get_project_details()
        .unwrap_err();

    assert_eq!(err.status(), Some(500));
    assert_eq!(err.server_message(), Some("plain text failure"));
    assert_eq!(server.attempts(), 1);
}

#[test]
fn a_post_the_server_may_have_processed_is_never_sent_twice() {
    let server = scripted(|_| Reply::Hangup);
    let client = client_for(&server.url, 3);

    let err = client
        .post_task("w", None, &TaskOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(
        server.attempts(),
        1,
        "the queued task must not be duplicated"
    );
}

#[test]
fn a_post_that_timed_out_after_sending_is_not_sent_again() {
    let server = scripted(|_| Reply::Stall(Duration::from_secs(5)));
    let mut config = config_for(&server.url, TOKEN, 3);
    config.timeout = Duration::from_millis(300);
    let client = Client::new(config).unwrap();

    let err = client
        .post_task("w", None, &TaskOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("/tasks"), "{err}");
    assert_eq!(
        server.attempts(),
        1,
        "the queued task must not be duplicated"
    );
}

#[test]
fn an_upload_answered_503_is_sent_again_in_full() {
    let server = scripted(|n| match n {
        0 => Reply::Json(503, r#"{"msg":"busy"}"#.to_string()),
        _ => Reply::Json(
            200,
            r#"{"id":"c0de","msg":"Upload successful."}"#.to_string(),
        ),
    });
    let client = client_for(&server.url, 2);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("w");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("run.sh"), "echo hi\n").unwrap();
    let zip = dir.path().join("w.zip");
    iron_worker::package::zip_directory(&folder, &zip, true).unwrap();

    let answer = client
        .post_code("run.sh", &zip, "w", &CodeOptions::default())
        .unwrap();

    assert_eq!(answer["id"], "c0de");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        let announced: u64 = request.header("content-length").unwrap().parse().unwrap();
        assert_eq!(request.body_len, announced);
        assert!(request.body_len > std::fs::metadata(&zip).unwrap().len());
    }
}

#[test]
fn a_get_whose_connection_dropped_is_sent_again() {
    let server = scripted(|n| {
        if n < 2 {
            Reply::Hangup
        } else {
            Reply::Json(200, ok_json())
        }
    });
    let client = client_for(&server.url, 3);

    client.get_project_details().unwrap();
    assert_eq!(server.attempts(), 3);
}

#[test]
fn a_non_json_success_is_a_decode_error() {
    let server = scripted(|_| Reply::Json(200, "<html>".to_string()));
    let err = client_for(&server.url, 0)
        .get_project_details()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
}

#[test]
fn schedules_without_a_start_start_now() {
    let server = scripted(|_| Reply::Json(200, r#"{"schedules":[{"id":"s"}]}"#.to_string()));
    let client = client_for(&server.url, 0);
    client
        .post_schedule("w", None, &ScheduleOptions::default())
        .unwrap();

    let body: Value = serde_json::from_slice(&server.seen()[0].body_head).unwrap();
    let schedule = &body["schedules"][0];
    assert_eq!(schedule["code_name"], "w");
    assert_eq!(schedule["payload"], "{}");
    let start_at = schedule["start_at"].as_str().unwrap();
    assert!(
        start_at.len() == 20 && start_at.ends_with('Z'),
        "{start_at}"
    );
}
