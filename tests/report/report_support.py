"""Helpers for the report tests: fixture source, git, real measurements, journal runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from declone.cli import main
from declone.migrate.journal import JournalChange, apply_changes, new_run_id, start_run

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


class JournalRun:
    """A migration run written through the real journal, batch by batch, as migrate does."""

    def __init__(self, root: Path, family: str, canonical: str, run_id: str) -> None:
        self.root = root
        self.run = start_run(root, family, canonical, run_id=run_id)
        self.batches = 0

    @property
    def id(self) -> str:
        return self.run.id

    def apply(self, files: Mapping[str, tuple[str, str]]) -> None:
        """One batch: ``{path: (action, new text)}``; a path that does not exist is created."""
        changes = []
        for path, (action, text) in files.items():
            target = self.root / path
            new_file = not target.exists()
            if new_file:
                target.parent.mkdir(parents=True, exist_ok=True)
            before = b"" if new_file else target.read_bytes()
            changes.append(JournalChange(path, before, text.encode(), action, new_file=new_file))
        self.batches += 1
        self.run, outcomes = apply_changes(self.root, self.run, changes, self.batches)
        assert [o.status for o in outcomes] == ["written"] * len(changes), outcomes


def run_id(day: int, suffix: str) -> str:
    return new_run_id(datetime(2025, 1, day, 12, tzinfo=UTC), suffix)


def verify(root: Path, run: str, *extra: str) -> int:
    """A real ``declone verify`` of the run; it records ``verification.json``."""
    return main(["verify", run, "--root", str(root), "--jobs", "1", *extra])


def record_skips(root: Path, run: str, skips: Sequence[Mapping[str, object]]) -> None:
    """Add the ``skipped`` list the report reads to a run's manifest.

    The journal does not record the files a run leaves alone yet; this is the field the
    report reads when it does (``[{"path", "reason", "class"?, "line"?}]``). Added after the
    journal's last write of the run, since the journal rewrites the manifest from its records.
    """
    manifest = root / ".declone" / "runs" / run / "manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["skipped"] = list(skips)
    manifest.write_text(json.dumps(document), encoding="utf-8")


PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
filterwarnings = ["default"]
"""


HELPER_RUN = run_id(1, "0001")
AGENT_RUN = run_id(2, "0002")
SKIP_REASON = "name rebound in the file"
