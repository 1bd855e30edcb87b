//! Authentication, routing, error bodies, project and the request recorder.

use serde_json::json;

use crate::common::*;

#[test]
fn every_endpoint_requires_the_token() {
    let s = TestServer::start();

    let a = s.get_anon(&s.url("codes"));
    assert_eq!(a.status, 401);
    assert!(a.content_type.starts_with("application/json"));
    assert!(a.msg().contains("token"), "{}", a.msg());

    let wrong = s.get_anon(&format!("{}?oauth=not-the-token", s.url("tasks")));
    assert_eq!(wrong.status, 401);
    assert!(!wrong.text().contains(TOKEN));

    let unknown = s.get_anon(&format!("{}/no/such/thing", s.base()));
    assert_eq!(unknown.status, 401, "even unknown paths need the token");

    let debug = s.get_anon(&format!("{}/__debug/requests", s.base()));
    assert_eq!(debug.status, 401);
}

#[test]
fn the_token_is_accepted_in_header_query_or_json_body() {
    let s = TestServer::start();

    assert_eq!(s.get(&s.url("codes")).status, 200);
    assert_eq!(
        s.get_anon(&format!("{}?oauth={TOKEN}", s.url("codes")))
            .status,
        200
    );

    // PHP puts it in the JSON body of POSTs (and sends no header).
    s.upload_ok("Hello", "hello.sh", &[("hello.sh", "echo hi\n")], json!({}));
    let body = json!({ "tasks": [{ "code_name": "Hello", "payload": "{}" }], "oauth": TOKEN });
    let a = s.post_raw(
        &s.url("tasks"),
        Some("application/json"),
        body.to_string().as_bytes(),
        false,
    );
    assert_eq!(a.status, 200, "{}", a.text());

    let bad = json!({ "tasks": [{ "code_name": "Hello" }], "oauth": "nope" });
    let a = s.post_raw(
        &s.url("tasks"),
        Some("application/json"),
        bad.to_string().as_bytes(),
        false,
    );
    assert_eq!(a.status, 401);
}

#[test]
fn unknown_paths_and_methods_answer_json() {
    let s = TestServer::start();

    let a = s.get(&format!("{}/2/nothing/here", s.base()));
    assert_eq!(a.status, 404);
    assert!(a.msg().contains("/2/nothing/here"));

    let a = s.put_json(&s.url("tasks"), &json!({}));
    assert_eq!(a.status, 405);
    assert!(a.msg().contains("PUT"), "{}", a.text());

    let a = s.get(&format!("{}/2/projects/not-hex/codes", s.base()));
    assert_eq!(a.status, 404);
    assert!(a.msg().contains("project"), "{}", a.msg());

    let a = s.get(&s.url("tasks/000000000000000000000000"));
    assert_eq!(a.status, 404);
    assert!(a.msg().contains("Task not found"));
}

#[test]
fn project_is_created_on_first_use_and_trailing_slashes_work() {
    let s = TestServer::start();
    let a = s.get(&format!("{}/2/projects/{PROJECT}", s.base()));
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["id"], PROJECT);
    assert!(a.json()["name"].is_string());

    let a = s.get(&format!("{}/", s.url("codes")));
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(a.json()["codes"].is_array());

    let stacks = s.get(&format!("{}/2/stacks", s.base()));
    assert!(stacks.json().as_array().unwrap().contains(&json!("python")));
}

#[test]
fn json_endpoints_need_json_and_enforce_the_body_limit() {
    let s = TestServer::start();

    let a = s.post_raw(&s.url("tasks"), Some("text/plain"), b"{\"tasks\":[]}", true);
    assert_eq!(a.status, 406, "{}", a.text());

    let a = s.post_raw(
        &s.url("tasks"),
        Some("application/json"),
        b"{not json",
        true,
    );
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("JSON"));

    let big = json!({ "tasks": [{ "code_name": "X", "payload": "x".repeat(70 * 1024) }] });
    let a = s.post_json(&s.url("tasks"), &big);
    assert_eq!(a.status, 413, "{}", a.text());
    assert!(a.msg().contains("limit"));
}

#[test]
fn recorder_keeps_requests_without_the_token() {
    let s = TestServer::start();
    s.upload_ok("Hello", "hello.sh", &[("hello.sh", "echo hi\n")], json!({}));
    s.queue("Hello", "{\"k\":1}", json!({}));
    let _ = s.get_anon(&format!("{}?oauth={TOKEN}", s.url("codes")));

    let a = s.get(&format!("{}/__debug/requests", s.base()));
    assert_eq!(a.status, 200);
    let text = a.text();
    assert!(
        !text.contains(TOKEN),
        "the token leaked into the recording: {text}"
    );

    let requests = a.json()["requests"].as_array().unwrap().clone();
    let queued = requests
        .iter()
        .find(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/tasks"))
        .expect("the queue request was recorded");
    assert!(queued["body"].as_str().unwrap().contains("code_name"));
    assert_eq!(queued["headers"]["authorization"], "OAuth [redacted]");
    assert_eq!(queued["status"], 200);
    let listed = requests.iter().find(|r| r["query"].is_string()).unwrap();
    assert!(listed["query"].as_str().unwrap().contains("[redacted]"));

    assert_eq!(
        s.delete(&format!("{}/__debug/requests", s.base())).status,
        200
    );
    let a = s.get(&format!("{}/__debug/requests", s.base()));
    assert_eq!(a.json()["requests"].as_array().unwrap().len(), 0);
}

#[test]
fn bodies_of_endpoints_that_ignore_them_do_not_break_keep_alive() {
    let s = TestServer::start();
    let code = s.upload_ok("K", "k.sh", &[("k.sh", "echo\n")], json!({}));
    let id = code["id"].as_str().unwrap();
    for _ in 0..5 {
        let a = s.post_json(
            &s.url(&format!("codes/{id}/pause_task_queue")),
            &json!({"oauth": "x", "pad": "y".repeat(2000)}),
        );
        assert_eq!(a.status, 200);
        let a = s.post_json(&s.url(&format!("codes/{id}/resume_task_queue")), &json!({}));
        assert_eq!(a.status, 200);
        assert_eq!(s.get(&s.url("codes")).status, 200);
    }
}
