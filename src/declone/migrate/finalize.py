"""``finalize``'s rewrites: legacy names retired, aliases the repository no longer uses removed.

After a migration, files may import the canonical under the names their copies had
(``from m import Canonical as MockConnection``). :func:`plan_finalize` rewrites those imports
and every use in each file to the canonical name (scope-aware, with LibCST), and removes each
alias from the canonical module once nothing in the repository uses it. Nothing is written
here: the changes go through the journal like a migration's.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from declone.plan import Canonical, FileChange, PreparedPlan, attribute_uses
from declone.registry import read_registry
from declone.rewrite import RenameStatus, RewriteStatus, remove_aliases, rename_legacy_imports

__all__ = ["FinalizePlan", "legacy_names", "plan_finalize"]


@dataclass(frozen=True, slots=True)
class FinalizePlan:
    """What ``finalize`` would write, refuse, and keep."""

    canonical: Canonical
    #: Files to write: renamed imports and uses, then the canonical module without its aliases.
    changes: tuple[FileChange, ...]
    #: Files the rename could not rewrite, with the reason.
    refused: tuple[FileChange, ...]
    #: Aliases still used somewhere, kept in the canonical module.
    aliases_kept: tuple[str, ...]


def plan_finalize(prepared: PreparedPlan, family: str) -> FinalizePlan:
    """Every legacy name of ``family`` renamed to the canonical's, file by file, in memory."""
    root = prepared.settings.root
    canonical = prepared.resolved.canonical
    registered = [
        alias
        for entry in read_registry(prepared.settings.families)
        if entry.canonical == canonical.reference or family in entry.names
        for alias in entry.names
    ]
    names = prepared.plan.names if prepared.plan else ()
    legacy = legacy_names(canonical, (family, *names), registered)
    paths = [r.path for r in prepared.index.files if not r.is_backup and r.path.endswith(".py")]
    changes, after_all = _rename_changes(root, paths, canonical, legacy)
    alias_change, still_used = _alias_change(root, canonical, after_all)
    written = [c for c in changes if c.changed]
    if alias_change is not None:
        written.append(alias_change)
    refused = tuple(c for c in changes if not c.changed)
    return FinalizePlan(canonical, tuple(written), refused, still_used)


def legacy_names(
    canonical: Canonical, family_names: Sequence[str], registered: Sequence[str]
) -> frozenset[str]:
    """Every old name of the family: the module's aliases, the copies' names, registered ones."""
    return frozenset({*canonical.aliases, *family_names, *registered} - {canonical.name})


def _uses_alias(text: str, module: str, alias: str) -> bool:
    """Does a file reach ``module.alias``: imported by name or by star, as a module
    attribute, or in a dotted string (``mock.patch("module.alias")``)?"""
    if alias not in text:
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        # It cannot be imported as it is; keep the alias if it names the module at all.
        return module in text
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == module
            and not node.level
            and any(item.name in (alias, "*") for item in node.names)
        ):
            return True
    if f"{module}.{alias}" in text or f"{module}:{alias}" in text:
        return True
    return alias in attribute_uses(tree)


def _rename_changes(
    root: Path, paths: Sequence[str], canonical: Canonical, legacy: frozenset[str]
) -> tuple[list[FileChange], dict[str, bytes]]:
    """Renamed files, and the text of every Python file after the renames."""
    statuses = {
        RenameStatus.CHANGED: RewriteStatus.CHANGED,
        RenameStatus.UNCHANGED: RewriteStatus.UNCHANGED,
        RenameStatus.SKIPPED: RewriteStatus.SKIPPED,
    }
    changes: list[FileChange] = []
    after_all: dict[str, bytes] = {}
    needle = canonical.module.rsplit(".", 1)[-1].encode("utf-8")
    for path in paths:
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue
        after_all[path] = data
        if path == canonical.path or needle not in data:
            continue
        result = rename_legacy_imports(data, canonical.module, canonical.name, legacy)
        if result.status is RenameStatus.UNCHANGED:
            continue
        actions = tuple(f"rename {old} -> {new}" for old, new in result.renamed)
        changes.append(
            FileChange(path, statuses[result.status], data, result.source, actions, result.reason)
        )
        after_all[path] = result.source
    return changes, after_all


def _alias_change(
    root: Path, canonical: Canonical, after_all: dict[str, bytes]
) -> tuple[FileChange | None, tuple[str, ...]]:
    """The canonical module without the aliases nothing uses any more; and those still used."""
    if canonical.path is None or not canonical.aliases:
        return None, ()
    used: list[str] = []
    unused: list[str] = []
    for alias in canonical.aliases:
        elsewhere = any(
            _uses_alias(data.decode("utf-8", "replace"), canonical.module, alias)
            for path, data in after_all.items()
            if path != canonical.path
        )
        (used if elsewhere else unused).append(alias)
    if not unused:
        return None, tuple(used)
    before = (root / canonical.path).read_bytes()
    result = remove_aliases(before, canonical.name, set(unused))
    if result.status is not RenameStatus.CHANGED:
        return None, tuple(used)
    actions = tuple(f"remove alias {alias}" for alias, _ in result.renamed)
    return FileChange(canonical.path, RewriteStatus.CHANGED, before, result.source, actions), tuple(
        used
    )
