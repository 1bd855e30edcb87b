//! The option parsers behind every binding: names, types, ranges, aliases and conversions.

// Helpers outside #[test] functions unwrap too: a failed unwrap there is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use iron_worker::options::{rfc3339_from_unix, unix_from_rfc3339};
use iron_worker::{
    CodeOptions, ErrorKind, Page, ScheduleOptions, TaskFilter, TaskOptions, WaitOptions,
};
use serde_json::{json, Map, Value};

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The message of an `InvalidArgument` error, checked to contain every fragment.
fn invalid<T: std::fmt::Debug>(result: iron_worker::Result<T>, fragments: &[&str]) -> String {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    let text = err.to_string();
    for fragment in fragments {
        assert!(text.contains(fragment), "{fragment:?} missing from: {text}");
    }
    text
}

#[test]
fn code_options_parse_every_field() {
    let options = CodeOptions::from_map(&map(json!({
        "runtime": "python",
        "stack": "python-3.11",
        "config": {"db": "x", "n": 1},
        "max_concurrency": "5",
        "retries": 2.0,
        "retries_delay": 30,
        "default_priority": 1,
        "env_vars": {"A": "1", "B": 2, "C": true},
    })))
    .unwrap();

    assert_eq!(
        options,
        CodeOptions {
            runtime: Some("python".into()),
            stack: Some("python-3.11".into()),
            config: Some(r#"{"db":"x","n":1}"#.into()),
            max_concurrency: Some(5),
            retries: Some(2),
            retries_delay: Some(30),
            default_priority: Some(1),
            env_vars: BTreeMap::from([
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "2".to_string()),
                ("C".to_string(), "true".to_string()),
            ]),
        }
    );
}

#[test]
fn code_options_keep_a_config_string_and_treat_null_as_absent() {
    let options = CodeOptions::from_map(&map(json!({
        "config": "key: value\n",
        "runtime": null,
        "env_vars": null,
    })))
    .unwrap();

    assert_eq!(options.config.as_deref(), Some("key: value\n"));
    assert_eq!(options.runtime, None);
    assert!(options.env_vars.is_empty());
    assert_eq!(
        CodeOptions::from_map(&Map::new()).unwrap(),
        CodeOptions::default()
    );
}

#[test]
fn code_options_reject_bad_values_naming_the_option() {
    let bad = |value: Value| CodeOptions::from_map(&map(value));

    invalid(bad(json!({"retries": 11})), &["retries", "0 to 10", "11"]);
    invalid(
        bad(json!({"retries": true})),
        &["retries", "integer", "boolean"],
    );
    invalid(bad(json!({"retries": 1.5})), &["retries", "integer"]);
    invalid(
        bad(json!({"default_priority": 3})),
        &["default_priority", "0 to 2"],
    );
    invalid(
        bad(json!({"max_concurrency": 0})),
        &["max_concurrency", "-1"],
    );
    invalid(bad(json!({"max_concurrency": -2})), &["max_concurrency"]);
    invalid(
        bad(json!({"retries_delay": "soon"})),
        &["retries_delay", "\"soon\""],
    );
    invalid(bad(json!({"runtime": 3})), &["runtime", "string"]);
    invalid(bad(json!({"env_vars": ["A=1"]})), &["env_vars", "map"]);
    invalid(bad(json!({"env_vars": {"A": {"x": 1}}})), &["env_vars.A"]);
    invalid(bad(json!({"env_vars": {"A=B": "1"}})), &["env_vars", "A=B"]);
    invalid(
        bad(json!({"max_concurency": 1})),
        &["`max_concurency`", "postCode", "max_concurrency"],
    );

    assert_eq!(
        CodeOptions::from_map(&map(json!({"max_concurrency": -1})))
            .unwrap()
            .max_concurrency,
        Some(-1)
    );
}

#[test]
fn task_options_parse_and_validate() {
    let options = TaskOptions::from_map(&map(json!({
        "priority": 2, "timeout": "120", "delay": 0, "cluster": "default", "label": "",
    })))
    .unwrap();

    assert_eq!(
        options,
        TaskOptions {
            priority: Some(2),
            timeout: Some(120),
            delay: Some(0),
            cluster: Some("default".into()),
            label: None,
        }
    );

    let bad = |value: Value| TaskOptions::from_map(&map(value));
    invalid(bad(json!({"priority": 5})), &["priority", "0 to 2", "5"]);
    invalid(bad(json!({"timeout": 0})), &["timeout", "at least 1"]);
    invalid(bad(json!({"delay": -1})), &["delay", "at least 0"]);
    invalid(bad(json!({"label": ["x"]})), &["label", "string", "list"]);
    invalid(bad(json!({"payload": "{}"})), &["`payload`", "postTask"]);
}

