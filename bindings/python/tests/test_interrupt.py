"""Ctrl-C stops waitFor: Python's signal handlers run while the core waits without the GIL.

Each test runs waitFor in a child process (signals reach the main thread of a process we can
signal without disturbing pytest) on a task of a worker that sleeps, then signals the child.
Without interruption support the child would only notice the signal once the task ended; the
tests check that it came back while the task was still going, and how it came back. Nothing
measures time."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iron_worker import IronWorker

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs POSIX signals")

SLEEPER = """\
import json, os, time
payload = json.load(open(os.environ["PAYLOAD_FILE"]))
print("started", flush=True)
time.sleep(payload.get("seconds", 30))
print("finished", flush=True)
"""

CHILD = """\
import json, signal, sys
from iron_worker import IronWorker

options, task_id, mode = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
worker = IronWorker(**options)

class Stop(Exception):
    pass

def stop(signum, frame):
    raise Stop("stopped by SIGUSR1")

def note(signum, frame):
    print("handled", flush=True)

if mode == "custom":
    signal.signal(signal.SIGUSR1, stop)
elif mode == "harmless":
    signal.signal(signal.SIGUSR1, note)
elif mode == "caught":
    try:
        print("waiting", flush=True)
        worker.waitFor(task_id)
    except KeyboardInterrupt:
        print("caught", worker.getTaskDetails(task_id)["status"], flush=True)
    sys.exit(0)

print("waiting", flush=True)
details = worker.waitFor(task_id)
print("returned", details["status"], flush=True)
"""

PENDING = {"queued", "preparing", "running"}


@pytest.fixture(scope="session")
def sleeper_code(server, tmp_path_factory) -> str:
    """The name of a code package whose tasks sleep ``payload["seconds"]`` (default 30)."""
    directory = tmp_path_factory.mktemp("sleeper")
    (directory / "sleeper.py").write_text(SLEEPER)
    name = "Sleeper-" + secrets.token_hex(4)
    zip_path = tmp_path_factory.mktemp("sleeper-zip") / "sleeper.zip"
    assert IronWorker.zipDirectory(str(directory), str(zip_path), True)
    server.client().postCode("sleeper.py", str(zip_path), name)
    return name


@pytest.fixture
def sleeping_task(worker, sleeper_code):
    """A task that sleeps 30 s; cancelled after the test."""
    task = worker.postTask(sleeper_code, {"seconds": 30})["tasks"][0]["id"]
    yield task
    worker.cancelTask(task)


def start_child(server, task: str, mode: str) -> subprocess.Popen:
    """Runs CHILD and returns once it says it is about to wait (plus a moment to get there).

    The script is a file, so that tracebacks quote its lines."""
    options = dict(token=server.token, project_id=server.project_id, host=server.host,
                   port=server.port, protocol="http")
    script = Path("child.py")
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), json.dumps(options), task, mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert child.stdout.readline() == "waiting\n", child.communicate()
    # Not a measurement: only makes it likely that the signal finds the child inside waitFor
    # rather than on its way there (where Python alone would handle it).
    time.sleep(0.5)
    return child


def finish(child: subprocess.Popen) -> tuple[str, str]:
    """The child's stdout and stderr once it has ended (killed if it never does)."""
    try:
        return child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        pytest.fail(f"the child never ended:\n{out}\n{err}")


def test_ctrl_c_stops_wait_for_with_keyboard_interrupt(server, worker, sleeping_task):
    child = start_child(server, sleeping_task, "default")
    child.send_signal(signal.SIGINT)
    out, err = finish(child)

    assert child.returncode != 0
    assert "KeyboardInterrupt" in err, err
    assert "worker.waitFor(task_id)" in err, err
    assert "returned" not in out
    assert worker.getTaskDetails(sleeping_task)["status"] in PENDING, "the task ended first"


def test_keyboard_interrupt_can_be_caught_and_the_client_still_works(
    server, worker, sleeping_task
):
    child = start_child(server, sleeping_task, "caught")
    child.send_signal(signal.SIGINT)
    out, err = finish(child)

    assert child.returncode == 0, err
    status = out.split()[-1]
    assert out.startswith("caught ") and status in PENDING, out


def test_the_exception_a_signal_handler_raises_is_what_wait_for_raises(
    server, worker, sleeping_task
):
    child = start_child(server, sleeping_task, "custom")
    child.send_signal(signal.SIGUSR1)
    out, err = finish(child)

    assert child.returncode != 0
    assert "Stop: stopped by SIGUSR1" in err, err
    assert "KeyboardInterrupt" not in err
    assert worker.getTaskDetails(sleeping_task)["status"] in PENDING


def test_a_handler_that_returns_lets_the_wait_go_on(server, worker, sleeper_code):
    task = worker.postTask(sleeper_code, {"seconds": 3})["tasks"][0]["id"]
    child = start_child(server, task, "harmless")
    child.send_signal(signal.SIGUSR1)
    out, err = finish(child)

    assert child.returncode == 0, err
    assert out.splitlines() == ["handled", "returned complete"], (out, err)
