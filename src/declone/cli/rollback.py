"""``declone rollback [RUN_ID]``: restore the exact original bytes of a migration run."""

from __future__ import annotations

import argparse
from pathlib import Path

from declone.errors import DecloneError, ExitCode
from declone.wording import plural

__all__ = ["add_arguments", "run"]


#: The codes ``declone rollback`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "the files were restored, or already held their original bytes",
    ExitCode.USAGE: "usage error: a bad option, a --root that is not a folder",
    ExitCode.REFUSED: (
        "refused, nothing restored: a file changed since the run without --force, a read-only "
        "file, no such run, a damaged journal"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID", help="the run (default: the latest)")
    parser.add_argument(
        "--files", nargs="+", metavar="F", help="only these files (paths as the run lists them)"
    )
    parser.add_argument(
        "--force", action="store_true", help="also restore files changed since the run"
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: the current folder)"
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def run(args: argparse.Namespace) -> int:
    from declone.cli import output
    from declone.config import repository_root
    from declone.migrate import JournalError, latest_run, rollback

    root = repository_root(args.root)
    try:
        run_id = args.run_id or latest_run(root).id
        files = None if args.files is None else [_run_path(root, name) for name in args.files]
        result = rollback(root, run_id, files, force=args.force)
    except JournalError as exc:
        raise DecloneError(str(exc), ExitCode.REFUSED) from None
    if args.json:
        output.emit_json(
            {
                "schema_version": 1,
                "run": result.run_id,
                "restored": list(result.restored),
                "already_original": list(result.already_original),
                "refused": [{"path": path, "reason": reason} for path, reason in result.refused],
            }
        )
    for _, reason in result.refused:
        output.error(reason)
    if result.refused:
        output.info(f"run {result.run_id}: refused, nothing restored")
        return int(ExitCode.REFUSED)
    output.info(
        f"run {result.run_id}: restored {plural(len(result.restored), 'file')}, "
        f"{len(result.already_original)} already original"
    )
    return int(ExitCode.OK)


def _run_path(root: Path, name: str) -> str:
    """A path as the manifest writes it (relative POSIX), from a root-relative, a
    cwd-relative or an absolute path."""
    path = Path(name)
    if path.is_absolute() or path.exists():
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            return name
    return path.as_posix()
