//! Packaging: archive contents, determinism, permissions, symlinks, atomic overwrite and
//! errors. Every archive is checked with `unzip -t` and Python's `zipfile`.

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use iron_worker::package::{
    create_zip, is_precompressed, list_entries, with_extra_file, write_atomically, zip_directory,
    STREAM_THRESHOLD,
};
use iron_worker::{Error, ErrorKind};
use serde_json::Value;
use tempfile::TempDir;

/// `create_zip` reads relative to the current directory, which is per process: tests that
/// change it take this lock.
static CWD: Mutex<()> = Mutex::new(());

/// Runs with the current directory set to a folder, restoring it afterwards.
struct InDir {
    previous: PathBuf,
    _lock: MutexGuard<'static, ()>,
}

fn in_dir(dir: &Path) -> InDir {
    let lock = CWD.lock().unwrap_or_else(|e| e.into_inner());
    let previous = std::env::current_dir().unwrap();
    std::env::set_current_dir(dir).unwrap();
    InDir {
        previous,
        _lock: lock,
    }
}

impl Drop for InDir {
    fn drop(&mut self) {
        std::env::set_current_dir(&self.previous).unwrap();
    }
}

/// Writes `contents` at `root/name`, creating folders.
fn put(root: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = root.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, contents).unwrap();
    path
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A small worker tree: a run file at the root, an executable, a nested module, an empty folder.
fn worker_tree() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    put(root, "fibonacci.py", b"print('fib')\n");
    chmod(&put(root, "bin/run.sh", b"#!/bin/sh\necho run\n"), 0o755);
    put(
        root,
        "lib/util/helpers.py",
        b"def helper():\n    return 42\n",
    );
    chmod(&put(root, "lib/secret.cfg", b"x = 1\n"), 0o600);
    fs::create_dir_all(root.join("empty")).unwrap();
    dir
}

/// Checks an archive with `unzip -t` and Python's `zipfile`, returning what Python saw:
/// a list of {name, mode, method, date_time, size, text}.
fn verify(zip: &Path) -> Vec<Value> {
    let unzip = Command::new("unzip")
        .arg("-tq")
        .arg(zip)
        .output()
        .expect("unzip must be installed");
    assert!(
        unzip.status.success(),
        "unzip -t failed: {}{}",
        String::from_utf8_lossy(&unzip.stdout),
        String::from_utf8_lossy(&unzip.stderr)
    );

    let script = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit("bad entry: " + bad)
    out = []
    for i in z.infolist():
        data = z.read(i)
        try:
            text = data.decode() if len(data) < 4096 else None
        except UnicodeDecodeError:
            text = None
        out.append({"name": i.filename, "mode": (i.external_attr >> 16) & 0o777,
                    "type": (i.external_attr >> 16) & 0o170000, "method": i.compress_type,
                    "date_time": list(i.date_time), "size": len(data), "text": text})
    print(json.dumps(out))
"#;
    let python = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(zip)
        .output()
        .expect("python3 must be installed");
    assert!(
        python.status.success(),
        "python zipfile failed: {}",
        String::from_utf8_lossy(&python.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&python.stdout).unwrap()
}

fn names(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect()
}

fn entry<'a>(entries: &'a [Value], name: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no entry {name} in {:?}", names(entries)))
}

/// Files in `dir` whose name marks them as our temporary files.
fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn assert_kind(error: &Error, kind: ErrorKind, mentions: &str) {
    assert_eq!(error.kind(), kind, "{error}");
    assert!(
        error.to_string().contains(mentions),
        "{error:?} should mention {mentions}"
    );
}

#[test]
fn zip_directory_stores_entries_relative_to_the_directory() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("worker.zip");

    assert!(zip_directory(tree.path(), &zip, false).unwrap());
    let entries = verify(&zip);

    assert_eq!(
        names(&entries),
        [
            "bin/",
            "bin/run.sh",
            "empty/",
            "fibonacci.py",
            "lib/",
            "lib/secret.cfg",
            "lib/util/",
            "lib/util/helpers.py",
        ]
    );
    assert_eq!(entry(&entries, "fibonacci.py")["text"], "print('fib')\n");
    assert_eq!(list_entries(&zip).unwrap(), names(&entries));
}

