"""Imports that only the removed code used: found on the ``ast``, dropped with LibCST.

An import name goes when the removed code read it (as a name, or inside a string
annotation: ``-> "Foo"``) and nothing else in the module mentions it, in code or in a
string. Two places are looked at:

* the module's top-level imports (``from . import x``, star and ``__future__`` imports
  stay: ``from . import x`` may be the package's way to load a sibling module;
  ``from ..base import Base`` goes like an absolute import);
* the imports of a module-level ``if TYPE_CHECKING:`` (or ``if typing.TYPE_CHECKING:``)
  block without ``else``, relative ones included, since they never run. A block left with
  nothing goes whole, and so does the import of ``TYPE_CHECKING`` (or ``typing``) when no
  other use of it remains.

A name bound twice in the module (``import os`` and ``import os.path``) stays: which binding
provides it is not worth guessing.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node

from declone.rewrite.bindings import (
    ModuleFacts,
    NameUses,
    count_name_uses,
    import_bindings,
)
from declone.rewrite.statements import (
    Body,
    Lines,
    Operation,
    Statement,
    import_positions,
    remove_statement,
)

__all__ = ["UnusedImport", "UnusedImports", "find_unused_imports", "removal_operations"]


@dataclass(frozen=True, slots=True)
class UnusedImport:
    #: The ``if TYPE_CHECKING:`` block holding it, by position among the module's top-level
    #: ``if`` statements; None for a top-level import.
    block: int | None
    #: Position among the import statements of the module (or of the block's body).
    position: int
    module: str
    obj: str | None
    asname: str | None

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return self.module, self.obj, self.asname

    def describe(self) -> str:
        if self.obj is None:
            text = f"import {self.module}"
        else:
            text = f"from {self.module} import {self.obj}"
        return f"{text} as {self.asname}" if self.asname else text


@dataclass(frozen=True, slots=True)
class UnusedImports:
    names: tuple[UnusedImport, ...] = ()
    #: ``if TYPE_CHECKING:`` blocks left empty (positions among top-level ``if``\\ s).
    emptied_blocks: frozenset[int] = field(default_factory=frozenset)


def find_unused_imports(
    tree: ast.Module, facts: ModuleFacts, removed: Iterable[ast.AST]
) -> UnusedImports:
    removed_uses = count_name_uses(removed)
    if not removed_uses.names and not removed_uses.annotation_names:
        return UnusedImports()
    binders = Counter(binding.name for binding in facts.bindings)

    def unused(bound: str) -> bool:
        used_elsewhere = facts.uses.mentions(bound) > removed_uses.mentions(bound)
        return removed_uses.reads(bound) > 0 and not used_elsewhere and binders[bound] == 1

    found: list[UnusedImport] = []
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    for position, node in enumerate(imports):
        for bound, module, obj, asname in import_bindings(node):
            if unused(bound):
                found.append(UnusedImport(None, position, module, obj, asname))
    emptied: set[int] = set()
    guards: Counter[str] = Counter()
    blocks = [node for node in tree.body if isinstance(node, ast.If)]
    for index, block in enumerate(blocks):
        guard = _type_checking_guard(block)
        if guard is None:
            continue
        in_block = _unused_in_block(index, block, unused)
        if _empties(block, in_block):
            emptied.add(index)
            guards[guard] += 1
        elif block.body[0].lineno == block.lineno:
            # ``if TYPE_CHECKING: import a; import b``: kept whole unless it empties.
            continue
        found.extend(in_block)
    found.extend(_unused_guards(imports, guards, facts, removed_uses, binders, found))
    return UnusedImports(tuple(found), frozenset(emptied))


def _type_checking_guard(node: ast.If) -> str | None:
    """The name an ``if TYPE_CHECKING:`` block reads (``TYPE_CHECKING``, or ``typing`` for
    ``if typing.TYPE_CHECKING:``); None for any other ``if`` or one with an ``else``."""
    if node.orelse:
        return None
    test = node.test
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return test.id
    if (
        isinstance(test, ast.Attribute)
        and test.attr == "TYPE_CHECKING"
        and isinstance(test.value, ast.Name)
    ):
        return test.value.id
    return None


def _unused_in_block(
    index: int, block: ast.If, unused: Callable[[str], bool]
) -> list[UnusedImport]:
    imports = [node for node in block.body if isinstance(node, ast.Import | ast.ImportFrom)]
    return [
        UnusedImport(index, position, module, obj, asname)
        for position, node in enumerate(imports)
        for bound, module, obj, asname in import_bindings(node, relative=True)
        if unused(bound)
    ]


def _empties(block: ast.If, unused: Sequence[UnusedImport]) -> bool:
    """Whether the block holds only imports and every name they bind goes."""
    if not all(isinstance(node, ast.Import | ast.ImportFrom) for node in block.body):
        return False
    names = sum(
        len(node.names) for node in block.body if isinstance(node, ast.Import | ast.ImportFrom)
    )
    return names == len(unused)


def _unused_guards(
    imports: list[ast.Import | ast.ImportFrom],
    guards: Counter[str],
    facts: ModuleFacts,
    removed_uses: NameUses,
    binders: Counter[str],
    found: list[UnusedImport],
) -> list[UnusedImport]:
    """The imports of ``TYPE_CHECKING`` (or ``typing``) that only emptied blocks read."""
    already = {(item.block, item.position, item.key) for item in found}
    extra: list[UnusedImport] = []
    for guard, blocks in guards.items():
        remaining = facts.uses.mentions(guard) - removed_uses.mentions(guard) - blocks
        if remaining > 0 or binders[guard] != 1:
            continue
        for position, node in enumerate(imports):
            for bound, module, obj, asname in import_bindings(node):
                item = UnusedImport(None, position, module, obj, asname)
                if bound == guard and (None, position, item.key) not in already:
                    extra.append(item)
    return extra


# -- LibCST ------------------------------------------------------------------------------


def removal_operations(
    body: Sequence[cst.BaseStatement], unused: UnusedImports
) -> dict[int, Operation]:
    """The edits that drop ``unused``, by position in the module's body."""
    operations: dict[int, Operation] = {}
    top_level = import_positions(body)
    by_line: dict[int, list[tuple[str, str | None, str | None]]] = {}
    by_block: dict[int, list[UnusedImport]] = {}
    for item in unused.names:
        if item.block is None:
            by_line.setdefault(top_level[item.position], []).append(item.key)
        else:
            by_block.setdefault(item.block, []).append(item)
    for line, names in by_line.items():
        operations[line] = ImportRemoval(tuple(names))
    blocks = [position for position, statement in enumerate(body) if isinstance(statement, cst.If)]
    for index in unused.emptied_blocks:
        operations[blocks[index]] = _RemoveBlock()
    for index, items in by_block.items():
        if index not in unused.emptied_blocks:
            operations[blocks[index]] = _BlockImportRemoval(tuple(items))
    return operations


