"""``declone finalize FAMILY``: retire legacy names; use the canonical name everywhere.

After a migration, files may import the canonical under the names their copies had
(``from m import Canonical as MockConnection``). ``finalize`` rewrites those imports and every
use in each file to the canonical name (scope-aware, with LibCST), then removes each alias
from the canonical module once nothing in the repository uses it. Writes go through the same
journal as ``migrate``: ``--dry-run`` shows the diff, ``declone rollback`` undoes a run.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declone.errors import ExitCode

if TYPE_CHECKING:
    from declone.migration import FileChange
    from declone.plan import Canonical

__all__ = ["add_arguments", "legacy_names", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from declone.commands.plan import add_canonical_options

    add_canonical_options(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="rewrite files that have uncommitted changes"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def legacy_names(
    canonical: Canonical, family_names: Sequence[str], registered: Sequence[str]
) -> frozenset[str]:
    """Every old name of the family: the module's aliases, the copies' names, registered ones."""
    return frozenset({*canonical.aliases, *family_names, *registered} - {canonical.name})


def _uses_alias(text: str, module: str, alias: str) -> bool:
    """Does a file reach ``module.alias``: imported by name or by star, as a module
    attribute, or in a dotted string (``mock.patch("module.alias")``)?"""
    import ast

    from declone.classapi import attribute_uses

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
    from declone.migration import FileChange
    from declone.rename import RenameStatus, rename_legacy_imports
    from declone.rewrite import RewriteStatus

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
    from declone.migration import FileChange
    from declone.rename import RenameStatus, remove_aliases
    from declone.rewrite import RewriteStatus

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


def run(args: argparse.Namespace) -> int:
    from declone import output, planview, vcs
    from declone.commands.migrate import Batch, apply_batches, open_writer
    from declone.commands.plan import prepare_plan
    from declone.errors import DecloneError
    from declone.registry import read_registry

    prepared = prepare_plan(args, show_progress=not (args.json or args.no_progress))
    root = prepared.settings.root
    canonical = prepared.resolved.canonical
    registered = [
        alias
        for family in read_registry(prepared.settings.families)
        if family.canonical == canonical.reference or args.family in family.names
        for alias in family.names
    ]
    names = prepared.plan.names if prepared.plan else ()
    legacy = legacy_names(canonical, (args.family, *names), registered)
    paths = [r.path for r in prepared.index.files if not r.is_backup and r.path.endswith(".py")]
    changes, after_all = _rename_changes(root, paths, canonical, legacy)
    alias_change, still_used = _alias_change(root, canonical, after_all)
    written = [c for c in changes if c.changed]
    refused = [c for c in changes if not c.changed]
    if alias_change is not None:
        written.append(alias_change)
    code = ExitCode.FINDINGS if refused else ExitCode.OK
    run_id = None
    if written and not args.dry_run:
        if vcs.is_git_work_tree(root) and not args.allow_dirty:
            dirty = vcs.dirty_files(root, [c.path for c in written])
            if dirty:
                raise DecloneError(
                    f"{root / dirty[0]}:1:1: uncommitted changes in {len(dirty)} file(s) to rewrite; "
                    "commit or stash them, or pass --allow-dirty",
                    ExitCode.REFUSED,
                )
        writer = open_writer(root, f"finalize {args.family}", canonical.reference)
        with output.progress(
            "finalizing", len(written), enabled=not (args.json or args.no_progress)
        ) as bar:
            outcomes = apply_batches(root, writer, [Batch(1, tuple(written))], bar=bar)
        run_id = writer.run_id
        for path, reason in outcomes[0].refused:
            output.warn(f"{path}: not written: {reason}")
            code = ExitCode.FINDINGS
    if args.json:
        output.emit_json(_document(args, canonical, written, refused, still_used, run_id))
        return int(code)
    if args.dry_run:
        planview.print_diffs(written)
    for change in refused:
        output.warn(f"{change.path}: not finalized: {change.reason}")
    for alias in still_used:
        output.info(f"alias {alias} is still used in the repository; kept in {canonical.path}")
    verb = "would change" if args.dry_run else "changed"
    output.info(f"{len(written)} files {verb}" + (f" in run {run_id}" if run_id else ""))
    if run_id:
        output.info(f"undo with: declone rollback {run_id}")
    return int(code)


def _document(
    args: argparse.Namespace,
    canonical: Canonical,
    written: Sequence[FileChange],
    refused: Sequence[FileChange],
    still_used: Sequence[str],
    run_id: str | None,
) -> dict[str, Any]:
    from declone import __version__
    from declone.migration import unified_diff
    from declone.model import SCHEMA_VERSION

    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "finalize",
        "family": args.family,
        "canonical": canonical.reference,
        "dry_run": args.dry_run,
        "run_id": run_id,
        "changed": [{"path": c.path, "actions": list(c.actions)} for c in written],
        "refused": [{"path": c.path, "reason": c.reason} for c in refused],
        "aliases_kept": list(still_used),
    }
    if args.dry_run:
        document["diff"] = "".join(unified_diff(c) for c in written)
    return document
