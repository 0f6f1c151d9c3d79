from __future__ import annotations

import os
from pathlib import Path

import pytest


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
