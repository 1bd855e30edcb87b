//! Code uploads: multipart forms, revisions, download, delete, and the archive safety checks.

use std::io::Write;

use serde_json::json;

use crate::common::*;

#[test]
fn upload_answers_id_msg_and_status_code_and_keeps_revisions() {
    let s = TestServer::start();
    let first = s.upload_ok(
        "Fib",
        "fib.sh",
        &[("fib.sh", "echo 1\n")],
        json!({"runtime": "sh"}),
    );
    assert_eq!(first["msg"], "Upload successful.");
    assert_eq!(first["status_code"], 200);
    assert_eq!(first["rev"], 1);
    let id = first["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 24);

    let second = s.upload_ok("Fib", "fib.sh", &[("fib.sh", "echo 2\n")], json!({}));
    assert_eq!(second["id"], id.as_str(), "same name, same code");
    assert_eq!(second["rev"], 2);

    let code = s.get(&s.url(&format!("codes/{id}"))).json();
    assert_eq!(code["name"], "Fib");
    assert_eq!(code["rev"], 2);
    assert!(code["latest_change"].is_string());

    let revs = s.get(&s.url(&format!("codes/{id}/revisions"))).json();
    let revs = revs["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["rev"], 2, "newest first");

    let list = s.get(&s.url("codes")).json();
    assert_eq!(list["codes"].as_array().unwrap().len(), 1);
}

#[test]
fn download_returns_the_uploaded_zip_of_each_revision() {
    let s = TestServer::start();
    let files1 = [("a.sh", "echo one\n")];
    let code = s.upload_ok("Dl", "a.sh", &files1, json!({}));
    s.upload_ok("Dl", "a.sh", &[("a.sh", "echo two\n")], json!({}));
    let id = code["id"].as_str().unwrap();

    let a = s.get(&s.url(&format!("codes/{id}/download?revision=1")));
    assert_eq!(a.status, 200);
    assert_eq!(a.content_type, "application/zip");
    assert_eq!(a.body, make_zip(&files1));
    assert_eq!(a.header("content-disposition"), Some("filename=Dl_1.zip"));

    let latest = s.get(&s.url(&format!("codes/{id}/download")));
    assert_eq!(
        latest.header("content-disposition"),
        Some("filename=Dl_2.zip")
    );

    let missing = s.get(&s.url(&format!("codes/{id}/download?revision=9")));
    assert_eq!(missing.status, 404);
}

#[test]
fn multipart_parts_may_come_in_any_order_and_extra_fields_are_ignored() {
    let s = TestServer::start();
    let zip = make_zip(&[("w.py", "print('hi')\n")]);
    let data = json!({
        "name": "Py", "file_name": "w.py", "runtime": "python", "standalone": true,
        "version": 2, "oauth": TOKEN, "class_name": "Py", "options": {}, "stack": "",
        "image": null, "env_vars": null, "max_concurrency": null,
    });
    let (ct, body) = multipart(&[
        Part::file("file", "/some/local/path.zip", &zip),
        Part::field("data", &data.to_string()),
    ]);
    let a = s.post_raw(&s.url("codes"), Some(&ct), &body, true);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["runtime"], "python");
}

#[test]
fn bad_uploads_get_clear_400s() {
    let s = TestServer::start();
    let zip = make_zip(&[("a.sh", "echo\n")]);

    let (ct, body) = multipart(&[Part::file("file", "w.zip", &zip)]);
    let a = s.post_raw(&s.url("codes"), Some(&ct), &body, true);
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("data"), "{}", a.msg());

    let (ct, body) = multipart(&[
        Part::field("data", "{\"file_name\":\"a.sh\"}"),
        Part::file("file", "w.zip", &zip),
    ]);
    let a = s.post_raw(&s.url("codes"), Some(&ct), &body, true);
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("name"), "{}", a.msg());

    let (ct, body) = multipart(&[
        Part::field("data", "not json"),
        Part::file("file", "w.zip", &zip),
    ]);
    assert_eq!(
        s.post_raw(&s.url("codes"), Some(&ct), &body, true).status,
        400
    );

    let a = s.upload("Missing", "nope.sh", &[("a.sh", "echo\n")], json!({}));
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("nope.sh"), "{}", a.msg());

    // Ruby's empty plain `file` field means "no zip": then a zip is required.
    let (ct, body) = multipart(&[
        Part::field("data", "{\"name\":\"E\",\"file_name\":\"a.sh\"}"),
        Part::field("file", ""),
    ]);
    let a = s.post_raw(&s.url("codes"), Some(&ct), &body, true);
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("zip"), "{}", a.msg());

    let (ct, body) = multipart(&[
        Part::field("data", "{\"name\":\"N\",\"file_name\":\"a.sh\"}"),
        Part::file("file", "w.zip", b"this is not a zip"),
    ]);
    let a = s.post_raw(&s.url("codes"), Some(&ct), &body, true);
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("zip"), "{}", a.msg());

    let a = s.upload("R", "a.sh", &[("a.sh", "echo\n")], json!({"retries": 11}));
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("retries"));

    let a = s.upload(
        "V",
        "a.sh",
        &[("a.sh", "echo\n")],
        json!({"env_vars": {"A": [1]}}),
    );
    assert_eq!(a.status, 400);
    assert!(a.msg().contains("env_vars.A"));
}

