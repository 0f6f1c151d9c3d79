"""Class extraction for files that the running interpreter's ``ast`` cannot parse.

LibCST's native parser reads grammar newer than the interpreter (PEP 701 f-strings, PEP 695
``type`` statements and type parameters). Each class found that way is re-read with ``ast``
when its own source allows, so that it gets the same fingerprint as its copies elsewhere;
only a class that itself uses the newer syntax gets a fingerprint computed from LibCST's code.
Parsing everything with LibCST costs several times ``ast.parse``, so this is only the fallback.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from collections.abc import Iterator, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from declone.config import PytestConfig
from declone.model import ClassKind, ClassRecord, MethodInfo
from declone.scan.classes import ClassCollector

__all__ = ["extract_classes"]


def extract_classes(
    path: str, text: str, pytest: PytestConfig, *, is_backup: bool = False
) -> tuple[ClassRecord, ...] | None:
    """The file's classes, or ``None`` when LibCST cannot parse it either."""
    try:
        module = cst.parse_module(text)
    except Exception:
        # Not only ParserSyntaxError: on grammar it does not know, LibCST's parser can fail
        # anywhere, e.g. CSTLogicError on concatenated t-strings (``t"a" t"b"``, Python 3.14),
        # TypeError from a node's validation, RecursionError on deep nesting. Every failure
        # means the same here: the caller reports the error ``ast`` found.
        return None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    walker = _Walker(path, text, pytest, is_backup, positions, module)
    return tuple(walker.walk(module.body, scope="", in_function=False))


class _Walker:
    def __init__(
        self,
        path: str,
        text: str,
        pytest: PytestConfig,
        is_backup: bool,
        positions: object,
        module: cst.Module,
    ) -> None:
        self.path = path
        self.lines = text.splitlines(keepends=True)
        self.pytest = pytest
        self.is_backup = is_backup
        self.positions = positions
        self.module = module

    def _span(self, node: cst.CSTNode) -> tuple[int, int, int]:
        position = self.positions[node]  # type: ignore[index]
        return position.start.line, position.end.line, position.start.column

    def walk(
        self,
        body: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
        scope: str,
        in_function: bool,
    ) -> Iterator[ClassRecord]:
        for statement in body:
            if isinstance(statement, cst.ClassDef):
                start, end, col = self._span(statement)
                segment = textwrap.dedent("".join(self.lines[start - 1 : end]))
                try:
                    tree = ast.parse(segment)
                except (SyntaxError, ValueError):
                    record = self._record(statement, scope, in_function)
                    yield record
                    yield from self.walk(_inner(statement), f"{record.qualname}.", in_function)
                    continue
                collector = ClassCollector(
                    self.path,
                    self.lines,
                    self.pytest,
                    self.pytest.is_test_file(self.path),
                    self.is_backup,
                    start - 1,
                )
                # The re-read segment starts at column 0; nested scope and column come from here.
                for record in collector.collect(tree.body):
                    yield _relocated(
                        record, scope, col if record.qualname == record.name else None, in_function
                    )
            elif isinstance(statement, cst.FunctionDef):
                yield from self.walk(
                    _inner(statement), f"{scope}{statement.name.value}.<locals>.", True
                )
            elif isinstance(statement, cst.BaseCompoundStatement):
                yield from self.walk(_inner(statement), scope, in_function)

    def _record(self, node: cst.ClassDef, scope: str, in_function: bool) -> ClassRecord:
        start, end, col = self._span(node)
        methods = tuple(
            MethodInfo(
                name=item.name.value,
                is_async=item.asynchronous is not None,
                params=tuple(p.name.value for p in item.params.params),
                lineno=self._span(item)[0],
            )
            for item in _inner(node)
            if isinstance(item, cst.FunctionDef)
        )
        code = self.module.code_for_node(node)
        normalised = "".join(code.split())
        name = node.name.value
        has_tests = any(self.pytest.is_test_function_name(m.name) for m in methods)
        return ClassRecord(
            name=name,
            qualname=scope + name,
            path=self.path,
            lineno=start,
            end_lineno=end,
            col=col,
            bases=tuple(self.module.code_for_node(arg.value) for arg in node.bases),
            decorators=tuple(self.module.code_for_node(d.decorator) for d in node.decorators),
            methods=methods,
            init_attributes=(),
            class_attributes=(),
            fingerprint=_hash(normalised),
            shape=_hash(normalised.replace(name, "<class>")),
            statements="",
            statement_count=len(_inner(node)),
            kind=ClassKind.TEST if has_tests else ClassKind.HELPER,
            in_function=in_function,
            warns_on_collection=False,
            in_backup=self.is_backup,
            source=textwrap.dedent(code),
        )


def _inner(node: cst.CSTNode) -> Sequence[cst.BaseStatement | cst.BaseSmallStatement]:
    body = getattr(node, "body", None)
    inner = getattr(body, "body", None)
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return inner
    return ()


def _relocated(record: ClassRecord, scope: str, col: int | None, in_function: bool) -> ClassRecord:
    from dataclasses import replace

    return replace(
        record,
        qualname=scope + record.qualname,
        col=record.col if col is None else col,
        in_function=record.in_function or in_function,
    )


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
