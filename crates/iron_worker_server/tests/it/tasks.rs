//! Running tasks: the runtime contract, logs, statuses, cancel, timeout, retries, progress.

use serde_json::{json, Value};

use crate::common::*;

const CONTRACT_SH: &str = r#"echo "id=$TASK_ID"
echo "dir=$TASK_DIR"
echo "pwd=$(pwd)"
echo "payload_file=$PAYLOAD_FILE"
echo "config_file=$CONFIG_FILE"
echo "payload=$(cat "$PAYLOAD_FILE")"
echo "config=$(cat "$CONFIG_FILE")"
echo "args=$*"
echo "greeting=$GREETING"
echo "iron_vars=$(env | grep -c '^IRON_')"
env | grep -q "test-token-0123456789" && echo "TOKEN LEAKED"
echo "to stderr" >&2
"#;

#[test]
fn a_task_runs_under_the_runtime_contract() {
    let s = TestServer::start();
    std::env::set_var("IRON_TOKEN", TOKEN);
    s.upload_ok(
        "Contract",
        "contract.sh",
        &[("contract.sh", CONTRACT_SH)],
        json!({"config": "{\"db\":\"x\"}", "env_vars": {"GREETING": "hello"}}),
    );
    let id = s.queue("Contract", "{\"max\":10}", json!({}));
    let t = s.wait_done(&id);
    assert_eq!(t["status"], "complete", "{t}");

    let log = s.log(&id);
    assert_eq!(log.status, 200);
    assert!(log.content_type.starts_with("text/plain"));
    let log = log.text();
    let line = |key: &str| -> String {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}= in log:\n{log}"))
            .to_string()
    };

    assert_eq!(line("id"), id);
    let dir = line("dir");
    assert_eq!(
        line("pwd"),
        dir,
        "the task directory is the working directory"
    );
    assert!(dir.ends_with(&id), "{dir}");
    assert_eq!(line("payload_file"), format!("{dir}/task_payload.json"));
    assert_eq!(line("config_file"), format!("{dir}/task_config.json"));
    assert_eq!(line("payload"), "{\"max\":10}");
    assert_eq!(line("config"), "{\"db\":\"x\"}");
    assert_eq!(
        line("args"),
        format!(
            "-id {id} -d {dir} -e development -payload {dir}/task_payload.json -config \
             {dir}/task_config.json"
        )
    );
    assert_eq!(line("greeting"), "hello");
    assert_eq!(
        line("iron_vars"),
        "0",
        "IRON_* variables must not reach workers"
    );
    assert!(!log.contains("TOKEN LEAKED"));
    assert!(log.contains("to stderr"), "stderr is in the log");

    let out = s.get(&s.url(&format!("tasks/{id}/outlog")));
    assert_eq!(out.status, 200);
    assert!(out.text().contains("id="));
    assert!(!out.text().contains("to stderr"), "outlog is stdout only");

    assert_eq!(t["log_size"].as_u64().unwrap() as usize, log.len());
    assert!(t["start_time"].is_string() && t["end_time"].is_string());
    assert_eq!(t["code_rev"], "1");
    assert!(
        !std::path::Path::new(&dir).exists(),
        "the task directory is removed afterwards"
    );
}

#[test]
fn a_failing_task_is_an_error_with_the_last_stderr_line() {
    let s = TestServer::start();
    let script =
        "echo about to fail\necho 'first problem' >&2\necho 'boom: something broke' >&2\nexit 3\n";
    s.upload_ok("Failer", "fail.sh", &[("fail.sh", script)], json!({}));
    let id = s.queue("Failer", "", json!({}));
    let t = s.wait_done(&id);
    assert_eq!(t["status"], "error");
    assert_eq!(t["msg"], "boom: something broke");
    assert_eq!(t["error_class"], "Process Exit 3");
    assert!(s.log(&id).text().contains("about to fail"));
}

#[test]
fn python_workers_run_unbuffered_and_the_partial_log_is_served() {
    let s = TestServer::start();
    let script = "import json, os, sys, time\n\
        payload = json.load(open(os.environ['PAYLOAD_FILE']))\n\
        print('first line', payload['n'])\n\
        time.sleep(30)\n\
        print('never')\n";
    s.upload_ok("Py", "worker.py", &[("worker.py", script)], json!({}));
    let id = s.queue("Py", "{\"n\": 7}", json!({}));

    let log = s.wait_log(&id, "first line 7");
    assert!(!log.contains("never"));
    assert_eq!(s.task(&id)["status"], "running");

    assert_eq!(
        s.post_json(&s.url(&format!("tasks/{id}/cancel")), &json!({}))
            .status,
        200
    );
    assert_eq!(s.wait_done(&id)["status"], "cancelled");
}

