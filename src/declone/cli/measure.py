"""``declone measure``: what the target's own pytest collection costs, warns about and yields.

Exit codes: 0 when the collection was measured, whatever the target's own collection errors
(they are part of the result); 4 (``ExitCode.TARGET``) when pytest is missing from the target
interpreter, stopped before collecting, or was stopped by ``--timeout`` (the partial result is
still shown and saved).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode

__all__ = ["add_arguments", "run"]


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, help="the repository to measure (default: current directory)"
    )
    parser.add_argument(
        "--python",
        metavar="PY",
        help="the target's interpreter; by default ROOT/.venv/bin/python if present, else declone's",
    )
    parser.add_argument("--save", metavar="NAME", help="name this measurement as a baseline")
    parser.add_argument(
        "--compare", metavar="NAME", help="show the change against the baseline NAME"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        metavar="N",
        help="collect N times; with --compare, 3 by default, each round alternating with "
        "one of the baseline's commit; times are the rounds' medians, and a change is "
        "claimed only beyond their spread (default: 1)",
    )
    parser.add_argument("--json", action="store_true", help="write the full result as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="stop pytest after S seconds; what was collected so far is kept, marked partial",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the collection with cProfile; show the top functions by cumulative time",
    )


#: The codes ``declone measure`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "the collection was measured, whatever errors the target's own collection had",
    ExitCode.USAGE: (
        "usage error: a bad option, no such interpreter, an unknown --compare baseline"
    ),
    ExitCode.REFUSED: "the history database is damaged or from a newer declone",
    ExitCode.TARGET: (
        "the target's pytest is missing or stopped before collecting, or --timeout stopped it: "
        "its partial results are shown and saved"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_options(parser)
    parser.add_argument(
        "words",
        nargs=argparse.REMAINDER,
        metavar="[PATH ...] [-- PYTEST_ARGS]",
        help="paths to collect (default: the repo's testpaths); pytest options after --",
    )


def _split_words(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Paths before ``--`` and pytest's own arguments after it.

    The positional words swallow any option given after the first path, so those words are
    parsed again for declone's options.
    """
    words: list[str] = list(args.words)
    if "--" in words:
        cut = words.index("--")
        before, after = words[:cut], words[cut + 1 :]
    else:
        before, after = words, []
    if any(word.startswith("-") for word in before):
        reparser = argparse.ArgumentParser(prog="declone measure", add_help=False)
        _add_options(reparser)
        reparser.add_argument("paths", nargs="*")
        namespace, unknown = reparser.parse_known_args(before, namespace=args)
        if unknown:
            raise DecloneError(
                f"declone measure: unknown option {unknown[0]}; put pytest's own options after --"
            )
        before = list(namespace.paths)
    return before, after


def run(args: argparse.Namespace) -> int:
    from declone.cli import output
    from declone.measure import (
        MeasureRequest,
        comparison_to_json,
        measure_collection,
        measurement_to_json,
    )

    paths, pytest_args = _split_words(args)
    root = (args.root or Path.cwd()).absolute()
    if not root.is_dir():
        raise DecloneError(f"{root}: not a directory; pass --root the repository to measure")
    if args.timeout is not None and args.timeout <= 0:
        raise DecloneError(f"--timeout {args.timeout:g}: must be positive")
    if args.rounds is not None and args.rounds < 1:
        raise DecloneError(f"--rounds {args.rounds}: must be at least 1")
    request = MeasureRequest(
        paths=tuple(paths),
        pytest_args=tuple(pytest_args),
        python=args.python,
        timeout=args.timeout,
        profile=args.profile,
        save=args.save,
        compare=args.compare,
        rounds=args.rounds,
    )
    rounds = request.round_count
    counted = f" ({rounds} rounds)" if rounds > 1 else ""
    measured = measure_collection(
        root,
        request,
        on_start=lambda command: output.info(f"measuring collection{counted}: {command}"),
    )
    for note in measured.notes:
        output.warn(note)
    result, comparison, git = measured.measurement, measured.comparison, measured.git
    if args.json:
        document: dict[str, Any] = {
            "schema_version": _schema_version(),
            "measurement_id": measured.measurement_id,
            "created_at": measured.created_at,
            "git": None
            if git is None
            else {"commit": git.commit, "branch": git.branch, "dirty": git.dirty},
            "baseline": args.save,
            "measurement": measurement_to_json(result),
            "comparison": None if comparison is None else comparison_to_json(comparison),
        }
        output.emit_json(document)
    else:
        from declone.cli.measure_view import print_measurement

        print_measurement(result, comparison)
    saved = f"saved measurement #{measured.measurement_id}"
    output.info(saved + (f" as baseline {args.save!r}" if args.save else ""))
    if result.partial:
        output.error(
            f"{root}: {result.partial_reason}; the results above are partial, "
            "raise --timeout or look at the module named"
        )
        return int(ExitCode.TARGET)
    return int(ExitCode.OK)


def _schema_version() -> int:
    from declone.model import SCHEMA_VERSION

    return SCHEMA_VERSION
