"""Tasks against the real local server: queue, details, log, list, cancel, retry, progress,
waitFor; camelCase and snake_case, positional and keyword forms; payload conversion."""

from __future__ import annotations

import json
import math

import pytest

from conftest import sequence_from_log
from iron_worker import NotFoundError, RequestTimeoutError

TERMINAL = {"complete", "error", "cancelled", "killed", "timeout"}


def task_id(answer: dict) -> str:
    return answer["tasks"][0]["id"]


def test_post_task_keywords_then_wait_and_read_the_log(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)

    answer = call("postTask", name=fib_code, payload={"max": 10})
    tid = task_id(answer)
    details = call("waitFor", task_id=tid, sleep=0.1, max_wait_time=60)
    log = call("getLog", task_id=tid)

    assert details["status"] == "complete"
    assert sequence_from_log(log) == [0, 1, 1, 2, 3, 5, 8]
    assert call("getTaskDetails", task_id=tid)["status"] == "complete"
    assert "MAGICALSTDOUTSEPARATOR" in call("getStdout", task_id=tid)


def test_get_log_with_a_destination_streams_it_into_the_file(worker, fib_code, name_style,
                                                              tmp_path):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)
    tid = task_id(call("postTask", fib_code, {"max": 10}))
    call("waitFor", tid, 0.1, 60)
    log = call("getLog", tid)

    folder = tmp_path / "logs"
    folder.mkdir()
    saved = call("getLog", tid, folder / "task.log")
    saved_kw = call("getLog", task_id=tid, destination=str(folder / "kw.log"))

    assert saved == str(folder / "task.log") and saved_kw == str(folder / "kw.log")
    assert (folder / "task.log").read_text() == log == (folder / "kw.log").read_text()
    with pytest.raises(NotFoundError):
        call("getLog", "0123456789abcdef01234567", folder / "missing.log")
    assert sorted(p.name for p in folder.iterdir()) == ["kw.log", "task.log"]


def test_post_task_positional_with_options(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)

    tid = task_id(call("postTask", fib_code, {"max": 100}, priority=1, label="positional"))
    details = call("waitFor", tid, 0.1, 60)

    assert details["status"] == "complete"
    assert sequence_from_log(call("getLog", tid))[-1] == 89
    assert call("getTaskDetails", tid)["id"] == tid


def test_post_task_without_payload_uses_the_worker_default(worker, fib_code):
    tid = task_id(worker.postTask(fib_code))
    worker.waitFor(tid)
    assert sequence_from_log(worker.getLog(tid))[-1] == 89


def test_results_keep_every_field(worker, fib_code):
    answer = worker.postTask(fib_code, {"max": 3})
    assert {"msg", "tasks"} <= set(answer)
    details = worker.waitFor(task_id(answer))
    assert {"id", "code_name", "status", "project_id"} <= set(details)


def test_post_tasks_returns_ids_in_order(worker, fib_code, name_style):
    post_tasks = getattr(worker, name_style("postTasks"))
    answer = post_tasks(fib_code, [{"max": 2}, {"max": 5}], priority=0)
    by_keywords = post_tasks(name=fib_code, payloads=({"max": 1},))
    assert len(by_keywords["tasks"]) == 1
    ids = [t["id"] for t in answer["tasks"]]
    assert len(ids) == 2
    logs = [sequence_from_log((worker.waitFor(i), worker.getLog(i))[1]) for i in ids]
    assert logs == [[0, 1, 1], [0, 1, 1, 2, 3]]


def test_get_tasks_filters(worker, fib_code, name_style):
    get_tasks = getattr(worker, name_style("getTasks"))
    tid = task_id(worker.postTask(fib_code, {"max": 4}, label="listed"))
    worker.waitFor(tid)

    everything = get_tasks()
    mine = get_tasks(code_name=fib_code, per_page=100)
    done = get_tasks(code_name=fib_code, status="complete")
    flagged = get_tasks(code_name=fib_code, complete=True)

    assert isinstance(everything, list)
    assert tid in {t["id"] for t in mine}
    assert tid in {t["id"] for t in done} and tid in {t["id"] for t in flagged}
    assert all(t["status"] == "complete" for t in done)


def test_cancel_a_delayed_task(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)
    tid = task_id(call("postTask", fib_code, {"max": 5}, delay=3600))

    other = task_id(call("postTask", fib_code, {"max": 5}, delay=3600))
    call("cancelTask", tid)
    call("cancelTask", task_id=other)

    assert call("getTaskDetails", tid)["status"] == "cancelled"
    assert call("getTaskDetails", other)["status"] == "cancelled"


