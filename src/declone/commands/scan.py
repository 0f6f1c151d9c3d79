"""``declone scan [PATH ...]``: every duplicated class family in a repository."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode

__all__ = [
    "add_arguments",
    "index_document",
    "resolve_root",
    "run",
    "settings_from_args",
    "warn_if_uncached",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="folders or files to scan (default: the current folder); one folder is the root",
    )
    parser.add_argument("--root", type=Path, help="repository root (default: see PATH)")
    parser.add_argument("--family", metavar="NAME", help="show one family in detail")
    parser.add_argument("--json", action="store_true", help="print the versioned JSON document")
    parser.add_argument("--all", action="store_true", help="list every family, not the top 25")
    add_scan_options(parser)


def add_scan_options(parser: argparse.ArgumentParser) -> None:
    """Options that change what a scan finds; ``check`` and ``plan`` share them."""
    group = parser.add_argument_group("matching")
    group.add_argument("--min-copies", type=int, metavar="N", help="files a name needs (default 2)")
    group.add_argument(
        "--similarity", type=float, metavar="F", help="near-clone threshold, 0-1 (default 0.8)"
    )
    group.add_argument(
        "--min-lines",
        type=int,
        metavar="N",
        help="statements a class needs for structural matching (default 4)",
    )
    speed = parser.add_argument_group("speed")
    speed.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: cores)"
    )
    speed.add_argument("--no-cache", action="store_true", help="read and parse every file")
    speed.add_argument(
        "--cache-dir", type=Path, metavar="DIR", help="cache folder (default ~/.cache/declone)"
    )
    speed.add_argument("--no-progress", action="store_true", help="no progress bar")


def resolve_root(args: argparse.Namespace) -> Path:
    for path in args.paths:
        if not Path(path).exists():
            raise DecloneError(f"{path}: no such file or folder", ExitCode.USAGE)
    from declone.config import repository_root

    if args.root is None and len(args.paths) == 1 and Path(args.paths[0]).is_dir():
        root, args.paths = Path(args.paths[0]), []
        return repository_root(root)
    return repository_root(args.root)


def settings_from_args(args: argparse.Namespace) -> Any:
    from declone.config import load_settings

    if args.similarity is not None and not 0.0 < args.similarity <= 1.0:
        raise DecloneError("--similarity must be above 0 and at most 1", ExitCode.USAGE)
    for flag in ("min_copies", "min_lines", "jobs"):
        value = getattr(args, flag)
        if value is not None and value < (2 if flag == "min_copies" else 0):
            raise DecloneError(f"--{flag.replace('_', '-')} is too small: {value}", ExitCode.USAGE)
    settings = load_settings(resolve_root(args))
    return settings.with_overrides(
        min_copies=args.min_copies,
        similarity=args.similarity,
        min_lines=args.min_lines,
        jobs=args.jobs,
        cache_dir=args.cache_dir.resolve() if args.cache_dir else None,
        use_cache=False if args.no_cache else None,
    )


def warn_if_uncached(stats: Any) -> None:
    """On stderr, why a scan that was to use its cache went without it (it ran slower)."""
    if stats.cache_problem:
        from declone import output

        output.warn(
            f"the scan cache was not used ({stats.cache_problem}); every file was read and "
            "parsed: --cache-dir or [tool.declone] cache-dir puts it elsewhere"
        )


def run(args: argparse.Namespace) -> int:
    from declone import output
    from declone.scan import scan_overview, scan_overview_document

    settings = settings_from_args(args)
    show_progress = not (args.json or args.no_progress)
    if args.json and args.family is None:
        from declone.scanjson import with_stats

        document, stats = scan_overview_document(settings, args.paths)
        warn_if_uncached(stats)
        output.emit_json_text(with_stats(document, stats))
        return int(ExitCode.OK)
    with output.progress("scanning", None, enabled=show_progress) as bar:
        index, stats = scan_overview(
            settings, args.paths, on_total=bar.set_total, on_progress=bar.advance
        )
    warn_if_uncached(stats)
    if args.family is not None and index.family(args.family) is None:
        raise DecloneError(
            f"no family named {args.family!r}; `declone scan` lists the families", ExitCode.USAGE
        )
    if args.json:
        output.emit_json(index_document(index, stats, family=args.family))
        return int(ExitCode.OK)
    from declone import scanview  # rich, which a JSON reader does not need

    if args.family is not None:
        scanview.print_family(index, args.family)
    else:
        scanview.print_summary(index, stats, show_all=args.all)
    return int(ExitCode.OK)


def index_document(index: Any, stats: Any, *, family: str | None = None) -> dict[str, Any]:
    from declone.scanjson import index_to_json

    return index_to_json(index, stats, family=family)
