//! The `iron-worker` client commands as a real process against the real local server over
//! real HTTP: every command, `--wait`/`--follow`, `--json`, `-v`, and the error exit codes.

// Test code may fail loudly: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use iron_worker_server::{start_background, RunningServer, ServerConfig};
use serde_json::Value;
use tempfile::TempDir;

const TOKEN: &str = "cli-client-SECRET-7d1e0c";
const PROJECT: &str = "4f32d521519cb67829000390";

/// A local server, a working directory whose `iron.json` points at it, and an empty home.
struct Env {
    _server: RunningServer,
    dir: TempDir,
    port: u16,
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    fn line(&self) -> String {
        let line = self.stdout.trim();
        assert!(!line.is_empty() && !line.contains('\n'), "{self:#?}");
        line.to_string()
    }
}

impl Env {
    fn start() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            port: 0,
            ..ServerConfig::new(dir.path().join("data"), TOKEN)
        };
        let server = start_background(config).unwrap();
        let port = server.addr().port();

        let env = Env {
            _server: server,
            dir,
            port,
        };
        std::fs::create_dir_all(env.work()).unwrap();
        std::fs::create_dir_all(env.home()).unwrap();
        let config = serde_json::json!({
            "token": TOKEN,
            "project_id": PROJECT,
            "host": "127.0.0.1",
            "port": port,
            "protocol": "http",
        });
        std::fs::write(env.work().join("iron.json"), config.to_string()).unwrap();
        env
    }

    /// The CLI's current directory (with `iron.json`).
    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// The CLI's home directory (no `~/.iron.json`).
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The binary, with a clean environment: no IRON_* variable can leak in.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iron-worker"));
        cmd.args(args)
            .current_dir(self.work())
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        run(self.cmd(args))
    }

    /// Runs and expects exit code `code`.
    fn expect(&self, code: i32, args: &[&str]) -> Run {
        let result = self.run(args);
        assert_eq!(result.code, code, "iron-worker {args:?}: {result:#?}");
        result
    }

    fn ok(&self, args: &[&str]) -> Run {
        self.expect(0, args)
    }

    /// Writes a worker folder under the working directory; returns its path.
    fn folder(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let folder = self.work().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        for (file, text) in files {
            std::fs::write(folder.join(file), text).unwrap();
        }
        folder
    }

    /// Uploads a one-file sh worker as code `name`; returns the code id.
    fn upload_sh(&self, name: &str, script: &str) -> String {
        let file = format!("{name}.sh");
        let folder = self.folder(name, &[(&file, script)]);
        self.ok(&["upload", folder.to_str().unwrap(), "--name", name])
            .line()
    }
}

fn run(mut cmd: Command) -> Run {
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const HELLO_SH: &str = "echo \"hello from sh\"\necho \"payload: $(cat \"$PAYLOAD_FILE\")\"\n";

// ---- the tutorial, from the command line ------------------------------------------------

#[test]
fn the_tutorial_upload_queue_wait_status_and_log() {
    let env = Env::start();
    let fibonacci = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/python/fibonacci.py"
    );
    std::fs::create_dir_all(env.work().join("fib")).unwrap();
    std::fs::copy(fibonacci, env.work().join("fib/fibonacci.py")).unwrap();

    let upload = env.ok(&["upload", "fib", "--name", "fibonacci"]);
    let code_id = upload.line();
    assert_eq!(code_id.len(), 24, "{upload:#?}");
    assert!(upload.stderr.contains("Uploaded 100%"), "{upload:#?}");
    assert!(upload.stderr.contains("runs fibonacci.py"), "{upload:#?}");

    let queued = env.ok(&[
        "queue",
        "fibonacci",
        "--payload",
        r#"{"max": 100}"#,
        "--wait",
    ]);
    let task_id = queued.line();
    assert!(queued.stderr.contains("complete"), "{queued:#?}");

    let status = env.ok(&["status", &task_id]);
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("status:") && l.ends_with(" complete")),
        "{status:#?}"
    );
    assert!(status.stdout.contains("id:"), "{status:#?}");

    let log = env.ok(&["log", &task_id]);
    assert_eq!(
        log.stdout.trim(),
        "MAGICALSTDOUTSEPARATOR[0,1,1,2,3,5,8,13,21,34,55,89]MAGICALSTDOUTSEPARATOR"
    );
}

