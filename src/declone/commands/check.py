"""``declone check [PATH ...]``: the CI and pre-commit guard that keeps families consolidated.

Exit codes: 0 clean, 1 violations, 2 usage or configuration error.

Given file names (as pre-commit passes them), it reports on those files only but resolves
clones against the whole repository's index; the scan cache makes that index cheap to rebuild.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declone.commands.scan import (
    add_scan_options,
    resolve_root,
    settings_from_args,
    warn_if_uncached,
)
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.baseline import Baseline
    from declone.config import Settings
    from declone.files import FileListing
    from declone.guard import ImportedName, Violation
    from declone.model import ScanIndex
    from declone.registry import RegisteredFamily

__all__ = ["add_arguments", "run"]

_FORMATS = ("text", "json", "sarif", "github")
_DEFAULT_BUDGET = 1.2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders to report on (default: the whole repository)",
    )
    parser.add_argument("--root", type=Path, help="repository root (default: current folder)")
    parser.add_argument(
        "--format", choices=_FORMATS, default=None, help="output format (default: text)"
    )
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report to FILE, not stdout"
    )
    baseline = parser.add_argument_group("baseline")
    baseline.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="accepted duplication (default: ROOT/.declone-baseline.json)",
    )
    baseline.add_argument(
        "--update-baseline",
        action="store_true",
        help="rewrite the baseline from today's repository; it can only shrink",
    )
    baseline.add_argument(
        "--allow-growth",
        action="store_true",
        help="with --update-baseline: accept new families and copies too",
    )
    budget = parser.add_argument_group("collection budget")
    budget.add_argument(
        "--collection-budget",
        nargs="?",
        const=_DEFAULT_BUDGET,
        type=float,
        metavar="RATIO",
        help=f"fail if the latest `declone measure` is over RATIO x the baseline's collection "
        f"time (default {_DEFAULT_BUDGET}) or has more warnings or errors",
    )
    budget.add_argument(
        "--budget-baseline",
        default="baseline",
        metavar="NAME",
        help="the saved measurement to compare with (default: baseline)",
    )
    add_scan_options(parser)


def run(args: argparse.Namespace) -> int:
    from declone import guard
    from declone.files import list_source_files
    from declone.registry import is_canonical_path, read_registry
    from declone.scan import scan_focused, scan_repository

    if args.allow_growth and not args.update_baseline:
        raise DecloneError("--allow-growth only applies with --update-baseline", ExitCode.USAGE)
    if args.collection_budget is not None and args.collection_budget < 1.0:
        raise DecloneError("--collection-budget RATIO must be at least 1.0", ExitCode.USAGE)
    fmt = "json" if args.json else (args.format or "text")
    requested = list(args.paths)
    settings: Settings = settings_from_args(_whole_root(args))
    registry = read_registry(settings.families, str(settings.root / "pyproject.toml"))
    listing = list_source_files(settings)
    checked = _listed_paths(settings, requested, listing) if requested else None
    if checked is not None and not args.update_baseline:
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
    warn_if_uncached(stats)
    options = _check_options(settings)
    baseline_path = _baseline_path(args, settings)
    baseline = _current_baseline(args, baseline_path, index)
    # Imports tell a residual subclass (``class X(_X)``) from a copy, whatever the options.
    imports = _imports(settings.root, index, registry, checked)
    violations = guard.check_index(index, registry, baseline, options, imports, checked)
    violations = _unsuppressed(settings.root, violations)
    if args.collection_budget is not None:
        violations = (
            *violations,
            *_budget(settings.root, args.collection_budget, args.budget_baseline),
        )
    files = len(checked) if checked is not None else len(index.files)
    _report(fmt, violations, settings.root, files, args.output)
    return int(ExitCode.FINDINGS if violations else ExitCode.OK)


def _whole_root(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` for a scan of the whole root: PATHs only choose what is reported."""
    root = resolve_root(argparse.Namespace(paths=list(args.paths), root=args.root))
    whole = argparse.Namespace(**vars(args))
    whole.root, whole.paths = root, []
    return whole


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


def _check_options(settings: Settings) -> Any:
    from declone.guard import CheckOptions

    imports_only = settings.extra.get("canonical-imports-only", True)
    if not isinstance(imports_only, bool):
        raise DecloneError(
            f"{settings.root / 'pyproject.toml'}:1:1: [tool.declone] canonical-imports-only "
            "must be true or false",
            ExitCode.USAGE,
        )
    return CheckOptions(settings.similarity, settings.min_lines, imports_only)


