"""``declone runs`` and ``declone rollback`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from declone.cli import main
from declone.errors import ExitCode
from declone.migrate.journal import JournalChange, apply_changes, start_run


def migrated_repo(root: Path, run_id: str = "20261122T014500Z-3f2a") -> Path:
    (root / "tests").mkdir(parents=True, exist_ok=True)
    for name in ("a", "b"):
        (root / "tests" / f"test_{name}.py").write_bytes(f"old {name}\r\n".encode())
    run = start_run(root, "FakeConnection", "helpers:FakeConnection", run_id=run_id)
    changes = [
        JournalChange(
            f"tests/test_{name}.py", f"old {name}\r\n".encode(), f"new {name}\n".encode(), "replace"
        )
        for name in ("a", "b")
    ]
    apply_changes(root, run, changes, batch=1)
    return root


def test_runs_lists_runs_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    migrated_repo(tmp_path)
    assert main(["runs", "--root", str(tmp_path), "--json"]) == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["runs"] == [
        {
            "id": "20261122T014500Z-3f2a",
            "created": document["runs"][0]["created"],
            "family": "FakeConnection",
            "canonical": "helpers:FakeConnection",
            "files": 2,
            "status": "done",
        }
    ]


def test_runs_table_and_empty_repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["runs"]) == ExitCode.OK
    assert "no migration runs" in capsys.readouterr().err
    migrated_repo(tmp_path)
    (tmp_path / ".declone/runs/broken").mkdir()
    assert main(["runs"]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "20261122T014500Z-3f2a" in captured.out
    assert "FakeConnection" in captured.out
    assert "broken" in captured.err
    assert main(["runs", "--root", str(tmp_path / "missing")]) == ExitCode.USAGE


def test_rollback_latest_run_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["rollback"]) == ExitCode.OK
    assert (tmp_path / "tests/test_a.py").read_bytes() == b"old a\r\n"
    assert "restored 2 files" in capsys.readouterr().err


def test_rollback_selected_files_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated_repo(tmp_path)
    monkeypatch.chdir(tmp_path / "tests")
    code = main(
        [
            "rollback",
            "20261122T014500Z-3f2a",
            "--root",
            str(tmp_path),
            "--files",
            "test_b.py",
            "--json",
        ]
    )
    assert code == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["restored"] == ["tests/test_b.py"]
    assert (tmp_path / "tests/test_a.py").read_bytes() == b"new a\n"
    assert (tmp_path / "tests/test_b.py").read_bytes() == b"old b\r\n"


def test_rollback_refuses_changed_file_then_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated_repo(tmp_path)
    (tmp_path / "tests/test_a.py").write_bytes(b"edited")
    assert main(["rollback", "--root", str(tmp_path), "--json"]) == ExitCode.REFUSED
    captured = capsys.readouterr()
    assert json.loads(captured.out)["refused"][0]["path"] == "tests/test_a.py"
    assert "changed since run" in captured.err
    assert (tmp_path / "tests/test_b.py").read_bytes() == b"new b\n"
    assert main(["rollback", "--root", str(tmp_path), "--force"]) == ExitCode.OK
    assert (tmp_path / "tests/test_a.py").read_bytes() == b"old a\r\n"


def test_rollback_refusals_from_the_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rollback", "--root", str(tmp_path)]) == ExitCode.REFUSED
    assert "no migration runs" in capsys.readouterr().err
    migrated_repo(tmp_path)
    assert main(["rollback", "nope", "--root", str(tmp_path)]) == ExitCode.REFUSED
    assert "no such run" in capsys.readouterr().err
    assert (
        main(["rollback", "--root", str(tmp_path), "--files", "/elsewhere/x.py"])
        == ExitCode.REFUSED
    )
    assert "not part of run" in capsys.readouterr().err
    assert main(["rollback", "--root", str(tmp_path / "missing")]) == ExitCode.USAGE
