"""Prints a task's status. Usage: python checkTask.py --task TASK_ID"""

import argparse

from iron_worker import *

parser = argparse.ArgumentParser(description="Print a task's status.")
parser.add_argument("--task", required=True, help="the id run.py printed")
args = parser.parse_args()

worker = IronWorker("config.ini")
details = worker.getTaskDetails(task_id=args.task)
print(details["status"])
