//! Concurrent writes: many clients at once against a fresh project must lose nothing.
//!
//! Every test releases its threads together through a barrier so the requests overlap on
//! the server, then checks that every id the server answered with can be read back and is
//! listed. The ids must survive a restart too: a lost row is data loss even if it was
//! still in a cache.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;

use serde_json::{json, Value};

use crate::common::*;

/// Threads released at once per round.
const THREADS: usize = 12;

/// Rounds per test, each on a project nobody has used yet.
const ROUNDS: usize = 4;

/// A 24-hex project id used by no other test or round.
fn fresh_project() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}{:016x}", std::process::id(), n)
}

/// `http://host:port/2/projects/<pid>/<path>`.
fn purl(s: &TestServer, pid: &str, path: &str) -> String {
    format!("{}/2/projects/{pid}/{path}", s.base())
}

/// Uploads a one-file shell worker as `name` to project `pid`.
fn upload_to(s: &TestServer, pid: &str, name: &str, script: &str) -> Answer {
    let data = json!({ "name": name, "file_name": "w.sh", "runtime": "sh" });
    let zip = make_zip(&[("w.sh", script)]);
    let (ct, body) = multipart(&[
        Part::field("data", &data.to_string()),
        Part::file("file", "w.zip", &zip),
    ]);
    s.post_raw(&purl(s, pid, "codes"), Some(&ct), &body, true)
}