/// A zip with raw entry names (bypassing the writer's own checks where it has any).
fn evil_zip(entries: &[(&str, &str)], symlink: Option<(&str, &str)>) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        for (name, content) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(content.as_bytes()).unwrap();
        }
        if let Some((name, target)) = symlink {
            w.add_symlink(name, target, opts).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

fn upload_zip(s: &TestServer, zip: &[u8]) -> Answer {
    let data = json!({ "name": "Evil", "file_name": "run.sh" }).to_string();
    let (ct, body) = multipart(&[Part::field("data", &data), Part::file("file", "e.zip", zip)]);
    s.post_raw(&s.url("codes"), Some(&ct), &body, true)
}

#[test]
fn zip_slip_entries_are_refused_at_upload() {
    let s = TestServer::start();
    let base = [("run.sh", "echo\n")];

    for evil in ["../escape.txt", "a/../../escape.txt", "/etc/evil.txt"] {
        let zip = evil_zip(&[base[0], (evil, "x")], None);
        let a = upload_zip(&s, &zip);
        assert_eq!(a.status, 400, "{evil}: {}", a.text());
        assert!(a.msg().contains("refused"), "{}", a.msg());
    }

    let zip = evil_zip(&base, Some(("link", "../../../etc/passwd")));
    let a = upload_zip(&s, &zip);
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(a.msg().contains("symlink"), "{}", a.msg());

    let zip = evil_zip(&base, Some(("abs", "/etc/passwd")));
    assert_eq!(upload_zip(&s, &zip).status, 400);

    // Nothing of the refused archives was written outside.
    assert!(!s.data_dir().join("escape.txt").exists());
    assert!(!s.data_dir().parent().unwrap().join("escape.txt").exists());

    // A symlink that stays inside is fine.
    let zip = evil_zip(&base, Some(("sub/link", "../run.sh")));
    assert_eq!(upload_zip(&s, &zip).status, 200);
}

#[test]
fn size_limits_give_413() {
    let s = TestServer::start_with(|c| {
        c.max_unpacked_bytes = 10_000;
        c.max_upload_bytes = 100_000;
    });

    let big = "x".repeat(20_000);
    let a = s.upload(
        "Big",
        "a.sh",
        &[("a.sh", "echo\n"), ("big.txt", &big)],
        json!({}),
    );
    assert_eq!(a.status, 413, "{}", a.text());
    assert!(a.msg().contains("unpacks"), "{}", a.msg());

    // A body over the upload limit (incompressible, so the zip stays big).
    let noise: String = (0..250_000u32)
        .map(|i| char::from(b'a' + ((i.wrapping_mul(2_654_435_761) >> 13) % 26) as u8))
        .collect();
    let a = s.upload(
        "Huge",
        "a.sh",
        &[("a.sh", "echo\n"), ("n.txt", &noise)],
        json!({}),
    );
    assert_eq!(a.status, 413, "{}", a.text());

    let a = s.upload(
        "Conf",
        "a.sh",
        &[("a.sh", "echo\n")],
        json!({"config": "c".repeat(70_000)}),
    );
    assert_eq!(a.status, 413, "{}", a.text());
    assert!(a.msg().contains("config"));
}

#[test]
fn deleted_code_is_gone() {
    let s = TestServer::start();
    let code = s.upload_ok("Gone", "a.sh", &[("a.sh", "sleep 30\n")], json!({}));
    let id = code["id"].as_str().unwrap();
    let queued = s.queue("Gone", "", json!({"delay": 600}));

    let a = s.delete(&s.url(&format!("codes/{id}")));
    assert_eq!(a.status, 200);
    assert!(a.json()["msg"].is_string());
    assert_eq!(s.get(&s.url(&format!("codes/{id}"))).status, 404);
    assert_eq!(s.task(&queued)["status"], "cancelled");

    let a = s.post_json(&s.url("tasks"), &json!({"tasks": [{"code_name": "Gone"}]}));
    assert_eq!(a.status, 404);
    assert!(a.msg().contains("Gone"));
}

#[test]
fn the_unpacked_package_is_reused_but_each_task_gets_its_own_copy() {
    let s = TestServer::start();
    let script = "cat state.txt\necho changed > state.txt\nls\n";
    let code = s.upload_ok(
        "Cache",
        "run.sh",
        &[("run.sh", script), ("state.txt", "pristine\n")],
        json!({}),
    );

    let t1 = s.queue("Cache", "", json!({}));
    assert_eq!(s.wait_done(&t1)["status"], "complete");
    let t2 = s.queue("Cache", "", json!({}));
    assert_eq!(s.wait_done(&t2)["status"], "complete");

    let log2 = s.log(&t2).text();
    assert!(
        log2.starts_with("pristine"),
        "a task saw another's change: {log2}"
    );
    assert!(!log2.contains(&t1), "a task saw another's files: {log2}");

    let rev = code["latest_history_id"].as_str().unwrap();
    let cache = s.data_dir().join("cache").join(rev);
    assert!(
        cache.join("run.sh").is_file(),
        "revision unpacked once into the cache"
    );
    assert_eq!(
        std::fs::read_to_string(cache.join("state.txt")).unwrap(),
        "pristine\n"
    );
}

#[test]
fn a_large_package_streams_in_under_the_default_limits() {
    let s = TestServer::start();
    // About 5 MB that does not compress: over the framework's default body limits.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: String = (0..5_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .collect();
    let code = s.upload_ok(
        "Large",
        "run.sh",
        &[("run.sh", "wc -c < blob.txt\n"), ("blob.txt", &noise)],
        json!({}),
    );
    assert!(code["id"].is_string());
    let id = s.queue("Large", "", json!({}));
    assert_eq!(s.wait_done(&id)["status"], "complete");
    assert_eq!(s.log(&id).text().trim(), "5000000");
}
