"""``declone measure`` at a terminal: the figures, the slowest modules, the comparison."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from declone.cli import output

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
        print_comparison(comparison)


def print_comparison(comparison: Comparison) -> None:

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
