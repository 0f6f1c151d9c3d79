"""The ``declone`` command line: argument parsing, dispatch and exit codes.

Each subcommand lives in ``declone.cli.<name>`` with two functions, ``add_arguments(parser)``
and ``run(args) -> int``, and ``EXIT_CODES``, the codes it returns as its ``--help`` lists
them; options that several share are in ``declone.cli.options``. Command modules import the
stages (and so LibCST, sqlite, subprocess machinery) inside ``run``, so that ``declone --help``
and ``declone check`` on a few files start fast.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from declone import __version__
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich_argparse import RichHelpFormatter

__all__ = ["COMMANDS", "EXIT_CODES", "FOOTER", "build_parser", "main", "main_entry"]

#: name -> (module, one-line summary). The order is the pipeline's order, as ``--help`` shows it.
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("declone.cli.scan", "find every duplicated class family in a repository"),
    "plan": (
        "declone.cli.plan",
        "choose a canonical class for a family; say what happens per file",
    ),
    "migrate": (
        "declone.cli.migrate",
        "replace a family's copies with imports of the canonical",
    ),
    "runs": ("declone.cli.runs", "list migration runs recorded in the journal"),
    "rollback": (
        "declone.cli.rollback",
        "restore the exact original bytes of a migration run",
    ),
    "finalize": (
        "declone.cli.finalize",
        "retire legacy names: use the canonical name everywhere",
    ),
    "measure": (
        "declone.cli.measure",
        "measure pytest collection: time, warnings, errors, test ids",
    ),
    "verify": ("declone.cli.verify", "compare test outcomes before and after a migration run"),
    "check": (
        "declone.cli.check",
        "CI / pre-commit guard: reject new copies and warning sources",
    ),
    "report": (
        "declone.cli.report",
        "families, runs and history as tables, Markdown, JSON or HTML",
    ),
    "demo": ("declone.cli.demo", "run the whole pipeline on a copy of an example repository"),
}

#: What each exit code means, over every command: the README's "Exit codes" table. Each command
#: module's ``EXIT_CODES`` lists the codes that command returns, in its own words.
EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.FINDINGS: (
        "findings: check violations, a verify regression, planned files a migration could not "
        "write or rolled back"
    ),
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.REFUSED: (
        "refused to keep something safe: dirty git tree, journal mismatch, file changed since run"
    ),
    ExitCode.TARGET: (
        "the target's tooling failed: no pytest in the target interpreter, a timeout"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}

#: The last line of ``declone --help``.
FOOTER = "Run `declone COMMAND --help` for a command's options."


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help and usage are drawn by rich-argparse.

    argparse also makes a formatter for every ``add_argument`` (to check its metavar), so a
    rich formatter class given up front would import rich, a tenth of a second, on every run;
    the plain one does that work and rich's is taken up only to show help or usage.
    (Subparsers are made of this class too.)

    rich-argparse wraps the description and every help text to the terminal's width; the help
    ends with ``exit_codes`` as a table, one code a line with its meaning wrapped under itself,
    then ``footer``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_codes: Mapping[ExitCode, str] = {}
        #: The parser of the command being run: it reports the command's own usage errors.
        self.command_parser: argparse.ArgumentParser | None = None
        self.footer = ""

    def format_usage(self) -> str:
        self.formatter_class = _help_formatter()
        return super().format_usage()

    def format_help(self) -> str:
        self.formatter_class = _help_formatter()
        # rich-argparse draws a rich renderable given as the epilog (argparse's type says text).
        self.epilog = cast(str, self._epilog())
        return super().format_help()

    def _epilog(self) -> RenderableType:
        from rich.console import Group
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        formatter = _help_formatter()

        def text(plain: str, style: str) -> Text:
            shown = Text(plain, style=style)
            for pattern in formatter.highlights:  # `code` and --options, as in the help texts
                shown.highlight_regex(pattern, style_prefix="argparse.")
            return shown

        parts: list[RenderableType] = []
        if self.exit_codes:
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True)
            table.add_column()
            for code, meaning in self.exit_codes.items():
                table.add_row(str(int(code)), text(meaning, "argparse.help"))
            parts += [Text("exit codes:", style="argparse.groups"), Padding.indent(table, 2)]
        if self.footer:
            parts += [Text(), text(self.footer, "argparse.text")]
        return Group(*parts)


@functools.cache
def _help_formatter() -> type[RichHelpFormatter]:
    from rich_argparse import RichHelpFormatter

    class HelpFormatter(RichHelpFormatter):
        """Help texts are plain text: ``[tool.declone]`` is shown as written, not as markup."""

        help_markup = False
        text_markup = False

    return HelpFormatter


class _CommandModule(Protocol):
    #: The codes the command returns and what each means for it, listed by its ``--help``.
    EXIT_CODES: Mapping[ExitCode, str]

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> _CommandModule:
    module_name, _ = COMMANDS[name]
    return cast(_CommandModule, importlib.import_module(module_name))


def build_parser(command: str | None = None) -> _Parser:
    """The parser; only ``command``'s module is imported, so start-up stays fast."""
    parser = _Parser(
        prog="declone",
        description=(
            "Find copy-pasted classes in a Python codebase, consolidate each family into one "
            "canonical implementation, prove with pytest that nothing broke, and keep it so."
        ),
    )
    parser.exit_codes, parser.footer = EXIT_CODES, FOOTER
    parser.add_argument("--version", action="version", version=f"declone {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, summary) in COMMANDS.items():
        sub = subparsers.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + "."
        )
        if name == command:
            module = _load(name)
            module.add_arguments(sub)
            sub.exit_codes = module.EXIT_CODES
            parser.command_parser = sub
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run declone with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((word for word in arguments if not word.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    try:
        args, unknown = parser.parse_known_args(arguments)
        if unknown:
            # Said with the command's usage, not declone's: the option belongs to it.
            (parser.command_parser or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else ExitCode.USAGE
    try:
        with warnings.catch_warnings():
            # The compiler warns about the code declone reads (``1if x``; an invalid escape,
            # a DeprecationWarning before Python 3.12): the repository's own linters say
            # that, and thousands of such lines on stderr would bury what declone says.
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.filterwarnings(
                "ignore", "invalid (octal )?escape sequence", DeprecationWarning
            )
            return int(_load(args.command).run(args))
    except DecloneError as exc:
        from declone.cli import output

        if exc.exit_code == ExitCode.OK:  # nothing to do, said by a command that had no view
            output.info(exc.message)
        else:
            output.error(exc.message)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        from declone.cli import output

        output.error("interrupted")
        return int(ExitCode.INTERRUPTED)


def main_entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`declone scan --json | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = int(ExitCode.OK)
    sys.exit(code)
