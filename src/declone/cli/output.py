"""All terminal output: data to stdout, progress, warnings and summaries to stderr.

Core modules never print; commands call these functions at the edge. Views are laid out for
the console's width, 80 columns first: the text that identifies a row (a family's name, a
``path:line``, a run id) is never cut, long lists end in "+N more", rules shorten a path from
the left, and a message wraps rather than run past the edge of a terminal (or of ``COLUMNS``).
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO

from declone import jsontext
from declone.wording import plural

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.progress import Progress
    from rich.table import Table
    from rich.text import Text

__all__ = [
    "Column",
    "ProgressTask",
    "emit_json",
    "emit_json_text",
    "emit_text",
    "error",
    "first_of",
    "fitted_table",
    "info",
    "legend",
    "more",
    "paragraph",
    "plural",
    "print_wrapped",
    "progress",
    "shorten_paths",
    "stderr",
    "stdout",
    "warn",
]


def _console(file: TextIO) -> Console:
    # A console class of our own (see _make_console_class) built on first use: rich is
    # imported only then, which keeps `declone check` on a few files quick to start.
    global _CONSOLE_CLASS
    if _CONSOLE_CLASS is None:
        _CONSOLE_CLASS = _make_console_class()
    return _CONSOLE_CLASS(file=file, highlight=False)  # type: ignore[no-any-return]


_CONSOLE_CLASS: Any = None


def _make_console_class() -> Any:
    from rich.console import Console
    from rich.rule import Rule
    from rich.style import Style
    from rich.text import Text, TextType

    class _Console(Console):
        """A console whose rules never cut a path: a title too long for the width has its
        paths shortened from the left (``…/unit/test_x.py``), and wraps above the rule when
        even that is too long."""

        def rule(
            self,
            title: TextType = "",
            *,
            characters: str = "─",
            style: str | Style = "rule.line",
            align: Literal["left", "center", "right"] = "center",
        ) -> None:
            text = self.render_str(title, style="rule.text") if isinstance(title, str) else title
            room = self.width - 4
            if text.cell_len <= room:
                super().rule(text, characters=characters, style=style, align=align)
                return
            shortened = shorten_paths(text.plain, room)
            if len(shortened) <= room:
                super().rule(
                    Text(shortened, style="rule.text"),
                    characters=characters,
                    style=style,
                    align=align,
                )
                return
            # Wrapped, the title loses nothing: the paths stay whole.
            self.print(Rule(characters=characters, style=style))
            paragraph(self, Text(text.plain, style="rule.text"))

    return _Console


def stdout() -> Console:
    """The console for data and views on stdout; looked up at call time so that tests
    capturing ``sys.stdout`` see what was printed."""
    return _console(sys.stdout)


def stderr() -> Console:
    return _console(sys.stderr)


def shorten_paths(title: str, width: int) -> str:
    """``title`` with its paths shortened from the left, longest first, one folder at a time
    (``tests/unit/test_x.py`` -> ``…/unit/test_x.py`` -> ``…/test_x.py``), until it fits in
    ``width`` or no path can lose a folder; a file's own name is never cut."""
    words = title.split(" ")
    while len(" ".join(words)) > width:
        paths = [i for i, word in enumerate(words) if "/" in word.removeprefix("…/")]
        if not paths:
            break
        longest = max(paths, key=lambda i: len(words[i]))
        _, _, rest = words[longest].removeprefix("…/").partition("/")
        words[longest] = "…/" + rest
    return " ".join(words)


def emit_json(document: Any) -> None:
    """Write a JSON document to stdout, the only thing on stdout in ``--json`` mode."""
    # Indented for a person at a terminal; compact (and several times faster to encode)
    # for the programs that read it from a pipe or a file.
    if sys.stdout.isatty():
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(jsontext.compact(document))
    sys.stdout.write("\n")
    sys.stdout.flush()


