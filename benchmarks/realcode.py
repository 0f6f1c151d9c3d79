"""Benchmark ``declone scan`` on real code that nobody here wrote.

Downloads pinned source distributions from PyPI with
``pip download --no-deps --no-binary :all:`` into ``benchmarks/.work/downloads/``, extracts
them, then:

- ``salt==3008.5`` (about 3,000 ``.py`` files, 1M lines) and ``ansible==12.3.0`` (17,800
  ``.py`` files in 100+ collections, each a distribution of its own), for speed and memory:
  the floor against declone cold and warm, with the peak memory of the largest process and
  of the process tree, as ``benchmarks/scan.py`` measures them on the synthetic repos;
- all three, with ``pyramid==2.1``, for what scan finds: for each project the top families
  with their copies, identical / subset / divergent copies and removable lines, and the size
  of the "same name, different classes" section, where naming conventions
  (``ActionModule``, ``FilterModule``) belong.

    python benchmarks/realcode.py [--only salt|pyramid|ansible] [--top N] [--rounds N] [--json]

A download that fails is reported as such and the other project still runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scan

__all__ = [
    "DOWNLOADS",
    "PROJECTS",
    "TIMED",
    "DownloadError",
    "Project",
    "extract",
    "fetch",
    "main",
    "name_groups",
    "scan_families",
    "top_families",
]

DOWNLOADS = scan.WORK_DIR / "downloads"


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    version: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def archive(self) -> Path:
        return DOWNLOADS / f"{self.name}-{self.version}.tar.gz"

    @property
    def tree(self) -> Path:
        return DOWNLOADS / f"{self.name}-{self.version}"


PROJECTS = {
    "salt": Project("salt", "3008.5"),
    "pyramid": Project("pyramid", "2.1"),
    "ansible": Project("ansible", "12.3.0"),
}
#: Projects whose scan speed and memory are measured (against the floor, in rounds); every
#: project's findings are listed.
TIMED = ("salt", "ansible")


class DownloadError(Exception):
    """``pip download`` did not produce the pinned source distribution."""


def fetch(project: Project, python: str = sys.executable) -> Path:
    """The project's sdist, downloaded once with pip (reused on later runs)."""
    if project.archive.is_file():
        return project.archive
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    command = [python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    command += ["--dest", str(DOWNLOADS), project.requirement]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not project.archive.is_file():
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise DownloadError(f"pip download {project.requirement} failed:\n{tail}")
    return project.archive


def extract(project: Project) -> Path:
    """Unpack the sdist next to it (once) and make it a git work tree of its own."""
    marker = project.tree / ".extracted"
    if not marker.is_file():
        with tarfile.open(project.archive) as archive:
            # The "data" filter refuses absolute paths, links out of the tree and devices.
            archive.extractall(DOWNLOADS, filter="data")
        scan.make_own_work_tree(project.tree)
        marker.touch()
    return project.tree


def scan_families(root: Path, python: str = sys.executable) -> dict[str, Any]:
    """Run ``declone scan ROOT --json --no-cache`` and return its document."""
    command = [python, "-m", "declone", "scan", str(root), "--json", "--no-cache"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"declone scan exited {result.returncode}: {result.stderr.strip()}")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def top_families(document: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The ``count`` best ranked duplicate families: name, id, copies, verdicts, lines."""
    rows = []
    duplicates = [f for f in document.get("families", []) if f.get("kind") == "duplicate"]
    for family in duplicates[:count]:
        verdicts = Counter(member["compatibility"] for member in family.get("members", []))
        rows.append(
            {
                "name": family["name"],
                "id": family.get("id", family["name"]),
                "names": [name for name in family.get("names", []) if name != family["name"]],
                "copies": family["copies"],
                "files": family.get("files"),
                "identical": verdicts["identical"],
                "subset": verdicts["subset"],
                "divergent": verdicts["divergent"],
                "removable_lines": family.get("removable_lines", 0),
                "scopes": len(family.get("scopes", [])),
            }
        )
    return rows


def name_groups(document: dict[str, Any], kind: str) -> dict[str, Any]:
    """The size of one section of names that are not families, and its largest names."""
    groups = [g for g in document.get("families", []) if g.get("kind") == kind]
    largest = sorted(groups, key=lambda g: (-g["copies"], g["name"]))[:8]
    return {
        "names": len(groups),
        "classes": sum(g["copies"] for g in groups),
        "largest": [
            {"name": g["name"], "classes": g["copies"], "in_families": g["in_families"]}
            for g in largest
        ],
    }


def _families_table(
    project: Project,
    document: dict[str, Any],
    rows: list[dict[str, Any]],
    same_name: dict[str, Any],
) -> str:
    summary = document.get("summary", {})
    lines = [
        f"declone scan on {project.requirement}: "
        + ", ".join(f"{key} {value}" for key, value in summary.items()),
        f"{'#':>2} {'family':<34} {'copies':>6} {'same/sub/div':>14} {'removable':>9} {'scopes':>6}",
    ]
    for number, row in enumerate(rows, 1):
        verdicts = f"{row['identical']}/{row['subset']}/{row['divergent']}"
        lines.append(
            f"{number:>2} {row['id'][:34]:<34} {row['copies']:>6} {verdicts:>14} "
            f"{row['removable_lines']:>9} {row['scopes']:>6}"
        )
    largest = ", ".join(
        f"{g['name']} {g['classes']} (+{g['in_families']} in families)"
        for g in same_name["largest"]
    )
    lines.append(
        f"same name, different classes: {same_name['names']} names, "
        f"{same_name['classes']} classes; largest: {largest}"
    )
    return "\n".join(lines)


def _speed(project: Project, python: str, as_json: bool, rounds: int) -> dict[str, Any]:
    tree = extract(project)
    comparison = scan.compare(tree, python, rounds=rounds)
    if not as_json:
        print(scan.render_table(f"declone scan on {project.requirement} (speed)", comparison))
    return comparison.to_json()


def _findings(project: Project, python: str, top: int, as_json: bool) -> dict[str, Any]:
    tree = extract(project)
    started = time.perf_counter()
    document = scan_families(tree, python)
    rows = top_families(document, top)
    same_name = name_groups(document, "same-name")
    if not as_json:
        print(_families_table(project, document, rows, same_name))
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "summary": document.get("summary", {}),
        "top_families": rows,
        "same_name": same_name,
        "nested": name_groups(document, "nested"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark declone scan on salt, pyramid and ansible."
    )
    parser.add_argument("--only", choices=sorted(PROJECTS), help="run one project only")
    parser.add_argument("--top", type=int, default=10, help="families to list per project")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs declone")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the speed measure; the median shown (3)"
    )
    args = parser.parse_args(argv)

    reason = scan.declone_unavailable_reason(args.python)
    results: dict[str, Any] = {}
    status = 0
    for key in [args.only] if args.only else list(PROJECTS):
        project = PROJECTS[key]
        try:
            fetch(project, args.python)
        except DownloadError as error:
            print(f"DOWNLOAD FAILED: {error}", file=sys.stderr)
            results[key] = {"error": str(error)}
            status = 1
            continue
        if reason is not None:
            message = f"declone scan is not available ({reason})"
            print(f"{project.requirement}: downloaded; {message}", file=sys.stderr)
            results[key] = {"error": message}
            status = 1
            continue
        results[key] = _findings(project, args.python, args.top, args.json)
        if key in TIMED:
            results[key]["speed"] = _speed(project, args.python, args.json, max(1, args.rounds))
        if not args.json:
            print()
    if args.json:
        print(json.dumps(results, indent=2))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
