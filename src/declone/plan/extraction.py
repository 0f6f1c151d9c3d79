"""Writing a family's canonical module from one of its variants (``--extract-to``).

The module holds the chosen copy as it was written (comments and layout kept), renamed when
``--name`` asks for it, with ``__test__ = False`` when pytest would otherwise collect it, a
docstring saying what it replaces, and an alias for each other name the family's copies use.
Every import the class needs comes along, ``if TYPE_CHECKING:`` ones kept in such a block
and relative ones made absolute from the source module's name, sorted as isort sorts them
(sections future, standard library, third party, first party; ``from x import (...)`` wrapped
at 79 columns, or at the class's own longest line up to 88). A module-level constant with an
immutable literal value (a number, a string, a tuple of them) is copied along; any other
module-level name (a function, another class, a value computed at import) is refused.

When the target module already exists (an earlier migration wrote it for another family),
the class is appended to it and its imports are merged into the existing import block.

Pure: source text in, module text out. The caller writes it through the journal.
"""

from __future__ import annotations

import ast
import builtins
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import isort
from isort.exceptions import ISortError

from declone.model import ClassRecord, Family
from declone.plan.staying import enclosing_block
from declone.rewrite import ImportOrder, isort_config

__all__ = [
    "ExtractedModule",
    "ExtractionError",
    "build_extracted_module",
    "defines_class",
    "first_party_names",
]

_BUILTINS = frozenset(dir(builtins)) | {"__class__", "__name__", "__file__", "__doc__"}
_TEST_FALSE_COMMENT = "# a helper, not a test: pytest must not collect it"
_ALIASES_COMMENT = "# The names the copies had: `declone finalize` retires each once unused."
_BOM = b"\xef\xbb\xbf"
#: flake8's default line length; black's and ruff's is 88.
_SHORT_LINE, _LONG_LINE = 79, 88
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None))


class ExtractionError(ValueError):
    """The variant cannot be moved into a module of its own (the message says why)."""


@dataclass(frozen=True, slots=True)
class ExtractedModule:
    path: str
    module: str
    class_name: str
    aliases: tuple[str, ...]
    #: The whole module, ``\n`` line endings.
    text: str
    #: The module's bytes before, when the class was added to a module that exists.
    original: bytes | None = None

    @property
    def data(self) -> bytes:
        """What to write: ``text``, with the existing module's BOM and line endings."""
        if self.original is None:
            return self.text.encode("utf-8")
        text = self.text.replace("\n", "\r\n") if b"\r\n" in self.original else self.text
        return (_BOM if self.original.startswith(_BOM) else b"") + text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Import:
    """One name the class needs from an import of its module."""

    module: str | None  # None for ``import name``
    name: str
    asname: str | None
    type_checking: bool
    #: Written as a relative import in the class's module: the repository's own.
    relative: bool = field(default=False, compare=False)

    @property
    def line(self) -> str:
        suffix = f" as {self.asname}" if self.asname else ""
        if self.module is None:
            return f"import {self.name}{suffix}"
        return f"from {self.module} import {self.name}{suffix}"


