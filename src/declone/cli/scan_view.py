"""Terminal views of a scan: the ranked family table and one family in detail."""

from __future__ import annotations

from collections import Counter

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from declone.cli import output
from declone.model import Compatibility, Family, NameGroup, NameGroupKind, ScanIndex
from declone.scan import OccurrenceKind, Occurrences, ScanStats

__all__ = [
    "family_table",
    "print_family",
    "print_name_group",
    "print_occurrences",
    "print_summary",
]

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
    table.add_column("removable", justify="right")
    table.add_column("warnings", justify="right")
    table.add_column("same/sub/div")
    table.add_column("also named")
    shared = {name for name, count in Counter(f.name for f in families).items() if count > 1}
    for rank, family in enumerate(families, 1):
        verdicts = Counter(v.compatibility for v in family.verdicts)
        table.add_row(
            str(rank),
            escape(family.id if family.name in shared else family.name),
            str(len(family.copies)),
            str(len(family.files)),
            str(len(family.variants)),
            str(family.removable_lines),
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
            more = output.plural(len(index.families) - len(shown), "more family")
            console.print(f"… {more} (--all lists them)")
    else:
        console.print("No duplicated class families.")
    copies = sum(len(f.copies) for f in index.families)
    lines = sum(f.duplicated_lines for f in index.families)
    removable = sum(f.removable_lines for f in index.families)
    warning = len(index.warning_sources)
    console.print(
        f"\n{output.plural(len(index.families), 'family')}, {output.plural(copies, 'live copy')}, "
        f"{output.plural(lines, 'duplicated line')}, {removable} removable by consolidation; "
        f"{output.plural(warning, 'helper')} {'makes' if warning == 1 else 'make'} pytest warn "
        "(PytestCollectionWarning)."
    )
    _print_groups(index, NameGroupKind.SAME_NAME, show_all=show_all)
    _print_groups(index, NameGroupKind.NESTED, show_all=show_all)
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
        f"scanned {output.plural(stats.files, 'file')} "
        f"({stats.parsed} parsed, {stats.from_cache} from cache) "
        f"in {stats.seconds:.2f}s"
    )


_GROUP_TITLES = {
    NameGroupKind.SAME_NAME: "Same name, different classes (not duplication)",
    NameGroupKind.NESTED: "Classes nested in classes (an import cannot replace them)",
}


def _print_groups(index: ScanIndex, kind: NameGroupKind, *, show_all: bool) -> None:
    groups = sorted(
        (g for g in index.name_groups if g.kind is kind), key=lambda g: (-len(g.copies), g.name)
    )
    shown = groups if show_all else groups[:_TOP]
    rows = [
        f"{g.name}: {_classes_in_files(g)}"
        + (f"; {g.in_families} more in families" if g.in_families else "")
        for g in shown
    ]
    if len(shown) < len(groups):
        more = output.plural(len(groups) - len(shown), "more name")
        rows.append(f"… {more} (--all lists them)")
    _print_list(f"{_GROUP_TITLES[kind]}", rows, count=len(groups))


def print_name_group(group: NameGroup) -> None:
    """A name that is not a family: where each of its classes is."""
    console = output.stdout()
    console.print(
        f"[bold]{escape(group.name)}[/]: {_GROUP_TITLES[group.kind].lower()}; "
        f"{escape(_classes_in_files(group))}"
        + (f", {group.in_families} more in duplicate families" if group.in_families else "")
    )
    for copy in group.copies:
        where = copy.location + (" (in a function)" if copy.in_function else "")
        console.print(f"  {escape(where)}  {escape(copy.qualname)}  body {copy.shape[:8]}")


def _classes_in_files(group: NameGroup) -> str:
    """``3 classes in 2 files, 1 body``."""
    return (
        f"{output.plural(len(group.copies), 'class')} in {output.plural(len(group.files), 'file')}, "
        f"{output.plural(group.distinct_bodies, 'body')}"
    )


def _print_list(title: str, rows: list[str], *, count: int | None = None) -> None:
    if not rows:
        return
    console = output.stdout()
    console.print(f"\n[bold]{escape(title)}[/] ({len(rows) if count is None else count})")
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
            f"\n[bold]variant {variant.id}[/] ({output.plural(variant.count, 'copy')}, {label}); "
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
    _print_list(
        "Related production classes (alike, not copies: test code does not take them in)",
        [
            f"{related.ref.location}  {related.ref.qualname}  similarity {related.similarity:.2f}"
            for related in family.related
        ],
    )


_OCCURRENCE_LABELS = {
    OccurrenceKind.LIVE_COPY: "live copies (helpers at module level)",
    OccurrenceKind.TEST_CLASS: "test classes pytest collects",
    OccurrenceKind.UNCOLLECTABLE_TEST: "test classes pytest cannot collect",
    OccurrenceKind.NESTED: "nested in a class",
    OccurrenceKind.IN_FUNCTION: "defined in a function",
    OccurrenceKind.COMMENTED: "commented out",
    OccurrenceKind.BACKUP: "in a backup file or folder",
    OccurrenceKind.IN_STRING: "in a string",
    OccurrenceKind.UNPARSED: "in a file that does not parse",
    OccurrenceKind.OTHER: "other text (a comment, a string's first line)",
}
_SHOWN_PER_KIND = 3


def print_occurrences(occurrences: Occurrences, *, show_all: bool) -> None:
    """Every line that says ``class NAME``, by bucket, and the grep that counts them too."""
    console = output.stdout()
    name = occurrences.name
    console.print(
        f"\n[bold]`class {escape(name)}` on {output.plural(occurrences.total, 'line')}[/] "
        f"of the {output.plural(occurrences.files, 'file')} "
        "this scan reads; over the same files (no virtualenv, nothing .gitignore or "
        "[tool.declone] exclude leaves out) "
        f"grep -rnw --include='*.py' --include='*.py.*' 'class {escape(name)}' . "
        "counts the same:"
    )
    by_kind = occurrences.by_kind()
    width = max((len(_OCCURRENCE_LABELS[kind]) for kind in by_kind), default=0)
    for kind, count in by_kind.items():
        console.print(f"  {_OCCURRENCE_LABELS[kind]:<{width}}  {count:>6}")
        items = [item for item in occurrences.items if item.kind is kind]
        for item in items if show_all else items[:_SHOWN_PER_KIND]:
            console.print(f"      {escape(item.path)}:{item.lineno}")
        if not show_all and len(items) > _SHOWN_PER_KIND:
            console.print(f"      … {len(items) - _SHOWN_PER_KIND} more (--all lists them)")
    if occurrences.longer_names:
        lines = occurrences.longer_names
        console.print(
            f"  and {output.plural(lines, 'line')} naming a longer class "
            f"(`class {escape(name)}…`), which a grep without -w counts too"
        )
