"""``declone runs``: the migration runs recorded in the journal, oldest first."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from declone.errors import ExitCode

__all__ = ["add_arguments", "run", "run_document"]


#: The codes ``declone runs`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "success; a run whose manifest cannot be read is a warning",
    ExitCode.USAGE: "usage error: a bad option, a --root that is not a folder",
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: the current folder)"
    )
    parser.add_argument("--json", action="store_true", help="print the runs as JSON")


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from declone.cli import output
    from declone.config import repository_root
    from declone.migrate import list_runs

    root = repository_root(args.root)
    runs, problems = list_runs(root)
    for problem in problems:
        output.warn(problem)
    if args.json:
        output.emit_json(
            {"schema_version": 1, "root": str(root), "runs": [run_document(item) for item in runs]}
        )
        return int(ExitCode.OK)
    if not runs:
        output.info(f"no migration runs recorded under {root}")
        return int(ExitCode.OK)
    table = Table("run", "created", "family", "canonical", "files", "status")
    for item in runs:
        table.add_row(
            item.id, item.created, item.family, item.canonical, str(len(item.entries)), item.status
        )
    output.stdout().print(table)
    return int(ExitCode.OK)


def run_document(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "created": item.created,
        "family": item.family,
        "canonical": item.canonical,
        "files": len(item.entries),
        "status": item.status,
    }
