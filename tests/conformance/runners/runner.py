"""Conformance runner for Python: runs scenario.json's steps, one JSON line per step."""

import hashlib
import json
import sys

import iron_worker
from iron_worker import IronWorker

saved = {}


def resolve(value):
    if isinstance(value, str) and value.startswith("$") and "." in value:
        name, *path = value[1:].split(".")
        if name in saved:
            cur = saved[name]
            for part in path:
                cur = cur[int(part)] if isinstance(cur, list) else cur[part]
            return cur
    if isinstance(value, str) and value.startswith("$") and value[1:] in saved:
        return saved[value[1:]]
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


def plain(result):
    if isinstance(result, (bytes, bytearray)):
        return {"bytes_sha256": hashlib.sha256(result).hexdigest(), "length": len(result)}
    return result


def error_name(exc):
    for cls in type(exc).__mro__:
        if cls.__module__.startswith("iron_worker"):
            return "Error" if cls is iron_worker.IronWorkerError else cls.__name__
    return "Foreign:" + type(exc).__name__


def main():
    steps = json.load(open(sys.argv[1]))["steps"]
    worker = None
    for step in steps:
        args = resolve(step.get("args", []))
        options = resolve(step.get("options", {}))
        try:
            if "new" in step:
                worker = IronWorker(*resolve(step["new"]), **options)
                result = True
            elif "static" in step:
                result = getattr(IronWorker, step["static"])(*args, **options)
            else:
                result = getattr(worker, step["call"])(*args, **options)
            if "save" in step:
                saved[step["save"]] = result
            out = {"ok": plain(result)}
        except Exception as exc:  # every failure is reported, not raised
            out = {"error": error_name(exc), "status": getattr(exc, "status", None),
                   "message": str(exc)}
        print(json.dumps(out), flush=True)


main()
