"""The bundled example, end to end: plan, migrate every family, run its tests, roll back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from declone.cli import main

SKIPPED_PARTS = {".git", ".declone", "__pycache__"}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not SKIPPED_PARTS.intersection(path.relative_to(root).parts)
    }


def git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def init_repo(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "config", "user.email", "tests@example.org")
    git(root, "config", "user.name", "declone tests")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "example")


def run_suite(root: Path) -> tuple[int, int, str]:
    """(passed, PytestCollectionWarnings, output) of a real pytest run in ``root``."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    environment.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "default"],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"(\d+) passed", output)
    assert passed is not None, output
    return int(passed.group(1)), output.count("PytestCollectionWarning"), output


@pytest.fixture
def example_copy(tmp_path: Path, example_repo: Path) -> Path:
    root = tmp_path / "websocket-suite"
    shutil.copytree(
        example_repo, root, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache")
    )
    init_repo(root)
    return root


def migrate(root: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main(["migrate", *argv, "--root", str(root), "--json", "--no-cache"])
    return code, json.loads(capsys.readouterr().out)


def test_migrating_every_family_keeps_the_suite_green_and_rolls_back(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = example_copy
    original = tree_bytes(root)
    passed_before, warnings_before, _ = run_suite(root)
    assert (passed_before, warnings_before) == (85, 12)

    # The plan says what happens and changes nothing.
    capsys.readouterr()
    assert (
        main(
            [
                "plan",
                "TestWebSocketConnection",
                "--root",
                str(root),
                "--extract-to",
                "tests/support/websocket.py",
                "--json",
                "--no-cache",
            ]
        )
        == 0
    )
    planned = json.loads(capsys.readouterr().out)
    # Two copies carry comments the canonical lacks: they stay unless --drop-comments.
    assert planned["summary"] == {
        "replace": 8,
        "alias": 1,
        "residual": 2,
        "skip": 3,
        "canonical": 0,
        "done": 0,
    }
    kept = [e for e in planned["files"] if "would drop" in e["reason"]]
    assert [e["path"] for e in kept] == [
        "tests/integration/test_thread_events.py",
        "tests/mission_critical/test_websocket_close_semantics.py",
    ]
    assert tree_bytes(root) == original

    code, websocket = migrate(
        root,
        capsys,
        "TestWebSocketConnection",
        "--extract-to",
        "tests/support/websocket.py",
        "--order",
        "tests/mission_critical/**",
        "--batch-size",
        "5",
        "--commit",
        "--drop-comments",
    )
    assert code == 0  # the copy inside a test function stays: said, not a failure
    assert websocket["run_id"]
    changed = [entry["path"] for entry in websocket["changed"]]
    assert changed[0] == "tests/support/websocket.py"
    assert changed[1].startswith("tests/mission_critical/")
    assert len(changed) == 14
    assert len(websocket["batches"]) == 3
    assert all(batch["commit"] for batch in websocket["batches"])
    from declone.migrate.journal import load_run

    skipped = load_run(root, websocket["run_id"]).skipped
    assert [(s.path, s.class_name, s.line) for s in skipped] == [
        ("tests/unit/test_inline_connection.py", "TestWebSocketConnection", 9)
    ]
    assert "function" in skipped[0].reason
    assert git(root, "status", "--porcelain", "--", "tests") == ""
    log = git(root, "log", "--format=%B", "-n", "1")
    assert (
        "declone: migrate TestWebSocketConnection to tests.support.websocket:TestWebSocketConnection"
        in log
    )

    # MockAgent's failure copy overrides half of the canonical: a residual only with --unsafe.
    code, agents = migrate(
        root, capsys, "MockAgent", "--extract-to", "tests/support/agents.py", "--unsafe"
    )
    assert code == 0
    assert len(agents["changed"]) == 5

    passed_after, warnings_after, output = run_suite(root)
    assert passed_after == passed_before
    assert warnings_after == 0, output

    # One definition per family is left: every other class of a family is a residual
    # subclass of its canonical (or the copy created inside a test function).
    capsys.readouterr()
    main(["scan", str(root), "--json", "--no-cache"])
    scan = json.loads(capsys.readouterr().out)
    scan["families"] = [f for f in scan["families"] if f["kind"] == "duplicate"]
    bases = {
        (family["name"], variant["id"]): variant["api"]["bases"]
        for family in scan["families"]
        for variant in family["variants"]
    }
    definitions = {
        family["name"]: [
            member
            for member in family["members"]
            if not bases[family["name"], member["variant"]] and member["qualname"] == member["name"]
        ]
        for family in scan["families"]
    }
    for family, members in definitions.items():
        assert len(members) <= 1, (family, members)

    # Running the same migrations again changes nothing.
    migrated = tree_bytes(root)
    code, again = migrate(
        root, capsys, "TestWebSocketConnection", "--extract-to", "tests/support/websocket.py"
    )
    assert again["changed"] == []
    code, again = migrate(
        root, capsys, "MockAgent", "--extract-to", "tests/support/agents.py", "--unsafe"
    )
    assert (code, again["changed"]) == (0, [])
    assert tree_bytes(root) == migrated

    # Rolling back both runs restores every byte.
    assert main(["rollback", agents["run_id"], "--root", str(root)]) == 0
    assert main(["rollback", websocket["run_id"], "--root", str(root), "--force"]) == 0
    assert tree_bytes(root) == original


def test_dry_run_prints_the_diff_and_touches_nothing(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = tree_bytes(example_copy)
    capsys.readouterr()
    code = main(
        [
            "migrate",
            "MockAgent",
            "--root",
            str(example_copy),
            "--extract-to",
            "tests/support/agents.py",
            "--dry-run",
            "--unsafe",
            "--no-cache",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert "+++ b/tests/support/agents.py" in captured.out
    assert "-class MockAgent:" in captured.out
    assert "class MockAgent(_MockAgent):" in captured.out
    assert "4 files would change, would create tests/support/agents.py" in captured.err
    assert tree_bytes(example_copy) == original
    assert not (example_copy / ".declone").exists()


def test_a_dirty_file_is_refused(example_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = example_copy / "tests/unit/test_agent_runner.py"
    target.write_text(target.read_text() + "\n# local edit\n")
    before = tree_bytes(example_copy)
    code = main(
        [
            "migrate",
            "MockAgent",
            "--root",
            str(example_copy),
            "--extract-to",
            "tests/support/agents.py",
            "--no-cache",
        ]
    )
    assert code == 3
    assert "uncommitted changes" in capsys.readouterr().err
    assert tree_bytes(example_copy) == before


def test_finalize_retires_the_old_names(
    example_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = example_copy
    options = [
        "TestWebSocketConnection",
        "--root",
        str(root),
        "--extract-to",
        "tests/support/websocket.py",
        "--name",
        "WebSocketDouble",
        "--no-cache",
    ]
    assert main(["migrate", *options, "--commit", "--drop-comments"]) == 0
    migrated = tree_bytes(root)
    capsys.readouterr()
    assert main(["finalize", *options, "--dry-run"]) == 0
    dry = capsys.readouterr()
    assert (
        "-from tests.support.websocket import WebSocketDouble as MockWebSocketConnection" in dry.out
    )
    assert tree_bytes(root) == migrated

    capsys.readouterr()
    assert main(["finalize", *options, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    changed = {entry["path"] for entry in document["changed"]}
    assert "tests/support/websocket.py" in changed
    isolation = (root / "tests/integration/test_multi_user_isolation.py").read_text()
    assert "MockWebSocketConnection" not in isolation
    assert "alice, bob = WebSocketDouble(), WebSocketDouble()" in isolation
    module = (root / "tests/support/websocket.py").read_text()
    assert "MockWebSocketConnection = WebSocketDouble" not in module
    assert "TestWebSocketConnection = WebSocketDouble" not in module
    passed, warnings, output = run_suite(root)
    assert (passed, warnings) == (85, 0), output
    # Finalizing again has nothing left to do; rollback restores the migrated state.
    capsys.readouterr()
    assert main(["finalize", *options, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == []
    assert main(["rollback", document["run_id"], "--root", str(root)]) == 0
    assert tree_bytes(root) == migrated
