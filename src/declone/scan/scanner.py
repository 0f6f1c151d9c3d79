"""``declone scan``'s engine: list files, extract classes (cached, in parallel), find families.

The only I/O here is reading the listed files and the cache; everything else is the pure
functions of ``extract`` and ``families``. Three views of a repository, from the same cache:

- ``scan_repository``: every file's full record and every family (``plan``, ``report``);
- ``scan_overview``: the families and lists ``declone scan`` shows, built from each file's
  compact summary and outline plus one full record per variant, and kept whole in the cache;
- ``scan_focused``: only the families that touch a few files (``check`` in pre-commit).

Workers serialise what the cache stores, so the main process never pickles a record and
loads full records only where a view needs them. It does not hold them meanwhile either: each
parsed file's row goes to the cache (a scratch one with ``--no-cache``, see ``cache``) as it
comes in, and the records a view needs are read back from there.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import time
import warnings
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from declone.config import PytestConfig, Settings
from declone.model import (
    ClassKind,
    ClassRecord,
    Family,
    FileOutline,
    FileProblem,
    FileRecord,
    NameGroup,
    ScanIndex,
    frozen_replace,
)
from declone.scan.cache import FileBlobs, ScanCache, default_cache_dir, encode_file
from declone.scan.families import (
    FamilyOptions,
    Linking,
    NearCloneJoin,
    SimilarPairs,
    Summary,
    build_family,
    group_families,
    is_live_helper,
    link_classes,
    settle_families,
)
from declone.scan.files import FileListing, SourceFile, list_source_files
from declone.scan.scopes import find_scopes
from declone.scan.source import digest_of
from declone.scan.testcode import TestCode, find_test_code

if TYPE_CHECKING:
    from declone.scan.occurrences import Occurrences

__all__ = [
    "ScanStats",
    "build_index",
    "find_occurrences",
    "outline_of",
    "scan_focused",
    "scan_overview",
    "scan_overview_document",
    "scan_repository",
]

#: Below this many files to parse, a process pool costs more than it saves.
_POOL_THRESHOLD = 48
_CHUNK = 32
#: Chunks per worker given out ahead of the caller (see ``_extract_all``).
_AHEAD = 3
#: Parsed files whose cache rows are written together, during the parse. The last batch is
#: written after the last file and the answer waits for it: a small one keeps that short.
_SAVE_EVERY = 250

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ScanStats:
    files: int
    parsed: int
    from_cache: int
    seconds: float
    #: Why the scan cache could not be used (the scan went on without it); ``None`` when it
    #: was used or turned off.
    cache_problem: str | None = None


@dataclass(frozen=True)
class _Job:
    root: str
    path: str
    is_backup: bool
    pytest: PytestConfig


def outline_of(record: FileRecord) -> FileOutline:
    listed = tuple(
        c
        for c in record.classes
        if record.is_backup or c.kind is ClassKind.UNCOLLECTABLE_TEST or c.warns_on_collection
    )
    return FileOutline(
        record.path,
        record.digest,
        record.is_backup,
        len(record.classes),
        record.commented,
        record.problem,
        listed,
    )


#: One outline per class count and backup flag, for every file whose outline lists nothing.
_PLAIN_OUTLINES: dict[tuple[int, bool], FileOutline] = {}


def _shared_if_plain(outline: FileOutline) -> FileOutline:
    """``outline``, or a shared equivalent when it lists nothing (most files): an index reads
    no outline's path or digest, and a view holds every listed file's outline at once."""
    if outline.listed or outline.commented or outline.problem is not None:
        return outline
    key = (outline.class_count, outline.is_backup)
    shared = _PLAIN_OUTLINES.get(key)
    if shared is None:
        shared = _PLAIN_OUTLINES[key] = FileOutline("", "", outline.is_backup, outline.class_count)
    return shared


def _encode(record: FileRecord) -> FileBlobs:
    return encode_file(record, outline_of(record))


def _read_and_extract(job: _Job) -> FileBlobs:
    try:
        with open(os.path.join(job.root, job.path), "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}; check its permissions"
        problem = FileProblem(job.path, 0, reason)
        return _encode(FileRecord(job.path, "", problem=problem, is_backup=job.is_backup))
    # Imported here: a scan that finds every file in its cache parses nothing.
    from declone.scan.parsing import extract_file

    try:
        return _encode(extract_file(job.path, data, job.pytest, is_backup=job.is_backup))
    except Exception as exc:
        # The last resort, as ruff's for a panic on one file: extract_file turns bad input into
        # a problem, so an exception here is a bug in declone. It costs this file, not the
        # scan; with no digest, the file is not cached and is read again by the next scan.
        message = str(exc).partition("\n")[0]
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        reason = f"declone could not read it ({error}); please report this"
        problem = FileProblem(job.path, 0, reason)
        return _encode(FileRecord(job.path, "", problem=problem, is_backup=job.is_backup))


def _extract_all(jobs: Sequence[_Job], workers: int) -> Iterator[FileBlobs]:
    """Each job's blobs, in order, as they are ready.

    At most ``_AHEAD`` chunks per worker are given out ahead of the one the caller waits
    for (``Executor.map`` would give out all of them at once): when the caller falls behind,
    the workers wait, rather than their blobs piling up in its memory.
    """
    if workers <= 1 or len(jobs) < _POOL_THRESHOLD:
        yield from map(_read_and_extract, jobs)
        return
    from concurrent.futures import Future, ProcessPoolExecutor  # not on the pre-commit path

    chunks = (jobs[start : start + _CHUNK] for start in range(0, len(jobs), _CHUNK))
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker) as pool:
        pending: deque[Future[list[FileBlobs]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_extract_chunk, chunk))
            if len(pending) > workers * _AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _extract_chunk(jobs: Sequence[_Job]) -> list[FileBlobs]:
    return [_read_and_extract(job) for job in jobs]


def _start_worker() -> None:
    # A parse allocates hundreds of thousands of AST nodes that die with their file, by
    # reference counting (syntax trees hold no cycles): the cyclic collector's default,
    # a pass every 700 allocations, would walk them over and over for nothing. (A forked
    # worker starts with the collector as the scan left it: paused.)
    gc.set_threshold(100_000, 50, 50)
    gc.enable()
    # A forked worker inherits the command's warning filters, a spawned one does not: the
    # compiler's warnings about the files it parses are not the scan's to print.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.filterwarnings("ignore", "invalid (octal )?escape sequence", DeprecationWarning)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a scan view, and back as it was afterwards.

    A view makes and loads hundreds of thousands of records, summaries and tuples and frees
    them by reference counting (none holds a cycle): the collector's passes over them find
    nothing and, on a large repository, cost as much as the loading itself. Pausing it per
    load would not do: the pass comes due at the first allocation after it is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _open_cache(settings: Settings) -> ScanCache:
    if not settings.use_cache:
        return ScanCache.scratch()
    return ScanCache.open(
        settings.cache_dir or default_cache_dir(),
        settings.root,
        settings.pytest,
        settings.max_file_size,
        settings.backup,
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
    """The listed files split into rows the cache holds and files made (read and parsed) in
    this scan, with the made files' summaries and outlines when the view links from those
    (``summarise``)."""

    summarise: bool
    cached: list[str] = field(default_factory=list)
    #: Each made file's digest; its record is in the cache, or else in ``kept``.
    made: dict[str, str] = field(default_factory=dict)
    #: The pickled records of made files that the cache does not hold: there is no cache
    #: at all, or the file has no digest (it could not be read, or is too big).
    kept: dict[str, bytes] = field(default_factory=dict)
    parsed: int = 0
    summaries: dict[str, tuple[Summary, ...]] = field(default_factory=dict)
    outlines: dict[str, FileOutline] = field(default_factory=dict)
    #: The near-clone pairs of the made files' shapes, joined as they came in, when every
    #: listed file was made (nothing to join them with in the cache).
    similar: SimilarPairs | None = None

    def add(self, path: str, blobs: FileBlobs, *, stored: bool = False) -> None:
        """A made file's blobs; ``stored`` when the cache has its row."""
        self.made[path] = blobs.digest
        if not stored:
            self.kept[path] = blobs.record
        if self.summarise:
            self.summaries[path] = blobs.load_summaries()
            self.outlines[path] = _shared_if_plain(blobs.load_outline())

    def digest(self, cache: ScanCache, path: str) -> str:
        made = self.made.get(path)
        return made if made is not None else cache.digest(path) or ""


