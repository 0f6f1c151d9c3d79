"""The measurement history: a real SQLite file and a real git repository."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from declone.errors import DecloneError, ExitCode
from declone.measure.history import (
    GitState,
    InterleavedBaseline,
    list_measurements,
    load_baseline,
    load_measurement,
    name_baseline,
    open_history,
    read_git_state,
    save_measurement,
)
from declone.measure.measurement import CollectionError, Measurement, Round, measurement_to_json


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
        rounds=(Round(wall, wall / 2),),
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
    assert connection.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
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


#: The layout of schema 1, as declone wrote it before measurements had rounds.
SCHEMA_1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE measurements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    root TEXT NOT NULL,
    git_commit TEXT,
    git_branch TEXT,
    git_dirty INTEGER,
    command TEXT NOT NULL,
    wall_seconds REAL NOT NULL,
    cpu_seconds REAL,
    peak_rss_bytes INTEGER,
    tests INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    collection_warnings INTEGER NOT NULL,
    partial INTEGER NOT NULL,
    figures TEXT NOT NULL
);
CREATE TABLE baselines (
    name TEXT PRIMARY KEY,
    measurement_id INTEGER NOT NULL REFERENCES measurements(id),
    named_at TEXT NOT NULL
);
"""


def schema_1_history(path: Path) -> None:
    """A history file as declone wrote it with schema 1: one measurement, named ``old``."""
    old = measurement(2.5)
    figures = measurement_to_json(old)
    del figures["rounds"]  # schema 1's documents had no rounds
    with sqlite3.connect(path) as raw:
        raw.executescript(SCHEMA_1)
        raw.execute(
            "INSERT INTO measurements (created_at, root, git_commit, git_branch, git_dirty, "
            "command, wall_seconds, cpu_seconds, peak_rss_bytes, tests, errors, warnings, "
            "collection_warnings, partial, figures) "
            "VALUES ('2024-01-01T00:00:00+00:00', '/repo', 'abc', 'main', 0, '[]', 2.5, 1.25, "
            "2048, 1, 1, 0, 0, 0, ?)",
            (json.dumps(figures),),
        )
        raw.execute("INSERT INTO baselines VALUES ('old', 1, '2024-01-01T00:00:00+00:00')")
    raw.close()


def test_a_schema_1_history_is_read_as_it_is_when_read_only(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    schema_1_history(path)
    before = path.read_bytes()
    connection = open_history(path, read_only=True)
    old = load_baseline(connection, "old")
    connection.close()
    assert old is not None
    assert old.measurement.rounds == ()  # one round: its wall time
    assert old.measurement.wall_rounds.seconds == (2.5,)
    assert old.interleaved is None
    assert path.read_bytes() == before  # a report reads; it never migrates


def test_a_schema_1_history_gains_rounds_when_opened_for_writing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    schema_1_history(path)
    connection = open_history(path)
    assert connection.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    old = load_baseline(connection, "old")
    assert old is not None
    assert old.measurement.rounds == (Round(2.5, 1.25),)
    # A new measurement of three rounds, the baseline's commit measured again between them.
    new = replace(measurement(1.0), rounds=(Round(1.0, 0.5), Round(1.1, 0.5), Round(0.9, 0.4)))
    again = InterleavedBaseline(old.id, (Round(2.4, 1.2), Round(2.6, 1.3), Round(2.5, 1.2)))
    latest = save_measurement(
        connection, new, created_at="2024-01-02T00:00:00+00:00", git=None, interleaved=again
    )
    rows = connection.execute(
        "SELECT position, tree, wall_seconds FROM rounds WHERE measurement_id = ? ORDER BY 1",
        (latest,),
    ).fetchall()
    assert rows == [
        (1, "baseline", 2.4),
        (2, "measured", 1.0),
        (3, "baseline", 2.6),
        (4, "measured", 1.1),
        (5, "baseline", 2.5),
        (6, "measured", 0.9),
    ]
    stored = load_measurement(connection, latest)
    assert stored is not None
    assert stored.measurement == new
    assert stored.interleaved == again
    connection.close()
    # Opened again, nothing is migrated twice.
    connection = open_history(path)
    assert connection.execute("SELECT count(*) FROM rounds").fetchone() == (7,)
    connection.close()
