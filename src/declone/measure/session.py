"""One ``declone measure``: the target's pytest collection run, measured, and kept in the history.

The collection runs in rounds; the figures go into ``.declone/history.sqlite`` under the
commit they were measured on, every round with them. A saved name makes them a baseline. A
baseline named to compare with is measured again when its commit can be rebuilt: a copy of
the repository with that commit's files is collected between the rounds of the user's tree
(baseline, tree, baseline, tree...), so that both sides run under the same load.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from declone.errors import DecloneError
from declone.measure import history, measurement, pytestrun
from declone.measure.history import GitState, InterleavedBaseline, StoredMeasurement
from declone.measure.measurement import Comparison, Measurement, Round
from declone.measure.spread import MIN_ROUNDS
from declone.measure.trees import copy_at_commit, copy_environment, tree_import_paths

__all__ = ["DEFAULT_COMPARE_ROUNDS", "MeasureRequest", "MeasureResult", "measure_collection"]

#: Functions ``--profile`` shows, by cumulative time.
_PROFILE_FUNCTIONS = 30

#: Rounds of each tree when comparing with a baseline and the request names no number.
DEFAULT_COMPARE_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class MeasureRequest:
    #: Paths to collect (none: the repository's testpaths) and pytest's own arguments.
    paths: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    #: The target's interpreter; ``None`` for the repository's ``.venv``, else declone's own.
    python: str | None = None
    timeout: float | None = None
    profile: bool = False
    #: Save the measurement as the baseline of this name.
    save: str | None = None
    #: Compare the measurement with the baseline of this name.
    compare: str | None = None
    #: Rounds of each tree; None: 1, or ``DEFAULT_COMPARE_ROUNDS`` with ``compare``.
    rounds: int | None = None

    @property
    def round_count(self) -> int:
        if self.rounds is not None:
            return self.rounds
        return DEFAULT_COMPARE_ROUNDS if self.compare else 1


@dataclass(frozen=True, slots=True)
class MeasureResult:
    measurement: Measurement
    measurement_id: int
    created_at: str
    git: GitState | None
    comparison: Comparison | None
    #: What the user should know about the rounds: why a baseline was not measured again.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Collector:
    """How every round runs: one interpreter, one command, one set of options."""

    python: str
    arguments: tuple[str, ...]
    timeout: float | None
    profile: bool

    def collect(
        self, tree: Path, *, environ: dict[str, str] | None = None, root: Path | None = None
    ) -> Measurement:
        """One round on ``tree``; paths in the result are relative to ``root`` (or ``tree``)."""
        process = pytestrun.run_pytest(
            self.python,
            self.arguments,
            cwd=tree,
            timeout=self.timeout,
            import_markers=True,
            profile=_PROFILE_FUNCTIONS if self.profile else 0,
            environ=environ,
        )
        pytestrun.ensure_started(process)
        return measurement.build_measurement(
            process.events,
            process.stderr,
            root=str(root or tree),
            python=self.python,
            command=process.command,
            wall_seconds=process.wall_seconds,
            exit_code=process.exit_code,
            timeout=self.timeout,
        )


def _why_not_again(baseline: StoredMeasurement, git: GitState | None, rounds: int) -> str:
    """Why the baseline's commit cannot be measured again; "" when it can."""
    kept = "its own stored rounds are compared, not interleaved"
    if rounds < MIN_ROUNDS:
        return f"one round: the baseline is not measured again; {kept}"
    if baseline.git is None or git is None:
        return f"the baseline or the tree is not in a git repository; {kept}"
    if baseline.git.dirty:
        return f"the baseline was measured with uncommitted changes; {kept}"
    return ""


def _interleaved_rounds(
    collector: _Collector, root: Path, copy: Path | None, rounds: int
) -> tuple[list[Measurement], list[Round], str]:
    """The tree's rounds, and the baseline copy's between them (baseline first).

    A round stopped by the timeout ends the rounds. A baseline round that fails ends the
    baseline's rounds: its own stored rounds are compared then, which the note says.
    """
    measured: list[Measurement] = []
    again: list[Round] = []
    note = ""
    environ = None
    if copy is not None:
        environ = copy_environment(
            os.environ, copy, tree_import_paths(collector.python, root, os.environ)
        )
    for _ in range(rounds):
        if copy is not None:
            try:
                other = collector.collect(copy, environ=environ)
            except DecloneError as error:
                other, note = None, f"the baseline's commit could not be collected ({error})"
            if other is None or other.partial:
                note = note or "the baseline's commit was stopped by the timeout"
                note += "; its own stored rounds are compared, not interleaved"
                copy, again = None, []
            else:
                again.append(Round(other.wall_seconds, other.cpu_seconds))
        measured.append(collector.collect(root))
        if measured[-1].partial:
            break
    if len(again) != len(measured):
        again = []  # the tree's rounds stopped early: a pair needs both sides whole
    return measured, again, note


def measure_collection(
    root: Path, request: MeasureRequest, *, on_start: Callable[[str], None] | None = None
) -> MeasureResult:
    """Run the target's collection in rounds, measured; ``on_start`` hears the command first."""
    python = pytestrun.choose_interpreter(root, request.python)
    rounds = request.round_count
    if rounds < 1:
        raise DecloneError(f"--rounds {rounds}: must be at least 1")
    connection = history.open_history(root / history.HISTORY_PATH)
    notes: list[str] = []
    try:
        baseline = None
        if request.compare:
            baseline = history.load_baseline(connection, request.compare)
            if baseline is None:
                raise DecloneError(
                    f"{root / history.HISTORY_PATH}: no baseline named {request.compare!r}; "
                    f"save one first with: declone measure --save {request.compare}"
                )
        git = history.read_git_state(root)
        collector = _Collector(
            python,
            measurement.collect_arguments(request.paths, request.pytest_args),
            request.timeout,
            request.profile,
        )
        if on_start is not None:
            on_start(f"{python} {' '.join(collector.arguments)}")
        with tempfile.TemporaryDirectory(prefix="declone-baseline-") as scratch:
            copy = None
            if baseline is not None:
                reason = _why_not_again(baseline, git, rounds)
                if not reason and baseline.git is not None:
                    copy = Path(scratch) / root.name
                    problem = copy_at_commit(root, baseline.git.commit, copy)
                    if problem:
                        reason, copy = f"{problem}; its own stored rounds are compared", None
                if reason:
                    notes.append(f"baseline {request.compare!r}: {reason}")
            before = pytestrun.snapshot_tree(root)
            measured, again, note = _interleaved_rounds(collector, root, copy, rounds)
            changed = measurement.diff_snapshots(before, pytestrun.snapshot_tree(root))
        if note:
            notes.append(f"baseline {request.compare!r}: {note}")
        result = replace(measurement.merge_rounds(measured), changed_files=changed)
        interleaved = (
            InterleavedBaseline(baseline.id, tuple(again))
            if baseline is not None and again
            else None
        )
        created_at = datetime.now(UTC).isoformat(timespec="seconds")
        measurement_id = history.save_measurement(
            connection, result, created_at=created_at, git=git, interleaved=interleaved
        )
        if request.save:
            history.name_baseline(connection, request.save, measurement_id, named_at=created_at)
    finally:
        connection.close()
    comparison = (
        measurement.compare_measurements(
            request.compare,
            baseline.measurement,
            result,
            baseline_rounds=interleaved.wall_seconds if interleaved else (),
        )
        if baseline is not None and request.compare
        else None
    )
    return MeasureResult(result, measurement_id, created_at, git, comparison, tuple(notes))