@dataclass(frozen=True, slots=True)
class ImportRemoval(Operation):
    """Drop import names that only removed code used (the decision was made on the whole
    module's ast). ``RemoveImportsVisitor`` would redo that decision with ScopeProvider on
    the whole tree, at several times the cost of a parse, so the aliases are dropped here."""

    names: tuple[tuple[str, str | None, str | None], ...]

    def apply(
        self, module: cst.Module, body: Body, footer: Lines, position: int
    ) -> tuple[Body, Lines]:
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
            return remove_statement(body, footer, position)
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
            dotted = get_full_name_for_node(node.module) if node.module is not None else None
            module_name = "." * len(node.relative) + (dotted or "")
            kept = [
                a
                for a in aliases
                if (module_name, a.evaluated_name, a.evaluated_alias) not in self.names
            ]
        if not kept:
            return None
        if len(kept) == len(aliases):
            return node
        # The last name keeps what the original last name had after it: nothing, or the
        # trailing comma of a parenthesised list.
        kept[-1] = kept[-1].with_changes(comma=aliases[-1].comma)
        return node.with_changes(names=kept)


class _RemoveBlock(Operation):
    def apply(
        self, module: cst.Module, body: Body, footer: Lines, position: int
    ) -> tuple[Body, Lines]:
        return remove_statement(body, footer, position)


@dataclass(frozen=True, slots=True)
class _BlockImportRemoval(Operation):
    """Drop names from the imports of an ``if TYPE_CHECKING:`` block that stays."""

    names: tuple[UnusedImport, ...]

    def apply(
        self, module: cst.Module, body: Body, footer: Lines, position: int
    ) -> tuple[Body, Lines]:
        node = body[position]
        assert isinstance(node, cst.If)
        assert isinstance(node.body, cst.IndentedBlock)
        block = node.body
        statements: Body = [item for item in block.body if isinstance(item, Statement)]
        block_footer: Lines = list(block.footer)
        lines = import_positions(statements)
        by_line: dict[int, list[tuple[str, str | None, str | None]]] = {}
        for item in self.names:
            by_line.setdefault(lines[item.position], []).append(item.key)
        for line in sorted(by_line, reverse=True):
            statements, block_footer = ImportRemoval(tuple(by_line[line])).apply(
                module, statements, block_footer, line
            )
        body = list(body)
        body[position] = node.with_changes(
            body=block.with_changes(body=statements, footer=block_footer)
        )
        return body, footer