#[test]
fn permissions_are_kept_and_timestamps_fixed() {
    let tree = worker_tree();
    chmod(&tree.path().join("lib/util"), 0o750);
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("worker.zip");

    zip_directory(tree.path(), &zip, false).unwrap();
    let entries = verify(&zip);

    assert_eq!(entry(&entries, "bin/run.sh")["mode"], 0o755);
    assert_eq!(entry(&entries, "fibonacci.py")["mode"], 0o644);
    assert_eq!(entry(&entries, "lib/secret.cfg")["mode"], 0o600);
    assert_eq!(entry(&entries, "lib/util/")["mode"], 0o750);
    assert_eq!(entry(&entries, "bin/run.sh")["type"], 0o100000);
    assert_eq!(entry(&entries, "lib/")["type"], 0o040000);
    for e in &entries {
        assert_eq!(
            e["date_time"],
            serde_json::json!([1980, 1, 1, 0, 0, 0]),
            "{e}"
        );
    }

    // Extracted by Python, the executable is still executable.
    let extracted = tempfile::tempdir().unwrap();
    let script = "import sys, zipfile, os\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  for i in z.infolist():\n    \
                      p = z.extract(i, sys.argv[2])\n    \
                      os.chmod(p, (i.external_attr >> 16) & 0o777)\n";
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(&zip)
        .arg(extracted.path())
        .status()
        .unwrap();
    assert!(status.success());
    let run = Command::new(extracted.path().join("bin/run.sh"))
        .output()
        .unwrap();
    assert_eq!(run.stdout, b"run\n");
}

#[test]
fn rebuilds_are_byte_identical() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let first = out.path().join("first.zip");
    let second = out.path().join("second.zip");

    zip_directory(tree.path(), &first, false).unwrap();
    // New modification times and a copy of the tree elsewhere change nothing.
    std::thread::sleep(std::time::Duration::from_millis(20));
    put(tree.path(), "fibonacci.py", b"print('fib')\n");
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", tree.path().display()))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    zip_directory(copy.path(), &second, false).unwrap();

    assert_eq!(fs::read(&first).unwrap(), fs::read(&second).unwrap());

    // A changed file changes the archive.
    put(copy.path(), "fibonacci.py", b"print('fib!')\n");
    zip_directory(copy.path(), &second, true).unwrap();
    assert_ne!(fs::read(&first).unwrap(), fs::read(&second).unwrap());
}

#[test]
fn create_zip_places_files_under_base_dir() {
    let tree = worker_tree();
    let zip = tree.path().join("out/package.zip");
    fs::create_dir(tree.path().join("out")).unwrap();

    let entries = {
        let _cwd = in_dir(tree.path());
        assert!(create_zip("", &["fibonacci.py"], Path::new("out/package.zip"), false).unwrap());
        assert_eq!(verify(&zip).len(), 1);

        assert!(create_zip(
            "app/v1/",
            &["./fibonacci.py", "lib/util/helpers.py", "bin"],
            Path::new("out/package.zip"),
            true,
        )
        .unwrap());
        verify(&zip)
    };

    assert_eq!(
        names(&entries),
        [
            "app/",
            "app/v1/",
            "app/v1/bin/",
            "app/v1/bin/run.sh",
            "app/v1/fibonacci.py",
            "app/v1/lib/",
            "app/v1/lib/util/",
            "app/v1/lib/util/helpers.py",
        ]
    );
    assert_eq!(entry(&entries, "app/")["mode"], 0o755);
    assert_eq!(entry(&entries, "app/v1/bin/run.sh")["mode"], 0o755);
}

