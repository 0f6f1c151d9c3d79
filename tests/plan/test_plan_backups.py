"""Backup copies are never a canonical's source, and migrate never writes below a backup tree.

The family here: two live copies of one variant, and three copies of another variant in a
backup tree. Counted as live (as they were before backup trees), the backup variant is the
most common one: the dominant variant, the one ``--extract-to`` takes.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import USES, module_with_copy, run_json

LAST = "\n    def last(self):\n        return self.sent[-1]\n"
LIVE = module_with_copy(USES.format(name="Recorder"), extra=LAST)
SNAPSHOT = module_with_copy(USES.format(name="Recorder"))

#: (backup folder, [tool.declone] lines): the built-in rule, then a configured glob.
LAYOUTS = [
    pytest.param("tests/backups/v1", "", id="backup-folder"),
    pytest.param("tests/snapshots", '\n[tool.declone]\nbackup = ["tests/snapshots/"]\n', id="glob"),
]


def git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def committed_repo(repo: Any, folder: str, config: str) -> Path:
    root: Path = repo(
        {
            "tests/test_a.py": LIVE,
            "tests/test_b.py": LIVE,
            **{f"{folder}/test_{n}.py": SNAPSHOT for n in "abc"},
        }
    )
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + config)
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.org")
    git(root, "config", "user.name", "t")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "state")
    return root


def digests(root: Path, folder: str) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(("folder", "config"), LAYOUTS)
def test_the_dominant_variant_is_never_taken_from_a_backup_tree(
    repo: Any, capsys: pytest.CaptureFixture[str], folder: str, config: str
) -> None:
    root = committed_repo(repo, folder, config)
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", "tests/support/rec.py"
    )
    assert code == 0
    # Old code: extracted from tests/backups/v1/test_a.py, three backup copies planned.
    assert document["canonical"]["extracted_from"].startswith("tests/test_a.py:")
    assert sorted(entry["path"] for entry in document["files"]) == [
        "tests/test_a.py",
        "tests/test_b.py",
    ]
    before = digests(root, folder)
    code, migrated = run_json(
        capsys, "migrate", "Recorder", "--root", str(root), "--extract-to", "tests/support/rec.py"
    )
    assert code == 0
    assert [change["path"] for change in migrated["changed"]] == [
        "tests/support/rec.py",
        "tests/test_a.py",
        "tests/test_b.py",
    ]
    assert digests(root, folder) == before
    status = git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
    # (.declone/ holds the run's journal.)
    assert sorted(line for line in status if not line.startswith("?? .declone/")) == [
        " M tests/test_a.py",
        " M tests/test_b.py",
        "?? tests/support/rec.py",
    ]
    # The extracted class is the live variant: it has `last`, the backup variant has not.
    assert "def last(self):" in (root / "tests/support/rec.py").read_text()


@pytest.mark.parametrize(("folder", "config"), LAYOUTS)
def test_a_canonical_in_a_backup_tree_is_refused(
    repo: Any, capsys: pytest.CaptureFixture[str], folder: str, config: str
) -> None:
    root = committed_repo(repo, folder, config)
    target = f"{folder}/rec.py"
    before = digests(root, folder)
    for command in ("plan", "migrate"):
        capsys.readouterr()
        argv = [command, "Recorder", "--root", str(root), "--extract-to", target, "--no-cache"]
        assert main(argv) == 2
        # Old code: planned, and migrate wrote the module there.
        assert f"--extract-to {target}: {target} is a backup copy" in capsys.readouterr().err
        assert not (root / target).exists()
    existing = f"{folder}/test_a.py"
    module = existing.removesuffix(".py").replace("/", ".")
    for command in ("plan", "migrate"):
        capsys.readouterr()
        argv = [command, "Recorder", "--root", str(root), "--canonical", f"{module}:Recorder"]
        assert main([*argv, "--no-cache"]) == 2
        # Old code: that copy was a live one, and the canonical.
        assert f"{existing} is a backup copy" in capsys.readouterr().err
    assert digests(root, folder) == before
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
