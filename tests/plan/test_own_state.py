"""A copy that makes state of its own at class level (a list, a registry a call returns) keeps
its class: one shared class would share that state between the modules that import it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from declone.plan.ownstate import own_state, own_state_statements
from migration_support import USES, helper, run_json

EXTRACT = "tests/support/rec.py"


def with_body(extra: str) -> str:
    """A test module whose copy of the helper has ``extra`` at the top of its body."""
    copy = helper().replace('"""Records what it is sent."""\n', f'"""Records it."""\n{extra}')
    return f"{copy}\n\n{USES.format(name='Recorder')}"


def plan_files(capsys: pytest.CaptureFixture[str], root: Path, *options: str) -> dict[str, Any]:
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT, *options
    )
    assert code == 0
    return {entry["path"]: entry for entry in document["files"]}


@pytest.mark.parametrize(
    ("extra", "statement"),
    [
        ("    calls = []\n", "line 7: `calls = []`"),
        ("    mapped_registry = registry()\n", "line 7: `mapped_registry = registry()`"),
        ("    seen: dict[str, int] = {}\n", "line 7: `seen: dict[str, int] = {}`"),
        ("    names = {n for n in 'ab'}\n", "line 7: `names = {n for n in 'ab'}`"),
        (
            "    log = logging.getLogger(__name__)\n    cache = {}\n",
            "line 7: `log = logging.getLogger(__name__)` and 1 more",
        ),
    ],
    ids=["list", "call", "annotated-dict", "comprehension", "two"],
)
def test_a_copy_with_state_of_its_own_stays_unless_unsafe(
    repo: Any, capsys: pytest.CaptureFixture[str], extra: str, statement: str
) -> None:
    header = "import logging\nfrom collections import OrderedDict as registry\n\n\n"
    root = repo(
        {
            "tests/test_a.py": header + with_body(extra),
            "tests/test_b.py": header + with_body(extra),
        }
    )
    files = plan_files(capsys, root)
    reason = (
        f"holds state of its own at class level ({statement}): each copy has its own, and one "
        "shared class would share it between modules"
    )
    for path in ("tests/test_a.py", "tests/test_b.py"):
        entry = files[path]
        assert (entry["action"], entry["tier"]) == ("skip", "unsafe")
        assert entry["reason"] == f"{reason}; --unsafe plans it anyway"
        assert entry["cause"] == "with class-level state of its own"
    unsafe = plan_files(capsys, root, "--unsafe")
    assert {(e["action"], e["tier"]) for e in unsafe.values()} == {("replace", "unsafe")}


@pytest.mark.parametrize(
    "extra",
    [
        "    kind = 'recorder'\n    limit = 3\n",
        "    __slots__ = ['sent', 'closed']\n",
        "    name = property(lambda self: 'r')\n",
        "    KNOWN = frozenset({'a'})\n    PAIR = ('a', 'b')\n",
        "    items: list[int] = field(default_factory=list)\n",
        "    other = OTHER\n",
    ],
    ids=["constants", "slots", "property", "immutable", "dataclass-field", "a-name"],
)
def test_declarations_and_immutable_values_are_no_state(
    repo: Any, capsys: pytest.CaptureFixture[str], extra: str
) -> None:
    header = "from dataclasses import field\nOTHER = 1\n\n\n"
    root = repo(
        {
            "tests/test_a.py": header + with_body(extra),
            "tests/test_b.py": header + with_body(extra),
        }
    )
    files = plan_files(capsys, root)
    assert {(e["action"], e["tier"]) for e in files.values()} == {("replace", "safe")}


def test_a_residual_that_keeps_the_stateful_member_runs_it_itself() -> None:
    node = ast.parse("class R:\n    calls = []\n    hooks = {}\n    def f(self): pass\n").body[0]
    assert isinstance(node, ast.ClassDef)
    assert [ast.unparse(s) for s in own_state_statements(node, ["calls"])] == ["hooks = {}"]
    assert own_state(node, ["calls", "hooks"]) == ()
    assert [ast.unparse(s) for s in own_state_statements(node)] == ["calls = []", "hooks = {}"]


def test_a_long_statement_is_shortened_in_the_reason() -> None:
    source = (
        "class R:\n    registry = make_a_registry(with_a_rather_long_argument_list=[1, 2, 3, 4])\n"
    )
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    (stay,) = own_state(node)
    assert "`registry = make_a_registry(with_a_rather_long_argument_li...`" in stay.reason
