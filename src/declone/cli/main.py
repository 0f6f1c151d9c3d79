"""The ``declone`` command line: argument parsing, dispatch and exit codes.

Each subcommand lives in ``declone.cli.<name>`` with two functions: ``add_arguments(parser)``
and ``run(args) -> int``; options that several share are in ``declone.cli.options``. Command
modules import the stages (and so LibCST, sqlite, subprocess machinery) inside ``run``, so
that ``declone --help`` and ``declone check`` on a few files start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from declone import __version__
from declone.errors import DecloneError, ExitCode

__all__ = ["COMMANDS", "build_parser", "main", "main_entry"]

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

EPILOG = """\
exit codes:
  0    success
  1    findings: check violations, a verify regression, files a migration skipped or failed
  2    usage or configuration error
  3    refused to keep something safe: dirty git tree, journal mismatch, file changed since run
  4    the target's tooling failed: no pytest in the target interpreter, a timeout
  130  interrupted

Run `declone COMMAND --help` for a command's options.
"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help and usage are drawn by rich-argparse.

    argparse also makes a formatter for every ``add_argument`` (to check its metavar), so a
    rich formatter class given up front would import rich, a tenth of a second, on every run;
    the plain one does that work and rich's is taken up only to show help or usage.
    (Subparsers are made of this class too.)
    """

    def format_usage(self) -> str:
        self._use_rich_formatter()
        return super().format_usage()

    def format_help(self) -> str:
        self._use_rich_formatter()
        return super().format_help()

    def _use_rich_formatter(self) -> None:
        from rich_argparse import RawDescriptionRichHelpFormatter

        self.formatter_class = RawDescriptionRichHelpFormatter


class _CommandModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> _CommandModule:
    module_name, _ = COMMANDS[name]
    return cast(_CommandModule, importlib.import_module(module_name))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported, so start-up stays fast."""
    parser = _Parser(
        prog="declone",
        description=(
            "Find copy-pasted classes in a Python codebase, consolidate each family into one "
            "canonical implementation, prove with pytest that nothing broke, and keep it so."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"declone {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, summary) in COMMANDS.items():
        sub = subparsers.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == command:
            _load(name).add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run declone with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((word for word in arguments if not word.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else ExitCode.USAGE
    try:
        return int(_load(args.command).run(args))
    except DecloneError as exc:
        from declone.cli import output

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
