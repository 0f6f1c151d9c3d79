from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main

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


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["scan", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


#: An mtime long past: a cache row written now trusts it (no "racy" stat).
OLD = 1_600_000_000


def two_old_copies(write_tree, root: Path) -> Path:  # type: ignore[no-untyped-def]
    """``a.py`` and ``b.py``, each a copy of ``HELPER``, last modified at ``OLD``."""
    write_tree({"a.py": HELPER, "b.py": HELPER}, root)
    for name in ("a.py", "b.py"):
        os.utime(root / name, (OLD, OLD))
    return root


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_scan_finds_a_family_and_reports_json(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree({"tests/test_a.py": HELPER, "tests/test_b.py": HELPER, "tests/test_c.py": HELPER})
    document = scan_json(capsys, str(tmp_path))
    assert document["schema_version"] == 2
    assert document["summary"]["families"] == 1
    assert document["summary"]["warning_sources"] == 3
    family = document["families"][0]
    assert family["name"] == "TestWebSocketConnection"
    assert [m["path"] for m in family["members"]] == [
        "tests/test_a.py",
        "tests/test_b.py",
        "tests/test_c.py",
    ]
    assert {m["compatibility"] for m in family["members"]} == {"identical"}


def test_bad_inputs_are_reported_and_skipped(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree(
        {
            "a.py": HELPER,
            "b.py": HELPER.replace("\n", "\r\n").encode(),
            "c.py": b"\xef\xbb\xbf" + HELPER.encode(),
            "d.py": HELPER.replace("    ", "\t"),
            "latin.py": ("# -*- coding: latin-1 -*-\n" + HELPER + "# é\n").encode("latin-1"),
            "nul.py": b"x = 1\0\n",
            "notutf8.py": b"x = '\xff'\n",
            "syntax.py": "class Broken(:\n    pass\n",
            "huge.py": "x = 1\n" * 10,
        }
    )
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text(HELPER)
    (tmp_path / "escape.py").symlink_to(outside)
    (tmp_path / "unreadable.py").write_text(HELPER)
    (tmp_path / "unreadable.py").chmod(0)
    (tmp_path / "pyproject.toml").write_text("[tool.declone]\nmax-file-size = 40\n")
    try:
        document = scan_json(capsys, str(tmp_path), "--no-cache")
    finally:
        (tmp_path / "unreadable.py").chmod(0o644)
    problems = {p["path"]: p for p in document["problems"]}
    assert problems["nul.py"]["reason"].startswith("contains NUL bytes")
    assert problems["notutf8.py"]["line"] == 1
    assert "not valid utf-8" in problems["notutf8.py"]["reason"]
    assert problems["syntax.py"]["reason"].startswith("syntax error")
    assert "over the" in problems["huge.py"]["reason"]
    # Without a cache nothing comes from one, not even the files too big to read.
    assert document["stats"]["from_cache"] == 0
    assert problems["dangling.py"]["reason"] == "broken symlink; skipped"
    assert "outside the scanned root" in problems["escape.py"]["reason"]
    if os.geteuid() != 0:  # root reads anything
        assert problems["unreadable.py"]["reason"].startswith("cannot read")
    # Every file under the size limit was... over it: only tiny ones would be read. Now again
    # without the limit: CRLF, BOM, tabs and latin-1 copies are one family.
    (tmp_path / "pyproject.toml").write_text("")
    document = scan_json(capsys, str(tmp_path), "--no-cache")
    members = {m["path"] for m in document["families"][0]["members"]}
    assert {"a.py", "b.py", "c.py", "d.py", "latin.py"} <= members


def test_git_listing_honours_gitignore_and_untracked(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree({"a.py": HELPER, "b.py": HELPER, "ignored/c.py": HELPER, ".gitignore": "ignored/\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "a.py", ".gitignore")
    document = scan_json(capsys, str(tmp_path))
    members = [m["path"] for m in document["families"][0]["members"]]
    assert members == ["a.py", "b.py"]  # b.py is untracked but not ignored


def test_include_and_exclude_globs(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree(
        {
            "pyproject.toml": '[tool.declone]\nexclude = ["generated/**"]\n',
            "src/a.py": HELPER,
            "src/b.py": HELPER,
            "generated/c.py": HELPER,
        }
    )
    document = scan_json(capsys, str(tmp_path))
    assert [m["path"] for m in document["families"][0]["members"]] == ["src/a.py", "src/b.py"]


def test_paths_restrict_the_scan(write_tree, capsys, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_tree({"x/a.py": HELPER, "x/b.py": HELPER, "y/c.py": HELPER})
    monkeypatch.chdir(tmp_path)
    document = scan_json(capsys, "x", "y/c.py", "--root", ".")
    assert document["families"][0]["copies"] == 3
    document = scan_json(capsys, "x/a.py", "y/c.py", "--root", ".")
    assert document["families"][0]["copies"] == 2


def test_warm_scan_reads_from_cache_and_sees_changes(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = two_old_copies(write_tree, tmp_path / "repo")
    cache = tmp_path / "cache"
    first = scan_json(capsys, str(root), "--cache-dir", str(cache))
    assert first["stats"]["parsed"] == 2
    second = scan_json(capsys, str(root), "--cache-dir", str(cache))
    assert second["stats"] == {**second["stats"], "parsed": 0, "from_cache": 2}
    assert second["families"] == first["families"]
    (root / "b.py").write_text(HELPER.replace("class TestWebSocketConnection", "class Other"))
    third = scan_json(capsys, str(root), "--cache-dir", str(cache))
    assert third["stats"]["parsed"] == 1
    assert third["families"][0]["names"] == ["Other", "TestWebSocketConnection"] or third[
        "families"
    ][0]["names"] == ["TestWebSocketConnection", "Other"]
    assert not any(cache.glob("*.declone-tmp"))
    assert not (root / ".declone").exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"not a database at all\n" * 100, id="not-a-database"),
        pytest.param(lambda data: data[:100] + b"\xff" * (len(data) - 100), id="damaged"),
    ],
)
def test_a_damaged_cache_file_is_replaced_by_an_empty_cache(  # type: ignore[no-untyped-def]
    write_tree, capsys, tmp_path: Path, damage
) -> None:
    root = two_old_copies(write_tree, tmp_path / "repo")
    cache = tmp_path / "cache"
    first = scan_json(capsys, str(root), "--cache-dir", str(cache))
    (database,) = cache.glob("*.sqlite")
    assert not database.with_name(database.name + "-wal").exists()  # checkpointed at close
    database.write_bytes(damage(database.read_bytes()))
    second = scan_json(capsys, str(root), "--cache-dir", str(cache))
    assert second["stats"]["parsed"] == 2
    assert second["families"] == first["families"]
    third = scan_json(capsys, str(root), "--cache-dir", str(cache))  # the new cache works
    assert third["stats"] == {**third["stats"], "parsed": 0, "from_cache": 2}


def test_a_cache_folder_that_cannot_be_made_costs_only_speed(  # type: ignore[no-untyped-def]
    write_tree, capsys, tmp_path: Path
) -> None:
    root = write_tree({"a.py": HELPER, "b.py": HELPER}, tmp_path / "repo")
    (tmp_path / "a-file").write_text("not a folder\n")
    cache = tmp_path / "a-file" / "cache"  # under a file: no folder can be made there
    assert main(["scan", str(root), "--cache-dir", str(cache), "--json"]) == 0
    captured = capsys.readouterr()
    first = json.loads(captured.out)
    assert "the scan cache was not used" in captured.err
    assert "a-file" in captured.err
    second = scan_json(capsys, str(root), "--cache-dir", str(cache))
    assert first["stats"]["parsed"] == second["stats"]["parsed"] == 2
    assert first["families"] == second["families"]
    assert first["families"][0]["copies"] == 2
    # Turned off on purpose, the cache is not missed.
    assert main(["scan", str(root), "--no-cache", "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_touched_file_with_same_content_is_not_parsed_again(
    write_tree, capsys, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    root = two_old_copies(write_tree, tmp_path / "repo")
    scan_json(capsys, str(root))
    os.utime(root / "a.py", (OLD + 10, OLD + 10))
    assert scan_json(capsys, str(root))["stats"]["parsed"] == 0


def test_parallel_and_serial_scans_agree(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = {
        f"pkg/test_{i}.py": HELPER if i % 3 else HELPER.replace("def get", "async def get")
        for i in range(80)
    }
    write_tree(files)
    serial = scan_json(capsys, str(tmp_path), "--no-cache", "--jobs", "1")
    parallel = scan_json(capsys, str(tmp_path), "--no-cache", "--jobs", "2")
    assert serial["families"] == parallel["families"]
    assert len(serial["families"][0]["variants"]) == 2


def test_family_detail_and_table(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree(
        {
            "tests/test_a.py": HELPER,
            "tests/test_b.py": HELPER,
            "tests/test_c.py": HELPER.replace("def get_messages", "async def get_messages"),
        }
    )
    assert main(["scan", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "TestWebSocketConnection" in out
    assert "1 family, 3 live copies" in out
    assert main(["scan", str(tmp_path), "--family", "TestWebSocketConnection"]) == 0
    out = capsys.readouterr().out
    assert "get_messages: sync->async" in out
    assert "+    async def get_messages(self):" in out
    assert "tests/test_c.py:1:1" in out


def test_usage_errors_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scan", str(tmp_path), "--family", "Nope"]) == 2
    assert "no family named 'Nope'" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--similarity", "2"]) == 2
    assert main(["scan", str(tmp_path / "missing")]) == 2
    (tmp_path / "pyproject.toml").write_text("[tool.declone]\nbogus = 1\n")
    assert main(["scan", str(tmp_path)]) == 2
    assert "unknown key [tool.declone] bogus" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text("[tool.declone\n")
    assert main(["scan", str(tmp_path)]) == 2
    assert main(["scan", "--no-such-flag"]) == 2


def test_help_and_version(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes" in out
    assert "scan" in out
    assert main(["--version"]) == 0


def test_console_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "declone", "scan", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "--min-copies" in result.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_compilers_warnings_about_scanned_code_are_not_printed(
    tmp_path: Path, jobs: str
) -> None:
    """``1if x`` and ``0x1for`` make the compiler warn (SyntaxWarning) when it parses them,
    and so does ``'\\d'`` (a DeprecationWarning before Python 3.12): that is the repository's
    linters' to say, and declone prints nothing of it, from its own process or its workers,
    while the scan still reads the file."""
    text = (
        "VALUES = [0x1for i in range(3)]\n\n\nclass Helper:\n    size = 1if True else 2\n"
        "    pattern = '\\d+'\n"
    )
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(text)
    command = [sys.executable, "-W", "default", "-m", "declone", "scan", str(tmp_path)]
    result = subprocess.run(
        [*command, "--json", "--no-cache", "--jobs", jobs],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    assert json.loads(result.stdout)["families"][0]["name"] == "Helper"


_MODULES_AFTER = (
    "import json, runpy, sys\n"
    "sys.argv = ['declone', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('declone', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'libcst'))),"
    " file=sys.stderr)\n"
)


def _heavy_modules_after(*argv: str, cwd: Path) -> list[str]:
    """The rich and LibCST modules a ``declone`` run imported (its stdout is dropped)."""
    result = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    modules: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return modules


def test_a_run_that_shows_no_help_imports_neither_rich_nor_libcst(
    write_tree, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # argparse makes a formatter for every option it adds; rich's help formatter, a tenth of
    # a second to import, is taken up only when help or usage is shown.
    write_tree({"tests/test_a.py": HELPER, "tests/test_b.py": HELPER})
    assert _heavy_modules_after("scan", str(tmp_path), "--json", "--no-cache", cwd=tmp_path) == []
    shown = _heavy_modules_after("scan", "--help", cwd=tmp_path)
    assert "rich.console" in shown


def test_negated_exclude_patterns_keep_gitignore_semantics(
    write_tree, capsys, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    write_tree(
        {
            "pyproject.toml": '[tool.declone]\nexclude = ["gen/**", "!gen/keep.py"]\n',
            "gen/a.py": HELPER,
            "gen/keep.py": HELPER,
            "src/b.py": HELPER,
        }
    )
    document = scan_json(capsys, str(tmp_path))
    assert [m["path"] for m in document["families"][0]["members"]] == ["gen/keep.py", "src/b.py"]
