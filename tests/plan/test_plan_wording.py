"""What scan, plan and migrate say, in plain English.

A plan that changes no file says why in one line and promises no module; ``plan --diff`` and
``migrate --dry-run`` with nothing to show say so. The copy a canonical is extracted from is
never skipped for "divergence": its reason names its own cause. Verdict reasons name what
differs, and every count agrees with its noun ("1 family", "1 file would change").

Each test failed before this wording: the comment above its assertions says what it got.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.config import load_settings
from declone.plan import PlanRequest, plan_changes, prepare_plan
from migration_support import USES, helper, module_with_copy, run_json

EXTRACT = "tests/support/rec.py"
#: A decorator that may register the class where it is defined: no copy under it moves.
REGISTERED = "import attr\n\n\n@attr.s\n" + helper()
NOTHING = (
    "nothing to migrate: every copy is skipped (3 defined in a function, 2 decorated with @attr.s)"
)


def in_function(source: str) -> str:
    """A test module whose test defines ``source`` (a class) inside itself."""
    return (
        f"def test_inline():\n{textwrap.indent(source, '    ')}\n    assert Recorder().sent == []\n"
    )


def all_skipped(repo: Any) -> Path:
    """A family of five copies of one variant (decorated with ``@attr.s``), none movable: two
    at module level (the decorator may register them there), three inside test functions."""
    root: Path = repo(
        {
            "tests/test_a.py": REGISTERED + "\n\n" + USES.format(name="Recorder"),
            "tests/test_b.py": REGISTERED + "\n\n" + USES.format(name="Recorder"),
            **{
                f"tests/test_{name}.py": "import attr\n\n\n" + in_function("@attr.s\n" + helper())
                for name in ("c", "d", "e")
            },
        }
    )
    return root


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--no-cache"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_plan_that_changes_nothing_says_why_and_promises_no_module(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = all_skipped(repo)
    code, out, err = cli(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT, "--diff"
    )
    assert code == 0
    # Before: "migrate writes the canonical module tests/support/rec.py (tests.support.rec)",
    # "5 copies: 5 skip; 0 files would change", and --diff printed nothing, saying nothing.
    assert "writes the canonical module" not in err
    assert "0 files would change" not in err
    assert "5 copies: 5 skip\n" in err
    assert NOTHING in err.splitlines()
    assert "no diff to show: no file would change" in err.splitlines()
    assert "+++" not in out
    assert not (root / EXTRACT).exists()


def test_migrate_with_nothing_to_migrate_says_so_and_writes_nothing(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = all_skipped(repo)
    argv = ("migrate", "Recorder", "--root", str(root), "--extract-to", EXTRACT)
    code, out, err = cli(capsys, *argv, "--dry-run")
    # Before: "0 files would change" and no word on the missing diff.
    assert code == 0  # copies were skipped: said, not a failure
    assert out == ""
    assert "no diff to show: no file would change" in err.splitlines()
    assert NOTHING in err.splitlines()
    assert "files would change" not in err
    code, out, err = cli(capsys, *argv)
    # Before: "0 files changed".
    assert code == 0
    assert NOTHING in err.splitlines()
    assert "files changed" not in err
    assert not (root / EXTRACT).exists()
    assert not (root / ".declone").exists()


def test_the_extracted_copy_is_skipped_for_its_decorator_not_for_divergence(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = all_skipped(repo)
    _, document = run_json(capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT)
    source = document["canonical"]["extracted_from"]  # path:line:column
    entry = next(e for e in document["files"] if f"{e['path']}:{e['line']}:1" == source)
    # Before: "incompatible divergence: decorated with @attr.s, ..." for the very copy the
    # canonical is written from, which diverges from nothing.
    # A decorator that may register the class makes the copy unsafe: --unsafe would move it.
    assert (entry["action"], entry["tier"], entry["reason"]) == (
        "skip",
        "unsafe",
        "decorated with @attr.s, which may register the class where it is defined; "
        "--unsafe plans it anyway",
    )
    assert not [e for e in document["files"] if "divergence" in e["reason"]]


def test_a_registering_member_decorator_names_the_member(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    hooked = "\n    @hooks.register\n    def last(self):\n        return self.sent[-1]\n"
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_c.py": module_with_copy(
                USES.format(name="Recorder"), extra=hooked, header="from tests import hooks\n\n\n"
            ),
        }
    )
    _, document = run_json(capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT)
    entry = next(e for e in document["files"] if e["path"] == "tests/test_c.py")
    # Before: "incompatible divergence: decorated with @hooks.register, which may register the
    # class where it is defined": the class is not decorated, its method is.
    assert (entry["action"], entry["reason"]) == (
        "skip",
        "its last is decorated with @hooks.register, which may register it where it is defined",
    )


def test_no_module_is_written_when_no_planned_file_changes(repo: Any) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    prepared = prepare_plan(
        load_settings(root),
        PlanRequest("Recorder", extract_to=EXTRACT, python=sys.executable),
    )
    assert [c.path for c in plan_changes(prepared) if c.created] == [EXTRACT]
    # The planned files can no longer be read: no rewrite changes anything.
    unread = plan_changes(dataclasses.replace(prepared, sources={}))
    assert [(c.path, c.changed) for c in unread] == [
        ("tests/test_a.py", False),
        ("tests/test_b.py", False),
    ]
    # Before: the module came first all the same, written for files that import nothing.


#: The dominant variant (three copies), and one file per kind of difference from it.
CONN = """\
class Conn:
    timeout = 5
    retries = 3

    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, item):
        self.sent.append(item)

    def get_messages(self):
        return list(self.sent)

    def close_all(self):
        self.open = False
