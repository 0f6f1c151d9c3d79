"""The ``declone-check`` pre-commit hook, run by the real pre-commit on a sample git repository.

pre-commit clones this project (a committed copy of it under tmp_path), builds the hook's
virtualenv by pip-installing it (its dependencies come from the package index), and runs the
hook on the files it is given, as it does at commit time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

CONNECTION = """\
class Connection:
    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.open = False
"""


def git(root: Path, *arguments: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            *arguments,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _committed_copy_of_declone(target: Path) -> Path:
    shutil.copytree(
        PROJECT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md"):
        shutil.copy2(PROJECT / name, target / name)
    git(target, "init", "-q")
    git(target, "add", ".")
    git(target, "commit", "-q", "-m", "declone")
    return target


def _sample_repo(root: Path) -> Path:
    (root / "support").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "support" / "ws.py").write_text(CONNECTION)
    (root / "tests" / "test_a.py").write_text(
        "from support.ws import Connection\n\n\ndef test_a():\n    assert Connection().open\n"
    )
    (root / "pyproject.toml").write_text(
        '[tool.declone]\nfamilies = { Connection = "support.ws:Connection" }\n'
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "sample")
    return root


@pytest.mark.slow
@pytest.mark.skipif(
    not PRE_COMMIT.exists(), reason="pre-commit is not installed next to this interpreter"
)
def test_hook_fails_on_an_added_copy_and_passes_once_it_is_removed(tmp_path: Path) -> None:
    declone = _committed_copy_of_declone(tmp_path / "declone")
    sample = _sample_repo(tmp_path / "sample")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "DECLONE_CACHE_DIR": str(tmp_path / "declone-cache"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("VIRTUAL_ENV", None)

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(declone), "declone-check", "--files", *files],
            cwd=sample,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    (sample / "tests" / "test_b.py").write_text(
        CONNECTION + "\n\ndef test_b():\n    assert Connection().open\n"
    )
    git(sample, "add", "tests/test_b.py")
    failed = hook("tests/test_b.py")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        "tests/test_b.py:1:1: DCL001 Connection redefines registered support.ws:Connection"
        in failed.stdout
    )

    (sample / "tests" / "test_b.py").write_text(
        "from support.ws import Connection\n\n\ndef test_b():\n    assert Connection().open\n"
    )
    git(sample, "add", "tests/test_b.py")
    passed = hook("tests/test_b.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "declone check" in passed.stdout
    assert "Passed" in passed.stdout
