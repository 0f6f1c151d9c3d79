"""Running the target's own pytest in a subprocess, with declone's recorder plugin injected.

This is the edge where declone meets the target's environment: which interpreter runs the
tests, what its environment holds, how a run that hangs is stopped without losing what it had
already recorded, and what pytest reported for each test. The plugin is copied alone into a
temporary directory put first on ``PYTHONPATH``, so the target's interpreter needs nothing
installed but pytest, and loaded with ``-p declone_collect``.
"""

from __future__ import annotations

import enum
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode
from declone.measure.collector import PLUGIN_MODULE, plugin_source
from declone.measure.measurement import CollectionError, collection_errors_from_events, parse_events

__all__ = [
    "SKIPPED_DIRECTORIES",
    "ItemOutcome",
    "Outcome",
    "PytestProcess",
    "SuiteRun",
    "build_environment",
    "choose_interpreter",
    "ensure_started",
    "has_xdist",
    "outcomes_from_events",
    "run_arguments",
    "run_pytest",
    "run_tests",
    "snapshot_tree",
]

#: Directories that a tree snapshot ignores: version control, environments, caches, declone's.
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".venv", "venv", "__pycache__", ".pytest_cache", ".declone", ".tox", ".nox"}
)

#: Seconds a stopped run gets to write its last events after SIGTERM, before SIGKILL.
_GRACE_SECONDS = 5.0

#: Variables that belong to a pytest (or pytest-xdist) run declone itself may be part of.
_INHERITED_RUN_VARIABLES = ("PYTEST_CURRENT_TEST", "PYTEST_VERSION")


@dataclass(frozen=True, slots=True)
class PytestProcess:
    """What a finished or stopped pytest subprocess left behind."""

    command: tuple[str, ...]
    #: None when declone stopped the process after its timeout.
    exit_code: int | None
    wall_seconds: float
    events: tuple[dict[str, Any], ...]
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None

    def has_event(self, name: str) -> bool:
        return any(event["event"] == name for event in self.events)


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"
    #: A failure in setup or teardown.
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    nodeid: str
    outcome: Outcome
    #: Setup, call and teardown together.
    duration: float
    #: First line of the failure, for failed and error outcomes.
    message: str = ""


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """The outcome of every test of one run, keyed by test id."""

    process: PytestProcess
    outcomes: Mapping[str, ItemOutcome]
    collection_errors: tuple[CollectionError, ...]
    used_xdist: bool

    @property
    def timed_out(self) -> bool:
        return self.process.timed_out


def choose_interpreter(root: Path, python: str | None) -> str:
    """``--python`` if given, else the repo's ``.venv`` interpreter, else declone's own."""
    if python:
        candidate = Path(python).expanduser()
        if not candidate.is_file():
            raise DecloneError(
                f"{python}: no such interpreter; pass --python the path of the target's python"
            )
        # Not resolved: a venv's python is a symlink and must be run through its own path.
        return str(candidate.absolute())
    for relative in (".venv/bin/python", ".venv/Scripts/python.exe"):
        candidate = root / relative
        if candidate.is_file():
            return str(candidate.absolute())
    return sys.executable


def build_environment(
    base: Mapping[str, str],
    plugin_dir: Path,
    results: Path,
    *,
    import_markers: bool = False,
    profile: int = 0,
) -> dict[str, str]:
    """The target's environment: ``base`` plus the plugin's directory and settings."""
    environment = {
        key: value
        for key, value in base.items()
        if key not in _INHERITED_RUN_VARIABLES and not key.startswith("PYTEST_XDIST_")
    }
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (
        f"{plugin_dir}{os.pathsep}{existing}" if existing else str(plugin_dir)
    )
    environment["DECLONE_RESULTS"] = str(results)
    environment.pop("DECLONE_IMPORT_MARKERS", None)
    environment.pop("DECLONE_PROFILE", None)
    if import_markers:
        environment["DECLONE_IMPORT_MARKERS"] = "1"
    if profile > 0:
        environment["DECLONE_PROFILE"] = str(profile)
    return environment


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (the recorder writes its last event), then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


def run_pytest(
    python: str,
    arguments: Sequence[str],
    *,
    cwd: Path,
    timeout: float | None = None,
    import_markers: bool = False,
    profile: int = 0,
    environ: Mapping[str, str] | None = None,
) -> PytestProcess:
    """Run ``python <arguments>`` in ``cwd`` with the recorder plugin importable.

    Raises :class:`DecloneError` (``ExitCode.TARGET``) when the interpreter has no pytest, and
    ``ExitCode.USAGE`` when it cannot be started at all.
    """
    command = (python, *arguments)
    with tempfile.TemporaryDirectory(prefix="declone-pytest-") as scratch:
        work = Path(scratch)
        plugin_dir = work / "plugin"
        plugin_dir.mkdir()
        (plugin_dir / f"{PLUGIN_MODULE}.py").write_bytes(plugin_source())
        results = work / "results.jsonl"
        environment = build_environment(
            os.environ if environ is None else environ,
            plugin_dir,
            results,
            import_markers=import_markers,
            profile=profile,
        )
        with open(work / "stdout", "wb") as out, open(work / "stderr", "wb") as err:
            started = time.perf_counter()
            try:
                process = subprocess.Popen(
                    command,
                    cwd=cwd,
                    env=environment,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                )
            except OSError as exc:
                raise DecloneError(
                    f"{python}: cannot run the interpreter ({exc.strerror}); "
                    "pass --python the path of the target's python"
                ) from exc
            exit_code: int | None
            try:
                exit_code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                exit_code = None
            wall = time.perf_counter() - started
        stdout = (work / "stdout").read_text("utf-8", "replace")
        stderr = (work / "stderr").read_text("utf-8", "replace")
        events = parse_events(results.read_text("utf-8", "replace")) if results.exists() else []
    if not events and "No module named pytest" in stderr:
        raise DecloneError(
            f"{python}: No module named pytest in the target interpreter; "
            f"install it with: {python} -m pip install pytest",
            ExitCode.TARGET,
        )
    return PytestProcess(command, exit_code, wall, tuple(events), stdout, stderr)


