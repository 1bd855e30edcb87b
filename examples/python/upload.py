"""Packages fibonacci.py and uploads it as the code package "FibWorker"."""

from iron_worker import *

worker = IronWorker("config.ini")

IronWorker.createZip(base_dir="", files=["fibonacci.py"], destination="fibonacci.zip",
                     overwrite=True)
response = worker.postCode(runFilename="fibonacci.py", zipFilename="fibonacci.zip",
                           name="FibWorker")
print(response["msg"])
