"""Every line that says ``class NAME``, each in one bucket: the figure ``grep`` gives, reconciled.

Teams count copies with ``grep -rnw 'class NAME'``; declone counts live copies. The two differ
by what grep cannot tell: a copy commented out, in a backup, in a string, nested, in a
function, a real test class, a file that does not parse. Here each line grep would print
(``class NAME`` as whole words: ``class NAMEMock`` is not one) lands in exactly one bucket,
so the difference is accounted for line by line. Pure: a file's bytes in, its lines out.
"""

from __future__ import annotations

import ast
import enum
import re
from collections import Counter
from dataclasses import dataclass

from declone.config import PytestConfig
from declone.model import ClassKind, FileRecord
from declone.scan.families import is_nested_in_class
from declone.scan.strings import find_classes_in_strings

__all__ = ["Occurrence", "OccurrenceKind", "Occurrences", "occurrences_in_file"]


class OccurrenceKind(enum.StrEnum):
    """What a line that says ``class NAME`` is."""

    #: A helper class at module level: what consolidation replaces.
    LIVE_COPY = "live-copy"
    #: A test class pytest collects: never a copy.
    TEST_CLASS = "test-class"
    #: A test class pytest refuses to collect (it has ``__init__``): its tests never run.
    UNCOLLECTABLE_TEST = "uncollectable-test"
    #: A class nested in a class: an import cannot replace it.
    NESTED = "nested"
    #: A class defined inside a function: an import cannot replace it.
    IN_FUNCTION = "in-function"
    COMMENTED = "commented-out"
    #: In a backup-like file or a backup tree: not live code.
    BACKUP = "backup"
    #: Inside a string literal (a docstring's example, a template).
    IN_STRING = "in-string"
    #: In a file that could not be read or parsed.
    UNPARSED = "unparsed-file"
    #: Anything else: a comment that mentions the class, the first line of a string.
    OTHER = "other-text"


@dataclass(frozen=True, slots=True)
class Occurrence:
    path: str
    lineno: int
    kind: OccurrenceKind


@dataclass(frozen=True)
class Occurrences:
    """The lines of a repository that say ``class NAME``, by bucket."""

    name: str
    items: tuple[Occurrence, ...]
    #: Lines that say ``class NAME...`` for a longer name (``class NAMEMock``) and not
    #: ``class NAME`` itself: what a grep without ``-w`` adds.
    longer_names: int
    #: Files read: grep over the same files gives ``total``.
    files: int

    @property
    def total(self) -> int:
        return len(self.items)

    def by_kind(self) -> dict[OccurrenceKind, int]:
        counts = Counter(item.kind for item in self.items)
        return {kind: counts[kind] for kind in OccurrenceKind if counts[kind]}


def _patterns(name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    # grep -w: the match neither follows nor precedes a word character.
    whole = re.compile(rf"(?<!\w)class {re.escape(name)}(?!\w)")
    longer = re.compile(rf"(?<!\w)class {re.escape(name)}\w")
    return whole, longer


def occurrences_in_file(
    path: str, data: bytes, name: str, pytest: PytestConfig, *, is_backup: bool = False
) -> tuple[tuple[Occurrence, ...], int]:
    """The lines of one file that say ``class NAME`` (as grep numbers them: ``\\n`` ends a
    line), each with its bucket; and how many lines say it only of a longer name."""
    needle = f"class {name}".encode()
    if needle not in data:
        return (), 0
    text = data.decode("utf-8", "replace")
    whole, longer = _patterns(name)
    hits: list[int] = []
    longer_lines = 0
    for number, line in enumerate(text.split("\n"), 1):
        if whole.search(line):
            hits.append(number)
        elif longer.search(line):
            longer_lines += 1
    if not hits:
        return (), longer_lines
    if is_backup:
        return tuple(Occurrence(path, n, OccurrenceKind.BACKUP) for n in hits), longer_lines
    from declone.scan.parsing import extract_file  # not imported by a scan that parses nothing

    record = extract_file(path, data, pytest)
    if record.problem is not None:
        return tuple(Occurrence(path, n, OccurrenceKind.UNPARSED) for n in hits), longer_lines
    kinds = _line_kinds(record, name, text, path)
    return tuple(Occurrence(path, n, kinds.get(n, OccurrenceKind.OTHER)) for n in hits), (
        longer_lines
    )


def _line_kinds(record: FileRecord, name: str, text: str, path: str) -> dict[int, OccurrenceKind]:
    """What each line of a parsed file that holds something called ``name`` is."""
    kinds: dict[int, OccurrenceKind] = {}
    if not record.parsed_by_fallback:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if tree is not None:
            for found in find_classes_in_strings(path, text, tree):
                if found.name == name:
                    kinds[found.lineno] = OccurrenceKind.IN_STRING
    for copy in record.commented:
        if copy.name == name:
            kinds[copy.lineno] = OccurrenceKind.COMMENTED
    for cls in record.classes:
        if cls.name != name:
            continue
        if cls.kind is ClassKind.TEST:
            kinds[cls.lineno] = OccurrenceKind.TEST_CLASS
        elif cls.kind is ClassKind.UNCOLLECTABLE_TEST:
            kinds[cls.lineno] = OccurrenceKind.UNCOLLECTABLE_TEST
        elif is_nested_in_class(cls.qualname):
            kinds[cls.lineno] = OccurrenceKind.NESTED
        elif cls.in_function:
            kinds[cls.lineno] = OccurrenceKind.IN_FUNCTION
        else:
            kinds[cls.lineno] = OccurrenceKind.LIVE_COPY
    return kinds
