"""The measurement history: a real SQLite file and a real git repository."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from declone.errors import DecloneError, ExitCode
from declone.measure.history import (
    GitState,
    list_measurements,
    load_baseline,
    load_measurement,
    name_baseline,
    open_history,
    read_git_state,
    save_measurement,
)
from declone.measure.measurement import CollectionError, Measurement


def measurement(wall: float, tests: tuple[str, ...] = ("t.py::test_a",)) -> Measurement:
    return Measurement(
        root="/repo",
        python="/usr/bin/python3",
        command=("python", "-m", "pytest"),
        pytest_version="9.0.0",
        python_version="3.11.7",
        wall_seconds=wall,
        cpu_seconds=wall / 2,
        peak_rss_bytes=2048,
        exit_code=0,
        test_ids=tests,
        errors=(CollectionError("t.py", "ImportError", "no x"),),
        warnings=(),
        modules=(),
        imports=(),
    )


def git(root: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def test_save_load_and_baselines(tmp_path: Path) -> None:
    path = tmp_path / ".declone" / "history.sqlite"
    connection = open_history(path)
    first = save_measurement(
        connection, measurement(2.0), created_at="2024-01-01T00:00:00+00:00", git=None
    )
    second = save_measurement(
        connection,
        measurement(1.0, ()),
        created_at="2024-01-02T00:00:00+00:00",
        git=GitState("abc", "main", True),
    )
    name_baseline(connection, "before", first, named_at="2024-01-01T00:00:00+00:00")
    connection.close()

    # A fresh connection reads what the first one wrote.
    connection = open_history(path)
    stored = load_baseline(connection, "before")
    assert stored is not None
    assert stored.id == first
    assert stored.git is None
    assert stored.measurement == measurement(2.0)
    assert load_baseline(connection, "after") is None
    assert load_measurement(connection, 999) is None
    # Naming again moves the baseline.
    name_baseline(connection, "before", second, named_at="2024-01-03T00:00:00+00:00")
    moved = load_baseline(connection, "before")
    assert moved is not None
    assert moved.git == GitState("abc", "main", True)
    assert [m.id for m in list_measurements(connection)] == [second, first]
    columns = connection.execute(
        "SELECT tests, errors, wall_seconds, git_dirty, command FROM measurements WHERE id = ?",
        (second,),
    ).fetchone()
    assert columns == (0, 1, 1.0, 1, '["python", "-m", "pytest"]')
    assert connection.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    connection.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    open_history(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(DecloneError, match="newer declone") as raised:
        open_history(path)
    assert raised.value.exit_code == ExitCode.REFUSED


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is not sqlite at all, just some text" * 20)
    with pytest.raises(DecloneError, match="not a declone history database"):
        open_history(path)


def test_git_state_records_commit_branch_and_dirty_flag(tmp_path: Path) -> None:
    assert read_git_state(tmp_path) is None
    git(tmp_path, "init", "-q", "-b", "trunk")
    (tmp_path / "test_a.py").write_text("def test_a():\n    pass\n")
    git(tmp_path, "add", "test_a.py")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / ".declone").mkdir()
    (tmp_path / ".declone" / "history.sqlite").write_text("x")
    assert read_git_state(tmp_path) == GitState(head, "trunk", False)
    (tmp_path / "test_a.py").write_text("def test_a():\n    assert True\n")
    assert read_git_state(tmp_path) == GitState(head, "trunk", True)


def test_measure_records_git_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from declone.cli.main import main

    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("__pycache__/\n")
    (root / "test_a.py").write_text("def test_a():\n    pass\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    head = git(root, "rev-parse", "HEAD")
    assert main(["measure", "--root", str(root), "--save", "clean"]) == 0
    (root / "test_b.py").write_text("def test_b():\n    pass\n")
    assert main(["measure", "--root", str(root)]) == 0
    capsys.readouterr()
    connection = open_history(root / ".declone" / "history.sqlite")
    latest, clean = list_measurements(connection)
    assert clean.git == GitState(head, "main", False)
    assert latest.git == GitState(head, "main", True)
    baseline = load_baseline(connection, "clean")
    assert baseline is not None
    assert baseline.measurement.test_ids == ("test_a.py::test_a",)
    assert set(latest.measurement.test_ids) == {"test_a.py::test_a", "test_b.py::test_b"}
    connection.close()
