#!/usr/bin/env python3
"""Runs every conformance scenario in Python, Ruby and PHP against one local server.

Usage: run.py [--langs python,ruby,php] [scenario-name-substring ...]
Prints one line per scenario and language, then "N passed, N failed".
"""

import argparse
import hashlib
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def runner_command(lang):
    runners = HERE / "runners"
    if lang == "python":
        return [str(ROOT / "build/venv/bin/python"), str(runners / "runner.py")], {}
    if lang == "ruby":
        return ["ruby", str(runners / "runner.rb")], {"GEM_HOME": str(ROOT / "build/gems")}
    if lang == "php":
        return ["php", str(runners / "runner.php")], {
            "PHP_INI_SCAN_DIR": ":" + str(ROOT / "build/php")
        }
    raise SystemExit(f"unknown language: {lang}")


class Always503(http.server.BaseHTTPRequestHandler):
    """Answers every request with 503 and a JSON msg, as an overloaded service would."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"msg":"Service Unavailable (conformance fake)"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp, token):
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(
        [str(TARGET / "debug/iron-worker"), "serve", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(tmp / "data"), "--token", token],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on http://([^:]+):(\d+)", line)
        if m:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, m.group(1), int(m.group(2))
    proc.kill()
    raise SystemExit("the local server did not start; see " + str(tmp / "server.log"))


def substitute(value, table):
    if isinstance(value, str):
        for key, val in table.items():
            value = value.replace("${" + key + "}", str(val))
        return value
    if isinstance(value, list):
        return [substitute(v, table) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, table) for k, v in value.items()}
    return value


def dig(value, path):
    for part in path.split(".") if path else []:
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[part]
        else:
            raise KeyError(path)
    return value


def check(step, outcome, workdir):
    """Returns None when the outcome meets the step's expectation, else a reason."""
    expect = step.get("expect", {})
    if "error" in expect:
        if "error" not in outcome:
            return f"expected {expect['error']}, got result {json.dumps(outcome.get('ok'))[:200]}"
        if outcome["error"] != expect["error"]:
            return f"expected {expect['error']}, got {outcome['error']}: {outcome.get('message')}"
        if "status" in expect and outcome.get("status") != expect["status"]:
            return f"expected status {expect['status']}, got {outcome.get('status')}"
        if "message_contains" in expect and expect["message_contains"] not in (outcome.get("message") or ""):
            return f"message {outcome.get('message')!r} lacks {expect['message_contains']!r}"
        if "absent" in expect and (workdir / expect["absent"]).exists():
            return f"{expect['absent']} exists after the error"
        return None
    if "error" in outcome:
        return f"unexpected {outcome['error']}: {outcome.get('message')}"
    try:
        value = dig(outcome["ok"], expect.get("path", ""))
    except (KeyError, IndexError, ValueError, TypeError):
        return f"no {expect.get('path')} in {json.dumps(outcome['ok'])[:300]}"
    if "equals" in expect and value != expect["equals"]:
        return f"expected {expect['equals']!r}, got {value!r}"
    if "matches" in expect and not re.search(expect["matches"], str(value)):
        return f"{value!r} does not match {expect['matches']}"
    if "contains" in expect and expect["contains"] not in str(value):
        return f"{str(value)[:300]!r} lacks {expect['contains']!r}"
    if "type" in expect:
        kinds = {"list": list, "map": dict, "string": str, "bool": bool, "int": int}
        if not isinstance(value, kinds[expect["type"]]):
            return f"expected a {expect['type']}, got {type(value).__name__}"
    for key in expect.get("keys", []):
        if not isinstance(value, dict) or key not in value:
            return f"missing key {key!r} in {json.dumps(value)[:300]}"
    if "min_length" in expect and len(value) < expect["min_length"]:
        return f"expected at least {expect['min_length']} items, got {len(value)}"
    if "zip" in expect:
        path = workdir / expect["zip"]
        if not path.exists():
            return f"{expect['zip']} was not written"
        with zipfile.ZipFile(path) as zf:
            names = sorted(zf.namelist())
            if zf.testzip() is not None:
                return f"{expect['zip']} is corrupt"
            for name, mode in expect.get("modes", {}).items():
                got = (zf.getinfo(name).external_attr >> 16) & 0o777
                if got != int(mode, 8):
                    return f"{name} has mode {oct(got)}, expected {mode}"
        if "entries" in expect and names != sorted(expect["entries"]):
            return f"entries {names}, expected {sorted(expect['entries'])}"
    if "absent" in expect and (workdir / expect["absent"]).exists():
        return f"{expect['absent']} exists but should not"
    if "file_equals" in expect:
        name, text = expect["file_equals"]
        if (workdir / name).read_text() != text:
            return f"{name} was changed"
    return None


HEX_ID = re.compile(r"\b[0-9a-f]{24}\b")
WIRE_HEADERS = ("accept", "accept-encoding", "authorization", "content-type", "user-agent")


class Recorder:
    """Reads and clears the local server's record of the requests it received."""

    def __init__(self, host, port, token):
        self.url = f"http://{host}:{port}/__debug/requests"
        self.auth = {"Authorization": f"OAuth {token}"}

    def _call(self, method):
        req = urllib.request.Request(self.url, method=method, headers=self.auth)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def clear(self):
        self._call("DELETE")

    def requests(self, project_id):
        return [r for r in self._call("GET")["requests"] if project_id in r["path"]]


def _normalise_json(value):
    if isinstance(value, str):
        if value[:1] in "{[":
            try:
                return {"<json>": _normalise_json(json.loads(value))}
            except ValueError:
                pass
        return HEX_ID.sub("<id>", value)
    if isinstance(value, list):
        return [_normalise_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise_json(v) for k, v in sorted(value.items())}
    return value


