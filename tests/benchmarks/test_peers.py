"""The peers benchmark's helpers: the cap that stops a runaway, and reading each tool's groups."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import peers  # noqa: E402

Copy = peers.Copy
FAMILY = [Copy("a.py", 10, 20), Copy("b.py", 5, 15), Copy("c.py", 1, 9)]


def test_a_group_counts_each_copy_it_overlaps_once() -> None:
    groups = [
        [Copy("a.py", 12, 14), Copy("a.py", 16, 18), Copy("b.py", 15, 30)],  # a twice, b at its end
        [Copy("c.py", 10, 12), Copy("b.py", 1, 4)],  # next to c and b, touching neither
    ]
    assert peers.copies_in_one_group(groups, FAMILY) == 2
    assert peers.copies_in_one_group([*groups, [Copy("c.py", 9, 9)]], FAMILY) == 2
    assert peers.copies_in_one_group([], FAMILY) == 0


def test_the_readers_take_each_tools_groups(tmp_path: Path) -> None:
    declone = {
        "families": [
            {
                "kind": "duplicate",
                "id": "Small",
                "name": "Small",
                "copies": 1,
                "members": [{"path": "c.py", "line": 1, "end_line": 9}],
            },
            {
                "kind": "duplicate",
                "id": "Big@1234",
                "name": "Big",
                "copies": 2,
                "members": [
                    {"path": "a.py", "line": 10, "end_line": 20},
                    {"path": "b.py", "line": 5, "end_line": 15},
                ],
            },
            {"kind": "same-name", "name": "Other", "copies": 3, "members": []},
        ]
    }
    assert peers.reference_family(declone) == ("Big@1234", FAMILY[:2])
    assert peers.declone_groups(declone) == [[FAMILY[2]], FAMILY[:2]]
    location = {"file_path": str(tmp_path / "a.py"), "start_line": 11, "end_line": 12}
    pyscn = {"clone": {"clone_groups": [{"clones": [{"location": location}]}]}}
    assert peers.pyscn_groups(pyscn, tmp_path) == [[Copy("a.py", 11, 12)]]
    item = {"relative_path": "b.py", "start_line": 6, "end_line": 7}
    codeclone = {
        "findings": {"groups": {"clones": {"functions": [{"items": [item]}], "blocks": []}}}
    }
    assert peers.codeclone_groups(codeclone) == [[Copy("b.py", 6, 7)]]


def test_a_tool_over_the_memory_cap_is_stopped(tmp_path: Path) -> None:
    """A real subprocess that grows until it is killed: the cap, not its own end, stops it."""
    grow = "import time\nblocks = []\nwhile True:\n    blocks.append(bytearray(8 * 2**20))\n    time.sleep(0.01)\n"
    code, seconds, _, tree, stopped, _ = peers.run_capped(
        [sys.executable, "-c", grow], cap_mb=150, timeout=60, cwd=tmp_path
    )
    assert code is None
    assert stopped == "over the memory cap of 150 MB"
    assert 150 <= tree < 400
    assert seconds < 60


def test_a_tool_over_the_time_limit_is_stopped_and_one_that_ends_is_not(tmp_path: Path) -> None:
    code, _, _, _, stopped, _ = peers.run_capped(
        [sys.executable, "-c", "import time; time.sleep(30)"], cap_mb=500, timeout=0.5
    )
    assert (code, stopped) == (None, "over the time limit of 0.5 s")
    out = tmp_path / "out.txt"
    code, _, peak, _, stopped, _ = peers.run_capped(
        [sys.executable, "-c", "import sys; print('done'); sys.exit(3)"],
        cap_mb=500,
        timeout=60,
        stdout=out,
    )
    assert (code, stopped, out.read_text()) == (3, None, "done\n")
    assert peak > 0
