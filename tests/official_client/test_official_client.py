"""The official `iron-worker` client from PyPI (1.3.8, iron_core 1.2), used unchanged against
the local server: queue, wait, logs, filters, cancel, retry, progress, schedules.

Its own zip upload is broken on Python 3 (it sends str(bytes)), so code is uploaded here with
a plain multipart POST, the way the API documents it.
"""

import io
import json
import time
import zipfile
from datetime import datetime, timedelta

import pytest
import requests
from requests.exceptions import HTTPError

from iron_worker import IronWorker, Task


def make_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def api(server):
    base = f"http://{server['host']}:{server['port']}/2/projects/{server['project_id']}"

    def upload(name, file_name, files, **settings):
        data = dict(name=name, file_name=file_name, runtime="sh", **settings)
        resp = requests.post(
            f"{base}/codes",
            headers={"Authorization": f"OAuth {server['token']}"},
            data={"data": json.dumps(data)},
            files={"file": ("worker.zip", make_zip(files), "application/zip")},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    upload("hello", "hello.sh", {"hello.sh": 'echo "hello $(cat $PAYLOAD_FILE)"\n'})
    upload("sleeper", "sleep.sh", {"sleep.sh": "echo sleeping\nsleep 300\n"})
    upload("failer", "fail.sh", {"fail.sh": "echo 'it broke' >&2\nexit 1\n"})
    return upload


@pytest.fixture(scope="module")
def worker(server, api):
    return IronWorker(
        project_id=server["project_id"], token=server["token"], host=server["host"],
        port=server["port"], protocol="http",
    )


def wait_status(worker, task_id, wanted):
    deadline = time.monotonic() + 60
    while True:
        task = worker.task(task_id)
        if task.status == wanted:
            return task
        assert time.monotonic() < deadline, f"task {task_id} stuck in {task.status}"
        time.sleep(0.05)


def test_codes_are_listed_with_their_metadata(worker):
    codes = {c.name: c for c in worker.codes()}
    assert {"hello", "sleeper", "failer"} <= set(codes)
    hello = worker.code(codes["hello"].id)
    assert hello.name == "hello"
    assert hello.revision == 1
    assert hello.latest_change is not None
    assert len(worker.revisions(hello.id)) == 1


def test_queue_wait_and_read_the_log(worker):
    task = worker.queue(code_name="hello", payload={"who": "official client"})
    assert len(task.id) == 24
    done = worker.wait_for_task(task)
    assert done.status == "complete"
    assert done.code_name == "hello"
    assert done.payload == {"who": "official client"}
    log = worker.log(task.id)
    assert 'hello {"who": "official client"}' in log
    assert worker.wait_for_task_log(task) == log


def test_run_a_sync_task_and_read_its_stdout(worker):
    out = worker.run(code_name="hello", payload={"n": 1})
    assert out.strip() == 'hello {"n": 1}'


def test_list_tasks_with_filters(worker):
    ok = worker.queue(code_name="hello", payload={})
    bad = worker.queue(code_name="failer", payload={})
    worker.wait_for_task(ok)
    assert worker.wait_for_task(bad).status == "error"

    completed = worker.tasks(code_name="hello", complete=True)
    assert ok.id in [t.id for t in completed]
    assert all(t.status == "complete" for t in completed)

    errored = worker.tasks(error=True)
    assert [t.id for t in errored] == [bad.id]

    newest = worker.tasks(per_page=1)
    assert [t.id for t in newest] == [bad.id]

    since = int(time.time()) - 3600
    assert ok.id in [t.id for t in worker.tasks(from_time=since)]
    assert worker.tasks(to_time=since) == []


def test_error_task_log_and_retry(worker):
    bad = worker.queue(code_name="failer", payload={"attempt": 1})
    done = worker.wait_for_task(bad)
    assert done.status == "error"
    assert done.message == "it broke"
    assert "it broke" in worker.log(bad.id)

    answer = worker.retry(bad.id, delay=0)
    new_id = answer["tasks"][0]["id"]
    assert new_id != bad.id
    again = worker.wait_for_task(worker.task(new_id))
    assert again.status == "error"
    assert again.payload == {"attempt": 1}


def test_cancel_a_running_task_and_set_progress(worker):
    task = worker.queue(code_name="sleeper", payload={})
    wait_status(worker, task.id, "running")
    worker.setProgress(task.id, 40, "still sleeping")
    progressed = worker.task(task.id)
    assert progressed.percent == 40
    assert progressed.message == "still sleeping"

    assert worker.cancel(task) is True
    assert worker.task(task.id).status == "cancelled"
    assert "sleeping" in worker.log(task.id)


def test_unknown_task_is_a_404(worker):
    with pytest.raises(HTTPError) as err:
        worker.task("000000000000000000000000")
    assert err.value.response.status_code == 404
    assert "Task not found" in err.value.response.json()["msg"]


def test_create_list_read_and_cancel_a_schedule(worker):
    start = datetime.now() + timedelta(hours=1)
    sched = worker.queue(code_name="hello", payload={"s": 1}, start_at=start,
                         run_every=3600, run_times=3)
    assert sched.scheduled
    assert len(sched.id) == 24

    listed = worker.tasks(scheduled=True)
    assert sched.id in [s.id for s in listed]

    got = worker.task(sched.id, scheduled=True)
    assert got.code_name == "hello"
    assert got.run_every == 3600
    assert got.run_times == 3
    assert got.next_start is not None

    assert worker.cancel(sched) is True
    assert worker.task(sched.id, scheduled=True).status == "cancelled"


def test_a_due_schedule_queues_a_task(worker):
    sched = worker.queue(code_name="hello", payload={"from": "schedule"},
                         start_at=datetime.now() - timedelta(seconds=1))
    deadline = time.monotonic() + 60
    while worker.task(sched.id, scheduled=True).run_count != 1:
        assert time.monotonic() < deadline, "the schedule never fired"
        time.sleep(0.05)

    fired = [t for t in worker.tasks(code_name="hello") if t.schedule_id == sched.id]
    assert len(fired) == 1
    done = worker.wait_for_task(fired[0])
    assert done.status == "complete"
    assert "schedule" in worker.log(done.id)
