"""The GIL is released during calls (threads overlap), and the module works after os.fork()."""

from __future__ import annotations

import os
import threading

import pytest

from iron_worker import IronWorker

THREADS = 4


def test_threads_overlap_during_requests(scripted):
    """The scripted server holds each request until all THREADS are in flight at once, which
    can only happen if no thread keeps the GIL while it waits for its answer. A generous
    deadline keeps a regression from hanging: the answers then say how many overlapped."""
    lock = threading.Lock()
    in_flight = [0]
    peak = [0]
    all_in = threading.Event()

    def respond(handler):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            if in_flight[0] == THREADS:
                all_in.set()
        all_in.wait(timeout=30)
        with lock:
            in_flight[0] -= 1
        return 200, {"id": "p", "peak": peak[0]}

    worker = scripted(respond).client()
    results = []
    errors = []

    def call():
        try:
            results.append(worker.getProjectDetails())
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, errors
    assert peak[0] == THREADS
    assert all(r["peak"] == THREADS for r in results)


def test_threads_share_one_client_against_the_real_server(worker, fib_code):
    ids = []
    lock = threading.Lock()

    def queue(n):
        answer = worker.post_task(fib_code, {"max": n})
        with lock:
            ids.append(answer["tasks"][0]["id"])

    threads = [threading.Thread(target=queue, args=(n,)) for n in range(2, 10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(set(ids)) == 8
    assert all(worker.waitFor(i)["status"] == "complete" for i in ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Python 3.12+ warns on any fork of a process with threads; ours are the fixtures' (the
# server's stdout reader), which the child never touches.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_calls_work_in_a_forked_child(worker, fib_code):
    """Like a preforking server: a call in the parent, then fork, then calls in the child."""
    assert worker.getProjectDetails()["id"]
    read_end, write_end = os.pipe()

    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            os.close(read_end)
            task = worker.postTask(fib_code, {"max": 5})["tasks"][0]["id"]
            status = worker.waitFor(task)["status"]
            os.write(write_end, f"{task} {status}".encode())
            code = 0
        except BaseException as e:  # noqa: BLE001 - any failure must reach the parent
            os.write(write_end, f"error {e!r}".encode())
        finally:
            os._exit(code)

    os.close(write_end)
    report = b""
    while chunk := os.read(read_end, 4096):
        report += chunk
    os.close(read_end)
    _, status = os.waitpid(pid, 0)

    assert os.WEXITSTATUS(status) == 0, report.decode()
    task, task_status = report.decode().split()
    assert task_status == "complete"
    # The parent keeps working too, and sees the child's task.
    assert worker.getTaskDetails(task)["status"] == "complete"


def test_python_threads_run_while_an_archive_is_built(clean_environment):
    """While createZip compresses a few MB in one thread, another thread keeps counting. With
    the GIL held during the build the count could not move at all; the test checks that it
    moves, without any clock."""
    (clean_environment / "big.bin").write_bytes(os.urandom(16 * 1024 * 1024))
    counting = threading.Event()
    stop = threading.Event()
    count = [0]

    def counter():
        counting.set()
        while not stop.is_set():
            count[0] += 1

    thread = threading.Thread(target=counter)
    thread.start()
    counting.wait()
    before = count[0]
    IronWorker.createZip("", ["big.bin"], "big.zip", True)
    during = count[0] - before
    stop.set()
    thread.join()

    assert during > 100, f"the counting thread advanced {during} times during createZip"
