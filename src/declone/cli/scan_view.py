"""Terminal views of a scan: the ranked family table and one family in detail.

Laid out for 80 columns first (``output.fitted_table``): a family's name and a copy's
``path:line`` are never cut, and a family of hundreds of copies is told variant by variant,
each with its first few copies and "+N more"; ``--all`` lists every copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from declone.cli import output
from declone.cli.output import Column
from declone.model import (
    ClassRecord,
    ClassRef,
    Compatibility,
    Family,
    NameGroup,
    NameGroupKind,
    ScanIndex,
    Variant,
)
from declone.scan import OccurrenceKind, Occurrences, ScanStats

__all__ = [
    "family_table",
    "print_family",
    "print_name_group",
    "print_occurrences",
    "print_summary",
]

#: Families and names the summary ranks before "+N more".
_TOP = 25
#: Items of one of the summary's lists (commented-out copies, skipped files...).
_LISTED = 10
#: Copies listed under each variant, and variants (or a name's bodies) told in full.
_COPIES_SHOWN = 3
_VARIANTS_SHOWN = 8
#: Up to this many copies, ``--family`` tables every copy with its verdict without ``--all``.
_COPIES_TABLED = 25

_VERDICTS = (Compatibility.IDENTICAL, Compatibility.SUBSET, Compatibility.DIVERGENT)

_FAMILY_COLUMNS = (
    Column("#", "number"),
    Column("family", "key"),
    Column("copies", "number"),
    Column("files", "number", detail="files"),
    Column("var", "number"),
    Column("lines", "number"),
    Column("warn", "number"),
    Column("same/sub/div", "word"),
    Column("also named", "text", detail="also named"),
)
_FAMILY_LEGEND = (
    ("var", "variants"),
    ("lines", "removable lines"),
    ("warn", "helpers pytest warns about"),
    ("same/sub/div", "identical, subset, divergent copies"),
)


def family_table(
    families: Sequence[Family], width: int, *, title: str = "Duplicated class families"
) -> Table:
    shared = {name for name, count in Counter(f.name for f in families).items() if count > 1}
    rows = []
    for rank, family in enumerate(families, 1):
        verdicts = Counter(v.compatibility for v in family.verdicts)
        rows.append(
            (
                str(rank),
                escape(family.id if family.name in shared else family.name),
                str(len(family.copies)),
                str(len(family.files)),
                str(len(family.variants)),
                str(family.removable_lines),
                str(family.warning_count) if family.warning_count else "",
                "/".join(str(verdicts[c]) for c in _VERDICTS),
                escape(", ".join(family.names[1:])),
            )
        )
    return output.fitted_table(title, _FAMILY_COLUMNS, rows, width)


def print_summary(index: ScanIndex, stats: ScanStats, *, show_all: bool) -> None:
    console = output.stdout()
    shown = index.families if show_all else index.families[:_TOP]
    if index.families:
        console.print(family_table(shown, console.width))
        output.legend(console, _FAMILY_LEGEND)
        if len(shown) < len(index.families):
            console.print(output.more(len(index.families) - len(shown), "families"))
    else:
        console.print("No duplicated class families.")
    copies = sum(len(f.copies) for f in index.families)
    lines = sum(f.duplicated_lines for f in index.families)
    removable = sum(f.removable_lines for f in index.families)
    warning = len(index.warning_sources)
    console.print()
    output.print_wrapped(
        console,
        f"{output.plural(len(index.families), 'family')}, {output.plural(copies, 'live copy')}, "
        f"{output.plural(lines, 'duplicated line')}, {removable} removable by consolidation; "
        f"{output.plural(warning, 'helper')} {'makes' if warning == 1 else 'make'} pytest warn "
        "(PytestCollectionWarning).",
        indent=0,
        hang=0,
    )
    _print_groups(index, NameGroupKind.SAME_NAME, show_all=show_all)
    _print_groups(index, NameGroupKind.NESTED, show_all=show_all)
    _print_list(
        "Test classes pytest cannot collect (their tests never run)",
        [f"{c.location}  {c.qualname}" for c in index.uncollectable_tests],
        show_all=show_all,
    )
    _print_list(
        "Commented-out copies (not live code)",
        [f"{c.path}:{c.lineno}-{c.end_lineno}  {c.name}" for c in index.commented],
        show_all=show_all,
    )
    _print_list(
        "Copies in backup files (not live code)",
        [f"{c.location}  {c.qualname}" for c in index.backup_copies],
        show_all=show_all,
    )
    _print_list("Files skipped", [str(p) for p in index.problems], show_all=show_all)
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
        rows.append(output.more(len(groups) - len(shown), "names"))
    _print_list(_GROUP_TITLES[kind], rows, count=len(groups), show_all=True)


def print_name_group(group: NameGroup, *, show_all: bool = False) -> None:
    """A name that is not a family: its classes body by body, the commonest body first."""
    console = output.stdout()
    output.paragraph(
        console,
        f"[bold]{escape(group.name)}[/]: {_GROUP_TITLES[group.kind].lower()}; "
        f"{escape(_classes_in_files(group))}"
        + (f", {group.in_families} more in duplicate families" if group.in_families else ""),
    )
    bodies: dict[str, list[ClassRef]] = {}
    for ref in group.copies:
        bodies.setdefault(ref.shape, []).append(ref)
    ranked = sorted(bodies.values(), key=lambda refs: -len(refs))
    shown = ranked if show_all else ranked[:_VARIANTS_SHOWN]
    for refs in shown:
        console.print(f"  body {refs[0].shape[:8]} ({output.plural(len(refs), 'class')})")
        _print_copies(
            [_where(r.location, r.qualname, group.name, r.in_function) for r in refs],
            show_all=show_all,
            indent=4,
        )
    if len(shown) < len(ranked):
        output.print_wrapped(console, output.more(len(ranked) - len(shown), "bodies"))


def _classes_in_files(group: NameGroup) -> str:
    """``3 classes in 2 files, 1 body``."""
    return (
        f"{output.plural(len(group.copies), 'class')} in {output.plural(len(group.files), 'file')}, "
        f"{output.plural(group.distinct_bodies, 'body')}"
    )


def _print_list(
    title: str, rows: list[str], *, count: int | None = None, show_all: bool = False
) -> None:
    if not rows:
        return
    console = output.stdout()
    console.print(f"\n[bold]{escape(title)}[/] ({len(rows) if count is None else count})")
    shown = rows if show_all else rows[:_LISTED]
    for row in shown:
        output.print_wrapped(console, row)
    if len(shown) < len(rows):
        output.print_wrapped(console, output.more(len(rows) - len(shown)))


def _where(location: str, qualname: str, name: str, in_function: bool) -> str:
    """A copy's ``path:line:col``, its name when it is not the family's, and where it lives."""
    return (
        location
        + (f"  {qualname}" if qualname != name else "")
        + (" (in a function)" if in_function else "")
    )


def _print_copies(rows: Sequence[str], *, show_all: bool, indent: int = 2) -> None:
    console = output.stdout()
    shown = rows if show_all else rows[:_COPIES_SHOWN]
    for row in shown:
        output.print_wrapped(console, row, indent=indent)
    if len(shown) < len(rows):
        output.print_wrapped(console, output.more(len(rows) - len(shown)), indent=indent)


_COPY_COLUMNS = (
    Column("location", "key"),
    Column("other name", "word", detail=""),
    Column("verdict", "word"),
    Column("reason", "text", detail=""),
)


def print_family(index: ScanIndex, name: str, *, show_all: bool = False) -> None:
    """One family: its row, then variant by variant how it differs and its first copies, then
    every copy's verdict (for a family of hundreds of copies, only with ``show_all``)."""
    family = index.family(name)
    if family is None:  # the command checked already
        return
    console = output.stdout()
    console.print(family_table((family,), console.width, title=f"Family {family.name}"))
    output.legend(console, _FAMILY_LEGEND)
    output.print_wrapped(console, f"matched by: {', '.join(family.matched_by)}", indent=0)
    variants = family.variants if show_all else family.variants[:_VARIANTS_SHOWN]
    for number, variant in enumerate(variants):
        _print_variant(family, variant, dominant=number == 0, show_all=show_all)
    if len(variants) < len(family.variants):
        console.print()
        output.print_wrapped(
            console, output.more(len(family.variants) - len(variants), "variants"), indent=0
        )
    if show_all or len(family.copies) <= _COPIES_TABLED:
        rows = [
            (
                escape(verdict.copy.location)
                + (" (in a function)" if verdict.copy.in_function else ""),
                escape(verdict.copy.qualname if verdict.copy.qualname != family.name else ""),
                verdict.compatibility.value,
                escape(verdict.reason),
            )
            for verdict in family.verdicts
        ]
        console.print(output.fitted_table("Copies", _COPY_COLUMNS, rows, console.width))
    else:
        counts = Counter(v.compatibility for v in family.verdicts)
        console.print()
        output.paragraph(
            console,
            f"[bold]Copies[/]: {', '.join(f'{counts[c]} {c.value}' for c in _VERDICTS)} "
            "(--all lists every copy with its verdict)",
        )
    _print_list(
        "Related production classes (alike, not copies: test code does not take them in)",
        [
            f"{related.ref.location}  {related.ref.qualname}  similarity {related.similarity:.2f}"
            for related in family.related
        ],
        show_all=show_all,
    )


