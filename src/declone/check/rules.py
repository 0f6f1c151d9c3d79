"""``declone check``'s rules: what each one rejects, how to fix it, and its examples.

Each rule carries its own VALID and INVALID examples (small repositories), which the tests
run through ``declone check`` and the README's rule table is generated from, so that the
documentation cannot drift from what is enforced. ``findings`` finds their violations.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "BUDGET_RULE",
    "IMPORT_RULE",
    "NEW_FAMILY_RULE",
    "REGISTERED_COPY_RULE",
    "RULES",
    "WARNING_RULE",
    "CheckOptions",
    "Example",
    "Rule",
    "Violation",
    "rules_table",
]


@dataclass(frozen=True, slots=True)
class Example:
    """A small repository: files, the ``[tool.declone]`` table, and what the check is given."""

    files: tuple[tuple[str, str], ...]
    #: TOML lines placed under ``[tool.declone]`` in the example's ``pyproject.toml``.
    config: str = ""
    #: ``.declone-baseline.json`` content, or empty for no baseline.
    baseline: str = ""
    #: Files passed on the command line; empty checks the whole repository.
    checked: tuple[str, ...] = ()


def _example(
    files: Mapping[str, str], *, config: str = "", baseline: str = "", checked: Sequence[str] = ()
) -> Example:
    return Example(tuple(files.items()), config, baseline, tuple(checked))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    #: What the rule rejects, one line (the README table and SARIF's short description).
    summary: str
    #: How to fix a violation, one line.
    fix: str
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Violation:
    path: str
    line: int
    #: 1-based, as editors and SARIF count.
    col: int
    rule: str
    message: str
    fix: str
    #: What the violation is about (a class's qualname, an imported name): with the rule and
    #: the path it identifies the violation across edits that only move lines.
    subject: str = ""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.path else "<repository>"


@dataclass(frozen=True, slots=True)
class CheckOptions:
    similarity: float = 0.8
    min_lines: int = 4
    #: DCL004 on or off (``[tool.declone] canonical-imports-only``).
    canonical_imports_only: bool = True


# --- the rules, each with its examples -------------------------------------------------------

_CONNECTION = """\
class Connection:
    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.open = False
"""
_REGISTERED = 'families = { Connection = "support.ws:Connection" }'
_ALIASED = (
    'families = { Connection = { canonical = "support.ws:Connection", aliases = ["FakeConn"] } }'
)

REGISTERED_COPY_RULE = Rule(
    id="DCL001",
    name="registered-copy",
    summary=(
        "a registered class defined again outside its canonical module: by name or alias, "
        "as a structural clone under another name, or as a near-clone (a class created in a "
        "function is not: no import can replace it, so `declone plan` reports it as skipped)"
    ),
    fix="delete the copy and import the class from its canonical module",
    valid=(
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": "from support.ws import Connection\n",
            },
            config=_REGISTERED,
        ),
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": "from support.ws import Connection\n\n\n"
                "class LoudConnection(Connection):\n    def send(self, message):\n"
                "        print(message)\n        super().send(message)\n",
            },
            config=_REGISTERED,
        ),
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": "def test_send():\n"
                + textwrap.indent(_CONNECTION, "    ")
                + "\n    assert Connection().open\n",
            },
            config=_REGISTERED,
        ),
    ),
    invalid=(
        _example(
            {"support/ws.py": _CONNECTION, "tests/test_a.py": _CONNECTION}, config=_REGISTERED
        ),
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": _CONNECTION.replace("Connection", "FakeConn"),
            },
            config=_ALIASED,
        ),
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": _CONNECTION.replace("class Connection", "class Channel"),
            },
            config=_REGISTERED,
        ),
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": _CONNECTION.replace("class Connection", "class Channel")
                + "\n    def flush(self):\n        self.sent.clear()\n",
            },
            config=_REGISTERED + "\nsimilarity = 0.7",
        ),
    ),
)

_AGENT = """\
class MockAgent:
    def __init__(self, name):
        self.name = name
        self.replies = []

    def reply(self, text):
        self.replies.append(text)
