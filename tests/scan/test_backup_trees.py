"""Backup copies: backup-like names, backup trees, ``[tool.declone] backup`` globs; templates.

Every scan here goes through ``declone scan --json``; the listing's rule itself is checked on
``is_backup_name``, the function the scan and the report's history share.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.scan import is_backup_name

HELPER = """\
class TestWebSocketConnection:
    def __init__(self):
        self.messages_sent = []
        self.is_connected = True

    async def send_json(self, message):
        if not self.is_connected:
            raise RuntimeError("closed")
        self.messages_sent.append(message)

    def get_messages(self):
        return self.messages_sent.copy()
"""

SCHEMA = Path(__file__).resolve().parents[2] / "src" / "declone" / "schemas" / "scan.schema.json"

#: An mtime long past: a cache row written now trusts it by stat alone.
OLD = 1_600_000_000


def scan(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> dict[str, Any]:
    """``declone scan ROOT --json ARGV`` (``--no-cache`` without ARGV), checked against the
    published schema."""
    capsys.readouterr()
    assert main(["scan", str(root), "--json", *(argv or ("--no-cache",))]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    return document


def live_and_backup(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The paths of the one family's copies, and of the backup copies."""
    members = [m["path"] for family in document["families"] for m in family["members"]]
    return members, [c["path"] for c in document["backup_copies"]]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.parametrize(
    "name",
    [
        "x.py.bak",
        "x.py.orig",
        "x.py.backup",
        "x.py.old",
        "x.py.save",
        "x.py.swp~",
        "x.py~",
        "x.py.bak~",
        "x.py.1",
        "x.py.2",
        "x.py.~3~",
        "x.py.BAK",
        "X.PY.Orig",
        "x.py.orig.bak",
        "x.py.bak2",
        "x.py.bak-2024-01-31",
        "x.py_old",
        "tests/x.py.bak",
        # Below a backup folder: every .py file.
        "backup/test_x.py",
        "backups/topic/tests/test_x.py",
        "tests/old_backup/test_x.py",
        "Backup-2024/test_x.py",
        "tests/BACKUPS/helpers.py",
        "src.bak/pkg/mod.py",
        "pkg.orig/mod.py",
        "pkg.ORIG/mod.py",
        "backups/x.py.bak",
    ],
)
def test_backup_copies(name: str) -> None:
    # The backup folders fail on the old rule (file names only).
    assert is_backup_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "x.py",
        "tests/test_backup_service.py",  # only folders are backup trees, not file names
        "backup_utils.py",
        "x.bak.py",
        "tests/backupless.txt",
        "backups/notes.txt",  # not Python: not a copy of anything
        "backups/x.py.mako",
        "src.backup.d/README",
        "pkg.origin/mod.py",  # ends in .origin, not .orig
        # Templates and documents (old rule: any `*.py.*` was a backup copy).
        "script.py.mako",
        "salt.renderers.py.rst",
        "x.py.tmpl",
        "x.py.jinja2",
        "x.py.j2",
        "x.py.in",
        "x.py.txt",
        "x.pyc",
        "x.pyi",
        "x.PY",
    ],
)
def test_not_backup_copies(name: str) -> None:
    assert not is_backup_name(name)


def test_configured_globs_mark_python_files_only() -> None:
    globs = ("legacy/**", "!legacy/keep.py", "tests/snapshots/*.py")
    assert is_backup_name("legacy/a/test_x.py", globs)
    assert not is_backup_name("legacy/keep.py", globs)
    assert is_backup_name("tests/snapshots/test_x.py", globs)
    assert not is_backup_name("tests/snapshots/deeper/test_x.py", globs)
    assert not is_backup_name("legacy/data.json", globs)
    assert not is_backup_name("legacy/test_x.py")


