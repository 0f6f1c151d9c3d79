"""Writing a family's canonical module from one of its variants (``--extract-to``).

The module holds the chosen copy as it was written (comments and layout kept), renamed when
``--name`` asks for it, with ``__test__ = False`` when pytest would otherwise collect it, the
imports its body needs (taken from the file it came from, relative ones made absolute), a
docstring saying what it replaces, and an alias for each other name the family's copies use.

Pure: source text in, module text out. The caller writes it through the journal.
"""

from __future__ import annotations

import ast
import builtins
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from declone.model import ClassRecord, Family

__all__ = ["ExtractedModule", "ExtractionError", "build_extracted_module"]

_BUILTINS = frozenset(dir(builtins)) | {"__class__", "__name__", "__file__", "__doc__"}
_TEST_FALSE_COMMENT = "# a helper, not a test: pytest must not collect it"


class ExtractionError(ValueError):
    """The variant cannot be moved into a module of its own (the message says why)."""


@dataclass(frozen=True, slots=True)
class ExtractedModule:
    path: str
    module: str
    class_name: str
    aliases: tuple[str, ...]
    text: str


def build_extracted_module(
    family: Family,
    copy: ClassRecord,
    source: str,
    *,
    path: str,
    module: str,
    class_name: str,
    source_module: str,
    needs_test_false: bool,
) -> ExtractedModule:
    """The canonical module's text, taken from ``copy`` (whose file's text is ``source``).

    ``source_module`` is the dotted name of the copy's file, to resolve relative imports.
    Raises :class:`ExtractionError` when the class needs something from its file that is not
    an import (a helper function, a constant).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        raise ExtractionError(f"{copy.path}: cannot parse: {exc}") from exc
    node = next(
        (
            n
            for n in tree.body
            if isinstance(n, ast.ClassDef) and n.name == copy.name and n.lineno == copy.lineno
        ),
        None,
    )
    if node is None:
        raise ExtractionError(
            f"{copy.location}: {copy.name} is not a module-level class here; scan again"
        )
    lines = source.splitlines()
    class_text = _class_text(lines, node, class_name, needs_test_false)
    imports = _needed_imports(tree, node, source_module, copy)
    aliases = tuple(name for name in family.names if name != class_name)
    text = _compose(family, copy, class_name, aliases, imports, class_text)
    return ExtractedModule(path, module, class_name, aliases, text)


def _class_text(lines: list[str], node: ast.ClassDef, new_name: str, needs_test_false: bool) -> str:
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    end = node.end_lineno or node.lineno
    edited = [line.encode("utf-8") for line in lines[start - 1 : end]]
    if new_name != node.name:
        edited = _renamed(edited, node, new_name, start)
    text_lines = [line.decode("utf-8") for line in edited]
    if needs_test_false and not _sets_test_false(node):
        text_lines = _with_test_false(text_lines, node, start)
    return "\n".join(text_lines) + "\n"


def _renamed(lines: list[bytes], node: ast.ClassDef, new_name: str, start: int) -> list[bytes]:
    """The class renamed at its definition and every reference to it inside its body."""
    old = node.name.encode("utf-8")
    spots: list[tuple[int, int]] = []
    header = lines[node.lineno - start]
    keyword = header.index(b"class", node.col_offset)
    spots.append((node.lineno, header.index(old, keyword + len(b"class"))))
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and inner.id == node.name:
            spots.append((inner.lineno, inner.col_offset))
    for lineno, column in sorted(spots, reverse=True):
        index = lineno - start
        line = lines[index]
        lines[index] = line[:column] + new_name.encode("utf-8") + line[column + len(old) :]
    return lines


def _sets_test_false(node: ast.ClassDef) -> bool:
    return any(
        isinstance(s, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__test__" for t in s.targets)
        for s in node.body
    )


def _with_test_false(lines: list[str], node: ast.ClassDef, start: int) -> list[str]:
    first = node.body[0]
    if first.lineno == node.lineno:
        raise ExtractionError(
            f"{node.lineno}: the class body is on its header line; put it on lines of its own"
        )
    body_line = lines[first.lineno - start]
    indent = body_line[: len(body_line) - len(body_line.lstrip())]
    statement = f"{indent}__test__ = False  {_TEST_FALSE_COMMENT}"
    is_docstring = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    if is_docstring and len(node.body) > 1:
        after = (first.end_lineno or first.lineno) - start + 1
        return [*lines[:after], "", statement, *lines[after:]]
    if is_docstring:
        after = (first.end_lineno or first.lineno) - start + 1
        return [*lines[:after], "", statement]
    before = _first_line_of(first) - start
    return [*lines[:before], statement, "", *lines[before:]]


def _first_line_of(statement: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _free_names(node: ast.ClassDef) -> list[str]:
    """Names the class reads that nothing inside it binds, in order of first use."""
    loaded: dict[str, None] = {}
    bound: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            if isinstance(inner.ctx, ast.Load):
                loaded.setdefault(inner.id, None)
            else:
                bound.add(inner.id)
        elif isinstance(inner, ast.arg):
            bound.add(inner.arg)
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if inner is not node:
                bound.add(inner.name)
        elif isinstance(inner, ast.ExceptHandler):
            if inner.name is not None:
                bound.add(inner.name)
        elif isinstance(inner, ast.alias):
            bound.add(inner.asname or inner.name.partition(".")[0])
    return [
        name for name in loaded if name not in bound and name not in _BUILTINS and name != node.name
    ]


def _needed_imports(
    tree: ast.Module, node: ast.ClassDef, source_module: str, copy: ClassRecord
) -> list[str]:
    free = _free_names(node)
    lines: list[str] = []
    if any(
        isinstance(s, ast.ImportFrom)
        and s.module == "__future__"
        and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    ):
        lines.append("from __future__ import annotations")
    providers = _module_bindings(tree)
    missing: list[str] = []
    for name in free:
        provider = providers.get(name)
        if isinstance(provider, ast.Import | ast.ImportFrom):
            line = _import_line(provider, name, source_module)
            if line not in lines:
                lines.append(line)
        else:
            missing.append(name if provider is None else f"{name} (line {provider.lineno})")
    if missing:
        raise ExtractionError(
            f"{copy.location}: {copy.name} uses {', '.join(missing)} from its module, which "
            "an extracted module cannot take along; move it first or choose another variant"
        )
    return lines


def _module_bindings(tree: ast.Module) -> dict[str, ast.stmt]:
    found: dict[str, ast.stmt] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            for alias in statement.names:
                found.setdefault(alias.asname or alias.name.partition(".")[0], statement)
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.setdefault(statement.name, statement)
        elif isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for inner in ast.walk(target):
                    if isinstance(inner, ast.Name):
                        found.setdefault(inner.id, statement)
    return found


def _import_line(statement: ast.Import | ast.ImportFrom, name: str, source_module: str) -> str:
    if isinstance(statement, ast.Import):
        alias = next(a for a in statement.names if (a.asname or a.name.partition(".")[0]) == name)
        return f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
    alias = next(a for a in statement.names if (a.asname or a.name) == name)
    module = _absolute(statement, source_module)
    suffix = f" as {alias.asname}" if alias.asname else ""
    return f"from {module} import {alias.name}{suffix}"


def _absolute(statement: ast.ImportFrom, source_module: str) -> str:
    if not statement.level:
        return statement.module or ""
    package = source_module.split(".")[:-1]
    if statement.level > 1:
        package = package[: len(package) - (statement.level - 1)]
    return ".".join([*package, *([statement.module] if statement.module else [])])


def _compose(
    family: Family,
    copy: ClassRecord,
    class_name: str,
    aliases: Sequence[str],
    imports: Sequence[str],
    class_text: str,
) -> str:
    files = "\n".join(f"- ``{path}``" for path in family.files)
    names = ", ".join(f"``{name}``" for name in family.names)
    summary = textwrap.fill(
        f"Extracted by declone from ``{copy.path}`` (line {copy.lineno}). It replaces the "
        f"copies named {names} that were defined in:",
        width=88,
    )
    docstring = (
        f'"""``{class_name}``: the one definition of the ``{family.name}`` family.\n\n'
        f'{summary}\n\n{files}\n"""\n'
    )
    parts = [docstring]
    future = [line for line in imports if line.startswith("from __future__")]
    others = [line for line in imports if not line.startswith("from __future__")]
    if future:
        parts.append("\n".join(future) + "\n")
    if others:
        parts.append("\n".join(others) + "\n")
    exported = ", ".join(f'"{name}"' for name in (class_name, *aliases))
    parts.append(f"__all__ = [{exported}]\n")
    body = "\n".join(parts) + "\n\n" + class_text
    if aliases:
        lines = "\n".join(f"{alias} = {class_name}" for alias in aliases)
        body += (
            "\n\n# The names the copies had; `declone finalize` retires each one once nothing "
            f"uses it.\n{lines}\n"
        )
    return body
