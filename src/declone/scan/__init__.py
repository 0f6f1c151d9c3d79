"""Stage 1, scan: every class of a repository read, and its duplicated families found.

``files`` lists what to read; ``source`` decodes it as Python does; ``parsing`` turns one file
into a ``FileRecord`` (``classes`` collects its classes, ``normalise`` writes their canonical
text, ``partialparse`` skips copies already read, ``cstfallback`` reads newer grammar,
``commented`` finds commented-out copies, ``strings`` classes written in strings);
``families`` links classes into families (``scopes`` says where each may be consolidated,
``testcode`` which files are test code, ``layout`` which folders a distribution ships);
``cache`` keeps it all on disk between runs; ``scanner`` runs the whole scan; ``document`` is
its JSON; ``occurrences`` reconciles ``grep 'class NAME'`` with what the scan found.
"""

from typing import TYPE_CHECKING, Any

from declone.scan.document import index_to_json, occurrences_to_json, summary_of, with_stats
from declone.scan.families import jaccard
from declone.scan.files import FileListing, is_backup_name, list_source_files
from declone.scan.layout import declared_source_roots
from declone.scan.normalise import is_docstring, is_pure_decorator, sets_test_false
from declone.scan.occurrences import Occurrence, OccurrenceKind, Occurrences
from declone.scan.scanner import (
    ScanStats,
    build_index,
    find_occurrences,
    scan_focused,
    scan_overview,
    scan_overview_document,
    scan_repository,
)
from declone.scan.scopes import COLLECTION_MARKERS, find_scopes
from declone.scan.source import decode_source, digest_of
from declone.scan.testcode import TestCode, find_test_code

if TYPE_CHECKING:
    from declone.scan.parsing import extract_file

__all__ = [
    "COLLECTION_MARKERS",
    "FileListing",
    "Occurrence",
    "OccurrenceKind",
    "Occurrences",
    "ScanStats",
    "TestCode",
    "build_index",
    "declared_source_roots",
    "decode_source",
    "digest_of",
    "extract_file",
    "find_occurrences",
    "find_scopes",
    "find_test_code",
    "index_to_json",
    "is_backup_name",
    "is_docstring",
    "is_pure_decorator",
    "jaccard",
    "list_source_files",
    "occurrences_to_json",
    "scan_focused",
    "scan_overview",
    "scan_overview_document",
    "scan_repository",
    "sets_test_false",
    "summary_of",
    "with_stats",
]


def __getattr__(name: str) -> Any:
    # The parser's modules load when first asked for: a scan that finds every file in its
    # cache (or a plan that reads its index from there) never needs them.
    if name == "extract_file":
        from declone.scan.parsing import extract_file

        return extract_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