def _print_variant(family: Family, variant: Variant, *, dominant: bool, show_all: bool) -> None:
    """A variant's id and count, how it differs from the dominant one, its first copies (the
    representative, whose source the diff shows, first)."""
    console = output.stdout()
    label = "dominant" if dominant else f"differs from {family.dominant.id}"
    console.print(
        f"\n[bold]variant {variant.id}[/] ({output.plural(variant.count, 'copy')}, {label})"
    )
    copies = [variant.representative]
    copies += [c for c in variant.copies if c != variant.representative]
    _print_copies([_copy_where(c, family.name) for c in copies], show_all=show_all)
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
            output.print_wrapped(console, f"{label_text}: {value}")
    if diff.source_diff:
        _print_diff(console, diff.source_diff)


def _print_diff(console: Console, diff: str) -> None:
    """A unified diff, two spaces in, coloured as ``git diff`` colours it; a long line wraps."""
    for line in diff.splitlines():
        style = (
            "bold"
            if line.startswith(("--- ", "+++ "))
            else "cyan"
            if line.startswith("@@")
            else "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else ""
        )
        output.paragraph(console, Text("  " + line, style=style))


def _copy_where(copy: ClassRecord, name: str) -> str:
    return _where(copy.location, copy.qualname, name, copy.in_function)


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


