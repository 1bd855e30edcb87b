//! The generated PHP runner, run for real with the `php` CLI on payload files, flags and
//! environment variables.

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use std::collections::BTreeMap;
use std::time::Duration;

use iron_worker::php_runner::{runner_source, RUNNER_FILE_NAME};
use iron_worker::{Client, CodeOptions, Config, TaskOptions, Token, WaitOptions};
use iron_worker_server::{start_background, ServerConfig};
use serde_json::{json, Value};
use tempfile::TempDir;

/// Environment variables of the runtime contract and of the credentials, removed from every
/// run so that the test machine's environment cannot leak in.
const CONTRACT_ENV: &[&str] = &[
    "TASK_ID",
    "TASK_DIR",
    "PAYLOAD_FILE",
    "CONFIG_FILE",
    "IRON_TOKEN",
    "IRON_PROJECT_ID",
    "IRON_HOST",
    "IRON_PORT",
    "IRON_PROTOCOL",
    "IRON_SCHEME",
    "IRON_API_VERSION",
    "IRON_WORKER_TOKEN",
    "IRON_WORKER_PROJECT_ID",
    "IRON_WORKER_HOST",
    "IRON_WORKER_PORT",
    "IRON_WORKER_PROTOCOL",
];

/// A package folder holding the runner and the worker's file.
struct Package {
    dir: TempDir,
}

impl Package {
    fn new(run_filename: &str, worker_code: &str) -> Package {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(RUNNER_FILE_NAME),
            runner_source(run_filename),
        )
        .unwrap();

