"""``declone demo [EXAMPLE]``: the whole pipeline on a copy of an example repository, as
``make demo`` shows it.

Each stage runs through the real command line (``declone.cli.main.main``), in a temporary git
repository that holds a copy of the example, so the example itself is never touched. The
figures a team lead asks for are read back from ``declone report --json``, the one place
that computes them from the run's records (history, journal, scans of the commits), so the
headline says what the report says; only the tests passing are the demo's own run. The copy
is removed at the end unless ``--keep``; the HTML report goes under the current folder
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
from typing import TYPE_CHECKING, Any

from declone.errors import DecloneError, ExitCode
from declone.wording import plural

if TYPE_CHECKING:
    from declone.measure import TimeChange

__all__ = [
    "DemoFigures",
    "Stage",
    "add_arguments",
    "headline_lines",
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
#: Rounds of collection on each side of the time comparison: about 3 s a round on the example.
DEFAULT_ROUNDS = 3
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
    """The headline: ``declone report --json``'s figures, and the demo's own test runs."""

    root: str
    report: str
    #: Duplicate families and their live copies (the canonical classes included), as the
    #: scans of the baseline's commit and of the migrated tree count them.
    families_before: int
    families_after: int
    copies_before: int
    copies_after: int
    #: What the migration runs did: files holding their bytes (changed, plus created), files
    #: rolled back, and copies left where they are (a class created in a function).
    migration_runs: int
    files_migrated: int
    files_changed: int
    files_created: int
    files_rolled_back: int
    copies_skipped: int
    #: PytestCollectionWarnings of the baseline and of the latest measurement.
    warnings_before: int
    warnings_after: int
    #: ``declone measure --compare``'s collection time, in rounds (``time_change_to_json``).
    collection: dict[str, Any]
    tests_passed_before: int
    tests_passed_after: int
    tests_total_before: int
    tests_total_after: int
    check_exit_code: int

    @classmethod
    def from_report(
        cls,
        report: dict[str, Any],
        *,
        root: str,
        html: str,
        tests_before: tuple[int, int],
        tests_after: tuple[int, int],
        check_exit_code: int,
    ) -> DemoFigures:
        """The figures of ``report`` (``declone report --json``), not counted again here."""
        headline, migration = report["headline"], report["headline"]["migration"]
        if headline["collection_change"] is None:
            raise DecloneError(
                f"{root}: the report has no measurements to compare; the demo's measure stages "
                "did not run",
                ExitCode.FINDINGS,
            )
        return cls(
            root=root,
            report=html,
            families_before=headline["families_before"],
            families_after=headline["families_after"],
            copies_before=headline["copies_before"],
            copies_after=headline["copies_after"],
            migration_runs=migration["runs"],
            files_migrated=migration["files_migrated"],
            files_changed=migration["files_changed"],
            files_created=migration["files_created"],
            files_rolled_back=migration["files_rolled_back"],
            copies_skipped=migration["copies_skipped"],
            warnings_before=headline["collection_warnings_before"],
            warnings_after=headline["collection_warnings_after"],
            collection=headline["collection_change"],
            tests_passed_before=tests_before[0],
            tests_passed_after=tests_after[0],
            tests_total_before=tests_before[1],
            tests_total_after=tests_after[1],
            check_exit_code=check_exit_code,
        )

    @property
    def collection_change(self) -> TimeChange:
        from declone.measure import time_change_from_json

        return time_change_from_json(self.collection)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def headline_lines(figures: DemoFigures) -> list[str]:
    """The headline as the demo prints it, one figure per line, each from ``figures``."""
    f = figures
    return [
        f"duplicate families: {f.families_before} before, {f.families_after} after",
        f"live copies, canonical classes included: {f.copies_before} before, "
        f"{f.copies_after} after",
        f"migration: {plural(f.migration_runs, 'run')}, "
        f"{plural(f.files_migrated, 'file')} migrated ({f.files_changed} changed, "
        f"{f.files_created} created), {plural(f.copies_skipped, 'copy', 'copies')} skipped, "
        f"{plural(f.files_rolled_back, 'file')} rolled back",
        f"PytestCollectionWarnings: {f.warnings_before} before, {f.warnings_after} after",
        f"collection time: {f.collection_change.summary()}",
        f"tests passing: {f.tests_passed_before}/{f.tests_total_before} before, "
        f"{f.tests_passed_after}/{f.tests_total_after} after",
        f"check: {'clean' if f.check_exit_code == 0 else 'violations reported above'}",
        f"report: {f.report}",
    ]


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


def stages_for(
    root: Path, *, verify: bool, report: Path | None = None, rounds: int = DEFAULT_ROUNDS
) -> tuple[Stage, ...]:
    """The pipeline, as command lines: the README's migration playbook in order.

    ``report`` is where the HTML report goes (default: ``.declone/report.html`` in ``root``);
    ``rounds`` is how many times each side is collected for the time comparison.
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
        # The plan the migration below carries out: the same options, the same figures.
        Stage(
            f"plan {family}",
            ("plan", family, *where, "--extract-to", target, "--unsafe", "--drop-comments"),
        ),
        *migrations,
        Stage(
            f"measure: pytest collection after, {rounds} rounds alternating with the baseline's",
            ("measure", *where, "--compare", "baseline", "--rounds", str(rounds), "--json"),
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
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        metavar="N",
        help=f"collect the example N times after the migration, alternating with N rounds of "
        f"the baseline's commit, to compare collection times (default: {DEFAULT_ROUNDS})",
    )
    parser.add_argument("--json", action="store_true", help="print the headline figures as JSON")