def print_occurrences(occurrences: Occurrences, *, show_all: bool) -> None:
    """Every line that says ``class NAME``, by bucket, and the grep that counts them too."""
    console = output.stdout()
    name = occurrences.name
    console.print()
    output.paragraph(
        console,
        f"[bold]`class {escape(name)}` on {output.plural(occurrences.total, 'line')}[/] "
        f"of the {output.plural(occurrences.files, 'file')} "
        "this scan reads; over the same files (no virtualenv, nothing .gitignore or "
        f"{escape('[tool.declone]')} exclude leaves out), this grep counts the same:",
    )
    # On a line of its own, to be copied whole.
    console.print(
        f"grep -rnw --include='*.py' --include='*.py.*' 'class {name}' .",
        markup=False,
        overflow="fold",
    )
    by_kind = occurrences.by_kind()
    width = max((len(_OCCURRENCE_LABELS[kind]) for kind in by_kind), default=0)
    for kind, count in by_kind.items():
        console.print(f"  {_OCCURRENCE_LABELS[kind]:<{width}}  {count:>6}")
        items = [item for item in occurrences.items if item.kind is kind]
        shown = items if show_all else items[:_COPIES_SHOWN]
        for item in shown:
            output.print_wrapped(console, f"{item.path}:{item.lineno}", indent=6)
        if len(shown) < len(items):
            output.print_wrapped(console, output.more(len(items) - len(shown)), indent=6)
    if occurrences.longer_names:
        lines = occurrences.longer_names
        console.print(
            f"  and {output.plural(lines, 'line')} naming a longer class "
            f"(`class {escape(name)}…`), which a grep without -w counts too"
        )
