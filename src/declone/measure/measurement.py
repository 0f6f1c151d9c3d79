"""What a pytest collection costs and yields, as frozen records built from the recorder's output.

The target's pytest runs in a subprocess (:mod:`declone.measure.pytestrun`) with declone's recorder
plugin (:mod:`declone.measure.collector`) and ``-X importtime``; this module turns what came back
(the recorder's JSON events and the interpreter's stderr) into a :class:`Measurement`, and
compares two measurements. Nothing here touches files, processes or the clock.
"""

from __future__ import annotations

import enum
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePath
from typing import Any

from declone.measure.collector import PLUGIN_MODULE
from declone.measure.spread import Rounds, TimeChange, time_change_to_json

__all__ = [
    "FORCED_OPTIONS",
    "IMPORT_MARKER_PREFIX",
    "ChangeKind",
    "CollectionError",
    "Comparison",
    "CountChange",
    "ImportTiming",
    "Measurement",
    "ModuleTiming",
    "ProfileEntry",
    "Round",
    "TimingChange",
    "TreeChange",
    "WarningGroup",
    "WarningRecord",
    "build_measurement",
    "collect_arguments",
    "collection_errors_from_events",
    "compare_measurements",
    "comparison_to_json",
    "diff_snapshots",
    "measurement_from_json",
    "measurement_to_json",
    "merge_rounds",
    "parse_events",
    "relative_path",
]

#: Options appended after the user's own so that they win over the repo's ``addopts``:
#: ``--maxfail=0`` so that a repo's ``-x`` or ``--maxfail`` cannot cut collection short, and
#: ``--capture=no`` so that the ``-X importtime`` lines written during collection reach declone
#: instead of pytest's capture.
FORCED_OPTIONS = ("--maxfail=0", "--capture=no")

#: Must match ``declone_collect.MARKER_PREFIX`` (the plugin cannot import declone).
IMPORT_MARKER_PREFIX = "declone-collect:"

_STARTUP = "<startup>"
_TOP_IMPORTS = 25
_IMPORTS_PER_MODULE = 3
_TOP_MODULE_CHANGES = 10


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"


@dataclass(frozen=True, slots=True)
class CollectionError:
    """A collector that failed: a test module or a conftest that raised while imported."""

    path: str
    exception_type: str
    message: str
    nodeid: str = ""


@dataclass(frozen=True, slots=True)
class WarningRecord:
    category: str
    message: str
    path: str
    lineno: int
    when: str = "collect"

    @property
    def pattern(self) -> str:
        """The message with its particulars (names, paths, numbers) replaced by ``*``."""
        text = re.sub(r"\(from: [^)]*\)", "(from: *)", self.message)
        text = re.sub(r"'[^']*'|\"[^\"]*\"", "'*'", text)
        return re.sub(r"\d+", "*", text)

    @property
    def subject(self) -> str:
        """The first quoted name in the message: the class pytest could not collect."""
        found = re.search(r"'([^']+)'", self.message)
        return found.group(1) if found else ""


@dataclass(frozen=True, slots=True)
class WarningGroup:
    category: str
    pattern: str
    count: int


@dataclass(frozen=True, slots=True)
class ImportTiming:
    """One import as ``-X importtime`` reported it, charged to the collector that caused it."""

    module: str
    self_us: int
    cumulative_us: int
    #: Path of the module (or directory, for a conftest) being collected, or ``<startup>``.
    importer: str


@dataclass(frozen=True, slots=True)
class ModuleTiming:
    """Time spent collecting one file (its import included), or one directory's own work."""

    path: str
    seconds: float
    tests: int
    imports: tuple[ImportTiming, ...] = ()
    #: True for the collector that was still running when a timeout stopped the run.
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    file: str
    line: int
    function: str
    calls: int
    own_seconds: float
    cumulative_seconds: float

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class TreeChange:
    path: str
    kind: ChangeKind


@dataclass(frozen=True, slots=True)
class Round:
    """One timed collection of the tree: a measurement takes one or more."""

    wall_seconds: float
    cpu_seconds: float | None