/// Runs `work(i)` on [`THREADS`] threads released together; answers in thread order.
fn at_once<T: Send>(work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let (barrier, work) = (&barrier, &work);
                scope.spawn(move || {
                    barrier.wait();
                    work(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The ids of a list answer's `key` array.
fn listed_ids(s: &TestServer, url: &str, key: &str) -> BTreeSet<String> {
    let a = s.get(url);
    assert_eq!(a.status, 200, "{url}: {}", a.text());
    a.json()[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every code id answers 200 with its name, and the project lists exactly these codes.
fn assert_codes_intact(s: &TestServer, pid: &str, codes: &[(String, String)]) {
    for (name, id) in codes {
        let a = s.get(&purl(s, pid, &format!("codes/{id}")));
        assert_eq!(a.status, 200, "code {name} ({id}) was lost: {}", a.text());
        assert_eq!(a.json()["name"], name.as_str());
    }
    let listed = listed_ids(s, &purl(s, pid, "codes?per_page=100"), "codes");
    let wanted: BTreeSet<String> = codes.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(
        listed, wanted,
        "project {pid} lists other codes than uploaded"
    );
}

#[test]
fn concurrent_uploads_of_different_names_to_a_fresh_project_all_survive() {
    let s = TestServer::start();
    let mut all = Vec::new();

    for round in 0..ROUNDS {
        let pid = fresh_project();
        let answers = at_once(|i| {
            let name = format!("Race{round}_{i}");
            let a = upload_to(&s, &pid, &name, &format!("echo {name}\n"));
            assert_eq!(a.status, 200, "upload of {name} failed: {}", a.text());
            let code = a.json();
            assert_eq!(code["rev"], 1, "{code}");
            (name, code["id"].as_str().unwrap().to_string())
        });

        let distinct: BTreeSet<&String> = answers.iter().map(|(_, id)| id).collect();
        assert_eq!(
            distinct.len(),
            THREADS,
            "ids were not distinct: {answers:?}"
        );
        assert_codes_intact(&s, &pid, &answers);
        all.push((pid, answers));
    }

    // Nothing was only in memory.
    let dir = s.stop();
    let s = TestServer::start_in(dir, |_| {});
    for (pid, answers) in &all {
        assert_codes_intact(&s, pid, answers);
    }
}

#[test]
fn concurrent_uploads_of_one_name_make_revisions_one_to_n() {
    let s = TestServer::start();

    for _ in 0..ROUNDS {
        let pid = fresh_project();
        let answers = at_once(|i| {
            let a = upload_to(&s, &pid, "Same", &format!("echo upload {i}\n"));
            assert_eq!(a.status, 200, "upload {i} failed: {}", a.text());
            let code = a.json();
            let id = code["id"].as_str().unwrap().to_string();
            (id, code["rev"].as_i64().unwrap(), i)
        });

        let ids: BTreeSet<&String> = answers.iter().map(|(id, _, _)| id).collect();
        assert_eq!(ids.len(), 1, "one name must be one code: {answers:?}");
        let id = answers[0].0.clone();
        let mut revs: Vec<i64> = answers.iter().map(|(_, rev, _)| *rev).collect();
        revs.sort_unstable();
        let expected: Vec<i64> = (1..=THREADS as i64).collect();
        assert_eq!(revs, expected, "answered revisions have gaps or duplicates");

        let code = s.get(&purl(&s, &pid, &format!("codes/{id}"))).json();
        assert_eq!(code["rev"], THREADS as i64, "{code}");

        let listed = s
            .get(&purl(
                &s,
                &pid,
                &format!("codes/{id}/revisions?per_page=100"),
            ))
            .json();
        let mut stored: Vec<i64> = listed["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rev"].as_i64().unwrap())
            .collect();
        stored.sort_unstable();
        assert_eq!(stored, expected, "stored revisions: {listed}");

        // Each answered revision number holds the zip of the upload that got it.
        for (_, rev, i) in &answers {
            let a = s.get(&purl(
                &s,
                &pid,
                &format!("codes/{id}/download?revision={rev}"),
            ));
            assert_eq!(a.status, 200, "revision {rev}: {}", a.text());
            assert_eq!(a.body, make_zip(&[("w.sh", &format!("echo upload {i}\n"))]));
        }
    }
}

#[test]
fn concurrent_task_posts_to_a_fresh_project_all_survive() {
    let s = TestServer::start();

    for _ in 0..ROUNDS {
        let pid = fresh_project();

        // Each thread uploads its own code and queues for it at once: the project is
        // created by whichever request comes first, while the others write to it.
        let answers = at_once(|i| {
            let name = format!("Q{i}");
            let up = upload_to(&s, &pid, &name, "exit 0\n");
            assert_eq!(up.status, 200, "upload of {name} failed: {}", up.text());

            let tasks: Vec<Value> = (0..3)
                .map(|k| json!({"code_name": name, "payload": format!("{i}-{k}"), "delay": 600}))
                .collect();
            let a = s.post_json(&purl(&s, &pid, "tasks"), &json!({ "tasks": tasks }));
            assert_eq!(a.status, 200, "queueing for {name} failed: {}", a.text());
            let ids: Vec<String> = a.json()["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(ids.len(), 3);
            (i, ids)
        });

        let mut wanted = BTreeSet::new();
        for (i, ids) in &answers {
            for (k, id) in ids.iter().enumerate() {
                let a = s.get(&purl(&s, &pid, &format!("tasks/{id}")));
                assert_eq!(a.status, 200, "task {id} was lost: {}", a.text());
                let t = a.json();
                assert_eq!(t["payload"], format!("{i}-{k}"));
                assert_eq!(t["code_name"], format!("Q{i}"));
                assert_eq!(t["status"], "queued");
                wanted.insert(id.clone());
            }
        }
        assert_eq!(wanted.len(), THREADS * 3, "task ids were not distinct");
        let listed = listed_ids(&s, &purl(&s, &pid, "tasks?per_page=100"), "tasks");
        assert_eq!(listed, wanted);
    }
}

#[test]
fn concurrent_single_task_posts_and_webhooks_all_survive() {
    let s = TestServer::start();
    let pid = fresh_project();
    let up = upload_to(&s, &pid, "Hook", "exit 0\n");
    assert_eq!(up.status, 200, "{}", up.text());

    let answers = at_once(|i| {
        let a = if i % 2 == 0 {
            let task = json!({"code_name": "Hook", "payload": format!("p{i}"), "delay": 600});
            s.post_json(&purl(&s, &pid, "tasks"), &json!({ "tasks": [task] }))
        } else {
            let url = purl(&s, &pid, "tasks/webhook?code_name=Hook&delay=600");
            s.post_raw(&url, Some("text/plain"), format!("p{i}").as_bytes(), true)
        };
        assert_eq!(a.status, 200, "request {i} failed: {}", a.text());
        let body = a.json();
        let id = body["tasks"][0]["id"].as_str().or(body["id"].as_str());
        (i, id.unwrap().to_string())
    });

    for (i, id) in &answers {
        let a = s.get(&purl(&s, &pid, &format!("tasks/{id}")));
        assert_eq!(a.status, 200, "task {id} was lost: {}", a.text());
        assert_eq!(a.json()["payload"], format!("p{i}"));
    }
    let wanted: BTreeSet<String> = answers.into_iter().map(|(_, id)| id).collect();
    assert_eq!(wanted.len(), THREADS);
    let listed = listed_ids(&s, &purl(&s, &pid, "tasks?per_page=100"), "tasks");
    assert_eq!(listed, wanted);
}

#[test]
fn concurrent_schedule_creation_on_a_fresh_project_all_survive() {
    let s = TestServer::start();

    for _ in 0..ROUNDS {
        let pid = fresh_project();
        let answers = at_once(|i| {
            let name = format!("S{i}");
            let up = upload_to(&s, &pid, &name, "exit 0\n");
            assert_eq!(up.status, 200, "upload of {name} failed: {}", up.text());

            let schedules: Vec<Value> = (0..2)
                .map(|k| {
                    json!({"code_name": name, "payload": format!("{i}-{k}"),
                        "start_at": "2999-01-01T00:00:00Z", "run_every": 3600})
                })
                .collect();
            let body = json!({ "schedules": schedules });
            let a = s.post_json(&purl(&s, &pid, "schedules"), &body);
            assert_eq!(a.status, 200, "scheduling {name} failed: {}", a.text());
            let ids: Vec<String> = a.json()["schedules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string())
                .collect();
            (i, ids)
        });

        let mut wanted = BTreeSet::new();
        for (i, ids) in &answers {
            assert_eq!(ids.len(), 2);
            for (k, id) in ids.iter().enumerate() {
                let a = s.get(&purl(&s, &pid, &format!("schedules/{id}")));
                assert_eq!(a.status, 200, "schedule {id} was lost: {}", a.text());
                let sched = a.json();
                assert_eq!(sched["payload"], format!("{i}-{k}"));
                assert_eq!(sched["status"], "scheduled");
                wanted.insert(id.clone());
            }
        }
        assert_eq!(wanted.len(), THREADS * 2, "schedule ids were not distinct");
        let url = purl(&s, &pid, "schedules?per_page=100");
        assert_eq!(listed_ids(&s, &url, "schedules"), wanted);
    }
}

#[test]
fn the_project_is_created_once_whoever_comes_first() {
    let s = TestServer::start();
    let pid = fresh_project();

    let answers = at_once(|_| {
        let a = s.get(&format!("{}/2/projects/{pid}", s.base()));
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()
    });

    let first = &answers[0];
    assert_eq!(first["id"], pid.as_str());
    for a in &answers {
        assert_eq!(a["created_at"], first["created_at"], "{a} vs {first}");
        assert_eq!(a["name"], first["name"]);
    }
}

#[test]
fn concurrent_deletes_of_one_code_delete_it_once() {
    let s = TestServer::start();

    for round in 0..ROUNDS {
        let pid = fresh_project();
        let up = upload_to(&s, &pid, "Doomed", "exit 0\n");
        assert_eq!(up.status, 200, "{}", up.text());
        let id = up.json()["id"].as_str().unwrap().to_string();
        let keep = upload_to(&s, &pid, "Kept", "exit 0\n");
        assert_eq!(keep.status, 200, "{}", keep.text());

        let statuses = at_once(|_| s.delete(&purl(&s, &pid, &format!("codes/{id}"))).status);
        let deleted = statuses.iter().filter(|st| **st == 200).count();
        let missing = statuses.iter().filter(|st| **st == 404).count();
        assert_eq!(
            (deleted, missing),
            (1, THREADS - 1),
            "round {round}: one delete succeeds, the others find nothing: {statuses:?}"
        );

        assert_eq!(s.get(&purl(&s, &pid, &format!("codes/{id}"))).status, 404);
        let names: Vec<Value> = s.get(&purl(&s, &pid, "codes")).json()["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("Kept")]);
    }
}

#[test]
fn concurrent_pauses_and_resumes_report_one_change_each() {
    let s = TestServer::start();
    let pid = fresh_project();
    let up = upload_to(&s, &pid, "Toggle", "exit 0\n");
    assert_eq!(up.status, 200, "{}", up.text());
    let id = up.json()["id"].as_str().unwrap().to_string();

    for round in 0..ROUNDS {
        for (action, changed, unchanged, paused) in [
            ("pause_task_queue", "Paused", "Already paused", true),
            ("resume_task_queue", "Resumed", "Already resumed", false),
        ] {
            let url = purl(&s, &pid, &format!("codes/{id}/{action}"));
            let msgs = at_once(|_| {
                let a = s.post_json(&url, &json!({}));
                assert_eq!(a.status, 200, "{}", a.text());
                a.msg()
            });
            let n_changed = msgs.iter().filter(|m| m.as_str() == changed).count();
            let n_same = msgs.iter().filter(|m| m.as_str() == unchanged).count();
            assert_eq!(
                (n_changed, n_same),
                (1, THREADS - 1),
                "round {round}, {action}: exactly one request changes the queue: {msgs:?}"
            );
            let code = s.get(&purl(&s, &pid, &format!("codes/{id}"))).json();
            assert_eq!(code["paused"].as_bool().unwrap_or(false), paused, "{code}");
        }
    }
}

#[test]
fn pause_resume_and_cancel_all_of_a_deleted_code_answer_404() {
    let s = TestServer::start();
    let pid = fresh_project();
    let up = upload_to(&s, &pid, "Gone", "exit 0\n");
    let id = up.json()["id"].as_str().unwrap().to_string();

    // Deletes race with the queue operations; whichever comes second must not claim success
    // on a code that no longer exists.
    let answers = at_once(|i| {
        let path = match i % 4 {
            0 => return ("delete", s.delete(&purl(&s, &pid, &format!("codes/{id}")))),
            1 => "pause_task_queue",
            2 => "resume_task_queue",
            _ => "cancel_all",
        };
        let url = purl(&s, &pid, &format!("codes/{id}/{path}"));
        (path, s.post_json(&url, &json!({})))
    });

    let deletes = answers
        .iter()
        .filter(|(what, a)| *what == "delete" && a.status == 200)
        .count();
    assert_eq!(deletes, 1, "exactly one delete succeeds");
    for (what, a) in &answers {
        assert!(
            a.status == 200 || a.status == 404,
            "{what}: {} {}",
            a.status,
            a.text()
        );
    }

    // After the delete, every queue operation finds nothing.
    for path in ["pause_task_queue", "resume_task_queue", "cancel_all"] {
        let a = s.post_json(&purl(&s, &pid, &format!("codes/{id}/{path}")), &json!({}));
        assert_eq!(a.status, 404, "{path}: {}", a.text());
    }
}

#[test]
fn deleting_a_code_while_tasks_are_queued_for_it_leaves_none_queued() {
    let s = TestServer::start();

    for _ in 0..ROUNDS {
        let pid = fresh_project();
        let up = upload_to(&s, &pid, "Busy", "exit 0\n");
        let id = up.json()["id"].as_str().unwrap().to_string();

        // Half the threads queue delayed tasks, one deletes the code: every task queued before
        // the delete is cancelled, and every request after it finds no code.
        let answers = at_once(|i| {
            if i == THREADS / 2 {
                let a = s.delete(&purl(&s, &pid, &format!("codes/{id}")));
                assert_eq!(a.status, 200, "{}", a.text());
                return None;
            }
            let task = json!({"code_name": "Busy", "payload": format!("{i}"), "delay": 600});
            let a = s.post_json(&purl(&s, &pid, "tasks"), &json!({ "tasks": [task] }));
            match a.status {
                200 => Some(a.json()["tasks"][0]["id"].as_str().unwrap().to_string()),
                404 => None,
                other => panic!("queueing answered {other}: {}", a.text()),
            }
        });

        for task_id in answers.into_iter().flatten() {
            let a = s.get(&purl(&s, &pid, &format!("tasks/{task_id}")));
            assert_eq!(a.status, 200, "task {task_id} was lost: {}", a.text());
            let t = a.json();
            assert_eq!(t["status"], "cancelled", "a task outlived its code: {t}");
        }
    }
}