#[test]
fn page_parses_and_bounds_per_page() {
    let page = Page::from_map(&map(json!({"page": "2", "per_page": 100}))).unwrap();
    assert_eq!(
        page,
        Page {
            page: Some(2),
            per_page: Some(100)
        }
    );

    invalid(
        Page::from_map(&map(json!({"per_page": 101}))),
        &["per_page", "1 to 100"],
    );
    invalid(Page::from_map(&map(json!({"page": -1}))), &["page"]);
    invalid(Page::from_map(&map(json!({"limit": 1}))), &["`limit`"]);
}

#[test]
fn task_filter_combines_status_list_string_and_flags() {
    let filter = TaskFilter::from_map(&map(json!({
        "status": ["complete", "ERROR"],
        "queued": true,
        "running": false,
        "complete": true,
        "timeout": 1,
        "code_name": "FibWorker",
        "page": 1,
        "per_page": 10,
        "from_time": 1_700_000_000.75,
        "to_time": "1700000100",
        "label": "nightly",
        "cluster": "default",
    })))
    .unwrap();

    assert_eq!(
        filter,
        TaskFilter {
            page: Page {
                page: Some(1),
                per_page: Some(10)
            },
            code_name: Some("FibWorker".into()),
            statuses: vec![
                "complete".into(),
                "error".into(),
                "queued".into(),
                "timeout".into()
            ],
            from_time: Some(1_700_000_000),
            to_time: Some(1_700_000_100),
            label: Some("nightly".into()),
            cluster: Some("default".into()),
        }
    );

    let filter = TaskFilter::from_map(&map(json!({"status": "complete, error"}))).unwrap();
    assert_eq!(filter.statuses, vec!["complete", "error"]);
}

#[test]
fn task_filter_rejects_unknown_statuses_and_bad_flags() {
    let bad = |value: Value| TaskFilter::from_map(&map(value));

    invalid(
        bad(json!({"status": "done"})),
        &["\"done\"", "queued", "cancelled"],
    );
    invalid(bad(json!({"status": ["complete", 3]})), &["status", "list"]);
    invalid(bad(json!({"status": 3})), &["status", "string"]);
    invalid(bad(json!({"queued": "yes"})), &["queued", "true or false"]);
    invalid(
        bad(json!({"from_time": "yesterday"})),
        &["from_time", "Unix time"],
    );
    invalid(
        bad(json!({"from_time": 20, "to_time": 10})),
        &["from_time", "to_time"],
    );
    invalid(bad(json!({"finished": true})), &["`finished`", "getTasks"]);
}

#[test]
fn schedule_options_convert_unix_times_to_rfc3339() {
    let options = ScheduleOptions::from_map(&map(json!({
        "start_at": 1_796_317_200,
        "end_at": "2026-12-31t23:59:59.5z",
        "run_every": 3600,
        "run_times": "5",
        "priority": 1,
        "timeout": 60,
        "delay": null,
        "cluster": "default",
        "label": "hourly",
    })))
    .unwrap();

    assert_eq!(
        options,
        ScheduleOptions {
            start_at: Some("2026-12-03T17:00:00Z".into()),
            delay: None,
            run_every: Some(3600),
            end_at: Some("2026-12-31T23:59:59.5Z".into()),
            run_times: Some(5),
            priority: Some(1),
            timeout: Some(60),
            cluster: Some("default".into()),
            label: Some("hourly".into()),
        }
    );
}

#[test]
fn schedule_options_keep_rfc3339_with_an_offset() {
    let options = ScheduleOptions::from_map(&map(json!({
        "start_at": "2026-12-03T18:00:00+01:00",
        "end_at": "2026-12-03 17:00:00Z",
    })))
    .unwrap();

    assert_eq!(
        options.start_at.as_deref(),
        Some("2026-12-03T18:00:00+01:00")
    );
    assert_eq!(options.end_at.as_deref(), Some("2026-12-03T17:00:00Z"));
}

