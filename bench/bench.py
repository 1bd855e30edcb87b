"""Runs every benchmark of bench/README.md and writes bench/RESULTS.md and bench/ratios.png.

Started by bench/run.sh (which installs and builds what this needs) with build/venv-bench's
Python, which has the official `iron-worker` client, `requests` and matplotlib. Our binding
runs in build/venv (both are the module `iron_worker`), Ruby and PHP in their own
interpreters, and each timed step in a fresh process (bench/agents/). Every item alternates
its tools round by round, takes the median of each tool, and computes its ratios from those
medians, all within this one run. Nothing here asserts a time.

    build/venv-bench/bin/python bench/bench.py [--quick] [--only 1,3]
"""

import argparse
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
AGENTS = BENCH / "agents"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

SERVER_BIN = TARGET / "release" / "iron-worker"
RAW_HTTP_BIN = OUT / "raw_http"
# Our bindings as built into build/ and snapshotted by run.sh (so that a rebuild of build/
# during a run cannot swap a library under a running agent).
PY_OURS = ROOT / "build" / "venv" / "bin" / "python"
PY_OURS_PATH = OUT / "ours-py"
GEM_HOME = OUT / "ours-gems"
PHP_INI_DIR = OUT / "ours-php"
PY_BENCH = Path(sys.executable)

MB = 1024 * 1024


@dataclass
class Sizes:
    """How big each item is; `--quick` shrinks everything for a smoke run."""

    queue_calls: int = 2000
    queue_rounds: int = 7
    batch_tasks: int = 1000
    batch_rounds: int = 7
    batch_reps: int = 3
    tree_files: int = 2000
    tree_mb: int = 100
    zip_rounds: int = 5
    upload_mb: int = 500
    upload_rounds: int = 5
    log_mb: int = 50
    log_rounds: int = 5
    log_reps: int = 5
    server_tasks: int = 1000
    server_rounds: int = 3
    paced_tasks: int = 500
    paced_rate: float = 50.0
    lang_calls: int = 1000
    lang_rounds: int = 5

    @staticmethod
    def quick():
        return Sizes(
            queue_calls=200, queue_rounds=2, batch_rounds=2, batch_reps=1, tree_files=200,
            tree_mb=10, zip_rounds=1, upload_mb=50, upload_rounds=1, log_mb=5, log_rounds=1,
            log_reps=2, server_tasks=200, server_rounds=1, paced_tasks=50, lang_calls=50,
            lang_rounds=1,
        )


@dataclass
class Row:
    """One line of the results table.

    `ratio` is always "how many times better ours is than the anchor" (anchor time / our
    time, or for the server and memory rows the goal value / ours or ours / goal value), so
    above 1 is better, and `goal` is the least ratio that meets the goal.
    """

    item: str
    measure: str
    ours: str
    anchor: str
    ratio: float | None
    goal: float | None
    goal_text: str

    @property
    def met(self):
        if self.goal is None or self.ratio is None:
            return None
        return self.ratio >= self.goal


@dataclass
class Run:
    """State shared by the items of one run."""

    sizes: Sizes
    work: Path
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    project_id: str = field(default_factory=lambda: secrets.token_hex(12))
    rows: list = field(default_factory=list)
    load: list = field(default_factory=list)
    elapsed: float = 0.0
    finished: str = ""
    machine: str = ""
    details: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("IRON_")}
        env["IRON_BENCH_TOKEN"] = self.token
        env.update(extra)
        return env


# ---------------------------------------------------------------------------------------------
# Servers and the API used for setup (never timed)


