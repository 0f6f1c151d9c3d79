"""The codemod: a file's source bytes and a set of class edits in, new source bytes out.

Pure: no file I/O, no printing, and it never raises for bad input; every outcome is a
:class:`RewriteResult`. Three edits exist, all on module-level classes:

* ``REPLACE``: delete the class and import the canonical under the class's name;
* ``ALIAS``: the same when the names differ (``from m import Canonical as LocalName``);
* ``RESIDUAL``: keep ``class LocalName(Canonical):`` with only ``keep_members`` (and the
  docstring). The canonical replaces *all* bases and class keywords (``metaclass=``): it
  already carries the family's bases, and keeping the copy's would risk an MRO conflict.
  Decorators stay. The canonical is imported under ``import_as``, or ``_<Name>`` when its
  name equals the class's own, so that the class does not shadow its base.

``import_as`` names the binding of the imported canonical; the caller sets it, for example,
when the canonical's own name would be collected by pytest in a test module. For
``REPLACE``/``ALIAS`` a different ``import_as`` is honoured only when nothing else in the
module refers to the class's name (renaming references is not this engine's job).

Layout rules (everything else stays byte-identical, including encoding, BOM, line endings
and tabs; LibCST round-trips them):

* a removed statement takes with it the comment lines directly above it (no blank line in
  between: ``# Fake connection used by these tests``); comments separated from it by a
  blank line stay. Comments in the module header (shebang, coding cookie, licence) are
  never touched. The gap left is the larger of the gaps before and after the statement;
* a new import goes where the repository's import sorter puts it, given an
  :class:`~declone.rewrite.importorder.ImportOrder` (see :mod:`declone.rewrite.importorder`);
  without one, LibCST's ``AddImportsVisitor`` adds it after the top import block and
  ``from __future__``, extending an existing ``from m import ...`` line. The canonical's
  module may be relative (``..json``). Import names that only the removed code used, at the
  top level or in an ``if TYPE_CHECKING:`` block, are dropped from their statement (see
  :mod:`declone.rewrite.unusedimports`).

Checks are read from CPython's ``ast`` (see :mod:`declone.rewrite.bindings`), which keeps the cost
near one LibCST parse plus code generation. A changed result is verified before it is
returned: the output parses and a second run with the same edits changes nothing.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from declone.rewrite.bindings import ModuleFacts, count_name_uses, read_module_facts
from declone.rewrite.importblock import ImportRequest, add_imports
from declone.rewrite.importorder import ImportOrder
from declone.rewrite.statements import Body, Lines, Operation, Statement, remove_statement
from declone.rewrite.unusedimports import UnusedImports, find_unused_imports, removal_operations
from declone.scan import is_docstring

__all__ = [
    "ClassEdit",
    "EditAction",
    "RewriteResult",
    "RewriteStatus",
    "class_used_elsewhere",
    "rewrite_source",
]


class EditAction(enum.StrEnum):
    REPLACE = "replace"
    ALIAS = "alias"
    RESIDUAL = "residual"


class RewriteStatus(enum.StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    #: Declined: the input is unparseable, or an edit would not be safe (the reason says why).
    SKIPPED = "skipped"
    #: The engine could not produce a verified output; the input is returned unchanged.
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ClassEdit:
    """Replace the module-level ``class class_name`` at ``lineno`` with ``module.name``
    (``module`` absolute, ``pkg.mod``, or relative to the file's package, ``..mod``)."""

    class_name: str
    #: Line of the ``class`` keyword; picks the definition when the name is defined twice.
    lineno: int
    action: EditAction
    module: str
    name: str
    #: Members a ``RESIDUAL`` class keeps (methods, nested classes, assigned attributes).
    keep_members: tuple[str, ...] = ()
    import_as: str | None = None
    #: False when no other module imports the class from this file (the plan looked): if
    #: nothing in the file uses it either, the copy goes and no import takes its place, which
    #: would be unused. A residual always imports its base.
    add_import: bool = True

    @property
    def bound_name(self) -> str:
        """The name the canonical's import binds in the module."""
        if self.action is EditAction.RESIDUAL:
            if self.import_as is not None:
                return self.import_as
            return f"_{self.name}" if self.name == self.class_name else self.name
        return self.import_as or self.class_name

    @property
    def import_line(self) -> str:
        bound = self.bound_name
        suffix = "" if bound == self.name else f" as {bound}"
        return f"from {self.module} import {self.name}{suffix}"


@dataclass(frozen=True, slots=True)
class RewriteResult:
    status: RewriteStatus
    #: The new source when changed; otherwise the input, byte for byte.
    source: bytes
    #: Why a file was skipped or failed, as ``line:col: reason`` (several joined by ``; ``).
    reason: str = ""
    #: The edits that changed the file (edits already applied are not listed).
    applied: tuple[ClassEdit, ...] = ()
    added_imports: tuple[str, ...] = ()
    removed_imports: tuple[str, ...] = ()


def rewrite_source(
    source: bytes, edits: Sequence[ClassEdit], import_order: ImportOrder | None = None
) -> RewriteResult:
    """Apply ``edits`` to ``source``; a changed result has been verified (see module doc).

    ``import_order`` places each new import where the repository's import sorter would
    (see :mod:`declone.rewrite.importorder`); None adds them with LibCST's
    ``AddImportsVisitor``, after the top import block."""
    result = _rewrite(source, tuple(edits), import_order)
    if result.status is not RewriteStatus.CHANGED:
        return result
    problem = _verify(result.source, tuple(edits), import_order)
    if problem:
        return RewriteResult(RewriteStatus.FAILED, source, problem)
    return result


# -- analysis (ast) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    edit: ClassEdit
    #: Position among the module's top-level ``class`` statements (the same in ast and CST).
    class_index: int
    node: ast.ClassDef
    #: The ast nodes this edit deletes: the class, or a residual's bases and dropped members.
    removed: tuple[ast.AST, ...]
    #: Whether the canonical's import takes the class's place (see ``ClassEdit.add_import``).
    imports: bool = True


@dataclass(frozen=True, slots=True)
class _Analysis:
    targets: tuple[_Target, ...]
    unused_imports: UnusedImports
    skip_reasons: tuple[str, ...]
    #: Import lines of the edits that the module already has.
    present_imports: frozenset[str] = frozenset()


def _rewrite(
    source: bytes, edits: tuple[ClassEdit, ...], order: ImportOrder | None
) -> RewriteResult:
    if not edits:
        return RewriteResult(RewriteStatus.UNCHANGED, source)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        return RewriteResult(RewriteStatus.SKIPPED, source, _syntax_reason(exc))
    analysis = _analyse(tree, edits)
    if analysis.skip_reasons:
        return RewriteResult(RewriteStatus.SKIPPED, source, "; ".join(analysis.skip_reasons))
    if not analysis.targets:
        return RewriteResult(RewriteStatus.UNCHANGED, source, "already migrated")
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        reason = (
            f"{exc.raw_line}:{exc.raw_column + 1}: LibCST cannot parse this file: {exc.message}"
        )
        return RewriteResult(RewriteStatus.SKIPPED, source, reason)
    return _edit_module(source, module, analysis, order)


def _syntax_reason(exc: SyntaxError | ValueError) -> str:
    if isinstance(exc, SyntaxError):
        return f"{exc.lineno or 1}:{exc.offset or 1}: syntax error: {exc.msg}"
    return f"1:1: unreadable source: {exc}"


def _analyse(tree: ast.Module, edits: tuple[ClassEdit, ...]) -> _Analysis:
    facts = read_module_facts(tree)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    reasons: list[str] = []
    targets: list[_Target] = []
    chosen: dict[int, ClassEdit] = {}
    for edit in edits:
        problem = _invalid_edit(edit)
        if problem:
            reasons.append(f"{edit.lineno}:1: {problem}")
            continue
        index = _pick_class(classes, edit, tree, facts)
        if isinstance(index, str):
            if index:
                reasons.append(index)
            continue
        if index in chosen and chosen[index] != edit:
            reasons.append(f"{edit.lineno}:1: two different edits for class {edit.class_name}")
            continue
        chosen[index] = edit
    for index, edit in chosen.items():
        node = classes[index]
        if edit.action is EditAction.RESIDUAL and _residual_done(node, edit, facts):
            continue
        removed = _residual_removals(node, edit) if edit.action is EditAction.RESIDUAL else (node,)
        imports = (
            edit.add_import
            or edit.action is EditAction.RESIDUAL
            or used_outside(facts, node, edit.bound_name)
        )
        targets.append(_Target(edit, index, node, removed, imports))
    edited = {id(classes[index]): edit for index, edit in chosen.items()}
    for target in targets:
        reasons.extend(_unsafe(target, facts, edited, tree))
    if reasons or not targets:
        return _Analysis(tuple(targets), UnusedImports(), tuple(reasons))
    present = frozenset(
        target.edit.import_line
        for target in targets
        if target.imports
        and any(
            binding.imports(target.edit.module, target.edit.name)
            for binding in facts.bindings_of(target.edit.bound_name)
        )
    )
    removed_nodes = (node for target in targets for node in target.removed)
    unused = find_unused_imports(tree, facts, removed_nodes)
    return _Analysis(tuple(targets), unused, (), present)


def _invalid_edit(edit: ClassEdit) -> str:
    names = (edit.class_name, edit.name, edit.bound_name)
    if not all(name.isidentifier() for name in names) or not _valid_module(edit.module):
        return f"invalid edit for class {edit.class_name!r}: not a valid name or module"
    if edit.action is EditAction.RESIDUAL and edit.bound_name == edit.class_name:
        return f"import_as {edit.import_as!r} would shadow the residual class of the same name"
    return ""


def _valid_module(module: str) -> bool:
    """``pkg.mod``, or relative: ``.mod``, ``..pkg.mod``, ``.``."""
    dotted = module.lstrip(".")
    if not dotted:
        return bool(module)
    return all(part.isidentifier() for part in dotted.split("."))


def _pick_class(
    classes: list[ast.ClassDef], edit: ClassEdit, tree: ast.Module, facts: ModuleFacts
) -> int | str:
    """The index of the class the edit means, or a skip reason ("" when already applied)."""
    candidates = [i for i, node in enumerate(classes) if node.name == edit.class_name]
    exact = [i for i in candidates if classes[i].lineno == edit.lineno]
    if exact:
        return exact[0]
    if len(candidates) == 1:
        # The file moved since it was scanned (an import was added above, say).
        return candidates[0]
    if candidates:
        lines = ", ".join(str(classes[i].lineno) for i in candidates)
        return f"{edit.lineno}:1: class {edit.class_name} is defined at lines {lines}, none at line {edit.lineno}"
    if any(b.imports(edit.module, edit.name) for b in facts.bindings_of(edit.bound_name)):
        return ""
    if not edit.add_import and not facts.bindings_of(edit.bound_name):
        return ""  # removed with no import in its place: nothing used it
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == edit.class_name:
            return (
                f"{node.lineno}:{node.col_offset + 1}: class {edit.class_name} is not at module "
                "level (it is inside a function, class or block); it cannot be imported"
            )
    return f"{edit.lineno}:1: class {edit.class_name} not found; scan the file again"


def _unsafe(
    target: _Target, facts: ModuleFacts, edited: dict[int, ClassEdit], tree: ast.Module
) -> list[str]:
    """Why the edit would change what a name of the module means; ``edited`` maps each
    class the edits touch (by ``id``) to its edit."""
    edit, node = target.edit, target.node
    where = f"{node.lineno}:{node.col_offset + 1}"
    reasons = []
    for binding in facts.bindings_of(edit.class_name):
        if id(binding.node) in edited or binding.imports(edit.module, edit.name):
            continue
        reasons.append(
            f"{where}: {edit.class_name} is also bound at line {binding.lineno}; "
            "replacing one definition would change what the name means"
        )
    if edit.bound_name != edit.class_name:
        for binding in facts.bindings_of(edit.bound_name):
            if not binding.imports(edit.module, edit.name) and not _becomes_the_import(
                edited.get(id(binding.node)), edit
            ):
                reasons.append(
                    f"{where}: {edit.bound_name} is already bound at line {binding.lineno}; "
                    "choose another import_as"
                )
    if edit.class_name in facts.globals_declared:
        line = facts.globals_declared[edit.class_name]
        reasons.append(
            f"{where}: {edit.class_name} is declared global at line {line}; it may be rebound at run time"
        )
    if edit.class_name in facts.dynamic_names:
        line = facts.dynamic_names[edit.class_name]
        reasons.append(f"{where}: {edit.class_name} is looked up by a string at line {line}")
    if facts.evaluator_lines:
        reasons.append(
            f"{where}: eval/exec at line {facts.evaluator_lines[0]} can use any name in the module"
        )
    renamed = edit.action is not EditAction.RESIDUAL and edit.bound_name != edit.class_name
    if renamed and facts.uses.mentions(edit.class_name) > count_name_uses([node]).mentions(
        edit.class_name
    ):
        reasons.append(
            f"{where}: {edit.class_name} is used elsewhere in the module; importing it as "
            f"{edit.bound_name} would leave those uses unbound"
        )
    return reasons


def class_used_elsewhere(tree: ast.Module, lineno: int, name: str) -> bool:
    """Whether the module ``tree`` uses the module-level class ``name`` defined at ``lineno``
    anywhere but in the class itself (True when there is no such class: nothing is known)."""
    node = next(
        (
            n
            for n in tree.body
            if isinstance(n, ast.ClassDef) and n.name == name and n.lineno == lineno
        ),
        None,
    )
    return node is None or used_outside(read_module_facts(tree), node, name)


def used_outside(facts: ModuleFacts, node: ast.ClassDef, name: str) -> bool:
    """Whether the module uses ``name`` (bound by the class ``node``) anywhere but in the
    class itself: read as code or in a string (``__all__``, an annotation), looked up by a
    string, declared global, reachable by ``eval``/``exec``, or bound a second time."""
    return (
        facts.uses.mentions(name) > count_name_uses([node]).mentions(name)
        or name in facts.dynamic_names
        or name in facts.globals_declared
        or bool(facts.evaluator_lines)
        or len(facts.bindings_of(name)) > 1
    )


def _becomes_the_import(other: ClassEdit | None, edit: ClassEdit) -> bool:
    """True when ``other`` replaces its class with the very import ``edit`` binds: two
    classes of one family in one file (a residual ``class Mock(Canonical)`` and ``Canonical``'s
    own copy) migrate together, in one run."""
    return (
        other is not None
        and other.action is not EditAction.RESIDUAL
        and (other.module, other.name, other.bound_name)
        == (edit.module, edit.name, edit.bound_name)
    )


def _residual_done(node: ast.ClassDef, edit: ClassEdit, facts: ModuleFacts) -> bool:
    bases_done = (
        len(node.bases) == 1
        and isinstance(node.bases[0], ast.Name)
        and node.bases[0].id == edit.bound_name
        and not node.keywords
    )
    imported = any(
        binding.imports(edit.module, edit.name) for binding in facts.bindings_of(edit.bound_name)
    )
    return bases_done and imported and not _dropped_members(node, edit)


def _residual_removals(node: ast.ClassDef, edit: ClassEdit) -> tuple[ast.AST, ...]:
    return (*node.bases, *node.keywords, *_dropped_members(node, edit))


def _dropped_members(node: ast.ClassDef, edit: ClassEdit) -> list[ast.stmt]:
    """Body statements a residual drops, grouped by line as LibCST groups ``a = 1; b = 2``."""
    body = list(node.body)
    if body and is_docstring(body[0]):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Pass):
        return []
    lines: dict[int, list[ast.stmt]] = {}
    for statement in body:
        lines.setdefault(statement.lineno, []).append(statement)
    dropped: list[ast.stmt] = []
    for group in lines.values():
        names = {name for statement in group for name in _ast_member_names(statement)}
        if not names & set(edit.keep_members):
            dropped.extend(group)
    return dropped


