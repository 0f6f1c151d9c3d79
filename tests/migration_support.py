"""Small repositories for the plan / migrate / finalize tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from declone.cli import main

#: The helper every small repo in these tests copies around.
HELPER = '''\
class {name}:
    """Records what it is sent."""

    def __init__(self):
        self.sent = []
        self.closed = False

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.closed = True
'''

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["."]
"""


def helper(name: str = "Recorder", extra: str = "") -> str:
    return HELPER.format(name=name) + extra


def module_with_copy(body: str, name: str = "Recorder", extra: str = "", header: str = "") -> str:
    """A test module with a copy of the helper and ``body`` after it."""
    return f"{header}{helper(name, extra)}\n\n{body}"


USES = """\
def test_send():
    r = {name}()
    r.send(1)
    assert r.sent == [1]
"""


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main([*argv, "--json", "--no-cache"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def actions(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """``path -> (action, reason)`` of a plan document."""
    return {entry["path"]: (entry["action"], entry["reason"]) for entry in document["files"]}


def commit_all(root: Path) -> Path:
    """Commit everything under ``root`` (made a git repository on first use); ``root``."""
    steps: list[tuple[str, ...]] = []
    if not (root / ".git").exists():
        steps += [
            ("init", "-q"),
            ("config", "user.email", "t@example.org"),
            ("config", "user.name", "t"),
            ("config", "commit.gpgsign", "false"),
        ]
    steps += [("add", "-A"), ("commit", "-q", "-m", "state")]
    for arguments in steps:
        subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)
    return root


def own_statements(source: bytes, class_name: str) -> list[str]:
    """The top-level statements of ``source`` other than the classes named ``class_name``
    (the copies) and the import lines, as written: what a migration must leave alone."""
    module = cst.parse_module(source)
    kept = []
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == class_name:
            continue
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
        ):
            continue
        kept.append(module.code_for_node(statement.with_changes(leading_lines=())))
    return kept
