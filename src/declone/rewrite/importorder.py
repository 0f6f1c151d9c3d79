"""Where a new import goes in a module's import block: where the repository's isort puts it.

:func:`place_import` sorts the block with the new line added, using isort's own API and the
repository's settings (an :class:`ImportOrder`, read by
:func:`~declone.rewrite.importsettings.read_import_order`), finds the new line's neighbours
in isort's output and says where it goes in the *original* block. Only the new line is
placed: the other statements stay where they are, sorted or not. The new line goes

* right after the statement isort puts before it, with the blank lines isort puts between
  them (none within a section; one, by default, when it opens a section of its own);
* or, when it is first in its section, right before the statement isort puts after it,
  taking that statement's blank lines;
* or into an existing ``from m import ...`` statement, when isort would merge it there.

Pure: no file I/O (the settings say which modules are first-party; isort is never asked to
look at the disk), no printing.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import isort
from isort.exceptions import ISortError

__all__ = [
    "ImportOrder",
    "MergedImport",
    "NewImport",
    "blank_lines_after_imports",
    "isort_config",
    "place_import",
]

#: A scalar isort setting, or a list of them (as a tuple, so that the order is hashable).
SettingValue = str | int | float | bool | tuple[str, ...]

#: isort options that would make isort add or drop imports of its own in the sorted block.
_NEUTRALISED: dict[str, SettingValue] = {
    "add_imports": (),
    "remove_imports": (),
    "float_to_top": False,
    "quiet": True,
}


@dataclass(frozen=True, slots=True)
class ImportOrder:
    """How a repository orders its imports, as isort settings (``profile``,
    ``known_first_party``...; isort's option names). No settings: isort's defaults."""

    settings: tuple[tuple[str, SettingValue], ...] = ()
    #: Where they were read, for messages: ``pyproject.toml [tool.isort]``.
    source: str = "isort's defaults"


@dataclass(frozen=True, slots=True)
class NewImport:
    """A new statement, inserted before ``block[position]`` (``len(block)``: at the end)."""

    text: str
    position: int
    #: Blank lines above the new statement; None: it takes over the blank lines (and
    #: detached comments) that the statement at ``position`` had above it.
    blank_lines_before: int | None = 0
    #: Blank lines the statement at ``position`` then gets above it; None: unchanged.
    blank_lines_after: int | None = None


@dataclass(frozen=True, slots=True)
class MergedImport:
    """The name joins ``block[statement]``, a ``from`` import of the same module."""

    statement: int
    #: The alias it follows, ``(name, asname)``; None: it comes first.
    after: tuple[str, str | None] | None
    #: The merged statement as isort writes it, when adding the name in place would make
    #: the line longer than the line length; None: add it in place.
    rewritten: str | None = None


_Atom = tuple[str, str, str, str | None]


def place_import(
    block: Sequence[str], new_import: str, order: ImportOrder
) -> NewImport | MergedImport:
    """Where ``new_import`` (one ``import``/``from`` statement naming one name) goes among
    ``block``, the module's import statements in source order, each as its code without
    the comment lines above it."""
    config = _isort_config(order.settings)
    text = _rendered(new_import, config)
    fallback = NewImport(text, len(block))
    atoms = _atoms(new_import)
    sorted_code = _sorted("\n".join([*block, new_import]), config)
    if len(atoms) != 1 or not sorted_code:
        return fallback
    statements = _parse(sorted_code)
    if statements is None:
        return fallback
    owners: dict[_Atom, int] = {}
    for index, statement_text in enumerate(block):
        for atom in _atoms(statement_text):
            owners.setdefault(atom, index)
    flat = [(index, atom) for index, statement in enumerate(statements) for atom in statement[2]]
    ours = next((k for k, (_, atom) in enumerate(flat) if atom == atoms[0]), None)
    if ours is None:
        return fallback
    home = flat[ours][0]
    before = _neighbour(flat, owners, range(ours - 1, -1, -1))
    after = _neighbour(flat, owners, range(ours + 1, len(flat)))
    joined = [k for k in (before, after) if k is not None and flat[k][0] == home]
    if joined:
        target = owners[flat[joined[0]][1]]
        # The name follows the last of the target's names that isort puts before it.
        anchor = next(
            (flat[k][1] for k in range(ours - 1, -1, -1) if owners.get(flat[k][1]) == target),
            None,
        )
        return _merge(block, new_import, target, anchor, config)
    lines = sorted_code.splitlines()
    gap_before = None if before is None else _blank_lines(lines, statements, flat[before][0], home)
    gap_after = None if after is None else _blank_lines(lines, statements, home, flat[after][0])
    if before is not None and (gap_before == 0 or after is None or gap_after):
        return NewImport(text, max(_owners_of(flat, owners, flat[before][0])) + 1, gap_before)
    if after is not None:
        return NewImport(text, min(_owners_of(flat, owners, flat[after][0])), None, gap_after)
    return fallback


def isort_config(settings: Iterable[tuple[str, SettingValue]]) -> isort.Config:
    """isort's config for ``settings``, never looking at the disk: no source paths (the
    settings name the first-party modules), no settings file. Raises isort's errors
    (``ISortError``, ``ValueError``) for settings isort rejects."""
    options: dict[str, Any] = {**dict(settings), **_NEUTRALISED, "src_paths": ()}
    return isort.Config(**options)


@functools.lru_cache(maxsize=64)
def _isort_config(settings: tuple[tuple[str, SettingValue], ...]) -> isort.Config:
    try:
        return isort_config(settings)
    except (ISortError, TypeError, ValueError):
        # The loader checked the settings with isort; a caller's own bad settings fall back.
        return isort_config(())


def _sorted(code: str, config: isort.Config) -> str:
    try:
        return isort.code(code + "\n", config=config)
    except ISortError:
        return ""


def _atoms(code: str) -> list[_Atom]:
    """``(kind, module, name, asname)`` for each name an import statement binds."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    return [atom for node in tree.body for atom in _node_atoms(node)]


