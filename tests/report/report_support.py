"""Helpers for the report tests: fixture source, git, real measurements, journal runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

from declone.cli import main

HELPER = '''\
class TestHelper:
    """Records calls; pytest warns about it because of __init__."""

    def __init__(self):
        self.calls = []

    def record(self, name):
        self.calls.append(name)
        return len(self.calls)

    def last(self):
        return self.calls[-1] if self.calls else None
'''

AGENT = """\
class MockAgent:
    def __init__(self, name="agent"):
        self.name = name
        self.seen = []

    def plan(self, task):
        self.seen.append(task)
        return [task]

    def answer(self, task):
        return f"{self.name}:{task}"
"""


def module_source(number: int, helper: str | None) -> str:
    head = helper if helper is not None else "from tests.support import TestHelper\n"
    return (
        f"{head}\n\n{AGENT}\n\n"
        f"def test_record_{number}():\n"
        "    helper = TestHelper()\n"
        "    assert helper.record('a') == 1\n\n\n"
        f"def test_agent_{number}():\n"
        "    assert MockAgent().answer('x') == 'agent:x'\n"
    )


def git(root: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *arguments],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def measure(root: Path, *extra: str) -> None:
    assert main(["measure", "--root", str(root), *extra]) == 0


def write_run(root: Path, run_id: str, manifest: Mapping[str, object]) -> Path:
    """A journal run directory with its manifest, as ``declone migrate`` leaves it."""
    run_dir = root / ".declone" / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "manifest.json"
    path.write_text(json.dumps({"id": run_id, **manifest}), encoding="utf-8")
    return path


PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
filterwarnings = ["default"]
"""