def _refresh(
    settings: Settings,
    cache: ScanCache,
    files: Sequence[SourceFile],
    on_progress: Progress | None,
    *,
    summarise: bool = False,
) -> _Refresh:
    """Decide per file: cached row (same stat, or same content), or read and parse it again.

    With ``summarise``, each parsed file's summaries and outline are loaded as its blobs come
    in, while the workers parse on, rather than all together after the last file; when no
    row of the cache is used, their shapes are joined into near-clone pairs on the way too.
    """
    refresh = _Refresh(summarise)
    cached = refresh.cached
    changed: list[SourceFile] = []
    for source in files:
        if source.size > settings.max_file_size:
            refresh.add(source.path, _encode(_too_big(settings, source)))
        elif cache.fresh_by_stat(source.path, source.size, source.mtime_ns):
            cached.append(source.path)
        else:
            changed.append(source)
    to_parse: list[SourceFile] = []
    for source in changed:
        known = cache.digest(source.path)
        try:
            same = (
                known is not None and digest_of((settings.root / source.path).read_bytes()) == known
            )
        except OSError:
            same = False
        if same:
            cache.restat(source.path, source.size, source.mtime_ns)
            cached.append(source.path)
        else:
            to_parse.append(source)
    workers = settings.jobs or os.cpu_count() or 1
    join = (
        NearCloneJoin(settings.similarity, settings.min_lines) if summarise and not cached else None
    )
    blobs_in_order = _extract_all(_jobs(settings, to_parse), workers)
    for done, (source, blobs) in enumerate(zip(to_parse, blobs_in_order, strict=True), 1):
        # A file that could not be read has no digest: it is read again next time.
        stored = cache.enabled and bool(blobs.digest)
        if stored:
            cache.store(source.path, source.size, source.mtime_ns, blobs)
        refresh.add(source.path, blobs, stored=stored)
        if join is not None:
            join.add(refresh.summaries[source.path])
        if done % _SAVE_EVERY == 0:
            cache.save(time.time_ns())  # while the workers parse on, not all at the end
        if on_progress is not None:
            on_progress(1)
    # The last rows too, for the writer to write while the view links: the records it loads
    # are read back from the cache.
    cache.save(time.time_ns())
    if on_progress is not None and cached:
        on_progress(len(cached))
    refresh.parsed = len(to_parse)
    refresh.similar = join.result() if join is not None else None
    return refresh


