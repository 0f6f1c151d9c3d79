"""Benchmark ``declone scan`` against the floor on synthetic repositories.

The floor is the least any scanner must do: read every ``.py`` file and ``ast.parse`` it, in
one process. In the same run this script measures ``declone scan`` cold (an empty cache
directory) and warm (the same cache directory again), each as a subprocess, and prints the
ratios to the floor and the peak memory. Targets on a 2-core machine: cold <= 0.7x the floor,
warm <= 0.05x the floor, peak memory of the largest process <= 300 MB. A third run, after one
file gained a class, shows what an edit costs (no target: the families are built again from
the cache's summaries, and only the edited file is parsed).

Memory is measured two ways, both for each run: the largest resident set of any one process
(declone or one of its workers: the kernel's ``ru_maxrss`` of the waited-for child, which
covers its descendants), and the largest sum of resident sets over the whole process tree,
sampled from ``/proc`` every 100 ms (pages that forked workers share with their parent are
counted in each).

``--profile suite`` (the default) is heavy duplication: every file pastes two or three helper
classes. ``--profile monorepo`` is sparse duplication in a large code base, and runs at
5,000, 10,000 and 20,000 files unless ``--files`` says otherwise, to show how time and memory
grow with the repository. ``--commands`` also measures ``declone check`` (every file, from
the warm cache) and ``declone plan`` and ``declone migrate --dry-run`` of the largest family.

    python benchmarks/scan.py                      # suite, 10,000 files, about 1.3M lines
    python benchmarks/scan.py --files 2000         # a quicker run
    python benchmarks/scan.py --profile monorepo   # 5,000, 10,000 and 20,000 files
    python benchmarks/scan.py --json               # the figures as JSON on stdout
    python benchmarks/scan.py --rounds 3           # the median of three rounds (default five)

The generated repositories are cached under ``benchmarks/.work/`` (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthrepo

__all__ = [
    "TARGETS",
    "WORK_DIR",
    "DecloneRun",
    "Floor",
    "ScanFigures",
    "best_cold_ratio",
    "commands_table",
    "compare",
    "compare_once",
    "declone_environment",
    "declone_unavailable_reason",
    "main",
    "make_own_work_tree",
    "measure_commands",
    "measure_floor",
    "measure_process",
    "memory_table",
    "prepare_synthetic_repo",
    "python_files",
    "render_table",
    "run_declone",
]

WORK_DIR = Path(__file__).resolve().parent / ".work"

#: Ratio and memory targets from the project's speed goals (2-core machine); the memory
#: target is the largest single process's.
TARGETS = {"cold_ratio": 0.7, "warm_ratio": 0.05, "peak_rss_mb": 300.0}

_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", ".tox", ".nox"})
_SAMPLE_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Floor:
    """Reading and parsing every file once, in this process."""

    files: int
    lines: int
    bytes: int
    #: Files ``ast.parse`` rejected (they still count in the time).
    syntax_errors: int
    seconds: float


@dataclass(frozen=True, slots=True)
class DecloneRun:
    """One ``declone scan`` subprocess, timed from spawn to exit."""

    label: str
    command: tuple[str, ...]
    exit_code: int
    seconds: float
    #: Largest resident set of any single process (declone or one of its workers), from
    #: the kernel's accounting of the waited-for child (``wait4``, as ``RUSAGE_CHILDREN``).
    peak_rss_mb: float
    #: Largest sum of resident sets over the whole process tree, sampled every 100 ms; the
    #: honest figure for a process pool. ``None`` where ``/proc`` is not available.
    tree_peak_rss_mb: float | None
    summary: dict[str, Any]
    stderr_tail: str
    #: CPU time (user + system) of the whole run, its worker processes included (``wait4``).
    cpu_seconds: float = 0.0
    #: CPU time of declone's own process, without its workers, as ``/proc`` last showed it
    #: (at most 100 ms before it exited); ``None`` without ``/proc``.
    main_cpu_seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True, slots=True)
class ScanFigures:
    floor: Floor
    cold: DecloneRun
    warm: DecloneRun
    #: Warm again after one file was edited; ``None`` when there was no file to edit.
    edited: DecloneRun | None = None
    #: ``(cold ratio, warm ratio)`` of every round measured; these figures are the median
    #: round's (by cold ratio).
    rounds: tuple[tuple[float, float], ...] = ()
    #: The floor's two timings, right before and right after declone cold; ``floor`` holds
    #: their mean.
    floor_before_after: tuple[float, ...] = ()
    #: Over every round: declone cold's fastest run over the floor's fastest timing.
    best_cold_ratio: float | None = None

    @property
    def cold_ratio(self) -> float:
        return self.cold.seconds / self.floor.seconds

    @property
    def warm_ratio(self) -> float:
        return self.warm.seconds / self.floor.seconds

    @property
    def peak_rss_mb(self) -> float:
        """The largest single process of the cold and warm runs."""
        return max(self.cold.peak_rss_mb, self.warm.peak_rss_mb)

    @property
    def tree_peak_rss_mb(self) -> float | None:
        """The largest process tree of the cold and warm runs (``None`` without ``/proc``)."""
        trees = [run.tree_peak_rss_mb for run in (self.cold, self.warm)]
        return None if None in trees else max(t or 0.0 for t in trees)

    def verdicts(self) -> dict[str, bool]:
        return {
            "cold_ratio": self.cold_ratio <= TARGETS["cold_ratio"],
            "warm_ratio": self.warm_ratio <= TARGETS["warm_ratio"],
            "peak_rss_mb": self.peak_rss_mb <= TARGETS["peak_rss_mb"],
        }

    def to_json(self) -> dict[str, Any]:
        edited = self.edited
        return {
            "floor": asdict(self.floor),
            "cold": asdict(self.cold),
            "warm": asdict(self.warm),
            "edited": asdict(edited) if edited is not None else None,
            "cold_ratio": round(self.cold_ratio, 3),
            "warm_ratio": round(self.warm_ratio, 3),
            "edited_ratio": (
                round(edited.seconds / self.floor.seconds, 3) if edited is not None else None
            ),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "tree_peak_rss_mb": (
                round(self.tree_peak_rss_mb, 1) if self.tree_peak_rss_mb is not None else None
            ),
            "rounds": [
                {"cold_ratio": round(c, 3), "warm_ratio": round(w, 3)} for c, w in self.rounds
            ],
            "floor_before_after": [round(seconds, 3) for seconds in self.floor_before_after],
            "best_cold_ratio": (
                round(self.best_cold_ratio, 3) if self.best_cold_ratio is not None else None
            ),
            "targets": TARGETS,
            "meets_targets": self.verdicts(),
        }


# -- the floor -----------------------------------------------------------------------------


def python_files(root: Path) -> list[Path]:
    """Every ``*.py`` file under ``root``, sorted, without following symlinks."""
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name not in _SKIPPED_DIRS)
        found.extend(Path(directory, name) for name in sorted(filenames) if name.endswith(".py"))
    return [path for path in found if not path.is_symlink()]


def measure_floor(root: Path) -> Floor:
    """Read and ``ast.parse`` every Python file under ``root`` in this process."""
    paths = python_files(root)
    lines = size = errors = 0
    start = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        size += len(data)
        lines += data.count(b"\n")
        try:
            ast.parse(data)
        except (SyntaxError, ValueError):  # ValueError: null bytes
            errors += 1
    return Floor(len(paths), lines, size, errors, time.perf_counter() - start)


# -- declone as a subprocess ---------------------------------------------------------------


def _declone_command(python: str, root: Path, cache_dir: Path | None) -> list[str]:
    command = [python, "-m", "declone", "scan", str(root), "--json"]
    command += ["--no-cache"] if cache_dir is None else ["--cache-dir", str(cache_dir)]
    return command


def declone_environment() -> dict[str, str]:
    """The environment declone runs in: this one, with declone's bytecode kept, as an
    installed declone has it (an installer compiles it).

    A shell that sets ``PYTHONDONTWRITEBYTECODE`` would otherwise have every run compile
    each of declone's modules from its source, a cost of the shell, not of declone, and a
    large part of a warm scan. The bytecode goes to a folder of the benchmarks' own.
    """
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.setdefault("PYTHONPYCACHEPREFIX", str(WORK_DIR / "pycache"))
    return environment


def declone_unavailable_reason(python: str = sys.executable) -> str | None:
    """``None`` when ``python -m declone scan`` runs; otherwise what went wrong. Also
    compiles declone's modules first (see ``declone_environment``), so that no measured run
    pays for it."""
    result = subprocess.run(
        [python, "-m", "declone", "scan", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env=declone_environment(),
    )
    if result.returncode == 0:
        subprocess.run(
            [python, "-c", _COMPILE_DECLONE],
            capture_output=True,
            check=False,
            env=declone_environment(),
        )
        return None
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {result.returncode}"


_COMPILE_DECLONE = (
    "import compileall, os, declone; "
    "compileall.compile_dir(os.path.dirname(declone.__file__), quiet=1)"
)


def _process_tree_rss(root_pid: int) -> int | None:
    """Resident bytes of ``root_pid`` and all its descendants; ``None`` without ``/proc``."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text()
        except OSError:  # the process ended between listing and reading
            continue
        # The command name may contain spaces and parentheses; fields resume after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = int(statm.split()[1]) * page
    total, frontier = 0, [root_pid]
    while frontier:
        pid = frontier.pop()
        total += rss.get(pid, 0)
        frontier.extend(children.get(pid, ()))
    return total


