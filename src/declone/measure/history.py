"""Measurements over time: ``.declone/history.sqlite`` in the measured repository.

Each measurement is stored whole, as the JSON document of :mod:`declone.measure.measurement`, next to
the figures a listing or a chart needs as plain columns, and the git state it was taken at.
A baseline is a name pointing at one measurement; naming it again moves it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from declone.errors import DecloneError, ExitCode
from declone.measure.measurement import Measurement, measurement_from_json, measurement_to_json

__all__ = [
    "HISTORY_PATH",
    "SCHEMA_VERSION",
    "GitState",
    "StoredMeasurement",
    "list_measurements",
    "load_baseline",
    "load_measurement",
    "name_baseline",
    "open_history",
    "read_git_state",
    "save_measurement",
]

#: Where the database lives, relative to the measured repository's root.
HISTORY_PATH = Path(".declone") / "history.sqlite"

#: Version of the database layout; a database written by a newer declone is refused.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS measurements (
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
CREATE TABLE IF NOT EXISTS baselines (
    name TEXT PRIMARY KEY,
    measurement_id INTEGER NOT NULL REFERENCES measurements(id),
    named_at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class GitState:
    commit: str
    branch: str
    #: True when tracked files differ from the commit or untracked files exist.
    dirty: bool


@dataclass(frozen=True, slots=True)
class StoredMeasurement:
    id: int
    created_at: str
    git: GitState | None
    measurement: Measurement


def open_history(path: Path) -> sqlite3.Connection:
    """Open (and create, or check the version of) the history database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(_SCHEMA)
        row = connection.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            connection.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            connection.commit()
        elif row[0] > SCHEMA_VERSION:
            raise DecloneError(
                f"{path}: history written by a newer declone (schema {row[0]}); "
                "upgrade declone or move the file away",
                ExitCode.REFUSED,
            )
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise DecloneError(
            f"{path}: not a declone history database ({exc}); move the file away",
            ExitCode.REFUSED,
        ) from exc
    except DecloneError:
        connection.close()
        raise
    return connection


def _git(root: Path, *arguments: str) -> str | None:
    try:
        result = subprocess.run(
            ("git", *arguments),
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git on PATH
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def read_git_state(root: Path) -> GitState | None:
    """The commit, branch and dirty flag of the repository at ``root``; None outside git."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return None
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD") or ""
    # declone's own directory is left out: saving a measurement must not make the tree dirty.
    status = _git(root, "status", "--porcelain", "--", ".", ":(exclude).declone")
    return GitState(commit, branch, bool(status))


def save_measurement(
    connection: sqlite3.Connection,
    measurement: Measurement,
    *,
    created_at: str,
    git: GitState | None,
) -> int:
    cursor = connection.execute(
        """INSERT INTO measurements (created_at, root, git_commit, git_branch, git_dirty,
               command, wall_seconds, cpu_seconds, peak_rss_bytes, tests, errors, warnings,
               collection_warnings, partial, figures)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            created_at,
            measurement.root,
            git.commit if git else None,
            git.branch if git else None,
            int(git.dirty) if git else None,
            json.dumps(measurement.command),
            measurement.wall_seconds,
            measurement.cpu_seconds,
            measurement.peak_rss_bytes,
            len(measurement.test_ids),
            len(measurement.errors),
            len(measurement.warnings),
            len(measurement.collection_warnings),
            int(measurement.partial),
            json.dumps(measurement_to_json(measurement)),
        ),
    )
    connection.commit()
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid


def name_baseline(
    connection: sqlite3.Connection, name: str, measurement_id: int, *, named_at: str
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO baselines (name, measurement_id, named_at) VALUES (?, ?, ?)",
        (name, measurement_id, named_at),
    )
    connection.commit()


_SELECT = """SELECT id, created_at, git_commit, git_branch, git_dirty, figures
             FROM measurements"""


def _stored(row: tuple[int, str, str | None, str | None, int | None, str]) -> StoredMeasurement:
    identifier, created_at, commit, branch, dirty, figures = row
    git = GitState(commit, branch or "", bool(dirty)) if commit is not None else None
    return StoredMeasurement(
        identifier, created_at, git, measurement_from_json(json.loads(figures))
    )


def load_measurement(
    connection: sqlite3.Connection, measurement_id: int
) -> StoredMeasurement | None:
    row = connection.execute(f"{_SELECT} WHERE id = ?", (measurement_id,)).fetchone()
    return _stored(row) if row else None


def load_baseline(connection: sqlite3.Connection, name: str) -> StoredMeasurement | None:
    row = connection.execute(
        "SELECT measurement_id FROM baselines WHERE name = ?", (name,)
    ).fetchone()
    return load_measurement(connection, row[0]) if row else None


def list_measurements(
    connection: sqlite3.Connection, *, limit: int = 50
) -> tuple[StoredMeasurement, ...]:
    """The most recent measurements first."""
    rows = connection.execute(f"{_SELECT} ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return tuple(_stored(row) for row in rows)
