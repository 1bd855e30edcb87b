//! Worker side: the runtime contract's environment variables and flags, and reading the
//! payload and config files they name.

// Helpers outside #[test] functions unwrap too: a failed unwrap there is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use iron_worker::worker::TaskContext;
use iron_worker::ErrorKind;
use serde_json::json;

fn argv(args: &[&str]) -> Vec<String> {
    std::iter::once("worker.py")
        .chain(args.iter().copied())
        .map(String::from)
        .collect()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn context(args: &[&str]) -> TaskContext {
    TaskContext::from_parts(no_env, &argv(args))
}

#[test]
fn reads_every_flag_with_its_value_as_the_next_argument() {
    let ctx = context(&[
        "-id",
        "t1",
        "-d",
        "/task",
        "-payload",
        "/task/p.json",
        "-config",
        "/task/c.json",
        "-e",
        "production",
        "-schedule_id",
        "s1",
    ]);

    assert_eq!(
        ctx,
        TaskContext {
            task_id: Some("t1".into()),
            task_dir: Some(PathBuf::from("/task")),
            payload_file: Some(PathBuf::from("/task/p.json")),
            config_file: Some(PathBuf::from("/task/c.json")),
            environment: Some("production".into()),
            schedule_id: Some("s1".into()),
        }
    );
}

#[test]
fn accepts_double_dash_and_dir_forms() {
    let ctx = context(&[
        "--dir",
        "/mnt/task/",
        "-e",
        "production",
        "--id",
        "54e4",
        "--payload",
        "/mnt/task/task_payload.json",
    ]);

    assert_eq!(ctx.task_dir, Some(PathBuf::from("/mnt/task/")));
    assert_eq!(ctx.task_id.as_deref(), Some("54e4"));
    assert_eq!(
        ctx.payload_file,
        Some(PathBuf::from("/mnt/task/task_payload.json"))
    );
    assert_eq!(context(&["-dir", "/x"]).task_dir, Some(PathBuf::from("/x")));
}

#[test]
fn accepts_the_equals_form_the_tutorial_uses() {
    let ctx = context(&[
        "-payload=payload.json",
        "--id=abc",
        "-e=",
        "-config=a=b.json",
    ]);

    assert_eq!(ctx.payload_file, Some(PathBuf::from("payload.json")));
    assert_eq!(ctx.task_id.as_deref(), Some("abc"));
    assert_eq!(ctx.environment, None, "an empty value is unset");
    assert_eq!(ctx.config_file, Some(PathBuf::from("a=b.json")));
}

#[test]
fn ignores_unknown_flags_and_positional_arguments() {
    let ctx = context(&["--verbose", "input.txt", "-x", "1", "-id", "t", "-n", "-5"]);

    assert_eq!(ctx.task_id.as_deref(), Some("t"));
    assert_eq!(ctx.payload_file, None);
}

#[test]
fn a_flag_without_a_value_is_ignored_and_does_not_eat_the_next_flag() {
    let ctx = context(&["-id", "-d", "/task", "-payload"]);

    assert_eq!(ctx.task_id, None);
    assert_eq!(ctx.task_dir, Some(PathBuf::from("/task")));
    assert_eq!(ctx.payload_file, None);
    assert_eq!(TaskContext::from_parts(no_env, &[]), TaskContext::default());
}

#[test]
fn the_last_repeated_flag_wins() {
    assert_eq!(
        context(&["-id", "a", "--id", "b"]).task_id.as_deref(),
        Some("b")
    );
}

#[test]
fn environment_variables_win_over_flags() {
    let vars = HashMap::from([
        ("TASK_ID", "env-id"),
        ("TASK_DIR", "/env/dir"),
        ("PAYLOAD_FILE", "/env/payload.json"),
        ("CONFIG_FILE", ""),
    ]);
    let env = |name: &str| vars.get(name).map(|v| v.to_string());
    let args = argv(&[
        "-id", "flag-id", "-d", "/flag", "-payload", "p", "-config", "c",
    ]);

    let ctx = TaskContext::from_parts(env, &args);

    assert_eq!(ctx.task_id.as_deref(), Some("env-id"));
    assert_eq!(ctx.task_dir, Some(PathBuf::from("/env/dir")));
    assert_eq!(ctx.payload_file, Some(PathBuf::from("/env/payload.json")));
    assert_eq!(
        ctx.config_file,
        Some(PathBuf::from("c")),
        "an empty variable is unset"
    );
}

#[test]
fn payload_and_config_are_parsed_as_json_or_kept_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload.json");
    let config = dir.path().join("config.yml");
    fs::write(&payload, "\u{feff}{\"max\": 100, \"name\": \"fib\"}\n").unwrap();
    fs::write(&config, "db: postgres\n").unwrap();
    let ctx = TaskContext {
        payload_file: Some(payload),
        config_file: Some(config),
        ..TaskContext::default()
    };

    assert_eq!(
        ctx.payload().unwrap(),
        Some(json!({"max": 100, "name": "fib"}))
    );
    assert_eq!(ctx.config().unwrap(), Some(json!("db: postgres\n")));
}

#[test]
fn no_file_or_an_empty_file_gives_none() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.json");
    fs::write(&empty, " \n").unwrap();

    let ctx = TaskContext {
        payload_file: Some(empty),
        ..TaskContext::default()
    };

    assert_eq!(ctx.payload().unwrap(), None);
    assert_eq!(ctx.config().unwrap(), None);
}

#[test]
fn a_named_file_that_is_missing_is_a_file_not_found_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let ctx = context(&["-payload", missing.to_str().unwrap()]);

    let err = ctx.payload().unwrap_err();

    assert_eq!(err.kind(), ErrorKind::FileNotFound);
    assert_eq!(err.path(), Some(missing.as_path()));
    assert!(err.to_string().contains("nope.json"), "{err}");
    assert_eq!(ctx.args().unwrap_err().kind(), ErrorKind::FileNotFound);
}

#[test]
fn args_gathers_everything_with_null_for_absent_values() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("task_payload.json");
    fs::write(&payload, "[1, 2, 3]").unwrap();
    let payload_text = payload.to_str().unwrap();

    let ctx = context(&[
        "-id",
        "t9",
        "-d",
        "/task",
        "-payload",
        payload_text,
        "-e",
        "dev",
    ]);

    assert_eq!(
        ctx.args().unwrap(),
        json!({
            "task_id": "t9",
            "dir": "/task",
            "payload": [1, 2, 3],
            "config": null,
            "schedule_id": null,
            "environment": "dev",
            "payload_file": payload_text,
            "config_file": null,
        })
    );
    assert_eq!(
        TaskContext::default().args().unwrap(),
        json!({
            "task_id": null, "dir": null, "payload": null, "config": null,
            "schedule_id": null, "environment": null, "payload_file": null, "config_file": null,
        })
    );
}

#[test]
fn a_payload_that_is_not_utf8_is_an_io_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("binary.bin");
    fs::write(&payload, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let ctx = TaskContext {
        payload_file: Some(payload.clone()),
        ..TaskContext::default()
    };

    let err = ctx.payload().unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(err.path(), Some(payload.as_path()));
    assert!(err.to_string().contains("binary.bin"), "{err}");
}