def _own_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` itself, not its children; ``None`` when
    ``/proc`` does not show it (any more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields resume after the command name's last ")": utime and stime are the 14th and
    # 15th fields of the line, the 12th and 13th from there.
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sample_tree_peak(
    pid: int, stop: threading.Event, peak: list[int | None], own_cpu: list[float | None]
) -> None:
    while not stop.is_set():
        current = _process_tree_rss(pid)
        if current is None:
            return
        peak[0] = max(peak[0] or 0, current)
        own_cpu[0] = _own_cpu_seconds(pid) or own_cpu[0]
        stop.wait(_SAMPLE_SECONDS)


def measure_process(
    command: Sequence[str], label: str, *, cwd: Path | None = None
) -> tuple[DecloneRun, bytes]:
    """Run ``command`` once; its wall time, its memory (see ``DecloneRun``) and its stdout.

    The run's ``summary`` is left empty (``run_declone`` fills it in)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=err, cwd=cwd, env=declone_environment()
        )
        stop, peak, own_cpu = threading.Event(), [None], [None]
        sampler = threading.Thread(
            target=_sample_tree_peak, args=(process.pid, stop, peak, own_cpu)
        )
        sampler.start()
        # wait4 rather than Popen.wait: it returns this child's own resource usage, so each
        # run's peak is its own and not the maximum over every child this script has run.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode("utf-8", "replace")
    tree_peak = peak[0]
    run = DecloneRun(
        label=label,
        command=tuple(command),
        exit_code=process.returncode,
        seconds=seconds,
        # Linux reports ru_maxrss in kibibytes.
        peak_rss_mb=usage.ru_maxrss / 1024,
        tree_peak_rss_mb=None if tree_peak is None else tree_peak / 2**20,
        summary={},
        stderr_tail="\n".join(stderr.strip().splitlines()[-5:]),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        main_cpu_seconds=own_cpu[0],
    )
    return run, stdout


def run_declone(
    root: Path, cache_dir: Path | None, label: str, python: str = sys.executable
) -> DecloneRun:
    """Run ``declone scan ROOT --json`` once and measure wall time and memory."""
    run, stdout = measure_process(_declone_command(python, root, cache_dir), label)
    if not run.ok:
        return run
    document = json.loads(stdout)
    return replace(run, summary={**document.get("summary", {}), "stats": document.get("stats", {})})


def compare(
    root: Path, python: str = sys.executable, work_dir: Path = WORK_DIR, rounds: int = 1
) -> ScanFigures:
    """``rounds`` rounds of ``compare_once``; the median round, by cold ratio, with every
    round's ratios and the ratio of the fastest runs.

    A shared machine's speed drifts by a fifth within a minute. Each round times the floor
    right before and right after declone cold, so that a round's ratios compare like with
    like, and the median of several rounds is what one slow or fast moment cannot move.
    """
    measured = sorted((compare_once(root, python, work_dir) for _ in range(rounds)), key=_by_cold)
    median = measured[(len(measured) - 1) // 2]
    return replace(
        median,
        rounds=tuple((r.cold_ratio, r.warm_ratio) for r in measured),
        best_cold_ratio=best_cold_ratio(measured),
    )


def best_cold_ratio(measured: Sequence[ScanFigures]) -> float:
    """The fastest cold run of all rounds over the fastest floor timing of all rounds."""
    fastest_floor = min(
        seconds for r in measured for seconds in (r.floor_before_after or (r.floor.seconds,))
    )
    return min(r.cold.seconds for r in measured) / fastest_floor


def _by_cold(figures: ScanFigures) -> float:
    return figures.cold_ratio


def compare_once(
    root: Path, python: str = sys.executable, work_dir: Path = WORK_DIR
) -> ScanFigures:
    """Floor, declone cold on a new, empty cache directory, floor again, then declone warm on
    the same cache directory, then warm once more after one file was edited (and put back
    afterwards). The round's floor is the mean of its two timings, which bracket the cold run.

    The cache directory is this run's own (and removed afterwards), so that two benchmark
    runs at the same time cannot empty each other's cache between the cold and warm runs.
    """
    before = measure_floor(root)
    work_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(tempfile.mkdtemp(prefix=f"cache-{root.name}-", dir=work_dir))
    try:
        cold = run_declone(root, cache_dir, "declone cold", python)
        after = measure_floor(root)
        warm = run_declone(root, cache_dir, "declone warm", python)
        edited = _run_after_edit(root, cache_dir, python)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    floor = replace(before, seconds=(before.seconds + after.seconds) / 2)
    return ScanFigures(
        floor, cold, warm, edited, floor_before_after=(before.seconds, after.seconds)
    )


def measure_commands(
    root: Path, python: str = sys.executable, work_dir: Path = WORK_DIR
) -> tuple[DecloneRun, ...]:
    """The commands that scan first, each measured as ``run_declone`` measures a scan, with
    a cache a scan has just filled: ``declone check`` of every file, then ``declone plan``
    and ``declone migrate --dry-run`` of the largest family (extracted to a new module, which
    neither writes). Nothing in ``root`` changes."""
    work_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(tempfile.mkdtemp(prefix=f"cache-{root.name}-", dir=work_dir))
    cache = ["--cache-dir", str(cache_dir), "--no-progress"]
    try:
        scanned, stdout = measure_process(
            [*_declone_command(python, root, cache_dir)], "declone scan (fills the cache)"
        )
        if not scanned.ok:
            return (scanned,)
        family = _largest_family(json.loads(stdout))
        runs = [
            measure_process(
                [python, "-m", "declone", "check", "--root", str(root), *cache], "declone check"
            )[0]
        ]
        if family is not None:
            target = ["--extract-to", "src/declone_shared/canonical.py", "--root", str(root)]
            runs.append(
                measure_process(
                    [python, "-m", "declone", "plan", family, *target, *cache],
                    f"declone plan {family}",
                )[0]
            )
            runs.append(
                measure_process(
                    [python, "-m", "declone", "migrate", family, "--dry-run", *target, *cache],
                    f"declone migrate {family} --dry-run",
                )[0]
            )
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return tuple(runs)


def _largest_family(document: dict[str, Any]) -> str | None:
    """The id of the duplicate family with the most copies (the first, on a tie)."""
    duplicates = [f for f in document.get("families", []) if f.get("kind") == "duplicate"]
    if not duplicates:
        return None
    largest = max(duplicates, key=lambda f: f["copies"])
    return str(largest.get("id", largest["name"]))


#: Appended to one file for the "edited" run: a new helper class, so families may change.
_EDIT = "\n\nclass BenchmarkEditedHelper:\n    def ping(self):\n        return 'pong'\n"


def _run_after_edit(root: Path, cache_dir: Path, python: str) -> DecloneRun | None:
    files = python_files(root)
    if not files:
        return None
    edited = files[len(files) // 2]
    original = edited.read_bytes()
    try:
        edited.write_bytes(original + _EDIT.encode())
        return run_declone(root, cache_dir, "declone warm, 1 file edited", python)
    finally:
        edited.write_bytes(original)


# -- the repository ------------------------------------------------------------------------


def make_own_work_tree(root: Path) -> None:
    """Make ``root`` a git work tree of its own.

    ``benchmarks/.work`` is git-ignored in this checkout, and declone lists files the way git
    does, so without its own repository a tree under it would look empty.
    """
    git = shutil.which("git")
    if git is not None and not (root / ".git").exists():
        subprocess.run([git, "init", "-q", str(root)], check=True)


_MARKER = "generated.json"


def _load_generated(root: Path) -> synthrepo.GeneratedRepo | None:
    marker = root / _MARKER
    if not marker.is_file():
        return None
    recorded = json.loads(marker.read_text(encoding="utf-8"))
    recorded["root"] = root
    recorded["variant_copies"] = tuple(recorded["variant_copies"].items())
    return synthrepo.GeneratedRepo(**recorded)


def prepare_synthetic_repo(
    files: int,
    seed: int,
    work_dir: Path = WORK_DIR,
    regenerate: bool = False,
    profile: str = "suite",
) -> synthrepo.GeneratedRepo:
    """Generate the repository, or reuse the one a previous run generated with these inputs.

    The tree is generated under a private name and renamed into place with its record
    (``generated.json``, not a Python file) inside, so a concurrent run never sees half of it.
    """
    if profile == "suite":
        stem = f"synth-v{synthrepo.GENERATOR_VERSION}"
    else:
        stem = f"{profile}-v{synthrepo.MONOREPO_VERSION}"
    root = work_dir / f"{stem}-files{files}-seed{seed}"
    if not regenerate and (existing := _load_generated(root)) is not None:
        return existing
    staging = work_dir / f".{root.name}.{os.getpid()}"
    repo = synthrepo.generate(staging, files=files, seed=seed, profile=profile)
    (staging / _MARKER).write_text(json.dumps(repo.to_json(), indent=2), encoding="utf-8")
    make_own_work_tree(staging)
    if root.exists():  # stale, incomplete or to be regenerated: move it aside first
        retired = work_dir / f".{root.name}.retired.{os.getpid()}"
        root.rename(retired)
        shutil.rmtree(retired)
    staging.rename(root)
    return replace(repo, root=root)


# -- output --------------------------------------------------------------------------------


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def render_table(title: str, comparison: ScanFigures) -> str:
    """A plain-text table: one row per measurement, then the targets."""
    floor = comparison.floor
    rows: list[tuple[str, float, float, float | None, float | None]] = [
        ("floor (read + ast.parse, 1 process)", floor.seconds, 1.0, None, None)
    ]
    runs = [comparison.cold, comparison.warm]
    if comparison.edited is not None:
        runs.append(comparison.edited)
    for run in runs:
        ratio = run.seconds / floor.seconds
        rows.append((run.label, run.seconds, ratio, run.peak_rss_mb, run.tree_peak_rss_mb))
    lines = [
        title,
        f"{'measure':<38} {'seconds':>9} {'x floor':>8} {'peak RSS':>10} {'tree RSS':>10}",
    ]
    for label, seconds, ratio, rss, tree in rows:
        lines.append(f"{label:<38} {seconds:>9.2f} {ratio:>8.3f} {_mb(rss):>10} {_mb(tree):>10}")
    verdicts = comparison.verdicts()
    lines.append(
        f"largest process {comparison.peak_rss_mb:,.0f} MB, process tree "
        f"{_mb(comparison.tree_peak_rss_mb)} (cold and warm)"
    )
    lines.append(
        "targets: "
        + ", ".join(
            f"{name} <= {TARGETS[name]:g} ({'met' if met else 'MISSED'})"
            for name, met in verdicts.items()
        )
    )
    if comparison.floor_before_after:
        before, after = comparison.floor_before_after
        lines.append(
            f"floor before and after declone cold: {before:.2f} s, {after:.2f} s (mean shown)"
        )
    if len(comparison.rounds) > 1:
        ratios = ", ".join(f"{cold:.3f}" for cold, _ in comparison.rounds)
        lines.append(f"cold x floor in {len(comparison.rounds)} rounds: {ratios} (median shown)")
    if comparison.best_cold_ratio is not None:
        lines.append(
            f"fastest cold run over the fastest floor, all rounds: {comparison.best_cold_ratio:.3f}"
        )
    cold = comparison.cold
    if cold.cpu_seconds and cold.main_cpu_seconds is not None:
        lines.append(
            f"declone cold, CPU time: {cold.cpu_seconds:.2f} s in all "
            f"({cold.cpu_seconds / floor.seconds:.3f} x floor), of which its main process "
            f"{cold.main_cpu_seconds:.2f} s ({cold.main_cpu_seconds / floor.seconds:.3f} x floor)"
        )
    summary = comparison.cold.summary
    if summary:
        found = ", ".join(f"{key} {value}" for key, value in summary.items() if key != "stats")
        lines.append(f"declone found: {found}")
    for run in runs:
        stats = run.summary.get("stats", {})
        if stats:
            lines.append(
                f"{run.label}: parsed {stats.get('parsed')}, from cache {stats.get('from_cache')}"
            )
        if not run.ok:
            lines.append(f"{run.label} FAILED with exit code {run.exit_code}:\n{run.stderr_tail}")
    return "\n".join(lines)


def memory_table(sized: Sequence[tuple[synthrepo.GeneratedRepo, ScanFigures]]) -> str:
    """Time and memory by repository size: how they grow with the number of files."""
    lines = [
        "by size: cold x floor, warm x floor, largest process and process tree (cold and warm)",
        f"{'files':>7} {'lines':>10} {'cold':>7} {'warm':>7} {'largest':>9} {'tree':>9}",
    ]
    for repo, figures in sized:
        lines.append(
            f"{repo.files:>7,} {repo.lines:>10,} {figures.cold_ratio:>7.3f} "
            f"{figures.warm_ratio:>7.3f} {_mb(figures.peak_rss_mb):>9} "
            f"{_mb(figures.tree_peak_rss_mb):>9}"
        )
    return "\n".join(lines)


def commands_table(runs: Sequence[DecloneRun]) -> str:
    lines = [
        f"{'command (warm cache)':<52} {'seconds':>8} {'exit':>4} {'peak RSS':>10} {'tree RSS':>10}"
    ]
    for run in runs:
        lines.append(
            f"{run.label[:52]:<52} {run.seconds:>8.2f} {run.exit_code:>4} "
            f"{_mb(run.peak_rss_mb):>10} {_mb(run.tree_peak_rss_mb):>10}"
        )
        if run.exit_code not in (0, 1):  # check exits 1 when it finds copies
            lines.append(f"  {run.stderr_tail}")
    return "\n".join(lines)


_DEFAULT_FILES = {"suite": (10_000,), "monorepo": (5_000, 10_000, 20_000)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--files",
        type=int,
        nargs="+",
        help="files to generate, one repository per number (suite: 10,000; monorepo: 5,000 "
        "10,000 20,000)",
    )
    parser.add_argument(
        "--profile",
        choices=synthrepo.PROFILES,
        default="suite",
        help="suite: heavy duplication (default); monorepo: sparse duplication in a large repo",
    )
    parser.add_argument(
        "--commands",
        action="store_true",
        help="also measure check, plan and migrate --dry-run on the largest repository",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (0)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached repository")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs declone")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds of floor, cold, floor, warm; the median shown (5)",
    )
    args = parser.parse_args(argv)

    sizes = args.files or _DEFAULT_FILES[args.profile]
    reason = declone_unavailable_reason(args.python)
    sized: list[tuple[synthrepo.GeneratedRepo, ScanFigures]] = []
    documents: list[dict[str, Any]] = []
    status = 0
    for files in sizes:
        started = time.perf_counter()
        repo = prepare_synthetic_repo(
            files, args.seed, regenerate=args.regenerate, profile=args.profile
        )
        if not args.json:
            print(
                f"{repo.profile} repo: {repo.files:,} files, {repo.lines:,} lines, "
                f"{repo.families} families, {repo.family_copies:,} pasted copies (seed "
                f"{repo.seed}; ready in {time.perf_counter() - started:.1f} s)",
                file=sys.stderr,
            )
        if reason is not None:
            floor = measure_floor(repo.root)
            message = f"declone scan is not available ({reason}); only the floor was measured"
            if args.json:
                document = {"repo": repo.to_json(), "floor": asdict(floor), "error": message}
                print(json.dumps(document, indent=2))
            else:
                print(f"floor: {floor.files:,} files in {floor.seconds:.2f} s\n{message}")
            return 1
        comparison = compare(repo.root, args.python, rounds=max(1, args.rounds))
        sized.append((repo, comparison))
        documents.append({"repo": repo.to_json(), **comparison.to_json()})
        if not args.json:
            title = f"declone scan on {repo.files:,} synthetic files ({repo.lines:,} lines)"
            print(render_table(title, comparison) + "\n")
        runs = [comparison.cold, comparison.warm, comparison.edited]
        status |= 0 if all(run is None or run.ok for run in runs) else 1
    commands: tuple[DecloneRun, ...] = ()
    if args.commands:
        commands = measure_commands(sized[-1][0].root, args.python)
        documents[-1]["commands"] = [asdict(run) for run in commands]
    if args.json:
        print(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        if len(sized) > 1:
            print(memory_table(sized))
        if commands:
            print(f"\non {sized[-1][0].files:,} files:\n{commands_table(commands)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