def ensure_started(process: PytestProcess) -> None:
    """Raise when pytest stopped before collecting, for a reason other than a conftest."""
    if process.timed_out or process.has_event("start") or process.has_event("conftest_error"):
        return
    output = (process.stderr.strip() or process.stdout.strip()).splitlines()
    reason = output[-1].strip() if output else "no output"
    raise DecloneError(
        f"{process.command[0]}: pytest exited with code {process.exit_code} before collecting "
        f"({reason}); check the pytest arguments and the repo's pytest configuration",
        ExitCode.TARGET,
    )


def snapshot_tree(root: Path) -> dict[str, tuple[int, int]]:
    """``relative POSIX path -> (size, mtime_ns)`` of every file under ``root``."""
    snapshot: dict[str, tuple[int, int]] = {}
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue  # unreadable or vanished while walking: nothing to compare
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRECTORIES:
                    pending.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                stat = entry.stat(follow_symlinks=False)
                relative = Path(entry.path).relative_to(root).as_posix()
                snapshot[relative] = (stat.st_size, stat.st_mtime_ns)
    return snapshot


def has_xdist(python: str, cwd: Path, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the target interpreter can import pytest-xdist (in ``environ``, if given)."""
    probe = subprocess.run(
        (python, "-c", "import xdist"),
        cwd=cwd,
        env=None if environ is None else dict(environ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return probe.returncode == 0


def run_arguments(
    targets: Sequence[str], pytest_args: Sequence[str], *, jobs: int | None
) -> tuple[str, ...]:
    """Interpreter arguments for a test run with outcomes recorded: ``PY <these>``."""
    parallel = ("-n", str(jobs)) if jobs is not None else ()
    return (
        "-m",
        "pytest",
        "-q",
        "-p",
        PLUGIN_MODULE,
        *parallel,
        *targets,
        *pytest_args,
        "--maxfail=0",
        # A module that fails to import loses its own tests, not everyone's.
        "--continue-on-collection-errors",
    )


def _phase_outcome(event: Mapping[str, Any]) -> Outcome | None:
    when, outcome, wasxfail = event["when"], event["outcome"], event.get("wasxfail", False)
    if outcome == "failed":
        return Outcome.FAILED if when == "call" else Outcome.ERROR
    if outcome == "skipped":
        return Outcome.XFAILED if wasxfail else Outcome.SKIPPED
    if when == "call":
        return Outcome.XPASSED if wasxfail else Outcome.PASSED
    return None  # a setup or teardown that passed says nothing about the test


def outcomes_from_events(events: Iterable[Mapping[str, Any]]) -> dict[str, ItemOutcome]:
    """One outcome per test id from the recorder's ``test`` events (setup, call, teardown).

    A failing teardown turns a test that passed (or was skipped) into an error, as pytest
    counts it; a test run again (a rerun plugin) starts over at its new setup.
    """
    outcomes: dict[str, tuple[Outcome, str]] = {}
    durations: dict[str, float] = {}
    for event in events:
        if event["event"] != "test":
            continue
        nodeid = event["nodeid"]
        if event["when"] == "setup":
            outcomes.pop(nodeid, None)
            durations[nodeid] = 0.0
        durations[nodeid] = durations.get(nodeid, 0.0) + float(event.get("duration") or 0.0)
        outcome = _phase_outcome(event)
        previous = outcomes.get(nodeid)
        if outcome is None or (
            outcome is Outcome.ERROR
            and previous is not None
            and previous[0] in (Outcome.FAILED, Outcome.ERROR)
        ):
            continue
        outcomes[nodeid] = (outcome, event.get("message", ""))
    return {
        nodeid: ItemOutcome(nodeid, outcome, durations[nodeid], message)
        for nodeid, (outcome, message) in outcomes.items()
    }


def run_tests(
    root: Path,
    targets: Sequence[str] = (),
    *,
    python: str | None = None,
    jobs: int | None = None,
    timeout: float | None = None,
    pytest_args: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> SuiteRun:
    """Run the target's tests in ``root`` and return the outcome of every test id.

    With ``jobs`` above 1, the run is spread with pytest-xdist (``-n jobs``) when the target
    interpreter has it, and runs in one process otherwise. ``environ`` replaces
    ``os.environ`` as the base of the target's environment.
    """
    interpreter = choose_interpreter(root, python)
    use_xdist = jobs is not None and jobs > 1 and has_xdist(interpreter, root, environ)
    arguments = run_arguments(targets, pytest_args, jobs=jobs if use_xdist else None)
    process = run_pytest(interpreter, arguments, cwd=root, timeout=timeout, environ=environ)
    ensure_started(process)
    rootdir = next((e["rootdir"] for e in process.events if e["event"] == "start"), str(root))
    return SuiteRun(
        process=process,
        outcomes=outcomes_from_events(process.events),
        collection_errors=collection_errors_from_events(process.events, rootdir),
        used_xdist=use_xdist,
    )
