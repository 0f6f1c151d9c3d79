from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main


def write_repo(root: Path, files: dict[str, str], *, config: str = "", baseline: str = "") -> Path:
    """A small repository under ``root``: files, ``[tool.declone]`` lines, a baseline."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    pyproject = '[project]\nname = "sample"\n'
    if config:
        pyproject += "\n[tool.declone]\n" + textwrap.dedent(config).strip() + "\n"
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    if baseline:
        (root / ".declone-baseline.json").write_text(baseline, encoding="utf-8")
    return root


def run_check(
    capsys: pytest.CaptureFixture[str], root: Path, *argv: str
) -> tuple[int, dict[str, Any]]:
    """``declone check --root ROOT --format json ARGV`` -> (exit code, document)."""
    code = main(["check", "--root", str(root), "--format", "json", *argv])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


def rule_ids(document: dict[str, Any]) -> list[str]:
    return [violation["rule"] for violation in document.get("violations", [])]
