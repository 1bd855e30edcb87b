"""Fixtures: a real local server (target/debug/iron-worker serve) on a free port, clients of
it, a clean environment for configuration, and tiny scripted HTTP servers for error cases."""

from __future__ import annotations

import http.server
import json
import os
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from iron_worker import IronWorker

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "python"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
SERVER_BIN = TARGET / "debug" / "iron-worker"
LISTENING = re.compile(r"^iron-worker: listening on (http://([0-9.]+):(\d+))")


@dataclass
class Server:
    url: str
    host: str
    port: int
    token: str
    project_id: str

    def client(self, **overrides) -> IronWorker:
        options = dict(token=self.token, project_id=self.project_id, host=self.host,
                       port=self.port, protocol="http")
        options.update(overrides)
        return IronWorker(**options)

    def write_config_ini(self, path: Path) -> Path:
        path.write_text(
            "[iron_worker]\n"
            f"token = {self.token}\nproject_id = {self.project_id}\n"
            f"host = {self.host}\nport = {self.port}\nprotocol = http\n"
        )
        return path


def random_project_id() -> str:
    return secrets.token_hex(12)


def server_environment() -> dict:
    """The server's environment: this interpreter's bin directory first on PATH, so workers
    written in Python run with it (and can import iron_worker, see test_worker_side.py)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """The local server, started once per session with a random token."""
    if not SERVER_BIN.exists():
        pytest.fail(f"{SERVER_BIN} is missing: run `cargo build -p iron-worker-cli` first")

    work = tmp_path_factory.mktemp("server")
    token = secrets.token_hex(16)
    stderr = open(work / "server.log", "w")
    process = subprocess.Popen(
        [str(SERVER_BIN), "serve", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(work / "data"), "--token", token],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=server_environment(),
    )

    match = None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    while match is None and time.monotonic() < deadline and process.poll() is None:
        if selector.select(timeout=0.5):
            match = LISTENING.match(process.stdout.readline())
    selector.close()
    if match is None:
        process.kill()
        log = (work / "server.log").read_text()[-3000:]
        pytest.fail(f"the local server did not start (exit {process.poll()}); log:\n{log}")

    # Keep draining stdout so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()

    yield Server(url=match.group(1), host=match.group(2), port=int(match.group(3)),
                 token=token, project_id=random_project_id())

    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    stderr.close()


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch) -> Path:
    """Each test runs in its own directory, with no iron config in the environment or home."""
    for name in list(os.environ):
        if name.startswith(("IRON_", "PAYLOAD_FILE", "CONFIG_FILE", "TASK_ID", "TASK_DIR")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def worker(server) -> IronWorker:
    return server.client()


@pytest.fixture
def offline() -> IronWorker:
    """A client of a port nothing listens on, for errors raised before any request."""
    return IronWorker(token="offline-token", project_id=random_project_id(), host="127.0.0.1",
                      port=9, protocol="http", max_retries=0)


@pytest.fixture(params=["camel", "snake"])
def name_style(request) -> Callable[[str], str]:
    """Runs a test once with the camelCase names and once with the snake_case aliases."""
    if request.param == "camel":
        return lambda name: name
    return lambda name: re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def fib_zip(directory: Path, name: str = "fib.zip") -> Path:
    """A zip of the tutorial's fibonacci.py, built with createZip."""
    shutil.copy(EXAMPLES / "fibonacci.py", directory / "fibonacci.py")
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        assert IronWorker.createZip("", ["fibonacci.py"], name, True)
    finally:
        os.chdir(cwd)
    return directory / name


@pytest.fixture(scope="session")
def fib_code(server, tmp_path_factory) -> str:
    """The name of a code package running the tutorial's Fibonacci worker."""
    directory = tmp_path_factory.mktemp("fib")
    name = "FibWorker-" + secrets.token_hex(4)
    server.client().postCode("fibonacci.py", str(fib_zip(directory)), name)
    return name


def sequence_from_log(log: str) -> list:
    parts = log.split("MAGICALSTDOUTSEPARATOR")
    assert len(parts) >= 3, log
    return json.loads(parts[1])


class ScriptedServer:
    """A loopback HTTP server whose answers a test scripts with a function of the request."""

    def __init__(self, respond: Callable[[http.server.BaseHTTPRequestHandler], tuple]):
        outer = self
        self.requests: list[tuple[str, str, bytes]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                outer.requests.append((self.command, self.path, self.body))
                status, body = respond(self)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def client(self, **overrides) -> IronWorker:
        options = dict(token="scripted-token", project_id=random_project_id(),
                       host="127.0.0.1", port=self.port, protocol="http")
        options.update(overrides)
        return IronWorker(**options)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted():
    """Factory of ScriptedServer; each is shut down after the test."""
    servers = []

    def make(respond):
        servers.append(ScriptedServer(respond))
        return servers[-1]

    yield make
    for s in servers:
        s.close()