#[test]
fn schedule_options_reject_bad_times_and_intervals() {
    let bad = |value: Value| ScheduleOptions::from_map(&map(value));

    invalid(
        bad(json!({"run_every": 59})),
        &["run_every", "at least 60", "59"],
    );
    invalid(bad(json!({"run_times": 0})), &["run_times", "at least 1"]);
    invalid(
        bad(json!({"start_at": "tomorrow"})),
        &["start_at", "RFC 3339", "\"tomorrow\""],
    );
    invalid(
        bad(json!({"start_at": "2026-02-30T00:00:00Z"})),
        &["start_at"],
    );
    invalid(
        bad(json!({"start_at": "2026-12-03T17:00:00"})),
        &["start_at"],
    );
    invalid(bad(json!({"end_at": -5})), &["end_at"]);
    invalid(bad(json!({"end_at": true})), &["end_at", "boolean"]);
    invalid(
        bad(json!({"start_at": "2026-12-03T17:00:00Z", "end_at": "2026-12-03T17:30:00+01:00"})),
        &["end_at", "before start_at"],
    );
    invalid(bad(json!({"every": 60})), &["`every`", "postSchedule"]);
}

#[test]
fn rfc3339_conversion_round_trips() {
    assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339_from_unix(1_796_317_200), "2026-12-03T17:00:00Z");
    assert_eq!(rfc3339_from_unix(253_402_300_799), "9999-12-31T23:59:59Z");
    assert_eq!(rfc3339_from_unix(-1), "1969-12-31T23:59:59Z");

    for secs in (0..253_402_300_799_i64).step_by(86_399 * 97 + 13) {
        assert_eq!(unix_from_rfc3339(&rfc3339_from_unix(secs)), Some(secs));
    }
    assert_eq!(
        unix_from_rfc3339("2026-12-03T18:00:00+01:00"),
        Some(1_796_317_200)
    );
    assert_eq!(
        unix_from_rfc3339("2026-12-03T12:30:00-04:30"),
        Some(1_796_317_200)
    );
    assert_eq!(
        unix_from_rfc3339("2024-02-29T00:00:00Z"),
        Some(1_709_164_800)
    );
    assert_eq!(unix_from_rfc3339("2023-02-29T00:00:00Z"), None);
    assert_eq!(unix_from_rfc3339("2026-12-03T17:00:00.Z"), None);
    assert_eq!(unix_from_rfc3339("2026-12-03T24:00:00Z"), None);
    assert_eq!(unix_from_rfc3339("2026-12-03T17:00:00+1:00"), None);
    assert_eq!(unix_from_rfc3339("2026-12-03T17:00:00Zjunk"), None);
    assert_eq!(unix_from_rfc3339("２026-12-03T17:00:00Z"), None);
}

#[test]
fn wait_options_accept_aliases_and_fractions() {
    let options =
        WaitOptions::from_map(&map(json!({"sleep": 0.25, "max_wait_time": "30"}))).unwrap();
    assert_eq!(options.interval, Duration::from_millis(250));
    assert_eq!(options.max_interval, Duration::from_secs(5));
    assert_eq!(options.max_wait, Some(Duration::from_secs(30)));

    let options = WaitOptions::from_map(&map(json!({"interval": 10, "max_wait": 0}))).unwrap();
    assert_eq!(options.interval, Duration::from_secs(10));
    assert_eq!(options.max_interval, Duration::from_secs(10));
    assert_eq!(options.max_wait, None);

    let options =
        WaitOptions::from_map(&map(json!({"max_interval": 1, "max_wait": null}))).unwrap();
    assert_eq!(options.max_interval, Duration::from_secs(1));
    assert_eq!(options.max_wait, None);

    assert_eq!(
        WaitOptions::from_map(&Map::new()).unwrap(),
        WaitOptions::default()
    );
}

#[test]
fn wait_options_reject_bad_values() {
    let bad = |value: Value| WaitOptions::from_map(&map(value));

    invalid(bad(json!({"sleep": 0})), &["sleep", "positive"]);
    invalid(bad(json!({"interval": -1})), &["interval", "positive"]);
    invalid(
        bad(json!({"max_wait": -1})),
        &["max_wait", "0 for no limit"],
    );
    invalid(bad(json!({"max_wait_time": "long"})), &["max_wait_time"]);
    invalid(
        bad(json!({"interval": 1, "sleep": 2})),
        &["`interval`", "`sleep`"],
    );
    invalid(
        bad(json!({"max_wait": 1, "max_wait_time": 2})),
        &["`max_wait_time`"],
    );
    invalid(bad(json!({"timeout": 1})), &["`timeout`", "waitFor"]);
}
