"""Measurements over time: ``.declone/history.sqlite`` in the measured repository.

Each measurement is stored whole, as the JSON document of :mod:`declone.measure.measurement`, next to
the figures a listing or a chart needs as plain columns, and the git state it was taken at.
Every round of its collection is a row of ``rounds``: the measured tree's own, and, when a
baseline's commit was measured again between them (``measurements.baseline_id``), that tree's.
A baseline is a name pointing at one measurement; naming it again moves it.

Schema 1 had no rounds: opening it for writing adds them (each old measurement is one round);
opened read-only, it is read as it is.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from declone.errors import DecloneError, ExitCode
from declone.measure.measurement import (
    Measurement,
    Round,
    measurement_from_json,
    measurement_to_json,
)

__all__ = [
    "HISTORY_PATH",
    "SCHEMA_VERSION",
    "GitState",
    "InterleavedBaseline",
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
#: 1: measurements and baselines; 2: every round of a measurement, and interleaved baselines.
SCHEMA_VERSION = 2

#: ``rounds.tree``: the measurement's own tree, or the baseline's commit measured again.
_MEASURED, _BASELINE = "measured", "baseline"

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
    figures TEXT NOT NULL,
    baseline_id INTEGER REFERENCES measurements(id)
);
CREATE TABLE IF NOT EXISTS rounds (
    measurement_id INTEGER NOT NULL REFERENCES measurements(id),
    position INTEGER NOT NULL,
    tree TEXT NOT NULL,
    wall_seconds REAL NOT NULL,
    cpu_seconds REAL,
    PRIMARY KEY (measurement_id, position)
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
class InterleavedBaseline:
    """A baseline's commit measured again, its rounds alternating with a measurement's."""

    baseline_id: int
    rounds: tuple[Round, ...]

    @property
    def wall_seconds(self) -> tuple[float, ...]:
        return tuple(r.wall_seconds for r in self.rounds)


@dataclass(frozen=True, slots=True)
class StoredMeasurement:
    id: int
    created_at: str
    git: GitState | None
    measurement: Measurement
    #: The baseline measured again between this measurement's rounds, if it was.
    interleaved: InterleavedBaseline | None = None


def _stored_version(connection: sqlite3.Connection) -> int | None:
    """The database's schema version; None for a new, empty database."""
    table = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if table is None:
        return None
    row = connection.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row is not None else None


def _migrate(connection: sqlite3.Connection, version: int) -> None:
    """Bring a database of an older schema up to ``SCHEMA_VERSION``, in one transaction."""
    with connection:
        if version < 2:
            connection.execute(
                "ALTER TABLE measurements ADD COLUMN baseline_id INTEGER REFERENCES measurements(id)"
            )
            # Before schema 2 a measurement was one round.
            connection.execute(
                "INSERT INTO rounds (measurement_id, position, tree, wall_seconds, cpu_seconds) "
                "SELECT id, 1, ?, wall_seconds, cpu_seconds FROM measurements",
                (_MEASURED,),
            )
        connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))


