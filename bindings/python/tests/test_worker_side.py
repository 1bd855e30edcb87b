"""getArgs, getPayload and getConfig: the runtime contract (environment variables first, then
the -payload/-config/-id/-d/-e flags), in a subprocess and inside a real task."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from iron_worker import IronWorker

SCRIPT = textwrap.dedent("""
    import json
    from iron_worker import IronWorker
    print(json.dumps({
        "args": IronWorker.getArgs(),
        "payload": IronWorker.getPayload(),
        "config": IronWorker.getConfig(),
        "snake": [IronWorker.get_args(), IronWorker.get_payload(), IronWorker.get_config()],
    }))
""")


def run_worker(directory: Path, *flags: str, **env: str) -> dict:
    script = directory / "show.py"
    script.write_text(SCRIPT)
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("PAYLOAD_FILE", "CONFIG_FILE", "TASK_ID", "TASK_DIR")}
    environment.update(env)
    out = subprocess.run([sys.executable, str(script), *flags], env=environment, cwd=directory,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["snake"] == [result["args"], result["payload"], result["config"]]
    return result


def test_payload_from_the_flag(clean_environment):
    Path("payload.json").write_text('{"max": 1000}')

    result = run_worker(clean_environment, "-payload", "payload.json", "-id", "t1", "-d",
                        str(clean_environment), "-e", "development")

    assert result["payload"] == {"max": 1000}
    assert result["args"]["task_id"] == "t1"
    assert result["args"]["environment"] == "development"
    assert result["args"]["payload"] == {"max": 1000}
    assert result["config"] is None


def test_double_dash_flags(clean_environment):
    Path("p.json").write_text('[1, 2]')
    Path("c.json").write_text('{"db": "x"}')
    result = run_worker(clean_environment, "--payload", "p.json", "--config", "c.json")
    assert result["payload"] == [1, 2]
    assert result["config"] == {"db": "x"}


def test_environment_wins_over_flags(clean_environment):
    Path("env.json").write_text('{"from": "env"}')
    Path("flag.json").write_text('{"from": "flag"}')
    result = run_worker(clean_environment, "-payload", "flag.json",
                        PAYLOAD_FILE=str(clean_environment / "env.json"), TASK_ID="t2")
    assert result["payload"] == {"from": "env"}
    assert result["args"]["task_id"] == "t2"


def test_no_payload_is_none(clean_environment):
    result = run_worker(clean_environment)
    assert result["payload"] is None and result["config"] is None


def test_in_process_reads_sys_argv(clean_environment, monkeypatch):
    Path("payload.json").write_text('{"n": 1}')
    monkeypatch.setattr(sys, "argv", ["worker.py", "-payload", "payload.json"])
    assert IronWorker.getPayload() == {"n": 1}
    monkeypatch.setenv("PAYLOAD_FILE", "missing-payload.json")
    with pytest.raises(Exception) as info:
        IronWorker.getPayload()
    assert "missing-payload.json" in str(info.value)


def test_inside_a_real_task(worker, clean_environment):
    """A worker that uses iron_worker itself, run by the local server."""
    (clean_environment / "app").mkdir()
    (clean_environment / "app" / "show.py").write_text(SCRIPT)
    name = "ShowArgs-" + secrets.token_hex(4)
    worker.upload("app", "show.py", name, config={"db": "prod"})

    tid = worker.postTask(name, {"max": 3})["tasks"][0]["id"]
    details = worker.waitFor(tid)
    log = worker.getLog(tid)

    assert details["status"] == "complete", log
    result = json.loads(log.strip().splitlines()[-1])
    assert result["payload"] == {"max": 3}
    assert result["config"] == {"db": "prod"}
    assert result["args"]["task_id"] == tid
