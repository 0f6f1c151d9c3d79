"""Run declone beside other clone detectors on the same trees, in the same run.

Each peer is installed by this script from PyPI, at a pinned version, into a virtualenv of its
own under ``benchmarks/.work/peers/`` (never a dependency of declone). Each tool runs as a
subprocess under a memory cap and a time limit: a watchdog samples the resident memory of its
whole process tree every 100 ms from ``/proc`` and kills the tree (its own process group)
when it passes either, and the run is reported as stopped.

For each tool and tree the script prints the wall time, the largest single process
(``ru_maxrss``) and the largest sum over the process tree (sampled), and how many copies of
the largest duplicated family it reports together: the reference family is declone's largest
(on the synthetic monorepo it is the generator's most pasted family, all its copies), and a
peer's figure is the most of its copies that one of the peer's clone groups touches (a group
item in the copy's file overlapping its lines). A tool that was stopped, or whose output has
no groups, says "n/a" with the reason.

- declone: ``declone scan ROOT --json --no-cache``;
- pyscn (``pyscn==1.33.0``): ``pyscn analyze --select clones --json``, with a configuration
  that includes test files (pyscn leaves ``test_*.py`` out by default);
- CodeClone (``codeclone==2.0.2``): ``codeclone ROOT --json --skip-metrics --processes 2``.

    python benchmarks/peers.py                         # monorepo 20,000 files and ansible
    python benchmarks/peers.py --files 5000 --only synthetic --cap-mb 2048 --timeout 300
    python benchmarks/peers.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

import realcode

import scan

__all__ = [
    "PEERS",
    "Copy",
    "Peer",
    "PeerRun",
    "codeclone_groups",
    "copies_in_one_group",
    "declone_groups",
    "ensure_peer",
    "main",
    "pyscn_groups",
    "reference_family",
    "run_capped",
]

PEERS_DIR = scan.WORK_DIR / "peers"
_SAMPLE_SECONDS = 0.1

#: pyscn leaves ``test_*.py`` and ``*_test.py`` out unless told otherwise: these patterns
#: replace its default ones, so that it reads every file declone reads.
_PYSCN_CONFIG = """\
[analysis]
recursive = true
include_patterns = ["**/*.py"]
exclude_patterns = ["**/__pycache__/**", "**/.git/**"]
"""


@dataclass(frozen=True, slots=True)
class Peer:
    name: str
    requirement: str

    @property
    def venv(self) -> Path:
        return PEERS_DIR / f"venv-{self.name}"

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / self.name


PEERS = {
    "pyscn": Peer("pyscn", "pyscn==1.33.0"),
    "codeclone": Peer("codeclone", "codeclone==2.0.2"),
}


@dataclass(frozen=True, slots=True)
class Copy:
    """Where one copy of a class stands: root-relative path and its first and last lines."""

    path: str
    line: int
    end_line: int


#: A tool's clone groups, each a list of copies (root-relative path and lines).
Groups = list[list[Copy]]


@dataclass(frozen=True, slots=True)
class PeerRun:
    tool: str
    tree: str
    seconds: float
    exit_code: int | None
    #: Largest single process (``ru_maxrss`` of the waited-for child and its descendants).
    peak_rss_mb: float
    #: Largest sum of resident sets over the process tree, sampled every 100 ms.
    tree_peak_rss_mb: float
    #: Why the run was stopped ("over the memory cap of 2048 MB"), ``None`` if it ended.
    stopped: str | None = None
    groups: int | None = None
    #: Copies of the reference family that one of the tool's groups holds together.
    largest_family: int | None = None
    #: Why ``largest_family`` is not known.
    note: str = ""
    stderr_tail: str = field(default="", repr=False)


# -- installing the peers ------------------------------------------------------------------


def ensure_peer(peer: Peer, python: str = sys.executable) -> Path:
    """The peer's executable, installed at its pinned version into its own virtualenv."""
    marker = peer.venv / ".installed"
    if marker.is_file() and marker.read_text() == peer.requirement and peer.executable.exists():
        return peer.executable
    shutil.rmtree(peer.venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(peer.venv)], check=True)
    pip = [str(peer.venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    result = subprocess.run([*pip, peer.requirement], capture_output=True, text=True, check=False)
    if result.returncode != 0 or not peer.executable.exists():
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"pip install {peer.requirement} failed:\n{tail}")
    marker.write_text(peer.requirement)
    return peer.executable


# -- running under a cap -------------------------------------------------------------------


def _tree_rss(root_pid: int) -> int:
    return scan._process_tree_rss(root_pid) or 0


def run_capped(
    command: Sequence[str],
    *,
    cap_mb: float,
    timeout: float,
    cwd: Path | None = None,
    stdout: Path | None = None,
    tree_rss: Callable[[int], int] = _tree_rss,
) -> tuple[int | None, float, float, float, str | None, str]:
    """Run ``command`` in a process group of its own (its stdout into ``stdout``); kill the
    group when the sum of its resident sets passes ``cap_mb`` or it runs past ``timeout``
    seconds.

    Returns the exit code (``None`` when stopped), the wall time, the largest process's peak
    and the process tree's peak (MB), why it was stopped, and the tail of its stderr.
    """
    with tempfile.TemporaryFile() as err, open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        stop = threading.Event()
        state: dict[str, Any] = {"peak": 0, "stopped": None}

        def watch() -> None:
            while not stop.is_set():
                current = tree_rss(process.pid)
                state["peak"] = max(state["peak"], current)
                reason = None
                if current > cap_mb * 2**20:
                    reason = f"over the memory cap of {cap_mb:,.0f} MB"
                elif time.perf_counter() - start > timeout:
                    reason = f"over the time limit of {timeout:g} s"
                if reason is not None:
                    state["stopped"] = reason
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    return
                stop.wait(_SAMPLE_SECONDS)

        watchdog = threading.Thread(target=watch)
        watchdog.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        stop.set()
        watchdog.join()
        if state["stopped"] is None:
            # The tool has ended; anything it left in its group goes with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    code = None if state["stopped"] else os.waitstatus_to_exitcode(status)
    tail = "\n".join(stderr.strip().splitlines()[-5:])
    return code, seconds, usage.ru_maxrss / 1024, state["peak"] / 2**20, state["stopped"], tail


# -- reading what each tool reports --------------------------------------------------------


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix()


def declone_groups(document: dict[str, Any]) -> Groups:
    """declone's duplicate families, each as its copies."""
    return [
        [Copy(m["path"], m["line"], m["end_line"]) for m in family.get("members", [])]
        for family in document.get("families", [])
        if family.get("kind") == "duplicate"
    ]


def reference_family(document: dict[str, Any]) -> tuple[str, list[Copy]] | None:
    """declone's duplicate family with the most copies: its id and its copies."""
    families = [f for f in document.get("families", []) if f.get("kind") == "duplicate"]
    if not families:
        return None
    largest = max(families, key=lambda f: f["copies"])
    copies = [Copy(m["path"], m["line"], m["end_line"]) for m in largest.get("members", [])]
    return str(largest.get("id", largest["name"])), copies


def pyscn_groups(document: dict[str, Any], root: Path) -> Groups:
    """pyscn's clone groups (``clone.clone_groups[].clones[].location``)."""
    groups = (document.get("clone") or {}).get("clone_groups") or []
    return [
        [
            Copy(
                _relative(c["location"]["file_path"], root),
                c["location"]["start_line"],
                c["location"]["end_line"],
            )
            for c in group.get("clones", [])
        ]
        for group in groups
    ]


def codeclone_groups(document: dict[str, Any]) -> Groups:
    """CodeClone's clone groups of every kind (``findings.groups.clones.*[].items``)."""
    clones = ((document.get("findings") or {}).get("groups") or {}).get("clones") or {}
    return [
        [
            Copy(item["relative_path"], item["start_line"], item["end_line"])
            for item in group["items"]
        ]
        for kind in sorted(clones)
        for group in clones[kind]
    ]


def copies_in_one_group(groups: Iterable[list[Copy]], family: Sequence[Copy]) -> int:
    """The most copies of ``family`` that one group touches: an item of the group in the
    copy's file whose lines overlap the copy's."""
    by_path: dict[str, list[int]] = {}
    for index, copy in enumerate(family):
        by_path.setdefault(copy.path, []).append(index)
    best = 0
    for group in groups:
        touched = {
            index
            for item in group
            for index in by_path.get(item.path, ())
            if item.line <= family[index].end_line and family[index].line <= item.end_line
        }
        best = max(best, len(touched))
    return best


# -- one tree ------------------------------------------------------------------------------


def _run_declone(root: Path, python: str, cap_mb: float, timeout: float, out: Path) -> PeerRun:
    command = [python, "-m", "declone", "scan", str(root), "--json", "--no-cache"]
    code, seconds, peak, tree, stopped, tail = run_capped(
        command, cap_mb=cap_mb, timeout=timeout, stdout=out
    )
    return PeerRun("declone", root.name, seconds, code, peak, tree, stopped, stderr_tail=tail)


def _measured(
    tool: str,
    root: Path,
    command: Sequence[str],
    out: Path,
    read: Callable[[dict[str, Any]], Groups],
    family: Sequence[Copy] | None,
    cap_mb: float,
    timeout: float,
    cwd: Path,
) -> PeerRun:
    code, seconds, peak, tree, stopped, tail = run_capped(
        command, cap_mb=cap_mb, timeout=timeout, cwd=cwd
    )
    run = PeerRun(tool, root.name, seconds, code, peak, tree, stopped, stderr_tail=tail)
    if stopped is not None:
        return _with_note(run, f"stopped: {stopped}")
    if not out.is_file():
        return _with_note(run, f"no report written (exit code {code})")
    groups = read(json.loads(out.read_text(encoding="utf-8")))
    if family is None:
        return _replace(run, groups=len(groups), note="declone found no family to compare")
    return _replace(run, groups=len(groups), largest_family=copies_in_one_group(groups, family))


def _with_note(run: PeerRun, note: str) -> PeerRun:
    return _replace(run, note=note)


def _replace(run: PeerRun, **changes: Any) -> PeerRun:
    return PeerRun(**{**asdict(run), **changes})


def compare_tree(
    root: Path, tools: Sequence[str], python: str, cap_mb: float, timeout: float
) -> list[PeerRun]:
    """declone, then each peer, on ``root``."""
    work = Path(tempfile.mkdtemp(prefix="peers-", dir=scan.WORK_DIR))
    try:
        declone_out = work / "declone.json"
        run = _run_declone(root, python, cap_mb, timeout, declone_out)
        family: list[Copy] | None = None
        if run.stopped is None and run.exit_code == 0:
            document = json.loads(declone_out.read_text(encoding="utf-8"))
            reference = reference_family(document)
            groups = declone_groups(document)
            family = reference[1] if reference is not None else None
            run = _replace(
                run,
                groups=len(groups),
                largest_family=copies_in_one_group(groups, family) if family else None,
                note=f"reference family: {reference[0]}" if reference else "no family found",
            )
        runs = [run]
        if "pyscn" in tools:
            config = work / "pyscn.toml"
            config.write_text(_PYSCN_CONFIG, encoding="utf-8")
            out = work / "pyscn.json"
            command = [str(ensure_peer(PEERS["pyscn"], python)), "analyze", "--select", "clones"]
            command += ["--json", "--output", str(out), "--config", str(config), str(root)]
            runs.append(
                _measured(
                    "pyscn",
                    root,
                    command,
                    out,
                    lambda d: pyscn_groups(d, root),
                    family,
                    cap_mb,
                    timeout,
                    work,
                )
            )
        if "codeclone" in tools:
            out = work / "codeclone.json"
            command = [str(ensure_peer(PEERS["codeclone"], python)), str(root), "--json", str(out)]
            command += ["--skip-metrics", "--processes", "2", "--no-progress", "--quiet"]
            command += ["--cache-path", str(work / "codeclone-cache.json")]
            runs.append(
                _measured(
                    "codeclone", root, command, out, codeclone_groups, family, cap_mb, timeout, work
                )
            )
        return runs
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- output --------------------------------------------------------------------------------


def render(runs: Sequence[PeerRun]) -> str:
    lines = [
        f"{'tree':<34} {'tool':<10} {'seconds':>8} {'largest':>9} {'tree RSS':>9} "
        f"{'groups':>7} {'largest family':>14}  note"
    ]
    for run in runs:
        groups = "n/a" if run.groups is None else f"{run.groups:,}"
        family = "n/a" if run.largest_family is None else f"{run.largest_family:,}"
        lines.append(
            f"{run.tree[:34]:<34} {run.tool:<10} {run.seconds:>8.1f} "
            f"{run.peak_rss_mb:>6,.0f} MB {run.tree_peak_rss_mb:>6,.0f} MB "
            f"{groups:>7} {family:>14}  {run.note}"
        )
        if run.stopped is None and run.exit_code not in (0, 1) and run.stderr_tail:
            lines.append(f"  exit code {run.exit_code}: {run.stderr_tail}")
    return "\n".join(lines)


def _trees(args: argparse.Namespace) -> list[Path]:
    trees: list[Path] = []
    if args.only in (None, "synthetic"):
        repo = scan.prepare_synthetic_repo(args.files, seed=0, profile="monorepo")
        trees.append(repo.root)
    if args.only in (None, "ansible"):
        project = realcode.PROJECTS["ansible"]
        realcode.fetch(project, args.python)
        trees.append(realcode.extract(project))
    return trees


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("synthetic", "ansible"), help="one tree only")
    parser.add_argument(
        "--files", type=int, default=20_000, help="files of the synthetic monorepo (20,000)"
    )
    parser.add_argument(
        "--tools",
        nargs="+",
        choices=sorted(PEERS),
        default=sorted(PEERS),
        help="peers to run beside declone (all)",
    )
    parser.add_argument(
        "--cap-mb", type=float, default=4096, help="memory cap per tool, process tree (4096)"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="time limit per tool, seconds (1800)"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs declone")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON")
    args = parser.parse_args(argv)

    runs: list[PeerRun] = []
    for root in _trees(args):
        if not args.json:
            print(f"comparing on {root} ...", file=sys.stderr)
        runs.extend(compare_tree(root, args.tools, args.python, args.cap_mb, args.timeout))
    if args.json:
        print(json.dumps([asdict(run) for run in runs], indent=2))
    else:
        print(render(runs))
    return 0 if all(r.stopped is None and r.exit_code in (0, 1) for r in runs[:1]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
