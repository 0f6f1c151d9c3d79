"""Benchmark ``declone measure`` against bare ``python -m pytest --collect-only -q``.

In the same run, on a generated repository of small test files, this script times the bare
collection and ``declone measure`` (the whole command: plugin, ``-X importtime``, tree
snapshots, history), each as a subprocess, interleaved, and prints the medians and the
overhead ratio, of wall time and of CPU time (user + system of the subprocess and everything
it started: steadier than wall time on a busy machine). Target: overhead <= 10%.

    python benchmarks/measure.py                  # 2,000 files, 5 repetitions
    python benchmarks/measure.py --files 500 --repeat 3
    python benchmarks/measure.py --json           # the figures as JSON on stdout

The repository is generated deterministically in a temporary directory and removed after.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["generate_repo", "main"]

_HELPERS = textwrap.dedent(
    """\
    class Recorder:
        def __init__(self):
            self.events = []

        def record(self, event):
            self.events.append(event)
    """
)


def _test_file(index: int) -> str:
    return textwrap.dedent(
        f"""\
        import pytest

        from helpers import Recorder


        class TestCase{index:04d}:
            def test_records(self):
                recorder = Recorder()
                recorder.record({index})
                assert recorder.events == [{index}]

            @pytest.mark.parametrize("value", [1, 2, 3])
            def test_values(self, value):
                assert value + {index} > {index}


        def test_module_{index:04d}():
            assert {index} == {index}
        """
    )


def generate_repo(root: Path, files: int) -> None:
    """``files`` test modules in 20 directories, all importing one shared helper module."""
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\npythonpath = tests\n")
    tests = root / "tests"
    tests.mkdir()
    (tests / "helpers.py").write_text(_HELPERS)
    for index in range(files):
        directory = tests / f"group_{index % 20:02d}"
        directory.mkdir(exist_ok=True)
        (directory / f"test_file_{index:04d}.py").write_text(_test_file(index))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: Sequence[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and its descendants) and stdout of a run."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 5):
        raise SystemExit(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}"
        )
    return elapsed, _children_cpu() - cpu_before, result.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="interpreter of both runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="declone-bench-measure-") as scratch:
        root = Path(scratch)
        generate_repo(root, args.files)
        bare_command = (args.python, "-m", "pytest", "--collect-only", "-q")
        declone_command = (
            args.python, "-m", "declone", "measure", "--root", str(root), "--python", args.python, "--json",
        )  # fmt: skip
        _timed(bare_command, root)  # warm-up: bytecode caches, file system caches
        bare: list[float] = []
        bare_cpu: list[float] = []
        measured: list[float] = []
        measured_cpu: list[float] = []
        inner: list[float] = []
        tests = 0
        for _ in range(args.repeat):
            elapsed, cpu, _ = _timed(bare_command, root)
            bare.append(elapsed)
            bare_cpu.append(cpu)
            elapsed, cpu, out = _timed(declone_command, root)
            measured.append(elapsed)
            measured_cpu.append(cpu)
            result = json.loads(out)["measurement"]
            inner.append(result["wall_seconds"])
            tests = len(result["test_ids"])
    figures = {
        "files": args.files,
        "tests": tests,
        "repeat": args.repeat,
        "bare_median_seconds": statistics.median(bare),
        "declone_median_seconds": statistics.median(measured),
        "declone_pytest_median_seconds": statistics.median(inner),
        "overhead_ratio": statistics.median(measured) / statistics.median(bare),
        "pytest_overhead_ratio": statistics.median(inner) / statistics.median(bare),
        "bare_median_cpu_seconds": statistics.median(bare_cpu),
        "declone_median_cpu_seconds": statistics.median(measured_cpu),
        "cpu_overhead_ratio": statistics.median(measured_cpu) / statistics.median(bare_cpu),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{args.files} files, {tests} tests, median of {args.repeat} runs")
    print(f"  bare pytest --collect-only -q : {figures['bare_median_seconds']:.2f} s")
    print(
        f"  declone measure (whole command): {figures['declone_median_seconds']:.2f} s"
        f"  -> overhead x{figures['overhead_ratio']:.3f}"
    )
    print(
        f"  of which the measured pytest   : {figures['declone_pytest_median_seconds']:.2f} s"
        f"  -> x{figures['pytest_overhead_ratio']:.3f}"
    )
    print(
        f"  CPU: bare {figures['bare_median_cpu_seconds']:.2f} s, declone measure "
        f"{figures['declone_median_cpu_seconds']:.2f} s  -> overhead x{figures['cpu_overhead_ratio']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
