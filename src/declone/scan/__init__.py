"""Stage 1, scan: every class of a repository read, and its duplicated families found.

``files`` lists what to read; ``source`` decodes it as Python does; ``parsing`` turns one file
into a ``FileRecord`` (``classes`` collects its classes, ``normalise`` writes their canonical
text, ``partialparse`` skips copies already read, ``cstfallback`` reads newer grammar,
``commented`` finds commented-out copies); ``families`` links classes into families; ``cache``
keeps it all on disk between runs; ``scanner`` runs the whole scan; ``document`` is its JSON.
"""

from declone.scan.document import index_to_json, summary_of, with_stats
from declone.scan.families import jaccard
from declone.scan.files import FileListing, is_backup_name, list_source_files
from declone.scan.normalise import is_docstring, sets_test_false
from declone.scan.parsing import extract_file
from declone.scan.scanner import (
    ScanStats,
    build_index,
    scan_focused,
    scan_overview,
    scan_overview_document,
    scan_repository,
)
from declone.scan.source import decode_source, digest_of

__all__ = [
    "FileListing",
    "ScanStats",
    "build_index",
    "decode_source",
    "digest_of",
    "extract_file",
    "index_to_json",
    "is_backup_name",
    "is_docstring",
    "jaccard",
    "list_source_files",
    "scan_focused",
    "scan_overview",
    "scan_overview_document",
    "scan_repository",
    "sets_test_false",
    "summary_of",
    "with_stats",
]
