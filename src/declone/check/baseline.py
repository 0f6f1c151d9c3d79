"""The baseline: duplication a team has accepted, so that ``declone check`` fails only on new copies.

``.declone-baseline.json`` at the repository root (sorted keys, one stable layout, so that a
change shows as a small diff in review)::

    {
      "collection_warnings": ["tests/test_x.py::TestHelper"],
      "families": {"MockAgent": {"count": 3, "files": ["tests/a.py", "tests/b.py", "tests/c.py"]}},
      "tool": "declone",
      "version": 1
    }

The baseline is a ratchet: ``--update-baseline`` only ever removes what is gone (families,
files, copies, warning sources); adding new duplication needs ``--allow-growth``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode
from declone.model import Family, ScanIndex

__all__ = [
    "BASELINE_FILE",
    "BASELINE_VERSION",
    "AcceptedFamily",
    "Baseline",
    "RatchetResult",
    "baseline_from_index",
    "baseline_to_json",
    "load_baseline",
    "ratchet",
    "warning_key",
    "write_baseline",
]

BASELINE_FILE = ".declone-baseline.json"
BASELINE_VERSION = 1


@dataclass(frozen=True, slots=True)
class AcceptedFamily:
    name: str
    #: Files that may hold a copy, sorted.
    files: tuple[str, ...]
    #: Live copies accepted (a file may hold more than one).
    count: int


@dataclass(frozen=True, slots=True)
class Baseline:
    families: tuple[AcceptedFamily, ...] = ()
    #: ``path::qualname`` of helpers whose ``PytestCollectionWarning`` is accepted, sorted.
    collection_warnings: tuple[str, ...] = ()

    def accepted(self, family: Family) -> AcceptedFamily | None:
        """The entry for ``family``: by its name first, then by any name its copies have."""
        by_name = {entry.name: entry for entry in self.families}
        if family.name in by_name:
            return by_name[family.name]
        return next((by_name[name] for name in family.names if name in by_name), None)


@dataclass(frozen=True, slots=True)
class RatchetResult:
    baseline: Baseline
    #: Family names (and warning keys) that grew and were not accepted without --allow-growth.
    refused: tuple[str, ...]


def warning_key(path: str, qualname: str) -> str:
    return f"{path}::{qualname}"


def baseline_from_index(index: ScanIndex) -> Baseline:
    """Everything the index finds, accepted as it is."""
    families = tuple(
        sorted(
            (AcceptedFamily(f.name, f.files, len(f.copies)) for f in index.families),
            key=lambda entry: entry.name,
        )
    )
    warnings = tuple(sorted({warning_key(c.path, c.qualname) for c in index.warning_sources}))
    return Baseline(_merge_same_names(families), warnings)


def _merge_same_names(families: Iterable[AcceptedFamily]) -> tuple[AcceptedFamily, ...]:
    # Two families can share a dominant name (a name family and a structural one); the
    # baseline is keyed by name, so they are accepted together.
    merged: dict[str, AcceptedFamily] = {}
    for entry in families:
        known = merged.get(entry.name)
        if known is None:
            merged[entry.name] = entry
        else:
            files = tuple(sorted({*known.files, *entry.files}))
            merged[entry.name] = AcceptedFamily(entry.name, files, known.count + entry.count)
    return tuple(merged[name] for name in sorted(merged))


def ratchet(previous: Baseline | None, current: Baseline, *, allow_growth: bool) -> RatchetResult:
    """The baseline ``--update-baseline`` writes.

    Without a previous baseline, or with ``allow_growth``, it is ``current``. Otherwise each
    entry can only shrink: families and warning sources must already be accepted, files are
    intersected, counts take the minimum. What would have grown is listed in ``refused``.
    """
    if previous is None or allow_growth:
        return RatchetResult(current, ())
    old = {entry.name: entry for entry in previous.families}
    kept: list[AcceptedFamily] = []
    refused: list[str] = []
    for entry in current.families:
        known = old.get(entry.name)
        if known is None:
            refused.append(entry.name)
            continue
        files = tuple(path for path in entry.files if path in known.files)
        if len(files) < len(entry.files) or entry.count > known.count:
            refused.append(entry.name)
        if files:
            kept.append(replace(entry, files=files, count=min(entry.count, known.count)))
    accepted_warnings = set(previous.collection_warnings)
    warnings = tuple(key for key in current.collection_warnings if key in accepted_warnings)
    refused.extend(key for key in current.collection_warnings if key not in accepted_warnings)
    return RatchetResult(Baseline(tuple(kept), warnings), tuple(refused))


def baseline_to_json(baseline: Baseline) -> dict[str, Any]:
    return {
        "collection_warnings": list(baseline.collection_warnings),
        "families": {
            entry.name: {"count": entry.count, "files": list(entry.files)}
            for entry in baseline.families
        },
        "tool": "declone",
        "version": BASELINE_VERSION,
    }


def write_baseline(path: Path, baseline: Baseline) -> None:
    from declone.atomic import write_bytes_atomic

    text = json.dumps(baseline_to_json(baseline), indent=2, sort_keys=True) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


def load_baseline(path: Path) -> Baseline | None:
    """The baseline at ``path``; None when the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DecloneError(f"{path}:1:1: cannot read the baseline ({exc})", ExitCode.USAGE) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecloneError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); "
            "fix it or rewrite it with --update-baseline --allow-growth",
            ExitCode.USAGE,
        ) from exc
    return _baseline_from_json(document, path)


def _baseline_from_json(document: Any, path: Path) -> Baseline:
    def bad(what: str) -> DecloneError:
        return DecloneError(f"{path}:1:1: {what}; not a declone baseline", ExitCode.USAGE)

    if not isinstance(document, dict) or document.get("tool") != "declone":
        raise bad('no "tool": "declone"')
    version = document.get("version")
    if not isinstance(version, int) or version > BASELINE_VERSION:
        raise bad(f"unsupported version {version!r}")
    families_json = document.get("families", {})
    if not isinstance(families_json, dict):
        raise bad('"families" must be an object')
    families = []
    for name, entry in families_json.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("count"), int)
            and isinstance(entry.get("files"), list)
            and all(isinstance(item, str) for item in entry["files"])
        ):
            raise bad(f'family {name!r} needs "count" (a number) and "files" (a list of paths)')
        families.append(AcceptedFamily(name, tuple(sorted(entry["files"])), entry["count"]))
    warnings = document.get("collection_warnings", [])
    if not isinstance(warnings, list) or not all(isinstance(item, str) for item in warnings):
        raise bad('"collection_warnings" must be a list of "path::qualname"')
    return Baseline(tuple(sorted(families, key=lambda e: e.name)), tuple(sorted(set(warnings))))
