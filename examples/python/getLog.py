"""Prints the Fibonacci sequence from a task's log. Usage: python getLog.py --task TASK_ID"""

import argparse
import json
import sys

from iron_worker import *

parser = argparse.ArgumentParser(description="Print the sequence a task computed.")
parser.add_argument("--task", required=True, help="the id run.py printed")
args = parser.parse_args()

worker = IronWorker("config.ini")
try:
    log = worker.getLog(task_id=args.task)
except NotFoundError:
    sys.exit("No log yet: is the task complete? (python checkTask.py --task %s)" % args.task)

parts = log.split("MAGICALSTDOUTSEPARATOR")
if len(parts) < 3:
    sys.exit("The log has no sequence between MAGICALSTDOUTSEPARATOR markers:\n" + log)
sequence = json.loads(parts[1])
print(sequence)