@dataclass(frozen=True, slots=True)
class Measurement:
    """One collection of the target's suite by its own pytest, in one or more rounds.

    With several rounds, the times are the rounds' medians (each module's too), and every
    other figure is the first round's: the rounds collect the same tree.
    """

    root: str
    python: str
    command: tuple[str, ...]
    pytest_version: str
    python_version: str
    wall_seconds: float
    cpu_seconds: float | None
    peak_rss_bytes: int | None
    #: pytest's exit code; None when declone had to stop it.
    exit_code: int | None
    test_ids: tuple[str, ...]
    errors: tuple[CollectionError, ...]
    warnings: tuple[WarningRecord, ...]
    #: Slowest first.
    modules: tuple[ModuleTiming, ...]
    #: Slowest first, at most a few dozen.
    imports: tuple[ImportTiming, ...]
    forced_options: tuple[str, ...] = FORCED_OPTIONS
    #: The repo's own options that ``--maxfail=0`` overrode (``-x``, ``--maxfail=1``).
    overridden_options: tuple[str, ...] = ()
    profile: tuple[ProfileEntry, ...] = ()
    changed_files: tuple[TreeChange, ...] = ()
    partial: bool = False
    partial_reason: str = ""
    #: Every round in the order it ran; empty means the one round of ``wall_seconds``.
    rounds: tuple[Round, ...] = ()

    @property
    def wall_rounds(self) -> Rounds:
        """The wall times of the rounds, for their median and spread."""
        if not self.rounds:
            return Rounds((self.wall_seconds,))
        return Rounds(tuple(r.wall_seconds for r in self.rounds))

    @property
    def warning_groups(self) -> tuple[WarningGroup, ...]:
        counts = Counter((w.category, w.pattern) for w in self.warnings)
        return tuple(
            WarningGroup(category, pattern, count)
            for (category, pattern), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )

    @property
    def warnings_by_category(self) -> dict[str, int]:
        return dict(sorted(Counter(w.category for w in self.warnings).items()))

    @property
    def collection_warnings(self) -> tuple[WarningRecord, ...]:
        return tuple(w for w in self.warnings if w.category == "PytestCollectionWarning")


@dataclass(frozen=True, slots=True)
class CountChange:
    key: str
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class TimingChange:
    path: str
    before_seconds: float
    after_seconds: float

    @property
    def delta(self) -> float:
        return self.after_seconds - self.before_seconds


@dataclass(frozen=True, slots=True)
class Comparison:
    """How a measurement differs from a named baseline."""

    baseline: str
    wall_before: float
    wall_after: float
    cpu_before: float | None
    cpu_after: float | None
    warnings: tuple[CountChange, ...]
    errors_added: tuple[CollectionError, ...]
    errors_removed: tuple[CollectionError, ...]
    tests_added: tuple[str, ...]
    tests_removed: tuple[str, ...]
    #: The wall times of both sides' rounds, and whether their difference is measurable.
    time: TimeChange
    modules: tuple[TimingChange, ...] = field(default=())

    @property
    def wall_ratio(self) -> float | None:
        """The medians' ratio; say it only with its spread (``time.describe()``)."""
        return self.time.ratio


def collect_arguments(paths: Sequence[str], pytest_args: Sequence[str]) -> tuple[str, ...]:
    """Interpreter arguments for a measured collection: ``PY <these>``."""
    return (
        "-X",
        "importtime",
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        PLUGIN_MODULE,
        *paths,
        *pytest_args,
        *FORCED_OPTIONS,
    )


def parse_events(text: str) -> list[dict[str, Any]]:
    """The recorder's JSON lines; a line cut short by a killed process is dropped."""
    events = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and "event" in event:
            events.append(event)
    return events


def relative_path(path: str, root: str) -> str:
    """``path`` relative to ``root`` in POSIX form when it is inside it, else unchanged."""
    if not path:
        return path
    pure, base = PurePath(path), PurePath(root)
    if not pure.is_absolute():
        return pure.as_posix()
    try:
        relative = pure.relative_to(base)
    except ValueError:
        return pure.as_posix()
    return relative.as_posix() or "."


def _exception_from_longrepr(text: str) -> tuple[str, str]:
    # pytest's short tracebacks end with ``E   Type: message`` lines.
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    for line in reversed(lines):
        name, sep, message = line.partition(": ")
        if sep and name.replace(".", "").isidentifier():
            return name.rsplit(".", 1)[-1], message
    if lines:
        return "CollectError", lines[-1]
    remaining = text.strip().splitlines()
    return "CollectError", remaining[-1] if remaining else ""


