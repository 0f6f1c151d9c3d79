"""Fixture repositories for the measure tests: tiny trees written under ``tmp_path``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

MakeRepo = Callable[[Mapping[str, str]], Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Write ``{relative path: dedented source}`` under ``tmp_path / "repo"``; return the root."""
    root = tmp_path / "repo"

    def write(files: Mapping[str, str]) -> Path:
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return write


@pytest.fixture
def lean_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the third-party plugins of declone's own environment out of the target's pytest.

    The fixture repositories need none of them and they would only slow every run down.
    """
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