def open_history(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open the history database at ``path``: created if missing and brought up to the
    current schema, or, ``read_only``, opened as it is (it must exist; nothing is written)."""
    if read_only:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path)
    try:
        version = _stored_version(connection)
        if version is not None and version > SCHEMA_VERSION:
            raise DecloneError(
                f"{path}: history written by a newer declone (schema {version}); "
                "upgrade declone or move the file away",
                ExitCode.REFUSED,
            )
        if read_only:
            if version is None:
                raise sqlite3.DatabaseError("no schema version")
            return connection
        connection.executescript(_SCHEMA)
        if version is None:
            connection.execute("DELETE FROM schema_version")
            connection.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            connection.commit()
        elif version < SCHEMA_VERSION:
            _migrate(connection, version)
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


def _round_rows(
    measurement: Measurement, interleaved: InterleavedBaseline | None
) -> list[tuple[str, float, float | None]]:
    """``(tree, wall, cpu)`` in the order the rounds ran: the baseline's first, alternating."""
    own = [(_MEASURED, r.wall_seconds, r.cpu_seconds) for r in measurement.rounds]
    if not own:  # a measurement of one round, its times its own
        own = [(_MEASURED, measurement.wall_seconds, measurement.cpu_seconds)]
    rounds = interleaved.rounds if interleaved is not None else ()
    again = [(_BASELINE, r.wall_seconds, r.cpu_seconds) for r in rounds]
    rows: list[tuple[str, float, float | None]] = []
    for position in range(max(len(own), len(again))):
        rows += again[position : position + 1] + own[position : position + 1]
    return rows


def save_measurement(
    connection: sqlite3.Connection,
    measurement: Measurement,
    *,
    created_at: str,
    git: GitState | None,
    interleaved: InterleavedBaseline | None = None,
) -> int:
    """Store ``measurement`` with every round (and ``interleaved``'s); return its id."""
    # The rounds live in their own table only: one place to read them from.
    figures = {k: v for k, v in measurement_to_json(measurement).items() if k != "rounds"}
    cursor = connection.execute(
        """INSERT INTO measurements (created_at, root, git_commit, git_branch, git_dirty,
               command, wall_seconds, cpu_seconds, peak_rss_bytes, tests, errors, warnings,
               collection_warnings, partial, figures, baseline_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
            json.dumps(figures),
            interleaved.baseline_id if interleaved else None,
        ),
    )
    assert cursor.lastrowid is not None  # set by every INSERT
    connection.executemany(
        "INSERT INTO rounds (measurement_id, position, tree, wall_seconds, cpu_seconds) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (cursor.lastrowid, position, tree, wall, cpu)
            for position, (tree, wall, cpu) in enumerate(_round_rows(measurement, interleaved), 1)
        ],
    )
    connection.commit()
    return cursor.lastrowid


def name_baseline(
    connection: sqlite3.Connection, name: str, measurement_id: int, *, named_at: str
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO baselines (name, measurement_id, named_at) VALUES (?, ?, ?)",
        (name, measurement_id, named_at),
    )
    connection.commit()


_COLUMNS = "id, created_at, git_commit, git_branch, git_dirty, figures"


def _has_rounds(connection: sqlite3.Connection) -> bool:
    """Whether the database has schema 2's rounds (a schema 1 file opened read-only has not)."""
    found = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rounds'"
    ).fetchone()
    return found is not None


def _select(connection: sqlite3.Connection) -> str:
    baseline = "baseline_id" if _has_rounds(connection) else "NULL"
    return f"SELECT {_COLUMNS}, {baseline} FROM measurements"


def _stored(
    connection: sqlite3.Connection,
    row: tuple[int, str, str | None, str | None, int | None, str, int | None],
) -> StoredMeasurement:
    identifier, created_at, commit, branch, dirty, figures, baseline_id = row
    git = GitState(commit, branch or "", bool(dirty)) if commit is not None else None
    measurement = measurement_from_json(json.loads(figures))
    rounds: dict[str, list[Round]] = {_MEASURED: [], _BASELINE: []}
    if _has_rounds(connection):
        for tree, wall, cpu in connection.execute(
            "SELECT tree, wall_seconds, cpu_seconds FROM rounds WHERE measurement_id = ? "
            "ORDER BY position",
            (identifier,),
        ):
            rounds.setdefault(tree, []).append(Round(wall, cpu))
    if rounds[_MEASURED]:
        measurement = replace(measurement, rounds=tuple(rounds[_MEASURED]))
    interleaved = (
        InterleavedBaseline(baseline_id, tuple(rounds[_BASELINE]))
        if baseline_id is not None and rounds[_BASELINE]
        else None
    )
    return StoredMeasurement(identifier, created_at, git, measurement, interleaved)


def load_measurement(
    connection: sqlite3.Connection, measurement_id: int
) -> StoredMeasurement | None:
    row = connection.execute(f"{_select(connection)} WHERE id = ?", (measurement_id,)).fetchone()
    return _stored(connection, row) if row else None


def load_baseline(connection: sqlite3.Connection, name: str) -> StoredMeasurement | None:
    row = connection.execute(
        "SELECT measurement_id FROM baselines WHERE name = ?", (name,)
    ).fetchone()
    return load_measurement(connection, row[0]) if row else None


def list_measurements(
    connection: sqlite3.Connection, *, limit: int = 50
) -> tuple[StoredMeasurement, ...]:
    """The most recent measurements first."""
    rows = connection.execute(
        f"{_select(connection)} ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()
    return tuple(_stored(connection, row) for row in rows)
