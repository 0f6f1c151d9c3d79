"""From one file's bytes to a ``FileRecord``: its classes, their fingerprints, its problems.

Pure: takes bytes, returns a record, never raises for bad input. ``ast`` does the parsing
because it is several times faster than LibCST; files that ``ast`` rejects are tried again with
LibCST's parser, which reads grammar newer than the running interpreter (PEP 701 f-strings,
``type`` statements), so that a 3.11 interpreter still scans 3.12+ code.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import textwrap
import tokenize
from collections.abc import Callable, Iterator, Sequence

from declone.model import (
    ClassKind,
    ClassRecord,
    CommentedCopy,
    FileProblem,
    FileRecord,
    MethodInfo,
)
from declone.naming import PytestConfig

__all__ = [
    "decode_source",
    "digest_of",
    "extract_file",
    "extract_source",
    "find_commented_classes",
    "is_docstring",
]

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


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def decode_source(data: bytes) -> tuple[str, str] | FileProblem:
    """Decode Python source bytes as Python would: BOM, then coding cookie, then UTF-8.

    Returns ``(text, encoding)`` or a problem with the line of the first undecodable byte.
    """
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        return FileProblem("", line, "contains NUL bytes; not Python source, skipped")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in exc.msg:
            return FileProblem("", 1, f"bad coding cookie or BOM ({exc.msg}); fix the declaration")
        encoding = "utf-8"  # undecodable bytes in the first two lines: say where below
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return FileProblem(
            "",
            line,
            f"not valid {encoding} (byte {data[exc.start]:#04x}); add a coding cookie or re-encode",
        )


def extract_file(
    path: str, data: bytes, pytest: PytestConfig, *, is_backup: bool = False
) -> FileRecord:
    """Everything a scan keeps of one file."""
    digest = digest_of(data)
    decoded = decode_source(data)
    if isinstance(decoded, FileProblem):
        problem = FileProblem(path, decoded.lineno, decoded.reason)
        return FileRecord(path, digest, problem=problem, is_backup=is_backup)
    text, _ = decoded
    return extract_source(path, text, pytest, digest=digest, is_backup=is_backup)


def extract_source(
    path: str, text: str, pytest: PytestConfig, *, digest: str = "", is_backup: bool = False
) -> FileRecord:
    commented = tuple(find_commented_classes(path, text))
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        return _extract_with_fallback(path, text, pytest, digest, is_backup, commented, exc)
    lines = text.splitlines(keepends=True)
    test_file = pytest.is_test_file(path)
    classes = tuple(
        _ClassCollector(path, lines, pytest, test_file, is_backup, 0).collect(tree.body)
    )
    return FileRecord(path, digest, classes, commented, is_backup=is_backup)


def _extract_with_fallback(
    path: str,
    text: str,
    pytest: PytestConfig,
    digest: str,
    is_backup: bool,
    commented: tuple[CommentedCopy, ...],
    error: SyntaxError | ValueError,
) -> FileRecord:
    from declone import cstfallback

    # Indentation and tab errors are errors in every Python version; only other syntax
    # errors may be grammar newer than the running interpreter.
    newer_grammar = not isinstance(error, IndentationError) and isinstance(error, SyntaxError)
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


def _dotted(node: ast.expr) -> str:
    return ast.unparse(node)


def is_docstring(statement: ast.stmt) -> bool:
    """A string literal statement: a docstring where it opens a body."""
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _without_docstring(body: Sequence[ast.stmt]) -> Sequence[ast.stmt]:
    return body[1:] if body and is_docstring(body[0]) else body


def _params(args: ast.arguments) -> tuple[str, ...]:
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    names = [a.arg + ("=" if i >= first_default else "") for i, a in enumerate(positional)]
    if args.vararg is not None:
        names.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        names.append("*")
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        names.append(arg.arg + ("=" if default is not None else ""))
    if args.kwarg is not None:
        names.append("**" + args.kwarg.arg)
    return tuple(names)


def _dump(node: ast.AST) -> str:
    """A canonical text of a node's structure: positions, comments and layout are absent.

    Same information as ``ast.dump(node, annotate_fields=False)``, written into one list
    instead of joined level by level, which makes it about a third cheaper; this runs on
    every statement of every class, so it sets the scan's speed.
    """
    parts: list[str] = []
    _emit(node, parts.append)
    return "".join(parts)


def _emit(node: ast.AST, write: Callable[[str], None]) -> None:
    write(node.__class__.__name__)
    write("(")
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            _emit(value, write)
        elif isinstance(value, list):
            write("[")
            for item in value:
                if isinstance(item, ast.AST):
                    _emit(item, write)
                else:
                    write(repr(item))
                write(",")
            write("]")
        else:
            write(repr(value))
        write(",")
    write(")")


def _statement_dumps(body: Sequence[ast.stmt]) -> Iterator[tuple[str, str]]:
    """``(method name or "", normalised text)`` per statement; methods are flattened."""
    for statement in _without_docstring(body):
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "async def" if isinstance(statement, ast.AsyncFunctionDef) else "def"
            decorators = ",".join(_dump(d) for d in statement.decorator_list)
            returns = _dump(statement.returns) if statement.returns else ""
            name = statement.name
            yield name, f"{kind} {name}({_dump(statement.args)})->{returns}@{decorators}"
            for inner in _without_docstring(statement.body):
                yield name, _dump(inner)
        else:
            yield "", _dump(statement)


def _count_statements(body: Sequence[ast.stmt]) -> int:
    total = 0
    for statement in _without_docstring(body):
        total += 1
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                total += _count_statements(inner)
        for handler in getattr(statement, "handlers", ()) or ():
            total += _count_statements(handler.body)
    return total


def _init_attributes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """``self.<name>`` targets assigned anywhere in ``__init__``'s statements, in order."""
    if not function.args.args:
        return ()
    self_name = function.args.args[0].arg
    seen: dict[str, None] = {}
    for statement in _statements(function.body):
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            targets = [statement.target]
        while targets:
            target = targets.pop(0)
            if isinstance(target, ast.Tuple | ast.List):
                targets[:0] = target.elts
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == self_name
            ):
                seen.setdefault(target.attr, None)
    return tuple(seen)


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in ``body`` and in the blocks nested in it, not in nested functions."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _statements(inner)
        for handler in getattr(statement, "handlers", ()) or ():
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", ()) or ():
            yield from _statements(case.body)


