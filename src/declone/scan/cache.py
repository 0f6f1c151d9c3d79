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

A third blob per row, the file's ``FileOutline``, holds what an index lists besides families
(commented-out copies, problems, uncollectable tests, warning sources, backup copies), so
that ``declone scan`` loads full records only for the classes it shows in detail. Finally the
last overview is kept whole, under a key made of the options and every listed file's digest:
an unchanged repository is answered from one row.

A scan without its cache (``--no-cache``, or a cache folder that cannot be written) still
keeps its rows on disk while it runs, in a scratch database of its own that ``close``
removes: the main process then holds each file's compact summary, never every record.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import queue
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declone import __version__
from declone.config import PytestConfig
from declone.model import FileOutline, FileRecord, ScanIndex
from declone.scan.families import SimilarPairs, Summary, summaries_of

__all__ = ["CachedStat", "FileBlobs", "ScanCache", "default_cache_dir", "encode_file"]

_FORMAT = 15
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
class FileBlobs:
    """One file's cache row payload, serialised where the file was parsed (a worker)."""

    digest: str
    record: bytes
    summaries: bytes
    outline: bytes

    def load_summaries(self) -> tuple[Summary, ...]:
        return _load_summaries(self.summaries)

    def load_outline(self) -> FileOutline:
        outline: FileOutline = pickle.loads(self.outline)
        return outline

    def load_record(self) -> FileRecord:
        record: FileRecord = pickle.loads(self.record)
        return record


def encode_file(record: FileRecord, outline: FileOutline) -> FileBlobs:
    return FileBlobs(
        record.digest,
        _dumps(record),
        _dumps(tuple(tuple(s) for s in summaries_of(record))),
        _dumps(outline),
    )


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


# tuple.__new__ straight from C: Summary._make's checks cost more than the whole load.
_make_summary = functools.partial(tuple.__new__, Summary)


def _load_summaries(blob: bytes) -> tuple[Summary, ...]:
    return tuple(map(_make_summary, pickle.loads(blob)))


@dataclass(frozen=True)
class CachedStat:
    size: int
    mtime_ns: int
    digest: str
    written_ns: int


