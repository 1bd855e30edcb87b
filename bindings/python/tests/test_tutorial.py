"""The tutorial scripts of examples/python, run unchanged as subprocesses against the local
server: upload, run --max, checkTask until complete, getLog parsed to the sequence."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import EXAMPLES


def run(directory: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, *args], cwd=directory, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, f"{args}: {out.stdout}\n{out.stderr}"
    return out.stdout


def test_the_tutorial_end_to_end(server, tmp_path):
    directory = tmp_path / "tutorial"
    shutil.copytree(EXAMPLES, directory)
    server.write_config_ini(directory / "config.ini")

    uploaded = run(directory, "upload.py")
    queued = run(directory, "run.py", "--max=10")
    task = re.findall(r"[0-9a-f]{24}", queued)[-1]
    status = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = run(directory, "checkTask.py", f"--task={task}").strip()
        if status not in ("queued", "preparing", "running"):
            break
        time.sleep(0.3)
    log = run(directory, "getLog.py", "--task", task)

    assert uploaded.strip()
    assert status == "complete"
    assert log.strip() == "[0, 1, 1, 2, 3, 5, 8]"


def test_run_defaults_to_max_100(server, tmp_path):
    directory = tmp_path / "tutorial"
    shutil.copytree(EXAMPLES, directory)
    server.write_config_ini(directory / "config.ini")
    run(directory, "upload.py")

    task = run(directory, "run.py").strip()
    for _ in range(600):
        if run(directory, "checkTask.py", "--task", task).strip() == "complete":
            break
        time.sleep(0.1)

    assert run(directory, "getLog.py", f"--task={task}").strip().endswith("55, 89]")


def test_the_worker_runs_locally_like_the_tutorial_says(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "PAYLOAD_FILE"}
    for flags in (["-payload", "payload.json"], ["-payload=payload.json"]):
        out = subprocess.run([sys.executable, "fibonacci.py", *flags], cwd=EXAMPLES, env=environment,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("MAGICALSTDOUTSEPARATOR[0,1,1,2,3,5,8,13,")
        assert out.stdout.strip().endswith(",610,987]MAGICALSTDOUTSEPARATOR")

    out = subprocess.run([sys.executable, "fibonacci.py"], cwd=EXAMPLES, env=environment,
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith(",55,89]MAGICALSTDOUTSEPARATOR")


def test_get_log_explains_a_missing_log(server, tmp_path):
    directory = tmp_path / "tutorial"
    shutil.copytree(EXAMPLES, directory)
    server.write_config_ini(directory / "config.ini")
    out = subprocess.run([sys.executable, "getLog.py", "--task", "0123456789abcdef01234567"],
                         cwd=directory, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "No log yet" in out.stderr