def _jobs(settings: Settings, sources: Sequence[SourceFile]) -> list[_Job]:
    return [_Job(str(settings.root), s.path, s.is_backup, settings.pytest) for s in sources]


def _recover(
    settings: Settings, listing: FileListing, refresh: _Refresh, missing: Collection[str]
) -> None:
    """Rows another process removed between reading the stat table and the rows: parse again."""
    if not missing:
        return
    sources = [s for s in listing.files if s.path in missing]
    for source, blobs in zip(sources, _extract_all(_jobs(settings, sources), 1), strict=True):
        refresh.add(source.path, blobs)


def _records(
    settings: Settings, cache: ScanCache, listing: FileListing, refresh: _Refresh, paths: set[str]
) -> dict[str, FileRecord]:
    """Full records of ``paths``: from the cache, else kept in memory by this scan."""
    from_cache = paths - refresh.kept.keys()
    records = cache.records(from_cache)
    _recover(settings, listing, refresh, from_cache - records.keys())
    records.update({p: _load_record(refresh.kept[p]) for p in paths if p in refresh.kept})
    return records


@_collector_paused()
def scan_repository(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    on_total: Progress | None = None,
    on_progress: Progress | None = None,
) -> tuple[ScanIndex, ScanStats]:
    """Scan ``settings.root`` (or ``paths`` inside it): every file's record, every family."""
    started = time.perf_counter()
    listing = list_source_files(settings, paths)
    if on_total is not None:
        on_total(len(listing.files))
    cache = _open_cache(settings)
    try:
        refresh = _refresh(settings, cache, listing.files, on_progress)
        records = _records(settings, cache, listing, refresh, {s.path for s in listing.files})
        ordered = [records[source.path] for source in listing.files]
        whole_root = not paths
        options = _options(settings)
        known = cache.similar_pairs(options.pairs_key) if whole_root else None
        live = [c for record in ordered if not record.is_backup for c in record.classes]
        scopes = find_scopes(settings.root, [source.path for source in listing.files])
        test_code = find_test_code(settings)
        families, name_groups, similar = group_families(
            live, options, known, scopes, test_code.is_test
        )
        if whole_root:
            cache.prune({source.path for source in listing.files})
            cache.store_similar_pairs(options.pairs_key, similar)
        cache.save(time.time_ns())
    finally:
        cache.close()
    index = _index(settings, ordered, listing.problems, families, name_groups)
    return index, _stats(listing, refresh, started, cache)


