"""A plan never adds an import cycle and never drops a maintainer's comment silently."""

from __future__ import annotations

from typing import Any

import pytest

from declone.cli import main
from migration_support import HELPER, USES, module_with_copy, run_json

NOTE = "# kept apart on purpose: see the incident of 2024-03-02"


def _plan(capsys: pytest.CaptureFixture[str], root: Any, *extra: str) -> dict[str, Any]:
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", "tests/support.py", *extra
    )
    assert code == 0
    return {entry["path"]: entry for entry in document["files"]}


def test_a_copy_with_a_comment_the_canonical_lacks_stays(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    commented = HELPER.format(name="Recorder").replace(
        "    def close(self):", f"    {NOTE}\n    def close(self):"
    )
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_c.py": f"{commented}\n\n{USES.format(name='Recorder')}",
        }
    )
    entries = _plan(capsys, root)
    kept = entries["tests/test_c.py"]
    assert kept["action"] == "skip"
    assert kept["reason"] == (
        f"would drop 1 comment the canonical lacks, at tests/test_c.py:11: {NOTE}; "
        "--drop-comments migrates it anyway"
    )
    assert {entries[p]["action"] for p in ("tests/test_a.py", "tests/test_b.py")} == {"replace"}

    entries = _plan(capsys, root, "--drop-comments")
    dropped = entries["tests/test_c.py"]
    assert dropped["action"] == "replace"
    assert dropped["reason"].endswith(f"; drops 1 comment at tests/test_c.py:11: {NOTE}")


def test_comments_the_canonical_has_or_a_residual_keeps_are_no_loss(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = "# Records what the code under test sends.\n" + HELPER.format(name="Recorder")
    residual = HELPER.format(name="Recorder").replace(
        "        self.closed = True",
        f"        {NOTE}\n        self.closed = 'yes'",
    )
    root = repo(
        {
            "tests/test_a.py": f"{shared}\n\n{USES.format(name='Recorder')}",
            "tests/test_b.py": f"{shared}\n\n{USES.format(name='Recorder')}",
            "tests/test_c.py": f"{shared}\n\n{USES.format(name='Recorder')}",
            "tests/test_d.py": f"{residual}\n\n{USES.format(name='Recorder')}",
        }
    )
    entries = _plan(capsys, root, "--unsafe")
    assert {p: e["action"] for p, e in entries.items()} == {
        "tests/test_a.py": "replace",
        "tests/test_b.py": "replace",
        "tests/test_c.py": "replace",
        "tests/test_d.py": "residual",
    }


def test_a_copy_the_canonicals_module_imports_is_not_made_to_import_it(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/support.py": "from tests.helpers import VALUE\n\n\n"
            + HELPER.format(name="Recorder"),
            "tests/helpers.py": "VALUE = 1\n\n\n" + HELPER.format(name="Recorder"),
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    code, document = run_json(
        capsys,
        "plan",
        "Recorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support:Recorder",
    )
    assert code == 0
    entries = {entry["path"]: entry for entry in document["files"]}
    assert entries["tests/helpers.py"]["action"] == "skip"
    assert entries["tests/helpers.py"]["reason"] == (
        "importing tests.support here would make an import cycle: "
        "tests/support.py -> tests/helpers.py"
    )
    assert entries["tests/test_a.py"]["action"] == "replace"
    assert entries["tests/support.py"]["action"] == "canonical"
    assert (
        main(
            [
                "migrate",
                "Recorder",
                "--root",
                str(root),
                "--canonical",
                "tests.support:Recorder",
                "--no-cache",
            ]
        )
        == 0
    )
    assert "class Recorder" in (root / "tests/helpers.py").read_text()
    assert "class Recorder" in (root / "tests/support.py").read_text()