#[test]
fn create_zip_tutorial_call_and_current_directory() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let single = out.path().join("fileNameForZip.zip");
    let whole = out.path().join("whole.zip");

    {
        let _cwd = in_dir(tree.path());
        // IronWorker.createZip(base_dir="", files=["fibonacci.py"], destination=..., overwrite=True)
        assert!(create_zip("", &["fibonacci.py"], &single, true).unwrap());
        assert!(create_zip("", &["."], &whole, true).unwrap());
    }
    zip_directory(tree.path(), &out.path().join("dir.zip"), false).unwrap();

    assert_eq!(names(&verify(&single)), ["fibonacci.py"]);
    assert_eq!(
        fs::read(&whole).unwrap(),
        fs::read(out.path().join("dir.zip")).unwrap(),
        "create_zip(\"\", [\".\"]) is zip_directory(\".\")"
    );
}

#[test]
fn create_zip_rejects_paths_that_are_not_entry_names() {
    let tree = worker_tree();
    let _cwd = in_dir(tree.path());
    let zip = Path::new("out.zip");
    let absolute = tree.path().join("fibonacci.py");

    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("", vec![absolute.to_str().unwrap()], "is absolute"),
        ("", vec!["lib/../fibonacci.py"], ".."),
        ("", vec![""], "empty path"),
        ("", vec![], "files is empty"),
        ("../up", vec!["fibonacci.py"], "base_dir"),
        ("/abs", vec!["fibonacci.py"], "base_dir"),
    ];
    for (base, files, mentions) in cases {
        let error = create_zip(base, &files, zip, true).unwrap_err();
        assert_kind(&error, ErrorKind::InvalidArgument, mentions);
    }
    assert!(!zip.exists());
}

#[test]
fn missing_input_is_an_error_naming_it_and_leaves_the_old_archive() {
    let tree = worker_tree();
    let zip = tree.path().join("worker.zip");
    fs::write(&zip, b"old archive").unwrap();
    let _cwd = in_dir(tree.path());

    let error = create_zip("", &["fibonacci.py", "missing.py"], &zip, true).unwrap_err();
    assert_kind(&error, ErrorKind::FileNotFound, "missing.py");
    assert_eq!(error.path(), Some(Path::new("missing.py")));

    let missing_dir = tree.path().join("nope");
    let error = zip_directory(&missing_dir, &zip, true).unwrap_err();
    assert_kind(&error, ErrorKind::FileNotFound, "nope");

    assert_eq!(fs::read(&zip).unwrap(), b"old archive");
    assert!(temp_files(tree.path()).is_empty());
}

#[test]
fn no_overwrite_returns_false_and_leaves_the_destination_untouched() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("worker.zip");
    fs::write(&zip, b"keep me").unwrap();
    let before = fs::metadata(&zip).unwrap().modified().unwrap();

    assert!(!zip_directory(tree.path(), &zip, false).unwrap());
    {
        let _cwd = in_dir(tree.path());
        assert!(!create_zip("", &["fibonacci.py"], &zip, false).unwrap());
    }

    assert_eq!(fs::read(&zip).unwrap(), b"keep me");
    assert_eq!(fs::metadata(&zip).unwrap().modified().unwrap(), before);

    assert!(zip_directory(tree.path(), &zip, true).unwrap());
    assert_eq!(verify(&zip).len(), 8);
}

#[test]
fn overwrite_keeps_the_destination_permissions() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("worker.zip");
    let fresh = out.path().join("fresh.zip");
    fs::write(&zip, b"old").unwrap();
    chmod(&zip, 0o640);

    zip_directory(tree.path(), &zip, true).unwrap();
    zip_directory(tree.path(), &fresh, true).unwrap();

    assert_eq!(
        fs::metadata(&zip).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let fresh_mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        fresh_mode & 0o600,
        0o600,
        "a new archive is readable and writable"
    );
    assert!(temp_files(out.path()).is_empty());
}

#[test]
fn destination_inside_the_directory_is_not_zipped() {
    let tree = worker_tree();
    let zip = tree.path().join("package.zip");

    zip_directory(tree.path(), &zip, false).unwrap();
    let first = fs::read(&zip).unwrap();
    zip_directory(tree.path(), &zip, true).unwrap();

    assert!(!names(&verify(&zip)).contains(&"package.zip"));
    assert_eq!(fs::read(&zip).unwrap(), first);

    // Listed explicitly, the destination is an error rather than a silent skip.
    let _cwd = in_dir(tree.path());
    let error = create_zip("", &["fibonacci.py", "package.zip"], &zip, true).unwrap_err();
    assert_kind(
        &error,
        ErrorKind::InvalidArgument,
        "destination archive itself",
    );
}