class ScanCache:
    """Opened once per scan; ``store`` queues rows, ``save`` has them written in one
    transaction.

    The writing is done by a thread of the cache's own, on a connection of its own (SQLite
    runs without the interpreter lock): a scan goes on parsing, linking and building its
    families while its rows are written, instead of waiting for them, and the last rows of a
    cold scan no longer stand between its last file and its answer. A read of rows waits for
    the rows saved before it; ``close`` waits for everything saved.
    """

    def __init__(
        self,
        connection: sqlite3.Connection | None,
        database: Path | None,
        problem: str | None = None,
    ) -> None:
        self._connection = connection
        self._database = database
        #: Why a cache that was asked for could not be used; ``None`` otherwise.
        self.problem = problem
        self._writer: _Writer | None = None
        self._stats: dict[str, CachedStat] | None = None
        self._pending: dict[str, tuple[int, int, FileBlobs]] = {}
        self._restat: dict[str, tuple[int, int]] = {}
        self._removed: set[str] = set()
        self._pairs: tuple[str, SimilarPairs] | None = None
        self._overview: dict[str, tuple[str, bytes]] = {}
        #: The folder of a scratch database, removed by ``close``.
        self._scratch: Path | None = None

    @classmethod
    def disabled(cls, problem: str | None = None) -> ScanCache:
        """No cache at all; ``problem`` says why, when one was asked for."""
        return cls(None, None, problem)

    @classmethod
    def scratch(cls, problem: str | None = None) -> ScanCache:
        """A cache for this scan alone, empty, in a temporary folder that ``close`` removes:
        for ``--no-cache``, or (with ``problem`` saying why) when the cache cannot be had.
        It keeps the scan's rows out of memory and nothing else (no overview, no pairs).
        A disabled cache when no temporary folder can be had."""
        try:
            folder = Path(tempfile.mkdtemp(prefix="declone-scan-"))
        except OSError:
            return cls.disabled(problem)
        database = folder / "scan.sqlite"
        try:
            cache = cls(_create(database), database, problem)
        except (OSError, sqlite3.Error):
            shutil.rmtree(folder, ignore_errors=True)
            return cls.disabled(problem)
        cache._scratch = folder
        return cache

    @classmethod
    def open(
        cls,
        cache_dir: Path,
        root: Path,
        pytest: PytestConfig,
        max_file_size: int,
        backup: Sequence[str] = (),
    ) -> ScanCache:
        """The cache of ``root``, made if missing; a disabled cache where none can be had (a
        read-only folder): an unusable cache only costs speed.

        Every row keeps its file's ``is_backup``, which the ``[tool.declone] backup`` globs
        decide: like pytest's options, they are part of the database's key, so that other
        globs never get rows made under the old ones.

        A file under the cache's name that is not a database, or a damaged one (the machine
        went down mid-write, a stray file), is replaced by an empty cache rather than given
        up on for good.
        """
        key = repr((_FORMAT, __version__, str(root), pytest, max_file_size, tuple(backup)))
        database = cache_dir / f"scan-{hashlib.sha256(key.encode()).hexdigest()[:20]}.sqlite"
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            return cls(_create(database), database)
        except OSError as exc:
            return cls.scratch(f"cannot make {cache_dir}: {exc.strerror or exc}")
        except sqlite3.Error as exc:
            if exc.sqlite_errorcode not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                return cls.scratch(f"cannot open {database}: {exc}")
        try:
            for suffix in ("", "-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
            return cls(_create(database), database)
        except (OSError, sqlite3.Error) as exc:
            return cls.scratch(f"cannot replace the damaged {database}: {exc}")

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    def _query(
        self, sql: str, parameters: Iterable[Any] = (), *, after_saves: bool = True
    ) -> list[tuple[Any, ...]]:
        """Rows of ``sql``; with ``after_saves``, once every row saved so far is written."""
        if self._connection is None:
            return []
        if after_saves and self._writer is not None:
            self._writer.wait()
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

    def records(self, paths: Collection[str]) -> dict[str, FileRecord]:
        """Cached records of ``paths`` (those it has)."""
        return {path: pickle.loads(blob) for path, blob in self._column("record", paths)}

    def summaries(self, paths: Collection[str]) -> dict[str, tuple[Summary, ...]]:
        """Cached summaries of ``paths`` (those it has)."""
        return {path: _load_summaries(blob) for path, blob in self._column("summary", paths)}

    def outlines(self, paths: Collection[str]) -> dict[str, FileOutline]:
        """Cached outlines of ``paths`` (those it has)."""
        return {path: pickle.loads(blob) for path, blob in self._column("outline", paths)}

    def _column(self, column: str, paths: Collection[str]) -> Iterator[tuple[Any, ...]]:
        """``(path, column)`` rows of ``paths``: the whole table when that is most of it
        (one scan), else by path (a scan that parsed most files reads back none of them).
        Rows come one by one: the blobs of a whole table are not all held at once."""
        if not paths:
            return
        if len(paths) * 2 > len(self.stats()):
            wanted = set(paths)
            rows = self._rows(f"SELECT path, {column} FROM files")
            yield from (row for row in rows if row[0] in wanted)
            return
        for chunk in _chunks(sorted(paths)):
            marks = ",".join("?" * len(chunk))
            yield from self._rows(
                f"SELECT path, {column} FROM files WHERE path IN ({marks})", chunk
            )

    def _rows(self, sql: str, parameters: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """``_query``'s rows one by one, once every row saved so far is written; a read that
        fails part way ends early (the caller parses again what is missing)."""
        if self._connection is None:
            return
        if self._writer is not None:
            self._writer.wait()
        try:
            yield from self._connection.execute(sql, tuple(parameters))
        except sqlite3.Error:
            return

    def store(self, path: str, size: int, mtime_ns: int, blobs: FileBlobs) -> None:
        self._pending[path] = (size, mtime_ns, blobs)

    def restat(self, path: str, size: int, mtime_ns: int) -> None:
        """The file was touched but its content is the cached one: trust the new stat."""
        self._restat[path] = (size, mtime_ns)

    def prune(self, live_paths: set[str]) -> None:
        self._removed = set(self.stats()) - live_paths

    def similar_pairs(self, key: str) -> SimilarPairs | None:
        blob = self._meta(f"pairs:{key}")
        if blob is None:
            return None
        value = pickle.loads(blob)
        return value if isinstance(value, SimilarPairs) else None

    def store_similar_pairs(self, key: str, pairs: SimilarPairs) -> None:
        self._pairs = (key, pairs)

    def overview(self, key: str) -> ScanIndex | None:
        """The overview index the last scan stored, if it was stored under ``key``."""
        blob = self._overview_part("overview", key)
        index = pickle.loads(blob) if blob is not None else None
        return index if isinstance(index, ScanIndex) else None

    def overview_document(self, key: str) -> str | None:
        """The overview's JSON document (without timings), if stored under ``key``."""
        blob = self._overview_part("overview-json", key)
        return blob.decode("utf-8", "surrogatepass") if blob is not None else None

    def store_overview(self, key: str, index: ScanIndex) -> None:
        self._overview["overview"] = (key, _dumps(index))

    def store_overview_document(self, key: str, document: str) -> None:
        self._overview["overview-json"] = (key, document.encode("utf-8", "surrogatepass"))

    def _overview_part(self, part: str, key: str) -> bytes | None:
        stored_key, _, payload = (self._meta(part) or b"").partition(b"\0")
        return payload if stored_key == key.encode() else None

    def _meta(self, key: str) -> bytes | None:
        """The value stored under ``key`` in the meta table.

        Not waiting for saves still being written: an older value is as right as a newer
        one, since each says what it was made from (the overview is keyed by its inputs, the
        near-clone pairs carry the shapes they were found among).
        """
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,), after_saves=False)
        return rows[0][0] if rows else None

    def save(self, now_ns: int) -> None:
        """Hand what was stored since the last save to the writer, and go on."""
        if self._scratch is not None:  # a scratch database outlives no scan
            self._pairs = None
            self._overview.clear()
        if self._database is None or not (
            self._pending or self._restat or self._removed or self._pairs or self._overview
        ):
            return
        meta = [
            (part, key.encode() + b"\0" + value) for part, (key, value) in self._overview.items()
        ]
        if self._pairs is not None:
            key, pairs = self._pairs
            meta.append((f"pairs:{key}", _dumps(pairs)))
        batch = _Batch(
            rows=[
                (path, size, mtime_ns, b.digest, now_ns, b.record, b.summaries, b.outline)
                for path, (size, mtime_ns, b) in self._pending.items()
            ],
            restats=[(size, mtime, now_ns, path) for path, (size, mtime) in self._restat.items()],
            removed=[(path,) for path in sorted(self._removed)],
            meta=meta,
        )
        if self._writer is None:
            self._writer = _Writer(self._database)
        self._writer.write(batch)
        self._saved(now_ns)

    def _saved(self, now_ns: int) -> None:
        """The stat table as ``save`` left it, without reading it back (``prune`` after
        saves during a scan would otherwise read 10,000 rows again)."""
        if self._stats is not None:
            stats = self._stats
            for path, (size, mtime_ns, blobs) in self._pending.items():
                stats[path] = CachedStat(size, mtime_ns, blobs.digest, now_ns)
            for path, (size, mtime_ns) in self._restat.items():
                known = stats.get(path)
                if known is not None:
                    stats[path] = CachedStat(size, mtime_ns, known.digest, now_ns)
            for path in self._removed:
                stats.pop(path, None)
        self._pending.clear()
        self._restat.clear()
        self._removed.clear()
        self._pairs = None
        self._overview.clear()

    def close(self) -> None:
        """Wait for every save to be written, then close. A save after ``close`` does
        nothing (it would start a writer that nothing stops)."""
        self._database = None
        writer, self._writer = self._writer, None
        try:
            if writer is not None:
                writer.close()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
                self._scratch = None