def emit_json_text(text: str) -> None:
    """Write a compact, already-encoded JSON document (indented again for a terminal)."""
    if sys.stdout.isatty():
        emit_json(json.loads(text))
        return
    sys.stdout.write(text)
    sys.stdout.write("\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    """Write plain data lines to stdout as they are: no markup, no wrapping (``check``'s report)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def error(message: str) -> None:
    _message(message, prefix="error:", style="bold red")


def warn(message: str) -> None:
    _message(message, prefix="warning:", style="yellow")


def info(message: str) -> None:
    """A plain line on stderr: no markup, so no rich needed."""
    sys.stderr.write("\n".join(_wrapped(message, _known_width(sys.stderr))) + "\n")
    sys.stderr.flush()


def _message(message: str, *, prefix: str, style: str) -> None:
    from rich.text import Text

    lines = _wrapped(f"{prefix} {message}", _known_width(sys.stderr))
    first = Text(prefix, style=style) + Text(lines[0][len(prefix) :])
    console = stderr()
    for line in [first, *(Text(rest) for rest in lines[1:])]:
        console.print(line, soft_wrap=True)


def _known_width(stream: TextIO) -> int | None:
    """The width a message on ``stream`` wraps at: ``COLUMNS`` when set, else the terminal's;
    None for a pipe or a file, where each message stays one line for the programs that read
    it."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns if stream.isatty() else None
    except (AttributeError, OSError, ValueError):
        return None


def _wrapped(message: str, width: int | None) -> list[str]:
    """``message`` in lines of at most ``width``, each line after the first indented by two
    spaces; a word longer than the width (a path) is folded, never cut."""
    if width is None or len(message) <= width:
        return [message]
    lines: list[str] = []
    for number, paragraph in enumerate(message.split("\n")):
        lines += textwrap.wrap(
            paragraph,
            width,
            subsequent_indent="  ",
            initial_indent="" if number == 0 else "  ",
            break_on_hyphens=False,
        ) or [""]
    return lines


def print_wrapped(
    console: Console, text: str, *, indent: int = 2, hang: int = 2, style: str = ""
) -> None:
    """A plain line (no markup) of a list, ``indent`` spaces in; one longer than the console
    continues on lines indented ``hang`` spaces further, and a path longer than a line folds."""
    from rich.text import Text

    lines = textwrap.wrap(
        text,
        max(console.width, indent + hang + 10),
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + hang),
        break_on_hyphens=False,
    ) or [" " * indent]
    for line in lines:
        console.print(Text(line, style=style), soft_wrap=True)


def paragraph(console: Console, markup: str | Text) -> None:
    """Rich ``markup`` (or a styled text) wrapped at the console's width, with no space left at
    a line's end."""
    from rich.text import Text

    text = Text.from_markup(markup) if isinstance(markup, str) else markup
    for line in text.wrap(console, console.width, overflow="fold"):
        line.rstrip()
        console.print(line, soft_wrap=True)


def first_of(items: Sequence[str], shown: int = 3, *, sep: str = ", ") -> str:
    """The first ``shown`` items joined, and ``+N more`` for the rest: ``a, b, c +2 more``."""
    text = sep.join(items[:shown])
    return text + (f" +{len(items) - shown} more" if len(items) > shown else "")


def more(hidden: int, what: str = "", *, hint: str = "--all lists them") -> str:
    """The line that ends a shortened list: ``+12 more (--all lists them)``."""
    return f"+{hidden} more{' ' + what if what else ''}" + (f" ({hint})" if hint else "")


def legend(console: Console, entries: Sequence[tuple[str, str]]) -> None:
    """One dim line under a table that says what its short headers mean."""
    text = " · ".join(f"{header}: {meaning}" for header, meaning in entries)
    print_wrapped(console, text, indent=0, style="dim")


ColumnKind = Literal["key", "number", "word", "text"]

#: A text column is never made narrower than this by the layout (rich wraps it inside), nor a
#: key that must fold.
_TEXT_MIN = 16
_KEY_MIN = 8


@dataclass(frozen=True)
class Column:
    """One column of a table laid out by :func:`fitted_table`.

    ``kind`` says how it behaves when the width is short: a ``key`` identifies the row and is
    never cut (it gets its whole width, or folds when even that is too much); a ``number`` or
    a ``word`` (a status, an action, a name) keeps its width on one line; ``text`` wraps. A
    column with a ``detail`` label leaves the table when it does not fit, the rightmost first,
    and its value goes on a dim line under the row's key: ``label: value``, the value alone
    for ``""``, or the label with ``{}`` replaced by the value (``"{} skipped"``); an empty
    value says nothing. A column that ``drops`` leaves the table the same way and is not shown
    at all (what it says is told elsewhere).
    """

    header: str
    kind: ColumnKind = "text"
    detail: str | None = None
    drops: bool = False
    #: The key that carries the detail line (the first key when no column says so).
    hosts_detail: bool = False


def fitted_table(
    title: str | None, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int
) -> Table:
    """A table of ``rows`` (cells in rich markup, one per column) that fits in ``width``.

    Optional columns move under the row, the rightmost first, until the keys, numbers and
    words fit on one line each with at least a few columns for each text; then the key that
    holds the detail lines takes what room is left, and rich wraps the text columns."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    natural = [
        _natural_width(column.header, [row[i] for row in rows]) for i, column in enumerate(columns)
    ]
    shown = list(range(len(columns)))

    def needed(indexes: list[int]) -> int:
        # No outer border: the inner lines cost 3 columns each, the edges' padding 2.
        return 3 * len(indexes) - 1 + sum(_least_width(columns[i], natural[i]) for i in indexes)

    while needed(shown) > width:
        movable = [i for i in shown if columns[i].detail is not None or columns[i].drops]
        if not movable:
            break
        shown.remove(movable[-1])
    moved = [i for i in range(len(columns)) if i not in shown]
    keys = [i for i in shown if columns[i].kind == "key"]
    host = next((i for i in keys if columns[i].hosts_detail), keys[0] if keys else shown[0])
    details = [_detail(columns, row, moved) for row in rows]
    slack = width - needed(shown)
    widths = _key_widths(natural, keys, slack)
    if any(details):
        # The text columns grow to their own width first; the key under which the details
        # go takes what is left, so that they wrap on as few lines as they can.
        texts = sum(
            natural[i] - _TEXT_MIN
            for i in shown
            if columns[i].kind == "text" and natural[i] > _TEXT_MIN
        )
        room = widths.get(host, natural[host]) + max(0, slack - texts)
        widths[host] = max(widths.get(host, 0), min(_natural_width("", details) + 2, room))

    table = Table(
        title=title,
        title_justify="default",
        header_style="bold",
        show_edge=False,
        # A narrow table would wrap its title ("Files the collection" / "changed").
        min_width=min(len(title or ""), width) or None,
    )
    for i in shown:
        column = columns[i]
        table.add_column(
            column.header,
            justify="right" if column.kind == "number" else "left",
            no_wrap=column.kind in ("number", "word"),
            overflow="fold",
            width=widths.get(i),
        )
    for row, detail in zip(rows, details, strict=True):
        cells: list[RenderableType] = [row[i] for i in shown]
        if detail:
            # Two spaces in, so that a detail line never reads as the next row's key.
            more_lines = Padding(Text.from_markup(detail, style="dim"), (0, 0, 0, 2))
            cells[shown.index(host)] = Group(Text.from_markup(row[host]), more_lines)
        table.add_row(*cells)
    return table


def _least_width(column: Column, natural: int) -> int:
    return min(natural, _TEXT_MIN) if column.kind == "text" else natural


def _key_widths(natural: list[int], keys: list[int], slack: int) -> dict[int, int]:
    """Each key's width: its own, or, when the keys alone overflow, the widest made narrower
    first (it folds then, and nothing is cut), so that a short key (a name) stays whole beside
    a long one (a path)."""
    widths = {i: natural[i] for i in keys}
    excess = -slack
    while excess > 0 and widths:
        widest = max(widths, key=lambda i: widths[i])
        floor = max([_KEY_MIN, *(w for i, w in widths.items() if i != widest)])
        if widths[widest] <= _KEY_MIN:
            break
        cut = max(1, min(excess, widths[widest] - floor))
        widths[widest] -= cut
        excess -= cut
    return widths


def _detail(columns: Sequence[Column], row: Sequence[str], moved: list[int]) -> str:
    parts = []
    for i in moved:
        label = columns[i].detail
        if label is None or not row[i]:
            continue
        if "{}" in label:
            parts.append(label.replace("{}", row[i]))
        else:
            parts.append(f"{label}: {row[i]}" if label else row[i])
    return " · ".join(parts)


def _natural_width(header: str, cells: Sequence[str]) -> int:
    """The widest line of ``header`` and ``cells`` (rich markup) on a terminal."""
    return max([_text(header).cell_len, *(_line_width(cell) for cell in cells)])


def _line_width(markup: str) -> int:
    return max((line.cell_len for line in _text(markup).split("\n")), default=0)


def _text(markup: str) -> Text:
    from rich.text import Text

    return Text.from_markup(markup)


class ProgressTask(Protocol):
    def advance(self, amount: int = 1) -> None: ...

    def set_total(self, total: int) -> None: ...


class _RichTask:
    def __init__(self, bar: Progress, task_id: Any) -> None:
        self._bar = bar
        self._task_id = task_id

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._task_id, amount)

    def set_total(self, total: int) -> None:
        self._bar.update(self._task_id, total=total)


class _SilentTask:
    def advance(self, amount: int = 1) -> None:
        return None

    def set_total(self, total: int) -> None:
        return None


@contextmanager
def progress(
    description: str, total: int | None, *, enabled: bool = True
) -> Iterator[ProgressTask]:
    """A progress bar on stderr when it is a terminal; silent otherwise (CI logs, pipes)."""
    if not enabled or not sys.stderr.isatty():
        yield _SilentTask()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = stderr()
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        yield _RichTask(bar, bar.add_task(description, total=total))