#[test]
fn bad_destinations_and_directories_are_errors() {
    let tree = worker_tree();

    let missing_folder = tree.path().join("no/such/folder/w.zip");
    let error = zip_directory(tree.path(), &missing_folder, true).unwrap_err();
    assert_kind(&error, ErrorKind::Packaging, "does not exist");
    assert!(error.to_string().contains("no/such/folder"));

    let error = zip_directory(tree.path(), &tree.path().join("lib"), true).unwrap_err();
    assert_kind(&error, ErrorKind::InvalidArgument, "is a directory");

    let error =
        zip_directory(&tree.path().join("fibonacci.py"), Path::new("x.zip"), true).unwrap_err();
    assert_kind(&error, ErrorKind::InvalidArgument, "not a directory");

    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let error = zip_directory(empty.path(), &out.path().join("e.zip"), true).unwrap_err();
    assert_kind(&error, ErrorKind::InvalidArgument, "empty");
    assert!(fs::read_dir(out.path()).unwrap().next().is_none());
}

#[test]
fn symlinks_inside_the_tree_are_stored_as_content() {
    let tree = worker_tree();
    let root = tree.path();
    symlink("fibonacci.py", root.join("main.py")).unwrap();
    symlink("../lib/util", root.join("bin/util")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("w.zip");

    zip_directory(root, &zip, false).unwrap();
    let entries = verify(&zip);

    assert_eq!(entry(&entries, "main.py")["text"], "print('fib')\n");
    assert_eq!(entry(&entries, "main.py")["type"], 0o100000);
    assert_eq!(
        entry(&entries, "bin/util/helpers.py")["text"],
        "def helper():\n    return 42\n"
    );
    assert_eq!(entry(&entries, "bin/util/")["type"], 0o040000);
}

#[test]
fn symlinks_out_of_the_tree_dangling_or_looping_are_errors() {
    let outside = tempfile::tempdir().unwrap();
    put(outside.path(), "shared.py", b"shared\n");
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("w.zip");
    fs::write(&zip, b"old").unwrap();

    let cases: Vec<(PathBuf, &str)> = vec![
        (outside.path().join("shared.py"), "points outside"),
        (PathBuf::from("does-not-exist.py"), "does not exist"),
        (PathBuf::from(".."), "loop"),
    ];
    for (target, mentions) in cases {
        let tree = worker_tree();
        symlink(&target, tree.path().join("lib/link")).unwrap();

        let error = zip_directory(tree.path(), &zip, true).unwrap_err();
        assert_kind(&error, ErrorKind::Packaging, mentions);
        assert!(error.to_string().contains("lib/link"), "{error}");
    }
    assert_eq!(fs::read(&zip).unwrap(), b"old");
    assert!(temp_files(out.path()).is_empty());

    // A symlink named explicitly in files is followed wherever it points.
    let tree = worker_tree();
    symlink(
        outside.path().join("shared.py"),
        tree.path().join("shared.py"),
    )
    .unwrap();
    let _cwd = in_dir(tree.path());
    create_zip("", &["shared.py"], &zip, true).unwrap();
    assert_eq!(entry(&verify(&zip), "shared.py")["text"], "shared\n");
}

#[test]
fn names_that_cannot_be_entry_names_are_errors() {
    use std::os::unix::ffi::OsStrExt;

    let out = tempfile::tempdir().unwrap();
    for bad in [&b"not-utf8-\xff.py"[..], b"back\\slash.py"] {
        let tree = worker_tree();
        let name = std::ffi::OsStr::from_bytes(bad);
        fs::write(tree.path().join("lib").join(name), b"x").unwrap();

        let error = zip_directory(tree.path(), &out.path().join("w.zip"), true).unwrap_err();

        assert_kind(&error, ErrorKind::InvalidArgument, "lib/");
    }
    assert!(fs::read_dir(out.path()).unwrap().next().is_none());
}

#[test]
fn fifos_cannot_be_zipped() {
    let tree = worker_tree();
    let status = Command::new("mkfifo")
        .arg(tree.path().join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = tempfile::tempdir().unwrap();

    let error = zip_directory(tree.path(), &out.path().join("w.zip"), true).unwrap_err();

    assert_kind(&error, ErrorKind::Packaging, "pipe");
    assert!(fs::read_dir(out.path()).unwrap().next().is_none());
}

#[test]
fn compressed_formats_and_incompressible_files_are_stored() {
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..50_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    put(root, "image.PNG", &b"png ".repeat(1000));
    put(root, "noise.bin", &noise);
    put(root, "text.txt", &b"hello hello hello ".repeat(1000));
    put(root, "empty.txt", b"");
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("w.zip");

    zip_directory(root, &zip, false).unwrap();
    let entries = verify(&zip);

    const STORED: u64 = 0;
    const DEFLATED: u64 = 8;
    assert_eq!(entry(&entries, "image.PNG")["method"], STORED);
    assert_eq!(entry(&entries, "noise.bin")["method"], STORED);
    assert_eq!(entry(&entries, "text.txt")["method"], DEFLATED);
    assert_eq!(entry(&entries, "empty.txt")["method"], STORED);
    assert_eq!(entry(&entries, "noise.bin")["size"], 50_000);
    assert!(is_precompressed("lib.tar.gz") && is_precompressed("a.WHL"));
    assert!(!is_precompressed("gz") && !is_precompressed("a.py"));
}

#[test]
fn many_files_and_a_large_streamed_file() {
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    for i in 0..3000 {
        let body = format!("module {i}\n").repeat(i % 50 + 1);
        put(
            root,
            &format!("pkg{:02}/mod{i:04}.py", i % 37),
            body.as_bytes(),
        );
    }
    let large_size = STREAM_THRESHOLD as usize + 4099;
    let large: Vec<u8> = (0..large_size).map(|i| (i % 251) as u8).collect();
    put(root, "data/large.dat", &large);
    let out = tempfile::tempdir().unwrap();
    let first = out.path().join("a.zip");
    let second = out.path().join("b.zip");

    zip_directory(root, &first, false).unwrap();
    zip_directory(root, &second, false).unwrap();
    let entries = verify(&first);

    assert_eq!(entries.len(), 3000 + 37 + 2);
    assert_eq!(entry(&entries, "data/large.dat")["size"], large_size);
    assert_eq!(
        entry(&entries, "pkg05/mod0005.py")["text"],
        "module 5\n".repeat(6)
    );
    assert_eq!(fs::read(&first).unwrap(), fs::read(&second).unwrap());
}

#[test]
fn more_than_65535_entries_use_zip64() {
    // 66,570 entries: build them in memory-backed /dev/shm where there is one, it is faster.
    let shm = Path::new("/dev/shm");
    let tree = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    for folder in 0..70 {
        let dir = tree.path().join(format!("d{folder:02}"));
        fs::create_dir(&dir).unwrap();
        for file in 0..950 {
            fs::write(dir.join(format!("f{file:03}")), b"").unwrap();
        }
    }
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("many.zip");

    zip_directory(tree.path(), &zip, false).unwrap();

    assert_eq!(verify(&zip).len(), 70 * 950 + 70);
}

#[test]
fn with_extra_file_copies_and_adds_without_touching_the_source() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let user_zip = out.path().join("user.zip");
    let upload = out.path().join("upload.zip");
    zip_directory(tree.path(), &user_zip, false).unwrap();
    let original = fs::read(&user_zip).unwrap();

    with_extra_file(&user_zip, "__runner__.php", b"<?php echo 1;\n", &upload).unwrap();
    let entries = verify(&upload);

    assert_eq!(fs::read(&user_zip).unwrap(), original);
    assert_eq!(entries.len(), 9);
    assert_eq!(entry(&entries, "__runner__.php")["text"], "<?php echo 1;\n");
    assert_eq!(entry(&entries, "__runner__.php")["mode"], 0o644);
    assert_eq!(entry(&entries, "bin/run.sh")["mode"], 0o755);
    assert_eq!(
        list_entries(&upload).unwrap().last().unwrap(),
        "__runner__.php"
    );

    // Adding again (a package that already has a runner) replaces the entry, in place too.
    with_extra_file(&upload, "__runner__.php", b"<?php echo 2;\n", &upload).unwrap();
    let entries = verify(&upload);
    assert_eq!(entries.len(), 9);
    assert_eq!(entry(&entries, "__runner__.php")["text"], "<?php echo 2;\n");
    assert!(temp_files(out.path()).is_empty());
}

#[test]
fn with_extra_file_reads_archives_made_by_other_tools() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let python_zip = out.path().join("python.zip");
    let script = "import sys, zipfile\n\
                  with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    \
                      z.writestr('worker.php', '<?php echo getPayload()->max;')\n    \
                      z.writestr('lib/a.txt', 'a' * 10000)\n";
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(&python_zip)
        .status()
        .unwrap();
    assert!(status.success());
    let _ = tree;

    let upload = out.path().join("upload.zip");
    with_extra_file(&python_zip, "__iron_runner__.php", b"<?php\n", &upload).unwrap();
    let entries = verify(&upload);

    assert_eq!(
        names(&entries),
        ["worker.php", "lib/a.txt", "__iron_runner__.php"]
    );
    assert_eq!(entry(&entries, "lib/a.txt")["size"], 10000);
}