// ---- upload -------------------------------------------------------------------------------

#[test]
fn upload_a_zip_with_exec_env_vars_config_and_options() {
    let env = Env::start();
    let folder = env.folder(
        "two",
        &[
            ("main.sh", "echo \"FOO=$FOO\"\ncat \"$CONFIG_FILE\"\n"),
            ("other.sh", "echo other\n"),
        ],
    );
    let zip = env.work().join("two.zip");
    assert!(iron_worker::package::zip_directory(&folder, &zip, true).unwrap());
    std::fs::write(env.work().join("settings.json"), r#"{"level": 3}"#).unwrap();

    // Two scripts at the top: the command cannot guess which one runs.
    let guess = env.expect(2, &["upload", "two.zip", "--name", "two"]);
    assert!(guess.stderr.contains("--exec"), "{guess:#?}");
    assert!(guess.stderr.contains("main.sh") && guess.stderr.contains("other.sh"));

    let upload = env.ok(&[
        "upload",
        "two.zip",
        "--name",
        "two",
        "--exec",
        "main.sh",
        "-e",
        "FOO=bar=baz",
        "--worker-config",
        "settings.json",
        "--max-concurrency",
        "2",
        "--retries",
        "1",
        "--retries-delay",
        "5",
        "--priority",
        "1",
        "--json",
    ]);
    let answer = upload.json();
    assert_eq!(answer["file_name"], "main.sh", "{answer}");
    assert_eq!(answer["max_concurrency"], 2, "{answer}");
    assert_eq!(answer["retries"], 1, "{answer}");
    assert_eq!(answer["env_vars"]["FOO"], "bar=baz", "{answer}");

    let code = env.ok(&["code", "two", "--json"]).json();
    assert_eq!(code["id"], answer["id"]);
    assert_eq!(code["config"], r#"{"level": 3}"#);

    let task_id = env.ok(&["queue", "two", "--wait"]).line();
    let log = env.ok(&["log", &task_id]).stdout;
    assert!(log.contains("FOO=bar=baz"), "{log}");
    assert!(log.contains(r#"{"level": 3}"#), "{log}");
}

#[test]
fn upload_errors_name_what_is_wrong() {
    let env = Env::start();
    env.folder("empty", &[("README", "no script here")]);
    env.folder("ok", &[("ok.sh", "echo ok\n")]);

    let missing = env.expect(6, &["upload", "nowhere", "--name", "x"]);
    assert!(
        missing.stderr.contains("file not found: nowhere"),
        "{missing:#?}"
    );

    let no_script = env.expect(2, &["upload", "empty", "--name", "x"]);
    assert!(no_script.stderr.contains("--exec"), "{no_script:#?}");

    let wrong_exec = env.expect(2, &["upload", "ok", "--name", "x", "--exec", "nope.sh"]);
    assert!(wrong_exec.stderr.contains("nope.sh"), "{wrong_exec:#?}");

    let bad_env = env.expect(2, &["upload", "ok", "--name", "x", "-e", "NOEQUALS"]);
    assert!(bad_env.stderr.contains("KEY=VALUE"), "{bad_env:#?}");

    let bad_retries = env.expect(2, &["upload", "ok", "--name", "x", "--retries", "99"]);
    assert!(bad_retries.stderr.contains("retries"), "{bad_retries:#?}");

    let no_config = env.expect(
        6,
        &[
            "upload",
            "ok",
            "--name",
            "x",
            "--worker-config",
            "missing.json",
        ],
    );
    assert!(no_config.stderr.contains("missing.json"), "{no_config:#?}");

    std::fs::write(env.work().join("not-a.zip"), "plain text").unwrap();
    let not_zip = env.expect(6, &["upload", "not-a.zip", "--name", "x", "--exec", "a.sh"]);
    assert!(not_zip.stderr.contains("not-a.zip"), "{not_zip:#?}");

    let no_name = env.expect(2, &["upload", "ok"]);
    assert!(no_name.stderr.contains("--name"), "{no_name:#?}");

    // Nothing was uploaded by any of these.
    assert_eq!(env.ok(&["codes", "--json"]).json(), Value::Array(vec![]));
}

// ---- queue, --wait, --follow ----------------------------------------------------------------

#[test]
fn queue_prints_ids_and_passes_payload_and_options() {
    let env = Env::start();
    env.upload_sh("hello", HELLO_SH);
    std::fs::write(env.work().join("payload.json"), r#"{"from": "file"}"#).unwrap();

    let one = env.ok(&[
        "queue",
        "hello",
        "--payload",
        r#"{"a": 1}"#,
        "--label",
        "L1",
    ]);
    let id = one.line();
    assert_eq!(id.len(), 24);

    let three = env.ok(&["queue", "hello", "-n", "3", "--priority", "2"]);
    let ids: Vec<&str> = three.stdout.lines().collect();
    assert_eq!(ids.len(), 3, "{three:#?}");

    let from_file = env.ok(&["queue", "hello", "--payload-file", "payload.json", "--json"]);
    let answer = from_file.json();
    let file_task = answer["tasks"][0]["id"].as_str().unwrap().to_string();

    let mut stdin = env.cmd(&["queue", "hello", "--payload-file", "-"]);
    let mut child = stdin
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), br#"{"from": "stdin"}"#).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdin_task = String::from_utf8(output.stdout).unwrap().trim().to_string();

    let details = env.ok(&["status", &id, "--json"]).json();
    assert_eq!(details["payload"], r#"{"a":1}"#);
    assert_eq!(details["label"], "L1");
    let details = env.ok(&["status", ids[0], "--json"]).json();
    assert_eq!(details["priority"], 2);
    let details = env.ok(&["status", &file_task, "--json"]).json();
    assert_eq!(details["payload"], r#"{"from":"file"}"#);
    let details = env.ok(&["status", &stdin_task, "--json"]).json();
    assert_eq!(details["payload"], r#"{"from":"stdin"}"#);
}

#[test]
fn queue_wait_exits_1_unless_complete() {
    let env = Env::start();
    env.upload_sh("fails", "echo about to fail\nexit 3\n");

    let failed = env.expect(1, &["queue", "fails", "--wait"]);
    let id = failed.line();
    assert!(
        failed.stderr.contains(&format!("task {id} (error)")),
        "{failed:#?}"
    );

    let json = env.expect(1, &["queue", "fails", "--wait", "--json"]);
    let answer = json.json();
    assert_eq!(answer["tasks"][0]["status"], "error", "{answer}");
    assert_eq!(answer["tasks"][0]["exit_code"], 3, "{answer}");

    env.upload_sh("hello", HELLO_SH);
    let both = env.ok(&["queue", "hello", "-n", "2", "--wait", "--json"]);
    let tasks = both.json()["tasks"].as_array().unwrap().clone();
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t["status"] == "complete"), "{tasks:?}");
}

#[test]
fn queue_follow_streams_the_log_while_the_task_runs() {
    let env = Env::start();
    let release = env.work().join("release");
    // The worker prints `first`, then waits for the test to see that line before going on:
    // the test only passes if the log reached stdout while the task was running.
    let script = format!(
        "echo first\n\
         i=0\n\
         while [ ! -e '{}' ]; do\n\
           i=$((i+1)); if [ $i -gt 1200 ]; then echo 'never released'; exit 1; fi\n\
           sleep 0.05\n\
         done\n\
         echo second\n",
        release.display()
    );
    env.upload_sh("gated", &script);

    let mut child = env
        .cmd(&["queue", "gated", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if line == "first\n" {
            std::fs::write(&release, "go").unwrap();
        }
        lines.push(std::mem::take(&mut line));
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();

    assert_eq!(lines, ["first\n", "second\n"], "{stderr}");
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("Queued task"), "{stderr}");
    assert!(stderr.contains(": complete"), "{stderr}");
}

#[test]
fn follow_of_a_failing_task_prints_its_log_and_exits_1() {
    let env = Env::start();
    env.upload_sh("fails", "echo out\necho err >&2\nexit 2\n");

    let followed = env.expect(1, &["queue", "fails", "--follow"]);
    assert!(followed.stdout.contains("out") && followed.stdout.contains("err"));
    assert!(followed.stderr.contains("(error)"), "{followed:#?}");

    // With --json, stdout holds only the JSON and the log goes to stderr.
    let json = env.expect(1, &["queue", "fails", "--follow", "--json"]);
    assert_eq!(json.json()["tasks"][0]["status"], "error");
    assert!(json.stderr.contains("err"), "{json:#?}");

    let id = json.json()["tasks"][0]["id"].as_str().unwrap().to_string();
    let again = env.expect(1, &["log", "--follow", &id]);
    assert!(again.stdout.contains("out"), "{again:#?}");
}

#[test]
fn queue_input_errors() {
    let env = Env::start();
    env.upload_sh("hello", HELLO_SH);

    let bad_json = env.expect(2, &["queue", "hello", "--payload", "{not json"]);
    assert!(
        bad_json.stderr.contains("--payload is not valid JSON"),
        "{bad_json:#?}"
    );

    let both = env.expect(
        2,
        &["queue", "hello", "--payload", "{}", "--payload-file", "p"],
    );
    assert!(both.stderr.contains("--payload-file"), "{both:#?}");

    let missing = env.expect(6, &["queue", "hello", "--payload-file", "nope.json"]);
    assert!(
        missing.stderr.contains("file not found: nope.json"),
        "{missing:#?}"
    );

    let priority = env.expect(2, &["queue", "hello", "--priority", "7"]);
    assert!(priority.stderr.contains("priority"), "{priority:#?}");

    let zero = env.expect(2, &["queue", "hello", "-n", "0"]);
    assert!(zero.stderr.contains("--count"), "{zero:#?}");

    let unknown_code = env.expect(8, &["queue", "no-such-code"]);
    assert!(
        unknown_code.stderr.contains("no-such-code"),
        "{unknown_code:#?}"
    );

    let max_wait = env.expect(2, &["queue", "hello", "--wait", "--max-wait", "soon"]);
    assert!(max_wait.stderr.contains("max_wait"), "{max_wait:#?}");

    // None of the refused commands queued anything.
    assert_eq!(env.ok(&["tasks", "--json"]).json(), Value::Array(vec![]));
}

#[test]
fn queue_wait_gives_up_after_max_wait() {
    let env = Env::start();
    env.upload_sh("hello", HELLO_SH);

    // Delayed by an hour, the task is still queued when the short wait ends.
    let timed_out = env.expect(
        5,
        &[
            "queue",
            "hello",
            "--delay",
            "3600",
            "--wait",
            "--max-wait",
            "0.3",
        ],
    );
    assert!(timed_out.stderr.contains("timed out"), "{timed_out:#?}");
    let id = timed_out.line();
    env.ok(&["cancel", &id]);
}

// ---- task commands ------------------------------------------------------------------------

#[test]
fn status_log_tasks_cancel_retry_and_progress() {
    let env = Env::start();
    env.upload_sh("hello", HELLO_SH);
    env.upload_sh("other", "echo other\n");

    let done = env
        .ok(&["queue", "hello", "--payload", r#"{"n": 1}"#, "--wait"])
        .line();
    let other = env.ok(&["queue", "other", "--wait"]).line();
    let later = env.ok(&["queue", "hello", "--delay", "3600"]).line();

    // log
    let log = env.ok(&["log", &done]);
    assert_eq!(log.stdout, "hello from sh\npayload: {\"n\":1}\n");
    let log_json = env.ok(&["log", &done, "--json"]).json();
    assert_eq!(log_json["id"], done.as_str());
    assert_eq!(log_json["log"], log.stdout.as_str());

    // tasks, with filters
    let table = env.ok(&["tasks"]).stdout;
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("STATUS"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 4, "{table}");
    let of_hello = env.ok(&["tasks", "--code", "hello", "--json"]).json();
    assert_eq!(of_hello.as_array().unwrap().len(), 2, "{of_hello}");
    let complete = env.ok(&["tasks", "--status", "complete", "--json"]).json();
    let ids: Vec<&str> = complete
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&done.as_str()) && ids.contains(&other.as_str()));
    assert!(!ids.contains(&later.as_str()));
    let queued = env.ok(&[
        "tasks", "--status", "queued", "--status", "running", "--json",
    ]);
    assert_eq!(queued.json().as_array().unwrap().len(), 1);
    let paged = env
        .ok(&["tasks", "--per-page", "1", "--page", "1", "--json"])
        .json();
    assert_eq!(paged.as_array().unwrap().len(), 1);
    let bad_status = env.expect(2, &["tasks", "--status", "finished"]);
    assert!(bad_status.stderr.contains("finished"), "{bad_status:#?}");
    let empty = env.ok(&["tasks", "--code", "nothing-here"]);
    assert_eq!(empty.stdout, "");
    assert!(empty.stderr.contains("No tasks"));

    // progress
    assert_eq!(
        env.ok(&["progress", &later, "40", "almost"]).line(),
        "Progress set"
    );
    let details = env.ok(&["status", &later, "--json"]).json();
    assert_eq!(details["percent"], 40);
    assert_eq!(details["msg"], "almost");
    let too_much = env.expect(2, &["progress", &later, "150"]);
    assert!(too_much.stderr.contains("percent"), "{too_much:#?}");
    let not_number = env.expect(2, &["progress", &later, "half"]);
    assert!(not_number.stderr.contains("PERCENT"), "{not_number:#?}");

    // cancel
    assert_eq!(env.ok(&["cancel", &later]).line(), "Cancelled");
    let details = env.ok(&["status", &later, "--json"]).json();
    assert_eq!(details["status"], "cancelled");
    let again = env.expect(4, &["cancel", &later]);
    assert!(again.stderr.contains("HTTP 400"), "{again:#?}");

    // retry
    let retried = env.ok(&["retry", &done]).line();
    assert_ne!(retried, done);
    let details = env.ok(&["status", &retried, "--json"]).json();
    assert_eq!(details["code_name"], "hello");
    let delayed = env
        .ok(&["retry", &done, "--delay", "3600", "--json"])
        .json();
    let delayed_id = delayed["tasks"][0]["id"].as_str().unwrap();
    assert_eq!(
        env.ok(&["status", delayed_id, "--json"]).json()["delay"],
        3600
    );
    env.ok(&["cancel", delayed_id]);
}

#[test]
fn unknown_tasks_exit_8_with_the_servers_message() {
    let env = Env::start();
    let unknown = "0123456789abcdef01234567";
    for command in ["status", "log", "cancel", "retry"] {
        let run = env.expect(8, &[command, unknown]);
        assert!(run.stderr.contains("HTTP 404"), "{command}: {run:#?}");
        assert!(run.stderr.contains(unknown), "{command}: {run:#?}");
        assert_eq!(run.stdout, "", "{command}");
    }
    env.expect(8, &["progress", unknown, "5"]);
    env.expect(8, &["log", "--follow", unknown]);
}

// ---- schedules ------------------------------------------------------------------------------

#[test]
fn schedule_schedules_and_unschedule() {
    let env = Env::start();
    env.upload_sh("hello", HELLO_SH);

    let id = env
        .ok(&[
            "schedule",
            "hello",
            "--payload",
            r#"{"s": 1}"#,
            "--start-at",
            "2099-01-01T00:00:00Z",
            "--run-every",
            "3600",
            "--run-times",
            "5",
            "--end-at",
            "4102444800",
            "--label",
            "nightly",
        ])
        .line();

    let table = env.ok(&["schedules"]).stdout;
    assert!(table.lines().next().unwrap().starts_with("ID"), "{table}");
    let row = table.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(row.contains("hello") && row.contains("0/5"), "{table}");

    let listed = env.ok(&["schedules", "--json"]).json();
    let schedule = &listed[0];
    assert_eq!(schedule["id"], id.as_str());
    assert_eq!(schedule["run_every"], 3600);
    assert_eq!(schedule["payload"], r#"{"s":1}"#);
    let end_at = schedule["end_at"].as_str().unwrap();
    assert!(end_at.starts_with("2100-01-01T00:00:00"), "{schedule}");

    let delayed = env
        .ok(&["schedule", "hello", "--delay", "3600", "--json"])
        .json();
    assert!(delayed["schedules"][0]["id"].is_string(), "{delayed}");

    assert_eq!(env.ok(&["unschedule", &id]).line(), "Cancelled");
    let listed = env.ok(&["schedules", "--json"]).json();
    let cancelled = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");

    let every = env.expect(2, &["schedule", "hello", "--run-every", "30"]);
    assert!(
        every.stderr.contains("run_every must be at least 60"),
        "{every:#?}"
    );
    let when = env.expect(2, &["schedule", "hello", "--start-at", "next tuesday"]);
    assert!(when.stderr.contains("start_at"), "{when:#?}");
    let both = env.expect(2, &["schedule", "hello", "--start-at", "0", "--delay", "5"]);
    assert!(both.stderr.contains("--delay"), "{both:#?}");
    env.expect(8, &["unschedule", "0123456789abcdef01234567"]);
}

// ---- code packages --------------------------------------------------------------------------

#[test]
fn codes_code_revisions_download_pause_and_resume() {
    let env = Env::start();
    let first = env.upload_sh("hello", "echo revision one\n");
    std::fs::write(env.work().join("hello/hello.sh"), "echo revision two\n").unwrap();
    let second = env.ok(&["upload", "hello", "--name", "hello"]).line();
    assert_eq!(first, second, "a new revision keeps the code id");
    env.upload_sh("other", "echo other\n");

    // codes
    let table = env.ok(&["codes"]).stdout;
    assert!(table.lines().next().unwrap().starts_with("ID"), "{table}");
    let row = table.lines().find(|l| l.starts_with(&first)).unwrap();
    assert!(row.contains("hello") && row.contains(" 2 "), "{table}");
    assert_eq!(
        env.ok(&["codes", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let page = env.ok(&["codes", "--per-page", "1", "--json"]).json();
    assert_eq!(page.as_array().unwrap().len(), 1);

    // code, by name and by id
    let by_name = env.ok(&["code", "hello", "--json"]).json();
    let by_id = env.ok(&["code", &first, "--json"]).json();
    assert_eq!(by_name, by_id);
    assert_eq!(by_name["rev"], 2);
    let text = env.ok(&["code", "hello"]).stdout;
    assert!(text
        .lines()
        .any(|l| l.starts_with("name:") && l.ends_with(" hello")));
    let unknown = env.expect(8, &["code", "nope"]);
    assert!(
        unknown.stderr.contains("no code package named \"nope\""),
        "{unknown:#?}"
    );
    env.expect(8, &["code", "0123456789abcdef01234567"]);

    // revisions
    let revisions = env.ok(&["revisions", "hello", "--json"]).json();
    assert_eq!(revisions.as_array().unwrap().len(), 2, "{revisions}");
    let table = env.ok(&["revisions", &first]).stdout;
    assert_eq!(table.lines().count(), 3, "{table}");

    // download: default file name, -o FILE with --rev, -o - to stdout
    let path = env.ok(&["download", "hello"]).line();
    assert_eq!(path, "hello.zip");
    assert!(read_entry(&env.work().join("hello.zip"), "hello.sh").contains("revision two"));
    let old = env.expect(6, &["download", "hello", "--rev", "1", "-o", "old/one.zip"]);
    assert!(old.stderr.contains("old/one.zip"), "{old:#?}");
    std::fs::create_dir(env.work().join("old")).unwrap();
    env.ok(&["download", "hello", "--rev", "1", "-o", "old/one.zip"]);
    assert!(read_entry(&env.work().join("old/one.zip"), "hello.sh").contains("revision one"));
    let mut to_stdout = env.cmd(&["download", &first, "-o", "-"]);
    let bytes = to_stdout.output().unwrap().stdout;
    assert!(bytes.starts_with(b"PK"), "{} bytes", bytes.len());
    let json = env
        .ok(&["download", "hello", "-o", "again.zip", "--json"])
        .json();
    assert_eq!(json["path"], "again.zip");
    assert_eq!(json["id"], first.as_str());
    env.expect(8, &["download", "hello", "--rev", "9", "-o", "nine.zip"]);
    assert!(!env.work().join("nine.zip").exists());

    // pause and resume: a task queued while paused runs after resume
    assert_eq!(env.ok(&["pause", "hello"]).line(), "Paused");
    assert_eq!(env.ok(&["code", "hello", "--json"]).json()["paused"], true);
    let task = env.ok(&["queue", "hello"]).line();
    assert_eq!(
        env.ok(&["status", &task, "--json"]).json()["status"],
        "queued"
    );
    assert_eq!(env.ok(&["resume", &first]).line(), "Resumed");
    let done = env.ok(&["log", "--follow", &task]);
    assert_eq!(done.stdout, "revision two\n");
    env.expect(8, &["pause", "nope"]);
}

fn read_entry(zip: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

// ---- configuration, global options, logging -------------------------------------------------

#[test]
fn a_wrong_token_exits_7_and_is_never_shown() {
    let env = Env::start();
    let wrong = "wrong-SECRET-token-0042";

    let run = env.expect(7, &["codes", "--token", wrong]);
    assert!(run.stderr.contains("HTTP 401"), "{run:#?}");
    assert!(run.stderr.contains("check the token"), "{run:#?}");
    assert!(!run.stderr.contains(wrong) && !run.stdout.contains(wrong));

    let verbose = env.expect(
        7,
        &["-v", "status", "0123456789abcdef01234567", "--token", wrong],
    );
    assert!(!verbose.stderr.contains(wrong), "{verbose:#?}");
}

#[test]
fn verbose_logs_requests_without_the_token() {
    let env = Env::start();
    let run = env.ok(&["-v", "codes"]);
    assert!(
        run.stderr
            .contains(&format!("path=/2/projects/{PROJECT}/codes")),
        "{run:#?}"
    );
    assert!(run.stderr.contains("status=200"), "{run:#?}");
    assert!(!run.stderr.contains(TOKEN), "{run:#?}");

    let quiet = env.ok(&["codes"]);
    assert_eq!(quiet.stderr.trim(), "No code packages.");
}

#[test]
fn configuration_from_flags_config_file_and_environment() {
    let env = Env::start();
    std::fs::remove_file(env.work().join("iron.json")).unwrap();
    let port = env.port.to_string();

    // Nothing configured: exit 3, naming what is missing.
    let none = env.expect(3, &["codes"]);
    assert!(none.stderr.contains("token"), "{none:#?}");

    // Flags only, before or after the command.
    let flags = [
        "--token",
        TOKEN,
        "--project-id",
        PROJECT,
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--protocol",
        "http",
    ];
    let mut before = flags.to_vec();
    before.push("codes");
    env.ok(&before);
    let mut after = vec!["codes"];
    after.extend(flags);
    env.ok(&after);

    // An INI file given with --config; a flag beats it.
    let ini = format!(
        "[iron_worker]\ntoken = not-the-token\nproject_id = {PROJECT}\nhost = 127.0.0.1\n\
         port = {port}\nprotocol = http\n"
    );
    std::fs::write(env.work().join("my.ini"), ini).unwrap();
    env.expect(7, &["codes", "--config", "my.ini"]);
    env.ok(&["--config", "my.ini", "codes", "--token", TOKEN]);
    let missing = env.expect(3, &["codes", "--config", "nope.ini"]);
    assert!(missing.stderr.contains("nope.ini"), "{missing:#?}");

    // The environment.
    let mut cmd = env.cmd(&["codes", "--json"]);
    cmd.env("IRON_TOKEN", TOKEN)
        .env("IRON_PROJECT_ID", PROJECT)
        .env("IRON_HOST", "127.0.0.1")
        .env("IRON_PORT", &port)
        .env("IRON_PROTOCOL", "http");
    let from_env = run(cmd);
    assert_eq!(from_env.code, 0, "{from_env:#?}");

    // A bad setting: exit 3, naming it.
    let mut bad_port = after.clone();
    let at = bad_port.iter().position(|a| *a == port).unwrap();
    bad_port[at] = "eighty";
    let bad = env.expect(3, &bad_port);
    assert!(bad.stderr.contains("port"), "{bad:#?}");
}

#[test]
fn an_unreachable_server_exits_5() {
    let env = Env::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);

    let config = serde_json::json!({
        "token": TOKEN, "project_id": PROJECT, "host": "127.0.0.1", "port": port,
        "protocol": "http", "max_retries": 0,
    });
    std::fs::write(env.work().join("iron.json"), config.to_string()).unwrap();
    let run = env.expect(5, &["codes"]);
    assert!(run.stderr.contains("connection"), "{run:#?}");
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::start();
    env.expect(2, &[]);
    env.expect(2, &["frobnicate"]);
    env.expect(2, &["status"]);
    env.expect(2, &["tasks", "--per-page", "500"]);
    env.expect(2, &["codes", "--page", "-1"]);
    let serve = env.expect(2, &["--json", "serve", "--port", "0"]);
    assert!(serve.stderr.contains("serve"), "{serve:#?}");
}

#[test]
fn help_reads_well_for_every_command() {
    let env = Env::start();
    let top = env.ok(&["--help"]);
    assert!(top.stdout.contains("Exit codes:"), "{top:#?}");
    assert!(top.stdout.contains("7  HTTP 401"), "{top:#?}");
    let commands = [
        "upload",
        "queue",
        "status",
        "log",
        "tasks",
        "cancel",
        "retry",
        "progress",
        "schedule",
        "schedules",
        "unschedule",
        "codes",
        "code",
        "revisions",
        "download",
        "pause",
        "resume",
        "serve",
    ];
    for command in commands {
        assert!(
            top.stdout.contains(&format!("  {command} ")),
            "{command} missing"
        );
        let help = env.ok(&[command, "--help"]);
        assert!(
            help.stdout.contains("Usage: iron-worker"),
            "{command}: {help:#?}"
        );
        if command != "serve" {
            assert!(
                help.stdout.contains("Global options:"),
                "{command}: {help:#?}"
            );
        }
    }
    assert!(env.ok(&["queue", "--help"]).stdout.contains("Examples:"));
    assert!(env.ok(&["--version"]).stdout.starts_with("iron-worker "));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let env = Env::start();
    env.upload_sh("hello", HELLO_SH);
    let task = env.ok(&["queue", "hello", "--wait"]).line();

    for args in [
        vec!["codes"],
        vec!["log", &task],
        vec!["log", "--follow", &task],
    ] {
        let mut child = env
            .cmd(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "{args:?}: {stderr}");
        assert!(!stderr.contains("iron-worker:"), "{args:?}: {stderr}");
    }
}
