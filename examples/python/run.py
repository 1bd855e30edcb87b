"""Queues a FibWorker task and prints its id. Usage: python run.py [--max N]"""

import argparse

from iron_worker import *

parser = argparse.ArgumentParser(description="Queue a Fibonacci task.")
parser.add_argument("--max", type=int, default=100, help="compute the sequence below this")
args = parser.parse_args()

worker = IronWorker("config.ini")
task = worker.postTask(name="FibWorker", payload={"max": args.max})
print(task["tasks"][0]["id"])