class Server:
    """A local server process: the release `iron-worker serve`.

    `limits` = (upload MB, body KB) raises the upload and request-body limits through
    `--max-upload-bytes` and `--max-body-bytes`; the unpacked-size limit is raised to twice
    the upload limit when that is above its 1 GB default."""

    def __init__(self, run, name, limits=None):
        self.data = run.work / f"data-{name}"
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        self.log = open(run.work / f"server-{name}.log", "w")

        cmd = [str(SERVER_BIN), "serve", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(self.data), "--token", run.token]
        if limits is not None:
            upload_mb, body_kb = limits
            cmd += ["--max-upload-bytes", f"{upload_mb}M", "--max-body-bytes", f"{body_kb}K",
                    "--max-unpacked-bytes", f"{max(1024, 2 * upload_mb)}M"]

        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     env=run.env())
        line = self.proc.stdout.readline()
        match = re.match(r"iron-worker: listening on http://([\d.]+):(\d+)", line)
        if not match:
            self.stop()
            raise SystemExit(f"bench: the server did not start; see {self.log.name}")
        self.host, self.port = match.group(1), int(match.group(2))
        self.base = f"http://{self.host}:{self.port}/2/projects/{run.project_id}"

        self.http = requests.Session()
        self.http.headers["Authorization"] = f"OAuth {run.token}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def call(self, method, path, **kwargs):
        resp = self.http.request(method, self.base + path, timeout=600, **kwargs)
        if resp.status_code != 200:
            raise SystemExit(f"bench: {method} {path} -> {resp.status_code}: {resp.text[:300]}")
        return resp.json() if "json" in resp.headers.get("content-type", "") else resp.text

    def upload(self, name, file_name, files):
        """Uploads a small sh worker built in memory; returns its code id."""
        path = self.data.parent / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for entry, text in files.items():
                zf.writestr(entry, text)
        data = {"name": name, "file_name": file_name, "runtime": "sh"}
        with open(path, "rb") as f:
            answer = self.call("POST", "/codes", data={"data": json.dumps(data)},
                               files={"file": (path.name, f, "application/zip")})
        return answer["id"]

    def queue(self, name, payloads):
        tasks = [{"code_name": name, "payload": json.dumps(p)} for p in payloads]
        return [t["id"] for t in self.call("POST", "/tasks", json={"tasks": tasks})["tasks"]]

    def task(self, task_id):
        return self.call("GET", f"/tasks/{task_id}")

    def wait(self, task_ids, timeout=600):
        """Waits until every task is in a final state; returns their details."""
        deadline = time.monotonic() + timeout
        details = {}
        pending = list(task_ids)
        while pending:
            task_id = pending[-1]
            task = self.task(task_id)
            if task["status"] in ("queued", "preparing", "running"):
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench: task {task_id} still {task['status']}")
                time.sleep(0.05)
                continue
            details[task_id] = task
            pending.pop()
        return [details[t] for t in task_ids]

    def config_ini(self, run):
        path = run.work / f"config-{self.port}.ini"
        path.write_text(
            f"[iron_worker]\ntoken = {run.token}\nproject_id = {run.project_id}\n"
            f"host = {self.host}\nport = {self.port}\nprotocol = http\n"
        )
        path.chmod(0o600)
        return str(path)

    def spec(self, run, **fields):
        """The connection part of an agent's spec (the token travels in the environment)."""
        return {"host": self.host, "port": self.port, "project_id": run.project_id,
                "config": self.config_ini(run), **fields}

    def curl_headers(self, run):
        path = run.work / "curl-headers.txt"
        path.write_text(f"Authorization: OAuth {run.token}\n")
        path.chmod(0o600)
        return str(path)


# ---------------------------------------------------------------------------------------------
# Running timed steps


def agent(run, lang, spec, python=PY_OURS):
    """Runs one timed step in a fresh interpreter; returns its JSON answer."""
    if lang == "py":
        cmd, env = [str(python), str(AGENTS / "py_agent.py")], run.env()
        if python == PY_OURS:
            env["PYTHONPATH"] = str(PY_OURS_PATH)
    elif lang == "rb":
        cmd, env = ["ruby", str(AGENTS / "rb_agent.rb")], run.env(GEM_HOME=str(GEM_HOME))
    elif lang == "php":
        scan = ":" + str(PHP_INI_DIR)
        cmd, env = ["php", str(AGENTS / "php_agent.php")], run.env(PHP_INI_SCAN_DIR=scan)
    else:
        raise ValueError(lang)
    return run_json(cmd + [json.dumps(spec)], env, f"{lang} {spec['step']}")


def raw_http(run, mode, server, target, calls, tasks_per_call=1):
    cmd = [str(RAW_HTTP_BIN), mode, server.base, target, str(calls), str(tasks_per_call)]
    if mode == "get":
        cmd.pop()
    return run_json(cmd, run.env(), f"raw_http {mode}")


RETRIED = []


def run_json(cmd, env, what):
    """Runs a timed step and parses its JSON line; a step that fails is run once more."""
    for attempt in (1, 2):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=OUT)
        if proc.returncode == 0:
            return json.loads(proc.stdout.strip().splitlines()[-1])
        how = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
               else f"exit status {proc.returncode}")
        print(f"bench: {what} failed ({how}):\n{proc.stderr[-2000:]}", file=sys.stderr)
        if attempt == 1:
            RETRIED.append(f"{what} ({how})")
    raise SystemExit(f"bench: {what} failed twice; stopping")