#[test]
fn the_log_is_404_until_there_is_output() {
    let s = TestServer::start();
    s.upload_ok("Quiet", "q.sh", &[("q.sh", "echo hi\n")], json!({}));
    let id = s.queue("Quiet", "", json!({"delay": 600}));
    let a = s.log(&id);
    assert_eq!(a.status, 404);
    assert!(a.msg().to_lowercase().contains("log"), "{}", a.msg());
    assert_eq!(s.get(&s.url(&format!("tasks/{id}/outlog"))).status, 404);

    // Once ended, even a task without output has a (empty) log.
    s.post_json(&s.url(&format!("tasks/{id}/cancel")), &json!({}));
    let a = s.log(&id);
    assert_eq!(a.status, 200);
    assert_eq!(a.text(), "");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let s = TestServer::start();
    // The worker starts a background child (a grandchild of the server), then waits for it.
    let pid_file = s.dir.path().join("child.pid");
    let script = "sleep 300 &\necho $! > \"$PID_FILE\"\nwait\n";
    let env = json!({"env_vars": {"PID_FILE": pid_file.to_str().unwrap()}});
    s.upload_ok("Slow", "slow.sh", &[("slow.sh", script)], env);
    let id = s.queue("Slow", "", json!({"timeout": 2}));

    let t = s.wait_done(&id);
    assert_eq!(t["status"], "timeout", "{t}");
    assert_eq!(t["timeout"], 2);
    assert!(t["msg"].as_str().unwrap().contains("timeout"));
    let child: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_until("the background child of a timed-out task is killed", || {
        !alive(child)
    });
}

#[test]
fn cancel_kills_a_running_task_and_its_children() {
    let s = TestServer::start();
    let script = "sleep 300 &\necho \"child $!\"\nwait\n";
    s.upload_ok("Sleeper", "sleep.sh", &[("sleep.sh", script)], json!({}));
    let id = s.queue("Sleeper", "", json!({}));
    let log = s.wait_log(&id, "child ");
    let child: u32 = log.trim().trim_start_matches("child ").parse().unwrap();
    assert!(alive(child));

    // Cancel is accepted with no body and no content type (Python's official client).
    let a = s.post_raw(&s.url(&format!("tasks/{id}/cancel")), None, b"", true);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["msg"], "Cancelled");
    assert_eq!(s.task(&id)["status"], "cancelled");
    wait_until("the cancelled task's child is killed", || !alive(child));

    let again = s.post_json(&s.url(&format!("tasks/{id}/cancel")), &json!({}));
    assert_eq!(again.status, 400);
    assert!(again.msg().contains("already ended"));
}

#[test]
fn progress_is_recorded() {
    let s = TestServer::start();
    s.upload_ok("P", "p.sh", &[("p.sh", "echo\n")], json!({}));
    let id = s.queue("P", "", json!({"delay": 600}));
    let url = s.url(&format!("tasks/{id}/progress"));

    let a = s.post_json(
        &url,
        &json!({"percent": 25, "msg": "Any message goes here."}),
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["msg"], "Progress set");
    let t = s.task(&id);
    assert_eq!(t["percent"], 25);
    assert_eq!(t["msg"], "Any message goes here.");

    s.post_json(&url, &json!({"msg": "only a message"}));
    assert_eq!(s.task(&id)["percent"], 25);
    assert_eq!(s.task(&id)["msg"], "only a message");

    assert_eq!(s.post_json(&url, &json!({"percent": 101})).status, 400);
    assert_eq!(s.post_json(&url, &json!({"percent": "lots"})).status, 400);
    assert_eq!(s.post_raw(&url, None, b"{\"percent\":1}", true).status, 406);
}

