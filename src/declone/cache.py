"""The scan cache: one SQLite database per scanned root, outside the repo.

A row per file keeps its size, mtime, sha256 and the pickled ``FileRecord``, plus a compact
summary of its live helper classes (name, shape, statement hashes) that is all family linking
needs. A file whose size and mtime are unchanged is not read again; one whose stat changed is
read and hashed, and its record reused when the content is the same. Rows written within two
seconds of the file's mtime are not trusted by stat alone, since a file rewritten in the same
mtime tick could otherwise look unchanged ("racy" stat, as git knows it).

Only changed rows are written back, in one transaction, so a warm scan of a large repo costs a
read of the stat table, not a rewrite of the whole cache. The near-clone pairs found by the
last scan are kept too: similarity is a pure function of two shapes, so only shapes new since
then need comparing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declone import __version__
from declone.families import SimilarPairs, Summary, summaries_of
from declone.model import FileRecord
from declone.naming import PytestConfig

__all__ = ["CachedStat", "ScanCache", "default_cache_dir"]

_FORMAT = 6
_RACY_NS = 2_000_000_000
_BATCH = 500


def default_cache_dir() -> Path:
    """``$DECLONE_CACHE_DIR``, else ``$XDG_CACHE_HOME/declone``, else ``~/.cache/declone``."""
    explicit = os.environ.get("DECLONE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "declone"


@dataclass(frozen=True)
class CachedStat:
    size: int
    mtime_ns: int
    digest: str
    written_ns: int


class ScanCache:
    """Opened once per scan; ``store`` queues rows, ``save`` writes them in one transaction."""

    def __init__(self, connection: sqlite3.Connection | None) -> None:
        self._connection = connection
        self._stats: dict[str, CachedStat] | None = None
        self._pending: dict[str, tuple[int, int, FileRecord]] = {}
        self._removed: set[str] = set()
        self._pairs: tuple[str, SimilarPairs] | None = None

    @classmethod
    def disabled(cls) -> ScanCache:
        return cls(None)

    @classmethod
    def open(
        cls, cache_dir: Path, root: Path, pytest: PytestConfig, max_file_size: int
    ) -> ScanCache:
        key = repr((_FORMAT, __version__, str(root), pytest, max_file_size))
        name = f"scan-{hashlib.sha256(key.encode()).hexdigest()[:20]}.sqlite"
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(cache_dir / name, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                "mtime_ns INTEGER, digest TEXT, written_ns INTEGER, record BLOB, summary BLOB)"
            )
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB)")
        except sqlite3.Error:
            # An unusable cache (read-only folder, corrupt file) only costs speed.
            return cls(None)
        return cls(connection)

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    def _query(self, sql: str, parameters: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        if self._connection is None:
            return []
        try:
            return self._connection.execute(sql, tuple(parameters)).fetchall()
        except sqlite3.Error:
            return []

    def stats(self) -> dict[str, CachedStat]:
        if self._stats is None:
            rows = self._query("SELECT path, size, mtime_ns, digest, written_ns FROM files")
            self._stats = {row[0]: CachedStat(*row[1:]) for row in rows}
        return self._stats

    def fresh_by_stat(self, path: str, size: int, mtime_ns: int) -> bool:
        cached = self.stats().get(path)
        return (
            cached is not None
            and cached.size == size
            and cached.mtime_ns == mtime_ns
            and mtime_ns < cached.written_ns - _RACY_NS
        )

    def digest(self, path: str) -> str | None:
        cached = self.stats().get(path)
        return cached.digest if cached is not None else None

    def records(self, paths: Iterable[str]) -> dict[str, FileRecord]:
        """Cached records of ``paths`` (those it has)."""
        found: dict[str, FileRecord] = {}
        for chunk in _chunks(sorted(set(paths))):
            marks = ",".join("?" * len(chunk))
            for path, blob in self._query(
                f"SELECT path, record FROM files WHERE path IN ({marks})", chunk
            ):
                found[path] = pickle.loads(blob)
        return found

    def summaries(self) -> dict[str, tuple[Summary, ...]]:
        rows = self._query("SELECT path, summary FROM files")
        # tuple.__new__ straight from C: Summary._make's checks cost more than the whole load.
        make = functools.partial(tuple.__new__, Summary)
        return {path: tuple(map(make, pickle.loads(blob))) for path, blob in rows}

    def store(self, path: str, size: int, mtime_ns: int, record: FileRecord) -> None:
        self._pending[path] = (size, mtime_ns, record)

    def prune(self, live_paths: set[str]) -> None:
        self._removed = set(self.stats()) - live_paths

    def similar_pairs(self, key: str) -> SimilarPairs | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (f"pairs:{key}",))
        if not rows:
            return None
        value = pickle.loads(rows[0][0])
        return value if isinstance(value, SimilarPairs) else None

    def store_similar_pairs(self, key: str, pairs: SimilarPairs) -> None:
        self._pairs = (key, pairs)

    def save(self, now_ns: int) -> None:
        if self._connection is None or not (self._pending or self._removed or self._pairs):
            return
        rows = [
            (
                path,
                size,
                mtime_ns,
                record.digest,
                now_ns,
                pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL),
                pickle.dumps(
                    tuple(tuple(s) for s in summaries_of(record)), protocol=pickle.HIGHEST_PROTOCOL
                ),
            )
            for path, (size, mtime_ns, record) in self._pending.items()
        ]
        try:
            with _transaction(self._connection):
                self._connection.executemany(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
                self._connection.executemany(
                    "DELETE FROM files WHERE path = ?", [(p,) for p in sorted(self._removed)]
                )
                if self._pairs is not None:
                    key, pairs = self._pairs
                    self._connection.execute(
                        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        (f"pairs:{key}", pickle.dumps(pairs, protocol=pickle.HIGHEST_PROTOCOL)),
                    )
        except sqlite3.Error:
            return  # the scan's result stands; the next scan recomputes what is missing
        self._pending.clear()
        self._removed.clear()
        self._pairs = None
        self._stats = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]