#[test]
fn with_extra_file_errors_leave_the_destination_intact() {
    let tree = worker_tree();
    let out = tempfile::tempdir().unwrap();
    let good = out.path().join("good.zip");
    let dest = out.path().join("dest.zip");
    zip_directory(tree.path(), &good, false).unwrap();
    fs::write(&dest, b"previous upload").unwrap();

    let error = with_extra_file(&out.path().join("missing.zip"), "r.php", b"", &dest).unwrap_err();
    assert_kind(&error, ErrorKind::FileNotFound, "missing.zip");

    let not_zip = put(out.path(), "not.zip", b"this is not a zip");
    let error = with_extra_file(&not_zip, "r.php", b"", &dest).unwrap_err();
    assert_kind(&error, ErrorKind::Packaging, "not.zip");

    for bad_name in ["", "/abs.php", "../up.php", "dir/"] {
        let error = with_extra_file(&good, bad_name, b"", &dest).unwrap_err();
        assert_kind(&error, ErrorKind::InvalidArgument, "entry name");
    }

    // A corrupt entry (its local header overwritten) fails half-way through the copy.
    let mut corrupt = fs::read(&good).unwrap();
    let second_header = corrupt
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .nth(3)
        .unwrap()
        .0;
    corrupt[second_header..second_header + 4].copy_from_slice(b"XXXX");
    let corrupt_zip = put(out.path(), "corrupt.zip", &corrupt);
    assert!(with_extra_file(&corrupt_zip, "r.php", b"", &dest).is_err());

    assert_eq!(fs::read(&dest).unwrap(), b"previous upload");
    assert!(temp_files(out.path()).is_empty());
    let error = list_entries(&out.path().join("gone.zip")).unwrap_err();
    assert_kind(&error, ErrorKind::FileNotFound, "gone.zip");
}

#[test]
fn write_atomically_leaves_nothing_on_failure() {
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("file.bin");
    fs::write(&dest, b"old").unwrap();

    let result = write_atomically(&dest, |file| {
        file.write_all(b"half-written").unwrap();
        Err(Error::Packaging("disk full (simulated)".to_string()))
    });

    assert!(result.is_err());
    assert_eq!(fs::read(&dest).unwrap(), b"old");
    assert!(temp_files(out.path()).is_empty());

    write_atomically(&dest, |file| {
        file.write_all(b"new").map_err(|source| Error::Io {
            action: "write",
            path: PathBuf::from("file.bin"),
            source,
        })
    })
    .unwrap();
    assert_eq!(fs::read(&dest).unwrap(), b"new");
}