def wall(cmd, **kwargs):
    """Wall-clock seconds of one command (used only for `zip -r`)."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, **kwargs)
    return time.perf_counter() - started


def rotated(tools, round_no):
    """The tools in a different order each round, so no tool always runs first or last."""
    k = round_no % len(tools)
    return tools[k:] + tools[:k]


def med(values):
    return statistics.median(values)


def fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def progress(message):
    print(f"bench: {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# 1. One task per call


def item_queue(run):
    s = run.sizes
    progress(f"1. queue {s.queue_calls} tasks one per call, {s.queue_rounds} rounds")
    with Server(run, "queue") as server:
        code = server.upload("bench-queue", "noop.sh", {"noop.sh": "exit 0\n"})

        times = {t: [] for t in ("ours", "official", "requests", "raw")}
        for r in range(s.queue_rounds):
            for tool in rotated(list(times), r):
                if tool == "raw":
                    answer = raw_http(run, "queue", server, "bench-queue", s.queue_calls)
                else:
                    spec = server.spec(run, step="queue", tool=tool, code="bench-queue",
                                       calls=s.queue_calls)
                    python = PY_OURS if tool == "ours" else PY_BENCH
                    answer = agent(run, "py", spec, python)
                times[tool].append(answer["seconds"])
                # The agents queue delayed tasks; cancel them before the next tool.
                server.call("POST", f"/codes/{code}/cancel_all")

    m = {t: med(v) for t, v in times.items()}
    per = {t: v / s.queue_calls for t, v in m.items()}
    run.details["1"] = {"seconds": times, "per_call": per}
    n = f"{s.queue_calls:,} calls"
    run.rows += [
        Row("1", f"queue 1 task/call, {n}, vs official `iron-worker` 1.3.8",
            fmt_time(m["ours"]), fmt_time(m["official"]), m["official"] / m["ours"], 3.0,
            "≥ 3x faster"),
        Row("1", f"queue 1 task/call, {n}, vs `requests.Session` loop",
            fmt_time(m["ours"]), fmt_time(m["requests"]), m["requests"] / m["ours"], None,
            "—"),
        Row("1", f"queue 1 task/call, {n}, vs raw Rust HTTP loop (floor)",
            fmt_time(m["ours"]), fmt_time(m["raw"]), m["raw"] / m["ours"], 1 / 1.3,
            "≤ 1.3x the floor (ratio ≥ 0.77)"),
    ]


# ---------------------------------------------------------------------------------------------
# 2. One call queues many tasks


def item_batch(run):
    s = run.sizes
    progress(f"2. batch queue of {s.batch_tasks} tasks, {s.batch_rounds}x{s.batch_reps} runs")
    # The official client's 1,000-task body is ~150 KB, over the stock 64 KB limit.
    with Server(run, "batch", limits=(256, 1024)) as server:
        code = server.upload("bench-batch", "noop.sh", {"noop.sh": "exit 0\n"})

        times = {"ours": [], "official": [], "raw": []}
        for r in range(s.batch_rounds):
            for tool in rotated(list(times), r):
                if tool == "raw":
                    for _ in range(s.batch_reps):
                        answer = raw_http(run, "queue", server, "bench-batch", 1, s.batch_tasks)
                        times["raw"].append(answer["seconds"])
                else:
                    spec = server.spec(run, step="batch", tool=tool, code="bench-batch",
                                       tasks=s.batch_tasks, reps=s.batch_reps)
                    python = PY_OURS if tool == "ours" else PY_BENCH
                    times[tool] += agent(run, "py", spec, python)["times"]
                server.call("POST", f"/codes/{code}/cancel_all")

    m = {t: med(v) for t, v in times.items()}
    run.details["2"] = {"seconds": times}
    what = f"batch queue of {s.batch_tasks:,} tasks in one call"
    run.rows += [
        Row("2", f"{what}, vs official client", fmt_time(m["ours"]), fmt_time(m["official"]),
            m["official"] / m["ours"], 5.0, "≥ 5x faster"),
        Row("2", f"{what}, vs raw Rust HTTP (the server's share)", fmt_time(m["ours"]),
            fmt_time(m["raw"]), m["raw"] / m["ours"], None, "—"),
    ]


# ---------------------------------------------------------------------------------------------
# 3. zipDirectory


SYLLABLES = ["ar", "be", "co", "da", "el", "fi", "ga", "ho", "in", "jo", "ka", "lu", "me",
             "no", "or", "pa", "qu", "ri", "se", "to", "un", "va", "we", "xi", "yo", "ze"]
TEMPLATES = [
    "{i}def {a}_{b}(self, {c}, {d}=None):",
    "{i}    return self.{a}({b}, {c}_{d})",
    "{i}if {a} is not None and len({b}) > {n}:",
    "{i}{a}_{b} = {c}.{d}({e}, \"{f} {g}\")",
    "{i}# {A} the {b} of {c} before {d} is {e}.",
    "{i}for {a} in self.{b}_{c}:",
    "{i}    {a}.append({b}[{n}])",
    "{i}raise {A}Error(f\"{b} {{{c}}} is not a {d}\")",
    "from {a}.{b} import {A}{C}",
    "",
    "{i}{a}_{b} = {n}",
    "{i}logger.debug(\"{a} %s -> %s\", {b}, {c}.{d})",
    "{i}return {{\"{a}\": {b}, \"{c}\": [{n}, {m}]}}",
    "class {A}{B}({C}):",
    "{i}\"\"\"{A} {b} {c} for the {d} {e}.\"\"\"",
]


def source_lines(rng, count):
    words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
             for _ in range(1500)]
    lines = []
    for _ in range(count):
        w = rng.sample(words, 7)
        lines.append(rng.choice(TEMPLATES).format(
            i="    " * rng.randint(0, 3), a=w[0], b=w[1], c=w[2], d=w[3], e=w[4], f=w[5],
            g=w[6], A=w[0].title(), B=w[1].title(), C=w[2].title(),
            n=rng.randint(0, 999), m=rng.randint(0, 99)))
    return lines


def make_tree(sizes):
    """A deterministic tree: ~95% source-like text, some already-compressed files."""
    name = f"tree-{sizes.tree_files}f-{sizes.tree_mb}mb-v1"
    tree = OUT / name
    if (tree / ".complete").exists():
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    progress(f"   generating {tree.relative_to(ROOT)}")

    rng = random.Random(8)
    pool = source_lines(rng, 20000)
    dirs = [""]
    for _ in range(120):
        parent = rng.choice(dirs)
        if parent.count("/") < 4:
            dirs.append(f"{parent}{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}{len(dirs)}/")

    n_binary = max(1, sizes.tree_files // 20)
    n_text = sizes.tree_files - n_binary
    binary_bytes = sizes.tree_mb * MB * 3 // 10
    text_bytes = sizes.tree_mb * MB - binary_bytes

    raw = [rng.lognormvariate(0, 1.2) for _ in range(n_text)]
    scale = text_bytes / sum(raw)
    for k, weight in enumerate(raw):
        path = tree / rng.choice(dirs) / f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}_{k}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        target = max(64, int(weight * scale))
        text, size = [], 0
        while size < target:
            chunk = rng.choices(pool, k=64)
            text += chunk
            size += sum(len(line) + 1 for line in chunk)
        path.write_text("\n".join(text)[:target])

    for k in range(n_binary):
        ext = rng.choice([".png", ".jpg", ".gz", ".woff2"])
        path = tree / rng.choice(dirs) / f"asset_{k}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(binary_bytes // n_binary))

    (tree / ".complete").write_text("")
    return tree


def item_zip(run):
    s = run.sizes
    tree = make_tree(s)
    (tree / ".complete").unlink()
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    progress(f"3. zip {files} files, {total / MB:.0f} MB, {s.zip_rounds} rounds")

    zips = run.work / "zips"
    zips.mkdir(exist_ok=True)
    tools = ["ours", "zipfile", "ZipArchive", "rubyzip", "zip -r"]
    times = {t: [] for t in tools}
    sizes = {}
    try:
        for r in range(s.zip_rounds):
            for tool in rotated(tools, r):
                dest = zips / f"{tool.replace(' ', '')}.zip"
                dest.unlink(missing_ok=True)
                spec = {"step": "zip", "src": str(tree), "dest": str(dest)}
                if tool == "ours":
                    answer = agent(run, "py", {**spec, "tool": "ours"})
                elif tool == "zipfile":
                    answer = agent(run, "py", {**spec, "tool": "zipfile"}, PY_BENCH)
                elif tool == "ZipArchive":
                    answer = agent(run, "php", spec)
                elif tool == "rubyzip":
                    answer = agent(run, "rb", spec)
                else:
                    seconds = wall(["zip", "-r", "-q", "-6", str(dest), "."], cwd=tree)
                    answer = {"seconds": seconds, "bytes": dest.stat().st_size}
                times[tool].append(answer["seconds"])
                sizes[tool] = answer["bytes"]
    finally:
        (tree / ".complete").write_text("")
        shutil.rmtree(zips, ignore_errors=True)

    m = {t: med(v) for t, v in times.items()}
    run.details["3"] = {"seconds": times, "zip_bytes": sizes, "files": files,
                        "tree_bytes": total}
    what = f"zipDirectory, {files:,} files / {total / MB:.0f} MB, level 6"
    goals = {"zipfile": (2.0, "≥ 2x faster"), "zip -r": (1.5, "≥ 1.5x faster")}
    names = {"zipfile": "Python `zipfile`", "ZipArchive": "PHP `ZipArchive`",
             "rubyzip": "Ruby `rubyzip`", "zip -r": "Info-ZIP `zip -r`"}
    for tool in tools[1:]:
        goal, text = goals.get(tool, (None, "—"))
        run.rows.append(Row("3", f"{what}, vs {names[tool]}", fmt_time(m["ours"]),
                            fmt_time(m[tool]), m[tool] / m["ours"], goal, text))


# ---------------------------------------------------------------------------------------------
# 4. Upload of a big package


def make_package(sizes):
    """A zip of `upload_mb` MB: a tiny sh worker and incompressible files, stored."""
    path = OUT / f"package-{sizes.upload_mb}mb-v1.zip"
    if path.exists():
        return path
    progress(f"   generating {path.relative_to(ROOT)}")
    rng = random.Random(4)
    tmp = path.with_suffix(".tmp")
    parts = max(1, sizes.upload_mb // 50)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("worker.sh", "echo big package\n")
        for k in range(parts):
            zf.writestr(f"data/blob{k}.bin", rng.randbytes(sizes.upload_mb * MB // parts))
    tmp.rename(path)
    return path


def item_upload(run):
    s = run.sizes
    package = make_package(s)
    size = package.stat().st_size
    progress(f"4. upload a {size / MB:.0f} MB package, {s.upload_rounds} rounds")
    times = {"ours": [], "curl": []}
    growth = []
    with Server(run, "upload", limits=(2 * s.upload_mb + 64, 64)) as server:
        headers = server.curl_headers(run)
        data = json.dumps({"name": "bench-big", "file_name": "worker.sh", "runtime": "sh"})
        for r in range(s.upload_rounds):
            for tool in rotated(list(times), r):
                if tool == "ours":
                    spec = server.spec(run, step="upload", zip=str(package),
                                       run_file="worker.sh", name="bench-big")
                    answer = agent(run, "py", spec)
                    times["ours"].append(answer["seconds"])
                    growth.append(answer)
                    continue
                out = run.work / "curl-upload.json"
                proc = subprocess.run(
                    ["curl", "-sS", "-o", str(out), "-w", "%{http_code} %{time_total}",
                     "-H", f"@{headers}", "-F", f"data={data}",
                     "-F", f"file=@{package};type=application/zip", server.base + "/codes"],
                    capture_output=True, text=True, check=True)
                status, seconds = proc.stdout.split()
                if status != "200":
                    raise SystemExit(f"bench: curl upload -> {status}: {out.read_text()[:300]}")
                times["curl"].append(float(seconds))
                code_id = json.loads(out.read_text())["id"]
                server.call("DELETE", f"/codes/{code_id}")

    m = {t: med(v) for t, v in times.items()}
    grow_mb = med([g["growth_kb"] for g in growth]) / 1024
    run.details["4"] = {"seconds": times, "memory": growth, "package_bytes": size}
    run.rows += [
        Row("4", f"upload (postCode) of a {size / MB:.0f} MB package, vs `curl -F`",
            fmt_time(m["ours"]), fmt_time(m["curl"]), m["curl"] / m["ours"], 1 / 1.2,
            "≤ 1.2x curl (ratio ≥ 0.83)"),
        Row("4", "peak RSS growth of the Python process during that upload",
            f"{grow_mb:.1f} MB", "goal: 32 MB", 32 / max(grow_mb, 0.1), 1.0,
            "< 32 MB (ratio ≥ 1)"),
    ]


# ---------------------------------------------------------------------------------------------
# 5. getLog of a big log


def item_log(run):
    s = run.sizes
    progress(f"5. getLog of a {s.log_mb} MB log, {s.log_rounds}x{s.log_reps} runs")
    line = "2024-05-01T12:00:00.000Z INFO worker: processed record with a few fields of text"
    script = f"yes '{line}' | head -c {s.log_mb * MB}\n"
    # "ours" returns a str; "ours-file" streams into a file (getLog with a destination),
    # compared with curl writing the same file.
    times = {"ours": [], "curl": [], "requests": [], "ours-file": [], "curl-file": []}
    saved = run.work / "log-5"
    saved.mkdir(parents=True, exist_ok=True)
    with Server(run, "log") as server:
        server.upload("bench-log", "log.sh", {"log.sh": script})
        task_id = server.queue("bench-log", [{}])[0]
        task = server.wait([task_id])[0]
        if task["status"] != "complete":
            raise SystemExit(f"bench: the log task ended {task['status']}: {task.get('msg')}")

        headers = server.curl_headers(run)
        url = f"{server.base}/tasks/{task_id}/log"
        for r in range(s.log_rounds):
            for tool in rotated(list(times), r):
                if not tool.startswith("curl"):
                    spec = server.spec(run, step="getlog", tool=tool, task_id=task_id,
                                       reps=s.log_reps, destination=str(saved / "ours.log"))
                    answer = agent(run, "py", spec, PY_BENCH if tool == "requests" else PY_OURS)
                    times[tool] += answer["times"]
                    if tool == "ours":
                        chars = answer["chars"]
                    continue
                out = "/dev/null" if tool == "curl" else str(saved / "curl.log")
                for _ in range(s.log_reps):
                    proc = subprocess.run(
                        ["curl", "-sS", "-o", out, "-w", "%{http_code} %{time_total}",
                         "-H", f"@{headers}", url],
                        capture_output=True, text=True, check=True)
                    status, seconds = proc.stdout.split()
                    if status != "200":
                        raise SystemExit(f"bench: curl log -> {status}")
                    times[tool].append(float(seconds))

    if (saved / "ours.log").read_bytes() != (saved / "curl.log").read_bytes():
        raise SystemExit("bench: getLog's file differs from curl's")
    m = {t: med(v) for t, v in times.items()}
    run.details["5"] = {"seconds": times, "log_chars": chars}
    run.rows += [
        Row("5", f"getLog of a {chars / MB:.0f} MB log, vs `curl -o /dev/null`",
            fmt_time(m["ours"]), fmt_time(m["curl"]), m["curl"] / m["ours"], 1 / 1.2,
            "≤ 1.2x curl (ratio ≥ 0.83)"),
        Row("5", f"getLog of a {chars / MB:.0f} MB log, vs `requests` `.text` (also a str)",
            fmt_time(m["ours"]), fmt_time(m["requests"]), m["requests"] / m["ours"], None,
            "—"),
        Row("5", f"getLog of a {chars / MB:.0f} MB log into a file (`destination`), "
            "vs `curl -o FILE`",
            fmt_time(m["ours-file"]), fmt_time(m["curl-file"]), m["curl-file"] / m["ours-file"],
            1 / 1.2, "≤ 1.2x curl (ratio ≥ 0.83)"),
    ]


# ---------------------------------------------------------------------------------------------
# 6. The local server


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values, p):
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def item_server(run):
    s = run.sizes
    progress(f"6. server: {s.server_tasks} trivial sh tasks x{s.server_rounds}, then "
             f"{s.paced_tasks} paced at {s.paced_rate:.0f}/s")
    throughput, burst_p50, latencies = [], [], []
    with Server(run, "server") as server:
        server.upload("bench-trivial", "trivial.sh", {"trivial.sh": "echo ok\n"})
        warm = server.queue("bench-trivial", [{}] * 4)
        server.wait(warm)

        for _ in range(s.server_rounds):
            ids = []
            for start in range(0, s.server_tasks, 250):
                count = min(250, s.server_tasks - start)
                ids += server.queue("bench-trivial", [{"n": start + k} for k in range(count)])
            tasks = server.wait(ids)
            bad = [t for t in tasks if t["status"] != "complete"]
            if bad:
                raise SystemExit(f"bench: {len(bad)} trivial tasks did not complete: {bad[0]}")
            first = min(parse_time(t["created_at"]) for t in tasks)
            last = max(parse_time(t["end_time"]) for t in tasks)
            throughput.append(len(tasks) / max(last - first, 1e-3))
            burst_p50.append(med([parse_time(t["start_time"]) - parse_time(t["created_at"])
                                  for t in tasks]))

        # Queue-to-start latency under a steady load below capacity.
        ids = []
        started = time.perf_counter()
        for k in range(s.paced_tasks):
            pause = started + k / s.paced_rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            ids += server.queue("bench-trivial", [{"n": k}])
        for t in server.wait(ids):
            latencies.append(parse_time(t["start_time"]) - parse_time(t["created_at"]))

    tput = med(throughput)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    # Server timestamps have millisecond resolution: 0 means "within the same millisecond",
    # so the ratio counts it as 1 ms.
    shown = {v: (f"{v * 1e3:.0f} ms" if v >= 1e-3 else "< 1 ms") for v in (p50, p99)}
    run.details["6"] = {"throughput": throughput, "burst_p50": burst_p50,
                        "paced_p50": p50, "paced_p99": p99, "paced_max": max(latencies)}
    run.rows += [
        Row("6", f"server throughput, {s.server_tasks:,} trivial sh tasks queued at once",
            f"{tput:.0f} tasks/s", "goal: 100 tasks/s", tput / 100, 1.0, "≥ 100 tasks/s"),
        Row("6", f"queue-to-start p50, {s.paced_tasks} tasks at {s.paced_rate:.0f}/s",
            shown[p50], "goal: 20 ms", 20e-3 / max(p50, 1e-3), 1.0, "< 20 ms (ratio ≥ 1)"),
        Row("6", "queue-to-start p99, same tasks", shown[p99], "—", None, None, "—"),
    ]


# ---------------------------------------------------------------------------------------------
# 7. The same calls from each language


def item_languages(run):
    s = run.sizes
    progress(f"7. postTask/getTaskDetails x{s.lang_calls} from Python, Ruby, PHP, raw Rust")
    langs = {"Python": "py", "Ruby": "rb", "PHP": "php", "raw": "raw"}
    per = {lang: {"postTask": [], "getTaskDetails": []} for lang in langs}
    with Server(run, "langs") as server:
        code = server.upload("bench-lang", "noop.sh", {"noop.sh": "exit 0\n"})
        task_id = server.queue("bench-lang", [{"n": 0}])[0]
        server.wait([task_id])

        for r in range(s.lang_rounds):
            for lang in rotated(list(langs), r):
                if lang == "raw":
                    post = raw_http(run, "queue", server, "bench-lang", s.lang_calls)
                    get = raw_http(run, "get", server, task_id, s.lang_calls)
                    answer = {"postTask": post["seconds"] / s.lang_calls,
                              "getTaskDetails": get["seconds"] / s.lang_calls}
                else:
                    spec = server.spec(run, step="calls", code="bench-lang",
                                       calls=s.lang_calls)
                    answer = agent(run, langs[lang], spec)
                for call in ("postTask", "getTaskDetails"):
                    per[lang][call].append(answer[call])
                server.call("POST", f"/codes/{code}/cancel_all")

    m = {lang: {c: med(v) for c, v in calls.items()} for lang, calls in per.items()}
    run.details["7"] = {"per_call_seconds": per}
    for call in ("postTask", "getTaskDetails"):
        for lang in ("Python", "Ruby", "PHP"):
            run.rows.append(Row(
                "7", f"`{call}` per call from {lang}, vs raw Rust HTTP loop",
                fmt_time(m[lang][call]), fmt_time(m["raw"][call]),
                m["raw"][call] / m[lang][call], None, "— (binding overhead)"))


# ---------------------------------------------------------------------------------------------
# Reporting


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Linux {platform.release()}"


def tool_versions():
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    return {
        "python": platform.python_version(),
        "ruby": first_line(["ruby", "-e", "print RUBY_VERSION"]),
        "php": first_line(["php", "-r", "echo PHP_VERSION;"]),
        "rubyzip": first_line(["ruby", "-e", "require 'zip/version'; print Zip::VERSION"]),
        "libzip (php-zip)": first_line(["php", "-r", "echo ZipArchive::LIBZIP_VERSION;"]),
        "Info-ZIP zip": zip_version(),
        "curl": first_line(["curl", "--version"]).split(" (")[0].replace("curl ", ""),
        "requests": requests.__version__,
    }


def zip_version():
    try:
        out = subprocess.run(["zip", "-v"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    match = re.search(r"This is Zip ([\d.]+)", out)
    return match.group(1) if match else "?"


def met_text(row):
    if row.met is None:
        return "—"
    if row.met:
        return "yes"
    short = (1 - row.ratio / row.goal) * 100
    return f"**no** ({short:.0f}% short)"


def write_results(run, notes_file, dest):
    lines = [
        "# Benchmark results",
        "",
        "Written by `bash bench/run.sh` (see [README.md](README.md) for what each item does).",
        f"Run of {run.finished} UTC on {run.machine}; "
        f"the measurements took {run.elapsed / 60:.1f} min (1-min load average "
        f"{run.load[0]:.1f} at the start, {run.load[-1]:.1f} at the end).",
        "",
        "**ratio** = how many times better ours is than the anchor: anchor time / our time "
        "(above 1: ours is faster), or for the memory and server rows the goal value against "
        "ours. **goal** is the ratio that meets the issue's goal. Each time is the median of "
        "the runs listed under Details; ratios come from medians of this one run.",
        "",
        "| # | measure | ours | anchor | ratio | goal | met? |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for row in run.rows:
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(f"| {row.item} | {row.measure} | {row.ours} | {row.anchor} | {ratio} | "
                     f"{row.goal_text} | {met_text(row)} |")

    if run.notes:
        lines += ["", "## Scaled or changed for this run", ""]
        lines += [f"- {note}" for note in run.notes]

    if notes_file.exists():
        lines += ["", notes_file.read_text().strip()]

    lines += ["", "## Details", "", "Tool versions: " + ", ".join(
        f"{k} {v}" for k, v in tool_versions().items()) + ".", "", "```json",
        compact_json(run.details), "```", ""]
    (dest / "RESULTS.md").write_text("\n".join(lines))
    return lines


def compact_json(obj, indent=0):
    """JSON with one key per line but every list on a single line."""
    if not isinstance(obj, dict):
        return json.dumps(obj, ensure_ascii=False)
    pad = "  " * (indent + 1)
    items = [f"{pad}{json.dumps(k)}: {compact_json(v, indent + 1)}" for k, v in obj.items()]
    return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"


def rounded(obj):
    if isinstance(obj, float):
        return float(f"{obj:.5g}")
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj


def plot(run, dest):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in run.rows if r.ratio is not None]
    labels = [f"{r.item}. {r.measure}".replace("`", "") for r in rows]
    colors = ["#999999" if r.met is None else ("#2e8b57" if r.met else "#c0392b") for r in rows]

    fig, ax = plt.subplots(figsize=(12, 0.42 * len(rows) + 1.6))
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [r.ratio for r in rows], color=colors)
    for yi, r in zip(y, rows):
        if r.goal is not None:
            ax.plot([r.goal, r.goal], [yi - 0.4, yi + 0.4], color="black", linewidth=2)
        ax.text(r.ratio * 1.04, yi, f"{r.ratio:.2f}", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("ratio (log scale): above 1 = ours better than the anchor; "
                  "black tick = goal; green met, red not met, grey no goal")
    ax.set_title("iron_worker against what users would use instead (one run, medians)")
    fig.tight_layout()
    fig.savefig(dest / "ratios.png", dpi=110)
    plt.close(fig)


ITEMS = {
    "1": item_queue,
    "2": item_batch,
    "3": item_zip,
    "4": item_upload,
    "5": item_log,
    "6": item_server,
    "7": item_languages,
}


def wait_for_quiet(run, limit=1.0, patience=120):
    """Waits (at most `patience` s) for other work on the machine to calm down."""
    deadline = time.monotonic() + patience
    load = os.getloadavg()[0]
    if load > limit:
        progress(f"load average {load:.1f}; waiting up to {patience} s for it to drop")
    while load > limit and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    if load > limit:
        run.notes.append(f"The machine was busy (1-min load average {load:.1f} at the start "
                         "after waiting): absolute times are inflated; ratios less so.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", default="", help="comma-separated item numbers to run")
    parser.add_argument("--render", action="store_true",
                        help="rewrite RESULTS.md and ratios.png from the last full run's data "
                             "(after editing NOTES.md), measuring nothing")
    args = parser.parse_args()

    if args.render:
        render_last_run()
        return

    only = [i.strip() for i in args.only.split(",") if i.strip()] or list(ITEMS)
    unknown = [i for i in only if i not in ITEMS]
    if unknown:
        parser.error(f"unknown item(s) {', '.join(unknown)}; items are 1-7")
    for path in (SERVER_BIN, RAW_HTTP_BIN, PY_OURS, PY_OURS_PATH, GEM_HOME,
                 PHP_INI_DIR):
        if not path.exists():
            raise SystemExit(f"bench: {path} is missing; run `bash bench/run.sh`")

    sizes = Sizes.quick() if args.quick else Sizes()
    work = OUT / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run = Run(sizes=sizes, work=work)
    if args.quick:
        run.notes.append("`--quick`: every size scaled down for a smoke run; not a result.")
    run.notes += [
        "Items 2 and 4 run `target/release/iron-worker serve` with raised limits: "
        "`--max-body-bytes 1024K` for item 2 (the official client's 1,000-task batch is "
        "~150 KB, over the documented 64 KB) and `--max-upload-bytes` past 256 MB for item 4. "
        "Every other item uses the stock limits.",
    ]

    wait_for_quiet(run)
    run.load = [os.getloadavg()[0]]
    started = time.perf_counter()
    try:
        for item in only:
            ITEMS[item](run)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    run.elapsed = time.perf_counter() - started
    run.finished = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M}"
    run.machine = machine()
    run.load.append(os.getloadavg()[0])
    if RETRIED:
        run.notes.append("Steps that failed once and were run again: " + "; ".join(RETRIED))

    # Only a full run replaces the committed results; a partial one writes under bench/out.
    partial = args.quick or args.only
    dest = OUT if partial else BENCH
    run.details = rounded(run.details)
    saved = {k: v for k, v in asdict(run).items() if k not in ("sizes", "work", "token")}
    data = OUT / ("last-partial-run.json" if partial else "last-run.json")
    data.write_text(json.dumps(saved, indent=1))
    publish(run, dest)


def publish(run, dest):
    lines = write_results(run, BENCH / "NOTES.md", dest)
    plot(run, dest)
    table = [line for line in lines if line.startswith("|")]
    print("\n".join(table))
    print(f"bench: wrote {dest / 'RESULTS.md'} and {dest / 'ratios.png'} "
          f"({run.elapsed / 60:.1f} min of measuring)")


def render_last_run():
    data = OUT / "last-run.json"
    if not data.exists():
        raise SystemExit(f"bench: {data} is missing; a full run writes it")
    saved = json.loads(data.read_text())
    saved["rows"] = [Row(**row) for row in saved["rows"]]
    run = Run(sizes=Sizes(), work=OUT / "run", **saved)
    publish(run, BENCH)


if __name__ == "__main__":
    main()
