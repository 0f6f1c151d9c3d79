"""``declone scan [PATH ...]``: every duplicated class family in a repository."""

from __future__ import annotations

import argparse
from pathlib import Path

from declone.cli.options import add_scan_options, settings_from_args, warn_if_uncached
from declone.errors import DecloneError, ExitCode

__all__ = ["add_arguments", "run"]


#: The codes ``declone scan`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "success",
    ExitCode.USAGE: "usage or configuration error: a bad option, an unknown --family, a bad pyproject.toml",
    ExitCode.INTERRUPTED: "interrupted",
}


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
    parser.add_argument(
        "--all",
        action="store_true",
        help="list everything: every family (not the top 25), every copy of --family NAME",
    )
    add_scan_options(parser)


def run(args: argparse.Namespace) -> int:
    from declone.cli import output
    from declone.scan import scan_overview, scan_overview_document

    settings = settings_from_args(args)
    show_progress = not (args.json or args.no_progress)
    if args.json and args.family is None:
        from declone.scan import with_stats

        document, stats = scan_overview_document(settings, args.paths)
        warn_if_uncached(stats)
        output.emit_json_text(with_stats(document, stats))
        return int(ExitCode.OK)
    with output.progress("scanning", None, enabled=show_progress) as bar:
        index, stats = scan_overview(
            settings, args.paths, on_total=bar.set_total, on_progress=bar.advance
        )
    warn_if_uncached(stats)
    if (
        args.family is not None
        and index.family(args.family) is None
        and index.name_group(args.family) is None
    ):
        raise DecloneError(
            f"no family named {args.family!r}; `declone scan` lists the families", ExitCode.USAGE
        )
    from declone.scan import find_occurrences

    occurrences = (
        find_occurrences(settings, args.family.partition("@")[0])
        if args.family is not None
        else None
    )
    if args.json:
        from declone.scan import index_to_json, occurrences_to_json

        shown = index_to_json(index, stats, family=args.family)
        if occurrences is not None:
            shown["occurrences"] = occurrences_to_json(occurrences)
        output.emit_json(shown)
        return int(ExitCode.OK)
    from declone.cli import scan_view  # rich, which a JSON reader does not need

    if args.family is not None and index.family(args.family) is not None:
        scan_view.print_family(index, args.family, show_all=args.all)
        group = index.name_group(args.family)
        if group is not None:
            output.stdout().print()
            scan_view.print_name_group(group, show_all=args.all)
    elif args.family is not None:
        group = index.name_group(args.family)
        assert group is not None
        scan_view.print_name_group(group, show_all=args.all)
    if occurrences is not None:
        scan_view.print_occurrences(occurrences, show_all=args.all)
    else:
        scan_view.print_summary(index, stats, show_all=args.all)
    return int(ExitCode.OK)
