"""The scan cache's rows: what ``save`` writes is what the next scan reads, and the stat
table a scan keeps in memory stays the table on disk across its saves."""

from __future__ import annotations

from pathlib import Path

from declone.cache import ScanCache, encode_file
from declone.extract import extract_file
from declone.naming import PytestConfig
from declone.scan import outline_of

CONFIG = PytestConfig()
LIMIT = 1024 * 1024


def open_cache(cache_dir: Path, root: Path) -> ScanCache:
    return ScanCache.open(cache_dir, root, CONFIG, LIMIT)


def blobs_of(path: str, text: str):  # type: ignore[no-untyped-def]
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
