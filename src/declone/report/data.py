"""What ``declone report`` shows: families, migration runs and measurements, as one value.

Pure: the scan index, the registry, the journal's runs and the stored measurements come in
(read by :mod:`declone.report.sources`), one frozen :class:`ReportData` comes out, and every
renderer (terminal, Markdown, HTML, JSON) draws from it alone. Nothing here touches files.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from declone import __version__
from declone.measure import (
    Rounds,
    StoredMeasurement,
    TimeChange,
    compare_measurements,
    time_change_to_json,
)
from declone.model import SCHEMA_VERSION, Family, ScanIndex, Variant, VariantDiff
from declone.registry import RegisteredFamily
from declone.scan import summary_of

__all__ = [
    "NOT_VERIFIED",
    "BeforeAfter",
    "CommitCounts",
    "CopiesSource",
    "FamilyStatus",
    "FamilyView",
    "FileOutcome",
    "Headline",
    "HistoryPoint",
    "MigrationTotals",
    "Regression",
    "ReportData",
    "ReportInputs",
    "RunView",
    "VariantView",
    "VerificationView",
    "build_report",
    "describe_diff",
    "migration_totals",
    "report_to_json",
]


class FamilyStatus(enum.StrEnum):
    """Where a family stands on the way from copies to one guarded canonical class."""

    #: Found by the scan; nothing done yet.
    OPEN = "open"
    #: A migration was started and undone (or is in progress): a canonical was chosen.
    PLANNED = "planned"
    #: A migration run applied changes for it.
    MIGRATED = "migrated"
    #: Registered in ``[tool.declone.families]``: ``declone check`` rejects new copies.
    GUARDED = "guarded"


class CopiesSource(enum.StrEnum):
    """Where a history point's count of live copies comes from."""

    #: A scan of the files of the measurement's git commit (the tree was clean).
    COMMIT = "commit"
    #: A scan of the working tree (the newest measurement of a dirty tree or of no git repo).
    WORKING_TREE = "working tree"
    #: Unknown: a dirty tree measured earlier than the working tree's state.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class VariantView:
    id: str
    count: int
    #: ``path:line:col`` of the copy shown for the variant.
    representative: str
    copies: tuple[str, ...]
    #: One line per difference from the dominant variant, e.g. ``"adds method: ping"``.
    differences: tuple[str, ...]
    #: Unified diff of this variant's source against the dominant one ("" for the dominant).
    source_diff: str


@dataclass(frozen=True)
class FamilyView:
    name: str
    names: tuple[str, ...]
    status: FamilyStatus
    #: Live copies the scan finds now; 0 once the family is consolidated into one class.
    copies: int
    files: int
    duplicated_lines: int
    #: Copies whose ``__init__`` makes pytest warn, as the scan sees them.
    warning_sources: int
    #: ``PytestCollectionWarning`` s about the family's names in the latest measurement.
    measured_warnings: int | None
    matched_by: tuple[str, ...]
    variants: tuple[VariantView, ...]
    #: ``module:Class`` of the registered canonical, "" when not registered.
    canonical: str
    runs: tuple[str, ...]


@dataclass(frozen=True)
class FileOutcome:
    """One file of a migration run: what the journal wrote, or why the run left it alone."""

    path: str
    #: As the run recorded it: ``"replace TestX"``, ``"extract TestX; alias Y"``, ...
    action: str
    #: ``"migrated"``, ``"pending"`` (the run stopped mid-batch), ``"rolled back"``,
    #: ``"skipped"``.
    status: str
    reason: str = ""
    #: The run's batch that wrote it (0 for a skipped file).
    batch: int = 0
    #: The run created the file (an extracted canonical module) rather than changed it.
    created: bool = False

    @property
    def verbs(self) -> tuple[str, ...]:
        """The kinds of edit, one per ``;``-separated action: ``("extract", "alias")``."""
        return tuple(part.split()[0] for part in self.action.split(";") if part.strip())


