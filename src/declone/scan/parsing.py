"""From one file's bytes to a ``FileRecord``: its classes, their fingerprints, its problems.

Pure: takes bytes, returns a record, never raises for bad input. ``ast`` does the parsing
because it is several times faster than LibCST; files that ``ast`` rejects are tried again with
LibCST's parser, which reads grammar newer than the running interpreter (PEP 701 f-strings,
``type`` statements), so that a 3.11 interpreter still scans 3.12+ code. Whatever the parsers
raise on one file (a syntax error, a LibCST internal error, a recursion limit, the parser's
``MemoryError`` on deep nesting) becomes that file's ``FileProblem``.

``normalise`` writes the canonical text of each statement; here the classes are found, their
facts put together, and remembered by their source text, since copies are what a scan finds.
A top-level class remembered so is not even parsed again: ``partialparse`` parses the file
with a placeholder in its place.
"""

from __future__ import annotations

import ast
import io
import symtable
import sys
import tokenize

from declone.config import PytestConfig
from declone.model import (
    CommentedCopy,
    FileProblem,
    FileRecord,
)
from declone.scan.classes import MEMO, ClassCollector, ClassFacts, Memo
from declone.scan.commented import find_commented_classes
from declone.scan.partialparse import parse_around, remembered_spans
from declone.scan.source import decode_source, digest_of

__all__ = ["extract_file", "extract_source"]

# Where str.splitlines breaks lines besides \n, \r and \r\n, and Python's tokenizer does not.
_OTHER_LINE_BREAKS = "\v\f\x1c\x1d\x1e"
_OTHER_NON_ASCII_LINE_BREAKS = "\x85\u2028\u2029"

_TOO_DEEP = "too deeply nested to parse (RecursionError); exclude the file"
_TOO_COMPLEX = "too deeply nested or too large to parse (MemoryError); exclude the file"
# Syntax errors that every Python version reports (with indentation and tab errors): LibCST's
# parser is not tried on them, and would overflow its native stack on a few thousand brackets.
_ERRORS_OF_EVERY_VERSION = ("too many nested parentheses",)
#: Frames taken off the recursion limit while a class-less file's symbol table is built:
#: some sixty levels of nesting (three per frame) below where the parse would give up.
_NESTING_MARGIN = 20


def extract_file(
    path: str, data: bytes, pytest: PytestConfig, *, is_backup: bool = False
) -> FileRecord:
    """Everything a scan keeps of one file."""
    digest = digest_of(data)
    try:
        decoded = decode_source(data)
    except (LookupError, UnicodeError):
        decoded = _unusable_codec(data)
    if isinstance(decoded, FileProblem):
        problem = FileProblem(path, decoded.lineno, decoded.reason)
        return FileRecord(path, digest, problem=problem, is_backup=is_backup)
    text, _ = decoded
    return extract_source(path, text, pytest, digest=digest, is_backup=is_backup)


def _unusable_codec(data: bytes) -> FileProblem:
    """The problem of a coding cookie that names a codec which is not a text encoding
    (``rot13``, ``base64``) or decodes nothing (``undefined``), in Python's words."""
    encoding, lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    # The cookie is on the last line that detect_encoding read: the first or the second.
    reason = f"bad coding cookie (encoding problem: {encoding}); fix the declaration"
    return FileProblem("", len(lines), reason)


def extract_source(
    path: str, text: str, pytest: PytestConfig, *, digest: str = "", is_backup: bool = False
) -> FileRecord:
    """Everything a scan keeps of one file's text.

    Too deep a nesting for the parsers or the collector skips the file. Neither says where:
    the problem is the whole file's, on line 0 (as for a file too big to scan).
    """
    try:
        return _extract_source(path, text, pytest, digest, is_backup)
    except RecursionError:
        reason = _TOO_DEEP
    except MemoryError:  # CPython's parser raises it when its stack overflows on deep nesting
        reason = _TOO_COMPLEX
    problem = FileProblem(path, 0, reason)
    return FileRecord(path, digest, problem=problem, is_backup=is_backup)


