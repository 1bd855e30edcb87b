//! Schedules: creation rules, firing, completion, cancel, update.

use serde_json::json;

use crate::common::*;

fn create(s: &TestServer, schedule: serde_json::Value) -> Answer {
    s.post_json(&s.url("schedules"), &json!({ "schedules": [schedule] }))
}

fn schedule(s: &TestServer, id: &str) -> serde_json::Value {
    let a = s.get(&s.url(&format!("schedules/{id}")));
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()
}

fn tasks_of(s: &TestServer, schedule_id: &str) -> Vec<serde_json::Value> {
    s.get(&format!("{}?code_name=Tick", s.url("tasks"))).json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["schedule_id"] == schedule_id)
        .cloned()
        .collect()
}

#[test]
fn a_due_schedule_queues_a_task_with_its_schedule_id() {
    let s = TestServer::start();
    s.upload_ok("Tick", "t.sh", &[("t.sh", "echo \"tick $*\"\n")], json!({}));

    // start_at in the past, run once: fires at once.
    let a = create(
        &s,
        json!({"code_name": "Tick", "payload": "{\"k\":1}", "start_at": "2000-01-01T00:00:00Z",
        "name": "legacy", "priority": 1}),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["msg"], "Scheduled");
    let sid = a.json()["schedules"][0]["id"].as_str().unwrap().to_string();

    wait_until("the schedule fired", || {
        schedule(&s, &sid)["run_count"] == 1
    });
    let sched = schedule(&s, &sid);
    assert_eq!(sched["status"], "complete");
    assert!(sched["last_run_time"].is_string());

    let tasks = tasks_of(&s, &sid);
    assert_eq!(tasks.len(), 1);
    let id = tasks[0]["id"].as_str().unwrap();
    let t = s.wait_done(id);
    assert_eq!(t["status"], "complete");
    assert_eq!(t["payload"], "{\"k\":1}");
    assert_eq!(t["priority"], 1);
    assert!(s.log(id).text().contains(&format!("-schedule_id {sid}")));
}

#[test]
fn a_repeating_schedule_moves_to_its_next_run_and_can_be_cancelled() {
    let s = TestServer::start();
    s.upload_ok("Tick", "t.sh", &[("t.sh", "echo tick\n")], json!({}));

    // The official Python client's format: isoformat with microseconds and an offset.
    let a = create(
        &s,
        json!({"code_name": "Tick", "payload": "", "start_at": "2001-02-03T04:05:06.789000+00:00",
        "run_every": 60, "run_times": 2, "timeout": 30, "delay": 0, "label": null, "cluster": null}),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let sid = a.json()["schedules"][0]["id"].as_str().unwrap().to_string();

    wait_until("the first run", || schedule(&s, &sid)["run_count"] == 1);
    let sched = schedule(&s, &sid);
    assert_eq!(sched["status"], "scheduled");
    assert_eq!(sched["run_every"], 60);
    assert_eq!(sched["run_times"], 2);
    assert_eq!(sched["start_at"], "2001-02-03T04:05:06.789Z");
    assert!(sched["next_start"].is_string());
    let t = &tasks_of(&s, &sid)[0];
    assert_eq!(t["timeout"], 30);

    let a = s.post_raw(&s.url(&format!("schedules/{sid}/cancel")), None, b"", true);
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["msg"], "Cancelled");
    let sched = schedule(&s, &sid);
    assert_eq!(sched["status"], "cancelled");
    assert!(sched["next_start"].is_null());
}

#[test]
fn legacy_delay_starts_a_schedule_later() {
    let s = TestServer::start();
    s.upload_ok("Tick", "t.sh", &[("t.sh", "echo tick\n")], json!({}));
    let a = create(
        &s,
        json!({"code_name": "Tick", "payload": "{}", "delay": 1}),
    );
    let sid = a.json()["schedules"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(schedule(&s, &sid)["run_count"], 0, "not before its delay");
    wait_until("the delayed schedule fired", || {
        schedule(&s, &sid)["run_count"] == 1
    });
}

#[test]
fn schedule_fields_are_validated() {
    let s = TestServer::start();
    s.upload_ok("Tick", "t.sh", &[("t.sh", "echo tick\n")], json!({}));

    let a = create(
        &s,
        json!({"code_name": "Tick", "payload": "{}", "run_every": 10}),
    );
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("run_every"), "{}", a.msg());

    let a = create(&s, json!({"payload": "{}"}));
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("code_name"));

    let a = create(&s, json!({"code_name": "Nope", "payload": "{}"}));
    assert_eq!(a.status, 404);

    let a = create(&s, json!({"code_name": "Tick", "start_at": "next tuesday"}));
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("start_at"));

    let a = create(
        &s,
        json!({"code_name": "Tick", "start_at": "2090-01-01T00:00:00Z", "end_at": "2080-01-01T00:00:00Z"}),
    );
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("end_at"));

    let a = s.post_raw(&s.url("schedules"), Some("text/plain"), b"{}", true);
    assert_eq!(a.status, 406);
}

#[test]
fn schedules_list_newest_first_and_update() {
    let s = TestServer::start();
    s.upload_ok("Tick", "t.sh", &[("t.sh", "echo tick\n")], json!({}));
    let future = "2099-01-01T00:00:00Z";
    let first = create(
        &s,
        json!({"code_name": "Tick", "payload": "1", "start_at": future, "run_every": 3600}),
    );
    let second = create(
        &s,
        json!({"code_name": "Tick", "payload": "2", "start_at": future}),
    );
    let first = first.json()["schedules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = second.json()["schedules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let list = s.get(&s.url("schedules")).json();
    let ids: Vec<&str> = list["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);

    let a = s.put_json(
        &s.url(&format!("schedules/{first}")),
        &json!({"label": "new label"}),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["label"], "new label");
    assert_eq!(schedule(&s, &first)["label"], "new label");
    assert_eq!(schedule(&s, &first)["run_every"], 3600);
    assert_eq!(
        schedule(&s, &first)["next_start"],
        "2099-01-01T00:00:00.000Z"
    );

    assert_eq!(
        s.get(&s.url("schedules/000000000000000000000000")).status,
        404
    );
}
