from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from migrate_support import PYPROJECT


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
