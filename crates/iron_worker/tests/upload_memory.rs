//! A code upload streams the zip from disk: uploading a ~200 MB package must not grow the
//! process's memory by anything like the package size.
//!
//! This test has its own binary so that no other test shares the process whose peak memory
//! it measures. The receiving end is a scripted server in this process that reads the body
//! in 64 KiB pieces and keeps none of it.

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};

use iron_worker::CodeOptions;
use serde_json::Value;

use common::{client_for, scripted, Reply};

/// Size of the generated package.
const PACKAGE_BYTES: usize = 200 * 1024 * 1024;

/// Allowed growth of peak memory during the upload (generous: buffers, TLS-free HTTP, allocator).
const MAX_GROWTH_KB: u64 = 64 * 1024;

/// A field of `/proc/self/status`, in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Writes a zip of `run.sh` and a large stored `blob.bin`, a megabyte at a time.
fn write_big_zip(path: &std::path::Path) {
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(BufWriter::new(File::create(path).unwrap()));

    zip.start_file("run.sh", options).unwrap();
    zip.write_all(b"echo big\n").unwrap();

    zip.start_file("blob.bin", options).unwrap();
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    for _ in 0..PACKAGE_BYTES / chunk.len() {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().flush().unwrap();
}

#[test]
fn uploading_a_200_mb_package_does_not_hold_it_in_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: /proc/self/status is needed to read peak memory");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("big.zip");
    write_big_zip(&zip);
    let zip_len = std::fs::metadata(&zip).unwrap().len();

    let server = scripted(|_| {
        Reply::Json(
            200,
            r#"{"id":"c0de","msg":"Upload successful.","status_code":200}"#.into(),
        )
    });
    let client = client_for(&server.url, 0);

    let before = status_kb("VmHWM:");
    let answer = client
        .post_code("run.sh", &zip, "big", &CodeOptions::default())
        .unwrap();
    let after = status_kb("VmHWM:");

    assert_eq!(answer["id"], "c0de");
    let growth = after.saturating_sub(before);
    eprintln!("peak memory: {before} kB before the upload, {after} kB after");
    assert!(
        growth < MAX_GROWTH_KB,
        "peak memory grew by {growth} kB while uploading a {zip_len}-byte package"
    );

    let seen = &server.seen()[0];
    let content_length: u64 = seen.header("content-length").unwrap().parse().unwrap();
    assert_eq!(seen.body_len, content_length);
    assert!(content_length > zip_len, "the whole zip was sent");

    let content_type = seen.header("content-type").unwrap();
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    assert!(content_type.starts_with("multipart/form-data"));
    assert!(seen
        .body_tail
        .ends_with(format!("\r\n--{boundary}--\r\n").as_bytes()));

    let head = String::from_utf8_lossy(&seen.body_head);
    let data_start = head.find("\r\n\r\n").unwrap() + 4;
    let data_end = data_start + head[data_start..].find("\r\n").unwrap();
    let data: Value = serde_json::from_str(&head[data_start..data_end]).unwrap();
    assert_eq!(
        data,
        serde_json::json!({"name": "big", "file_name": "run.sh", "runtime": "sh"})
    );
    assert!(
        head.contains("name=\"file\"; filename=\"big.zip\""),
        "{}",
        &head[..300]
    );
}
