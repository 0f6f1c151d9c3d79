"""``declone measure`` at a terminal: the figures, the slowest modules, the comparison."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from declone.cli import output
from declone.cli.output import Column

if TYPE_CHECKING:
    from declone.measure import Comparison, Measurement

__all__ = ["print_comparison", "print_measurement"]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _short_location(location: str) -> str:
    """A library's file as its import path shows it: ``.../site-packages/x/y.py`` -> ``x/y.py``."""
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in location:
            return location.rsplit(marker, 1)[1]
    return location


def print_measurement(result: Measurement, comparison: Comparison | None) -> None:
    console = output.stdout()
    rss = "-" if result.peak_rss_bytes is None else f"{result.peak_rss_bytes / 2**20:.1f} MiB"
    console.print(
        f"[bold]pytest {result.pytest_version}[/] on Python {result.python_version} "
        f"({result.python})"
    )
    console.print(
        f"wall {result.wall_rounds.describe()} · cpu {_seconds(result.cpu_seconds)} · "
        f"peak RSS {rss} · {len(result.test_ids)} tests · {len(result.errors)} errors · "
        f"{len(result.warnings)} warnings"
    )
    forced = ", ".join(result.forced_options)
    if result.overridden_options:
        forced += f" (overrides the repo's {' '.join(result.overridden_options)})"
    console.print(f"forced: {forced}", markup=False)
    if result.partial:
        console.print(f"[bold red]PARTIAL:[/] {result.partial_reason}")

    width = console.width
    rows: list[tuple[str, ...]]
    if result.errors:
        rows = [
            (escape(e.path), escape(e.exception_type), escape(e.message)) for e in result.errors
        ]
        console.print(output.fitted_table("Collection errors", _ERROR_COLUMNS, rows, width))
    if result.warnings:
        rows = [
            (str(group.count), escape(group.category), escape(group.pattern))
            for group in result.warning_groups
        ]
        console.print(output.fitted_table("Warnings", _WARNING_COLUMNS, rows, width))
    if result.collection_warnings:
        rows = [
            (escape(f"{warning.path}:{warning.lineno}"), escape(warning.subject))
            for warning in result.collection_warnings
        ]
        console.print(
            output.fitted_table("PytestCollectionWarning sources", _SOURCE_COLUMNS, rows, width)
        )
    rows = [
        (
            f"{module.seconds:.3f}",
            str(module.tests),
            escape(module.path + (" (interrupted)" if module.interrupted else "")),
            escape(
                output.first_of(
                    [f"{t.module} {t.cumulative_us / 1000:.0f} ms" for t in module.imports]
                )
            ),
        )
        for module in result.modules[:_TOP_ROWS]
    ]
    console.print(
        output.fitted_table("Slowest modules (import included)", _MODULE_COLUMNS, rows, width)
    )
    if result.imports:
        rows = [
            (f"{t.cumulative_us / 1000:.1f}", escape(t.module), escape(t.importer))
            for t in result.imports[:_TOP_ROWS]
        ]
        console.print(output.fitted_table("Slowest imports", _IMPORT_COLUMNS, rows, width))
    if result.profile:
        rows = [
            (
                f"{entry.cumulative_seconds:.3f}",
                str(entry.calls),
                escape(entry.function),
                escape(_short_location(entry.location)),
            )
            for entry in result.profile[:_TOP_ROWS]
        ]
        console.print(output.fitted_table("Profile (cumulative)", _PROFILE_COLUMNS, rows, width))
    if result.changed_files:
        rows = [(escape(str(change.kind)), escape(change.path)) for change in result.changed_files]
        console.print(
            output.fitted_table("Files the collection changed", _CHANGE_COLUMNS, rows, width)
        )
    if comparison is not None:
        print_comparison(comparison)


def print_comparison(comparison: Comparison) -> None:

    console = output.stdout()
    console.print(
        f"[bold]against baseline {comparison.baseline!r}:[/] wall {comparison.time.summary()}"
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


_ERROR_COLUMNS = (Column("path", "key"), Column("exception", "word"), Column("message", "text"))
_WARNING_COLUMNS = (
    Column("count", "number"),
    Column("category", "word"),
    Column("pattern", "text"),
)
_SOURCE_COLUMNS = (Column("location", "key"), Column("class", "word", detail=""))
_MODULE_COLUMNS = (
    Column("seconds", "number"),
    Column("tests", "number"),
    Column("path", "key"),
    Column("slowest imports", "text", detail="imports"),
)
_IMPORT_COLUMNS = (
    Column("ms", "number"),
    Column("module", "key"),
    Column("imported while collecting", "text", detail="imported while collecting"),
)
_PROFILE_COLUMNS = (
    Column("seconds", "number"),
    Column("calls", "number"),
    Column("function", "key"),
    Column("location", "text", detail=""),
)
_CHANGE_COLUMNS = (Column("change", "word"), Column("path", "key"))
_TOP_ROWS = 15
