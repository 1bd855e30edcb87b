//! Worker processes: the runtimes, and killing a task's whole process group.

use std::path::Path;

use rustix::process::{kill_process_group, Pid, Signal};

/// Sends SIGKILL to the process group led by `pid` (workers are started as group leaders).
/// A group that is already gone is not an error. Never signals pid 0 or 1.
pub(crate) fn kill_group(pid: u32) {
    let Ok(raw) = i32::try_from(pid) else {
        return;
    };
    if raw <= 1 {
        return;
    }
    if let Some(pid) = Pid::from_raw(raw) {
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

/// Kills the process group of a task left running by a server that died (kill -9), if that
/// process still exists and really is that task's (its environment has `TASK_ID=<id>`), so
/// a reused pid is never hit.
pub(crate) fn kill_leftover(pid: i64, task_id: &str) {
    let Ok(pid) = u32::try_from(pid) else {
        return;
    };
    let environ = Path::new("/proc").join(pid.to_string()).join("environ");
    let Ok(bytes) = std::fs::read(environ) else {
        return;
    };
    let wanted = format!("TASK_ID={task_id}");
    if bytes.split(|b| *b == 0).any(|var| var == wanted.as_bytes()) {
        kill_group(pid);
    }
}

/// How to start a worker file of a runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Launch {
    /// The program (an interpreter on PATH, or the file itself for binaries).
    pub program: String,
    /// Arguments before the runtime flags.
    pub args: Vec<String>,
}

/// The runtime to use: the code's `runtime` if known, else its `stack`'s language, else the
/// file's extension (`iron_worker::runtime::runtime_for_file`).
pub(crate) fn resolve_runtime(
    runtime: Option<&str>,
    stack: Option<&str>,
    file_name: &str,
) -> &'static str {
    let known = |name: &str| -> Option<&'static str> {
        let name = name.trim().to_ascii_lowercase();
        let lang = name.split(['-', ' ']).next().unwrap_or("");
        match lang {
            "python" | "python3" | "python2" => Some("python"),
            "php" => Some("php"),
            "ruby" => Some("ruby"),
            "node" | "nodejs" | "javascript" | "js" => Some("node"),
            "sh" | "bash" | "shell" => Some("sh"),
            "binary" => Some("binary"),
            _ => None,
        }
    };

    runtime
        .and_then(known)
        .or_else(|| stack.and_then(known))
        .unwrap_or_else(|| iron_worker::runtime::runtime_for_file(file_name))
}

/// The command for a run file under a runtime. `file` is relative to the task directory.
pub(crate) fn launch(runtime: &str, file: &str, task_dir: &Path) -> Launch {
    let interp = |program: &str, pre: &[&str]| Launch {
        program: program.to_string(),
        args: pre
            .iter()
            .map(|s| s.to_string())
            .chain(std::iter::once(file.to_string()))
            .collect(),
    };

    match runtime {
        "python" => interp("python3", &["-u"]),
        "php" => interp("php", &[]),
        "ruby" => interp("ruby", &[]),
        "node" => interp("node", &[]),
        "sh" => interp("sh", &[]),
        _ => Launch {
            program: task_dir.join(file).to_string_lossy().into_owned(),
            args: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes() {
        assert_eq!(resolve_runtime(Some("python"), None, "x.sh"), "python");
        assert_eq!(resolve_runtime(None, Some("ruby-2.1"), "x"), "ruby");
        assert_eq!(resolve_runtime(Some("no_type_found"), None, "x.php"), "php");
        assert_eq!(resolve_runtime(None, None, "run"), "binary");
        assert_eq!(resolve_runtime(Some("javascript"), None, "x"), "node");
    }

    #[test]
    fn python_is_unbuffered() {
        let l = launch("python", "w.py", Path::new("/t"));
        assert_eq!(l.program, "python3");
        assert_eq!(l.args, vec!["-u", "w.py"]);
        let b = launch("binary", "bin/run", Path::new("/t"));
        assert_eq!(b.program, "/t/bin/run");
    }
}
