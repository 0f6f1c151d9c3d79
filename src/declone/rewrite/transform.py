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
* new imports go through LibCST's ``AddImportsVisitor`` (after the top import block and
  ``from __future__``; existing ``from m import ...`` lines are extended). Import names
  that only the removed code used are dropped from their statement (the statement goes when
  it has no name left). Relative, star and ``__future__`` imports are never removed.

Checks are read from CPython's ``ast`` (see :mod:`declone.rewrite.bindings`), which keeps the cost
near one LibCST parse plus code generation. A changed result is verified before it is
returned: the output parses and a second run with the same edits changes nothing.
"""

from __future__ import annotations

import ast
import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.helpers import get_full_name_for_node

from declone.rewrite.bindings import (
    ModuleFacts,
    count_name_uses,
    import_bindings,
    read_module_facts,
)
from declone.scan import is_docstring

__all__ = [
    "ClassEdit",
    "EditAction",
    "RewriteResult",
    "RewriteStatus",
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
    """Replace the module-level ``class class_name`` at ``lineno`` with ``module.name``."""

    class_name: str
    #: Line of the ``class`` keyword; picks the definition when the name is defined twice.
    lineno: int
    action: EditAction
    module: str
    name: str
    #: Members a ``RESIDUAL`` class keeps (methods, nested classes, assigned attributes).
    keep_members: tuple[str, ...] = ()
    import_as: str | None = None

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


def rewrite_source(source: bytes, edits: Sequence[ClassEdit]) -> RewriteResult:
    """Apply ``edits`` to ``source``; a changed result has been verified (see module doc)."""
    result = _rewrite(source, tuple(edits))
    if result.status is not RewriteStatus.CHANGED:
        return result
    problem = _verify(result.source, tuple(edits))
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


@dataclass(frozen=True, slots=True)
class _Analysis:
    targets: tuple[_Target, ...]
    #: ``(position among top-level import statements, module, object, asname)``.
    unused_imports: tuple[tuple[int, str, str | None, str | None], ...]
    skip_reasons: tuple[str, ...]
    #: Import lines of the edits that the module already has.
    present_imports: frozenset[str] = frozenset()


def _rewrite(source: bytes, edits: tuple[ClassEdit, ...]) -> RewriteResult:
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
    return _edit_module(source, module, tree, analysis)


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
        targets.append(_Target(edit, index, node, removed))
    kept_classes = {id(classes[index]) for index, edit in chosen.items()}
    for target in targets:
        reasons.extend(_unsafe(target, facts, kept_classes, tree))
    if reasons or not targets:
        return _Analysis(tuple(targets), (), tuple(reasons))
    present = frozenset(
        target.edit.import_line
        for target in targets
        if any(
            binding.imports(target.edit.module, target.edit.name)
            for binding in facts.bindings_of(target.edit.bound_name)
        )
    )
    return _Analysis(tuple(targets), _unused_imports(tree, facts, targets), (), present)


def _invalid_edit(edit: ClassEdit) -> str:
    names = (edit.class_name, edit.name, edit.bound_name)
    if not all(name.isidentifier() for name in names) or not all(
        part.isidentifier() for part in edit.module.split(".")
    ):
        return f"invalid edit for class {edit.class_name!r}: not a valid name or module"
    if edit.action is EditAction.RESIDUAL and edit.bound_name == edit.class_name:
        return f"import_as {edit.import_as!r} would shadow the residual class of the same name"
    return ""


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
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == edit.class_name:
            return (
                f"{node.lineno}:{node.col_offset + 1}: class {edit.class_name} is not at module "
                "level (it is inside a function, class or block); it cannot be imported"
            )
    return f"{edit.lineno}:1: class {edit.class_name} not found; scan the file again"


def _unsafe(
    target: _Target, facts: ModuleFacts, edited_classes: set[int], tree: ast.Module
) -> list[str]:
    edit, node = target.edit, target.node
    where = f"{node.lineno}:{node.col_offset + 1}"
    reasons = []
    for binding in facts.bindings_of(edit.class_name):
        if id(binding.node) in edited_classes or binding.imports(edit.module, edit.name):
            continue
        reasons.append(
            f"{where}: {edit.class_name} is also bound at line {binding.lineno}; "
            "replacing one definition would change what the name means"
        )
    if edit.bound_name != edit.class_name:
        for binding in facts.bindings_of(edit.bound_name):
            if not binding.imports(edit.module, edit.name):
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


def _unused_imports(
    tree: ast.Module, facts: ModuleFacts, targets: list[_Target]
) -> tuple[tuple[int, str, str | None, str | None], ...]:
    removed_uses = count_name_uses(node for target in targets for node in target.removed)
    if not removed_uses.names:
        return ()
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    binders: dict[str, int] = {}
    for binding in facts.bindings:
        binders[binding.name] = binders.get(binding.name, 0) + 1
    unused = []
    for position, node in enumerate(imports):
        for bound, module, obj, asname in import_bindings(node):
            used_by_removed = removed_uses.names[bound] > 0
            used_elsewhere = facts.uses.mentions(bound) > removed_uses.mentions(bound)
            # A name bound twice (``import os`` and ``import os.path``) stays: which one
            # provides it is not worth guessing.
            if used_by_removed and not used_elsewhere and binders[bound] == 1:
                unused.append((position, module, obj, asname))
    return tuple(unused)


# -- editing (LibCST) -------------------------------------------------------------------

_Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
_Body = list[_Statement]


def _edit_module(
    source: bytes, module: cst.Module, tree: ast.Module, analysis: _Analysis
) -> RewriteResult:
    body = list(module.body)
    footer = list(module.footer)
    class_positions = [i for i, statement in enumerate(body) if isinstance(statement, cst.ClassDef)]
    operations: dict[int, _Operation] = {}
    for target in analysis.targets:
        position = class_positions[target.class_index]
        if target.edit.action is EditAction.RESIDUAL:
            operations[position] = _ResidualOperation(target.edit)
        else:
            operations[position] = _RemoveOperation()
    import_lines = _top_level_import_lines(body)
    removed_imports: list[str] = []
    unused_by_line: dict[int, list[tuple[str, str | None, str | None]]] = {}
    for import_position, module_name, obj, asname in analysis.unused_imports:
        line = import_lines[import_position]
        unused_by_line.setdefault(line, []).append((module_name, obj, asname))
        removed_imports.append(_describe_import(module_name, obj, asname))
    for line, names in unused_by_line.items():
        operations[line] = _ImportRemoval(tuple(names))
    for position in sorted(operations, reverse=True):
        body, footer = operations[position].apply(module, body, footer, position)
    edited = module.with_changes(body=body, footer=footer)
    wanted = [target.edit for target in analysis.targets]
    edited = _add_imports(edited, wanted)
    output = edited.bytes
    if output == source:
        return RewriteResult(RewriteStatus.UNCHANGED, source, "already migrated")
    added = tuple(
        dict.fromkeys(
            edit.import_line for edit in wanted if edit.import_line not in analysis.present_imports
        )
    )
    return RewriteResult(
        RewriteStatus.CHANGED,
        output,
        applied=tuple(wanted),
        added_imports=added,
        removed_imports=tuple(removed_imports),
    )


def _describe_import(module: str, obj: str | None, asname: str | None) -> str:
    text = f"import {module}" if obj is None else f"from {module} import {obj}"
    return f"{text} as {asname}" if asname else text


def _top_level_import_lines(body: _Body) -> list[int]:
    """Body position of each top-level import statement, in source order (as in ast)."""
    lines: list[int] = []
    for position, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine):
            lines.extend(
                position
                for small in statement.body
                if isinstance(small, cst.Import | cst.ImportFrom)
            )
    return lines


_Lines = list[cst.EmptyLine]


class _Operation:
    def apply(
        self, module: cst.Module, body: _Body, footer: _Lines, position: int
    ) -> tuple[_Body, _Lines]:
        raise NotImplementedError


class _RemoveOperation(_Operation):
    def apply(
        self, module: cst.Module, body: _Body, footer: _Lines, position: int
    ) -> tuple[_Body, _Lines]:
        return _remove_statement(body, footer, position)


@dataclass(frozen=True, slots=True)
class _ResidualOperation(_Operation):
    edit: ClassEdit

    def apply(
        self, module: cst.Module, body: _Body, footer: _Lines, position: int
    ) -> tuple[_Body, _Lines]:
        node = body[position]
        assert isinstance(node, cst.ClassDef)
        body = list(body)
        body[position] = _residual_class(node, self.edit)
        return body, footer


@dataclass(frozen=True, slots=True)
class _ImportRemoval(_Operation):
    """Drop import names that only removed code used (the decision was made on the whole
    module's ast). ``RemoveImportsVisitor`` would redo that decision with ScopeProvider on
    the whole tree, at several times the cost of a parse, so the aliases are dropped here."""

    names: tuple[tuple[str, str | None, str | None], ...]

    def apply(
        self, module: cst.Module, body: _Body, footer: _Lines, position: int
    ) -> tuple[_Body, _Lines]:
        line = body[position]
        assert isinstance(line, cst.SimpleStatementLine)
        smalls: list[cst.BaseSmallStatement] = []
        for small in line.body:
            kept = (
                self._without_names(small)
                if isinstance(small, cst.Import | cst.ImportFrom)
                else small
            )
            if kept is not None:
                smalls.append(kept)
        if not smalls:
            return _remove_statement(body, footer, position)
        smalls[-1] = smalls[-1].with_changes(semicolon=line.body[-1].semicolon)
        body = list(body)
        body[position] = line.with_changes(body=smalls)
        return body, footer

    def _without_names(
        self, node: cst.Import | cst.ImportFrom
    ) -> cst.Import | cst.ImportFrom | None:
        if isinstance(node.names, cst.ImportStar):
            return node
        aliases = list(node.names)
        if isinstance(node, cst.Import):
            kept = [
                a for a in aliases if (a.evaluated_name, None, a.evaluated_alias) not in self.names
            ]
        else:
            module_name = get_full_name_for_node(node.module) if node.module else None
            kept = [
                a
                for a in aliases
                if node.relative
                or (module_name, a.evaluated_name, a.evaluated_alias) not in self.names
            ]
        if not kept:
            return None
        if len(kept) == len(aliases):
            return node
        # The last name keeps what the original last name had after it: nothing, or the
        # trailing comma of a parenthesised list.
        kept[-1] = kept[-1].with_changes(comma=aliases[-1].comma)
        return node.with_changes(names=kept)


def _add_imports(module: cst.Module, edits: list[ClassEdit]) -> cst.Module:
    """Add the edits' imports with AddImportsVisitor, run on the module's head only (the
    docstring and the top import block, where it reads and writes)."""
    requests = tuple(
        dict.fromkeys(
            (edit.module, edit.name, None if edit.bound_name == edit.name else edit.bound_name)
            for edit in edits
        )
    )
    body = list(module.body)
    head_length = _import_block_end(body)
    head: _Body = body[:head_length]
    rest = body[head_length:]
    if rest:
        # A cheap stand-in for the first other statement: the visitor only adjusts its
        # leading blank lines.
        head.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=rest[0].leading_lines))
    config = module.config_for_parsing
    if not head:
        # Nothing left in the module: the visitor has next to nothing to read.
        context = CodemodContext()
        for module_name, obj, asname in requests:
            AddImportsVisitor.add_needed_import(context, module_name, obj, asname)
        return AddImportsVisitor(context).transform_module(module)
    head_code = module.with_changes(body=head, footer=[]).code
    layout = (config.encoding, config.default_indent, config.default_newline)
    new_head_code = _head_with_imports(head_code, requests, layout, len(module.header))
    if new_head_code == head_code:
        return module
    new_head = list(_parse_head(new_head_code, config, len(module.header)).body)
    if rest:
        stand_in = new_head.pop()
        rest[0] = rest[0].with_changes(leading_lines=stand_in.leading_lines)
    return module.with_changes(body=[*new_head, *rest])


@functools.lru_cache(maxsize=512)
def _head_with_imports(
    head_code: str,
    requests: tuple[tuple[str, str, str | None], ...],
    layout: tuple[str, str, str],
    header_length: int,
) -> str:
    """A pure function of its arguments, so cached: building LibCST's matcher-based import
    visitors costs more than parsing a whole file, and the import blocks of a test suite
    repeat from file to file."""
    encoding, indent, newline = layout
    config = cst.PartialParserConfig(
        encoding=encoding, default_indent=indent, default_newline=newline
    )
    context = CodemodContext()
    for module_name, obj, asname in requests:
        AddImportsVisitor.add_needed_import(context, module_name, obj, asname)
    head = _parse_head(head_code, config, header_length)
    return AddImportsVisitor(context).transform_module(head).code


def _parse_head(code: str, config: cst.PartialParserConfig, header_length: int) -> cst.Module:
    """Parse a head back into the shape it had in the whole module: the parser gives the
    module header every blank or comment line above the first statement, but lines the
    original header did not have belong to that statement."""
    module = cst.parse_module(code, config=config)
    extra = module.header[header_length:]
    if not extra or not module.body:
        return module
    first = module.body[0]
    return module.with_changes(
        header=module.header[:header_length],
        body=[first.with_changes(leading_lines=[*extra, *first.leading_lines]), *module.body[1:]],
    )


def _import_block_end(body: _Body) -> int:
    """Where AddImportsVisitor's view of the module ends: docstring, then import lines."""
    position = 0
    if body and _is_cst_docstring_or_strict(body[0]):
        position = 1
    while position < len(body) and _is_import_line(body[position]):
        position += 1
    return position


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import | cst.ImportFrom)
    )