def _load_record(blob: bytes) -> FileRecord:
    record: FileRecord = pickle.loads(blob)
    return record


def _stats(listing: FileListing, refresh: _Refresh, started: float, cache: ScanCache) -> ScanStats:
    files = len(listing.files)
    seconds = time.perf_counter() - started
    # A file too big to scan is neither parsed nor read from the cache.
    return ScanStats(files, refresh.parsed, len(refresh.cached), seconds, cache.problem)


def scan_overview(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    on_total: Progress | None = None,
    on_progress: Progress | None = None,
) -> tuple[ScanIndex, ScanStats]:
    """What ``declone scan`` shows: every family and list, without every file's record.

    Classes are linked from the cache's compact summaries, and full records are loaded for
    one copy per variant (the family's API and diffs come from it); every other member is
    its variant's record moved to its own place (same shape, same members; its source and
    method lines are the representative's). The index's ``files`` is empty; ``file_count``
    and ``class_count`` say what was scanned. The result is cached under a key made of the
    options and every listed file's size and digest, so an unchanged repository costs a
    listing, a stat per file and one cache row.
    """
    index, _, stats = _overview(settings, paths, on_total, on_progress, as_document=False)
    assert index is not None
    return index, stats


def scan_overview_document(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    on_total: Progress | None = None,
    on_progress: Progress | None = None,
) -> tuple[str, ScanStats]:
    """``scan --json``'s document for ``scan_overview``'s index, compact and without its
    ``stats`` (``document.with_stats`` adds them); kept in the cache beside the index."""
    _, document, stats = _overview(settings, paths, on_total, on_progress, as_document=True)
    assert document is not None
    return document, stats


@_collector_paused()
def _overview(
    settings: Settings,
    paths: Sequence[Path],
    on_total: Progress | None,
    on_progress: Progress | None,
    *,
    as_document: bool,
) -> tuple[ScanIndex | None, str | None, ScanStats]:
    started = time.perf_counter()
    listing = list_source_files(settings, paths)
    if on_total is not None:
        on_total(len(listing.files))
    options = _options(settings)
    whole_root = not paths
    cache = _open_cache(settings)
    try:
        refresh = _refresh(settings, cache, listing.files, on_progress, summarise=True)
        scopes = find_scopes(settings.root, [source.path for source in listing.files])
        test_code = find_test_code(settings)
        key = _overview_key(options, test_code, listing, refresh, cache, scopes)
        # Each view stores only what it made: pickling an index that a JSON reader never
        # loads would cost a cold scan half a second.
        index: ScanIndex | None = None
        document: str | None = None
        if as_document:
            document = cache.overview_document(key)
            if document is None:
                from declone.scan.document import document_text  # an unchanged repo needs none

                index = cache.overview(key) or _build_overview(
                    settings, cache, listing, refresh, options, test_code, whole_root, scopes
                )
                document = document_text(index)
                cache.store_overview_document(key, document)
        else:
            index = cache.overview(key)
            if index is None:
                index = _build_overview(
                    settings, cache, listing, refresh, options, test_code, whole_root, scopes
                )
                cache.store_overview(key, index)
        if whole_root:
            cache.prune({source.path for source in listing.files})
        cache.save(time.time_ns())
    finally:
        cache.close()
    # Only what the caller asked for: an index kept alive past the collector's pause would
    # cost a pass over its hundreds of thousands of objects when the collector is back on.
    return (None if as_document else index), document, _stats(listing, refresh, started, cache)