        let worker = dir.path().join(run_filename);
        fs::create_dir_all(worker.parent().unwrap()).unwrap();
        fs::write(worker, worker_code).unwrap();
        Package { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.path(name);
        fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// Runs `php <runner> args...` in `cwd` with `env`.
    fn run_in(&self, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new("php");
        command
            .arg("-d")
            .arg("display_errors=stderr")
            .arg(self.path(RUNNER_FILE_NAME))
            .args(args)
            .current_dir(cwd);
        for name in CONTRACT_ENV {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());

        command
            .output()
            .expect("the php CLI must be installed (scripts/setup.sh installs php-cli)")
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.run_in(self.dir.path(), args, env)
    }
}

/// The JSON the worker printed, failing with its stderr when it did not succeed.
fn json_output(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "worker failed ({}):\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("worker output is not JSON ({e}): {stdout}\nstderr: {stderr}"))
}

/// A worker that reports everything the helpers give it.
const REPORTING_WORKER: &str = r#"<?php
$payload = getPayload();
$payloadArray = getPayload(true);
$config = getConfig();
echo json_encode(array(
    'max' => is_object($payload) ? $payload->max : null,
    'max_assoc' => is_array($payloadArray) ? $payloadArray['max'] : null,
    'payload_is_object' => is_object($payload),
    'config_is_object' => is_object($config),
    'config_db' => is_object($config) ? $config->db : null,
    'args' => getArgs(),
));
"#;

#[test]
fn single_dash_flags_give_payload_config_and_args() {
    let package = Package::new("fibonacci.php", REPORTING_WORKER);
    let payload = package.write("payload.json", r#"{"max": 1000}"#);
    let config = package.write("config.json", r#"{"db": "postgres://x"}"#);
    let task_dir = package.dir.path().to_str().unwrap();

    let output = package.run(
        &[
            "-id",
            "task-1",
            "-d",
            task_dir,
            "-payload",
            &payload,
            "-config",
            &config,
            "-e",
            "production",
            "-schedule_id",
            "sched-9",
        ],
        &[],
    );
    let report = json_output(&output);

    assert_eq!(report["max"], 1000);
    assert_eq!(report["max_assoc"], 1000);
    assert_eq!(report["payload_is_object"], true);
    assert_eq!(report["config_is_object"], true);
    assert_eq!(report["config_db"], "postgres://x");
    assert_eq!(
        report["args"],
        json!({
            "task_id": "task-1",
            "dir": task_dir,
            "payload": {"max": 1000},
            "config": {"db": "postgres://x"},
            "schedule_id": "sched-9",
            "payload_file": payload,
            "config_file": config,
            "environment": "production",
        })
    );
}

#[test]
fn double_dash_and_equals_forms_are_read() {
    let package = Package::new("fibonacci.php", REPORTING_WORKER);
    let payload = package.write("payload.json", r#"{"max": 7}"#);
    let config = package.write("config.json", r#"{"db": "d"}"#);

    let output = package.run(
        &[
            "--id=task-2",
            "--dir",
            "/tmp/somewhere",
            &format!("--payload={payload}"),
            &format!("-config={config}"),
            "--e",
            "development",
            "--schedule_id=s2",
        ],
        &[],
    );
    let report = json_output(&output);

    assert_eq!(report["max"], 7);
    assert_eq!(report["args"]["task_id"], "task-2");
    assert_eq!(report["args"]["dir"], "/tmp/somewhere");
    assert_eq!(report["args"]["config"], json!({"db": "d"}));
    assert_eq!(report["args"]["environment"], "development");
    assert_eq!(report["args"]["schedule_id"], "s2");
}

#[test]
fn tutorial_local_run_with_payload_equals_file() {
    let package = Package::new("fibonacci.php", REPORTING_WORKER);
    package.write("payload.json", "{\n  \"max\": 1000\n}\n");

    // `php fibonacci.php -payload=payload.json`, the tutorial's local test, relative path.
    let output = package.run(&["-payload=payload.json"], &[]);
    let report = json_output(&output);

    assert_eq!(report["max"], 1000);
    assert_eq!(report["args"]["payload_file"], "payload.json");
    assert_eq!(report["args"]["task_id"], Value::Null);
    assert_eq!(report["args"]["config"], Value::Null);
}

#[test]
fn flag_rules_match_the_rust_worker_helpers() {
    let package = Package::new("fibonacci.php", REPORTING_WORKER);
    let payload = package.write("payload.json", r#"{"max": 5}"#);

    // `-id` followed by another runtime flag has no value; an empty value is ignored; the
    // last repeat wins; the worker's own flags are skipped.
    let output = package.run(
        &[
            "-e", "first", "--mine", "x", "-payload", &payload, "-id", "-d", "/dir", "-e",
            "second", "-d=",
        ],
        &[],
    );
    let report = json_output(&output);

    assert_eq!(report["max"], 5);
    assert_eq!(report["args"]["task_id"], Value::Null);
    assert_eq!(report["args"]["dir"], "/dir");
    assert_eq!(report["args"]["environment"], "second");
}

#[test]
fn environment_wins_over_flags() {
    let package = Package::new("fibonacci.php", REPORTING_WORKER);
    let from_env = package.write("env_payload.json", r#"{"max": 1}"#);
    let from_flag = package.write("flag_payload.json", r#"{"max": 2}"#);
    let config = package.write("config.json", r#"{"db": "env"}"#);

    let output = package.run(
        &["-id", "flag-id", "-payload", &from_flag, "-d", "/flag/dir"],
        &[
            ("TASK_ID", "env-id"),
            ("PAYLOAD_FILE", &from_env),
            ("CONFIG_FILE", &config),
            ("TASK_DIR", "/env/dir"),
        ],
    );
    let report = json_output(&output);

    assert_eq!(report["max"], 1);
    assert_eq!(report["args"]["task_id"], "env-id");
    assert_eq!(report["args"]["dir"], "/env/dir");
    assert_eq!(report["args"]["payload_file"], from_env.as_str());
    assert_eq!(report["config_db"], "env");
}

#[test]
fn empty_environment_values_fall_back_to_flags() {
    let package = Package::new("fibonacci.php", REPORTING_WORKER);
    let payload = package.write("payload.json", r#"{"max": 3}"#);

    let output = package.run(&["-payload", &payload], &[("PAYLOAD_FILE", "")]);

    assert_eq!(json_output(&output)["max"], 3);
}

#[test]
fn payload_that_is_not_json_is_the_raw_string_and_empty_is_null() {
    let worker = r#"<?php
echo json_encode(array('payload' => getPayload(), 'assoc' => getPayload(true),
    'args' => getArgs()['payload']));
"#;
    let package = Package::new("w.php", worker);
    let raw = package.write("raw.txt", "just some text, not JSON");
    let empty = package.write("empty.json", "  \n");

    let report = json_output(&package.run(&["-payload", &raw], &[]));
    assert_eq!(report["payload"], "just some text, not JSON");
    assert_eq!(report["assoc"], "just some text, not JSON");
    assert_eq!(report["args"], "just some text, not JSON");

    let report = json_output(&package.run(&["-payload", &empty], &[]));
    assert_eq!(report["payload"], Value::Null);

    let report = json_output(&package.run(&[], &[]));
    assert_eq!(report["payload"], Value::Null);
}

#[test]
fn missing_payload_file_is_an_error_naming_it() {
    let package = Package::new("w.php", "<?php var_dump(getPayload());\n");
    let missing = package.path("nope.json");

    let output = package.run(&["-payload", missing.to_str().unwrap()], &[]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    assert!(!output.status.success());
    assert!(
        all.contains(&format!(
            "cannot read the payload file {}",
            missing.display()
        )),
        "{all}"
    );
}

#[test]
fn worker_sees_argv_as_if_run_directly_in_the_global_scope() {
    let worker = r#"<?php
$greeting = 'hello';
function greet() {
    global $greeting;
    return $greeting;
}
echo json_encode(array(
    'argv' => $argv,
    'argc' => $argc,
    'server_argv' => $_SERVER['argv'],
    'script' => $_SERVER['SCRIPT_NAME'],
    'cwd' => getcwd(),
    'greet' => greet(),
    'file' => basename(__FILE__),
));
"#;
    let package = Package::new("lib/worker.php", worker);
    let elsewhere = tempfile::tempdir().unwrap();

    let output = package.run_in(elsewhere.path(), &["-id", "t", "--custom", "x"], &[]);
    let report = json_output(&output);

    assert_eq!(
        report["argv"],
        json!(["lib/worker.php", "-id", "t", "--custom", "x"])
    );
    assert_eq!(report["argc"], 5);
    assert_eq!(report["server_argv"], report["argv"]);
    assert_eq!(report["script"], "lib/worker.php");
    assert_eq!(
        Path::new(report["cwd"].as_str().unwrap())
            .canonicalize()
            .unwrap(),
        elsewhere.path().canonicalize().unwrap(),
        "the runner keeps the current directory"
    );
    assert_eq!(report["greet"], "hello");
    assert_eq!(report["file"], "worker.php");
}

#[test]
fn worker_exit_status_is_kept() {
    let package = Package::new("w.php", "<?php fwrite(STDERR, \"failing\\n\"); exit(3);\n");

    let output = package.run(&[], &[]);

    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn file_names_with_quotes_and_backslashes_are_embedded_safely() {
    let name = "it's a \\ odd {FILE} name.php";
    let package = Package::new(
        name,
        "<?php echo json_encode(array('argv0' => $argv[0]));\n",
    );

    let report = json_output(&package.run(&[], &[]));

    assert_eq!(report["argv0"], name);
}

#[test]
fn functions_already_defined_are_kept() {
    let package = Package::new("w.php", "<?php echo json_encode(getPayload());\n");
    let prepend = package.write(
        "prepend.php",
        "<?php function getPayload($assoc = false) { return 'mine'; }\n",
    );
    let payload = package.write("payload.json", r#"{"max": 1}"#);

    let output = Command::new("php")
        .arg("-d")
        .arg(format!("auto_prepend_file={prepend}"))
        .arg(package.path(RUNNER_FILE_NAME))
        .arg("-payload")
        .arg(&payload)
        .output()
        .unwrap();

    assert_eq!(json_output(&output), json!("mine"));
}

#[test]
fn set_progress_without_credentials_warns_and_returns_false() {
    let worker = "<?php echo json_encode(array('result' => setProgress(50, 'half')));\n";
    let package = Package::new("w.php", worker);

    let output = package.run(&["-id", "task-1"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(json_output(&output), json!({"result": false}));
    assert!(stderr.contains("IRON_TOKEN"), "{stderr}");
}

#[test]
fn set_progress_reports_an_unreachable_server_without_the_token() {
    let worker = "<?php echo json_encode(array('result' => setProgress(50, 'half')));\n";
    let package = Package::new("w.php", worker);
    let token = "runner-test-token-0123456789abcdef";

    // Port 9 (discard) on loopback: nothing listens, so the request fails at once.
    let output = package.run(
        &["-id", "task-1"],
        &[
            ("IRON_TOKEN", token),
            ("IRON_PROJECT_ID", "0123456789abcdef01234567"),
            ("IRON_HOST", "127.0.0.1"),
            ("IRON_PORT", "9"),
            ("IRON_PROTOCOL", "http"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(json_output(&output), json!({"result": false}));
    assert!(
        stderr.contains("setProgress: cannot reach 127.0.0.1"),
        "{stderr}"
    );
    assert!(!stderr.contains(token) && !stdout.contains(token));
}

#[test]
fn runner_source_carries_no_token_and_lints() {
    let source = runner_source("fibonacci.php");

    // No credential-looking value: no long run of letters and digits, no OAuth literal.
    let longest_run = source
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_run < 20, "token-like value in the runner");
    assert!(!source.contains("OAuth \"") && !source.contains("OAuth '"));
    assert!(source.contains("Authorization: OAuth $token"));
    assert!(source.ends_with("require __DIR__ . '/' . 'fibonacci.php';\n"));

    let dir = tempfile::tempdir().unwrap();
    let runner = dir.path().join(RUNNER_FILE_NAME);
    fs::write(&runner, &source).unwrap();
    let lint = Command::new("php").arg("-l").arg(&runner).output().unwrap();
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
}

#[test]
fn inside_a_real_task_the_runner_reads_the_contract_and_reports_progress() {
    const TOKEN: &str = "runner-e2e-token-5a1f0c9d";
    const PROJECT: &str = "5a1f0c9d2b3e4f5061728394";
    let dir = tempfile::tempdir().unwrap();
    let server = start_background(ServerConfig {
        port: 0,
        ..ServerConfig::new(dir.path().join("data"), TOKEN)
    })
    .unwrap();
    let url = server.url();
    let (host, port) = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .rsplit_once(':')
        .unwrap();
    let client = Client::new(Config {
        token: Token::new(TOKEN),
        project_id: PROJECT.to_string(),
        host: host.to_string(),
        port: port.parse().unwrap(),
        protocol: "http".to_string(),
        api_version: "2".to_string(),
        timeout: Duration::from_secs(30),
        upload_timeout: Duration::from_secs(60),
        max_retries: 2,
    })
    .unwrap();

    // The worker gets credentials the documented way: through its code's env_vars.
    let worker = r#"<?php
$args = getArgs();
echo 'max=' . getPayload()->max . "\n";
echo 'task_id_matches=' . (getenv('TASK_ID') === $args['task_id'] ? 'yes' : 'no') . "\n";
echo 'argv0=' . $argv[0] . "\n";
$answer = setProgress(50, 'half way');
echo 'progress=' . ($answer === false ? 'failed' : 'ok') . "\n";
"#;
    let folder = dir.path().join("worker");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("progress.php"), worker).unwrap();
    let zip = dir.path().join("worker.zip");
    iron_worker::package::zip_directory(&folder, &zip, false).unwrap();
    let env_vars: BTreeMap<String, String> = [
        ("IRON_TOKEN", TOKEN),
        ("IRON_PROJECT_ID", PROJECT),
        ("IRON_HOST", host),
        ("IRON_PORT", port),
        ("IRON_PROTOCOL", "http"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let options = CodeOptions {
        env_vars,
        ..CodeOptions::default()
    };
    client
        .post_code("progress.php", &zip, "progress-php", &options)
        .unwrap();

    let queued = client
        .post_task(
            "progress-php",
            Some(&json!({"max": 21})),
            &TaskOptions::default(),
        )
        .unwrap();
    let task_id = queued["tasks"][0]["id"].as_str().unwrap().to_string();
    let wait = WaitOptions {
        interval: Duration::from_millis(50),
        max_interval: Duration::from_millis(500),
        max_wait: Some(Duration::from_secs(120)),
    };
    let log = client.wait_for_log(&task_id, &wait).unwrap();
    let details = client.get_task_details(&task_id).unwrap();

    assert!(log.contains("max=21"), "{log}");
    assert!(log.contains("task_id_matches=yes"), "{log}");
    assert!(log.contains("argv0=progress.php"), "{log}");
    assert!(log.contains("progress=ok"), "{log}");
    assert!(!log.contains(TOKEN), "the token must not reach the log");
    assert_eq!(details["status"], "complete", "{details}");
    assert_eq!(details["percent"], 50, "{details}");
    assert_eq!(details["msg"], "half way", "{details}");
}
