"""The public surface: star-import, names, aliases, docstrings, the exception hierarchy, and
the .pyi stub compared with the built module."""

from __future__ import annotations

import ast
import builtins
import inspect
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

import iron_worker
from iron_worker import exceptions

STUB = Path(iron_worker.__file__).with_name("__init__.pyi")

CAMEL_METHODS = [
    "createZip", "zipDirectory", "getArgs", "getPayload", "getConfig",
    "postCode", "upload", "getCodes", "getCodeDetails", "deleteCode", "getCodeRevisions",
    "downloadCode", "pauseTaskQueue", "resumeTaskQueue", "cancelAllTasks",
    "postTask", "postTasks", "getTasks", "getTaskDetails", "getLog", "getStdout",
    "cancelTask", "retryTask", "setTaskProgress", "waitFor",
    "postSchedule", "postScheduleSimple", "postScheduleAdvanced", "getSchedules",
    "getSchedule", "cancelSchedule", "getProjectDetails",
]
STATIC = {"createZip", "zipDirectory", "getArgs", "getPayload", "getConfig"}
EXCEPTIONS = {
    "IronWorkerError": (Exception,),
    "ConfigError": ("IronWorkerError",),
    "PackagingError": ("IronWorkerError",),
    "MissingFileError": ("PackagingError", FileNotFoundError),
    "HTTPError": ("IronWorkerError",),
    "UnauthorizedError": ("HTTPError",),
    "NotFoundError": ("HTTPError",),
    "ServiceUnavailableError": ("HTTPError",),
    "RequestTimeoutError": ("IronWorkerError", TimeoutError),
    "NetworkError": ("IronWorkerError",),
    "InvalidArgumentError": ("IronWorkerError", ValueError),
}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def public_names(cls) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_star_import_brings_ironworker_and_the_exceptions():
    namespace: dict = {}
    exec("from iron_worker import *", namespace)
    names = {n for n in namespace if n != "__builtins__"}
    assert names == {"IronWorker", *EXCEPTIONS}
    assert set(iron_worker.__all__) == names


def test_every_method_has_camel_and_snake_names_for_the_same_callable():
    cls = iron_worker.IronWorker
    expected = set(CAMEL_METHODS) | {snake(n) for n in CAMEL_METHODS}
    assert public_names(cls) == expected
    for name in CAMEL_METHODS:
        assert inspect.getattr_static(cls, snake(name)) is inspect.getattr_static(cls, name) \
            or snake(name) == name


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_methods_are_static(name):
    assert isinstance(inspect.getattr_static(iron_worker.IronWorker, name), staticmethod)
    assert isinstance(inspect.getattr_static(iron_worker.IronWorker, snake(name)), staticmethod)


def test_every_public_name_has_a_docstring():
    for obj in [iron_worker, exceptions, iron_worker.IronWorker]:
        assert (obj.__doc__ or "").strip(), obj
    for name in public_names(iron_worker.IronWorker):
        doc = getattr(iron_worker.IronWorker, name).__doc__ or ""
        assert len(doc.strip()) > 20, name
    for name in EXCEPTIONS:
        assert (getattr(iron_worker, name).__doc__ or "").strip(), name


def test_help_shows_signatures():
    sig = inspect.signature(iron_worker.IronWorker.postCode)
    assert list(sig.parameters) == ["self", "runFilename", "zipFilename", "name", "options"]
    sig = inspect.signature(iron_worker.IronWorker.createZip)
    assert list(sig.parameters) == ["base_dir", "files", "destination", "overwrite"]
    assert sig.parameters["overwrite"].default is False


@pytest.mark.parametrize("name,bases", EXCEPTIONS.items())
def test_exception_hierarchy_matches_the_api(name, bases):
    cls = getattr(iron_worker, name)
    for base in bases:
        base = getattr(iron_worker, base) if isinstance(base, str) else base
        assert issubclass(cls, base), (name, base)
    assert issubclass(cls, iron_worker.IronWorkerError)


def test_exceptions_carry_fields_and_survive_pickling():
    err = iron_worker.NotFoundError("HTTP 404 for GET /x: no such task", status=404, msg="no")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is iron_worker.NotFoundError
    assert (again.status, again.msg, str(again)) == (404, "no", str(err))

    missing = iron_worker.MissingFileError("file not found: a.py", path="a.py")
    again = pickle.loads(pickle.dumps(missing))
    assert isinstance(again, FileNotFoundError)
    assert (again.path, again.filename, str(again)) == ("a.py", "a.py", "file not found: a.py")


