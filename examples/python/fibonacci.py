"""The Fibonacci worker: prints the sequence up to a maximum, between MAGICALSTDOUTSEPARATOR.

It reads its payload the way IronWorker hands it over (the PAYLOAD_FILE environment variable,
or the -payload flag), so it needs nothing but Python on the server. Try it locally:

    python fibonacci.py -payload payload.json
"""

import json
import os
import sys


def payload_path():
    """The payload file's path: PAYLOAD_FILE, else the -payload flag (also -payload=FILE)."""
    if os.environ.get("PAYLOAD_FILE"):
        return os.environ["PAYLOAD_FILE"]
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        name, _, value = arg.lstrip("-").partition("=")
        if name == "payload":
            return value or (args[i + 1] if i + 1 < len(args) else None)
    return None


def read_max(default=100):
    path = payload_path()
    if not path:
        return default
    with open(path) as f:
        payload = json.load(f) or {}
    return int(payload.get("max", default))


def fibonacci(maximum):
    """The Fibonacci numbers below `maximum`, starting 0, 1, 1, 2, ..."""
    sequence = []
    a, b = 0, 1
    while a < maximum:
        sequence.append(a)
        a, b = b, a + b
    return sequence


print("MAGICALSTDOUTSEPARATOR" + json.dumps(fibonacci(read_max()), separators=(",", ":"))
      + "MAGICALSTDOUTSEPARATOR")