def _baseline_path(args: argparse.Namespace, settings: Settings) -> Path:
    from declone.baseline import BASELINE_FILE

    if args.baseline is not None:
        return Path(args.baseline).resolve()
    configured = settings.extra.get("baseline", BASELINE_FILE)
    if not isinstance(configured, str):
        raise DecloneError(
            f"{settings.root / 'pyproject.toml'}:1:1: [tool.declone] baseline must be a path",
            ExitCode.USAGE,
        )
    return settings.root / configured


def _current_baseline(args: argparse.Namespace, path: Path, index: ScanIndex) -> Baseline | None:
    """The baseline to check against, after ``--update-baseline`` rewrote it if asked."""
    from declone import output
    from declone.baseline import baseline_from_index, load_baseline, ratchet, write_baseline

    previous = load_baseline(path)
    if not args.update_baseline:
        return previous
    result = ratchet(previous, baseline_from_index(index), allow_growth=args.allow_growth)
    write_baseline(path, result.baseline)
    output.info(
        f"{path}: baseline written: {len(result.baseline.families)} families, "
        f"{len(result.baseline.collection_warnings)} collection warnings accepted"
    )
    if result.refused:
        output.warn(
            f"not accepted (new since the last baseline): {', '.join(result.refused)}; "
            "pass --allow-growth to accept them"
        )
    return result.baseline


def _read_text(root: Path, path: str) -> str | None:
    from declone.extract import decode_source

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
    from declone.guard import find_imports

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
    from declone.guard import apply_suppressions, find_suppressions

    suppressions = {}
    for path in sorted({v.path for v in violations}):
        text = _read_text(root, path)
        if text is not None and "declone:" in text:
            suppressions[path] = find_suppressions(text)
    return apply_suppressions(violations, suppressions)


def _budget(root: Path, ratio: float, baseline_name: str) -> tuple[Violation, ...]:
    from declone import history
    from declone.guard import CollectionFigures, check_budget

    database = root / history.HISTORY_PATH
    if not database.is_file():
        raise DecloneError(
            f"{database}: no measurements; run `declone measure --save {baseline_name}` first",
            ExitCode.USAGE,
        )
    connection = history.open_history(database)
    try:
        baseline = history.load_baseline(connection, baseline_name)
        latest = history.list_measurements(connection, limit=1)
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


def _report(
    fmt: str, violations: tuple[Violation, ...], root: Path, files: int, target: Path | None
) -> None:
    import json

    from declone import output

    if fmt == "json":
        text = json.dumps(_json_document(violations, root, files), indent=2) + "\n"
    elif fmt == "sarif":
        from declone.sarif import to_sarif

        text = json.dumps(to_sarif(violations, root), indent=2) + "\n"
    elif fmt == "github":
        text = "".join(_github_line(v) + "\n" for v in violations)
    else:
        text = "".join(_text_line(v) + "\n" for v in violations)
    if target is not None:
        from declone.atomic import write_text_atomic

        write_text_atomic(target, text)
    elif text:
        output.emit_text(text)
    rules = sorted({v.rule for v in violations})
    if violations:
        output.info(
            f"{_count(len(violations), 'violation')} ({', '.join(rules)}) in {_count(files, 'checked file')}"
        )
    else:
        output.info(f"clean: {_count(files, 'file')} checked")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _text_line(violation: Violation) -> str:
    return f"{violation.location}: {violation.rule} {violation.message} (fix: {violation.fix})"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_line(violation: Violation) -> str:
    """A GitHub Actions ``::error`` workflow command: an annotation on the line."""
    properties = []
    if violation.path:
        properties += [
            f"file={_escape_property(violation.path)}",
            f"line={violation.line}",
            f"col={violation.col}",
        ]
    properties.append(f"title={violation.rule}")
    message = f"{violation.message} (fix: {violation.fix})"
    return f"::error {','.join(properties)}::{_escape_data(message)}"


def _json_document(violations: tuple[Violation, ...], root: Path, files: int) -> dict[str, Any]:
    from declone import __version__
    from declone.guard import RULES
    from declone.model import SCHEMA_VERSION
    from declone.sarif import fingerprint

    names = {rule.id: rule.name for rule in RULES}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "check",
        "root": str(root),
        "summary": {"checked_files": files, "violations": len(violations)},
        "violations": [
            {
                "path": v.path,
                "line": v.line,
                "col": v.col,
                "rule": v.rule,
                "name": names[v.rule],
                "message": v.message,
                "fix": v.fix,
                "fingerprint": fingerprint(v),
            }
            for v in violations
        ],
    }