def _normalise_body(content_type, body):
    if not body:
        return None
    if content_type.startswith("multipart/form-data"):
        # Compare the `data` part (what the client says about the code); the archive itself
        # is compared byte for byte by the packaging scenarios.
        m = re.search(r'name="data"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n(.*?)\r?\n--', body, re.S)
        return {"multipart data": _normalise_json(json.loads(m.group(1))) if m else "<no data part>"}
    try:
        return _normalise_json(json.loads(body))
    except ValueError:
        return HEX_ID.sub("<id>", body)


def wire_form(record):
    """One request as the server saw it, with ids, boundaries and the token made neutral."""
    headers = {k: v for k, v in record["headers"].items() if k in WIRE_HEADERS}
    content_type = headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        headers["content-type"] = "multipart/form-data"
    query = urllib.parse.parse_qsl(record.get("query") or "", keep_blank_values=True)
    return {
        "method": record["method"],
        "path": HEX_ID.sub("<id>", record["path"]),
        "query": sorted((k, HEX_ID.sub("<id>", v)) for k, v in query),
        "headers": headers,
        "body": _normalise_body(content_type, record.get("body") or ""),
    }


def wire_sequence(records):
    """The requests in order, with repeats in a row (polling) folded into one."""
    out = []
    for record in records:
        form = wire_form(record)
        if not out or out[-1] != form:
            out.append(form)
    return out


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"request {i + 1}: {json.dumps(x)[:400]} vs {json.dumps(y)[:400]}"
    return f"{len(a)} requests vs {len(b)} requests"


def run_one(scenario, lang, table, base_env, keep):
    workdir = Path(tempfile.mkdtemp(prefix=f"conf-{lang}-"))
    try:
        (workdir / "home").mkdir()
        for name, content in substitute(scenario.get("files", {}), table).items():
            path = workdir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        for name, mode in scenario.get("modes", {}).items():
            os.chmod(workdir / name, int(mode, 8))
        steps = substitute(scenario["steps"], table)
        (workdir / "scenario.json").write_text(json.dumps({"steps": steps}))

        cmd, extra_env = runner_command(lang)
        env = dict(base_env, HOME=str(workdir / "home"), **extra_env)
        env.update(substitute(scenario.get("env", {}), table))
        proc = subprocess.run(cmd + [str(workdir / "scenario.json")], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=300)
        outcomes = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
        if len(outcomes) != len(steps):
            return False, (f"runner gave {len(outcomes)} results for {len(steps)} steps "
                           f"(exit {proc.returncode}): {proc.stderr.strip()[-800:]}"), {}
        digests = {}
        for i, (step, outcome) in enumerate(zip(steps, outcomes)):
            reason = check(step, outcome, workdir)
            if reason:
                label = step.get("call") or step.get("static") or "new"
                return False, f"step {i + 1} ({label}): {reason}", {}
            zip_name = step.get("expect", {}).get("zip")
            if zip_name:
                digests[zip_name] = hashlib.sha256((workdir / zip_name).read_bytes()).hexdigest()
        return True, "", digests
    except subprocess.TimeoutExpired:
        return False, "runner timed out after 300 s", {}
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--langs", default=os.environ.get("CONFORMANCE_LANGS", "python,ruby,php"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("only", nargs="*")
    args = parser.parse_args()
    langs = args.langs.split(",")

    scenarios = []
    for path in sorted((HERE / "scenarios").glob("*.json")):
        if args.only and not any(o in path.stem for o in args.only):
            continue
        scenarios.append((path.stem, json.loads(path.read_text())))

    tmp = Path(tempfile.mkdtemp(prefix="conformance-"))
    token = secrets.token_hex(16)
    server, host, port = start_server(tmp, token)
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Always503)
    threading.Thread(target=fake.serve_forever, daemon=True).start()

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("IRON_")}
    recorder = Recorder(host, port, token)
    passed = failed = 0
    try:
        for name, scenario in scenarios:
            digests_by_lang = {}
            wire_by_lang = {}
            for lang in langs:
                table = {
                    "TOKEN": token, "PROJECT_ID": secrets.token_hex(12), "HOST": host,
                    "PORT": port, "PORT_503": fake.server_address[1], "PORT_CLOSED": closed_port(),
                    "BAD_TOKEN": "not-the-token", "LANG": lang,
                }
                recorder.clear()
                ok, reason, digests = run_one(scenario, lang, table, base_env, args.keep)
                if ok:
                    passed += 1
                    digests_by_lang[lang] = digests
                    wire_by_lang[lang] = wire_sequence(recorder.requests(table["PROJECT_ID"]))
                    print(f"PASS {name} [{lang}]")
                else:
                    failed += 1
                    print(f"FAIL {name} [{lang}]: {reason}")
            distinct = {json.dumps(d, sort_keys=True) for d in digests_by_lang.values() if d}
            if len(distinct) > 1:
                failed += 1
                print(f"FAIL {name}: archives differ between languages: {digests_by_lang}")
            if len(wire_by_lang) > 1 and any(wire_by_lang.values()):
                (first_lang, first), *others = wire_by_lang.items()
                same = all(seq == first for _, seq in others)
                if same:
                    passed += 1
                    print(f"PASS {name}: same {len(first)} requests on the wire in {', '.join(wire_by_lang)}")
                else:
                    failed += 1
                    for lang, seq in others:
                        if seq != first:
                            diff = first_difference(first, seq)
                            print(f"FAIL {name}: {first_lang} and {lang} differ on the wire: {diff}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        fake.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
