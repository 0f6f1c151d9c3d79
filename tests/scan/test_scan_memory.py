"""What keeps a scan's memory flat: rows wait in a cache, not in memory, even without one;
workers run only a few chunks ahead; near-clone pairs are kept as each shape's neighbours."""

from __future__ import annotations

from pathlib import Path

import pytest

from declone.config import load_settings
from declone.scan import scanner
from declone.scan.cache import ScanCache
from declone.scan.families import FamilyOptions, SimilarPairs, link_classes, summaries_of
from declone.scan.parsing import extract_file
from declone.scan.scanner import scan_overview_document, scan_repository

HELPER = """\
class FakeConn:
    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, item):
        if not self.open:
            raise RuntimeError("closed")
        self.sent.append(item)

    def close(self):
        self.open = False
"""


def _repo(root: Path, files: int) -> Path:
    for number in range(files):
        path = root / "pkg" / f"m{number:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        own = f"class Own{number}:\n    def f_{number}(self):\n        return {number}\n"
        path.write_text((HELPER if number % 3 == 0 else "") + "\n\n" + own)
    return root


def _scratch_folders(temporary: Path) -> list[str]:
    return sorted(p.name for p in temporary.iterdir() if p.name.startswith("declone-scan-"))


def test_a_scan_without_cache_keeps_its_rows_in_a_scratch_database_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path / "repo", 60)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr("tempfile.tempdir", None)
    uncached = load_settings(root).with_overrides(use_cache=False, jobs=1)
    seen: list[list[str]] = []
    real_records = ScanCache.records

    def records(cache: ScanCache, paths: object) -> object:
        seen.append(_scratch_folders(temporary))  # the scratch folder exists while it is read
        return real_records(cache, paths)  # type: ignore[arg-type]

    monkeypatch.setattr(ScanCache, "records", records)
    document, stats = scan_overview_document(uncached)
    assert stats.parsed == 60
    assert seen
    assert all(len(folders) == 1 for folders in seen)
    assert _scratch_folders(temporary) == []
    cached = uncached.with_overrides(use_cache=True, cache_dir=tmp_path / "cache")
    assert scan_overview_document(cached)[0] == document
    index, _ = scan_repository(uncached)
    assert len(index.files) == 60
    assert len(index.families[0].copies) == 20
    assert _scratch_folders(temporary) == []


def test_without_a_temporary_folder_the_records_stay_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path / "repo", 12)
    settings = load_settings(root).with_overrides(use_cache=False, jobs=1)
    expected, _ = scan_overview_document(settings)

    def no_folder(prefix: str = "") -> str:
        raise OSError("no temporary folder")

    monkeypatch.setattr("tempfile.mkdtemp", no_folder)
    assert not ScanCache.scratch().enabled
    assert scan_overview_document(settings)[0] == expected


def test_parsed_blobs_come_back_in_order_with_few_chunks_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers, far more chunks than they may run ahead: every file's blobs, in the
    order of the jobs, the same as one process makes."""
    root = _repo(tmp_path / "repo", 150)
    monkeypatch.setattr(scanner, "_CHUNK", 4)
    settings = load_settings(root)
    sources = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    jobs = [scanner._Job(str(root), path, False, settings.pytest) for path in sources]
    parallel = list(scanner._extract_all(jobs, 2))
    alone = list(scanner._extract_all(jobs, 1))
    assert [b.digest for b in parallel] == [b.digest for b in alone]
    assert [b.load_record() for b in parallel] == [b.load_record() for b in alone]
    assert len(parallel) == 150


def test_linking_skips_known_pairs_of_shapes_it_does_not_link(tmp_path: Path) -> None:
    """Pairs of the cache may name shapes no longer linked (a class now nested): the
    families are those of the pairs of the shapes linked."""
    settings = load_settings(tmp_path)
    items = [
        s
        for number in range(3)
        for s in summaries_of(extract_file(f"m{number}.py", HELPER.encode(), settings.pytest))
    ]
    fresh = link_classes(items, FamilyOptions())
    stale = SimilarPairs.of(fresh.similar.shapes | {"gone-shape"}, [(items[0].shape, "gone-shape")])
    linked = link_classes(items, FamilyOptions(), known=stale)
    assert linked.components == fresh.components == ((0, 1, 2),)
    assert linked.similar is stale  # nothing new to compare: the known pairs are kept whole
    pair = tuple(sorted((items[0].shape, "gone-shape")))
    assert stale.pairs == frozenset({pair})
    assert stale.neighbours["gone-shape"] == (items[0].shape,)