"""
_ACCEPTED_AGENT = (
    '{"families": {"MockAgent": {"count": 2, "files": ["tests/test_a.py", "tests/test_b.py"]}}, '
    '"tool": "declone", "version": 1}'
)

NEW_FAMILY_RULE = Rule(
    id="DCL002",
    name="new-duplicate-family",
    summary="a class copied into 2+ files that the baseline does not accept (a new family, or a new copy)",
    fix="import the class from one module instead of copying it, or accept it with `--update-baseline --allow-growth`",
    valid=(
        _example(
            {"tests/test_a.py": _AGENT, "tests/test_b.py": "from tests.test_a import MockAgent\n"}
        ),
        _example({"tests/test_a.py": _AGENT, "tests/test_b.py": _AGENT}, baseline=_ACCEPTED_AGENT),
    ),
    invalid=(
        _example({"tests/test_a.py": _AGENT, "tests/test_b.py": _AGENT}),
        _example(
            {"tests/test_a.py": _AGENT, "tests/test_b.py": _AGENT, "tests/test_c.py": _AGENT},
            baseline=_ACCEPTED_AGENT,
            checked=("tests/test_c.py",),
        ),
    ),
)

_HELPER_WITH_INIT = """\
class TestClient:
    def __init__(self, url):
        self.url = url
"""

WARNING_RULE = Rule(
    id="DCL003",
    name="collection-warning",
    summary=(
        "a helper whose name pytest collects (`python_classes`) with an `__init__`: "
        "a PytestCollectionWarning at every run"
    ),
    fix="rename it so that `python_classes` does not match, or set `__test__ = False` in its body",
    valid=(
        _example({"tests/test_a.py": _HELPER_WITH_INIT.replace("TestClient", "FakeClient")}),
        _example(
            {
                "tests/test_a.py": _HELPER_WITH_INIT.replace(
                    "    def __init__", "    __test__ = False\n\n    def __init__"
                )
            }
        ),
        _example(
            {"tests/test_a.py": "class TestClient:\n    def test_url(self):\n        assert 1\n"}
        ),
    ),
    invalid=(_example({"tests/test_a.py": _HELPER_WITH_INIT}),),
)

IMPORT_RULE = Rule(
    id="DCL004",
    name="non-canonical-import",
    summary="a registered class imported from anywhere but its canonical module",
    fix="import it from its canonical module",
    valid=(
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": "from support.ws import Connection\n",
            },
            config=_REGISTERED,
        ),
        _example(
            {
                "support/__init__.py": "",
                "support/ws.py": _CONNECTION,
                "support/pool.py": "from .ws import Connection\n",
            },
            config=_REGISTERED,
        ),
        _example(
            {"support/ws.py": _CONNECTION, "tests/test_a.py": "from legacy import Connection\n"},
            config=_REGISTERED + "\ncanonical-imports-only = false",
        ),
    ),
    invalid=(
        _example(
            {
                "support/ws.py": _CONNECTION,
                "tests/test_a.py": "from tests.helpers import Connection\n",
            },
            config=_REGISTERED,
        ),
    ),
)

BUDGET_RULE = Rule(
    id="DCL005",
    name="collection-budget",
    summary=(
        "with `--collection-budget`: the latest `declone measure` collects slower than the "
        "baseline times the ratio, or with more warnings or errors"
    ),
    fix="find the slow or warning module with `declone measure --compare BASELINE`, or save a new baseline",
)

RULES: tuple[Rule, ...] = (
    REGISTERED_COPY_RULE,
    NEW_FAMILY_RULE,
    WARNING_RULE,
    IMPORT_RULE,
    BUDGET_RULE,
)


def rules_table() -> str:
    """The README's Markdown table of rules."""
    lines = ["| rule | name | rejects | fix |", "| --- | --- | --- | --- |"]
    lines.extend(f"| `{r.id}` | `{r.name}` | {r.summary} | {r.fix} |" for r in RULES)
    return "\n".join(lines) + "\n"
