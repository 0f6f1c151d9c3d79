"""``declone measure``: what the target's own pytest collection costs, warns about and yields.

Exit codes: 0 when the collection was measured, whatever the target's own collection errors
(they are part of the result); 4 (``ExitCode.TARGET``) when pytest is missing from the target
interpreter, stopped before collecting, or was stopped by ``--timeout`` (the partial result is
still shown and saved).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.measure import Comparison, Measurement

__all__ = ["add_arguments", "run"]

_PROFILE_FUNCTIONS = 30


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, help="the repository to measure (default: current directory)"
    )
    parser.add_argument(
        "--python",
        metavar="PY",
        help="the target's interpreter (default: ROOT/.venv/bin/python if present, else this one)",
    )
    parser.add_argument("--save", metavar="NAME", help="name this measurement as a baseline")
    parser.add_argument(
        "--compare", metavar="NAME", help="show the change against the baseline NAME"
    )
    parser.add_argument("--json", action="store_true", help="write the full result as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="stop pytest after S seconds; what was collected so far is kept, marked partial",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the collection with cProfile; show the top functions by cumulative time",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_options(parser)
    parser.add_argument(
        "words",
        nargs=argparse.REMAINDER,
        metavar="[PATH ...] [-- PYTEST_ARGS]",
        help="paths to collect (default: the repo's testpaths); pytest options after --",
    )


def _split_words(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Paths before ``--`` and pytest's own arguments after it.

    The positional words swallow any option given after the first path, so those words are
    parsed again for declone's options.
    """
    words: list[str] = list(args.words)
    if "--" in words:
        cut = words.index("--")
        before, after = words[:cut], words[cut + 1 :]
    else:
        before, after = words, []
    if any(word.startswith("-") for word in before):
        reparser = argparse.ArgumentParser(prog="declone measure", add_help=False)
        _add_options(reparser)
        reparser.add_argument("paths", nargs="*")
        namespace, unknown = reparser.parse_known_args(before, namespace=args)
        if unknown:
            raise DecloneError(
                f"declone measure: unknown option {unknown[0]}; put pytest's own options after --"
            )
        before = list(namespace.paths)
    return before, after


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run(args: argparse.Namespace) -> int:
    from declone import history, measure, output, pytestrun

    paths, pytest_args = _split_words(args)
    root = (args.root or Path.cwd()).absolute()
    if not root.is_dir():
        raise DecloneError(f"{root}: not a directory; pass --root the repository to measure")
    if args.timeout is not None and args.timeout <= 0:
        raise DecloneError(f"--timeout {args.timeout:g}: must be positive")
    python = pytestrun.choose_interpreter(root, args.python)
    connection = history.open_history(root / history.HISTORY_PATH)
    try:
        baseline = None
        if args.compare:
            baseline = history.load_baseline(connection, args.compare)
            if baseline is None:
                raise DecloneError(
                    f"{root / history.HISTORY_PATH}: no baseline named {args.compare!r}; "
                    f"save one first with: declone measure --save {args.compare}"
                )
        git = history.read_git_state(root)
        arguments = measure.collect_arguments(paths, pytest_args)
        output.info(f"measuring collection: {python} {' '.join(arguments)}")
        before = pytestrun.snapshot_tree(root)
        process = pytestrun.run_pytest(
            python,
            arguments,
            cwd=root,
            timeout=args.timeout,
            import_markers=True,
            profile=_PROFILE_FUNCTIONS if args.profile else 0,
        )
        changed = measure.diff_snapshots(before, pytestrun.snapshot_tree(root))
        pytestrun.ensure_started(process)
        result = measure.build_measurement(
            process.events,
            process.stderr,
            root=str(root),
            python=python,
            command=process.command,
            wall_seconds=process.wall_seconds,
            exit_code=process.exit_code,
            timeout=args.timeout,
            changed_files=changed,
        )
        created_at = _now()
        measurement_id = history.save_measurement(
            connection, result, created_at=created_at, git=git
        )
        if args.save:
            history.name_baseline(connection, args.save, measurement_id, named_at=created_at)
    finally:
        connection.close()
    comparison = (
        measure.compare_measurements(args.compare, baseline.measurement, result)
        if baseline is not None
        else None
    )
    if args.json:
        document: dict[str, Any] = {
            "schema_version": _schema_version(),
            "measurement_id": measurement_id,
            "created_at": created_at,
            "git": None
            if git is None
            else {"commit": git.commit, "branch": git.branch, "dirty": git.dirty},
            "baseline": args.save,
            "measurement": measure.measurement_to_json(result),
            "comparison": None if comparison is None else measure.comparison_to_json(comparison),
        }
        output.emit_json(document)
    else:
        _print_summary(result, comparison)
    saved = f"saved measurement #{measurement_id}"
    output.info(saved + (f" as baseline {args.save!r}" if args.save else ""))
    if result.partial:
        output.error(
            f"{root}: {result.partial_reason}; the results above are partial, "
            "raise --timeout or look at the module named"
        )
        return int(ExitCode.TARGET)
    return int(ExitCode.OK)


