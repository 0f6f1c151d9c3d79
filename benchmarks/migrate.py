"""Time the rewrite engine against its floor: LibCST parse plus code generation.

Generates 1,000 deterministic test modules that each carry a copy of a helper class, then
measures, on the same files in the same process, (a) ``libcst.parse_module`` followed by
``module.bytes`` and (b) :func:`declone.rewrite.transform.rewrite_source` replacing the copy with an
import. Prints the time per file of each and their ratio (the target is at most 2x).

    .venv/bin/python benchmarks/migrate.py [--files N]
"""

from __future__ import annotations

import argparse
import random
import time

import libcst as cst

from declone.rewrite import ClassEdit, EditAction, RewriteStatus, rewrite_source
from declone.rewrite.importblock import _head_with_imports

COPY = '''\
# Fake connection used by these tests
class FakeConnection:
    """Records what the code under test sends."""

    def __init__(self):
        self.sent = []
        self.closed = False

    async def send(self, data):
        self.sent.append(json.dumps(data))

    async def close(self):
        self.closed = True
'''

TEST = """\
@pytest.mark.asyncio
async def test_case_{i}():
    conn = FakeConnection()
    await conn.send({{"n": {i}}})
    assert conn.sent == ['{{"n": {i}}}']
    assert os.sep
"""


OPTIONAL_IMPORTS = [
    "import asyncio",
    "import logging",
    "import re",
    "import sys",
    "import time",
    "import typing",
    "from pathlib import Path",
    "from unittest import mock",
]


def generate(count: int, seed: int = 20261122) -> list[tuple[bytes, ClassEdit]]:
    rng = random.Random(seed)
    files = []
    for _ in range(count):
        # Import blocks vary from file to file, as in a real test suite.
        extra = sorted(rng.sample(OPTIONAL_IMPORTS, rng.randint(0, 4)))
        imports = [*sorted(["import json", "import os", *extra]), "", "import pytest", "", ""]
        before = [TEST.format(i=i) for i in range(rng.randint(2, 10))]
        after = [TEST.format(i=100 + i) for i in range(rng.randint(2, 20))]
        text = (
            "\n".join(imports)
            + "\n"
            + "\n\n".join(before)
            + "\n\n"
            + COPY
            + "\n\n"
            + "\n\n".join(after)
        )
        lineno = text[: text.index("class FakeConnection")].count("\n") + 1
        edit = ClassEdit(
            "FakeConnection", lineno, EditAction.REPLACE, "tests.helpers", "FakeConnection"
        )
        files.append((text.encode(), edit))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    files = generate(args.files)

    # Interleaved file by file, so that both measures see the same machine load.
    floor_total = rewrite_total = 0.0
    statuses = []
    for source, edit in files:
        start = time.perf_counter()
        cst.parse_module(source).bytes  # noqa: B018 - code generation is what is timed
        middle = time.perf_counter()
        statuses.append(rewrite_source(source, [edit]).status)
        end = time.perf_counter()
        floor_total += middle - start
        rewrite_total += end - middle
    floor = floor_total / len(files)
    rewrite = rewrite_total / len(files)

    changed = sum(status is RewriteStatus.CHANGED for status in statuses)
    lines = sum(source.count(b"\n") for source, _ in files) / len(files)
    print(f"files: {len(files)} (mean {lines:.0f} lines), changed: {changed}")
    print(f"floor (parse + codegen): {floor * 1000:.2f} ms/file")
    print(f"rewrite:                 {rewrite * 1000:.2f} ms/file")
    print(f"ratio: {rewrite / floor:.2f}x (target <= 2x)")
    cache = _head_with_imports.cache_info()
    print(f"import-block cache: {cache.hits} hits, {cache.misses} misses")
    return 0 if changed == len(files) else 1


if __name__ == "__main__":
    raise SystemExit(main())
