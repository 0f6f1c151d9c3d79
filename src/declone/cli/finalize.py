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
from typing import TYPE_CHECKING, Any

from declone.cli.options import add_canonical_options, prepare_plan_from_args
from declone.errors import ExitCode

if TYPE_CHECKING:
    from declone.plan import Canonical, FileChange

__all__ = ["add_arguments", "run"]


#: The codes ``declone finalize`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "success",
    ExitCode.FINDINGS: "files left as they were: a clash with another name, a file not written",
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.REFUSED: (
        "refused: uncommitted changes without --allow-dirty, a journal run that cannot start"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_canonical_options(parser, unsafe=False)
    parser.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="rewrite files that have uncommitted changes"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from declone.cli import output, plan_view
    from declone.migrate import Batch, apply_batches, ensure_clean, open_writer, plan_finalize

    prepared = prepare_plan_from_args(args, show_progress=not (args.json or args.no_progress))
    root = prepared.settings.root
    finalize = plan_finalize(prepared, args.family)
    canonical, written, refused = finalize.canonical, finalize.changes, finalize.refused
    still_used = finalize.aliases_kept
    code = ExitCode.FINDINGS if refused else ExitCode.OK
    run_id = None
    if written and not args.dry_run:
        if not args.allow_dirty:
            ensure_clean(root, [c.path for c in written], what="rewrite")
        writer = open_writer(root, f"finalize {args.family}", canonical.reference)
        with output.progress(
            "finalizing", len(written), enabled=not (args.json or args.no_progress)
        ) as bar:
            outcomes = apply_batches(
                root, writer, [Batch(1, tuple(written))], on_progress=bar.advance
            )
        run_id = writer.run_id
        for path, reason in outcomes[0].refused:
            output.warn(f"{path}: not written: {reason}")
            code = ExitCode.FINDINGS
    if args.json:
        output.emit_json(_document(args, canonical, written, refused, still_used, run_id))
        return int(code)
    if args.dry_run:
        plan_view.print_diffs(written)
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
    from declone.model import SCHEMA_VERSION
    from declone.plan import unified_diff

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