def _ast_member_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        return {target.id for target in statement.targets if isinstance(target, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


# -- editing (LibCST) -------------------------------------------------------------------


def _edit_module(
    source: bytes, module: cst.Module, analysis: _Analysis, order: ImportOrder | None
) -> RewriteResult:
    body: Body = list(module.body)
    footer = list(module.footer)
    class_positions = [i for i, statement in enumerate(body) if isinstance(statement, cst.ClassDef)]
    operations = removal_operations(body, analysis.unused_imports)
    for target in analysis.targets:
        position = class_positions[target.class_index]
        if target.edit.action is EditAction.RESIDUAL:
            operations[position] = _ResidualOperation(target.edit)
        else:
            operations[position] = _RemoveOperation()
    for position in sorted(operations, reverse=True):
        body, footer = operations[position].apply(module, body, footer, position)
    edited = module.with_changes(body=body, footer=footer)
    wanted = [target.edit for target in analysis.targets]
    importing = [target.edit for target in analysis.targets if target.imports]
    requests: list[ImportRequest] = [
        (edit.module, edit.name, None if edit.bound_name == edit.name else edit.bound_name)
        for edit in importing
        if order is None or edit.import_line not in analysis.present_imports
    ]
    edited = add_imports(edited, requests, order)
    output = edited.bytes
    if output == source:
        return RewriteResult(RewriteStatus.UNCHANGED, source, "already migrated")
    added = tuple(
        dict.fromkeys(
            edit.import_line
            for edit in importing
            if edit.import_line not in analysis.present_imports
        )
    )
    return RewriteResult(
        RewriteStatus.CHANGED,
        output,
        applied=tuple(wanted),
        added_imports=added,
        removed_imports=tuple(item.describe() for item in analysis.unused_imports.names),
    )


class _RemoveOperation(Operation):
    def apply(
        self, module: cst.Module, body: Body, footer: Lines, position: int
    ) -> tuple[Body, Lines]:
        return remove_statement(body, footer, position)


@dataclass(frozen=True, slots=True)
class _ResidualOperation(Operation):
    edit: ClassEdit

    def apply(
        self, module: cst.Module, body: Body, footer: Lines, position: int
    ) -> tuple[Body, Lines]:
        node = body[position]
        assert isinstance(node, cst.ClassDef)
        body = list(body)
        body[position] = _residual_class(node, self.edit)
        return body, footer


def _is_cst_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _residual_class(node: cst.ClassDef, edit: ClassEdit) -> cst.ClassDef:
    bases = [cst.Arg(value=cst.Name(edit.bound_name))]
    node = node.with_changes(bases=bases, keywords=[])
    if not isinstance(node.body, cst.IndentedBlock):
        # A one-line body (``class A: pass``) has no members worth keeping apart.
        return node
    block = node.body
    statements: Body = [item for item in block.body if isinstance(item, Statement)]
    footer = list(block.footer)
    start = 1 if statements and _is_cst_docstring(statements[0]) else 0
    keep = set(edit.keep_members)
    passes = [
        s
        for s in statements[start:]
        if isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, cst.Pass) for x in s.body)
    ]
    if len(statements) - start == 1 and passes:
        return node
    for position in range(len(statements) - 1, start - 1, -1):
        if not _cst_member_names(statements[position]) & keep:
            statements, footer = remove_statement(statements, footer, position)
    if not statements:
        statements = [passes[0] if passes else cst.SimpleStatementLine([cst.Pass()])]
    return node.with_changes(body=block.with_changes(body=statements, footer=footer))


def _cst_member_names(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return {statement.name.value}
    names: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                names.update(
                    t.target.value for t in small.targets if isinstance(t.target, cst.Name)
                )
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    return names


def _verify(output: bytes, edits: tuple[ClassEdit, ...], order: ImportOrder | None) -> str:
    second = _rewrite(output, edits, order)
    if second.status is RewriteStatus.UNCHANGED:
        return ""
    detail = second.reason or "the second pass changed the output again"
    return f"1:1: internal check failed, file left as is: {detail}"