#[test]
fn manual_retry_queues_a_new_task_like_the_old_one() {
    let s = TestServer::start();
    s.upload_ok(
        "Once",
        "f.sh",
        &[("f.sh", "cat $PAYLOAD_FILE\nexit 1\n")],
        json!({}),
    );
    let id = s.queue("Once", "{\"x\":1}", json!({"label": "L"}));

    let early = s.post_json(&s.url(&format!("tasks/{id}/retry")), &json!({}));
    if s.task(&id)["status"] != "error" {
        assert_eq!(early.status, 400, "retry of an unfinished task");
    }
    s.wait_done(&id);

    let a = s.post_json(&s.url(&format!("tasks/{id}/retry")), &json!({"delay": 0}));
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["msg"], "Queued up");
    let new_id = a.json()["tasks"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);

    let new = s.wait_done(&new_id);
    assert_eq!(new["payload"], "{\"x\":1}");
    assert_eq!(new["label"], "L");
    assert_eq!(new["original_task_id"], id.as_str());
    assert_eq!(s.task(&id)["retry_task_id"], new_id.as_str());
    assert!(s.log(&new_id).text().contains("{\"x\":1}"));
}

#[test]
fn auto_retries_make_a_chain_of_attempts() {
    let s = TestServer::start();
    s.upload_ok(
        "Flaky",
        "f.sh",
        &[("f.sh", "echo try >&2\nexit 2\n")],
        json!({"retries": 2, "retries_delay": 0}),
    );
    let first = s.queue("Flaky", "p", json!({}));

    let mut chain = vec![s.wait_done(&first)];
    while let Some(next) = chain.last().unwrap()["retry_task_id"]
        .as_str()
        .map(str::to_string)
    {
        chain.push(s.wait_done(&next));
        assert!(chain.len() <= 3, "more attempts than retries + 1");
    }
    // The last attempt may not be created yet when the previous one is read: wait for it.
    while chain.len() < 3 {
        let last = chain.last().unwrap()["id"].as_str().unwrap().to_string();
        let t = s.wait_task(&last, "retried", |t| t["retry_task_id"].is_string());
        let next = t["retry_task_id"].as_str().unwrap().to_string();
        chain.push(s.wait_done(&next));
    }

    assert_eq!(chain.len(), 3);
    for (i, t) in chain.iter().enumerate() {
        assert_eq!(t["status"], "error");
        assert_eq!(t["retry_count"], i);
        if i > 0 {
            assert_eq!(t["original_task_id"], first.as_str());
            assert_eq!(t["payload"], "p");
        }
    }
    assert!(chain[2]["retry_task_id"].is_null(), "no fourth attempt");
}

