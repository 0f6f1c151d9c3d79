"""Retiring legacy names (``declone finalize``): scope-aware renames with LibCST.

After a migration a file may import the canonical under an old name
(``from m import Canonical as MockConnection`` or ``from m import MockConnection``, an alias
the canonical module keeps). :func:`rename_legacy_imports` rewrites that import to
``from m import Canonical`` and every use of the old name in the file to ``Canonical``,
using LibCST's scope analysis so that a local variable or parameter of the same name is left
alone. It refuses a file where the rename would clash (``Canonical`` already means something
else where the old name is used), where the old name is bound more than once, or reached
from a string it cannot rewrite.

:func:`remove_aliases` drops ``Alias = Canonical`` lines (and their ``__all__`` entries) from
the canonical module once nothing uses them.

Pure: bytes in, a :class:`RenameResult` out; never raises for bad input.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    Assignment,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

__all__ = ["RenameResult", "RenameStatus", "remove_aliases", "rename_legacy_imports"]


class RenameStatus(enum.StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class RenameResult:
    status: RenameStatus
    source: bytes
    reason: str = ""
    #: ``(old name, new name)`` for every rename done.
    renamed: tuple[tuple[str, str], ...] = ()


def _module_name(node: cst.ImportFrom) -> str:
    if node.relative or node.module is None:
        return ""
    return cst.Module([]).code_for_node(node.module)


@dataclass(frozen=True, slots=True)
class _Legacy:
    bound: str
    imported: str


def _legacy_imports(
    module: cst.Module, canonical_module: str, canonical: str, legacy: Collection[str]
) -> list[_Legacy]:
    found: list[_Legacy] = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            if _module_name(small) != canonical_module:
                continue
            for alias in small.names:
                imported = cst.Module([]).code_for_node(alias.name)
                bound = alias.evaluated_alias or imported
                renames = bound != canonical and (bound in legacy or imported in legacy)
                if renames and (imported == canonical or imported in legacy):
                    found.append(_Legacy(bound, imported))
    return found


def rename_legacy_imports(
    source: bytes, canonical_module: str, canonical: str, legacy: Collection[str]
) -> RenameResult:
    """Use ``canonical`` instead of every name in ``legacy`` imported from its module."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return RenameResult(
            RenameStatus.SKIPPED, source, f"{exc.raw_line}:{exc.raw_column + 1}: cannot parse"
        )
    found = _legacy_imports(module, canonical_module, canonical, legacy)
    if not found:
        return RenameResult(RenameStatus.UNCHANGED, source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    global_scope = next(s for s in scopes.values() if isinstance(s, GlobalScope))
    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    problems: list[str] = []
    for item in found:
        problem = _collect(item, global_scope, canonical, canonical_module, replacements)
        if problem:
            problems.append(problem)
    if problems:
        return RenameResult(RenameStatus.SKIPPED, source, "; ".join(problems))
    already = _binds_canonical(global_scope, canonical, canonical_module)
    edited = wrapper.module.visit(
        _Renamer(replacements, canonical_module, canonical, found, already)
    )
    output = edited.bytes
    if output == source:
        return RenameResult(RenameStatus.UNCHANGED, source)
    try:
        cst.parse_module(output)
    except cst.ParserSyntaxError:  # pragma: no cover - a bug in the renamer
        return RenameResult(RenameStatus.SKIPPED, source, "1:1: the renamed file does not parse")
    renamed = tuple(dict.fromkeys((item.bound, canonical) for item in found))
    return RenameResult(RenameStatus.CHANGED, output, renamed=renamed)


def _binds_canonical(scope: GlobalScope, canonical: str, canonical_module: str) -> bool:
    return any(
        _imports_canonical(assignment, canonical, canonical_module)
        for assignment in scope.assignments[canonical]
    )


def _imports_canonical(assignment: object, canonical: str, canonical_module: str) -> bool:
    if not isinstance(assignment, ImportAssignment):
        return False
    node = assignment.node
    if not isinstance(node, cst.ImportFrom) or _module_name(node) != canonical_module:
        return False
    if isinstance(node.names, cst.ImportStar):
        return False
    return any(
        cst.Module([]).code_for_node(alias.name) == canonical
        and (alias.evaluated_alias or canonical) == canonical
        for alias in node.names
    )


def _collect(
    item: _Legacy,
    global_scope: GlobalScope,
    canonical: str,
    canonical_module: str,
    replacements: dict[cst.CSTNode, cst.CSTNode],
) -> str:
    assignments = list(global_scope.assignments[item.bound])
    if len(assignments) != 1:
        return f"{item.bound} is bound {len(assignments)} times in the module; rename it by hand"
    clash = [
        a
        for a in global_scope.assignments[canonical]
        if not _imports_canonical(a, canonical, canonical_module)
    ]
    if clash:
        return f"renaming {item.bound} to {canonical} would clash with another {canonical} in the module"
    for access in assignments[0].references:
        problem = _scope_clash(access.scope, canonical, global_scope)
        if problem:
            return f"renaming {item.bound} to {canonical} would clash with {problem}"
        node = access.node
        if isinstance(node, cst.Name):
            replacements[node] = node.with_changes(value=canonical)
        elif isinstance(node, cst.SimpleString) and node.evaluated_value == item.bound:
            quote = node.prefix + node.quote
            replacements[node] = node.with_changes(value=f"{quote}{canonical}{node.quote}")
        else:
            return f"{item.bound} is used inside a string annotation; rename it by hand"
    return ""


def _scope_clash(scope: Scope, canonical: str, global_scope: GlobalScope) -> str:
    current: Scope = scope
    while current is not global_scope:
        local = [
            a
            for a in current.assignments[canonical]
            if isinstance(a, Assignment | ImportAssignment)
        ]
        if local:
            where = getattr(current, "name", None)
            return f"the local {canonical} in {where or 'a nested scope'}"
        current = current.parent
    return ""


class _Renamer(cst.CSTTransformer):
    def __init__(
        self,
        replacements: dict[cst.CSTNode, cst.CSTNode],
        canonical_module: str,
        canonical: str,
        legacy: Sequence[_Legacy],
        already_bound: bool,
    ) -> None:
        super().__init__()
        self.replacements = replacements
        self.canonical_module = canonical_module
        self.canonical = canonical
        self.bound = {item.bound for item in legacy}
        self.already_bound = already_bound

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        replacement = self.replacements.get(original_node)
        return replacement if isinstance(replacement, cst.Name) else updated_node

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        replacement = self.replacements.get(original_node)
        return replacement if isinstance(replacement, cst.SimpleString) else updated_node

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if (
            isinstance(updated_node.names, cst.ImportStar)
            or _module_name(original_node) != self.canonical_module
        ):
            return updated_node
        names: list[cst.ImportAlias] = []
        has_canonical = self.already_bound
        aliases = updated_node.names
        assert not isinstance(aliases, cst.ImportStar)
        for alias in aliases:
            bound = alias.evaluated_alias or cst.Module([]).code_for_node(alias.name)
            if bound in self.bound:
                if has_canonical:
                    continue
                has_canonical = True
                names.append(alias.with_changes(name=cst.Name(self.canonical), asname=None))
            else:
                names.append(alias)
        if not names:
            return cst.RemoveFromParent()
        last = names[-1]
        if updated_node.rpar is None and not isinstance(last.comma, cst.MaybeSentinel):
            names[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=names)


def remove_aliases(source: bytes, canonical: str, unused: Collection[str]) -> RenameResult:
    """Drop ``Alias = canonical`` statements for ``unused`` aliases, and their ``__all__`` entries."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return RenameResult(
            RenameStatus.SKIPPED, source, f"{exc.raw_line}:{exc.raw_column + 1}: cannot parse"
        )
    body = list(module.body)
    removed: list[str] = []
    position = 0
    while position < len(body):
        alias = _alias_of(body[position], canonical)
        if alias is None or alias not in unused:
            position += 1
            continue
        statement = body.pop(position)
        removed.append(alias)
        if position < len(body) and _alias_of(body[position], canonical) is not None:
            # The comment above a block of aliases belongs to the block: keep it on the next.
            body[position] = body[position].with_changes(leading_lines=statement.leading_lines)
    if not removed:
        return RenameResult(RenameStatus.UNCHANGED, source)
    edited = module.with_changes(body=body).visit(_AllPruner(set(removed)))
    return RenameResult(
        RenameStatus.CHANGED, edited.bytes, renamed=tuple((alias, canonical) for alias in removed)
    )


def _alias_of(statement: cst.BaseStatement, canonical: str) -> str | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and isinstance(small.value, cst.Name)
        and small.value.value == canonical
    ):
        return small.targets[0].target.value
    return None


class _AllPruner(cst.CSTTransformer):
    def __init__(self, removed: set[str]) -> None:
        super().__init__()
        self.removed = removed

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        targets = [t.target for t in updated_node.targets]
        if not (
            len(targets) == 1 and isinstance(targets[0], cst.Name) and targets[0].value == "__all__"
        ):
            return updated_node
        value = updated_node.value
        if not isinstance(value, cst.List | cst.Tuple):
            return updated_node
        kept = [
            element
            for element in value.elements
            if not (
                isinstance(element.value, cst.SimpleString)
                and element.value.evaluated_value in self.removed
            )
        ]
        if (
            kept
            and not isinstance(kept[-1].comma, cst.MaybeSentinel)
            and not isinstance(value.elements[-1].comma, cst.Comma)
        ):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(value=value.with_changes(elements=kept))
