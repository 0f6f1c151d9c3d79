"""Fixture repositories with real journal runs for the verify tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from declone.migrate.journal import JournalChange, Run, apply_changes, start_run

WriteRepo = Callable[[Mapping[str, str]], Path]
Migrate = Callable[[Path, Mapping[str, str | None]], Run]


@pytest.fixture(autouse=True)
def lean_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the third-party plugins of declone's own environment out of the target's pytest:
    the fixture repositories need none of them and each would slow every run down."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)


@pytest.fixture
def write_repo(tmp_path: Path) -> WriteRepo:
    """Write ``{relative path: dedented text}`` under ``tmp_path / "repo"``; return the root."""
    root = tmp_path / "repo"

    def write(files: Mapping[str, str]) -> Path:
        root.mkdir(exist_ok=True)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write


@pytest.fixture
def migrate() -> Migrate:
    """Record a journal run that rewrites files: ``{path: new text, or None to leave}``;
    a path that does not exist yet is created by the run."""

    def apply(root: Path, changes: Mapping[str, str | None]) -> Run:
        run = start_run(root, "FakeSocket", "helpers.canonical.FakeSocket")
        entries = []
        for path, text in changes.items():
            target = root / path
            after = textwrap.dedent(text or "").encode()
            if target.exists():
                entries.append(JournalChange(path, target.read_bytes(), after, "replace"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                entries.append(JournalChange(path, b"", after, "create", new_file=True))
        run, outcomes = apply_changes(root, run, entries, batch=1)
        assert all(outcome.status == "written" for outcome in outcomes), outcomes
        return run

    return apply
