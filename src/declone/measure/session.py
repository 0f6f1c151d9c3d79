"""One ``declone measure``: the target's pytest collection run, measured, and kept in the history.

The figures go into ``.declone/history.sqlite`` under the commit they were measured on; a saved
name makes them a baseline, and a baseline named in the request is compared with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from declone.errors import DecloneError
from declone.measure import history, measurement, pytestrun
from declone.measure.history import GitState
from declone.measure.measurement import Comparison, Measurement

__all__ = ["MeasureRequest", "MeasureResult", "measure_collection"]

#: Functions ``--profile`` shows, by cumulative time.
_PROFILE_FUNCTIONS = 30


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


@dataclass(frozen=True, slots=True)
class MeasureResult:
    measurement: Measurement
    measurement_id: int
    created_at: str
    git: GitState | None
    comparison: Comparison | None


def measure_collection(
    root: Path, request: MeasureRequest, *, on_start: Callable[[str], None] | None = None
) -> MeasureResult:
    """Run the target's collection once, measured; ``on_start`` hears the command first."""
    python = pytestrun.choose_interpreter(root, request.python)
    connection = history.open_history(root / history.HISTORY_PATH)
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
        arguments = measurement.collect_arguments(request.paths, request.pytest_args)
        if on_start is not None:
            on_start(f"{python} {' '.join(arguments)}")
        before = pytestrun.snapshot_tree(root)
        process = pytestrun.run_pytest(
            python,
            arguments,
            cwd=root,
            timeout=request.timeout,
            import_markers=True,
            profile=_PROFILE_FUNCTIONS if request.profile else 0,
        )
        changed = measurement.diff_snapshots(before, pytestrun.snapshot_tree(root))
        pytestrun.ensure_started(process)
        result = measurement.build_measurement(
            process.events,
            process.stderr,
            root=str(root),
            python=python,
            command=process.command,
            wall_seconds=process.wall_seconds,
            exit_code=process.exit_code,
            timeout=request.timeout,
            changed_files=changed,
        )
        created_at = datetime.now(UTC).isoformat(timespec="seconds")
        measurement_id = history.save_measurement(
            connection, result, created_at=created_at, git=git
        )
        if request.save:
            history.name_baseline(connection, request.save, measurement_id, named_at=created_at)
    finally:
        connection.close()
    comparison = (
        measurement.compare_measurements(request.compare, baseline.measurement, result)
        if baseline is not None and request.compare
        else None
    )
    return MeasureResult(result, measurement_id, created_at, git, comparison)