def _connect(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _create(database: Path) -> sqlite3.Connection:
    """A connection to ``database``, with its tables made if it is new."""
    connection = _connect(database)
    try:
        # Rows are a few kB of blobs each: in 16 kB pages most fit in one page instead of a
        # chain of 4 kB overflow pages, and a cold scan's writes cost a fifth less CPU. (It
        # takes effect when the database is created, before WAL mode is set.)
        connection.execute("PRAGMA page_size=16384")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime_ns INTEGER, digest TEXT, written_ns INTEGER, record BLOB, summary BLOB, "
            "outline BLOB)"
        )
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB)")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


@dataclass(frozen=True)
class _Batch:
    """What one ``save`` writes, in one transaction."""

    rows: list[tuple[str, int, int, str, int, bytes, bytes, bytes]]
    restats: list[tuple[int, int, int, str]]
    removed: list[tuple[str]]
    meta: list[tuple[str, bytes]]

    def write(self, connection: sqlite3.Connection) -> None:
        with _transaction(connection):
            connection.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.rows
            )
            connection.executemany(
                "UPDATE files SET size = ?, mtime_ns = ?, written_ns = ? WHERE path = ?",
                self.restats,
            )
            connection.executemany("DELETE FROM files WHERE path = ?", self.removed)
            connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", self.meta)


class _Writer:
    """Writes batches in the order given, on a thread and a connection of its own.

    A batch that SQLite refuses (a full disk, a lock held past the timeout) is dropped: the
    scan's result stands, and the next scan recomputes what is missing. Any other error is
    raised again by ``close``.
    """

    def __init__(self, database: Path) -> None:
        self._batches: queue.Queue[_Batch | None] = queue.Queue()
        self._error: BaseException | None = None
        # Not a daemon: an interpreter that exits before ``close`` still waits for the rows.
        self._thread = threading.Thread(
            target=self._run, args=(database,), name="declone-cache-writer"
        )
        self._thread.start()

    def write(self, batch: _Batch) -> None:
        self._batches.put(batch)

    def wait(self) -> None:
        """Until every batch given so far is written (or dropped)."""
        self._batches.join()

    def close(self) -> None:
        self._batches.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self, database: Path) -> None:
        # Whatever happens, every batch is taken and marked done: ``wait`` must not hang.
        connection: sqlite3.Connection | None = None
        try:
            connection = _connect(database)
        except sqlite3.Error:
            pass
        except BaseException as exc:  # raised again in the scan's thread, by close
            self._error = exc
        try:
            while (batch := self._batches.get()) is not None:
                try:
                    if connection is not None:
                        batch.write(connection)
                except sqlite3.Error:
                    pass
                except BaseException as exc:  # raised again in the scan's thread, by close
                    self._error = self._error or exc
                finally:
                    self._batches.task_done()
            self._batches.task_done()
        finally:
            if connection is not None:
                connection.close()


class _transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on an error, a failed commit included,
    so that the connection is never left inside a transaction the next batch cannot begin."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        try:
            if kind is None:
                self.connection.execute("COMMIT")
        finally:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]