@dataclass(frozen=True, slots=True)
class _Needs:
    """What the class takes along from its module."""

    imports: tuple[_Import, ...]
    #: ``name -> statement text`` of the literal constants it uses.
    constants: dict[str, str] = field(default_factory=dict)
    future_annotations: bool = False


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
    existing: bytes | None = None,
    first_party: Iterable[str] = (),
    import_order: ImportOrder | None = None,
) -> ExtractedModule:
    """The canonical module's text, taken from ``copy`` (whose file's text is ``source``).

    ``source_module`` is the dotted name of the copy's file, to resolve relative imports;
    ``first_party`` the repository's top-level module names (isort's first-party section).
    With ``existing`` (the bytes of the module at ``path``), the class is added to it.
    ``import_order``, the sorter settings the repository gives the module's folder, sorts and
    wraps its imports (and sets its line length) when the repository configures one;
    otherwise isort's ``black`` profile at the width of the copied class.
    Raises :class:`ExtractionError` when the class needs something from its file that
    cannot travel (a helper function, a value computed at import time).
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
        block = enclosing_block(tree, copy.lineno)
        if block:
            raise ExtractionError(
                f"{copy.location}: {copy.name} is defined under {block}, and an extracted "
                "canonical is taken from a copy at module level; choose another --variant"
            )
        raise ExtractionError(
            f"{copy.location}: {copy.name} is not a module-level class here; scan again"
        )
    lines = source.splitlines()
    class_text = _class_text(lines, node, class_name, needs_test_false)
    needs = _needed(tree, node, source, source_module, copy)
    aliases = tuple(name for name in family.names if name != class_name)
    config = _configured(import_order)
    if config is None:
        limit = min(_LONG_LINE, max(_SHORT_LINE, *(len(x) for x in class_text.splitlines())))
        local = [
            module,
            source_module,
            *first_party,
            *(i.module for i in needs.imports if i.relative),
        ]
        config = isort.Config(
            profile="black",
            line_length=limit,
            known_first_party=sorted({name.partition(".")[0] for name in local if name}),
            src_paths=(),
        )
    if existing is None:
        text = _compose(family, copy, class_name, aliases, needs, class_text, config)
        return ExtractedModule(path, module, class_name, aliases, text)
    text = _extended(
        _decoded(existing, path),
        _Target(path, module),
        family,
        copy,
        class_name,
        aliases,
        needs,
        class_text,
        config,
    )
    return ExtractedModule(path, module, class_name, aliases, text, existing)


def defines_class(data: bytes, name: str) -> bool:
    """Whether module ``data`` defines ``class name`` at module level (False if unreadable)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(s, ast.ClassDef) and s.name == name for s in tree.body)


def first_party_names(files: Iterable[str], roots: Iterable[str] = ()) -> frozenset[str]:
    """The top-level module names of a repository's Python ``files`` (root-relative), found
    from the root and from each of ``roots`` (``src``, ``pythonpath`` entries)."""
    prefixes = ["", "src/", *(f"{root.strip('/')}/" for root in roots if root.strip("/."))]
    names: set[str] = set()
    for path in files:
        if not path.endswith(".py"):
            continue
        for prefix in prefixes:
            if path.startswith(prefix):
                top = path[len(prefix) :].partition("/")[0].removesuffix(".py")
                if top.isidentifier():
                    names.add(top)
    return frozenset(names)


def _decoded(data: bytes, path: str) -> str:
    try:
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            f"{path}:1:1: not UTF-8 ({exc.reason}); the class cannot be added to it, "
            "extract it to another module"
        ) from None
    return text.replace("\r\n", "\n")


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


def _annotations(node: ast.ClassDef) -> list[ast.expr]:
    found: list[ast.expr] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.arg | ast.AnnAssign) and inner.annotation is not None:
            found.append(inner.annotation)
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and inner.returns:
            found.append(inner.returns)
    return found


def _string_annotation_names(node: ast.ClassDef) -> list[str]:
    """Names read by string annotations (``-> "Kind"``), which ``ast`` leaves as text."""
    names: list[str] = []
    for annotation in _annotations(node):
        for inner in ast.walk(annotation):
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                try:
                    parsed = ast.parse(inner.value.strip(), mode="eval")
                except SyntaxError:
                    continue
                names.extend(n.id for n in ast.walk(parsed) if isinstance(n, ast.Name))
    return names


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
    for name in _string_annotation_names(node):
        loaded.setdefault(name, None)
    return [
        name for name in loaded if name not in bound and name not in _BUILTINS and name != node.name
    ]