@dataclass(frozen=True)
class Regression:
    """A test that passed on the original tree and not on the migrated one (or vanished)."""

    test: str
    #: Outcomes as pytest names them; "" when the test did not exist on that side.
    before: str
    after: str
    message: str
    #: The run's files the regression is pinned to.
    files: tuple[str, ...]


@dataclass(frozen=True)
class VerificationView:
    """What ``declone verify`` recorded for a run (all its checks, one per batch, together)."""

    #: ``"passed"``, ``"regressed"``, ``"rolled back"`` (regressed files were undone and the
    #: rest passed), ``"not verified"``, or ``"unreadable"``.
    status: str
    verified_at: str = ""
    checks: int = 0
    tests_before: int = 0
    tests_after: int = 0
    regressions: tuple[Regression, ...] = ()
    #: Files verification rolled back because of the regressions.
    rolled_back: tuple[str, ...] = ()
    #: ``(path, reason)``: rollbacks the journal refused (nothing of that check was restored).
    refused: tuple[tuple[str, str], ...] = ()
    new_collection_errors: int = 0
    notes: tuple[str, ...] = ()


NOT_VERIFIED = VerificationView(status="not verified")


#: Edits that make the canonical or record it, rather than rewrite a copy.
_NOT_COPY_EDITS = frozenset({"extract", "register"})


@dataclass(frozen=True)
class RunView:
    """One migration run as the journal and its verification record tell it."""

    id: str
    family: str
    created_at: str
    canonical: str
    #: Every file the journal wrote, in the order it wrote them.
    files: tuple[FileOutcome, ...]
    #: Files the run left alone, with the reason (when the run recorded them).
    skipped: tuple[FileOutcome, ...] = ()
    verification: VerificationView = NOT_VERIFIED

    @property
    def actions(self) -> dict[str, int]:
        """How many files each kind of edit touched (a file may have several)."""
        counts = Counter(verb for f in self.files for verb in dict.fromkeys(f.verbs))
        return dict(sorted(counts.items()))

    @property
    def rolled_back(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.status == "rolled back")

    @property
    def applied(self) -> tuple[FileOutcome, ...]:
        """Files that hold the run's bytes: created or changed, not rolled back."""
        return tuple(f for f in self.files if f.status == "migrated")

    @property
    def changed(self) -> tuple[FileOutcome, ...]:
        """Applied files that existed before the run (``migrate``'s "N files changed")."""
        return tuple(f for f in self.applied if not f.created)

    @property
    def created(self) -> tuple[FileOutcome, ...]:
        """Applied files the run created: an extracted canonical module."""
        return tuple(f for f in self.applied if f.created)

    @property
    def copies_rewritten(self) -> int:
        """Copies the run replaced, aliased or kept as residual subclasses (a file may hold
        several); with ``skipped``, every copy the run's plan had."""
        return sum(1 for f in self.applied for verb in f.verbs if verb not in _NOT_COPY_EDITS)

    @property
    def copy_files(self) -> tuple[FileOutcome, ...]:
        """Applied files whose copies the run rewrote (``plan``'s "N files would change"):
        not the canonical's module, nor the registry, unless a copy was rewritten there too."""
        return tuple(
            f for f in self.applied if any(verb not in _NOT_COPY_EDITS for verb in f.verbs)
        )

    @property
    def interrupted(self) -> tuple[FileOutcome, ...]:
        """Files of a batch the run never finished: each holds its original or migrated bytes."""
        return tuple(f for f in self.files if f.status == "pending")

    @property
    def notable(self) -> tuple[FileOutcome, ...]:
        """The files a reader should look at: skipped, rolled back, interrupted."""
        return (*self.skipped, *self.rolled_back, *self.interrupted)