def test_copies_in_backup_trees_are_listed_apart(
    write_tree: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    backups = [
        "Backup-2024/test_d.py",
        "backups/websocket/tests/test_a.py",
        "backups/websocket/tests/test_b.py",
        "legacy.ORIG/test_f.py",
        "src.bak/tests/test_e.py",
        "tests/old_backup/test_c.py",
    ]
    write_tree(
        {
            "tests/test_a.py": HELPER,
            "tests/test_b.py": HELPER,
            "tests/test_backup_service.py": HELPER,
            **dict.fromkeys(backups, HELPER),
            "backups/notes.txt": "class TestWebSocketConnection: pass\n",
            "backups/websocket/conf.py.mako": "<%! import os %>\n" + HELPER,
        }
    )
    document = scan(capsys, tmp_path)
    members, listed = live_and_backup(document)
    # Old rule: all nine copies in one family, six of them from the backup trees.
    assert members == ["tests/test_a.py", "tests/test_b.py", "tests/test_backup_service.py"]
    assert listed == backups
    assert document["families"][0]["copies"] == 3
    summary = document["summary"]
    assert (summary["live_copies"], summary["backup_copies"]) == (3, 6)
    assert summary["files"] == 9  # not the .txt, not the template
    # A backup copy is not collected by pytest: it makes no warning either.
    assert [w["path"] for w in document["warning_sources"]] == members
    assert document["problems"] == []


def test_a_root_named_like_a_backup_is_live(
    write_tree: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Only folders below the root count: a checkout in ~/old_backup/ is scanned as usual.
    root = write_tree({"tests/test_a.py": HELPER, "tests/test_b.py": HELPER}, tmp_path / "backup")
    members, listed = live_and_backup(scan(capsys, root))
    assert (members, listed) == (["tests/test_a.py", "tests/test_b.py"], [])


def test_configured_backup_globs(
    write_tree: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_tree(
        {
            "pyproject.toml": (
                '[tool.declone]\nbackup = ["legacy/", "!legacy/keep/", "tests/snapshots/*.py"]\n'
            ),
            "tests/test_a.py": HELPER,
            "tests/test_b.py": HELPER,
            "legacy/tests/test_a.py": HELPER,
            "legacy/keep/test_k.py": HELPER,
            "tests/snapshots/test_s.py": HELPER,
            "tests/snapshots/inner/test_t.py": HELPER,
        }
    )
    # Old code: an unknown key, exit 2.
    members, listed = live_and_backup(scan(capsys, tmp_path))
    assert members == [
        "legacy/keep/test_k.py",
        "tests/snapshots/inner/test_t.py",
        "tests/test_a.py",
        "tests/test_b.py",
    ]
    assert listed == ["legacy/tests/test_a.py", "tests/snapshots/test_s.py"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"legacy/**"', "[tool.declone] backup has the wrong type (str)"),
        ('["legacy/**", 1]', "[tool.declone] backup must be a list of strings"),
        ("{ path = 1 }", "[tool.declone] backup has the wrong type (dict)"),
    ],
)
def test_backup_must_be_a_list_of_strings(
    write_tree: Any,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    value: str,
    message: str,
) -> None:
    write_tree({"pyproject.toml": f"[tool.declone]\nbackup = {value}\n", "a.py": HELPER})
    assert main(["scan", str(tmp_path), "--json", "--no-cache"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err  # old code: "unknown key"


def test_templates_are_not_scanned_and_backup_names_are(
    write_tree: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    templates = [
        "script.py.mako",
        "salt.renderers.py.rst",
        "x.py.tmpl",
        "x.py.jinja2",
        "x.py.j2",
        "x.py.in",
        "x.py.txt",
    ]
    backups = [
        "a.py.1",
        "a.py.2",
        "a.py.BAK",
        "a.py.backup",
        "a.py.bak",
        "a.py.old",
        "a.py.orig",
        "a.py.save",
        "a.py.swp~",
        "a.py~",
    ]
    write_tree(
        {
            "tests/test_a.py": HELPER,
            "tests/test_b.py": HELPER,
            # A Mako template is not Python: scanned, it was a syntax error to report.
            "templates/script.py.mako": "<%inherit file='base'/>\n" + HELPER,
            **{f"templates/{name}": HELPER for name in templates[1:]},
            **{f"old/{name}": HELPER for name in backups},
        }
    )
    document = scan(capsys, tmp_path)
    members, listed = live_and_backup(document)
    assert members == ["tests/test_a.py", "tests/test_b.py"]
    # Old rule: the seven templates were backup copies too (the Mako one a problem).
    assert listed == sorted(f"old/{name}" for name in backups)
    assert document["problems"] == []
    assert document["summary"]["files"] == 2 + len(backups)


def test_the_cache_follows_the_configured_globs(
    write_tree: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = write_tree(
        {
            "tests/test_a.py": HELPER,
            "tests/test_b.py": HELPER,
            "snapshots/test_c.py": HELPER,
        },
        tmp_path / "repo",
    )
    for path in root.rglob("*.py"):
        os.utime(path, (OLD, OLD))  # rows trusted by stat alone: nothing read again
    cached = ("--cache-dir", str(tmp_path / "cache"))

    def scan_twice() -> tuple[list[str], list[str], int]:
        """Members and backup copies, the same from the overview and from --family, and
        how many files the overview parsed."""
        document = scan(capsys, root, *cached)
        focused = scan(capsys, root, *cached, "--family", "TestWebSocketConnection")
        assert live_and_backup(focused) == live_and_backup(document)
        return *live_and_backup(document), document["stats"]["parsed"]

    everything = ["snapshots/test_c.py", "tests/test_a.py", "tests/test_b.py"]
    assert scan_twice() == (everything, [], 3)
    assert scan_twice() == (everything, [], 0)
    pyproject = root / "pyproject.toml"
    pyproject.write_text('[tool.declone]\nbackup = ["snapshots/"]\n')
    # Rows made under other globs are not reused: each says whether its file is a backup.
    # (With rows keyed as before, the stale rows kept snapshots/test_c.py live.)
    assert scan_twice() == (everything[1:], everything[:1], 3)
    assert scan_twice() == (everything[1:], everything[:1], 0)
    pyproject.write_text("[tool.declone]\nbackup = []\n")
    assert scan_twice() == (everything, [], 0)  # the rows made under no globs are good again


def test_backup_trees_in_a_git_work_tree(
    write_tree: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_tree(
        {
            ".gitignore": "ignored/\n",
            "pyproject.toml": '[tool.declone]\nbackup = ["tests/snapshots/"]\n',
            "tests/test_a.py": HELPER,
            "tests/test_b.py": HELPER,
            "backups/2024/tests/test_a.py": HELPER,
            "tests/snapshots/test_s.py": HELPER,
            "tests/helpers.py.mako": "<%page args='x'/>\n" + HELPER,
            "ignored/backup/test_i.py": HELPER,
        }
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    # Untracked but not ignored: listed by git too.
    write_tree({"Old_Backup/test_u.py": HELPER, "tests/test_c.py.orig": HELPER})
    document = scan(capsys, tmp_path)
    members, listed = live_and_backup(document)
    assert members == ["tests/test_a.py", "tests/test_b.py"]
    assert listed == [
        "Old_Backup/test_u.py",
        "backups/2024/tests/test_a.py",
        "tests/snapshots/test_s.py",
        "tests/test_c.py.orig",
    ]
    assert document["problems"] == []
    assert document["summary"]["files"] == 6
