"""Starts one local server (the real `iron-worker serve` binary) for the official-client test."""

import os
import re
import secrets
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    binary = os.environ.get("IRON_WORKER_BIN", str(ROOT / "target" / "debug" / "iron-worker"))
    data = tmp_path_factory.mktemp("server-data")
    token = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRON_")}
    proc = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data),
         "--token", token],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    line = proc.stdout.readline()
    match = re.match(r"iron-worker: listening on http://([\d.]+):(\d+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"the local server did not start: {line!r}")
    try:
        yield {
            "host": match.group(1),
            "port": int(match.group(2)),
            "token": token,
            "project_id": secrets.token_hex(12),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
