"""Read what a report is made of: the scan, the registry, the journal, the history, git.

The one place where ``declone report`` touches the repository. Each source is read through
its own module's public functions; this module only adapts them into
:class:`declone.report.ReportInputs`. A missing source (no history yet, no runs, no git) is
an empty one: a report of a repository that was only scanned is still a report.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pathspec

from declone import history
from declone.config import DEFAULT_EXCLUDE, Settings
from declone.extract import extract_file
from declone.files import is_backup_name
from declone.history import StoredMeasurement
from declone.model import FileRecord, ScanIndex
from declone.registry import read_registry
from declone.report import FileOutcome, ReportInputs, RunView
from declone.scan import build_index
from declone.scanjson import summary_of

__all__ = ["DEFAULT_BASELINE", "copies_at_commits", "load_inputs", "read_runs"]

#: The baseline compared with the latest measurement unless ``--baseline`` names another.
DEFAULT_BASELINE = "baseline"

#: At most this many measurements are read (and their commits scanned) for the history.
_HISTORY_LIMIT = 200


def load_inputs(
    settings: Settings,
    index: ScanIndex,
    *,
    baseline_name: str = DEFAULT_BASELINE,
    now: datetime | None = None,
) -> ReportInputs:
    root = settings.root
    measurements, baseline = _read_history(root, baseline_name)
    head = _head_commit(root)
    clean_commits = [
        stored.git.commit for stored in measurements if stored.git and not stored.git.dirty
    ]
    if baseline is not None and baseline.git is not None and not baseline.git.dirty:
        clean_commits.append(baseline.git.commit)
    return ReportInputs(
        root=str(root),
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        index=index,
        registered=read_registry(settings.families, str(root / "pyproject.toml")),
        runs=read_runs(root),
        measurements=measurements,
        baseline_name=baseline_name,
        baseline=baseline,
        copies_by_commit=copies_at_commits(settings, clean_commits),
        head_commit=head,
    )


def _read_history(
    root: Path, baseline_name: str
) -> tuple[tuple[StoredMeasurement, ...], StoredMeasurement | None]:
    path = root / history.HISTORY_PATH
    if not path.is_file():  # a report reads; it never creates the database
        return (), None
    connection = history.open_history(path)
    try:
        measurements = history.list_measurements(connection, limit=_HISTORY_LIMIT)
        baseline = history.load_baseline(connection, baseline_name)
    finally:
        connection.close()
    return measurements, baseline


# --- the journal -------------------------------------------------------------------------


def read_runs(root: Path) -> tuple[RunView, ...]:
    """Every migration run recorded under ``.declone/runs/``, oldest first."""
    import json

    runs_dir = root / ".declone" / "runs"
    if not runs_dir.is_dir():
        return ()
    runs = []
    for manifest in sorted(runs_dir.glob("*/manifest.json")):
        try:
            document = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run being written, or damaged: `declone runs` reports those
        if isinstance(document, dict):
            runs.append(run_view(manifest.parent.name, document))
    return tuple(sorted(runs, key=lambda run: (run.created_at, run.id)))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def run_view(run_id: str, manifest: Mapping[str, Any]) -> RunView:
    entries = manifest.get("files", [])
    files = tuple(
        FileOutcome(
            path=_text(entry.get("path")),
            action=_text(entry.get("action")),
            status=_text(entry.get("status")) or "migrated",
            reason=_text(entry.get("reason")),
        )
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping)
    )
    return RunView(
        id=_text(manifest.get("id")) or run_id,
        family=_text(manifest.get("family")),
        created_at=_text(manifest.get("created_at")),
        canonical=_text(manifest.get("canonical")),
        files=files,
        verification=_text(manifest.get("verification")) or "not verified",
    )


# --- live copies at past commits ---------------------------------------------------------


def _git(root: Path, *arguments: str, stdin: bytes | None = None) -> bytes | None:
    try:
        result = subprocess.run(
            ("git", *arguments), cwd=root, input=stdin, capture_output=True, check=False
        )
    except OSError:  # no git on PATH
        return None
    return result.stdout if result.returncode == 0 else None


def _head_commit(root: Path) -> str | None:
    out = _git(root, "rev-parse", "HEAD")
    return out.decode().strip() if out else None


def _python_blobs(settings: Settings, commit: str) -> list[tuple[str, str]] | None:
    """``(path, blob id)`` of the files a scan of ``commit``'s tree would read."""
    out = _git(settings.root, "ls-tree", "-r", "-z", "--full-tree", commit)
    if out is None:
        return None
    # The same selection as a scan of the work tree: include/exclude globs, backups apart.
    include = pathspec.GitIgnoreSpec.from_lines(settings.include)
    exclude = pathspec.GitIgnoreSpec.from_lines((*DEFAULT_EXCLUDE, *settings.exclude))
    blobs = []
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) != 3 or fields[1] != "blob" or fields[0] == "120000":
            continue  # submodules, symlinks
        if not (is_backup_name(path) or include.match_file(path)) or exclude.match_file(path):
            continue
        blobs.append((path, fields[2]))
    return sorted(blobs)


def _read_blobs(root: Path, blob_ids: Sequence[str]) -> dict[str, bytes]:
    """The contents of many blobs with one ``git cat-file --batch``."""
    if not blob_ids:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blob_ids).encode())
    contents: dict[str, bytes] = {}
    position = 0
    while out is not None and position < len(out):
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        if len(header) != 3:  # "<id> missing"
            position = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        contents[header[0].decode()] = out[start : start + size]
        position = start + size + 1
    return contents


def copies_at_commits(settings: Settings, commits: Iterable[str]) -> dict[str, int]:
    """Live copies in each commit's tree, scanned from git's objects (the tree is not touched).

    Files that did not change between commits are parsed once: records are kept by blob id.
    """
    records: dict[tuple[str, str], FileRecord] = {}
    counts: dict[str, int] = {}
    for commit in dict.fromkeys(commits):
        blobs = _python_blobs(settings, commit)
        if blobs is None:
            continue  # not a commit of this repository (history copied from elsewhere)
        missing = [blob for path, blob in blobs if (path, blob) not in records]
        contents = _read_blobs(settings.root, list(dict.fromkeys(missing)))
        for path, blob in blobs:
            if (path, blob) not in records and blob in contents:
                records[(path, blob)] = extract_file(
                    path, contents[blob], settings.pytest, is_backup=is_backup_name(path)
                )
        tree = [records[key] for key in blobs if key in records]
        counts[commit] = summary_of(build_index(settings, tree))["live_copies"]
    return counts