# ---- the stub -------------------------------------------------------------------------------

def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def stub_class(tree: ast.Module) -> ast.ClassDef:
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "IronWorker")


def decorator_names(fn: ast.FunctionDef) -> set[str]:
    return {d.id for d in fn.decorator_list if isinstance(d, ast.Name)}


def stub_parameters(fn: ast.FunctionDef) -> list[tuple[str, str, object]]:
    """(name, kind, default) per parameter, in the style of inspect.Parameter."""
    args = fn.args
    out = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        out.append((arg.arg, "POSITIONAL_OR_KEYWORD", literal(default)))
    if args.vararg:
        out.append((args.vararg.arg, "VAR_POSITIONAL", inspect.Parameter.empty))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append((arg.arg, "KEYWORD_ONLY", literal(default)))
    if args.kwarg:
        out.append((args.kwarg.arg, "VAR_KEYWORD", inspect.Parameter.empty))
    return out


def literal(node):
    return inspect.Parameter.empty if node is None else ast.literal_eval(node)


def runtime_parameters(obj) -> list[tuple[str, str, object]]:
    sig = inspect.signature(obj)
    return [(p.name, p.kind.name, p.default) for p in sig.parameters.values()]


def test_stub_lists_exactly_the_runtime_methods():
    cls = stub_class(stub_tree())
    stubbed = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    assert stubbed - {"__new__"} == public_names(iron_worker.IronWorker)


def test_stub_signatures_match_the_runtime():
    cls = stub_class(stub_tree())
    for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
        if fn.name == "__new__":
            if sys.version_info < (3, 10):
                # CPython 3.9 cannot show a native class's constructor signature (no
                # __text_signature__ on types); stubtest and newer versions check it.
                continue
            stub = stub_parameters(fn)[1:]
            runtime = runtime_parameters(iron_worker.IronWorker)
        else:
            stub = stub_parameters(fn)
            runtime = runtime_parameters(getattr(iron_worker.IronWorker, fn.name))
            static = isinstance(inspect.getattr_static(iron_worker.IronWorker, fn.name),
                                staticmethod)
            assert ("staticmethod" in decorator_names(fn)) == static, fn.name

        if "overload" in decorator_names(fn):
            # Each overload uses a subset of the real parameters, in order.
            names = [p[0] for p in runtime]
            used = [p[0] for p in stub]
            assert used == [n for n in names if n in used], fn.name
            continue
        # Positional-or-keyword and positional-only are the same thing for `self`.
        normalise = lambda ps: [(n, "POSITIONAL_OR_KEYWORD" if k == "POSITIONAL_ONLY" else k, d)
                                for n, k, d in ps]
        assert normalise(stub) == normalise(runtime), fn.name


def test_stub_all_and_exceptions_match_the_module():
    tree = stub_tree()
    all_node = next(n for n in tree.body if isinstance(n, ast.Assign)
                    and getattr(n.targets[0], "id", None) == "__all__")
    assert ast.literal_eval(all_node.value) == iron_worker.__all__
    imported = {alias.asname for n in tree.body if isinstance(n, ast.ImportFrom)
                and n.module == "exceptions" for alias in n.names}
    assert imported == set(EXCEPTIONS)


def test_the_package_is_typed():
    assert Path(iron_worker.__file__).with_name("py.typed").exists()


def test_repr_shows_the_endpoint_not_the_token():
    w = iron_worker.IronWorker(token="s3cret-token-value", project_id="a" * 24,
                               host="127.0.0.1", port=1, protocol="http")
    text = repr(w)
    assert "s3cret" not in text and "a" * 24 in text and "127.0.0.1" in text
    assert builtins.isinstance(w, iron_worker.IronWorker)


def run_mypy(module: str, *args: str, cwd: Path) -> None:
    # Both keep their cache in `cwd`, a per-test directory.
    out = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_stubtest_finds_the_stub_consistent_with_the_module(clean_environment):
    """mypy's stubtest imports the built module and checks every name and signature."""
    run_mypy("mypy.stubtest", "iron_worker", cwd=clean_environment)


def test_the_tutorial_scripts_type_check_against_the_stub(clean_environment):
    examples = Path(__file__).resolve().parents[3] / "examples" / "python"
    run_mypy("mypy", *map(str, sorted(examples.glob("*.py"))), cwd=clean_environment)