def _schema_version() -> int:
    from declone.model import SCHEMA_VERSION

    return SCHEMA_VERSION


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _short_location(location: str) -> str:
    """A library's file as its import path shows it: ``.../site-packages/x/y.py`` -> ``x/y.py``."""
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in location:
            return location.rsplit(marker, 1)[1]
    return location


def _print_summary(result: Measurement, comparison: Comparison | None) -> None:
    from rich.table import Table

    from declone import output

    console = output.stdout()
    rss = "-" if result.peak_rss_bytes is None else f"{result.peak_rss_bytes / 2**20:.1f} MiB"
    console.print(
        f"[bold]pytest {result.pytest_version}[/] on Python {result.python_version} "
        f"({result.python})"
    )
    console.print(
        f"wall {_seconds(result.wall_seconds)} · cpu {_seconds(result.cpu_seconds)} · "
        f"peak RSS {rss} · {len(result.test_ids)} tests · {len(result.errors)} errors · "
        f"{len(result.warnings)} warnings"
    )
    forced = ", ".join(result.forced_options)
    if result.overridden_options:
        forced += f" (overrides the repo's {' '.join(result.overridden_options)})"
    console.print(f"forced: {forced}", markup=False)
    if result.partial:
        console.print(f"[bold red]PARTIAL:[/] {result.partial_reason}")

    def table(title: str, *columns: str) -> Table:
        grid = Table(title=title, title_justify="left", title_style="bold")
        for column in columns:
            grid.add_column(column, justify="right" if column in _NUMERIC else "left")
        return grid

    if result.errors:
        errors = table("Collection errors", "path", "exception", "message")
        for error in result.errors:
            errors.add_row(error.path, error.exception_type, error.message)
        console.print(errors)
    if result.warnings:
        groups = table("Warnings", "count", "category", "pattern")
        for group in result.warning_groups:
            groups.add_row(str(group.count), group.category, group.pattern)
        console.print(groups)
    if result.collection_warnings:
        sources = table("PytestCollectionWarning sources", "class", "module")
        for warning in result.collection_warnings:
            sources.add_row(warning.subject, f"{warning.path}:{warning.lineno}")
        console.print(sources)
    modules = table(
        "Slowest modules (import included)", "seconds", "tests", "path", "slowest imports"
    )
    for module in result.modules[:_TOP_ROWS]:
        imports = ", ".join(
            f"{timing.module} {timing.cumulative_us / 1000:.0f} ms" for timing in module.imports
        )
        mark = " (interrupted)" if module.interrupted else ""
        modules.add_row(f"{module.seconds:.3f}", str(module.tests), module.path + mark, imports)
    console.print(modules)
    if result.imports:
        imports_table = table("Slowest imports", "ms", "module", "imported while collecting")
        for timing in result.imports[:_TOP_ROWS]:
            imports_table.add_row(
                f"{timing.cumulative_us / 1000:.1f}", timing.module, timing.importer
            )
        console.print(imports_table)
    if result.profile:
        profile = table("Profile (cumulative)", "seconds", "calls", "function", "location")
        for entry in result.profile[:_TOP_ROWS]:
            profile.add_row(
                f"{entry.cumulative_seconds:.3f}",
                str(entry.calls),
                entry.function,
                _short_location(entry.location),
            )
        console.print(profile)
    if result.changed_files:
        changes = table("Files the collection changed", "change", "path")
        for change in result.changed_files:
            changes.add_row(str(change.kind), change.path)
        console.print(changes)
    if comparison is not None:
        _print_comparison(comparison)


def _print_comparison(comparison: Comparison) -> None:
    from declone import output

    console = output.stdout()
    ratio = comparison.wall_ratio
    console.print(
        f"[bold]against baseline {comparison.baseline!r}:[/] wall "
        f"{_seconds(comparison.wall_before)} -> {_seconds(comparison.wall_after)}"
        + (f" (x{ratio:.2f})" if ratio is not None else "")
    )
    for change in comparison.warnings:
        console.print(f"  {change.key}: {change.before} -> {change.after}", markup=False)
    for error in comparison.errors_added:
        console.print(
            f"  new error: {error.path}: {error.exception_type}: {error.message}", markup=False
        )
    for error in comparison.errors_removed:
        console.print(f"  fixed error: {error.path}: {error.exception_type}", markup=False)
    console.print(
        f"  tests: +{len(comparison.tests_added)} -{len(comparison.tests_removed)}", markup=False
    )
    for sign, test_ids in (("+", comparison.tests_added), ("-", comparison.tests_removed)):
        for test_id in test_ids[:_TOP_ROWS]:
            console.print(f"    {sign} {test_id}", markup=False)
    for module in comparison.modules:
        if module.delta:
            console.print(
                f"  {module.path}: {module.before_seconds:.3f} s -> {module.after_seconds:.3f} s",
                markup=False,
            )


_NUMERIC = frozenset({"seconds", "tests", "count", "ms", "calls"})
_TOP_ROWS = 15
