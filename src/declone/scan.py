"""``declone scan``'s engine: list files, extract classes (cached, in parallel), find families.

The only I/O here is reading the listed files and the cache; everything else is the pure
functions of ``extract`` and ``families``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from declone.cache import ScanCache, default_cache_dir
from declone.config import Settings
from declone.extract import digest_of, extract_file
from declone.families import (
    FamilyOptions,
    Summary,
    build_family,
    group_families,
    is_live_helper,
    link_classes,
    rank,
    summaries_of,
)
from declone.files import FileListing, SourceFile, list_source_files
from declone.model import ClassKind, ClassRecord, Family, FileProblem, FileRecord, ScanIndex
from declone.naming import PytestConfig

__all__ = ["ScanStats", "build_index", "scan_focused", "scan_repository"]

#: Below this many files to parse, a process pool costs more than it saves.
_POOL_THRESHOLD = 48
_CHUNK = 32

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ScanStats:
    files: int
    parsed: int
    from_cache: int
    seconds: float


@dataclass(frozen=True)
class _Job:
    root: str
    path: str
    is_backup: bool
    pytest: PytestConfig


def _read_and_extract(job: _Job) -> FileRecord:
    try:
        with open(os.path.join(job.root, job.path), "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}; check its permissions"
        problem = FileProblem(job.path, 0, reason)
        return FileRecord(job.path, "", problem=problem, is_backup=job.is_backup)
    return extract_file(job.path, data, job.pytest, is_backup=job.is_backup)


def _parallel(jobs: Sequence[_Job], workers: int) -> Iterable[FileRecord]:
    if workers <= 1 or len(jobs) < _POOL_THRESHOLD:
        return map(_read_and_extract, jobs)
    from concurrent.futures import ProcessPoolExecutor  # not on the pre-commit path

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_read_and_extract, jobs, chunksize=_CHUNK))


def _open_cache(settings: Settings) -> ScanCache:
    if not settings.use_cache:
        return ScanCache.disabled()
    return ScanCache.open(
        settings.cache_dir or default_cache_dir(),
        settings.root,
        settings.pytest,
        settings.max_file_size,
    )


def _options(settings: Settings) -> FamilyOptions:
    return FamilyOptions(settings.min_copies, settings.similarity, settings.min_lines)


def _too_big(settings: Settings, source: SourceFile) -> FileRecord:
    limit = settings.max_file_size / 1024 / 1024
    reason = (
        f"file is {source.size / 1024 / 1024:.1f} MiB, over the {limit:.1f} MiB limit; "
        "raise [tool.declone] max-file-size to scan it"
    )
    problem = FileProblem(source.path, 0, reason)
    return FileRecord(source.path, "", problem=problem, is_backup=source.is_backup)


@dataclass
class _Refresh:
    """Files whose cached record may not hold, after reading or parsing them again."""

    records: dict[str, FileRecord]
    parsed: int


def _refresh(
    settings: Settings,
    cache: ScanCache,
    files: Sequence[SourceFile],
    on_progress: Progress | None,
) -> tuple[list[str], _Refresh]:
    """Split ``files`` into those the cache knows by stat, and fresh records for the rest."""
    fresh: list[str] = []
    records: dict[str, FileRecord] = {}
    changed: list[SourceFile] = []
    for source in files:
        if source.size > settings.max_file_size:
            records[source.path] = _too_big(settings, source)
        elif cache.fresh_by_stat(source.path, source.size, source.mtime_ns):
            fresh.append(source.path)
        else:
            changed.append(source)
    to_parse: list[SourceFile] = []
    same_content: dict[str, SourceFile] = {}
    for source in changed:
        known = cache.digest(source.path)
        if known is None:
            to_parse.append(source)
            continue
        try:
            data = (settings.root / source.path).read_bytes()
        except OSError:
            to_parse.append(source)
            continue
        if digest_of(data) == known:
            same_content[source.path] = source
        else:
            to_parse.append(source)
    for path, record in cache.records(same_content).items():
        source = same_content.pop(path)
        records[path] = record
        cache.store(path, source.size, source.mtime_ns, record)
    to_parse.extend(same_content.values())  # rows that vanished meanwhile
    jobs = [_Job(str(settings.root), s.path, s.is_backup, settings.pytest) for s in to_parse]
    workers = settings.jobs or os.cpu_count() or 1
    for source, record in zip(to_parse, _parallel(jobs, workers), strict=True):
        records[source.path] = record
        if record.problem is None or not record.problem.reason.startswith("cannot read"):
            cache.store(source.path, source.size, source.mtime_ns, record)
        if on_progress is not None:
            on_progress(1)
    return fresh, _Refresh(records, len(to_parse))


def scan_repository(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    on_total: Progress | None = None,
    on_progress: Progress | None = None,
) -> tuple[ScanIndex, ScanStats]:
    """Scan ``settings.root`` (or ``paths`` inside it) and group its classes into families."""
    started = time.perf_counter()
    listing = list_source_files(settings, paths)
    if on_total is not None:
        on_total(len(listing.files))
    cache = _open_cache(settings)
    try:
        fresh, refresh = _refresh(settings, cache, listing.files, on_progress)
        records = {**cache.records(fresh), **refresh.records}
        missing = [s for s in listing.files if s.path not in records]
        if missing:  # rows removed by another process between the two queries
            records.update(_refresh(settings, ScanCache.disabled(), missing, None)[1].records)
        if on_progress is not None and fresh:
            on_progress(len(fresh))
        ordered = [records[source.path] for source in listing.files]
        whole_root = not paths
        options = _options(settings)
        known = cache.similar_pairs(options.pairs_key) if whole_root else None
        live = [c for record in ordered if not record.is_backup for c in record.classes]
        families, similar = group_families(live, options, known)
        if whole_root:
            cache.prune({source.path for source in listing.files})
            cache.store_similar_pairs(options.pairs_key, similar)
        cache.save(time.time_ns())
    finally:
        cache.close()
    index = _index(settings, ordered, listing.problems, families)
    parsed = refresh.parsed
    stats = ScanStats(
        len(listing.files), parsed, len(listing.files) - parsed, time.perf_counter() - started
    )
    return index, stats


def scan_focused(
    settings: Settings,
    focus: Collection[str],
    also: Callable[[str], bool] = lambda path: False,
    listing: FileListing | None = None,
) -> tuple[ScanIndex, ScanStats]:
    """The index as seen from a few files: what a pre-commit hook needs, fast.

    Links every class of the whole root from the cache's compact summaries (re-reading only
    files that changed) and builds only the families with a copy in ``focus``. Full records
    are loaded for ``focus``, for the paths ``also`` accepts (canonical modules) and for one
    copy per variant; every other member is that variant's record moved to its own place
    (same shape means the same members, so its API facts hold; its source is the
    representative's). The index's ``files`` are the records of ``focus`` and ``also``.
    ``listing`` saves listing the root again when the caller has it.
    """
    started = time.perf_counter()
    listing = listing or list_source_files(settings)
    cache = _open_cache(settings)
    try:
        fresh, refresh = _refresh(settings, cache, listing.files, None)
        summaries = cache.summaries()
        listed = [source.path for source in listing.files]
        items: list[Summary] = []
        for path in listed:
            if path in refresh.records:
                items.extend(summaries_of(refresh.records[path]))
            else:
                items.extend(summaries.get(path, ()))
        items.sort(key=lambda s: (s.path, s.lineno))
        options = _options(settings)
        linking = link_classes(items, options, cache.similar_pairs(options.pairs_key))
        wanted = set(focus)
        extra = {path for path in listed if also(path)}
        touching = [m for m in linking.components if any(items[i].path in wanted for i in m)]
        representatives = {_first_of_each_shape(items, members) for members in touching}
        needed = wanted | extra | {items[i].path for group in representatives for i in group}
        loaded = cache.records(p for p in needed if p not in refresh.records)
        records = {**loaded, **refresh.records}
        cache.prune(set(listed))
        cache.store_similar_pairs(options.pairs_key, linking.similar)
        cache.save(time.time_ns())
    finally:
        cache.close()
    families = rank(
        build_family(
            _member_records(items, members, records),
            {r for i in members for r in linking.reasons.get(i, ())},
            source_diffs=False,
        )
        for members in touching
    )
    shown = [records[p] for p in sorted(wanted | extra) if p in records]
    index = _index(settings, shown, [p for p in listing.problems if p.path in wanted], families)
    stats = ScanStats(len(listed), refresh.parsed, len(fresh), time.perf_counter() - started)
    return index, stats


def _first_of_each_shape(items: Sequence[Summary], members: Sequence[int]) -> tuple[int, ...]:
    first: dict[str, int] = {}
    for index in members:
        first.setdefault(items[index].shape, index)
    return tuple(sorted(first.values()))


def _member_records(
    items: Sequence[Summary], members: Sequence[int], records: dict[str, FileRecord]
) -> list[ClassRecord]:
    """Each member's record: its own when its file is loaded, else its variant's, moved."""
    own = {
        (c.path, c.lineno): c
        for path in {items[i].path for i in members}
        if path in records
        for c in records[path].classes
        if is_live_helper(c)
    }
    by_shape: dict[str, ClassRecord] = {}
    for index in members:
        record = own.get((items[index].path, items[index].lineno))
        if record is not None:
            by_shape.setdefault(record.shape, record)
    result = []
    for index in members:
        item = items[index]
        record = own.get((item.path, item.lineno))
        if record is None:
            record = replace(
                by_shape[item.shape],
                name=item.name,
                qualname=item.qualname,
                path=item.path,
                lineno=item.lineno,
                end_lineno=item.end_lineno,
                col=item.col,
                fingerprint=item.fingerprint,
                in_function=item.in_function,
                warns_on_collection=item.warns_on_collection,
            )
        result.append(record)
    return result


def build_index(
    settings: Settings, records: Sequence[FileRecord], listing_problems: Sequence[FileProblem] = ()
) -> ScanIndex:
    """Pure: the index of a set of file records."""
    live = [cls for record in records if not record.is_backup for cls in record.classes]
    families, _ = group_families(live, _options(settings))
    return _index(settings, records, listing_problems, families)


def _index(
    settings: Settings,
    records: Sequence[FileRecord],
    listing_problems: Sequence[FileProblem],
    families: tuple[Family, ...],
) -> ScanIndex:
    live = [cls for record in records if not record.is_backup for cls in record.classes]
    problems = [*listing_problems, *(r.problem for r in records if r.problem is not None)]
    return ScanIndex(
        root=str(settings.root),
        files=tuple(records),
        families=families,
        uncollectable_tests=tuple(c for c in live if c.kind is ClassKind.UNCOLLECTABLE_TEST),
        warning_sources=tuple(c for c in live if c.warns_on_collection),
        commented=tuple(c for record in records for c in record.commented),
        backup_copies=tuple(c for record in records if record.is_backup for c in record.classes),
        problems=tuple(sorted(problems, key=lambda p: (p.path, p.lineno))),
    )
