from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from migration_support import PYPROJECT


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test gets its own scan cache, never the user's ~/.cache/declone."""
    monkeypatch.setenv("DECLONE_CACHE_DIR", str(tmp_path_factory.mktemp("declone-cache")))


@pytest.fixture
def write_tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write ``{relative path: text or bytes}`` under tmp_path and return the root."""

    def write(files: dict[str, str | bytes], root: Path | None = None) -> Path:
        base = root or tmp_path
        for name, content in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return base

    return write


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "websocket-suite"


@pytest.fixture
def example_repo() -> Path:
    assert EXAMPLE.is_dir(), EXAMPLE
    return EXAMPLE


os.environ.setdefault("COLUMNS", "200")


@pytest.fixture
def repo(tmp_path: Path, write_tree: Any) -> Any:
    """Build a repo of packages under tmp_path: ``repo({path: text})`` returns the root."""

    def build(files: dict[str, str | bytes]) -> Path:
        tree: dict[str, str | bytes] = {"pyproject.toml": PYPROJECT, "tests/__init__.py": ""}
        tree.update(files)
        for path in list(tree):
            folder = path.rpartition("/")[0]
            while folder.startswith("tests"):
                tree.setdefault(f"{folder}/__init__.py", "")
                folder = folder.rpartition("/")[0]
        return write_tree(tree)  # type: ignore[no-any-return]

    return build