def run(args: argparse.Namespace) -> int:
    from declone.cli import output

    example = args.example.resolve()
    if args.rounds < 1:
        raise DecloneError(f"--rounds {args.rounds}: must be at least 1", ExitCode.USAGE)
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
                root,
                verify=not args.no_verify,
                announce=announce,
                report=report,
                rounds=args.rounds,
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
    for line in headline_lines(figures):
        console.print(line, markup=False)
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
    rounds: int = DEFAULT_ROUNDS,
) -> DemoFigures:
    """Run every stage on ``root`` and return the headline figures.

    ``report`` is where the HTML report goes (default: ``.declone/report.html`` in ``root``).
    """
    from declone.cli.main import main

    execute = run or main
    tests_before = _test_outcomes(root)
    check_exit = 0
    report = report or _default_report(root)
    for stage in stages_for(root, verify=verify, report=report, rounds=rounds):
        announce(stage.title)
        if stage.argv[0] == "measure":
            announce(_measure_line(_json_of(execute, stage.argv)))
            continue
        code = execute(list(stage.argv))
        if code not in stage.accepted:
            raise DecloneError(
                f"demo stage `declone {' '.join(stage.argv)}` exited {code}", ExitCode.FINDINGS
            )
        if stage.argv[0] == "check":
            check_exit = code
    tests_after = _test_outcomes(root)
    document = _json_of(execute, ("report", "--root", str(root), "--json", "--no-progress"))
    return DemoFigures.from_report(
        document,
        root=str(root),
        html=str(report),
        tests_before=tests_before,
        tests_after=tests_after,
        check_exit_code=check_exit,
    )


def _measure_line(document: dict[str, Any]) -> str:
    """What a measure stage found, as its JSON says: the collection time with its rounds."""
    from declone.measure import Rounds, time_change_from_json

    measurement = document["measurement"]
    walls = [r["wall_seconds"] for r in measurement["rounds"]] or [measurement["wall_seconds"]]
    line = (
        f"collected {len(measurement['test_ids'])} tests in {Rounds(tuple(walls)).describe()}, "
        f"{_collection_warnings(measurement)} PytestCollectionWarnings, "
        f"{len(measurement['errors'])} collection errors"
    )
    comparison = document["comparison"]
    if comparison is not None:
        change = time_change_from_json(comparison["time"])
        line += f"; against the baseline: {change.summary()}"
    return line


def _json_of(execute: Callable[[Sequence[str]], int], argv: Sequence[str]) -> dict[str, Any]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = execute(list(argv))
    if code != 0:
        raise DecloneError(f"demo: `declone {' '.join(argv)}` exited {code}", ExitCode.FINDINGS)
    document: dict[str, Any] = json.loads(buffer.getvalue())
    return document


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