def _overview_key(
    options: FamilyOptions,
    test_code: TestCode,
    listing: FileListing,
    refresh: _Refresh,
    cache: ScanCache,
    scopes: Mapping[str, str],
) -> str:
    files = [(s.path, s.is_backup, s.size, refresh.digest(cache, s.path)) for s in listing.files]
    roots = sorted(set(scopes.values()))
    # What counts as test code changes the families, and ``test-paths`` is in no other key.
    text = repr((options, test_code, files, [str(p) for p in listing.problems], roots))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _build_overview(
    settings: Settings,
    cache: ScanCache,
    listing: FileListing,
    refresh: _Refresh,
    options: FamilyOptions,
    test_code: TestCode,
    whole_root: bool,
    scopes: Mapping[str, str],
) -> ScanIndex:
    items, outlines = _listed(settings, cache, listing, refresh, with_outlines=True)
    known = refresh.similar or (cache.similar_pairs(options.pairs_key) if whole_root else None)
    linking = link_classes(items, options, known, test_code.is_test)
    if whole_root:
        cache.store_similar_pairs(options.pairs_key, linking.similar)
    needed = _representative_paths(items, linking.components)
    records = _records(settings, cache, listing, refresh, needed)
    families, name_groups = _families(
        items, linking, linking.components, records, options, scopes=scopes
    )
    return _outline_index(settings, outlines, listing.problems, families, name_groups)


def _listed(
    settings: Settings,
    cache: ScanCache,
    listing: FileListing,
    refresh: _Refresh,
    *,
    with_outlines: bool,
) -> tuple[list[Summary], list[FileOutline]]:
    """Every listed file's summaries, sorted for linking, and (``with_outlines``) its outline,
    in listing order: made in this scan, else from the cache."""
    cached_summaries = cache.summaries(refresh.cached)
    cached_outlines = (
        {path: _shared_if_plain(o) for path, o in cache.outlines(refresh.cached).items()}
        if with_outlines
        else {}
    )
    loaded = cached_summaries.keys() & cached_outlines.keys() if with_outlines else cached_summaries
    _recover(settings, listing, refresh, set(refresh.cached) - set(loaded))
    items: list[Summary] = []
    outlines: list[FileOutline] = []
    for source in listing.files:
        made = source.path in refresh.made
        items.extend((refresh.summaries if made else cached_summaries)[source.path])
        if with_outlines:
            outlines.append((refresh.outlines if made else cached_outlines)[source.path])
    items.sort(key=lambda s: (s.path, s.lineno))
    return items, outlines


@_collector_paused()
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
        refresh = _refresh(settings, cache, listing.files, None, summarise=True)
        items, _ = _listed(settings, cache, listing, refresh, with_outlines=False)
        listed = [source.path for source in listing.files]
        options = _options(settings)
        known = refresh.similar or cache.similar_pairs(options.pairs_key)
        linking = link_classes(items, options, known, find_test_code(settings).is_test)
        wanted = set(focus)
        extra = {path for path in listed if also(path)}
        touching = [m for m in linking.components if any(items[i].path in wanted for i in m)]
        needed = wanted | extra | _representative_paths(items, touching)
        records = _records(settings, cache, listing, refresh, needed & set(listed))
        cache.prune(set(listed))
        cache.store_similar_pairs(options.pairs_key, linking.similar)
        cache.save(time.time_ns())
    finally:
        cache.close()
    families, _ = _families(items, linking, touching, records, options, source_diffs=False)
    # A family that drops its divergent copies may no longer touch the focus.
    families = tuple(f for f in families if any(copy.path in wanted for copy in f.copies))
    shown = [records[p] for p in sorted(wanted | extra) if p in records]
    index = _index(settings, shown, [p for p in listing.problems if p.path in wanted], families)
    return index, _stats(listing, refresh, started, cache)


def _representative_paths(
    items: Sequence[Summary], components: Iterable[Sequence[int]]
) -> set[str]:
    """The files of each family's first copy of each shape: the records its variants are
    described from."""
    paths: set[str] = set()
    for members in components:
        first: dict[str, str] = {}
        for index in members:
            first.setdefault(items[index].shape, items[index].path)
        paths.update(first.values())
    return paths


