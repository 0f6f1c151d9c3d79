"""Terminal views of a scan: the ranked family table and one family in detail."""

from __future__ import annotations

from collections import Counter

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from declone.cli import output
from declone.model import Compatibility, Family, ScanIndex
from declone.scan import ScanStats

__all__ = ["family_table", "print_family", "print_summary"]

_TOP = 25


def family_table(
    families: tuple[Family, ...], *, title: str = "Duplicated class families"
) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("#", justify="right", style="dim")
    table.add_column("family")
    table.add_column("copies", justify="right")
    table.add_column("files", justify="right")
    table.add_column("variants", justify="right")
    table.add_column("lines", justify="right")
    table.add_column("warnings", justify="right")
    table.add_column("same/sub/div")
    table.add_column("also named")
    for rank, family in enumerate(families, 1):
        verdicts = Counter(v.compatibility for v in family.verdicts)
        table.add_row(
            str(rank),
            escape(family.name),
            str(len(family.copies)),
            str(len(family.files)),
            str(len(family.variants)),
            str(family.duplicated_lines),
            str(family.warning_count) if family.warning_count else "",
            " / ".join(
                str(verdicts[c])
                for c in (Compatibility.IDENTICAL, Compatibility.SUBSET, Compatibility.DIVERGENT)
            ),
            escape(", ".join(family.names[1:])),
        )
    return table


def print_summary(index: ScanIndex, stats: ScanStats, *, show_all: bool) -> None:
    console = output.stdout()
    shown = index.families if show_all else index.families[:_TOP]
    if index.families:
        console.print(family_table(shown))
        if len(shown) < len(index.families):
            console.print(f"… {len(index.families) - len(shown)} more families (--all lists them)")
    else:
        console.print("No duplicated class families.")
    copies = sum(len(f.copies) for f in index.families)
    lines = sum(f.duplicated_lines for f in index.families)
    console.print(
        f"\n{len(index.families)} families, {copies} live copies, {lines} duplicated lines; "
        f"{len(index.warning_sources)} helpers make pytest warn (PytestCollectionWarning)."
    )
    _print_list(
        "Test classes pytest cannot collect (their tests never run)",
        [f"{c.location}  {c.qualname}" for c in index.uncollectable_tests],
    )
    _print_list(
        "Commented-out copies (not live code)",
        [f"{c.path}:{c.lineno}-{c.end_lineno}  {c.name}" for c in index.commented],
    )
    _print_list(
        "Copies in backup files (not live code)",
        [f"{c.location}  {c.qualname}" for c in index.backup_copies],
    )
    _print_list("Files skipped", [str(p) for p in index.problems])
    output.info(
        f"scanned {stats.files} files ({stats.parsed} parsed, {stats.from_cache} from cache) "
        f"in {stats.seconds:.2f}s"
    )


def _print_list(title: str, rows: list[str]) -> None:
    if not rows:
        return
    console = output.stdout()
    console.print(f"\n[bold]{escape(title)}[/] ({len(rows)})")
    for row in rows:
        console.print(f"  {escape(row)}")


def print_family(index: ScanIndex, name: str) -> None:
    family = index.family(name)
    if family is None:  # the command checked already
        return
    console = output.stdout()
    console.print(family_table((family,), title=f"Family {family.name}"))
    console.print(f"matched by: {', '.join(family.matched_by)}")
    for number, variant in enumerate(family.variants):
        label = "dominant" if number == 0 else f"differs from {family.dominant.id}"
        console.print(
            f"\n[bold]variant {variant.id}[/] ({variant.count} copies, {label}); "
            f"representative {escape(variant.representative.location)}"
        )
        diff = variant.diff
        facts = [
            ("adds", ", ".join(diff.methods_added)),
            ("lacks", ", ".join(diff.methods_missing)),
            ("sync/async", ", ".join(f"{m}: {c}" for m, c in diff.async_changes)),
            ("signatures", "; ".join(f"{a} -> {b}" for _, a, b in diff.signature_changes)),
            ("attributes added", ", ".join(diff.attributes_added)),
            ("attributes missing", ", ".join(diff.attributes_missing)),
        ]
        for label_text, value in facts:
            if value:
                console.print(f"  {label_text}: {escape(value)}")
        if diff.source_diff:
            console.print(
                Syntax(diff.source_diff, "diff", theme="ansi_dark", background_color="default")
            )
    table = Table(title="Copies", title_justify="left", header_style="bold")
    table.add_column("location")
    table.add_column("name")
    table.add_column("verdict")
    table.add_column("reason")
    for verdict in family.verdicts:
        copy = verdict.copy
        where = escape(copy.location) + (" (in a function)" if copy.in_function else "")
        table.add_row(
            where, escape(copy.qualname), verdict.compatibility.value, escape(verdict.reason)
        )
    console.print(table)
