"""``declone check``'s verdict on a repository: every violation, after baseline and
suppressions, for the whole root or for the files a pre-commit run names.

Given file names, it reports on those files only but resolves clones against the whole
repository's index; the scan cache makes that index cheap to rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declone.check.baseline import (
    BASELINE_FILE,
    Baseline,
    baseline_from_index,
    load_baseline,
    ratchet,
    write_baseline,
)
from declone.check.findings import (
    CollectionFigures,
    ImportedName,
    check_budget,
    check_index,
    find_imports,
)
from declone.check.rules import CheckOptions, Violation
from declone.check.suppressions import apply_suppressions, find_suppressions
from declone.config import Settings
from declone.errors import DecloneError, ExitCode
from declone.model import ScanIndex
from declone.registry import RegisteredFamily, is_canonical_path, read_registry
from declone.scan import (
    FileListing,
    ScanStats,
    decode_source,
    list_source_files,
    scan_focused,
    scan_repository,
)

__all__ = ["BaselineUpdate", "CheckRequest", "CheckResult", "run_check"]


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """What to check and against what."""

    #: Files or folders to report on, as given (relative to the current folder); empty for
    #: the whole repository.
    paths: tuple[Path, ...] = ()
    #: The accepted duplication; ``None`` for ``[tool.declone] baseline``.
    baseline: Path | None = None
    update_baseline: bool = False
    allow_growth: bool = False
    #: With a ratio: the latest ``declone measure`` against the saved one named ``budget_baseline``.
    collection_budget: float | None = None
    budget_baseline: str = "baseline"


@dataclass(frozen=True, slots=True)
class BaselineUpdate:
    """The baseline ``--update-baseline`` wrote, and what it refused to accept."""

    path: Path
    baseline: Baseline
    refused: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckResult:
    violations: tuple[Violation, ...]
    #: How many files the violations were looked for in.
    checked_files: int
    stats: ScanStats
    baseline_update: BaselineUpdate | None


def run_check(settings: Settings, request: CheckRequest) -> CheckResult:
    """Scan (from the cache where it can), then apply every rule; writes only the baseline."""
    registry = read_registry(settings.families, str(settings.root / "pyproject.toml"))
    listing = list_source_files(settings)
    requested = list(request.paths)
    checked = _listed_paths(settings, requested, listing) if requested else None
    if checked is not None and not request.update_baseline:
        # A pre-commit run: link the whole repo from the cache, build only what touches these.
        index, stats = scan_focused(
            settings,
            checked,
            lambda path: any(is_canonical_path(path, family.module) for family in registry),
            listing,
        )
    else:
        index, stats = scan_repository(settings)
        checked = _checked_paths(settings.root, requested, index)
    options = _check_options(settings)
    baseline_path = _baseline_path(request.baseline, settings)
    baseline, update = _current_baseline(request, baseline_path, index)
    # Imports tell a residual subclass (``class X(_X)``) from a copy, whatever the options.
    imports = _imports(settings.root, index, registry, checked)
    violations = check_index(index, registry, baseline, options, imports, checked)
    violations = _unsuppressed(settings.root, violations)
    if request.collection_budget is not None:
        violations = (
            *violations,
            *_budget(settings.root, request.collection_budget, request.budget_baseline),
        )
    files = len(checked) if checked is not None else len(index.files)
    return CheckResult(violations, files, stats, update)


def _listed_paths(
    settings: Settings, requested: list[Path], listing: FileListing
) -> frozenset[str] | None:
    """The Python files among ``requested`` (files or folders), as root-relative paths."""
    prefixes = []
    for path in requested:
        absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if not absolute.is_relative_to(settings.root):
            raise DecloneError(
                f"{path}: outside the repository root {settings.root}; pass --root", ExitCode.USAGE
            )
        if absolute == settings.root:
            return None
        prefixes.append(absolute.relative_to(settings.root).as_posix())
    return frozenset(
        source.path
        for source in listing.files
        if any(source.path == p or source.path.startswith(p + "/") for p in prefixes)
    )


def _checked_paths(root: Path, requested: list[Path], index: ScanIndex) -> frozenset[str] | None:
    """Root-relative paths to report on; None for the whole repository."""
    if not requested:
        return None
    prefixes = []
    for path in requested:
        absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
        try:
            relative = absolute.relative_to(root).as_posix()
        except ValueError as exc:
            raise DecloneError(
                f"{path}: outside the repository root {root}; pass --root", ExitCode.USAGE
            ) from exc
        if relative == ".":
            return None
        prefixes.append(relative)
    return frozenset(
        record.path
        for record in index.files
        if any(record.path == p or record.path.startswith(p + "/") for p in prefixes)
    )


def _check_options(settings: Settings) -> CheckOptions:
    imports_only = settings.extra.get("canonical-imports-only", True)
    if not isinstance(imports_only, bool):
        raise DecloneError(
            f"{settings.root / 'pyproject.toml'}:1:1: [tool.declone] canonical-imports-only "
            "must be true or false",
            ExitCode.USAGE,
        )
    return CheckOptions(settings.similarity, settings.min_lines, imports_only)


def _baseline_path(given: Path | None, settings: Settings) -> Path:
    if given is not None:
        return given.resolve()
    configured = settings.extra.get("baseline", BASELINE_FILE)
    if not isinstance(configured, str):
        raise DecloneError(
            f"{settings.root / 'pyproject.toml'}:1:1: [tool.declone] baseline must be a path",
            ExitCode.USAGE,
        )
    return settings.root / configured


def _current_baseline(
    request: CheckRequest, path: Path, index: ScanIndex
) -> tuple[Baseline | None, BaselineUpdate | None]:
    """The baseline to check against, after ``--update-baseline`` rewrote it if asked."""
    previous = load_baseline(path)
    if not request.update_baseline:
        return previous, None
    result = ratchet(previous, baseline_from_index(index), allow_growth=request.allow_growth)
    write_baseline(path, result.baseline)
    return result.baseline, BaselineUpdate(path, result.baseline, tuple(result.refused))


def _read_text(root: Path, path: str) -> str | None:
    try:
        data = (root / path).read_bytes()
    except OSError:
        return None
    decoded = decode_source(data)
    return decoded[0] if isinstance(decoded, tuple) else None


def _imports(
    root: Path,
    index: ScanIndex,
    registry: tuple[RegisteredFamily, ...],
    checked: frozenset[str] | None,
) -> list[ImportedName]:
    """Imports of registered names in the checked files; only files that mention one are parsed."""
    names = frozenset(name for family in registry for name in family.names)
    if not names:
        return []
    found: list[ImportedName] = []
    for record in index.files:
        if record.is_backup or record.problem is not None:
            continue
        if checked is not None and record.path not in checked:
            continue
        text = _read_text(root, record.path)
        if text is not None and any(name in text for name in names):
            found.extend(find_imports(record.path, text, names))
    return found


def _unsuppressed(root: Path, violations: tuple[Violation, ...]) -> tuple[Violation, ...]:
    suppressions = {}
    for path in sorted({v.path for v in violations}):
        text = _read_text(root, path)
        if text is not None and "declone:" in text:
            suppressions[path] = find_suppressions(text)
    return apply_suppressions(violations, suppressions)


def _budget(root: Path, ratio: float, baseline_name: str) -> tuple[Violation, ...]:
    from declone.measure import (
        HISTORY_PATH,
        list_measurements,
        load_baseline,
        open_history,
    )

    database = root / HISTORY_PATH
    if not database.is_file():
        raise DecloneError(
            f"{database}: no measurements; run `declone measure --save {baseline_name}` first",
            ExitCode.USAGE,
        )
    connection = open_history(database)
    try:
        baseline = load_baseline(connection, baseline_name)
        latest = list_measurements(connection, limit=1)
    finally:
        connection.close()
    if baseline is None or not latest:
        raise DecloneError(
            f"{database}: no baseline named {baseline_name!r}; "
            f"run `declone measure --save {baseline_name}` on a good state first",
            ExitCode.USAGE,
        )

    def figures(measurement: Any) -> CollectionFigures:
        return CollectionFigures(
            measurement.wall_seconds, len(measurement.warnings), len(measurement.errors)
        )

    return check_budget(
        figures(baseline.measurement), figures(latest[0].measurement), ratio, baseline_name
    )
