"""``declone demo``: the whole pipeline on a copy of the example, with its figures asserted."""

from __future__ import annotations

import hashlib
import json
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


def test_demo_runs_the_whole_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example_before = tree_digest(EXAMPLE)
    assert main(["demo", str(EXAMPLE), "--workdir", str(tmp_path), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["copies_before"] == 18
    # Left: the copy defined inside a test function, which cannot be imported and is reported
    # by check. The residual subclasses keep only what their copies changed: not copies.
    assert figures["copies_after"] == 1
    assert (figures["warnings_before"], figures["warnings_after"]) == (12, 0)
    assert (figures["tests_passed_before"], figures["tests_total_before"]) == (85, 85)
    assert (figures["tests_passed_after"], figures["tests_total_after"]) == (85, 85)
    assert figures["collection_ratio"] > 0
    assert figures["check_exit_code"] == 1  # the copy inside a function is still flagged
    report = Path(figures["report"])
    assert report.is_file()
    assert "TestWebSocketConnection" in report.read_text(encoding="utf-8")
    root = Path(figures["root"])
    assert (root / "tests" / "support" / "websocket_connection.py").is_file()
    families = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["declone"]["families"]
    assert set(families) == {"TestWebSocketConnection", "MockAgent"}
    assert tree_digest(EXAMPLE) == example_before


def test_demo_refuses_a_missing_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path / "nope"), "--workdir", str(tmp_path)]) == 2
    assert "no such folder" in capsys.readouterr().err
