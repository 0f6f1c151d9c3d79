"""``declone demo``: the whole pipeline on a copy of the example, with its figures asserted."""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import tomllib
from pathlib import Path

import pytest

from declone.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "websocket-suite"


def tree_digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_demo_runs_the_whole_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    example_before = tree_digest(EXAMPLE)
    monkeypatch.chdir(tmp_path)
    workdir = tmp_path / "work"
    assert main(["demo", str(EXAMPLE), "--workdir", str(workdir), "--keep", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["families_before"], figures["copies_before"]) == (2, 18)
    # Left: one family of two live copies, the canonical and the copy defined inside a test
    # function, which cannot be imported: migrate skips it and reports it, check does not.
    # The residual subclasses keep only what their copies changed: not copies.
    assert (figures["families_after"], figures["copies_after"]) == (1, 2)
    assert figures["copies_skipped"] == 1
    # Two runs: 13 + 4 files of copies, the registry, two extracted canonical modules; the
    # files both families were copied into are counted once.
    assert (figures["migration_runs"], figures["files_created"]) == (2, 2)
    assert (figures["files_changed"], figures["files_rolled_back"]) == (14, 0)
    assert figures["files_migrated"] == 16
    assert (figures["warnings_before"], figures["warnings_after"]) == (12, 0)
    assert (figures["tests_passed_before"], figures["tests_total_before"]) == (85, 85)
    assert (figures["tests_passed_after"], figures["tests_total_after"]) == (85, 85)
    # Collection time: three rounds of each side, alternating, and a verdict with its spread.
    collection = figures["collection"]
    assert collection["interleaved"] is True
    assert len(collection["before"]["rounds"]) == len(collection["after"]["rounds"]) == 3
    assert collection["spread"] is not None
    assert f"(±{math.ceil(collection['spread'] * 100 - 1e-9)}%)" in collection["description"]
    assert figures["check_exit_code"] == 0
    report = Path(figures["report"])
    assert report == tmp_path / ".declone" / "demo-report.html"
    assert "TestWebSocketConnection" in report.read_text(encoding="utf-8")
    assert figures["kept"] is True
    root = Path(figures["root"])
    assert root == workdir / EXAMPLE.name
    assert (root / "tests" / "support" / "websocket_connection.py").is_file()
    families = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["declone"]["families"]
    assert set(families) == {"TestWebSocketConnection", "MockAgent"}
    assert tree_digest(EXAMPLE) == example_before


_HELPERS = """\
class TestWebSocketConnection:
    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.open = False


class MockAgent:
    def __init__(self, name):
        self.name = name
        self.replies = []

    def reply(self, text):
        self.replies.append(text)
        return text


def test_send():
    connection = TestWebSocketConnection()
    connection.send("hi")
    assert connection.sent == ["hi"]


def test_reply():
    assert MockAgent("a").reply("x") == "x"
"""


def tiny_example(where: Path) -> Path:
    """Two test files sharing both of the demo's families: the pipeline in seconds."""
    example = where / "tiny"
    (example / "tests").mkdir(parents=True)
    (example / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n'
    )
    (example / "tests" / "__init__.py").write_text("")
    for name in ("test_a.py", "test_b.py"):
        (example / "tests" / name).write_text(_HELPERS)
    return example


def test_demo_removes_its_copy_but_not_the_workdir_or_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = tiny_example(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "mine.txt").write_text("the user's")
    argv = ["demo", str(example), "--workdir", str(workdir), "--no-verify", "--json"]
    argv += ["--rounds", "2"]
    assert main(argv) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["copies_before"], figures["copies_after"]) == (4, 0)
    assert (figures["families_before"], figures["families_after"]) == (2, 0)
    assert (figures["check_exit_code"], figures["kept"]) == (0, False)
    # The user's folder and what was in it stay; the copy the demo made in it goes.
    assert sorted(p.name for p in workdir.iterdir()) == ["mine.txt"]
    assert (workdir / "mine.txt").read_text() == "the user's"
    report = Path(figures["report"])
    assert report == here / ".declone" / "demo-report.html"
    assert "TestWebSocketConnection" in report.read_text(encoding="utf-8")


def test_demo_removes_its_temporary_folder_even_when_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.chdir(tmp_path)
    not_an_example = tmp_path / "plain"
    not_an_example.mkdir()
    assert main(["demo", str(not_an_example)]) == 2
    assert "not an example repository" in capsys.readouterr().err
    assert list(temporary.iterdir()) == []


def test_demo_refuses_a_missing_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path / "nope"), "--workdir", str(tmp_path)]) == 2
    assert "no such folder" in capsys.readouterr().err
