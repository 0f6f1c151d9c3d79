"""``declone scan``'s engine: list files, extract classes (cached, in parallel), find families.

The only I/O here is reading the listed files and the cache; everything else is the pure
functions of ``extract`` and ``families``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from declone.cache import ScanCache, default_cache_dir
from declone.config import Settings
from declone.extract import digest_of, extract_file
from declone.families import FamilyOptions, find_families
from declone.files import SourceFile, list_source_files
from declone.model import ClassKind, FileProblem, FileRecord, ScanIndex
from declone.naming import PytestConfig

__all__ = ["ScanStats", "read_records", "scan_repository"]

#: Below this many files to parse, a process pool costs more than it saves.
_POOL_THRESHOLD = 48
_CHUNK = 32


@dataclass(frozen=True, slots=True)
class ScanStats:
    files: int
    parsed: int
    from_cache: int
    seconds: float


@dataclass(frozen=True, slots=True)
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
        return FileRecord(
            job.path, "", problem=FileProblem(job.path, 0, reason), is_backup=job.is_backup
        )
    return extract_file(job.path, data, job.pytest, is_backup=job.is_backup)


def _parallel(jobs: Sequence[_Job], workers: int) -> Iterable[FileRecord]:
    if workers <= 1 or len(jobs) < _POOL_THRESHOLD:
        return map(_read_and_extract, jobs)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_read_and_extract, jobs, chunksize=_CHUNK))


def read_records(
    settings: Settings,
    files: Sequence[SourceFile],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[FileRecord], ScanStats]:
    """A record per listed file, from the cache where its content is known."""
    started = time.perf_counter()
    cache = (
        ScanCache.open(
            settings.cache_dir or default_cache_dir(),
            settings.root,
            settings.pytest,
            settings.max_file_size,
        )
        if settings.use_cache
        else ScanCache.disabled()
    )
    records: dict[str, FileRecord] = {}
    pending: list[SourceFile] = []
    for source in files:
        if source.size > settings.max_file_size:
            limit = settings.max_file_size / 1024 / 1024
            reason = (
                f"file is {source.size / 1024 / 1024:.1f} MiB, over the {limit:.1f} MiB limit; "
                "raise [tool.declone] max-file-size to scan it"
            )
            records[source.path] = FileRecord(
                source.path,
                "",
                problem=FileProblem(source.path, 0, reason),
                is_backup=source.is_backup,
            )
            continue
        cached = cache.lookup_by_stat(source.path, source.size, source.mtime_ns)
        if cached is not None:
            records[source.path] = cached
        else:
            pending.append(source)
    if on_progress is not None and records:
        on_progress(len(records))
    parsed = _resolve_pending(settings, cache, pending, records, on_progress)
    if settings.use_cache:
        cache.prune({source.path for source in files})
        cache.save(time.time_ns())
    ordered = [records[source.path] for source in files]
    stats = ScanStats(len(files), parsed, len(files) - parsed, time.perf_counter() - started)
    return ordered, stats


def _resolve_pending(
    settings: Settings,
    cache: ScanCache,
    pending: Sequence[SourceFile],
    records: dict[str, FileRecord],
    on_progress: Callable[[int], None] | None,
) -> int:
    """Read files whose stat changed; parse only those whose content is new. Returns parsed."""
    to_parse: list[SourceFile] = []
    if cache.entries:
        for source in pending:
            try:
                data = (settings.root / source.path).read_bytes()
            except OSError:
                to_parse.append(source)
                continue
            known = cache.lookup_by_digest(source.path, digest_of(data))
            if known is None:
                to_parse.append(source)
            else:
                records[source.path] = known
                cache.store(source.path, source.size, source.mtime_ns, known)
                if on_progress is not None:
                    on_progress(1)
    else:
        to_parse = list(pending)
    jobs = [_Job(str(settings.root), s.path, s.is_backup, settings.pytest) for s in to_parse]
    workers = settings.jobs or os.cpu_count() or 1
    for source, record in zip(to_parse, _parallel(jobs, workers), strict=True):
        records[source.path] = record
        unreadable = record.problem is not None and record.problem.reason.startswith("cannot read")
        if not unreadable:
            cache.store(source.path, source.size, source.mtime_ns, record)
        if on_progress is not None:
            on_progress(1)
    return len(to_parse)


def scan_repository(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[ScanIndex, ScanStats]:
    """Scan ``settings.root`` (or ``paths`` inside it) and group its classes into families."""
    listing = list_source_files(settings, paths)
    if on_total is not None:
        on_total(len(listing.files))
    records, stats = read_records(settings, listing.files, on_progress=on_progress)
    return build_index(settings, records, listing.problems), stats


def build_index(
    settings: Settings, records: Sequence[FileRecord], listing_problems: Sequence[FileProblem] = ()
) -> ScanIndex:
    """Pure: the index of a set of file records."""
    live = [cls for record in records if not record.is_backup for cls in record.classes]
    families = find_families(
        live,
        FamilyOptions(settings.min_copies, settings.similarity, settings.min_lines),
    )
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