def _is_cst_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_cst_docstring_or_strict(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return False
    first = statement.body[0]
    if isinstance(first, cst.Expr):
        return isinstance(first.value, cst.SimpleString)
    if isinstance(first, cst.Assign):
        target = first.targets[0].target
        return isinstance(target, cst.Name) and target.value == "__strict__"
    return False


def _remove_statement(body: _Body, footer: _Lines, position: int) -> tuple[_Body, _Lines]:
    """Delete ``body[position]`` with its attached comments; keep the larger gap."""
    removed = body[position]
    leading = list(removed.leading_lines)
    last_blank = max((i for i, line in enumerate(leading) if line.comment is None), default=-1)
    detached = leading[: last_blank + 1]
    gap_before = _trailing_blanks(detached)
    kept_comments = detached[: len(detached) - len(gap_before)]
    body = list(body)
    del body[position]
    if position < len(body):
        following = list(body[position].leading_lines)
        gap_after = _leading_blanks(following)
        gap = gap_before if len(gap_before) > len(gap_after) else gap_after
        new_leading = [*kept_comments, *gap, *following[len(gap_after) :]]
        body[position] = body[position].with_changes(leading_lines=new_leading)
        return body, footer
    # The last statement: the blank lines above it would now trail the block or the file.
    return body, [*kept_comments, *footer]


def _trailing_blanks(lines: _Lines) -> _Lines:
    count = 0
    while count < len(lines) and lines[len(lines) - 1 - count].comment is None:
        count += 1
    return lines[len(lines) - count :]


def _leading_blanks(lines: _Lines) -> _Lines:
    count = 0
    while count < len(lines) and lines[count].comment is None:
        count += 1
    return lines[:count]


def _residual_class(node: cst.ClassDef, edit: ClassEdit) -> cst.ClassDef:
    bases = [cst.Arg(value=cst.Name(edit.bound_name))]
    node = node.with_changes(bases=bases, keywords=[])
    if not isinstance(node.body, cst.IndentedBlock):
        # A one-line body (``class A: pass``) has no members worth keeping apart.
        return node
    block = node.body
    statements: _Body = [statement for statement in block.body if isinstance(statement, _Statement)]
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
            statements, footer = _remove_statement(statements, footer, position)
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


def _verify(output: bytes, edits: tuple[ClassEdit, ...]) -> str:
    second = _rewrite(output, edits)
    if second.status is RewriteStatus.UNCHANGED:
        return ""
    detail = second.reason or "the second pass changed the output again"
    return f"1:1: internal check failed, file left as is: {detail}"
