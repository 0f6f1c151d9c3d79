"""``declone demo [EXAMPLE]``: the whole pipeline on a copy of an example repository, as
``make demo`` shows it.

Each stage runs through the real command line (``declone.cli.main.main``), in a temporary git
repository that holds a copy of the example, so the example itself is never touched. The
figures a team lead asks for are read back from the stages' own JSON output. The copy is
removed at the end unless ``--keep``; the HTML report goes under the current folder
(``REPORT``), so that it outlives the copy.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode

__all__ = [
    "DemoFigures",
    "Stage",
    "add_arguments",
    "prepare_repo",
    "run",
    "run_pipeline",
    "stages_for",
]

#: The example's families and where each one's canonical module is extracted.
EXTRACTIONS: tuple[tuple[str, str], ...] = (
    ("TestWebSocketConnection", "tests/support/websocket_connection.py"),
    ("MockAgent", "tests/support/agents.py"),
)
#: Folders migrated first: the suite a team cares most about.
ORDER = "tests/mission_critical/**"
BATCH_SIZE = 5
#: Where the HTML report goes, under the current folder: it outlives the demo's copy, which is
#: removed at the end unless ``--keep``.
REPORT = Path(".declone") / "demo-report.html"


@dataclass(frozen=True)
class Stage:
    title: str
    argv: tuple[str, ...]
    #: Exit codes that mean the stage did its job (``migrate`` exits 1 when it skipped a copy).
    accepted: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class DemoFigures:
    root: str
    report: str
    families: int
    copies_before: int
    copies_after: int
    warnings_before: int
    warnings_after: int
    collection_seconds_before: float
    collection_seconds_after: float
    tests_passed_before: int
    tests_passed_after: int
    tests_total_before: int
    tests_total_after: int
    check_exit_code: int

    @property
    def collection_ratio(self) -> float:
        return self.collection_seconds_after / max(self.collection_seconds_before, 1e-9)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "collection_ratio": round(self.collection_ratio, 3)}


def prepare_repo(example: Path, workdir: Path) -> Path:
    """Copy ``example`` into ``workdir`` and make it a git repository with one commit."""
    if not (example / "pyproject.toml").is_file():
        raise DecloneError(
            f"{example}: not an example repository (no pyproject.toml)", ExitCode.USAGE
        )
    root = workdir / example.name
    shutil.copytree(
        example,
        root,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".declone", ".venv"),
    )
    for arguments in (
        ("init", "-q", "-b", "main"),
        ("config", "user.name", "declone demo"),
        ("config", "user.email", "demo@declone.invalid"),
        ("add", "-A"),
        ("commit", "-q", "-m", "The example as it is: copies everywhere"),
    ):
        try:
            subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            said = getattr(exc, "stderr", b"") or b""
            reason = said.decode(errors="replace").strip() or str(exc)
            raise DecloneError(
                f"{root}: `git {' '.join(arguments)}` failed: {reason}; the demo needs git "
                "(install it, or set user.name/user.email if git asks for them)",
                ExitCode.REFUSED,
            ) from None
    return root


def stages_for(root: Path, *, verify: bool, report: Path | None = None) -> tuple[Stage, ...]:
    """The pipeline, as command lines: the README's migration playbook in order.

    ``report`` is where the HTML report goes (default: ``.declone/report.html`` in ``root``).
    """
    where = ("--root", str(root))
    report = report or _default_report(root)
    migrations = tuple(
        Stage(
            f"migrate {family} (extracted to {target}, {ORDER} first, batches of {BATCH_SIZE})",
            (
                "migrate",
                family,
                *where,
                "--extract-to",
                target,
                "--order",
                ORDER,
                "--batch-size",
                str(BATCH_SIZE),
                "--commit",
                "--register",
                # MockAgent's failure copy overrides half of its canonical: an unsafe residual,
                # which the verification proves. Two copies carry comments that say where
                # the reference copy is: consolidated, they have nothing left to point at.
                "--unsafe",
                "--drop-comments",
                *(("--verify",) if verify else ()),
            ),
            accepted=(0, 1),
        )
        for family, target in EXTRACTIONS
    )
    family, target = EXTRACTIONS[0]
    return (
        Stage("scan: every duplicated class family", ("scan", str(root), "--no-progress")),
        Stage(
            "measure: pytest collection before, saved as 'baseline'",
            ("measure", *where, "--save", "baseline", "--json"),
        ),
        Stage(f"plan {family}", ("plan", family, *where, "--extract-to", target)),
        *migrations,
        Stage(
            "measure: pytest collection after, compared with the baseline",
            ("measure", *where, "--compare", "baseline", "--json"),
        ),
        Stage("scan: after", ("scan", str(root), "--no-progress")),
        Stage("check: the guard against new copies", ("check", *where), accepted=(0, 1)),
        Stage("report", ("report", *where, "--html", str(report))),
    )


def _default_report(root: Path) -> Path:
    return root / ".declone" / "report.html"


#: The codes ``declone demo`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "the whole pipeline ran",
    ExitCode.FINDINGS: "a stage failed: its command line and exit code are shown",
    ExitCode.USAGE: "usage error: no such example, a --workdir that holds a copy already, no place for the report",
    ExitCode.REFUSED: "git is missing or could not make the example a repository",
    ExitCode.TARGET: (
        "pytest is missing from declone's interpreter, or did not start, for the example's tests"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "example",
        nargs="?",
        type=Path,
        default=Path("examples/websocket-suite"),
        metavar="EXAMPLE",
        help="the example to copy (default: examples/websocket-suite)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        metavar="DIR",
        help="where the copy goes (default: a new temporary folder); the folder itself is never "
        "removed, only the copy the demo makes in it",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the demo's copy of the example and say where it is (default: remove it at "
        "the end; the report stays either way)",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="migrate without running the tests per batch"
    )
    parser.add_argument("--json", action="store_true", help="print the headline figures as JSON")


def run(args: argparse.Namespace) -> int:
    from declone.cli import output

    example = args.example.resolve()
    if not example.is_dir():
        raise DecloneError(f"{args.example}: no such folder", ExitCode.USAGE)
    report = _report_path(example)
    workdir = (
        args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="declone-demo-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / example.name).exists():
        raise DecloneError(
            f"{workdir / example.name}: already exists; pass another --workdir", ExitCode.USAGE
        )
    # What the demo made, removed at the end unless --keep: its temporary folder, or only the
    # copy inside the user's --workdir (that folder is the user's, never removed).
    made = workdir / example.name if args.workdir else workdir

    def announce(title: str) -> None:
        output.stderr().rule(title) if not title.startswith("collected") else output.info(title)

    try:
        root = prepare_repo(example, workdir)
        output.info(f"declone demo: a copy of {example} as a git repository in {root}")
        # With --json, stdout carries the figures alone: the stages' own output goes to stderr.
        stages_out = (
            contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
        )
        with stages_out:
            figures = run_pipeline(
                root, verify=not args.no_verify, announce=announce, report=report
            )
    finally:
        problem = None if args.keep else _remove_tree(made)
        if problem is not None:
            output.warn(problem)
    if args.json:
        output.emit_json({**figures.to_json(), "kept": args.keep})
        return int(ExitCode.OK)
    console = output.stdout()
    console.rule("declone demo: headline figures")
    console.print(
        f"demo repository: kept in {root}"
        if args.keep
        else f"demo repository: {made} removed (--keep keeps it)"
    )
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


def _report_path(example: Path) -> Path:
    """``REPORT`` under the current folder, its folder made: the report outlives the copy."""
    report = Path.cwd().resolve() / REPORT
    if report.is_relative_to(example):
        raise DecloneError(
            f"{report}: the demo's report would go inside the example, which it never touches; "
            "run it from another folder",
            ExitCode.USAGE,
        )
    try:
        report.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DecloneError(
            f"{report.parent}: cannot write the demo's report there "
            f"({error.strerror or error}); run it from another folder",
            ExitCode.USAGE,
        ) from error
    return report


def _remove_tree(path: Path) -> str | None:
    """Remove ``path``, a folder the demo made; what went wrong, or None."""
    if not path.exists():
        return None
    try:
        shutil.rmtree(path)
    except OSError as error:
        reason = error.strerror or error
        return f"{path}: could not remove the demo's copy ({reason}); delete it by hand"
    return None


def run_pipeline(
    root: Path,
    *,
    verify: bool = True,
    announce: Callable[[str], None] = lambda title: None,
    run: Callable[[Sequence[str]], int] | None = None,
    report: Path | None = None,
) -> DemoFigures:
    """Run every stage on ``root`` and return the headline figures.

    ``report`` is where the HTML report goes (default: ``.declone/report.html`` in ``root``).
    """
    from declone.cli.main import main

    execute = run or main
    copies_before = _scan_copies(root, execute)
    tests_before = _test_outcomes(root)
    measurements: list[dict[str, Any]] = []
    check_exit = 0
    report = report or _default_report(root)
    for stage in stages_for(root, verify=verify, report=report):
        announce(stage.title)
        if stage.argv[0] == "measure":
            document = _json_of(execute, stage.argv)
            measurements.append(document["measurement"])
            announce(_measure_line(document))
            continue
        code = execute(list(stage.argv))
        if code not in stage.accepted:
            raise DecloneError(
                f"demo stage `declone {' '.join(stage.argv)}` exited {code}", ExitCode.FINDINGS
            )
        if stage.argv[0] == "check":
            check_exit = code
    before, after = measurements
    tests_after = _test_outcomes(root)
    copies_after = _scan_copies(root, execute)
    return DemoFigures(
        root=str(root),
        report=str(report),
        families=len(EXTRACTIONS),
        copies_before=copies_before,
        copies_after=copies_after,
        warnings_before=_collection_warnings(before),
        warnings_after=_collection_warnings(after),
        collection_seconds_before=float(before["wall_seconds"]),
        collection_seconds_after=float(after["wall_seconds"]),
        tests_passed_before=tests_before[0],
        tests_passed_after=tests_after[0],
        tests_total_before=tests_before[1],
        tests_total_after=tests_after[1],
        check_exit_code=check_exit,
    )


def _measure_line(document: dict[str, Any]) -> str:
    measurement = document["measurement"]
    return (
        f"collected {len(measurement['test_ids'])} tests in {measurement['wall_seconds']:.2f}s, "
        f"{_collection_warnings(measurement)} PytestCollectionWarnings, "
        f"{len(measurement['errors'])} collection errors"
    )


def _json_of(execute: Callable[[Sequence[str]], int], argv: Sequence[str]) -> dict[str, Any]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = execute(list(argv))
    if code != 0:
        raise DecloneError(f"demo: `declone {' '.join(argv)}` exited {code}", ExitCode.FINDINGS)
    document: dict[str, Any] = json.loads(buffer.getvalue())
    return document


def _scan_copies(root: Path, execute: Callable[[Sequence[str]], int]) -> int:
    """Live copies of the example's families: definitions that are not the canonical."""
    document = _json_of(execute, ("scan", str(root), "--json", "--no-progress"))
    names = {family for family, _ in EXTRACTIONS}
    return sum(
        1
        for family in document["families"]
        if family["kind"] == "duplicate" and names.intersection(family["names"])
        for member in family["members"]
        if not member["path"].startswith("tests/support/")
    )


def _collection_warnings(measurement: dict[str, Any]) -> int:
    return sum(1 for w in measurement["warnings"] if w["category"] == "PytestCollectionWarning")


def _test_outcomes(root: Path) -> tuple[int, int]:
    """(passed, total) of a real run of the example's whole suite."""
    from declone.measure import run_tests

    # No bytecode or cache files in the demo repository: its tree stays as git has it.
    environ = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    suite = run_tests(root, pytest_args=("-p", "no:cacheprovider"), environ=environ)
    passed = sum(1 for outcome in suite.outcomes.values() if outcome.outcome.value == "passed")
    return passed, len(suite.outcomes)
