"""Properties of the rewrite engine on generated modules."""

from __future__ import annotations

import ast

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declone.rewrite.transform import ClassEdit, EditAction, RewriteStatus, rewrite_source
from migration_support import own_statements

COPY = (
    "class FakeConnection:\n"
    '    """A copy."""\n'
    "\n"
    "    def send(self, data):\n"
    "        return json.dumps(data)\n"
)
HEADS = [
    "",
    '"""Docstring."""\n',
    "from __future__ import annotations\n",
    "#!/usr/bin/env python\n",
]
IMPORTS = ["import os\n", "import json\n", "from typing import Any\n", "import sys, re\n"]
OTHERS = [
    "def helper_{i}():\n    return os.getcwd()\n",
    "def test_{i}():\n    conn = FakeConnection()\n    assert isinstance(conn, FakeConnection)\n",
    "class Other{i}:\n    value: Any = None\n",
    "# a comment {i}\n",
    "\n",
    "\n\n",
    "value_{i} = json.loads('[]')\n",
    "def typed_{i}(c: 'FakeConnection') -> None:\n    pass\n",
    "# Fake connection, copy {i}\n" + COPY,
    COPY,
]


@st.composite
def modules(draw: st.DrawFn) -> tuple[bytes, list[ClassEdit]]:
    parts = [draw(st.sampled_from(HEADS))]
    parts += draw(st.lists(st.sampled_from(IMPORTS), max_size=4, unique=True))
    body = draw(st.lists(st.sampled_from(OTHERS), min_size=1, max_size=12))
    if COPY not in body and not any(part.endswith(COPY) for part in body):
        body.insert(draw(st.integers(0, len(body))), COPY)
    parts += [part.format(i=i) for i, part in enumerate(body)]
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    source = text.encode()
    tree = ast.parse(source)
    edits = [
        ClassEdit(
            "FakeConnection", node.lineno, EditAction.REPLACE, "helpers.fakes", "FakeConnection"
        )
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name == "FakeConnection"
    ]
    return source, edits


def other_statements(source: bytes) -> list[str]:
    """Top-level statements other than the copies and import lines, by code."""
    return own_statements(source, "FakeConnection")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_rewrite_properties(case: tuple[bytes, list[ClassEdit]]) -> None:
    source, edits = case
    result = rewrite_source(source, edits)
    assert result.status is RewriteStatus.CHANGED, result.reason
    output = result.source
    ast.parse(output)
    cst.parse_module(output)
    again = rewrite_source(output, edits)
    assert again.status is RewriteStatus.UNCHANGED
    assert again.source == output
    assert other_statements(output) == other_statements(source)
    assert b"from helpers.fakes import FakeConnection" in output
    assert (b"\r\n" in output) == (b"\r\n" in source)
    tree = ast.parse(output)
    assert not any(
        isinstance(node, ast.ClassDef) and node.name == "FakeConnection" for node in tree.body
    )
    # json stays imported exactly when something other than the copies uses it.
    uses_json = any("json.loads" in part for part in other_statements(source))
    imported_json = any(
        isinstance(node, ast.Import) and any(alias.name == "json" for alias in node.names)
        for node in tree.body
    )
    if b"import json" in source:
        assert imported_json == uses_json
