"""The scan cache's rows: what ``save`` writes is what the next scan reads, the stat table a
scan keeps in memory stays the table on disk across its saves, and the writer thread that
writes them loses nothing a reader or ``close`` expects."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from declone.config import PytestConfig
from declone.scan.cache import FileBlobs, ScanCache, _Batch, _transaction, _Writer, encode_file
from declone.scan.parsing import extract_file
from declone.scan.scanner import outline_of

CONFIG = PytestConfig()
LIMIT = 1024 * 1024


def open_cache(cache_dir: Path, root: Path) -> ScanCache:
    return ScanCache.open(cache_dir, root, CONFIG, LIMIT)


def blobs_of(path: str, text: str) -> FileBlobs:
    record = extract_file(path, text.encode(), CONFIG)
    return encode_file(record, outline_of(record))


def test_rows_saved_in_several_batches_and_pruned_are_the_table_read_back(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    cache = open_cache(tmp_path / "cache", root)
    assert cache.stats() == {}
    cache.store("a.py", 10, 1_000, blobs_of("a.py", "class A:\n    x = 1\n"))
    cache.store("b.py", 20, 2_000, blobs_of("b.py", "class B:\n    y = 2\n"))
    cache.save(5_000_000_000)
    cache.store("c.py", 30, 3_000, blobs_of("c.py", "class C:\n    z = 3\n"))
    cache.restat("a.py", 11, 1_500)
    cache.save(6_000_000_000)
    # ``b.py`` is gone from the repository; ``c.py``, stored after the first save, is not.
    cache.prune({"a.py", "c.py"})
    cache.save(7_000_000_000)
    in_memory = cache.stats()
    cache.close()

    reopened = open_cache(tmp_path / "cache", root)
    on_disk = reopened.stats()
    assert on_disk == in_memory
    assert sorted(on_disk) == ["a.py", "c.py"]
    assert (on_disk["a.py"].size, on_disk["a.py"].mtime_ns) == (11, 1_500)
    assert on_disk["a.py"].written_ns == 6_000_000_000
    assert on_disk["c.py"].written_ns == 6_000_000_000
    assert [s.name for s in reopened.summaries(["c.py"])["c.py"]] == ["C"]
    reopened.close()


def test_a_pruned_path_stored_again_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    cache = open_cache(tmp_path / "cache", root)
    cache.store("a.py", 10, 1_000, blobs_of("a.py", "class A:\n    x = 1\n"))
    cache.save(5_000_000_000)
    cache.prune(set())
    cache.save(6_000_000_000)
    assert cache.stats() == {}
    cache.store("a.py", 12, 1_200, blobs_of("a.py", "class A:\n    x = 2\n"))
    cache.save(7_000_000_000)
    cache.close()
    reopened = open_cache(tmp_path / "cache", root)
    assert sorted(reopened.stats()) == ["a.py"]
    assert reopened.stats()["a.py"].size == 12
    reopened.close()


def test_rows_read_before_close_are_the_rows_saved_before(tmp_path: Path) -> None:
    # Saves are written by the cache's writer thread: a read of rows waits for them.
    cache = open_cache(tmp_path / "cache", tmp_path / "repo")
    for index in range(50):
        cache.store(
            f"m{index}.py", index, index, blobs_of(f"m{index}.py", f"class C{index}:\n    x = 1\n")
        )
        cache.save(5_000_000_000 + index)
    summaries = cache.summaries([f"m{index}.py" for index in range(50)])
    assert {path: [s.name for s in found] for path, found in summaries.items()} == {
        f"m{index}.py": [f"C{index}"] for index in range(50)
    }
    assert [r.classes[0].name for r in cache.records(["m7.py"]).values()] == ["C7"]
    cache.close()


def test_a_save_sqlite_refuses_is_dropped_and_the_scan_goes_on(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "cache", tmp_path / "repo")
    (database,) = (tmp_path / "cache").glob("*.sqlite")
    other = sqlite3.connect(database)
    other.execute("DROP TABLE files")  # another process breaks the cache between two saves
    other.close()
    cache.store("a.py", 10, 1_000, blobs_of("a.py", "class A:\n    x = 1\n"))
    cache.save(5_000_000_000)
    assert cache.summaries(["a.py"]) == {}
    cache.close()  # no error: a cache only costs speed
    reopened = open_cache(tmp_path / "cache", tmp_path / "repo")
    assert reopened.stats() == {}
    reopened.close()


def test_an_error_other_than_sqlites_in_the_writer_is_raised_by_close(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "cache", tmp_path / "repo")
    (database,) = (tmp_path / "cache").glob("*.sqlite")
    cache.close()

    def rows():  # type: ignore[no-untyped-def]
        raise ValueError("a row that cannot be made")
        yield

    writer = _Writer(database)
    writer.write(_Batch(rows=rows(), restats=[], removed=[], meta=[]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be made"):
        writer.close()


def test_a_save_after_close_does_nothing_and_leaves_no_writer_running(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "cache", tmp_path / "repo")
    cache.store("a.py", 10, 1_000, blobs_of("a.py", "class A:\n    x = 1\n"))
    cache.save(5_000_000_000)
    cache.close()
    cache.store("b.py", 20, 2_000, blobs_of("b.py", "class B:\n    y = 2\n"))
    cache.save(6_000_000_000)
    cache.close()
    assert not [t for t in threading.enumerate() if t.name == "declone-cache-writer"]
    reopened = open_cache(tmp_path / "cache", tmp_path / "repo")
    assert sorted(reopened.stats()) == ["a.py"]
    reopened.close()


def test_a_failed_commit_is_rolled_back_and_the_next_transaction_begins(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "t.sqlite", isolation_level=None)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    connection.execute(
        "CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), _transaction(connection):
        connection.execute("INSERT INTO child VALUES (1)")  # refused only at COMMIT
    assert not connection.in_transaction
    with _transaction(connection):
        connection.execute("INSERT INTO parent VALUES (1)")
    assert connection.execute("SELECT count(*) FROM child").fetchone() == (0,)
    assert connection.execute("SELECT count(*) FROM parent").fetchone() == (1,)
    connection.close()