def _families(
    items: Sequence[Summary],
    linking: Linking,
    components: Iterable[Sequence[int]],
    records: dict[str, FileRecord],
    options: FamilyOptions,
    *,
    source_diffs: bool = True,
    scopes: Mapping[str, str] | None = None,
) -> tuple[tuple[Family, ...], tuple[NameGroup, ...]]:
    """The families of ``components``, ranked, from the records a view loaded; and the names
    left over."""
    loaded = _loaded_helpers(records)

    def build(members: Sequence[int], why: set[str]) -> Family:
        copies = _member_records(items, members, loaded)
        return build_family(copies, why, source_diffs=source_diffs, scopes=scopes)

    return settle_families(items, linking, build, options, components)


def _member_records(
    items: Sequence[Summary], members: Sequence[int], loaded: dict[tuple[str, int], ClassRecord]
) -> list[ClassRecord]:
    """Each member's record: its own when its file is loaded, else its variant's, moved."""
    own = [loaded.get((items[index].path, items[index].lineno)) for index in members]
    by_shape: dict[str, ClassRecord] = {}
    for record in own:
        if record is not None:
            by_shape.setdefault(record.shape, record)
    return [
        record if record is not None else _moved(by_shape[items[index].shape], items[index])
        for index, record in zip(members, own, strict=True)
    ]


def _loaded_helpers(records: dict[str, FileRecord]) -> dict[tuple[str, int], ClassRecord]:
    """The live helpers of the loaded files, by file and line."""
    return {
        (c.path, c.lineno): c
        for record in records.values()
        for c in record.classes
        if is_live_helper(c)
    }


def _moved(record: ClassRecord, item: Summary) -> ClassRecord:
    """``record`` at ``item``'s place, under its name (an overview moves 25,000 of them)."""
    return frozen_replace(
        record,
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


def build_index(
    settings: Settings, records: Sequence[FileRecord], listing_problems: Sequence[FileProblem] = ()
) -> ScanIndex:
    """Pure: the index of a set of file records."""
    live = [cls for record in records if not record.is_backup for cls in record.classes]
    is_test = find_test_code(settings).is_test
    families, name_groups, _ = group_families(live, _options(settings), is_test=is_test)
    return _index(settings, records, listing_problems, families, name_groups)


def _index(
    settings: Settings,
    records: Sequence[FileRecord],
    listing_problems: Sequence[FileProblem],
    families: tuple[Family, ...],
    name_groups: tuple[NameGroup, ...] = (),
) -> ScanIndex:
    outlines = [_shared_if_plain(outline_of(record)) for record in records]
    index = _outline_index(settings, outlines, listing_problems, families, name_groups)
    return replace(index, files=tuple(records))


def _outline_index(
    settings: Settings,
    outlines: Sequence[FileOutline],
    listing_problems: Sequence[FileProblem],
    families: tuple[Family, ...],
    name_groups: tuple[NameGroup, ...] = (),
) -> ScanIndex:
    """The index's lists, from each file's outline; ``files`` is left empty."""
    live = [c for outline in outlines if not outline.is_backup for c in outline.listed]
    problems = [*listing_problems, *(o.problem for o in outlines if o.problem is not None)]
    return ScanIndex(
        root=str(settings.root),
        files=(),
        families=families,
        uncollectable_tests=tuple(c for c in live if c.kind is ClassKind.UNCOLLECTABLE_TEST),
        warning_sources=tuple(c for c in live if c.warns_on_collection),
        commented=tuple(c for outline in outlines for c in outline.commented),
        backup_copies=tuple(c for o in outlines if o.is_backup for c in o.listed),
        problems=tuple(sorted(problems, key=lambda p: (p.path, p.lineno))),
        file_count=len(outlines),
        class_count=sum(o.class_count for o in outlines if not o.is_backup),
        name_groups=name_groups,
    )


def find_occurrences(
    settings: Settings, name: str, listing: FileListing | None = None
) -> Occurrences:
    """Every line of the files a scan reads that says ``class NAME``, each in its bucket (see
    ``occurrences``). Reads every listed file, as grep would; parses only those that say it."""
    from declone.scan.occurrences import Occurrence, Occurrences, occurrences_in_file

    listing = listing or list_source_files(settings)
    items: list[Occurrence] = []
    longer = 0
    for source in listing.files:
        try:
            data = (settings.root / source.path).read_bytes()
        except OSError:
            continue
        found, longer_lines = occurrences_in_file(
            source.path, data, name, settings.pytest, is_backup=source.is_backup
        )
        items.extend(found)
        longer += longer_lines
    return Occurrences(name, tuple(items), longer, len(listing.files))
