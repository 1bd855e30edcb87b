"""Schedules and the project against the real local server."""

from __future__ import annotations

import datetime
import secrets
import time

import pytest

from conftest import fib_zip, sequence_from_log
from iron_worker import InvalidArgumentError, NotFoundError


def schedule_id(answer: dict) -> str:
    return answer["schedules"][0]["id"]


def later(seconds: int) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def test_post_schedule_forms(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)

    by_keywords = schedule_id(call("postSchedule", name=fib_code, payload={"max": 5},
                                   start_at=later(3600), run_every=3600, run_times=2))
    by_position = schedule_id(call("postSchedule", fib_code, {"max": 5},
                                   start_at=int(time.time()) + 3600, priority=1))
    rfc3339 = later(7200).strftime("%Y-%m-%dT%H:%M:%SZ")
    by_text = schedule_id(call("postSchedule", fib_code, start_at=rfc3339, label="text"))

    schedule = call("getSchedule", by_keywords)
    listed = {s["id"] for s in call("getSchedules")} | {
        s["id"] for s in call("getSchedules", page=0, per_page=100)}

    assert schedule["id"] == by_keywords and schedule["code_name"] == fib_code
    assert schedule.get("run_every") == 3600 and schedule.get("run_times") == 2
    assert {by_keywords, by_position, by_text} <= listed
    call("cancelSchedule", by_keywords)
    call("cancelSchedule", schedule_id=by_position)
    call("cancelSchedule", by_text)
    assert call("getSchedule", schedule_id=by_keywords)["status"] == "cancelled"


def test_simple_and_advanced_forms(worker, fib_code, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)

    simple = schedule_id(call("postScheduleSimple", fib_code, {"max": 3}, 3600))
    simple_kw = schedule_id(call("postScheduleSimple", name=fib_code, delay=3600))
    advanced = schedule_id(call("postScheduleAdvanced", fib_code, {"max": 3}, later(3600),
                                120, later(86400), 5, 0))
    advanced_kw = schedule_id(call("postScheduleAdvanced", name=fib_code, payload=None,
                                   start_at=int(time.time()) + 3600, run_every=60))

    for sid in (simple, simple_kw, advanced, advanced_kw):
        assert call("getSchedule", sid)["id"] == sid
        call("cancelSchedule", sid)


def test_a_schedule_runs_a_task(worker, clean_environment):
    name = "Scheduled-" + secrets.token_hex(4)
    worker.postCode("fibonacci.py", fib_zip(clean_environment), name)

    worker.postSchedule(name, {"max": 4}, start_at=later(0), run_times=1)
    deadline = time.monotonic() + 60
    tasks = []
    while not tasks and time.monotonic() < deadline:
        tasks = worker.getTasks(code_name=name)
        time.sleep(0.2)

    assert tasks, "the schedule queued no task within 60 s"
    assert worker.waitFor(tasks[0]["id"])["status"] == "complete"
    assert sequence_from_log(worker.getLog(tasks[0]["id"])) == [0, 1, 1, 2, 3]


def test_unknown_schedule_is_not_found(worker):
    with pytest.raises(NotFoundError):
        worker.getSchedule("0123456789abcdef01234567")


def test_schedule_argument_errors(offline):
    with pytest.raises(InvalidArgumentError, match="colour"):
        offline.postSchedule("W", start_at=later(60), colour="red")
    with pytest.raises(TypeError, match="start_at"):
        offline.postSchedule("W", start_at={1, 2})
    with pytest.raises(TypeError, match="payload"):
        offline.postScheduleSimple("W", {"when": later(60)})


def test_project_details(worker, server, name_style):
    details = getattr(worker, name_style("getProjectDetails"))()
    assert details["id"] == server.project_id