def _class_attributes(body: Sequence[ast.stmt]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, None)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.setdefault(statement.target.id, None)
    return tuple(names)


def _sets_test_false(body: Sequence[ast.stmt]) -> bool:
    for statement in body:
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__test__" for t in statement.targets)
            and isinstance(statement.value, ast.Constant)
            and not statement.value.value
        ):
            return True
    return False


class _ClassCollector:
    """Walks statement lists only (classes are statements), which is far cheaper than ast.walk."""

    def __init__(
        self,
        path: str,
        lines: list[str],
        pytest: PytestConfig,
        test_file: bool,
        is_backup: bool,
        line_offset: int,
    ) -> None:
        self.path = path
        self.lines = lines
        self.pytest = pytest
        self.test_file = test_file
        self.is_backup = is_backup
        self.line_offset = line_offset

    def collect(self, body: Sequence[ast.stmt]) -> Iterator[ClassRecord]:
        yield from self._visit(body, scope="", in_function=False, in_test_class=False)

    def _visit(
        self, body: Sequence[ast.stmt], scope: str, in_function: bool, in_test_class: bool
    ) -> Iterator[ClassRecord]:
        for statement in body:
            if isinstance(statement, ast.ClassDef):
                record = self._record(statement, scope, in_function, in_test_class)
                yield record
                yield from self._visit(
                    statement.body,
                    f"{record.qualname}.",
                    in_function,
                    record.kind is not ClassKind.HELPER,
                )
            elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from self._visit(
                    statement.body, f"{scope}{statement.name}.<locals>.", True, False
                )
            else:
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(statement, field, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                        yield from self._visit(inner, scope, in_function, in_test_class)
                for handler in getattr(statement, "handlers", ()) or ():
                    yield from self._visit(handler.body, scope, in_function, in_test_class)
                for case in getattr(statement, "cases", ()) or ():
                    yield from self._visit(case.body, scope, in_function, in_test_class)

    def _record(
        self, node: ast.ClassDef, scope: str, in_function: bool, in_test_class: bool
    ) -> ClassRecord:
        dumps = list(_statement_dumps(node.body))
        quoted = repr(node.name)
        shape_dumps = [(owner, text.replace(quoted, "'<class>'")) for owner, text in dumps]
        method_texts: dict[str, list[str]] = {}
        for owner, text in shape_dumps:
            if owner:
                method_texts.setdefault(owner, []).append(text)
        methods = tuple(
            MethodInfo(
                name=item.name,
                is_async=isinstance(item, ast.AsyncFunctionDef),
                params=_params(item.args),
                lineno=item.lineno + self.line_offset,
                decorators=tuple(_dotted(d) for d in item.decorator_list),
                body_hash=_short_hash("\n".join(method_texts.get(item.name, ()))),
            )
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        init = next(
            (
                item
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name == "__init__"
            ),
            None,
        )
        decorators = tuple(_dotted(d) for d in node.decorator_list)
        bases = tuple(_dotted(b) for b in node.bases) + tuple(
            f"{k.arg}={_dotted(k.value)}" if k.arg else f"**{_dotted(k.value)}"
            for k in node.keywords
        )
        header = f"bases={bases}|decorators={decorators}"
        fingerprint = _short_hash(header + "\n" + "\n".join(text for _, text in dumps))
        shape_header = header.replace(node.name, "<class>")
        shape = _short_hash(shape_header + "\n" + "\n".join(text for _, text in shape_dumps))
        statements = "".join(sorted(_short_hash(text) for _, text in shape_dumps))
        kind, warns = self._classify(node, methods, decorators, bases, in_function, in_test_class)
        end = node.end_lineno or node.lineno
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        return ClassRecord(
            name=node.name,
            qualname=scope + node.name,
            path=self.path,
            lineno=node.lineno + self.line_offset,
            end_lineno=end + self.line_offset,
            col=node.col_offset,
            bases=bases,
            decorators=decorators,
            methods=methods,
            init_attributes=_init_attributes(init) if init else (),
            class_attributes=_class_attributes(node.body),
            fingerprint=fingerprint,
            shape=shape,
            statements=statements,
            statement_count=_count_statements(node.body),
            kind=kind,
            in_function=in_function,
            warns_on_collection=warns,
            in_backup=self.is_backup,
            source=textwrap.dedent(
                "".join(self.lines[start - 1 + self.line_offset : end + self.line_offset])
            ),
        )

    def _classify(
        self,
        node: ast.ClassDef,
        methods: tuple[MethodInfo, ...],
        decorators: tuple[str, ...],
        bases: tuple[str, ...],
        in_function: bool,
        in_test_class: bool,
    ) -> tuple[ClassKind, bool]:
        """Decide like pytest: test methods make a test class; a constructor blocks collection."""
        has_constructor = any(m.name in ("__init__", "__new__") for m in methods) or (
            any(d.split("(")[0] in _DATACLASS_DECORATORS for d in decorators)
            or any(b in _NEW_BASES for b in bases)
        )
        has_tests = any(self.pytest.is_test_function_name(m.name) for m in methods)
        collectable_name = self.pytest.is_test_class_name(node.name)
        opted_out = _sets_test_false(node.body)
        if has_tests:
            if collectable_name and has_constructor and not opted_out:
                return ClassKind.UNCOLLECTABLE_TEST, False
            return ClassKind.TEST, False
        # pytest only looks at module-level classes (and classes nested in test classes) of
        # files matching python_files; a warning needs all of that plus a constructor.
        visible = self.test_file and not in_function and (node.col_offset == 0 or in_test_class)
        warns = visible and collectable_name and has_constructor and not opted_out
        return ClassKind.HELPER, warns and not self.is_backup


_COMMENTED_CLASS = re.compile(r"^[ \t]*#[ \t]?(?P<indent>[ \t]*)class[ \t]+(?P<name>\w+)\b")


def find_commented_classes(path: str, text: str) -> Iterator[CommentedCopy]:
    """Class definitions commented out line by line (``# class X:`` followed by ``#   ...``).

    A commented block counts only when, uncommented, it parses as a class with a body: prose
    that mentions "class" does not.
    """
    if "class" not in text:
        return
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _COMMENTED_CLASS.match(lines[index])
        if match is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].lstrip().startswith("#"):
            end += 1
        block = [_uncomment(line) for line in lines[index:end]]
        parsed_end = _parseable_prefix(block)
        if parsed_end:
            yield CommentedCopy(match.group("name"), path, index + 1, index + parsed_end)
            index += parsed_end
        else:
            index += 1


def _uncomment(line: str) -> str:
    stripped = line.lstrip()[1:]
    return stripped[1:] if stripped.startswith(" ") else stripped


def _parseable_prefix(block: list[str]) -> int:
    """Length of the leading part of ``block`` that is a class statement; 0 if it is not code.

    The class ends where a non-blank line is indented no deeper than the ``class`` line, so a
    long commented block costs one parse, not one per line.
    """
    indent = len(block[0]) - len(block[0].lstrip())
    length = 1
    while length < len(block):
        line = block[length]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        length += 1
    while length > 1 and not block[length - 1].strip():
        length -= 1
    source = textwrap.dedent("\n".join(block[:length]))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return 0
    return length if tree.body and isinstance(tree.body[0], ast.ClassDef) else 0
