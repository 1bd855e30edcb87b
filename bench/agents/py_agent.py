"""One timed benchmark step in Python, run in a fresh interpreter by bench/bench.py.

    python py_agent.py '<json spec>'     (token in IRON_BENCH_TOKEN)

Each step times only the work a user would write (the calls themselves), not the interpreter
start or the imports, and prints one JSON line. Our binding and the official PyPI client are
both the module `iron_worker`, so they live in different venvs and never meet in one process.
"""

import json
import os
import sys
import time


def token():
    return os.environ["IRON_BENCH_TOKEN"]


def base_url(spec):
    return f"http://{spec['host']}:{spec['port']}/2/projects/{spec['project_id']}"


def ours(spec):
    from iron_worker import IronWorker

    return IronWorker(spec["config"])


def official(spec):
    from iron_worker import IronWorker

    return IronWorker(
        project_id=spec["project_id"], token=token(), host=spec["host"],
        port=spec["port"], protocol="http",
    )


# Every benchmark task is queued with this delay so that it waits, out of the dispatcher's way,
# until the driver cancels it: nothing runs while calls are timed.
DELAY = 3600


def requests_queue_one(session, url, code, n):
    task = {"code_name": code, "payload": json.dumps({"n": n}), "delay": DELAY}
    body = json.dumps({"tasks": [task]})
    resp = session.post(url, data=body, headers={"Content-Type": "application/json"})
    resp.raise_for_status()
    return resp.json()


def queue(spec):
    """Item 1: `calls` tasks queued one per call over one client (keep-alive where offered)."""
    tool, code, calls = spec["tool"], spec["code"], spec["calls"]

    if tool == "ours":
        worker = ours(spec)

        def one(n):
            return worker.postTask(code, {"n": n}, delay=DELAY)["tasks"][0]["id"]

    elif tool == "official":
        worker = official(spec)

        def one(n):
            return worker.queue(code_name=code, payload={"n": n}, delay=DELAY).id

    elif tool == "requests":
        import requests

        session = requests.Session()
        session.headers["Authorization"] = f"OAuth {token()}"
        url = base_url(spec) + "/tasks"

        def one(n):
            return requests_queue_one(session, url, code, n)["tasks"][0]["id"]

    else:
        raise SystemExit(f"py_agent: unknown queue tool {tool!r}")

    for n in range(5):
        one(-1 - n)
    started = time.perf_counter()
    for n in range(calls):
        one(n)
    return {"seconds": time.perf_counter() - started, "calls": calls}


def batch(spec):
    """Item 2: one call queues `tasks` tasks, repeated `reps` times after one warm-up."""
    tool, code, size = spec["tool"], spec["code"], spec["tasks"]

    if tool == "ours":
        worker = ours(spec)

        def one():
            payloads = [{"n": n} for n in range(size)]
            ids = worker.postTasks(code, payloads, delay=DELAY)["tasks"]
            assert len(ids) == size, len(ids)

    elif tool == "official":
        from iron_worker import Task

        worker = official(spec)

        def one():
            tasks = [Task(code_name=code, payload={"n": n}, delay=DELAY) for n in range(size)]
            queued = worker.queue(tasks=tasks)
            assert len(queued) == size, len(queued)

    else:
        raise SystemExit(f"py_agent: unknown batch tool {tool!r}")

    one()
    times = []
    for _ in range(spec["reps"]):
        started = time.perf_counter()
        one()
        times.append(time.perf_counter() - started)
    return {"times": times}


def zip_tree(spec):
    """Item 3: the tree zipped by our zipDirectory or by the standard library's zipfile."""
    tool, src, dest = spec["tool"], spec["src"], spec["dest"]

    if tool == "ours":
        from iron_worker import IronWorker

        def one():
            IronWorker.zipDirectory(src, dest, True)

    elif tool == "zipfile":
        import zipfile

        def one():
            # What a user writes: walk the tree, deflate every file at level 6.
            with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                for root, dirs, files in os.walk(src):
                    dirs.sort()
                    for name in sorted(files):
                        path = os.path.join(root, name)
                        zf.write(path, os.path.relpath(path, src))

    else:
        raise SystemExit(f"py_agent: unknown zip tool {tool!r}")

    started = time.perf_counter()
    one()
    return {"seconds": time.perf_counter() - started, "bytes": os.path.getsize(dest)}


def status_kb(field):
    """A `Vm*` line of /proc/self/status, in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def upload(spec):
    """Item 4: one postCode of a big zip, with the growth of this process's peak RSS."""
    import resource

    worker = ours(spec)
    worker.getProjectDetails()  # the connection pool and TLS-free agent exist before timing

    reset = reset_peak_rss()
    rss_before = status_kb("VmRSS")
    hwm_before = status_kb("VmHWM")
    started = time.perf_counter()
    answer = worker.postCode(spec["run_file"], spec["zip"], spec["name"], runtime="sh")
    seconds = time.perf_counter() - started
    hwm_after = status_kb("VmHWM")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    worker.deleteCode(answer["id"])
    return {
        "seconds": seconds,
        "rss_before_kb": rss_before,
        "hwm_before_kb": hwm_before,
        "hwm_after_kb": hwm_after,
        "ru_maxrss_kb": maxrss,
        "hwm_reset": reset,
        "growth_kb": max(0, hwm_after - rss_before),
    }


def getlog(spec):
    """Item 5: one finished task's log, `reps` times after one warm-up: as a str ("ours",
    "requests"), or streamed into the file `destination` ("ours-file")."""
    size_of = len
    if spec["tool"] == "ours":
        worker = ours(spec)

        def one():
            return worker.getLog(spec["task_id"])

    elif spec["tool"] == "ours-file":
        worker = ours(spec)
        size_of = os.path.getsize

        def one():
            return worker.getLog(spec["task_id"], spec["destination"])

    elif spec["tool"] == "requests":
        import requests

        session = requests.Session()
        session.headers["Authorization"] = f"OAuth {token()}"
        url = f"{base_url(spec)}/tasks/{spec['task_id']}/log"

        def one():
            resp = session.get(url)
            resp.raise_for_status()
            resp.encoding = "utf-8"
            return resp.text

    else:
        raise SystemExit(f"py_agent: unknown getlog tool {spec['tool']!r}")

    size = size_of(one())
    times = []
    for _ in range(spec["reps"]):
        started = time.perf_counter()
        result = one()
        times.append(time.perf_counter() - started)
        assert size_of(result) == size
    return {"times": times, "chars": size}


def calls(spec):
    """Item 7: per-call time of postTask and getTaskDetails through our binding."""
    worker = ours(spec)
    code, n = spec["code"], spec["calls"]

    task_id = worker.postTask(code, {"n": -1}, delay=DELAY)["tasks"][0]["id"]
    for _ in range(5):
        worker.getTaskDetails(task_id)

    started = time.perf_counter()
    for i in range(n):
        worker.postTask(code, {"n": i}, delay=DELAY)
    post = time.perf_counter() - started

    started = time.perf_counter()
    for _ in range(n):
        worker.getTaskDetails(task_id)
    get = time.perf_counter() - started
    return {"postTask": post / n, "getTaskDetails": get / n}


STEPS = {
    "queue": queue,
    "batch": batch,
    "zip": zip_tree,
    "upload": upload,
    "getlog": getlog,
    "calls": calls,
}


def main():
    spec = json.loads(sys.argv[1])
    step = STEPS.get(spec["step"])
    if step is None:
        raise SystemExit(f"py_agent: unknown step {spec['step']!r}")
    print(json.dumps(step(spec)), flush=True)


if __name__ == "__main__":
    main()