def _node_atoms(node: ast.stmt) -> list[_Atom]:
    if isinstance(node, ast.Import):
        return [("import", alias.name, "", alias.asname) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        return [("from", module, alias.name, alias.asname) for alias in node.names]
    return []


def _parse(code: str) -> list[tuple[int, int, list[_Atom]]] | None:
    """``(first line, last line, atoms)`` of each statement of isort's output."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    return [
        (node.lineno, node.end_lineno or node.lineno, _node_atoms(node))
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def _neighbour(
    flat: list[tuple[int, _Atom]], owners: dict[_Atom, int], positions: range
) -> int | None:
    """The nearest name in ``positions`` that some statement of the block binds."""
    return next((k for k in positions if flat[k][1] in owners), None)


def _owners_of(
    flat: list[tuple[int, _Atom]], owners: dict[_Atom, int], statement: int
) -> list[int]:
    """The block's statements that bind the names of one statement of isort's output: isort
    joins ``from m import a`` and ``from m import b`` into one, and the new line goes before
    (or after) all of them, not between."""
    return [owners[atom] for index, atom in flat if index == statement and atom in owners]


def _blank_lines(
    lines: list[str], statements: list[tuple[int, int, list[_Atom]]], upper: int, lower: int
) -> int:
    between = lines[statements[upper][1] : statements[lower][0] - 1]
    return sum(1 for line in between if not line.strip())


def _merge(
    block: Sequence[str],
    new_import: str,
    statement: int,
    after: _Atom | None,
    config: isort.Config,
) -> MergedImport:
    anchor = None if after is None else (after[2], after[3])
    code = block[statement]
    name = _atoms(new_import)[0]
    alias = name[2] if name[3] is None else f"{name[2]} as {name[3]}"
    if "\n" not in code and len(code) + len(", ") + len(alias) > config.line_length:
        rewritten = _rendered(f"{code}\n{new_import}", config)
        return MergedImport(
            statement, anchor, rewritten if len(_parse(rewritten) or ()) == 1 else None
        )
    return MergedImport(statement, anchor)


def blank_lines_after_imports(order: ImportOrder, next_statement: str) -> int:
    """The blank lines isort leaves between the imports and ``next_statement`` (its code):
    ``lines_after_imports``, or by default two before a ``def``, ``class`` or decorator and
    one before anything else."""
    configured = int(_isort_config(order.settings).lines_after_imports)
    if configured >= 0:
        return configured
    return 2 if next_statement.lstrip().startswith(_DECLARATIONS) else 1


_DECLARATIONS = ("def ", "class ", "@", "async def")


def _rendered(code: str, config: isort.Config) -> str:
    """``code`` as isort writes it, without the section headings isort may put above it."""
    output = _sorted(code, config)
    statements = _parse(output)
    if not statements:
        return code
    lines = output.splitlines()
    return "\n".join(lines[statements[0][0] - 1 : statements[-1][1]])