"""
CLOSE_ALL = "\n    def close_all(self):\n        self.open = False\n"
VERDICTS = {
    "reformatted.py": (
        CONN.replace("self.sent = []", "self.sent = [ ]").replace("(self, item)", "(self,item)"),
        "identical",
        "identical to the dominant variant",
    ),
    "lacks_method.py": (CONN.replace(CLOSE_ALL, ""), "subset", "a subset: lacks close_all"),
    "lacks_attribute.py": (
        CONN.replace("    retries = 3\n", ""),
        "subset",
        "a subset: lacks class attribute retries",
    ),
    "reordered.py": (
        CONN.replace(CLOSE_ALL, "").replace(
            "\n    def get_messages", CLOSE_ALL + "\n    def get_messages"
        ),
        "subset",
        "a subset: the same statements in another order",
    ),
    "decorated.py": (
        "import attr\n\n\n@attr.s\n" + CONN,
        "subset",
        "a subset: decorated with @attr.s here, not decorated in the dominant variant",
    ),
    "drifted.py": (
        CONN.replace("def get_messages", "async def get_messages")
        + "\n    def render_chunk(self):\n        return self.sent[:1]\n",
        "divergent",
        "diverges: get_messages is async here, sync in the dominant variant; adds render_chunk",
    ),
}


def test_verdict_reasons_name_what_differs(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        {
            **{f"dominant_{n}.py": CONN for n in range(3)},
            **{path: source for path, (source, _, _) in VERDICTS.items()},
        }
    )
    code, out, _ = cli(capsys, "scan", str(tmp_path), "--json")
    assert code == 0
    (family,) = [f for f in json.loads(out)["families"] if f["kind"] == "duplicate"]
    found = {m["path"]: (m["compatibility"], m["reason"]) for m in family["members"]}
    # Before: "" for identical copies; "the dominant variant has all it has (it lacks
    # close_all)" and, lacking no method, "(it lacks nothing)" for subsets; the divergent
    # copy's "adds render_chunk; get_messages is async here, ..." without a verdict word.
    assert found == {
        **{
            f"dominant_{n}.py": ("identical", "identical to the dominant variant") for n in range(3)
        },
        **{path: (verdict, reason) for path, (_, verdict, reason) in VERDICTS.items()},
    }


#: Two structural clones in one test file, one of them a ``Test*`` helper that pytest warns
#: about, and a third that adds a method: one family, one file, one warning.
LAST = "\n    def last(self):\n        return self.sent[-1]\n"
ONE_FILE = "\n\n".join(
    (
        helper("TestRecorder", LAST),
        helper("OtherRecorder", LAST),
        helper("ThirdRecorder", LAST + "\n    def clear(self):\n        self.sent.clear()\n"),
    )
)


def test_scan_counts_agree_with_their_nouns(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree({"test_one.py": ONE_FILE})
    code, out, err = cli(capsys, "scan", str(tmp_path))
    assert code == 0
    # Before: "1 families, 3 live copies, ...; 1 helpers make pytest warn" and "scanned 1 files".
    assert "\n1 family, 3 live copies, " in out
    assert "; 1 helper makes pytest warn (PytestCollectionWarning)." in out
    assert "scanned 1 file (" in err
    code, out, _ = cli(capsys, "scan", str(tmp_path), "--family", "TestRecorder")
    assert code == 0
    # Before: "(1 copies, differs from ...)".
    assert "(2 copies, dominant)" in out
    assert "(1 copy, differs from " in out
    assert "of the 1 file this scan reads" in out


def test_plan_and_migrate_counts_agree_with_their_nouns(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": in_function(helper()),
        }
    )
    canonical = ("--root", str(root), "--extract-to", EXTRACT)
    _, _, err = cli(capsys, "plan", "Recorder", *canonical)
    # Before: "2 copies: 1 replace, 1 skip; 1 files would change".
    assert "2 copies: 1 replace, 1 skip; 1 file would change" in err.splitlines()
    _, _, err = cli(capsys, "migrate", "Recorder", *canonical, "--dry-run")
    # Before: "1 files would change, would create tests/support/rec.py".
    assert f"1 file would change, would create {EXTRACT}" in err.splitlines()
    code, _, err = cli(capsys, "migrate", "Recorder", *canonical)
    assert code == 0  # the copy in a function is skipped: said, not a failure
    # Before: "1 files changed, created tests/support/rec.py in run ...".
    assert f"1 file changed, created {EXTRACT} in run " in err


def test_files_left_for_a_later_run_are_counted_in_english(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {f"tests/test_{n}.py": module_with_copy(USES.format(name="Recorder")) for n in "ab"}
    )
    _, _, err = cli(
        capsys,
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--extract-to",
        EXTRACT,
        "--dry-run",
        "--max-files",
        "1",
    )
    # Before: "1 files would change, ..." and "1 files left for a later run".
    assert f"1 file would change, would create {EXTRACT}" in err.splitlines()
    assert "1 file left for a later run (--max-files)" in err.splitlines()
