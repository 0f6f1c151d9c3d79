"""Benchmark ``declone check`` of a few changed files in a synthetic 10,000-file repository.

This is the pre-commit case: a handful of files changed, the whole repository's index needed
to resolve clones. In one run the script measures, each as a subprocess
``python -m declone check FILE...``:

- cold: an empty cache directory (every file is read and parsed);
- warm: the cache populated, then the 5 files modified (a copied helper appended to each),
  the median of several runs;

and, as the floor, ``python -c pass`` (interpreter start-up) and ``ast.parse`` of the 5
files. Target on a 2-core machine: warm < 1 s.

    python benchmarks/check.py                # 10,000 files
    python benchmarks/check.py --files 2000   # a quicker run
    python benchmarks/check.py --json         # the figures as JSON on stdout

The repository is generated under ``benchmarks/.work/`` (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthrepo

__all__ = ["TARGET_WARM_SECONDS", "CheckFigures", "main", "measure"]

WORK_DIR = Path(__file__).resolve().parent / ".work"
TARGET_WARM_SECONDS = 1.0
_CHANGED = 5
_WARM_RUNS = 5

_APPENDED = """

class RecordingMailer:
    def __init__(self):
        self.sent = []
        self.closed = False

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.closed = True
"""


@dataclass(frozen=True, slots=True)
class CheckFigures:
    files: int
    changed: int
    startup_seconds: float
    parse_changed_seconds: float
    cold_seconds: float
    warm_seconds: float
    warm_runs: tuple[float, ...]

    @property
    def floor_seconds(self) -> float:
        return self.startup_seconds + self.parse_changed_seconds


def _prepare(files: int, seed: int) -> Path:
    root = WORK_DIR / f"check-synth-v{synthrepo.GENERATOR_VERSION}-files{files}-seed{seed}"
    marker = root.with_suffix(".ready")
    if not marker.exists():
        synthrepo.generate(root, files=files, seed=seed)
        # A work tree of its own: declone lists files the way git does, and benchmarks/.work
        # is ignored by the enclosing checkout.
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        marker.write_text("ok\n")
    return root


def _changed_files(root: Path, count: int) -> list[Path]:
    candidates = sorted(root.glob("tests/**/test_*.py"))
    step = max(1, len(candidates) // count)
    return candidates[::step][:count]


def _timed(command: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def measure(root: Path, python: str = sys.executable) -> CheckFigures:
    changed = _changed_files(root, _CHANGED)
    originals = {path: path.read_bytes() for path in changed}
    cache_dir = WORK_DIR / f"cache-check-{root.name}"
    env = {**os.environ, "DECLONE_CACHE_DIR": str(cache_dir)}
    command = [python, "-m", "declone", "check", *(str(p.relative_to(root)) for p in changed)]
    try:
        startup = min(_timed([python, "-c", "pass"], root, env) for _ in range(3))
        started = time.perf_counter()
        for path in changed:
            ast.parse(path.read_bytes())
        parse_changed = time.perf_counter() - started

        shutil.rmtree(cache_dir, ignore_errors=True)
        cold = _timed(command, root, env)
        warm_runs = []
        for run in range(_WARM_RUNS):
            for path, data in originals.items():
                path.write_bytes(data + _APPENDED.replace("Mailer", f"Mailer{run}").encode())
            warm_runs.append(_timed(command, root, env))
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    return CheckFigures(
        files=sum(1 for _ in root.rglob("*.py")),
        changed=len(changed),
        startup_seconds=startup,
        parse_changed_seconds=parse_changed,
        cold_seconds=cold,
        warm_seconds=statistics.median(warm_runs),
        warm_runs=tuple(warm_runs),
    )


def render(figures: CheckFigures) -> str:
    floor = figures.floor_seconds
    rows = [
        ("floor: python -c pass", figures.startup_seconds),
        (f"floor: ast.parse of {figures.changed} files", figures.parse_changed_seconds),
        ("declone check cold", figures.cold_seconds),
        (f"declone check warm (median of {len(figures.warm_runs)})", figures.warm_seconds),
    ]
    lines = [
        f"declone check of {figures.changed} changed files in a {figures.files}-file repository"
    ]
    lines += [
        f"  {label:<42} {seconds:8.3f} s  {seconds / floor:7.1f}x floor" for label, seconds in rows
    ]
    verdict = "met" if figures.warm_seconds < TARGET_WARM_SECONDS else "MISSED"
    lines.append(f"  target: warm < {TARGET_WARM_SECONDS:.1f} s ... {verdict}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with declone installed"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(_prepare(args.files, args.seed), args.python)
    if args.json:
        document = {**asdict(figures), "floor_seconds": figures.floor_seconds}
        print(json.dumps(document, indent=2))
    else:
        print(render(figures))
    return 0 if figures.warm_seconds < TARGET_WARM_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
