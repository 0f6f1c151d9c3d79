"""Exit codes and the one exception type that the command line turns into a message."""

from __future__ import annotations

import enum

__all__ = ["DecloneError", "ExitCode"]


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README and in ``declone --help``."""

    OK = 0
    #: The command worked and found something to act on: check violations, a verify
    #: regression, files that a migration had to skip or could not write.
    FINDINGS = 1
    #: Bad arguments or configuration (unknown family, unreadable ``pyproject.toml``, ...).
    USAGE = 2
    #: declone refused to act to keep something safe: a dirty git tree, a journal that does
    #: not match the files, a file changed since the run it would roll back.
    REFUSED = 3
    #: The target's own tooling failed: no pytest in the target interpreter, a timeout.
    TARGET = 4
    INTERRUPTED = 130


class DecloneError(Exception):
    """An expected failure with a message for the user (``path:line:col: what; what to do``)."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