def collection_errors_from_events(
    events: Iterable[Mapping[str, Any]], root: str
) -> tuple[CollectionError, ...]:
    """Every failed collector and failed conftest, with the exception behind it."""
    events = list(events)
    paths = {e["nodeid"]: e.get("path", "") for e in events if e["event"] == "collector"}
    explained = {e["nodeid"]: e for e in events if e["event"] == "error"}
    errors: list[CollectionError] = []
    for event in events:
        if event["event"] == "conftest_error":
            errors.append(
                CollectionError(relative_path(event["path"], root), event["type"], event["message"])
            )
        elif event["event"] == "collector" and event.get("outcome") == "failed":
            nodeid = event["nodeid"]
            if nodeid in explained:
                kind, message = explained[nodeid]["type"], explained[nodeid]["message"]
            else:
                kind, message = _exception_from_longrepr(event.get("longrepr", ""))
            path = relative_path(paths.get(nodeid, "") or nodeid, root)
            errors.append(CollectionError(path, kind, message, nodeid))
    return tuple(errors)


def _parse_importtime(
    stderr: str, owners: Mapping[str, str]
) -> dict[str, list[tuple[int, ImportTiming]]]:
    """``-X importtime`` lines grouped by the collector running when each import finished.

    Returns ``importer -> [(depth, timing), ...]``; ``owners`` maps node ids to paths.
    """
    stack: list[str] = []
    grouped: dict[str, list[tuple[int, ImportTiming]]] = {}
    for line in stderr.splitlines():
        if line.startswith(IMPORT_MARKER_PREFIX):
            what, _, nodeid = line[len(IMPORT_MARKER_PREFIX) + 1 :].partition(" ")
            if what == "begin":
                stack.append(nodeid)
            elif stack:
                stack.pop()
            continue
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line
        name = parts[2][1:]
        depth = (len(name) - len(name.lstrip(" "))) // 2
        importer = owners.get(stack[-1], stack[-1]) if stack else _STARTUP
        timing = ImportTiming(name.strip(), int(parts[0]), int(parts[1]), importer)
        grouped.setdefault(importer, []).append((depth, timing))
    return grouped


def _direct_imports(entries: Sequence[tuple[int, ImportTiming]]) -> list[ImportTiming]:
    """The outermost imports of a group: the nested ones are inside their cumulative time."""
    if not entries:
        return []
    shallowest = min(depth for depth, _ in entries)
    direct = [timing for depth, timing in entries if depth == shallowest]
    return sorted(direct, key=lambda t: t.cumulative_us, reverse=True)


def _module_timings(
    events: Sequence[Mapping[str, Any]],
    root: str,
    imports: Mapping[str, list[ImportTiming]],
) -> tuple[ModuleTiming, ...]:
    seconds: dict[str, float] = {}
    tests: Counter[str] = Counter()
    paths: dict[str, str] = {}
    for event in events:
        if event["event"] != "collector":
            continue
        path = relative_path(event.get("path", "") or event["nodeid"], root)
        paths[event["nodeid"]] = path
        seconds[path] = seconds.get(path, 0.0) + float(event["seconds"])
        tests[path] += len(event.get("items", ()))
    interrupted: set[str] = set()
    for event in events:
        if event["event"] == "terminated" and event.get("collecting"):
            # Only the innermost collector's own time: the outer ones contain it.
            current = event["collecting"][-1]
            path = paths.get(current["nodeid"], current["nodeid"].split("::")[0])
            seconds[path] = seconds.get(path, 0.0) + float(current["seconds"])
            interrupted.add(path)
    timings = (
        ModuleTiming(
            path,
            value,
            tests[path],
            tuple(imports.get(path, ())[:_IMPORTS_PER_MODULE]),
            path in interrupted,
        )
        for path, value in seconds.items()
    )
    return tuple(sorted(timings, key=lambda m: (-m.seconds, m.path)))


def _last(events: Sequence[Mapping[str, Any]], *names: str) -> Mapping[str, Any]:
    found: Mapping[str, Any] = next((e for e in reversed(events) if e["event"] in names), {})
    return found