@dataclass(frozen=True)
class HistoryPoint:
    """One stored measurement, with the live copies of the code it measured."""

    measurement_id: int
    created_at: str
    commit: str
    branch: str
    dirty: bool
    #: The median of ``rounds``.
    collection_seconds: float
    tests: int
    errors: int
    warnings: int
    collection_warnings: int
    partial: bool
    copies: int | None
    copies_source: CopiesSource
    #: Duplicate families in the same tree as ``copies`` (None when ``copies`` is).
    families: int | None = None
    #: The wall time of each round of the collection, in the order they ran.
    rounds: tuple[float, ...] = ()

    @property
    def collection(self) -> Rounds:
        return Rounds(self.rounds or (self.collection_seconds,))

    @property
    def collection_text(self) -> str:
        """``"3.33s ±4%"`` (``"3.33s"`` for one round): the median and its spread."""
        return self.collection.short()

    @property
    def short_commit(self) -> str:
        return self.commit[:8] if self.commit else "no git"

    @property
    def label(self) -> str:
        return self.short_commit + ("*" if self.dirty else "")


@dataclass(frozen=True)
class BeforeAfter:
    """A baseline measurement against the latest one."""

    baseline: str
    before: HistoryPoint
    after: HistoryPoint
    #: ``(category, before, after)`` for every warning category either side has.
    warnings_by_category: tuple[tuple[str, int, int], ...]
    tests_added: tuple[str, ...]
    tests_removed: tuple[str, ...]
    errors_added: int
    errors_removed: int
    #: ``(path, seconds before, seconds after)``: the modules whose collection changed most.
    modules: tuple[tuple[str, float, float], ...]
    #: Collection time, in rounds: the latest measurement's against the baseline commit's,
    #: measured again between them when ``declone measure --compare`` could (interleaved),
    #: else the baseline's own stored rounds.
    time: TimeChange

    @property
    def time_ratio(self) -> float | None:
        """The medians' ratio; never shown without ``time``'s spread."""
        return self.time.ratio


@dataclass(frozen=True)
class MigrationTotals:
    """What the journal's runs did, each file and copy counted once over all the runs."""

    runs: int
    #: Families with a run.
    families: int
    #: Files holding a run's bytes now: ``changed`` plus ``created``.
    files_migrated: int
    files_changed: int
    files_created: int
    #: Files a run wrote and then restored (verification, or ``declone rollback``).
    files_rolled_back: int
    #: Files of a batch that never finished.
    files_pending: int
    #: Copies a run left where they are, each with a reason (a class created in a function).
    copies_skipped: int


def migration_totals(runs: Sequence[RunView]) -> MigrationTotals:
    """The runs' files and copies, each counted once (a file two runs changed is one file)."""

    def distinct(outcomes: Sequence[FileOutcome]) -> int:
        return len({outcome.path for outcome in outcomes})

    applied = [f for run in runs for f in run.applied]
    return MigrationTotals(
        runs=len(runs),
        families=len({run.family for run in runs}),
        files_migrated=distinct(applied),
        files_changed=distinct([f for f in applied if not f.created]),
        files_created=distinct([f for f in applied if f.created]),
        files_rolled_back=distinct([f for run in runs for f in run.rolled_back]),
        files_pending=distinct([f for run in runs for f in run.interrupted]),
        copies_skipped=len({(f.path, f.action) for run in runs for f in run.skipped}),
    )


@dataclass(frozen=True)
class CommitCounts:
    """What a scan of one commit's files found."""

    families: int
    live_copies: int


@dataclass(frozen=True)
class Headline:
    #: The scan of the tree now.
    families: int
    live_copies: int
    duplicated_lines: int
    warning_sources: int
    problems: int
    #: From the measurement history (baseline and latest); None without measurements.
    warnings_before: int | None
    warnings_after: int | None
    #: Medians of ``collection_change``'s rounds.
    collection_before: float | None
    collection_after: float | None
    copies_before: int | None
    copies_after: int | None
    tests_before: int | None
    tests_after: int | None
    families_before: int | None = None
    families_after: int | None = None
    collection_warnings_before: int | None = None
    collection_warnings_after: int | None = None
    #: Collection time before and after, in rounds, with the verdict on their difference.
    collection_change: TimeChange | None = None
    migration: MigrationTotals = MigrationTotals(0, 0, 0, 0, 0, 0, 0, 0)

    @property
    def collection_text(self) -> str:
        """``"3.26 s ±2% -> 3.33 s ±4%, no measurable change (±4%)"``: never a bare ratio."""
        if self.collection_change is not None:
            return self.collection_change.headline()
        return "-" if self.collection_after is None else f"{self.collection_after:.2f} s"


