"""``scan --family NAME`` accounts for every line grep finds, each in one bucket."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from declone.cli import main
from declone.config import PytestConfig
from declone.scan import OccurrenceKind
from declone.scan.occurrences import occurrences_in_file

SCHEMA = Path(__file__).resolve().parents[2] / "src" / "declone" / "schemas" / "scan.schema.json"

HELPER = """\
class TestConn:
    def __init__(self):
        self.sent = []

    def send(self, item):
        self.sent.append(item)
        return item

    def close(self):
        self.sent.clear()
"""
COMMENTED = "".join(f"# REMOVED_SYNTAX_ERROR: {line}\n" for line in HELPER.splitlines())
TREE = {
    "tests/test_a.py": HELPER + "\n\ndef test_a():\n    assert TestConn().send(1) == 1\n",
    "tests/test_b.py": HELPER,
    "tests/test_c.py": HELPER.replace("return item", "return None"),
    "tests/test_real.py": "class TestConn:\n    def test_x(self):\n        assert True\n",
    "tests/test_init.py": (
        "class TestConn:\n    def __init__(self):\n        self.x = 1\n\n"
        "    def test_y(self):\n        assert True\n"
    ),
    "tests/test_inline.py": "def test_inline():\n    class TestConn:\n        pass\n",
    "tests/test_nested.py": "class Outer:\n    class TestConn:\n        x = 1\n",
    "tests/test_commented.py": COMMENTED + "\nx = 1\n",
    "tests/test_doc.py": 'def f():\n    """Use it so:\n\n    class TestConn:\n        pass\n    """\n',
    "tests/test_prose.py": "# the class TestConn is copied everywhere\nx = 1\n",
    "tests/test_longer.py": "class TestConnMock:\n    pass\n",
    "tests/broken.py": "class TestConn:\n    def f(self)\n        pass\n",
    "backups/2024/test_a.py": HELPER,
    "tests/test_a.py.orig": HELPER,
    # Not a file declone reads, nor one that grep --include='*.py' reads.
    "README.md": "class TestConn:\n",
}
EXPECTED = {
    ("tests/test_a.py", 1): "live-copy",
    ("tests/test_b.py", 1): "live-copy",
    ("tests/test_c.py", 1): "live-copy",
    ("tests/test_real.py", 1): "test-class",
    ("tests/test_init.py", 1): "uncollectable-test",
    ("tests/test_inline.py", 2): "in-function",
    ("tests/test_nested.py", 2): "nested",
    ("tests/test_commented.py", 1): "commented-out",
    ("tests/test_doc.py", 4): "in-string",
    ("tests/test_prose.py", 1): "other-text",
    ("tests/broken.py", 1): "unparsed-file",
    ("backups/2024/test_a.py", 1): "backup",
    ("tests/test_a.py.orig", 1): "backup",
}


def grep_total(root: Path, name: str) -> int:
    grep = shutil.which("grep")
    assert grep is not None
    result = subprocess.run(
        [grep, "-rnw", "--include=*.py", "--include=*.py.*", f"class {name}", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return len(result.stdout.splitlines())


def test_every_grep_line_lands_in_one_bucket(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(TREE)
    assert main(["scan", str(root), "--family", "TestConn", "--json", "--no-cache"]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text("utf-8")))
    occurrences = document["occurrences"]
    assert occurrences["total"] == grep_total(root, "TestConn") == len(EXPECTED)
    found = {(item["path"], item["line"]): item["kind"] for item in occurrences["items"]}
    assert found == EXPECTED
    assert sum(occurrences["by_kind"].values()) == occurrences["total"]
    assert occurrences["by_kind"]["live-copy"] == 3
    assert occurrences["longer_names"] == 1  # class TestConnMock


def test_the_text_says_the_total_the_buckets_and_the_grep(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(TREE)
    assert main(["scan", str(root), "--family", "TestConn", "--no-cache", "--all"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"`class TestConn` on {len(EXPECTED)} lines" in text
    assert "grep -rnw --include='*.py' --include='*.py.*' 'class TestConn' ." in text
    assert "commented out 1 tests/test_commented.py:1" in text
    assert "in a string 1 tests/test_doc.py:4" in text
    assert "and 1 line naming a longer class" in text


@pytest.mark.parametrize(
    ("data", "kinds", "longer"),
    [
        (b"x = 1\n", (), 0),
        (b"class TestConnX:\n    pass\n", (), 1),
        (b"class TestConn: pass  # class TestConnX\n", (OccurrenceKind.LIVE_COPY,), 0),
        (b"\xff\xfeclass TestConn:\n", (OccurrenceKind.UNPARSED,), 0),
        (b"class TestConn:\r\n    pass\r\n", (OccurrenceKind.LIVE_COPY,), 0),
    ],
    ids=["absent", "longer-only", "both-on-one-line", "undecodable", "crlf"],
)
def test_one_file(data: bytes, kinds: tuple[OccurrenceKind, ...], longer: int) -> None:
    found, longer_lines = occurrences_in_file("t.py", data, "TestConn", PytestConfig())
    assert tuple(item.kind for item in found) == kinds
    assert longer_lines == longer
