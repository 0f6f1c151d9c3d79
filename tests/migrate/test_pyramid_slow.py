"""Real code: migrate every family in pyramid 2.1's tests that the plan marks safe.

Downloads the sdist, installs it with its test requirements in a fresh virtualenv, and shows
that its whole suite still passes with the same collected test ids, and that rolling back
every run restores every byte.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from test_example_migration import init_repo, tree_bytes

from declone.cli import main

PASSED_ON_THE_UNTOUCHED_SDIST = 2648
#: pyramid's `testing` dependency group (PEP 735, so not installable as an extra).
TEST_REQUIREMENTS = ("webtest>=1.3.1", "zope.component>=4.0", "pytest>=5.4.2")


def run(*command: str | Path, cwd: Path | None = None, timeout: int = 300) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def suite(python: Path, root: Path) -> tuple[int, list[str]]:
    ids = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", cwd=root)
    collected = sorted(line for line in ids.splitlines() if "::" in line)
    output = run(python, "-B", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", cwd=root)
    passed = re.search(r"(\d+) passed", output)
    assert passed is not None, output[-2000:]
    return int(passed.group(1)), collected


def declone(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue()) if out.getvalue().strip() else {"error": err.getvalue()}


@pytest.mark.slow
def test_pyramid_suite_passes_after_migrating_its_test_helpers(tmp_path: Path) -> None:
    run(
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--no-deps",
        "--no-binary",
        ":all:",
        "pyramid==2.1",
        "-d",
        tmp_path,
    )
    with tarfile.open(tmp_path / "pyramid-2.1.tar.gz") as archive:
        archive.extractall(tmp_path, filter="data")
    root = tmp_path / "pyramid-2.1"
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "-e", root, *TEST_REQUIREMENTS, timeout=600)
    init_repo(root)
    original = tree_bytes(root)
    passed, ids = suite(python, root)
    assert passed == PASSED_ON_THE_UNTOUCHED_SDIST

    code, scan = declone("scan", str(root), "--no-progress")
    assert code == 0
    families = [
        f
        for f in scan["families"]
        if f["kind"] == "duplicate" and any(m["path"].startswith("tests/") for m in f["members"])
    ]
    runs: list[str] = []
    migrated_files: set[str] = set()
    for number, family in enumerate(families):
        code, document = declone(
            "migrate",
            family["id"],
            "--root",
            str(root),
            "--extract-to",
            f"tests/declone_support/family_{number}.py",
            "--paths",
            "tests",
            "--commit",
            "--no-progress",
        )
        if code == 2:  # no variant can be extracted (it needs a helper of its module)
            assert "cannot take along" in document["error"]
            continue
        assert code in (0, 1), document
        if document["run_id"]:
            runs.append(document["run_id"])
            migrated_files.update(c["path"] for c in document["changed"])
    # 19 families move at the time of writing; the others stay with their reasons (a
    # helper they need, state of their own, a copy other modules import from its file).
    assert len(runs) >= 15
    # The safe tier only: copies whose bases come from zope (declone cannot read them), that
    # read __module__ or carry a decorator that may register them stay where they are.
    assert len(migrated_files) >= 45

    passed_after, ids_after = suite(python, root)
    assert passed_after == PASSED_ON_THE_UNTOUCHED_SDIST
    assert ids_after == ids

    for run_id in reversed(runs):
        code, result = declone("rollback", run_id, "--root", str(root))
        assert code == 0, result
    assert tree_bytes(root) == original