def _extract_source(
    path: str, text: str, pytest: PytestConfig, digest: str, is_backup: bool
) -> FileRecord:
    if "class" not in text and _parses_without_tree(path, text):
        # Neither a class statement nor a commented-out one can be written without the word:
        # all a scan learns of such a file is that it parses.
        return FileRecord(path, digest, is_backup=is_backup)
    commented = tuple(find_commented_classes(path, text))
    # The memo keys classes by their lines, which must then be the parser's lines: a form
    # feed or a Unicode line separator ends a line for splitlines, not for the parser.
    memo = None if _has_other_line_breaks(text) else MEMO
    parsed = _parse_around_remembered(path, text, memo) if memo is not None else None
    if parsed is not None:
        tree, placed = parsed
    else:
        try:
            tree = ast.parse(text, filename=path)
        except (SyntaxError, ValueError) as exc:
            return _extract_with_fallback(path, text, pytest, digest, is_backup, commented, exc)
        placed = {}
    lines = text.splitlines(keepends=True)
    collector = ClassCollector(path, lines, pytest, None, is_backup, 0, memo=memo)
    classes = tuple(collector.collect(tree.body, placed))
    return FileRecord(path, digest, classes, commented, is_backup=is_backup)


def _parses_without_tree(path: str, text: str) -> bool:
    """Whether ``ast.parse`` accepts ``text``, told without making its syntax tree: the
    symbol table is built from the parser's own tree, at two thirds of ``ast.parse``'s cost.

    ``True`` only when the parse would succeed. The symbol table rejects more than the
    parser does (``nonlocal`` at module level, a duplicate parameter): ``False`` then, and
    the caller parses the text to learn what is wrong, if anything. On deep nesting both
    give up at a depth set by the recursion limit, the symbol table a level or two deeper
    than the syntax tree: it is built under a limit lowered by a margin, so that it gives
    up first.
    """
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(limit - _NESTING_MARGIN)
        try:
            symtable.symtable(text, path, "exec")
        finally:
            sys.setrecursionlimit(limit)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _parse_around_remembered(
    path: str, text: str, memo: Memo
) -> tuple[ast.Module, dict[int, ClassFacts]] | None:
    """The tree of ``text`` without the top-level classes the memo has, and their facts by
    first line (see ``partialparse``); ``None`` when there are none or the check fails."""

    def remembered(written: str) -> ClassFacts | None:
        facts = memo.classes.get(written)
        # A class holding classes is parsed: their records come from its tree.
        return facts if facts is not None and not facts.may_hold_classes else None

    spans = remembered_spans(text, remembered)
    return parse_around(path, text, spans) if spans else None


def _has_other_line_breaks(text: str) -> bool:
    # One substring search per character is several times faster than a regular expression.
    return any(c in text for c in _OTHER_LINE_BREAKS) or (
        not text.isascii() and any(c in text for c in _OTHER_NON_ASCII_LINE_BREAKS)
    )


def _extract_with_fallback(
    path: str,
    text: str,
    pytest: PytestConfig,
    digest: str,
    is_backup: bool,
    commented: tuple[CommentedCopy, ...],
    error: SyntaxError | ValueError,
) -> FileRecord:
    from declone.scan import cstfallback

    # Only syntax errors that some Python version does not report may be newer grammar; no
    # version accepts a NUL character.
    newer_grammar = (
        isinstance(error, SyntaxError)
        and not isinstance(error, IndentationError)
        and error.msg not in _ERRORS_OF_EVERY_VERSION
        and "\0" not in text
    )
    classes = (
        cstfallback.extract_classes(path, text, pytest, is_backup=is_backup)
        if newer_grammar
        else None
    )
    if classes is None:
        lineno = getattr(error, "lineno", None) or 1
        message = getattr(error, "msg", None) or str(error)
        problem = FileProblem(path, lineno, f"syntax error: {message}; fix it or exclude the file")
        return FileRecord(path, digest, commented=commented, problem=problem, is_backup=is_backup)
    return FileRecord(
        path, digest, classes, commented, parsed_by_fallback=True, is_backup=is_backup
    )