def _test_ids(events: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    collected = _last(events, "collected")
    if collected:
        return tuple(collected["ids"])
    # Cut short before the end of collection: what the finished collectors had yielded.
    seen: dict[str, None] = {}
    for event in events:
        if event["event"] == "collector":
            seen.update(dict.fromkeys(event.get("items", ())))
    return tuple(seen)


def build_measurement(
    events: Sequence[Mapping[str, Any]],
    stderr: str,
    *,
    root: str,
    python: str,
    command: Sequence[str],
    wall_seconds: float,
    exit_code: int | None,
    timeout: float | None = None,
    changed_files: Sequence[TreeChange] = (),
) -> Measurement:
    """Turn a collection run's events and stderr into a :class:`Measurement`.

    ``exit_code`` is None when the run was stopped after ``timeout`` seconds; the result is
    then marked partial and says what was being collected when it was stopped.
    """
    start = _last(events, "start")
    end = _last(events, "finish", "terminated")
    owners = {
        e["nodeid"]: relative_path(e.get("path", "") or e["nodeid"], root)
        for e in events
        if e["event"] == "collector"
    }
    grouped = _parse_importtime(stderr, owners)
    direct = {importer: _direct_imports(entries) for importer, entries in grouped.items()}
    slowest = sorted(
        (timing for timings in direct.values() for timing in timings),
        key=lambda t: t.cumulative_us,
        reverse=True,
    )[:_TOP_IMPORTS]
    warnings = tuple(
        WarningRecord(
            e["category"],
            e["message"],
            relative_path(e.get("filename", ""), root),
            int(e.get("lineno") or 0),
            e.get("when", "collect"),
        )
        for e in events
        if e["event"] == "warning"
    )
    profile = tuple(
        ProfileEntry(
            relative_path(f["file"], root),
            int(f["line"]),
            f["function"],
            int(f["calls"]),
            float(f["own_seconds"]),
            float(f["cumulative_seconds"]),
        )
        for f in _last(events, "profile").get("functions", ())
    )
    partial_reason = ""
    if exit_code is None:
        partial_reason = f"timed out after {timeout:g} s" if timeout else "stopped"
        collecting = _last(events, "terminated").get("collecting") or []
        if collecting:
            current = collecting[-1]["nodeid"]
            partial_reason += f" while collecting {owners.get(current, current) or '.'}"
    rss = end.get("peak_rss_bytes")
    cpu = end.get("cpu_seconds")
    return Measurement(
        root=root,
        python=python,
        command=tuple(command),
        pytest_version=start.get("pytest", ""),
        python_version=start.get("python", ""),
        wall_seconds=wall_seconds,
        cpu_seconds=float(cpu) if cpu is not None else None,
        peak_rss_bytes=int(rss) if rss is not None else None,
        exit_code=exit_code,
        test_ids=_test_ids(events),
        errors=collection_errors_from_events(events, root),
        warnings=warnings,
        modules=_module_timings(events, root, direct),
        imports=tuple(slowest),
        overridden_options=tuple(start.get("stop_options", ())),
        profile=profile,
        changed_files=tuple(changed_files),
        partial=exit_code is None,
        partial_reason=partial_reason,
    )


def diff_snapshots(
    before: Mapping[str, tuple[int, int]], after: Mapping[str, tuple[int, int]]
) -> tuple[TreeChange, ...]:
    """Files added, removed or modified between two ``path -> (size, mtime_ns)`` snapshots."""
    changes = [TreeChange(path, ChangeKind.ADDED) for path in after.keys() - before.keys()]
    changes += [TreeChange(path, ChangeKind.REMOVED) for path in before.keys() - after.keys()]
    changes += [
        TreeChange(path, ChangeKind.MODIFIED)
        for path in before.keys() & after.keys()
        if before[path] != after[path]
    ]
    return tuple(sorted(changes, key=lambda c: c.path))


def compare_measurements(
    baseline_name: str,
    before: Measurement,
    after: Measurement,
    *,
    baseline_rounds: Sequence[float] = (),
) -> Comparison:
    """How ``after`` differs from the baseline ``before``.

    ``baseline_rounds`` are wall times of the baseline's tree measured again, interleaved with
    ``after``'s rounds: the time comparison uses them instead of the baseline's own rounds,
    which ran at another time, under another load.
    """
    time = (
        TimeChange(Rounds(tuple(baseline_rounds)), after.wall_rounds, interleaved=True)
        if baseline_rounds
        else TimeChange(before.wall_rounds, after.wall_rounds, interleaved=False)
    )
    categories = sorted(set(before.warnings_by_category) | set(after.warnings_by_category))
    warnings = tuple(
        CountChange(
            category,
            before.warnings_by_category.get(category, 0),
            after.warnings_by_category.get(category, 0),
        )
        for category in categories
    )
    old_ids, new_ids = set(before.test_ids), set(after.test_ids)
    old_times = {m.path: m.seconds for m in before.modules}
    new_times = {m.path: m.seconds for m in after.modules}
    modules = [
        TimingChange(path, old_times.get(path, 0.0), new_times.get(path, 0.0))
        for path in old_times.keys() | new_times.keys()
    ]
    modules.sort(key=lambda change: (-abs(change.delta), change.path))
    return Comparison(
        baseline=baseline_name,
        wall_before=time.before.median,
        wall_after=time.after.median,
        cpu_before=before.cpu_seconds,
        cpu_after=after.cpu_seconds,
        warnings=warnings,
        errors_added=tuple(e for e in after.errors if e not in before.errors),
        errors_removed=tuple(e for e in before.errors if e not in after.errors),
        tests_added=tuple(sorted(new_ids - old_ids)),
        tests_removed=tuple(sorted(old_ids - new_ids)),
        time=time,
        modules=tuple(modules[:_TOP_MODULE_CHANGES]),
    )


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def merge_rounds(rounds: Sequence[Measurement]) -> Measurement:
    """One measurement of the same tree's rounds: the first round's figures, with the
    rounds' median wall and CPU times, and each module's median time over the rounds that
    collected it."""
    first = rounds[0]
    cpu = [r.cpu_seconds for r in rounds if r.cpu_seconds is not None]
    seconds: dict[str, list[float]] = {}
    for measured in rounds:
        for module in measured.modules:
            seconds.setdefault(module.path, []).append(module.seconds)
    modules = sorted(
        (replace(m, seconds=_median(seconds[m.path])) for m in first.modules),
        key=lambda m: (-m.seconds, m.path),
    )
    return replace(
        first,
        wall_seconds=_median([r.wall_seconds for r in rounds]),
        cpu_seconds=_median(cpu) if cpu else None,
        modules=tuple(modules),
        partial=any(r.partial for r in rounds),
        partial_reason=next((r.partial_reason for r in rounds if r.partial), ""),
        rounds=tuple(Round(r.wall_seconds, r.cpu_seconds) for r in rounds),
    )


def measurement_to_json(measurement: Measurement) -> dict[str, Any]:
    document = asdict(measurement)
    document["warning_groups"] = [asdict(group) for group in measurement.warning_groups]
    document["warnings_by_category"] = measurement.warnings_by_category
    return document


def measurement_from_json(document: Mapping[str, Any]) -> Measurement:
    """The inverse of :func:`measurement_to_json` (derived fields are ignored)."""

    def imports(items: Iterable[Mapping[str, Any]]) -> tuple[ImportTiming, ...]:
        return tuple(ImportTiming(**item) for item in items)

    return Measurement(
        root=document["root"],
        python=document["python"],
        command=tuple(document["command"]),
        pytest_version=document["pytest_version"],
        python_version=document["python_version"],
        wall_seconds=document["wall_seconds"],
        cpu_seconds=document["cpu_seconds"],
        peak_rss_bytes=document["peak_rss_bytes"],
        exit_code=document["exit_code"],
        test_ids=tuple(document["test_ids"]),
        errors=tuple(CollectionError(**item) for item in document["errors"]),
        warnings=tuple(WarningRecord(**item) for item in document["warnings"]),
        modules=tuple(
            ModuleTiming(**{**item, "imports": imports(item["imports"])})
            for item in document["modules"]
        ),
        imports=imports(document["imports"]),
        forced_options=tuple(document["forced_options"]),
        overridden_options=tuple(document["overridden_options"]),
        profile=tuple(ProfileEntry(**item) for item in document["profile"]),
        changed_files=tuple(
            TreeChange(item["path"], ChangeKind(item["kind"])) for item in document["changed_files"]
        ),
        partial=document["partial"],
        partial_reason=document["partial_reason"],
        # Measurements saved before rounds existed were one round: ``wall_seconds``.
        rounds=tuple(
            Round(item["wall_seconds"], item["cpu_seconds"]) for item in document.get("rounds", ())
        ),
    )


def comparison_to_json(comparison: Comparison) -> dict[str, Any]:
    document = asdict(comparison)
    document["wall_ratio"] = comparison.wall_ratio
    document["time"] = time_change_to_json(comparison.time)
    for change, item in zip(comparison.modules, document["modules"], strict=True):
        item["delta"] = change.delta
    return document
