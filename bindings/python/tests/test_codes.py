"""Code packages against the real local server: postCode, upload, list, details, revisions,
download, pause/resume/cancel-all, delete; camelCase and snake_case."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLES, fib_zip, sequence_from_log
from iron_worker import InvalidArgumentError, MissingFileError, NotFoundError


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def test_post_code_keywords_like_the_tutorial(worker, clean_environment, name_style):
    fib_zip(clean_environment, "fileNameForZip.zip")
    post_code = getattr(worker, name_style("postCode"))
    name = unique("FibWorker")

    answer = post_code(runFilename="fibonacci.py", zipFilename="fileNameForZip.zip", name=name)

    assert answer["status_code"] == 200 and answer["msg"] and answer["id"]


def test_post_code_positional_with_options(worker, clean_environment, name_style):
    zip_path = fib_zip(clean_environment)
    post_code = getattr(worker, name_style("postCode"))
    name = unique("Options")

    answer = post_code("fibonacci.py", zip_path, name, runtime="python", max_concurrency=2,
                       retries=1, retries_delay=5, env_vars={"GREETING": "hi"},
                       config={"db": "x"})
    details = worker.getCodeDetails(answer["id"])

    assert details["name"] == name
    assert details.get("max_concurrency") == 2


def test_post_code_missing_zip(offline):
    with pytest.raises(MissingFileError, match="absent.zip"):
        offline.postCode("fibonacci.py", "absent.zip", "Nope")


def test_post_code_bad_option_is_named(offline, clean_environment):
    zip_path = fib_zip(clean_environment)
    with pytest.raises(InvalidArgumentError, match="colour"):
        offline.postCode("fibonacci.py", zip_path, "X", colour="red")


def test_upload_a_directory(worker, clean_environment, name_style):
    (clean_environment / "app").mkdir()
    (clean_environment / "app" / "fibonacci.py").write_bytes(
        (EXAMPLES / "fibonacci.py").read_bytes())
    upload = getattr(worker, name_style("upload"))
    name = unique("Uploaded")

    upload("app", "fibonacci.py", name)
    upload(directory=Path("app"), runFilename="fibonacci.py", name=name, retries=0)
    tid = worker.postTask(name, {"max": 7})["tasks"][0]["id"]
    worker.waitFor(tid)

    assert sequence_from_log(worker.getLog(tid)) == [0, 1, 1, 2, 3, 5]


def test_list_details_revisions_download_and_delete(worker, clean_environment, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)
    zip_path = fib_zip(clean_environment)
    name = unique("Listed")
    code_id = worker.postCode("fibonacci.py", zip_path, name)["id"]
    worker.postCode("fibonacci.py", zip_path, name)

    codes = call("getCodes")
    paged = call("getCodes", page=0, per_page=100)
    details = call("getCodeDetails", code_id)
    details_kw = call("getCodeDetails", code_id=code_id)
    revisions = call("getCodeRevisions", code_id)
    revisions_kw = call("getCodeRevisions", code_id=code_id, page=0, per_page=10)
    data = call("downloadCode", code_id)
    first = call("downloadCode", code_id, revisions[-1]["rev"] if "rev" in revisions[-1] else 1)
    saved = call("downloadCode", code_id, destination=clean_environment / "saved.zip")

    assert name in {c["name"] for c in codes} | {c["name"] for c in paged}
    assert details["id"] == code_id and details["name"] == name and details_kw == details
    assert len(revisions) == 2 and revisions == revisions_kw
    assert isinstance(data, bytes) and isinstance(first, bytes)
    assert "fibonacci.py" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert saved == str(clean_environment / "saved.zip")
    assert Path(saved).read_bytes() == data

    call("deleteCode", code_id=code_id)
    with pytest.raises(NotFoundError):
        call("getCodeDetails", code_id)


def test_pause_resume_and_cancel_all(worker, clean_environment, name_style):
    call = lambda method, /, *a, **k: getattr(worker, name_style(method))(*a, **k)
    name = unique("Paused")
    code_id = worker.postCode("fibonacci.py", fib_zip(clean_environment), name)["id"]

    call("pauseTaskQueue", code_id)
    tid = worker.postTask(name, {"max": 3})["tasks"][0]["id"]
    assert worker.getTaskDetails(tid)["status"] == "queued"
    call("cancelAllTasks", code_id=code_id)
    call("resumeTaskQueue", code_id=code_id)

    assert worker.getTaskDetails(tid)["status"] == "cancelled"


def test_unknown_code_is_not_found(worker):
    with pytest.raises(NotFoundError) as info:
        worker.getCodeDetails("0123456789abcdef01234567")
    assert info.value.status == 404


def test_download_revision_must_be_a_positive_int(offline):
    with pytest.raises(ValueError, match="revision is out of range: -1"):
        offline.downloadCode("a" * 24, revision=-1)
    with pytest.raises(TypeError, match="revision must be an int, not str"):
        offline.downloadCode("a" * 24, revision="latest")