def _is_type_checking(statement: ast.stmt) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:`` (any module's attribute)."""
    if not isinstance(statement, ast.If):
        return False
    test = statement.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@dataclass(frozen=True, slots=True)
class _Binding:
    statement: ast.stmt
    type_checking: bool = False


def _bound_names(statement: ast.stmt) -> list[str]:
    """The module-level names ``statement`` binds."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            return []
        return [alias.asname or alias.name.partition(".")[0] for alias in statement.names]
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    names: list[str] = []
    for inner in ast.walk(statement):
        if isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
            names.append(inner.id)
        elif isinstance(inner, ast.alias):
            names.append(inner.asname or inner.name.partition(".")[0])
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(inner.name)
    return names


def _module_bindings(tree: ast.Module) -> dict[str, list[_Binding]]:
    found: dict[str, list[_Binding]] = {}
    for statement in tree.body:
        guarded = isinstance(statement, ast.If) and _is_type_checking(statement)
        inner = statement.body if isinstance(statement, ast.If) and guarded else [statement]
        for part in inner:
            for name in _bound_names(part):
                found.setdefault(name, []).append(_Binding(part, part is not statement))
    return found


def _has_future_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(s, ast.ImportFrom)
        and s.module == "__future__"
        and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    )


def _needed(
    tree: ast.Module, node: ast.ClassDef, source: str, source_module: str, copy: ClassRecord
) -> _Needs:
    bindings = _module_bindings(tree)
    imports: list[_Import] = []
    constants: dict[str, str] = {}
    refused: list[str] = []
    for name in _free_names(node):
        found = bindings.get(name, [])
        importing = [b for b in found if isinstance(b.statement, ast.Import | ast.ImportFrom)]
        if found and len(importing) == len(found):
            runtime = [b for b in importing if not b.type_checking] or importing
            for binding in runtime:
                imported = _import_of(binding, name, source_module, copy)
                if imported not in imports:
                    imports.append(imported)
            continue
        constant, reason = _constant_or_reason(found, source)
        if constant is None:
            refused.append(f"{name} ({reason})")
        else:
            constants[name] = constant
    if refused:
        raise ExtractionError(
            f"{copy.location}: {copy.name} uses {', '.join(refused)} from its module, which "
            "an extracted module cannot take along; move it first or choose another variant"
        )
    return _Needs(tuple(imports), constants, _has_future_annotations(tree))


def _constant_or_reason(found: list[_Binding], source: str) -> tuple[str | None, str]:
    """``(statement text, "")`` for a name that travels as a constant (one plain assignment
    of an immutable literal), else ``(None, why it cannot travel)``."""
    reason = _why_not_a_constant(found)
    if reason:
        return None, reason
    text = ast.get_source_segment(source, found[0].statement)
    return (text, "") if text else (None, f"line {found[0].statement.lineno}")


def _why_not_a_constant(found: list[_Binding]) -> str:
    if not found:
        return "not defined at the top of its module"
    statement = found[0].statement
    where = f"line {statement.lineno}"
    if len(found) > 1:
        return f"bound {len(found)} times in its module, first on {where}"
    if found[0].type_checking:
        return f"defined under if TYPE_CHECKING, {where}"
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        return f"a module-level function, {where}"
    if isinstance(statement, ast.ClassDef):
        return f"another class of the module, {where}"
    value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
    single = (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ) or (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name))
    if value is None or not single:
        return f"bound by a module-level statement, {where}"
    try:
        literal = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return f"a module-level value computed at import time, {where}"
    if not _immutable(literal):
        return f"a mutable module-level value its module may share, {where}"
    if isinstance(statement, ast.AnnAssign) and _names_in(statement.annotation):
        return f"a module-level constant whose annotation needs names, {where}"
    return ""


def _names_in(expression: ast.expr) -> set[str]:
    names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
    return names - _BUILTINS


def _immutable(value: object) -> bool:
    if isinstance(value, tuple | frozenset):
        return all(_immutable(item) for item in value)
    return isinstance(value, _IMMUTABLE)


def _import_of(binding: _Binding, name: str, source_module: str, copy: ClassRecord) -> _Import:
    statement = binding.statement
    if isinstance(statement, ast.Import):
        alias = next(a for a in statement.names if (a.asname or a.name.partition(".")[0]) == name)
        return _Import(None, alias.name, alias.asname, binding.type_checking)
    assert isinstance(statement, ast.ImportFrom)
    alias = next(a for a in statement.names if (a.asname or a.name) == name)
    module = _absolute(statement, source_module, copy)
    return _Import(module, alias.name, alias.asname, binding.type_checking, bool(statement.level))


def _absolute(statement: ast.ImportFrom, source_module: str, copy: ClassRecord) -> str:
    if not statement.level:
        return statement.module or ""
    package = source_module.split(".")
    if not copy.path.endswith("__init__.py"):
        package = package[:-1]
    if statement.level - 1 > len(package) - 1:
        raise ExtractionError(
            f"{copy.path}:{statement.lineno}:{statement.col_offset + 1}: this relative import "
            f"goes above the top package of {source_module}; make it absolute first"
        )
    package = package[: len(package) - (statement.level - 1)]
    return ".".join([*package, *([statement.module] if statement.module else [])])


def _configured(import_order: ImportOrder | None) -> isort.Config | None:
    """isort's config for the repository's own sorter settings; None when it configures none
    (or settings isort rejects: the loader reported those already)."""
    if import_order is None or import_order.source == ImportOrder().source:
        return None
    try:
        return isort_config(import_order.settings)
    except (ISortError, TypeError, ValueError):
        return None


def _sorted_imports(lines: Sequence[str], config: isort.Config, indent: str = "") -> str:
    """``lines`` as isort writes them (sections, order, wrapping), each indented."""
    if not lines:
        return ""
    return isort.code("".join(f"{indent}{line}\n" for line in lines), config=config)


def _import_block(needs: _Needs, config: isort.Config, type_checking_bound: bool = False) -> str:
    """The imports of a new module: runtime ones, then the ``if TYPE_CHECKING:`` block."""
    runtime = [i.line for i in needs.imports if not i.type_checking]
    checking = [i.line for i in needs.imports if i.type_checking]
    if needs.future_annotations:
        runtime.insert(0, "from __future__ import annotations")
    if checking and not type_checking_bound:
        runtime.append("from typing import TYPE_CHECKING")
    parts = [_sorted_imports(sorted(set(runtime)), config)]
    if checking:
        parts.append("if TYPE_CHECKING:\n" + _sorted_imports(sorted(set(checking)), config, "    "))
    return "\n".join(part for part in parts if part)


def _all_statement(names: Sequence[str], limit: int) -> str:
    one_line = "__all__ = [" + ", ".join(f'"{name}"' for name in names) + "]"
    if len(one_line) <= limit:
        return one_line + "\n"
    return "__all__ = [\n" + "".join(f'    "{name}",\n' for name in names) + "]\n"


def _aliases_text(class_name: str, aliases: Sequence[str]) -> str:
    if not aliases:
        return ""
    lines = "".join(f"{alias} = {class_name}\n" for alias in aliases)
    return f"\n\n{_ALIASES_COMMENT}\n{lines}"


def _compose(
    family: Family,
    copy: ClassRecord,
    class_name: str,
    aliases: Sequence[str],
    needs: _Needs,
    class_text: str,
    config: isort.Config,
) -> str:
    limit = config.line_length
    files = "\n".join(f"- ``{path}``" for path in family.files)
    names = ", ".join(f"``{name}``" for name in family.names)
    head = f'"""``{class_name}``: the one definition of the ``{family.name}`` family.'
    summary = textwrap.fill(
        f"Extracted by declone from ``{copy.path}`` (line {copy.lineno}). It replaces the "
        f"copies named {names} that were defined in:",
        width=limit,
    )
    docstring = f"{textwrap.fill(head, width=limit)}\n\n{summary}\n\n{files}\n" + '"""\n'
    parts = [docstring]
    imports = _import_block(needs, config)
    if imports:
        parts.append(imports)
    parts.append(_all_statement((class_name, *aliases), limit))
    if needs.constants:
        parts.append("".join(f"{text}\n" for text in needs.constants.values()))
    return "\n".join(parts) + "\n\n" + class_text + _aliases_text(class_name, aliases)


def _provenance(family: Family, copy: ClassRecord, class_name: str, limit: int) -> str:
    """The comment above a class added to an existing module (its docstring is the copy's)."""
    text = (
        f"{class_name}: the one definition of the {family.name} family, extracted by declone "
        f"from {copy.path} (line {copy.lineno}). It replaces the copies named "
        f"{', '.join(family.names)} that were defined in: {', '.join(family.files)}."
    )
    return textwrap.indent(textwrap.fill(text, width=limit - 2), "# ") + "\n"


@dataclass(frozen=True, slots=True)
class _Target:
    """The module a class is added to: its file and its dotted name."""

    path: str
    module: str


def _extended(
    existing: str,
    target: _Target,
    family: Family,
    copy: ClassRecord,
    class_name: str,
    aliases: Sequence[str],
    needs: _Needs,
    class_text: str,
    config: isort.Config,
) -> str:
    """``existing`` with the class appended and its imports merged into the import block."""
    path = target.path
    try:
        tree = ast.parse(existing)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        raise ExtractionError(f"{path}:{line}:1: cannot parse the module to add to: {exc}") from exc
    bindings = _module_bindings(tree)
    for name in (class_name, *aliases):
        if name in bindings:
            line = bindings[name][0].statement.lineno
            raise ExtractionError(
                f"{path}:{line}:1: the module already binds {name}; choose another --name "
                "or another module to extract to"
            )
    imports = tuple(
        i
        for i in needs.imports
        if not _bound_here(bindings, i, target.module) and not _already_imported(bindings, i, path)
    )
    constants = _new_constants(bindings, needs.constants, existing, path)
    future = needs.future_annotations and not _has_future_annotations(tree)
    if future and any(_annotations_in(s) for s in tree.body):
        raise ExtractionError(
            f"{path}:1:1: the class's module has `from __future__ import annotations` and "
            f"{path} does not; add it there first (it changes how its annotations evaluate) "
            "or extract to another module"
        )
    lines = existing.rstrip("\n").split("\n")
    edits = [
        _merged_imports(tree, lines, _Needs(imports, {}, future), bindings, config),
        _all_extended(tree, lines, (class_name, *aliases), config.line_length),
    ]
    for start, end, replacement in sorted(
        (edit for edit in edits if edit is not None), key=lambda edit: edit[0], reverse=True
    ):
        lines[start:end] = replacement
    added = "\n\n" + "".join(f"{text}\n" for text in constants.values()) if constants else ""
    return (
        "\n".join(lines)
        + "\n"
        + added
        + "\n\n"
        + _provenance(family, copy, class_name, config.line_length)
        + class_text
        + _aliases_text(class_name, aliases)
    )


def _annotations_in(statement: ast.stmt) -> bool:
    return any(
        isinstance(n, ast.AnnAssign)
        or (isinstance(n, ast.arg) and n.annotation is not None)
        or (isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.returns is not None)
        for n in ast.walk(statement)
    )


def _bound_here(bindings: dict[str, list[_Binding]], needed: _Import, module: str) -> bool:
    """Whether ``needed`` imports a name from the very module the class is added to, which
    binds it at run time (a class extracted there before): above the class once it is
    appended, with no import."""
    return (
        needed.module == module
        and needed.asname in (None, needed.name)
        and any(not binding.type_checking for binding in bindings.get(needed.name, ()))
    )


def _already_imported(bindings: dict[str, list[_Binding]], needed: _Import, path: str) -> bool:
    """Whether the module already has the import; raises when it binds the name otherwise."""
    name = needed.asname or needed.name.partition(".")[0]
    for binding in bindings.get(name, []):
        statement = binding.statement
        if isinstance(statement, ast.Import) and needed.module is None:
            if any(a.name == needed.name and a.asname == needed.asname for a in statement.names):
                return binding.type_checking <= needed.type_checking
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0:
            same = statement.module == needed.module and any(
                a.name == needed.name and a.asname == needed.asname for a in statement.names
            )
            if same:
                return binding.type_checking <= needed.type_checking
    if name in bindings and not all(b.type_checking for b in bindings[name]):
        line = bindings[name][0].statement.lineno
        raise ExtractionError(
            f"{path}:{line}:1: the module already binds {name}; the class needs "
            f"`{needed.line}`: extract it to another module"
        )
    return False


def _new_constants(
    bindings: dict[str, list[_Binding]], constants: dict[str, str], existing: str, path: str
) -> dict[str, str]:
    added: dict[str, str] = {}
    for name, text in constants.items():
        found = bindings.get(name, [])
        if not found:
            added[name] = text
            continue
        if ast.get_source_segment(existing, found[0].statement) != text:
            raise ExtractionError(
                f"{path}:{found[0].statement.lineno}:1: the module already binds {name}; the "
                f"class needs `{text}`: extract it to another module"
            )
    return added


def _import_run(tree: ast.Module) -> list[ast.stmt]:
    """The module's leading imports (after its docstring), ``if TYPE_CHECKING:`` included."""
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    run: list[ast.stmt] = []
    for statement in body:
        if not (isinstance(statement, ast.Import | ast.ImportFrom) or _is_type_checking(statement)):
            break
        run.append(statement)
    return run


#: Lines ``start:end`` (0-based, end excluded) of a module replaced by new ones.
_Edit = tuple[int, int, list[str]]


def _merged_imports(
    tree: ast.Module,
    lines: list[str],
    needs: _Needs,
    bindings: dict[str, list[_Binding]],
    config: isort.Config,
) -> _Edit | None:
    """``needs``' imports added to the module's import block, which isort then sorts: an
    already sorted block keeps its lines in their order."""
    runtime = [i.line for i in needs.imports if not i.type_checking]
    checking = [f"    {i.line}" for i in needs.imports if i.type_checking]
    if needs.future_annotations:
        runtime.insert(0, "from __future__ import annotations")
    if not runtime and not checking:
        return None
    run = _import_run(tree)
    if not run:
        start = (tree.body[0].end_lineno or 1) if _has_docstring(tree) else 0
        block = _import_block(needs, config, "TYPE_CHECKING" in bindings).rstrip("\n")
        before = [""] if start else []
        after = [] if start < len(lines) and not lines[start].strip() else [""]
        return start, start, [*before, *block.split("\n"), *after]
    guard = next((s for s in run if _is_type_checking(s)), None)
    plain = [s for s in run if s is not guard]
    first, last = run[0].lineno, run[-1].end_lineno or run[-1].lineno
    region = lines[first - 1 : last]
    if checking and guard is None:
        if "TYPE_CHECKING" not in bindings:
            runtime.append("from typing import TYPE_CHECKING")
        region += ["", "if TYPE_CHECKING:", *checking]
    elif checking and guard is not None:
        at = (guard.end_lineno or guard.lineno) - first + 1
        region[at:at] = checking
    if runtime:
        at = (plain[-1].end_lineno or plain[-1].lineno) - first + 1 if plain else 0
        region[at:at] = runtime
    merged = isort.code("\n".join(region) + "\n", config=config).rstrip("\n")
    return first - 1, last, merged.split("\n")


def _has_docstring(tree: ast.Module) -> bool:
    first = tree.body[0] if tree.body else None
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def _all_extended(
    tree: ast.Module, lines: list[str], names: Sequence[str], limit: int
) -> _Edit | None:
    """A plain ``__all__ = [...]`` of the module with ``names`` added; other forms of
    ``__all__`` (computed, extended later) are left alone."""
    for statement in tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "__all__"
            and isinstance(statement.value, ast.List | ast.Tuple)
            and statement.col_offset == 0
        ):
            continue
        present = [
            e.value
            for e in statement.value.elts
            if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
        end = statement.end_lineno or statement.lineno
        if (
            len(present) != len(statement.value.elts)
            or lines[end - 1][statement.end_col_offset or 0 :].strip()
        ):
            return None  # a computed entry, or something else shares its last line
        exported = [*present, *(name for name in names if name not in present)]
        return statement.lineno - 1, end, _all_statement(exported, limit).rstrip("\n").split("\n")
    return None
