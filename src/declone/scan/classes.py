"""The class collector: a parsed module's classes as ``ClassRecord``s, with their fingerprints.

``normalise`` writes the canonical text of each statement; here the classes are found, their
facts put together, and remembered by their source text (``MEMO``), since copies are what a
scan finds.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

from declone.config import PytestConfig, matches_option
from declone.model import ClassKind, ClassRecord, MethodInfo
from declone.scan.normalise import (
    COMPOUND_STATEMENTS,
    class_attributes,
    count_statement,
    dedent,
    dotted,
    dump,
    first_line,
    init_attributes,
    params_of,
    sets_test_false,
    short_hash,
    without_docstring,
)

__all__ = ["MEMO", "ClassCollector", "ClassFacts", "Memo"]

_DATACLASS_DECORATORS = frozenset(
    {
        "dataclass",
        "dataclasses.dataclass",
        "attr.s",
        "attrs",
        "attr.attrs",
        "attrs.define",
        "define",
        "frozen",
    }
)
_NEW_BASES = frozenset({"NamedTuple", "typing.NamedTuple", "tuple"})
_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)

# The memo's values are plain tuples where there are many of them: the garbage collector stops
# tracking a tuple of strings and numbers, so a memo full of them does not slow down every full
# collection (thousands of tracked objects did, measurably).

#: A statement's normalised text, the text's short hash, and its size (``count_statement``).
_Normalised = tuple[str, str, int]
#: A function header's normalised text, the text's short hash, ``async``, the parameters and
#: the decorators as written.
_Header = tuple[str, str, bool, tuple[str, ...], tuple[str, ...]]
#: ``MethodInfo``'s fields in order, the line counted from the class's line.
_MethodRow = tuple[str, bool, tuple[str, ...], int, tuple[str, ...], str]


def _normalise(statement: ast.stmt) -> _Normalised:
    text = dump(statement)
    return text, short_hash(text), count_statement(statement)


def _normalise_header(node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Header:
    is_async = node.__class__ is ast.AsyncFunctionDef
    kind = "async def" if is_async else "def"
    listed = node.decorator_list
    # Most methods have no decorator: no generators to join then.
    decorators = ",".join([dump(d) for d in listed]) if listed else ""
    returns = dump(node.returns) if node.returns is not None else ""
    text = f"{kind} {node.name}({dump(node.args)})->{returns}@{decorators}"
    written = tuple([dotted(d) for d in listed]) if listed else ()
    return text, short_hash(text), is_async, params_of(node.args), written


def _joined_hash(hashes: list[str]) -> str:
    return hashes[0] if len(hashes) == 1 else short_hash("".join(hashes))


class _MethodFacts(NamedTuple):
    """What a method's own lines decide, wherever they stand.

    (Named tuples rather than frozen dataclasses: thousands are made per second, and a named
    tuple is built several times faster.)
    """

    is_async: bool
    params: tuple[str, ...]
    decorators: tuple[str, ...]
    #: The normalised header, then each statement of the body (docstring excluded).
    texts: tuple[str, ...]
    #: The short hash of each text.
    hashes: tuple[str, ...]
    #: The short hash of the texts joined with newlines (the method's part of the class's
    #: normalised text): the method's part of the class's fingerprint. The joined text itself
    #: is not kept: it would double what the memo holds of a method.
    body_hash: str
    statement_count: int
    #: ``self.<name>`` targets, computed for ``__init__`` only.
    init_attributes: tuple[str, ...]


class ClassFacts(NamedTuple):
    """What a class's own lines decide, wherever they stand."""

    name: str
    #: The ``class`` line and the last line, counted from the first line (a decorator's).
    class_line: int
    last_line: int
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    methods: tuple[_MethodRow, ...]
    method_names: tuple[str, ...]
    init_attributes: tuple[str, ...]
    class_attributes: tuple[str, ...]
    fingerprint: str
    shape: str
    statements: str
    statement_count: int
    has_constructor: bool
    opted_out: bool
    #: False when no class statement can be in the body, which then needs no visit.
    may_hold_classes: bool
    source: str


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class Memo:
    """Facts already computed in this process, keyed by the exact source they came from.

    Copy-pasted classes are what declone looks for, so most classes of a repo have a copy seen
    before, and the rest share most of their methods and statements with other classes.

    A key is the source as written, so that equal keys mean equal syntax trees. For a class or
    a method, its lines, indentation and line endings included (a dedented text would not do:
    dedenting also rewrites whitespace inside multi-line strings). For a statement on one line,
    its own text; for a longer one, its lines and its first and last column (statements may
    share a line). For a function header, its text from ``def`` on when it is one line, else
    its lines up to where the body starts.

    A table holds at most ``limit`` entries and ``budget`` characters of text (keys and
    values); a full one forgets its oldest entries. Counting characters, not only entries,
    keeps a worker's memory flat whatever the size of the classes: 32,768 of a real code
    base's classes and methods are several times the text of as many test helpers.
    """

    def __init__(self, limit: int, budget: int) -> None:
        self.limit = limit
        self.budget = budget
        self.classes: dict[str, ClassFacts] = {}
        self.methods: dict[str, _MethodFacts] = {}
        self.headers: dict[str, _Header] = {}
        self.statements: dict[str | tuple[str, int, int], _Normalised] = {}
        #: Characters each table holds, by the table's ``id``.
        self._held: dict[int, int] = {}

    def remember(
        self,
        table: dict[_Key, _Value],
        key: _Key,
        value: _Value,
        size: Callable[[_Key, _Value], int],
    ) -> _Value:
        """Keep ``value`` under ``key``; ``size`` tells the characters of an entry."""
        held = self._held.get(id(table), 0) + size(key, value)
        if table and (len(table) >= self.limit or held > self.budget):
            held = self._forget_oldest(table, held, size)
        table[key] = value
        self._held[id(table)] = held
        return value

    def _forget_oldest(
        self, table: dict[_Key, _Value], held: int, size: Callable[[_Key, _Value], int]
    ) -> int:
        """Forget the oldest entries (dictionaries keep insertion order) down to three
        quarters of the limit and of the budget; the characters then held.

        A quarter at once: a dictionary finds its first entry by walking past the ones
        removed before it, so forgetting one entry per new one walked them all again each
        time, thousands per entry on a large repository of classes seen once.
        """
        keep_entries = max(1, self.limit * 3 // 4)
        keep_chars = self.budget * 3 // 4
        count = len(table)
        oldest: list[_Key] = []
        for key, value in table.items():
            if count < keep_entries and held <= keep_chars:
                break
            oldest.append(key)
            held -= size(key, value)
            count -= 1
        for key in oldest:
            del table[key]
        return held

    def clear(self) -> None:
        for table in (self.classes, self.methods, self.headers, self.statements):
            table.clear()
        self._held.clear()


def _class_size(written: str, facts: ClassFacts) -> int:
    # ``source`` is ``written`` itself unless dedenting changed it.
    source = 0 if facts.source is written else len(facts.source)
    return len(written) + source + len(facts.statements)


def _method_size(written: str, facts: _MethodFacts) -> int:
    return len(written) + sum(map(len, facts.texts))


def _header_size(written: str, header: _Header) -> int:
    return len(written) + len(header[0])


def _statement_size(key: str | tuple[str, int, int], normalised: _Normalised) -> int:
    return len(key if isinstance(key, str) else key[0]) + len(normalised[0])


# Copies of one class are often some thousand files apart, and a smaller memo misses a third
# more of them; 12M characters per table (some 60 MB in all, with the objects around them)
# hold the classes, methods and statements of several thousand files of a real code base.
MEMO = Memo(limit=32_768, budget=12_000_000)


class ClassCollector:
    """Walks statement lists only (classes are statements), which is far cheaper than ast.walk.

    Without ``memo`` every fact is computed afresh; with it, ``lines`` must be the very lines
    the tree was parsed from, as the parser counts lines (the LibCST fallback parses dedented
    segments of the file, and goes without).
    """

    def __init__(
        self,
        path: str,
        lines: list[str],
        pytest: PytestConfig,
        test_file: bool | None,
        is_backup: bool,
        line_offset: int,
        *,
        memo: Memo | None = None,
    ) -> None:
        self.path = path
        self.lines = lines
        self.pytest = pytest
        # ``None``: worked out when first needed, which is rarely (see ``_classify``).
        self.test_file = test_file
        self.is_backup = is_backup
        self.line_offset = line_offset
        self.memo = memo

    def collect(
        self, body: Sequence[ast.stmt], placed: dict[int, ClassFacts] | None = None
    ) -> list[ClassRecord]:
        """The classes of a module's ``body``; ``placed`` has the facts of the top-level
        classes that stand there as placeholders (``partialparse``), by first line."""
        records: list[ClassRecord] = []
        if not placed:
            self._visit(body, "", False, False, records)
            return records
        visited = 0
        for index, statement in enumerate(body):
            facts = placed.get(statement.lineno) if statement.__class__ is ast.ClassDef else None
            if facts is not None:
                self._visit(body[visited:index], "", False, False, records)
                records.append(self._record(facts, statement.lineno, 0, "", False, False))
                visited = index + 1
        self._visit(body[visited:], "", False, False, records)
        return records

    def _visit(
        self,
        body: Sequence[ast.stmt],
        scope: str,
        in_function: bool,
        in_test_class: bool,
        records: list[ClassRecord],
    ) -> None:
        for statement in body:
            if statement.__class__ not in COMPOUND_STATEMENTS:
                continue
            if isinstance(statement, ast.ClassDef):
                first = first_line(statement)
                facts = self._class_facts(statement, first)
                record = self._record(
                    facts, first, statement.col_offset, scope, in_function, in_test_class
                )
                records.append(record)
                if facts.may_hold_classes:
                    self._visit(
                        statement.body,
                        f"{record.qualname}.",
                        in_function,
                        record.kind is not ClassKind.HELPER,
                        records,
                    )
            elif isinstance(statement, _FUNCTION_TYPES):
                self._visit(
                    statement.body, f"{scope}{statement.name}.<locals>.", True, False, records
                )
            else:
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(statement, field, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                        self._visit(inner, scope, in_function, in_test_class, records)
                for handler in getattr(statement, "handlers", ()) or ():
                    self._visit(handler.body, scope, in_function, in_test_class, records)
                for case in getattr(statement, "cases", ()) or ():
                    self._visit(case.body, scope, in_function, in_test_class, records)

    def _text(self, first: int, last: int) -> str:
        """Lines ``first`` to ``last`` of the parsed text, as written."""
        start = first - 1 + self.line_offset
        if first == last and start < len(self.lines):
            return self.lines[start]  # the commonest case, without a list and a join
        return "".join(self.lines[start : last + self.line_offset])

    def _record(
        self,
        facts: ClassFacts,
        first: int,
        col: int,
        scope: str,
        in_function: bool,
        in_test_class: bool,
    ) -> ClassRecord:
        """The record of a class whose first line (a decorator's) is ``first``."""
        lineno = first + facts.class_line + self.line_offset
        methods = tuple(
            [
                MethodInfo(name, is_async, params, lineno + line, decorators, body_hash)
                for name, is_async, params, line, decorators, body_hash in facts.methods
            ]
        )
        kind, warns = self._classify(facts, col, in_function, in_test_class)
        return ClassRecord(
            name=facts.name,
            qualname=scope + facts.name,
            path=self.path,
            lineno=lineno,
            end_lineno=first + facts.last_line + self.line_offset,
            col=col,
            bases=facts.bases,
            decorators=facts.decorators,
            methods=methods,
            init_attributes=facts.init_attributes,
            class_attributes=facts.class_attributes,
            fingerprint=facts.fingerprint,
            shape=facts.shape,
            statements=facts.statements,
            statement_count=facts.statement_count,
            kind=kind,
            in_function=in_function,
            warns_on_collection=warns,
            in_backup=self.is_backup,
            source=facts.source,
        )

    def _class_facts(self, node: ast.ClassDef, first: int) -> ClassFacts:
        written = self._text(first, node.end_lineno or node.lineno)
        if self.memo is None:
            return self._new_class_facts(node, first, written)
        facts = self.memo.classes.get(written)
        if facts is None:
            facts = self.memo.remember(
                self.memo.classes, written, self._new_class_facts(node, first, written), _class_size
            )
        return facts

    def _new_class_facts(self, node: ast.ClassDef, first: int, written: str) -> ClassFacts:
        """The facts of a class whose lines, as written, are ``written``, from ``first`` on."""
        quoted = repr(node.name)
        # One part per statement of the body, a method's statements joined into one. The
        # class's hashes are hashes of its parts' hashes (a Merkle tree): each text is hashed
        # once, where it is made, and a class costs a hash of a few hundred characters, not
        # of its whole normalised text twice.
        part_hashes: list[str] = []
        shape_part_hashes: list[str] = []  # the same without the class's own name
        statement_hashes: list[str] = []  # the hash of each statement's shape text
        method_shapes: dict[str, list[str]] = {}  # shape part hashes per method name
        functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, _MethodFacts]] = []
        statement_count = 0
        for statement in without_docstring(node.body):
            owner = None  # the method's name, for a method
            if isinstance(statement, _FUNCTION_TYPES):
                function = self._method_facts(statement)
                functions.append((statement, function))
                statement_count += function.statement_count
                texts, hashes = function.texts, function.hashes
                part, part_hash = "", function.body_hash
                if any(quoted in text for text in texts):
                    part = "\n".join(texts)  # only to name the class in it (below)
                owner = statement.name
            else:
                part, part_hash, size = self._normalised_statement(statement)
                statement_count += size
                texts, hashes = (part,), (part_hash,)
            part_hashes.append(part_hash)
            if quoted in part:  # a name has no "\n": it is in the part if in one of its texts
                part = part.replace(quoted, "'<class>'")
                part_hash = short_hash(part)
                hashes = tuple(
                    short_hash(text.replace(quoted, "'<class>'")) if quoted in text else known
                    for text, known in zip(texts, hashes, strict=True)
                )
            shape_part_hashes.append(part_hash)
            statement_hashes.extend(hashes)
            if owner is not None:
                method_shapes.setdefault(owner, []).append(part_hash)
        methods = tuple(
            (
                item.name,
                function.is_async,
                function.params,
                item.lineno - node.lineno,
                function.decorators,
                # A name defined twice (a property's getter and setter) hashes both.
                _joined_hash(method_shapes[item.name]),
            )
            for item, function in functions
        )
        method_names = tuple(item.name for item, _ in functions)
        init = next((function for item, function in functions if item.name == "__init__"), None)
        decorators = tuple(dotted(d) for d in node.decorator_list)
        bases = tuple(dotted(b) for b in node.bases) + tuple(
            f"{k.arg}={dotted(k.value)}" if k.arg else f"**{dotted(k.value)}" for k in node.keywords
        )
        header = f"bases={bases}|decorators={decorators}"
        shape_header = header.replace(node.name, "<class>")
        has_constructor = any(name in ("__init__", "__new__") for name in method_names) or (
            any(d.split("(")[0] in _DATACLASS_DECORATORS for d in decorators)
            or any(b in _NEW_BASES for b in bases)
        )
        return ClassFacts(
            name=node.name,
            class_line=node.lineno - first,
            last_line=(node.end_lineno or node.lineno) - first,
            bases=bases,
            decorators=decorators,
            methods=methods,
            method_names=method_names,
            init_attributes=init.init_attributes if init else (),
            class_attributes=class_attributes(node.body),
            fingerprint=short_hash(header + "\n" + "".join(part_hashes)),
            shape=short_hash(shape_header + "\n" + "".join(shape_part_hashes)),
            statements="".join(sorted(statement_hashes)),
            statement_count=statement_count,
            has_constructor=has_constructor,
            opted_out=sets_test_false(node.body),
            may_hold_classes=self._may_hold_classes(node, written),
            source=dedent(written),
        )

    def _may_hold_classes(self, node: ast.ClassDef, written: str) -> bool:
        """Whether ``written``, the class's lines, has ``class`` below the class's own line
        (a nested class statement has its keyword there)."""
        if self.memo is None:
            return True  # ``lines`` may not be the parser's lines: nothing to learn from them
        own_line_end = -1
        for _ in range(node.lineno - first_line(node) + 1):  # past the decorators' lines too
            own_line_end = written.find("\n", own_line_end + 1)
            if own_line_end < 0:
                return False
        return written.find("class", own_line_end) >= 0

    def _method_facts(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _MethodFacts:
        if self.memo is None:
            return self._new_method_facts(node)
        written = self._text(first_line(node), node.end_lineno or node.lineno)
        facts = self.memo.methods.get(written)
        if facts is None:
            facts = self.memo.remember(
                self.memo.methods, written, self._new_method_facts(node), _method_size
            )
        return facts

    def _new_method_facts(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _MethodFacts:
        header, header_hash, is_async, params, decorators = self._header(node)
        texts = [header]
        hashes = [header_hash]
        statement_count = 1
        normalised_statement = self._normalised_statement
        for statement in without_docstring(node.body):
            text, text_hash, size = normalised_statement(statement)
            texts.append(text)
            hashes.append(text_hash)
            statement_count += size
        return _MethodFacts(
            is_async=is_async,
            params=params,
            decorators=decorators,
            texts=tuple(texts),
            hashes=tuple(hashes),
            body_hash=short_hash("\n".join(texts)),
            statement_count=statement_count,
            init_attributes=init_attributes(node) if node.name == "__init__" else (),
        )

    def _header(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Header:
        if self.memo is None:
            return _normalise_header(node)
        written = self._header_text(node)
        header = self.memo.headers.get(written)
        if header is None:
            header = self.memo.remember(
                self.memo.headers, written, _normalise_header(node), _header_size
            )
        return header

    def _header_text(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        """From the first decorator to where the body starts: the whole header, no more."""
        body = node.body[0]
        line = self.lines[body.lineno - 1 + self.line_offset]
        # Columns count UTF-8 bytes, which are characters only in ASCII lines; elsewhere the
        # whole line is kept, which is still exact.
        before_body = line[: body.col_offset] if line.isascii() else line
        if body.lineno == node.lineno + 1 and not node.decorator_list and before_body.isspace():
            # The commonest header, one line: from ``def`` on, whatever the indentation.
            header_line = self.lines[node.lineno - 1 + self.line_offset]
            if header_line.isascii():
                return header_line[node.col_offset :]
        return self._text(first_line(node), body.lineno - 1) + before_body

    def _normalised_statement(self, node: ast.stmt) -> _Normalised:
        memo = self.memo
        if memo is None:
            return _normalise(node)
        lineno = node.lineno
        end = node.end_lineno or lineno
        line = self.lines[lineno - 1 + self.line_offset]
        key: str | tuple[str, int, int]
        if end == lineno and line.isascii():
            # A statement on one line is its text alone, whatever the indentation.
            key = line[node.col_offset : node.end_col_offset]
        else:
            key = (self._text(lineno, end), node.col_offset, node.end_col_offset or 0)
        known = memo.statements.get(key)
        if known is None:
            known = memo.remember(memo.statements, key, _normalise(node), _statement_size)
        return known

    def _classify(
        self, facts: ClassFacts, col: int, in_function: bool, in_test_class: bool
    ) -> tuple[ClassKind, bool]:
        """Decide like pytest: test methods make a test class; a constructor blocks collection."""
        # ``is_test_function_name`` without a call per method (a scan asks it of them all).
        functions = self.pytest.python_functions
        has_tests = False
        for name in facts.method_names:
            if matches_option(name, functions):
                has_tests = True
                break
        collectable_name = self.pytest.is_test_class_name(facts.name)
        if has_tests:
            if collectable_name and facts.has_constructor and not facts.opted_out:
                return ClassKind.UNCOLLECTABLE_TEST, False
            return ClassKind.TEST, False
        # pytest only looks at module-level classes (and classes nested in test classes) of
        # files matching python_files; a warning needs all of that plus a constructor.
        warns = (
            collectable_name
            and facts.has_constructor
            and not facts.opted_out
            and not in_function
            and (col == 0 or in_test_class)
            and self._in_test_file()
        )
        return ClassKind.HELPER, warns and not self.is_backup

    def _in_test_file(self) -> bool:
        if self.test_file is None:
            self.test_file = self.pytest.is_test_file(self.path)
        return self.test_file
