"""Options that several commands share, and what they turn into: the settings, the root.

A command module adds its own options and takes these from here; no command imports another.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.config import Settings
    from declone.measure import Jobs
    from declone.plan import PreparedPlan, PreparedPlans
    from declone.scan import ScanStats

__all__ = [
    "add_canonical_options",
    "add_scan_options",
    "parse_jobs",
    "positive_seconds",
    "prepare_plan_from_args",
    "prepare_plans_from_args",
    "relative_to_root",
    "resolve_root",
    "settings_from_args",
    "warn_if_uncached",
]


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
        help="fewest statements for a structural match (default 4)",
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


def settings_from_args(args: argparse.Namespace) -> Settings:
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


def warn_if_uncached(stats: ScanStats) -> None:
    """On stderr, why a scan that was to use its cache went without it (it ran slower)."""
    if stats.cache_problem:
        from declone.cli import output

        output.warn(
            f"the scan cache was not used ({stats.cache_problem}); every file was read and "
            "parsed: --cache-dir or [tool.declone] cache-dir puts it elsewhere"
        )


def add_canonical_options(parser: argparse.ArgumentParser, *, unsafe: bool = True) -> None:
    """``FAMILY``, ``--root`` and the canonical's options; ``plan`` and ``migrate`` share them
    (with ``--unsafe``; ``finalize`` without it)."""
    parser.add_argument(
        "family", metavar="FAMILY", help="the family's name, as `declone scan` shows it"
    )
    parser.add_argument("--root", type=Path, help="repository root (default: the current folder)")
    group = parser.add_argument_group("canonical class (one of)")
    group.add_argument(
        "--canonical",
        metavar="MODULE:CLASS",
        help="an existing class, e.g. tests.support.websocket:FakeWebSocketConnection, or the "
        "built-in double declone.testing.websocket:FakeWebSocketConnection",
    )
    group.add_argument(
        "--extract-to",
        metavar="PATH",
        help="write a new module at PATH from one of the family's variants",
    )
    group.add_argument(
        "--variant",
        default="dominant",
        metavar="dominant|ID",
        help="with --extract-to: the variant to extract, the dominant one or another by its id",
    )
    group.add_argument("--name", metavar="CLASS", help="with --extract-to: the class's new name")
    group.add_argument(
        "--python",
        metavar="PY",
        help="the target's interpreter; by default ROOT/.venv/bin/python if present, else declone's",
    )
    if unsafe:
        parser.add_argument(
            "--unsafe",
            action="store_true",
            help="also plan unsafe actions: residuals that redefine most of the canonical, "
            "classes that may register where they are defined",
        )
    add_scan_options(parser)


def parse_jobs(text: str) -> Jobs:
    """``--jobs``: a positive number of processes, or ``auto`` (every core)."""
    if text == "auto":
        return "auto"
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number or 'auto'")
    return count


def positive_seconds(text: str) -> float:
    """``--timeout``: a positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number of seconds")
    return seconds


def prepare_plan_from_args(args: argparse.Namespace, *, show_progress: bool) -> PreparedPlan:
    """The canonical options' one plan (``finalize``): a ``{scope}`` template is refused."""
    prepared = prepare_plans_from_args(args, show_progress=show_progress)
    if len(prepared.parts) != 1:
        raise DecloneError(
            f"--extract-to {args.extract_to}: {{scope}} makes one plan per scope; this command "
            "takes one canonical",
            ExitCode.USAGE,
        )
    return prepared.parts[0]


def prepare_plans_from_args(
    args: argparse.Namespace, *, show_progress: bool, propose: bool = False
) -> PreparedPlans:
    """The canonical options' plans (``plan``, ``migrate``): one, or one per import scope
    with ``--extract-to '{scope}/...'``; the scan's progress drawn while it runs."""
    from declone.cli import output
    from declone.measure import choose_interpreter
    from declone.plan import PlanRequest, prepare_plans

    only_paths = list(getattr(args, "only_paths", None) or [])
    args.paths = []
    settings = settings_from_args(args)
    request = PlanRequest(
        family=args.family,
        canonical=args.canonical,
        extract_to=args.extract_to,
        variant=args.variant,
        name=args.name,
        python=choose_interpreter(settings.root, args.python),
        only_paths=tuple(relative_to_root(settings.root, path) for path in only_paths),
        drop_comments=bool(getattr(args, "drop_comments", False)),
        propose=propose,
        unsafe=getattr(args, "unsafe", False),
    )
    with output.progress("scanning", None, enabled=show_progress) as bar:
        prepared = prepare_plans(settings, request, on_total=bar.set_total, on_progress=bar.advance)
    warn_if_uncached(prepared.stats)
    return prepared


def relative_to_root(root: Path, given: str) -> str:
    """A ``--paths`` argument as a root-relative POSIX path (``""`` for the root): read from
    the current folder when it lies under the root, else from the root."""
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        text = absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        text = Path(given).as_posix()
    return "" if text == "." else text
