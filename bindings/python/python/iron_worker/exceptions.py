"""The exceptions raised by iron_worker.

Every error is an ``IronWorkerError``; the subclasses say what kind of thing went wrong, and
some also derive from the builtin exception with the same meaning, so ``except
FileNotFoundError`` or ``except TimeoutError`` work too::

    IronWorkerError
    ├── ConfigError                 bad or missing configuration (token, project_id, file)
    ├── PackagingError              building an archive failed
    │   └── MissingFileError        an input file is missing (also a FileNotFoundError)
    ├── HTTPError                   the server answered with an error (.status, .msg)
    │   ├── UnauthorizedError       401: wrong token
    │   ├── NotFoundError           404: no such task, code, schedule or log (yet)
    │   └── ServiceUnavailableError 503: the service is overloaded (retried first)
    ├── RequestTimeoutError         a request or waitFor took too long (also a TimeoutError)
    ├── NetworkError                the server could not be reached
    └── InvalidArgumentError        an argument has a wrong value (also a ValueError)

The message of each is the core's text, which never contains the token.
"""

from __future__ import annotations

import errno
from typing import Optional

__all__ = [
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


def _rebuild(cls: type, message: str, fields: dict) -> "IronWorkerError":
    return cls(message, **fields)


class IronWorkerError(Exception):
    """Base class of every iron_worker error.

    ``path`` is the file concerned when the error is about a file, else None.
    """

    path: Optional[str]

    def __init__(self, message: str = "", *, path: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path

    @property
    def message(self) -> str:
        """The error's text."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message

    def _fields(self) -> dict:
        return {"path": self.path} if self.path is not None else {}

    def __reduce__(self) -> tuple:
        # Keyword fields survive pickling (multiprocessing, concurrent.futures).
        return (_rebuild, (type(self), self.message, self._fields()))


class ConfigError(IronWorkerError):
    """The configuration is missing or malformed; the message names the file and key."""


class PackagingError(IronWorkerError):
    """Building or reading an archive failed."""


class MissingFileError(PackagingError, FileNotFoundError):
    """An input file or directory does not exist; ``path`` (and ``filename``) name it."""

    def __init__(self, message: str = "", *, path: Optional[str] = None) -> None:
        super().__init__(message, path=path)
        self.errno = errno.ENOENT
        self.strerror = message
        self.filename = path


class HTTPError(IronWorkerError):
    """The server answered with an error status.

    ``status`` is the HTTP status code and ``msg`` the server's own message.
    """

    status: Optional[int]
    msg: Optional[str]

    def __init__(
        self,
        message: str = "",
        *,
        status: Optional[int] = None,
        msg: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message, path=path)
        self.status = status
        self.msg = msg

    def _fields(self) -> dict:
        fields = super()._fields()
        fields.update(status=self.status, msg=self.msg)
        return fields


class UnauthorizedError(HTTPError):
    """401: the token is wrong or lacks access to the project."""


class NotFoundError(HTTPError):
    """404: no such task, code package or schedule, or no log yet."""


class ServiceUnavailableError(HTTPError):
    """503: the service is overloaded; raised once the retries are used up."""


class RequestTimeoutError(IronWorkerError, TimeoutError):
    """A request, or waitFor, did not finish in time."""


class NetworkError(IronWorkerError):
    """The server could not be reached, or the connection broke."""


class InvalidArgumentError(IronWorkerError, ValueError):
    """An argument has a value the API does not accept; the message names it."""