def test_retry_task(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)
    tid = task_id(worker.postTask(fib_code, {"max": 6}))
    worker.waitFor(tid)

    new_id = task_id(call("retryTask", tid))
    again = task_id(call("retryTask", task_id=tid, delay=0))

    assert new_id != tid and again not in (tid, new_id)
    assert sequence_from_log((worker.waitFor(new_id), worker.getLog(new_id))[1]) == [0, 1, 1, 2,
                                                                                      3, 5]


def test_set_task_progress(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)
    tid = task_id(worker.postTask(fib_code, {"max": 5}, delay=3600))

    call("setTaskProgress", tid, 50, "half way")
    call("setTaskProgress", task_id=tid, percent=75)
    details = worker.getTaskDetails(tid)
    worker.cancelTask(tid)

    assert details.get("percent") == 75
    assert details.get("msg") == "half way"


def test_wait_for_gives_up_with_a_timeout_error(worker, fib_code):
    tid = task_id(worker.postTask(fib_code, {"max": 5}, delay=3600))
    with pytest.raises(RequestTimeoutError) as info:
        worker.waitFor(tid, sleep=0.1, max_wait_time=1)
    assert isinstance(info.value, TimeoutError)
    worker.cancelTask(tid)


def test_unknown_task_is_not_found(worker, name_style):
    unknown = "0123456789abcdef01234567"
    for name in ["getTaskDetails", "getLog", "cancelTask"]:
        with pytest.raises(NotFoundError) as info:
            getattr(worker, name_style(name))(unknown)
        assert info.value.status == 404 and info.value.msg


def test_unknown_code_name_is_an_error(worker):
    with pytest.raises(NotFoundError):
        worker.postTask("NoSuchWorker-never-uploaded", {"max": 1})


def test_payload_keeps_json_types(scripted):
    def respond(handler):
        return 200, {"msg": "Queued up", "tasks": [{"id": "a" * 24}]}

    server = scripted(respond)
    payload = {"s": "é", "i": -3, "big": 2**63, "f": 1.5, "b": True, "n": None,
               "l": [1, (2, 3)], "d": {"x": []}}
    answer = server.client().postTask("W", payload)

    assert answer == {"msg": "Queued up", "tasks": [{"id": "a" * 24}]}
    method, path, body = server.requests[-1]
    assert method == "POST" and path.endswith("/tasks")
    sent = json.loads(json.loads(body)["tasks"][0]["payload"])
    assert sent == {"s": "é", "i": -3, "big": 2**63, "f": 1.5, "b": True, "n": None,
                    "l": [1, [2, 3]], "d": {"x": []}}


@pytest.mark.parametrize("payload,error,words", [
    ({"when": {1, 2}}, TypeError, "payload['when']: cannot send a set"),
    ({"a": [0, object()]}, TypeError, "payload['a'][1]"),
    ({1: "x"}, TypeError, "dict keys must be str"),
    (b"raw", TypeError, "bytes"),
    ({"x": math.nan}, ValueError, "payload['x']"),
    ({"x": 2**70}, OverflowError, "64 bits"),
])
def test_payloads_json_cannot_say_are_refused(offline, payload, error, words):
    with pytest.raises(error) as info:
        offline.postTask("AnyWorker", payload)
    assert words in str(info.value)


def test_a_payload_that_contains_itself_is_refused(offline):
    payload: dict = {}
    payload["self"] = payload
    with pytest.raises(ValueError, match="contain itself"):
        offline.postTask("AnyWorker", payload)


def test_task_arguments_have_types(offline):
    with pytest.raises(TypeError, match="task_id must be a str, not int"):
        offline.getTaskDetails(12345)
    with pytest.raises(TypeError, match="delay must be an int, not str"):
        offline.retryTask("a" * 24, delay="soon")
    with pytest.raises(TypeError, match="percent must be an int, not float"):
        offline.setTaskProgress("a" * 24, 0.5)
    with pytest.raises(TypeError, match="payloads must be a list of payloads, not dict"):
        offline.postTasks("W", {"max": 1})
    with pytest.raises(TypeError, match=r"payloads\[1\]\['x'\]: cannot send a set"):
        offline.postTasks("W", [{}, {"x": set()}])
    with pytest.raises(TypeError):
        offline.postTask()
