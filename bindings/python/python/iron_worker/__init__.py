"""IronWorker from Python: the API of the "Your First Worker" tutorial, backed by a Rust core.

    from iron_worker import *

    worker = IronWorker("config.ini")
    IronWorker.createZip(base_dir="", files=["fibonacci.py"], destination="fib.zip",
                         overwrite=True)
    worker.postCode(runFilename="fibonacci.py", zipFilename="fib.zip", name="FibWorker")
    task = worker.postTask(name="FibWorker", payload={"max": 100})
    print(worker.waitFor(task["tasks"][0]["id"])["status"])

Every method has a snake_case alias (``post_task``, ``get_log``, ``create_zip``, ...).
``from iron_worker import *`` brings IronWorker and the exceptions (see
iron_worker.exceptions).
"""

from __future__ import annotations

import re

from . import _native
from .exceptions import (
    ConfigError,
    HTTPError,
    InvalidArgumentError,
    IronWorkerError,
    MissingFileError,
    NetworkError,
    NotFoundError,
    PackagingError,
    RequestTimeoutError,
    ServiceUnavailableError,
    UnauthorizedError,
)

__version__: str = _native.__version__

__all__ = [
    "IronWorker",
    "IronWorkerError",
    "ConfigError",
    "PackagingError",
    "MissingFileError",
    "HTTPError",
    "UnauthorizedError",
    "NotFoundError",
    "ServiceUnavailableError",
    "RequestTimeoutError",
    "NetworkError",
    "InvalidArgumentError",
]


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class IronWorker(_native.IronWorker):
    __doc__ = _native.IronWorker.__doc__
    __module__ = "iron_worker"


# snake_case aliases (post_task, get_log, create_zip, ...): the same callables under a second
# name, so docs, signatures and behaviour are identical. Static methods stay static.
for _name, _member in vars(_native.IronWorker).items():
    if _name[:1].islower() and _snake_case(_name) != _name:
        setattr(IronWorker, _snake_case(_name), _member)
del _name, _member