@dataclass(frozen=True)
class ReportData:
    root: str
    generated_at: str
    headline: Headline
    #: Open families first (most duplicated lines first), then the ones in hand, by name.
    families: tuple[FamilyView, ...]
    #: Oldest first.
    runs: tuple[RunView, ...]
    #: Oldest first.
    history: tuple[HistoryPoint, ...]
    before_after: BeforeAfter | None
    #: One message per run directory the journal could not read.
    journal_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report is made of, read from the repository by ``reportsources``."""

    root: str
    generated_at: str
    index: ScanIndex
    registered: tuple[RegisteredFamily, ...]
    runs: tuple[RunView, ...]
    #: As ``journal.list_runs`` reports them: run directories that cannot be read.
    journal_problems: tuple[str, ...]
    #: As ``history.list_measurements`` returns them: newest first.
    measurements: tuple[StoredMeasurement, ...]
    baseline_name: str
    baseline: StoredMeasurement | None
    #: Families and live copies per git commit, for the commits of clean measurements.
    counts_by_commit: Mapping[str, CommitCounts]
    #: The commit checked out now (None outside git).
    head_commit: str | None


def describe_diff(diff: VariantDiff) -> tuple[str, ...]:
    """The differences of a variant from the dominant one, one readable line each."""
    lines = [f"adds method {name}" for name in diff.methods_added]
    lines += [f"lacks method {name}" for name in diff.methods_missing]
    lines += [f"{name}: {change}" for name, change in diff.async_changes]
    lines += [f"{dominant} -> {this}" for _, dominant, this in diff.signature_changes]
    lines += [f"adds attribute {name}" for name in diff.attributes_added]
    lines += [f"lacks attribute {name}" for name in diff.attributes_missing]
    if diff.bases_changed:
        lines.append("different base classes")
    return tuple(lines)


def _variant_view(variant: Variant) -> VariantView:
    return VariantView(
        id=variant.id,
        count=variant.count,
        representative=variant.representative.location,
        copies=tuple(copy.location for copy in variant.copies),
        differences=describe_diff(variant.diff),
        source_diff=variant.diff.source_diff,
    )


def _status(registered: bool, runs: Sequence[RunView]) -> FamilyStatus:
    if registered:
        return FamilyStatus.GUARDED
    if any(run.applied for run in runs):
        return FamilyStatus.MIGRATED
    if runs:
        return FamilyStatus.PLANNED
    return FamilyStatus.OPEN


def _measured_warnings(names: Sequence[str], latest: StoredMeasurement | None) -> int | None:
    if latest is None:
        return None
    wanted = set(names)
    return sum(1 for w in latest.measurement.collection_warnings if w.subject in wanted)


def _family_views(inputs: ReportInputs) -> tuple[FamilyView, ...]:
    latest = inputs.measurements[0] if inputs.measurements else None
    views: list[FamilyView] = []
    claimed_runs: set[str] = set()
    claimed_registry: set[str] = set()
    for family in inputs.index.families:
        view = _family_view(family, inputs, latest)
        claimed_runs.update(view.runs)
        if view.canonical:
            claimed_registry.update(
                r.name for r in inputs.registered if set(r.names) & set(family.names)
            )
        views.append(view)
    # Families the scan no longer finds (one canonical class left) still have a story to tell.
    gone: dict[str, tuple[list[RunView], RegisteredFamily | None]] = {}
    for registered in inputs.registered:
        if registered.name not in claimed_registry:
            gone.setdefault(registered.name, ([], registered))
    for run in inputs.runs:
        if run.id in claimed_runs:
            continue
        owner = next((e for e in inputs.registered if run.family in e.names), None)
        key = owner.name if owner is not None else run.family
        gone.setdefault(key, ([], owner))[0].append(run)
    for name, (runs, entry) in gone.items():
        names = entry.names if entry is not None else (name,)
        views.append(
            FamilyView(
                name=name,
                names=names,
                status=_status(entry is not None, runs),
                copies=0,
                files=0,
                duplicated_lines=0,
                warning_sources=0,
                measured_warnings=_measured_warnings(names, latest),
                matched_by=(),
                variants=(),
                canonical=entry.canonical if entry is not None else "",
                runs=tuple(run.id for run in runs),
            )
        )
    return tuple(sorted(views, key=_family_order))


def _family_order(view: FamilyView) -> tuple[int, int, str]:
    return (0 if view.status is FamilyStatus.OPEN else 1, -view.duplicated_lines, view.name)


def _family_view(
    family: Family, inputs: ReportInputs, latest: StoredMeasurement | None
) -> FamilyView:
    names = set(family.names)
    entry = next((e for e in inputs.registered if names & set(e.names)), None)
    runs = [run for run in inputs.runs if run.family in names]
    return FamilyView(
        name=family.name,
        names=family.names,
        status=_status(entry is not None, runs),
        copies=len(family.copies),
        files=len(family.files),
        duplicated_lines=family.duplicated_lines,
        warning_sources=family.warning_count,
        measured_warnings=_measured_warnings(family.names, latest),
        matched_by=family.matched_by,
        variants=tuple(_variant_view(v) for v in family.variants),
        canonical=entry.canonical if entry is not None else "",
        runs=tuple(run.id for run in runs),
    )


def _history_point(
    stored: StoredMeasurement, inputs: ReportInputs, now: CommitCounts, newest: bool
) -> HistoryPoint:
    measurement = stored.measurement
    git = stored.git
    counts: CommitCounts | None = None
    source = CopiesSource.UNKNOWN
    if git is not None and not git.dirty and git.commit in inputs.counts_by_commit:
        counts, source = inputs.counts_by_commit[git.commit], CopiesSource.COMMIT
    elif newest and (git is None or git.commit == inputs.head_commit):
        # The newest measurement of a dirty tree (or of no git repo) measured what is on disk
        # now, unless someone edited the tree since: the best count there is.
        counts, source = now, CopiesSource.WORKING_TREE
    rounds = measurement.wall_rounds
    return HistoryPoint(
        measurement_id=stored.id,
        created_at=stored.created_at,
        commit=git.commit if git is not None else "",
        branch=git.branch if git is not None else "",
        dirty=git.dirty if git is not None else False,
        collection_seconds=rounds.median,
        tests=len(measurement.test_ids),
        errors=len(measurement.errors),
        warnings=len(measurement.warnings),
        collection_warnings=len(measurement.collection_warnings),
        partial=measurement.partial,
        copies=counts.live_copies if counts is not None else None,
        copies_source=source,
        families=counts.families if counts is not None else None,
        rounds=rounds.seconds,
    )


def _before_after(
    name: str,
    before: StoredMeasurement,
    after: StoredMeasurement,
    points: Mapping[int, HistoryPoint],
) -> BeforeAfter:
    # The baseline's commit measured again between the latest measurement's rounds is the
    # fairer before: the same load hit both sides.
    again = after.interleaved
    comparison = compare_measurements(
        name,
        before.measurement,
        after.measurement,
        baseline_rounds=again.wall_seconds if again and again.baseline_id == before.id else (),
    )
    return BeforeAfter(
        baseline=name,
        before=points[before.id],
        after=points[after.id],
        warnings_by_category=tuple((c.key, c.before, c.after) for c in comparison.warnings),
        tests_added=comparison.tests_added,
        tests_removed=comparison.tests_removed,
        errors_added=len(comparison.errors_added),
        errors_removed=len(comparison.errors_removed),
        modules=tuple((m.path, m.before_seconds, m.after_seconds) for m in comparison.modules),
        time=comparison.time,
    )


def build_report(inputs: ReportInputs) -> ReportData:
    summary = summary_of(inputs.index)
    now = CommitCounts(summary["families"], summary["live_copies"])
    measurements = inputs.measurements
    points_by_id = {
        stored.id: _history_point(stored, inputs, now, newest=position == 0)
        for position, stored in enumerate(measurements)
    }
    if inputs.baseline is not None and inputs.baseline.id not in points_by_id:
        points_by_id[inputs.baseline.id] = _history_point(
            inputs.baseline, inputs, now, newest=False
        )
    history = tuple(sorted(points_by_id.values(), key=lambda p: p.measurement_id))
    before_after = None
    if measurements:
        before = inputs.baseline or measurements[-1]
        name = inputs.baseline_name if inputs.baseline is not None else "oldest measurement"
        if before.id != measurements[0].id:
            before_after = _before_after(name, before, measurements[0], points_by_id)
    first = before_after.before if before_after else (history[0] if history else None)
    last = before_after.after if before_after else (history[-1] if history else None)
    change = before_after.time if before_after else None
    runs = tuple(sorted(inputs.runs, key=lambda run: (run.created_at, run.id)))
    headline = Headline(
        families=now.families,
        live_copies=now.live_copies,
        duplicated_lines=summary["duplicated_lines"],
        warning_sources=summary["warning_sources"],
        problems=summary["problems"],
        warnings_before=first.warnings if first else None,
        warnings_after=last.warnings if last else None,
        collection_before=change.before.median if change else None,
        collection_after=(
            change.after.median if change else (last.collection_seconds if last else None)
        ),
        copies_before=first.copies if first else None,
        copies_after=last.copies if last else None,
        tests_before=first.tests if first else None,
        tests_after=last.tests if last else None,
        families_before=first.families if first else None,
        families_after=last.families if last else None,
        collection_warnings_before=first.collection_warnings if first else None,
        collection_warnings_after=last.collection_warnings if last else None,
        collection_change=change,
        migration=migration_totals(runs),
    )
    return ReportData(
        root=inputs.root,
        generated_at=inputs.generated_at,
        headline=headline,
        families=_family_views(inputs),
        runs=runs,
        history=history,
        before_after=before_after,
        journal_problems=inputs.journal_problems,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _run_document(run: RunView) -> dict[str, Any]:
    document: dict[str, Any] = _plain(dataclasses.asdict(run))
    document["actions"] = run.actions
    document["rolled_back"] = [f.path for f in run.rolled_back]
    document["counts"] = {
        "files": len(run.files),
        "applied": len(run.applied),
        "changed": len(run.changed),
        "created": len(run.created),
        "copy_files": len(run.copy_files),
        "copies_rewritten": run.copies_rewritten,
        "rolled_back": len(run.rolled_back),
        "pending": len(run.interrupted),
        "skipped": len(run.skipped),
    }
    document["verification"]["refused"] = [
        {"path": path, "reason": reason} for path, reason in run.verification.refused
    ]
    return document


def report_to_json(data: ReportData) -> dict[str, Any]:
    """The versioned JSON document of ``declone report --json``."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "report",
        "root": data.root,
        "generated_at": data.generated_at,
        "headline": _headline_document(data.headline),
        "families": [_plain(dataclasses.asdict(f)) for f in data.families],
        "runs": [_run_document(run) for run in data.runs],
        "journal_problems": list(data.journal_problems),
        "history": [_history_document(p) for p in data.history],
        "before_after": None,
    }
    ba = data.before_after
    if ba is not None:
        document["before_after"] = {
            **_plain(dataclasses.asdict(ba)),
            "before": _history_document(ba.before),
            "after": _history_document(ba.after),
            "time": time_change_to_json(ba.time),
            "warnings_by_category": [
                {"category": category, "before": before, "after": after}
                for category, before, after in ba.warnings_by_category
            ],
            "modules": [
                {"path": path, "before_seconds": before, "after_seconds": after}
                for path, before, after in ba.modules
            ],
            "time_ratio": ba.time_ratio,
        }
    return document


def _history_document(point: HistoryPoint) -> dict[str, Any]:
    document: dict[str, Any] = _plain(dataclasses.asdict(point))
    document["collection_spread"] = point.collection.spread
    return document


def _headline_document(headline: Headline) -> dict[str, Any]:
    document: dict[str, Any] = _plain(dataclasses.asdict(headline))
    change = headline.collection_change
    document["collection_change"] = None if change is None else time_change_to_json(change)
    document["collection_text"] = headline.collection_text
    return document
