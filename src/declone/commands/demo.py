"""``declone demo [EXAMPLE]``: the whole pipeline on a copy of an example repository."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

from declone.errors import DecloneError, ExitCode

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "example",
        nargs="?",
        type=Path,
        default=Path("examples/websocket-suite"),
        help="the example repository to copy (default: examples/websocket-suite)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="where the copy goes (default: a new temporary folder)"
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="migrate without running the tests per batch"
    )
    parser.add_argument("--json", action="store_true", help="print the headline figures as JSON")


def run(args: argparse.Namespace) -> int:
    from declone import demo, output

    example = args.example.resolve()
    if not example.is_dir():
        raise DecloneError(f"{args.example}: no such folder", ExitCode.USAGE)
    workdir = (
        args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="declone-demo-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / example.name).exists():
        raise DecloneError(
            f"{workdir / example.name}: already exists; pass another --workdir", ExitCode.USAGE
        )
    root = demo.prepare_repo(example, workdir)
    output.info(f"declone demo: a copy of {example} as a git repository in {root}")

    def announce(title: str) -> None:
        output.stderr().rule(title) if not title.startswith("collected") else output.info(title)

    # With --json, stdout carries the figures alone: the stages' own output goes to stderr.
    stages_out = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with stages_out:
        figures = demo.run_pipeline(root, verify=not args.no_verify, announce=announce)
    if args.json:
        output.emit_json(figures.to_json())
        return int(ExitCode.OK)
    console = output.stdout()
    console.rule("declone demo: headline figures")
    console.print(
        f"copies of the example's {figures.families} families: "
        f"{figures.copies_before} before, {figures.copies_after} after"
    )
    console.print(
        f"PytestCollectionWarnings: {figures.warnings_before} before, "
        f"{figures.warnings_after} after"
    )
    console.print(
        f"collection time: {figures.collection_seconds_before:.2f}s before, "
        f"{figures.collection_seconds_after:.2f}s after ({figures.collection_ratio:.2f}x)"
    )
    console.print(
        f"tests passing: {figures.tests_passed_before}/{figures.tests_total_before} before, "
        f"{figures.tests_passed_after}/{figures.tests_total_after} after"
    )
    console.print(
        f"check: {'clean' if figures.check_exit_code == 0 else 'violations reported above'}"
    )
    console.print(f"report: {figures.report}")
    return int(ExitCode.OK)
