"""The ``declone`` command line: one thin module per command over the stages' public faces."""

from declone.cli.main import COMMANDS, build_parser, main, main_entry

__all__ = ["COMMANDS", "build_parser", "main", "main_entry"]
