"""All terminal output: data to stdout, progress, warnings and summaries to stderr.

Core modules never print; commands call these functions at the edge.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from declone import jsontext
from declone.wording import plural

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

__all__ = [
    "ProgressTask",
    "emit_json",
    "emit_json_text",
    "emit_text",
    "error",
    "info",
    "plural",
    "progress",
    "stderr",
    "stdout",
    "warn",
]


def _stdout() -> Console:
    # Looked up at call time so that tests capturing sys.stdout see what was printed; rich is
    # imported on first use, which keeps `declone check` on a few files quick to start.
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _stderr() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def stdout() -> Console:
    return _stdout()


def stderr() -> Console:
    return _stderr()


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
    _stderr().print(f"[bold red]error:[/] {_escape(message)}")


def warn(message: str) -> None:
    _stderr().print(f"[yellow]warning:[/] {_escape(message)}")


def info(message: str) -> None:
    """A plain line on stderr: no markup, so no rich needed."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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

    console = _stderr()
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
