//! A restart on the same data directory keeps every queued task and schedule.
//! (The kill -9 case is tested with the real binary in the CLI crate.)

use serde_json::json;

use crate::common::*;

#[test]
fn queued_tasks_schedules_and_codes_survive_a_restart() {
    let s = TestServer::start();
    let code = s.upload_ok("Keep", "k.sh", &[("k.sh", "echo kept\n")], json!({}));
    let code_id = code["id"].as_str().unwrap().to_string();
    let pause = s.post_json(
        &s.url(&format!("codes/{code_id}/pause_task_queue")),
        &json!({}),
    );
    assert_eq!(pause.status, 200);
    let queued = s.queue("Keep", "{\"n\":1}", json!({}));
    let sched = s.post_json(
        &s.url("schedules"),
        &json!({"schedules": [{"code_name": "Keep", "payload": "s", "start_at": "2099-01-01T00:00:00Z", "run_every": 600}]}),
    );
    let sid = sched.json()["schedules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let dir = s.stop();
    let s = TestServer::start_in(dir, |_| {});

    assert_eq!(s.task(&queued)["status"], "queued");
    let resumed = s.post_json(
        &s.url(&format!("codes/{code_id}/resume_task_queue")),
        &json!({}),
    );
    assert_eq!(resumed.json()["msg"], "Resumed");
    assert_eq!(s.wait_done(&queued)["status"], "complete");
    assert!(s.log(&queued).text().contains("kept"));

    let sched = s.get(&s.url(&format!("schedules/{sid}"))).json();
    assert_eq!(sched["status"], "scheduled");
    assert_eq!(sched["next_start"], "2099-01-01T00:00:00.000Z");
}

#[test]
fn a_task_running_at_shutdown_ends_as_an_error_and_is_retried_after_restart() {
    let s = TestServer::start();
    s.upload_ok(
        "Long",
        "l.sh",
        &[("l.sh", "echo started\nsleep 300\n")],
        json!({"retries": 1}),
    );
    let id = s.queue("Long", "", json!({}));
    s.wait_log(&id, "started");

    let dir = s.stop();
    let s = TestServer::start_in(dir, |_| {});
    let t = s.task(&id);
    assert_eq!(t["status"], "error");
    assert!(t["msg"].as_str().unwrap().contains("server"), "{t}");
    let retry = t["retry_task_id"]
        .as_str()
        .expect("auto-retried")
        .to_string();
    s.wait_log(&retry, "started");
    assert_eq!(
        s.post_json(&s.url(&format!("tasks/{retry}/cancel")), &json!({}))
            .status,
        200
    );
}
