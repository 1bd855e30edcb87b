"""createZip and zipDirectory: positional, keyword and snake_case forms, overwrite, missing
files, determinism and wrong argument types."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from iron_worker import IronWorker, MissingFileError, PackagingError


def make_files(root: Path) -> None:
    (root / "worker.py").write_text("print('hi')\n")
    (root / "lib").mkdir()
    (root / "lib" / "util.py").write_text("X = 1\n")


def entries(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if not n.endswith("/"))


def test_create_zip_keywords_like_the_tutorial(clean_environment, name_style):
    make_files(clean_environment)
    create = getattr(IronWorker, name_style("createZip"))

    ok = create(base_dir="", files=["worker.py", "lib/util.py"], destination="out.zip",
                overwrite=True)

    assert ok is True
    assert entries("out.zip") == ["lib/util.py", "worker.py"]


def test_create_zip_positional_puts_files_under_base_dir(clean_environment, name_style):
    make_files(clean_environment)
    create = getattr(IronWorker, name_style("createZip"))

    assert create("app", ["worker.py", Path("lib/util.py")], Path("out.zip"), True)

    assert entries("out.zip") == ["app/lib/util.py", "app/worker.py"]
    with zipfile.ZipFile("out.zip") as z:
        assert z.read("app/worker.py") == b"print('hi')\n"


def test_create_zip_without_overwrite_leaves_an_existing_zip(clean_environment):
    make_files(clean_environment)
    Path("out.zip").write_bytes(b"old")

    assert IronWorker.createZip("", ["worker.py"], "out.zip") is False
    assert IronWorker.create_zip("", ["worker.py"], "out.zip", overwrite=False) is False
    assert Path("out.zip").read_bytes() == b"old"

    assert IronWorker.createZip("", ["worker.py"], "out.zip", overwrite=True) is True
    assert entries("out.zip") == ["worker.py"]


def test_create_zip_is_deterministic(clean_environment):
    make_files(clean_environment)
    IronWorker.createZip("", ["worker.py", "lib/util.py"], "a.zip", True)
    IronWorker.createZip("", ["lib/util.py", "worker.py"], "b.zip", True)
    assert Path("a.zip").read_bytes() == Path("b.zip").read_bytes()


def test_create_zip_names_a_missing_file(clean_environment, name_style):
    make_files(clean_environment)
    create = getattr(IronWorker, name_style("createZip"))

    with pytest.raises(MissingFileError) as info:
        create("", ["worker.py", "nope.py"], "out.zip", True)

    assert "nope.py" in str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, PackagingError)
    assert info.value.path.endswith("nope.py")
    assert info.value.filename == info.value.path
    assert not Path("out.zip").exists()


def test_create_zip_rejects_wrong_types(clean_environment):
    make_files(clean_environment)
    with pytest.raises(TypeError, match=r"files must be a list of file names, not a single str"):
        IronWorker.createZip("", "worker.py", "out.zip", True)
    with pytest.raises(TypeError, match=r"files\[1\] must be a str or os.PathLike, not int"):
        IronWorker.createZip("", ["worker.py", 3], "out.zip", True)
    with pytest.raises(TypeError, match="overwrite must be True or False, not str"):
        IronWorker.createZip("", ["worker.py"], "out.zip", "yes")
    with pytest.raises(TypeError, match="destination must be a str or os.PathLike, not int"):
        IronWorker.createZip("", ["worker.py"], 42, True)
    with pytest.raises(TypeError, match="base_dir must be a str, not NoneType"):
        IronWorker.createZip(None, ["worker.py"], "out.zip", True)
    with pytest.raises(TypeError, match="directory must be a str or os.PathLike, not list"):
        IronWorker.zipDirectory(["src"], "out.zip")
    with pytest.raises(TypeError):
        IronWorker.createZip("", ["worker.py"])


def test_zip_directory_keeps_entries_relative(clean_environment, name_style):
    (clean_environment / "src").mkdir()
    make_files(clean_environment / "src")
    zip_directory = getattr(IronWorker, name_style("zipDirectory"))

    assert zip_directory(directory="src", destination="d.zip", overwrite=True)
    assert zip_directory(str(clean_environment / "src"), "e.zip", True)

    assert entries("d.zip") == ["lib/util.py", "worker.py"]
    assert Path("d.zip").read_bytes() == Path("e.zip").read_bytes()
    assert zip_directory("src", "d.zip") is False


def test_zip_directory_names_a_missing_directory(clean_environment):
    with pytest.raises(MissingFileError, match="no-such-dir"):
        IronWorker.zipDirectory("no-such-dir", "d.zip", True)
