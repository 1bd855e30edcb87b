//! Dispatch rules: global workers, max_concurrency, priorities, pause/resume, delay.

use std::path::Path;

use serde_json::json;

use crate::common::*;

/// A worker that appends `start NAME` to $ORDER_FILE, waits for $RELEASE to exist, pauses
/// briefly (so an overlap would show), then appends `end NAME`.
const GATED: &str = r#"name=$(cat "$PAYLOAD_FILE")
echo "start $name" >> "$ORDER_FILE"
while [ ! -f "$RELEASE" ]; do sleep 0.02; done
sleep 0.2
echo "end $name" >> "$ORDER_FILE"
"#;

fn gated_code(
    s: &TestServer,
    name: &str,
    extra: serde_json::Value,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let order = s.dir.path().join(format!("{name}.order"));
    let release = s.dir.path().join(format!("{name}.release"));
    let mut data = json!({"env_vars": {
        "ORDER_FILE": order.to_str().unwrap(),
        "RELEASE": release.to_str().unwrap(),
    }});
    if let serde_json::Value::Object(m) = extra {
        for (k, v) in m {
            data[k] = v;
        }
    }
    s.upload_ok(name, "gated.sh", &[("gated.sh", GATED)], data);
    (order, release)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn statuses(s: &TestServer, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| s.task(id)["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn higher_priority_runs_first() {
    let s = TestServer::start_with(|c| c.workers = 1);
    let (order, release) = gated_code(&s, "Prio", json!({}));

    let blocker = s.queue("Prio", "blocker", json!({}));
    s.wait_status(&blocker, "running");
    let low1 = s.queue("Prio", "low1", json!({"priority": 0}));
    let low2 = s.queue("Prio", "low2", json!({}));
    let high = s.queue("Prio", "high", json!({"priority": 2}));
    let mid = s.queue("Prio", "mid", json!({"priority": 1}));

    std::fs::write(&release, "").unwrap();
    for id in [&blocker, &low1, &low2, &high, &mid] {
        assert_eq!(s.wait_done(id)["status"], "complete");
    }
    let started: Vec<String> = lines(&order)
        .into_iter()
        .filter_map(|l| l.strip_prefix("start ").map(str::to_string))
        .collect();
    assert_eq!(started, ["blocker", "high", "mid", "low1", "low2"]);
}

#[test]
fn max_concurrency_caps_a_code_and_workers_cap_the_server() {
    let s = TestServer::start_with(|c| c.workers = 2);
    let (order, release) = gated_code(&s, "One", json!({"max_concurrency": 1}));
    let (_, release2) = gated_code(&s, "Free", json!({}));

    let ones: Vec<String> = (0..3)
        .map(|i| s.queue("One", &format!("one{i}"), json!({})))
        .collect();
    let frees: Vec<String> = (0..3)
        .map(|i| s.queue("Free", &format!("free{i}"), json!({})))
        .collect();

    // Two workers: one task of One (its cap) and one of Free; everything else waits.
    wait_until("two tasks running", || {
        let all: Vec<String> = ones.iter().chain(&frees).cloned().collect();
        statuses(&s, &all)
            .iter()
            .filter(|st| *st == "running")
            .count()
            == 2
    });
    let running_ones = statuses(&s, &ones)
        .iter()
        .filter(|st| *st == "running")
        .count();
    assert_eq!(running_ones, 1, "max_concurrency 1");
    let code = s.get(&s.url("codes")).json();
    let one = code["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "One")
        .unwrap()
        .clone();
    assert_eq!(one["max_concurrency"], 1);

    std::fs::write(&release, "").unwrap();
    std::fs::write(&release2, "").unwrap();
    for id in ones.iter().chain(&frees) {
        assert_eq!(s.wait_done(id)["status"], "complete");
    }

    // Never two of One at once: every start is followed by its end.
    let log = lines(&order);
    for pair in log.chunks(2) {
        let name = pair[0]
            .strip_prefix("start ")
            .expect("starts alternate with ends");
        assert_eq!(pair[1], format!("end {name}"), "overlap in {log:?}");
    }
}

#[test]
fn a_paused_queue_holds_tasks_until_resumed() {
    let s = TestServer::start();
    let code = s.upload_ok(
        "Paused",
        "p.sh",
        &[("p.sh", "echo ran\n")],
        json!({"max_concurrency": 3}),
    );
    let id = code["id"].as_str().unwrap();

    let a = s.post_raw(
        &s.url(&format!("codes/{id}/pause_task_queue")),
        None,
        b"",
        true,
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["msg"], "Paused");
    let again = s.post_json(&s.url(&format!("codes/{id}/pause_task_queue")), &json!({}));
    assert_eq!(again.json()["msg"], "Already paused");
    assert_eq!(
        s.get(&s.url(&format!("codes/{id}"))).json()["max_concurrency"],
        -1
    );

    let task = s.queue("Paused", "", json!({}));
    // Other work is dispatched meanwhile; the paused task stays queued.
    s.upload_ok("Other", "o.sh", &[("o.sh", "echo other\n")], json!({}));
    let other = s.queue("Other", "", json!({}));
    assert_eq!(s.wait_done(&other)["status"], "complete");
    assert_eq!(s.task(&task)["status"], "queued");

    let a = s.post_json(&s.url(&format!("codes/{id}/resume_task_queue")), &json!({}));
    assert_eq!(a.json()["msg"], "Resumed");
    assert_eq!(s.wait_done(&task)["status"], "complete");
    assert_eq!(
        s.get(&s.url(&format!("codes/{id}"))).json()["max_concurrency"],
        3
    );
}

#[test]
fn delayed_tasks_wait_then_run() {
    let s = TestServer::start();
    s.upload_ok("Later", "l.sh", &[("l.sh", "echo later\n")], json!({}));
    let id = s.queue("Later", "", json!({"delay": 1}));
    let t = s.task(&id);
    assert_eq!(t["status"], "queued");
    assert_eq!(t["delay"], 1);
    assert_eq!(s.wait_done(&id)["status"], "complete");
}

#[test]
fn cancel_all_cancels_the_queued_tasks_of_a_code() {
    let s = TestServer::start();
    let code = s.upload_ok("Many", "m.sh", &[("m.sh", "echo\n")], json!({}));
    let ids: Vec<String> = (0..3)
        .map(|_| s.queue("Many", "", json!({"delay": 600})))
        .collect();
    let a = s.post_json(
        &s.url(&format!(
            "codes/{}/cancel_all",
            code["id"].as_str().unwrap()
        )),
        &json!({}),
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["cancelled_count"], 3);
    assert!(statuses(&s, &ids).iter().all(|st| st == "cancelled"));

    let stats = s
        .get(&s.url(&format!("codes/{}/stats", code["id"].as_str().unwrap())))
        .json();
    assert_eq!(stats["cancelled"], 3);
    assert_eq!(stats["running"], 0);
}

#[test]
fn a_long_paused_queue_stays_queued_and_other_codes_still_run() {
    let s = TestServer::start_with(|c| c.workers = 1);
    let held = s.upload_ok("Held", "h.sh", &[("h.sh", "echo held\n")], json!({}));
    let held_id = held["id"].as_str().unwrap();
    s.upload_ok("Free", "f.sh", &[("f.sh", "echo free\n")], json!({}));
    let pause = s.post_json(
        &s.url(&format!("codes/{held_id}/pause_task_queue")),
        &json!({}),
    );
    assert_eq!(pause.json()["msg"], "Paused");

    // More paused tasks than one dispatch pass reads (1,000), all ahead of the other code's
    // task by priority and age: they must not hide it from the dispatcher.
    let batch: Vec<_> = (0..1001)
        .map(|_| json!({"code_name": "Held", "priority": 2}))
        .collect();
    let a = s.post_json(&s.url("tasks"), &json!({ "tasks": batch }));
    assert_eq!(a.status, 200, "{}", a.text());
    let held_ids: Vec<String> = a.json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(held_ids.len(), 1001);

    let free = s.queue("Free", "", json!({"priority": 0}));
    assert_eq!(s.wait_done(&free)["status"], "complete");

    let stats = s.get(&s.url(&format!("codes/{held_id}/stats"))).json();
    assert_eq!(stats["queued"], 1001, "{stats}");
    assert_eq!(stats["running"], 0, "{stats}");
    let ends = [&held_ids[0], &held_ids[1000]];
    assert!(statuses(&s, &ends.map(String::clone))
        .iter()
        .all(|st| st == "queued"));

    let cancel = s.post_json(&s.url(&format!("codes/{held_id}/cancel_all")), &json!({}));
    assert_eq!(cancel.json()["cancelled_count"], 1001);
}

#[test]
fn a_batch_keeps_request_order_across_codes_and_names_the_bad_element() {
    let s = TestServer::start();
    s.upload_ok("A", "a.sh", &[("a.sh", "echo\n")], json!({}));
    s.upload_ok(
        "B",
        "b.sh",
        &[("b.sh", "echo\n")],
        json!({"default_priority": 2}),
    );

    let names = ["A", "B", "A", "A", "B"];
    let batch: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"code_name": n, "payload": format!("p{i}"), "delay": 600}))
        .collect();
    let a = s.post_json(&s.url("tasks"), &json!({ "tasks": batch }));
    assert_eq!(a.status, 200, "{}", a.text());
    let ids = a.json()["tasks"].as_array().unwrap().clone();
    assert_eq!(ids.len(), names.len());
    for (i, (id, name)) in ids.iter().zip(names).enumerate() {
        let t = s.task(id["id"].as_str().unwrap());
        assert_eq!(t["payload"], format!("p{i}"));
        assert_eq!(t["code_name"], name);
        assert_eq!(t["priority"], if name == "B" { 2 } else { 0 });
    }

    // A bad element is named by its index, and nothing of the batch is queued.
    let before = s.get(&s.url("tasks?per_page=100")).json()["tasks"]
        .as_array()
        .unwrap()
        .len();
    let bad = json!({"tasks": [
        {"code_name": "A", "delay": 600},
        {"code_name": "B", "delay": 600},
        {"code_name": "A", "delay": -1},
    ]});
    let a = s.post_json(&s.url("tasks"), &bad);
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(a.msg().contains("tasks[2].delay"), "{}", a.msg());
    let missing = json!({"tasks": [{"code_name": "A", "delay": 600}, {"code_name": "Nope"}]});
    let a = s.post_json(&s.url("tasks"), &missing);
    assert_eq!(a.status, 404, "{}", a.text());
    assert!(a.msg().contains("\"Nope\""), "{}", a.msg());
    let after = s.get(&s.url("tasks?per_page=100")).json()["tasks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}
