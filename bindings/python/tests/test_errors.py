"""HTTP and network errors, produced by tiny scripted servers: each status maps to its class
and carries the status and the server's message."""

from __future__ import annotations

import socket
import threading

import pytest

from iron_worker import (HTTPError, IronWorkerError, NetworkError, NotFoundError,
                         RequestTimeoutError, ServiceUnavailableError, UnauthorizedError)


@pytest.mark.parametrize("status,cls", [
    (401, UnauthorizedError),
    (404, NotFoundError),
    (503, ServiceUnavailableError),
    (500, HTTPError),
    (400, HTTPError),
])
def test_status_maps_to_its_class(scripted, status, cls):
    server = scripted(lambda handler: (status, {"msg": f"scripted {status}"}))
    worker = server.client(max_retries=0)

    with pytest.raises(cls) as info:
        worker.getTaskDetails("a" * 24)

    err = info.value
    assert type(err) is cls
    assert err.status == status and err.msg == f"scripted {status}"
    assert str(status) in str(err) and "scripted-token" not in str(err)


def test_service_unavailable_is_retried_then_raised(scripted):
    server = scripted(lambda handler: (503, {"msg": "busy"}))
    worker = server.client(max_retries=2)

    with pytest.raises(ServiceUnavailableError):
        worker.getProjectDetails()

    assert len(server.requests) == 3


def test_service_unavailable_then_success(scripted):
    answers = iter([(503, {"msg": "busy"}), (200, {"id": "p", "name": "ok"})])
    server = scripted(lambda handler: next(answers))
    assert server.client(max_retries=1).getProjectDetails()["name"] == "ok"


def test_unreachable_server_is_a_network_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from iron_worker import IronWorker
    worker = IronWorker(token="t", project_id="a" * 24, host="127.0.0.1", port=port,
                        protocol="http", max_retries=0)

    with pytest.raises(NetworkError) as info:
        worker.getProjectDetails()
    assert isinstance(info.value, IronWorkerError)


def test_a_server_that_never_answers_is_a_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    from iron_worker import IronWorker
    worker = IronWorker(token="t", project_id="a" * 24, host="127.0.0.1",
                        port=listener.getsockname()[1], protocol="http", timeout=1,
                        max_retries=0)
    try:
        with pytest.raises(RequestTimeoutError) as info:
            worker.getProjectDetails()
        assert isinstance(info.value, TimeoutError)
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_an_answer_that_is_not_json_is_an_iron_worker_error(scripted):
    server = scripted(lambda handler: (200, b"<html>not an API</html>"))
    with pytest.raises(IronWorkerError) as info:
        server.client().getProjectDetails()
    assert type(info.value) is IronWorkerError
    assert str(info.value)