#[test]
fn listing_filters_and_pages_newest_first() {
    let s = TestServer::start();
    s.upload_ok("A", "a.sh", &[("a.sh", "echo a\n")], json!({}));
    s.upload_ok("B", "b.sh", &[("b.sh", "exit 1\n")], json!({}));
    let a1 = s.queue("A", "", json!({"label": "one"}));
    let a2 = s.queue("A", "", json!({"cluster": "high-mem"}));
    let b1 = s.queue("B", "", json!({}));
    let held = s.queue("A", "", json!({"delay": 600}));
    for id in [&a1, &a2, &b1] {
        s.wait_done(id);
    }

    let ids = |q: &str| -> Vec<String> {
        let a = s.get(&format!("{}?{q}", s.url("tasks")));
        assert_eq!(a.status, 200, "{q}: {}", a.text());
        a.json()["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };

    assert_eq!(
        ids(""),
        vec![held.clone(), b1.clone(), a2.clone(), a1.clone()]
    );
    assert_eq!(
        ids("code_name=A"),
        vec![held.clone(), a2.clone(), a1.clone()]
    );
    assert_eq!(ids("code_name=A&complete=1"), vec![a2.clone(), a1.clone()]);
    assert_eq!(
        ids("complete=1&error=1"),
        vec![b1.clone(), a2.clone(), a1.clone()]
    );
    assert_eq!(ids("queued=true"), vec![held.clone()]);
    assert_eq!(ids("queued=0"), ids(""), "a 0 flag is not set");
    assert_eq!(ids("status=error"), vec![b1.clone()]);
    assert_eq!(ids("label=one"), vec![a1.clone()]);
    assert_eq!(ids("cluster=high-mem"), vec![a2.clone()]);
    assert_eq!(ids("per_page=2"), vec![held.clone(), b1.clone()]);
    assert_eq!(ids("per_page=2&page=1"), vec![a2.clone(), a1.clone()]);
    assert_eq!(ids("from_time=4102444800"), Vec::<String>::new());
    assert_eq!(ids("to_time=946684800"), Vec::<String>::new());
    assert_eq!(ids("from_time=946684800").len(), 4);

    assert_eq!(
        s.get(&format!("{}?per_page=101", s.url("tasks"))).status,
        400
    );
    assert_eq!(
        s.get(&format!("{}?status=bogus", s.url("tasks"))).status,
        400
    );
}

#[test]
fn queueing_validates_fields_and_defaults_the_rest() {
    let s = TestServer::start_with(|c| c.max_timeout_secs = 100);
    s.upload_ok(
        "D",
        "d.sh",
        &[("d.sh", "echo\n")],
        json!({"default_priority": 1}),
    );

    let a = s.post_json(
        &s.url("tasks"),
        &json!({"tasks": [{"code_name": "D", "payload": "", "priority": -3,
        "timeout": 0, "label": null, "cluster": null, "name": "D", "sync": false, "delay": 600}]}),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["status_code"], 200);
    let t = s.task(a.json()["tasks"][0]["id"].as_str().unwrap());
    assert_eq!(
        t["priority"], 1,
        "out-of-range priority falls back to the code's default"
    );
    assert_eq!(t["timeout"], 100, "0 means the maximum");
    assert_eq!(t["cluster"], "default");

    let big = s.queue("D", "", json!({"timeout": 5000, "delay": 600}));
    assert_eq!(s.task(&big)["timeout"], 100, "clamped to the maximum");

    for (bad, field) in [
        (json!({"tasks": [{"payload": "x"}]}), "code_name"),
        (
            json!({"tasks": [{"code_name": "D", "timeout": "soon"}]}),
            "timeout",
        ),
        (
            json!({"tasks": [{"code_name": "D", "delay": 999999999}]}),
            "delay",
        ),
        (json!({"tasks": []}), "tasks"),
        (json!({"nothing": 1}), "tasks"),
    ] {
        let a = s.post_json(&s.url("tasks"), &bad);
        assert_eq!(a.status, 400, "{bad}: {}", a.text());
        assert!(a.msg().contains(field), "{bad}: {}", a.msg());
    }

    // A batch is all or nothing.
    let before = s.get(&s.url("tasks")).json()["tasks"]
        .as_array()
        .unwrap()
        .len();
    let a = s.post_json(
        &s.url("tasks"),
        &json!({"tasks": [{"code_name": "D"}, {"code_name": "Nope"}]}),
    );
    assert_eq!(a.status, 404);
    let after = s.get(&s.url("tasks")).json()["tasks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);

    // Payloads sent as objects are JSON-encoded.
    let a = s.post_json(
        &s.url("tasks"),
        &json!({"tasks": [{"code_name": "D", "payload": {"k": 1}, "delay": 600}]}),
    );
    let t = s.task(a.json()["tasks"][0]["id"].as_str().unwrap());
    assert_eq!(t["payload"], "{\"k\":1}");
}

#[test]
fn webhook_queues_the_raw_body() {
    let s = TestServer::start();
    s.upload_ok(
        "Hook",
        "h.sh",
        &[("h.sh", "cat $PAYLOAD_FILE\n")],
        json!({}),
    );
    let url = format!("{}?code_name=Hook&oauth={TOKEN}", s.url("tasks/webhook"));
    let a = s.post_raw(&url, Some("text/plain"), b"raw body here", false);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["msg"], "Queued up.");
    let id = a.json()["id"].as_str().unwrap().to_string();
    assert_eq!(s.wait_done(&id)["payload"], "raw body here");
    assert!(s.log(&id).text().contains("raw body here"));

    let a = s.post_raw(
        &format!("{}?oauth={TOKEN}", s.url("tasks/webhook")),
        None,
        b"x",
        false,
    );
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("code_name"));
}

#[test]
fn a_missing_interpreter_fails_the_task_not_the_server() {
    let s = TestServer::start();
    s.upload_ok(
        "Weird",
        "w.xyz",
        &[("w.xyz", "not really a binary\n")],
        json!({}),
    );
    let id = s.queue("Weird", "", json!({}));
    let t = s.wait_done(&id);
    assert_eq!(t["status"], "error");
    assert!(t["msg"].as_str().unwrap().contains("cannot start"), "{t}");

    s.upload_ok("Shell", "ok.sh", &[("ok.sh", "echo fine\n")], json!({}));
    let ok = s.queue("Shell", "", json!({}));
    assert_eq!(s.wait_done(&ok)["status"], "complete");
}

#[test]
fn binary_workers_are_executed_directly() {
    let s = TestServer::start();
    s.upload_ok(
        "Bin",
        "run",
        &[("run", "#!/bin/sh\necho \"binary got $1 $2\"\n")],
        json!({"runtime": "binary"}),
    );
    let id = s.queue("Bin", "", json!({}));
    assert_eq!(s.wait_done(&id)["status"], "complete");
    assert!(s.log(&id).text().contains(&format!("binary got -id {id}")));
}

#[test]
fn task_details_have_the_documented_fields() {
    let s = TestServer::start();
    s.upload_ok("F", "f.sh", &[("f.sh", "echo\n")], json!({}));
    let id = s.queue("F", "{}", json!({}));
    let t = s.wait_done(&id);
    for key in [
        "id",
        "created_at",
        "updated_at",
        "project_id",
        "code_id",
        "code_name",
        "code_rev",
        "code_history_id",
        "status",
        "priority",
        "timeout",
        "payload",
        "log_size",
        "duration",
    ] {
        assert!(!t[key].is_null(), "missing {key}: {t}");
    }
    assert!(t["code_rev"].is_string());
    let _: Value = t;
}

#[test]
fn a_log_over_the_limit_is_cut_with_a_note() {
    let s = TestServer::start_with(|c| c.max_log_bytes = 1000);
    let script = "i=0\nwhile [ $i -lt 200 ]; do echo \"line $i of chatter\"; i=$((i+1)); done\n";
    s.upload_ok("Chatty", "c.sh", &[("c.sh", script)], json!({}));
    let id = s.queue("Chatty", "", json!({}));
    assert_eq!(s.wait_done(&id)["status"], "complete");
    let log = s.log(&id).text();
    assert!(log.contains("line 0 of chatter"));
    assert!(!log.contains("line 199"));
    assert!(
        log.ends_with("[iron-worker: log truncated at 1000 bytes]\n"),
        "{log}"
    );
}

#[test]
fn php_ruby_and_python_workers_get_the_flags() {
    let s = TestServer::start();
    let workers = [
        (
            "Php",
            "w.php",
            "<?php echo 'php ' . $argv[1] . ' ' . getenv('TASK_ID') . \"\\n\";\n",
        ),
        ("Rb", "w.rb", "puts \"ruby #{ARGV[0]} #{ENV['TASK_ID']}\"\n"),
        (
            "Py3",
            "w.py",
            "import os, sys\nprint('python', sys.argv[1], os.environ['TASK_ID'])\n",
        ),
    ];
    let mut ids = Vec::new();
    for (name, file, src) in workers {
        s.upload_ok(name, file, &[(file, src)], json!({}));
        ids.push((name, s.queue(name, "", json!({}))));
    }
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok()
    {
        s.upload_ok(
            "Js",
            "w.js",
            &[(
                "w.js",
                "console.log('node', process.argv[2], process.env.TASK_ID)\n",
            )],
            json!({}),
        );
        ids.push(("Js", s.queue("Js", "", json!({}))));
    } else {
        eprintln!("note: node is not installed; the node runtime was not exercised");
    }
    for (name, id) in ids {
        let t = s.wait_done(&id);
        assert_eq!(t["status"], "complete", "{name}: {t} {}", s.log(&id).text());
        let log = s.log(&id).text();
        assert!(log.contains(&format!(" -id {id}")), "{name}: {log}");
    }
}

#[test]
fn batch_bodies_name_what_is_wrong() {
    let s = TestServer::start();
    for (key, body, expected) in [
        ("tasks", json!({}), "tasks is required"),
        ("tasks", json!({"tasks": []}), "tasks must not be empty"),
        (
            "tasks",
            json!({"tasks": "x"}),
            "tasks must be an array of objects, not a string",
        ),
        ("schedules", json!({}), "schedules is required"),
        (
            "schedules",
            json!({"schedules": 3}),
            "schedules must be an array",
        ),
    ] {
        let answer = s.post_json(&s.url(key), &body);
        assert_eq!(answer.status, 400, "{body}");
        assert!(answer.msg().contains(expected), "{body}: {}", answer.msg());
    }
}
