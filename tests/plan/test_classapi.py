from __future__ import annotations

import ast
import textwrap

import pytest

from declone.plan.classapi import (
    MemberKind,
    Signature,
    awaitable_classes,
    class_members,
    incompatibility,
)


def signature(source: str) -> Signature:
    function = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(function, ast.FunctionDef)
    return Signature.of(function, bound=True)


@pytest.mark.parametrize(
    ("copy", "canonical", "problem"),
    [
        ("def m(self, a): ...", "def m(self, b): ...", ""),
        (
            "def m(self, a=1): ...",
            "def m(self, a): ...",
            "a is optional in the copy, required in the canonical",
        ),
        (
            "def m(self, a): ...",
            "def m(self): ...",
            "the canonical takes no positional parameter for a",
        ),
        ("def m(self, a): ...", "def m(self, *args): ...", ""),
        ("def m(self): ...", "def m(self, a): ...", "the canonical requires a"),
        (
            "def m(self, *a): ...",
            "def m(self): ...",
            "the copy takes *args, the canonical does not",
        ),
        (
            "def m(self, **k): ...",
            "def m(self): ...",
            "the copy takes **kwargs, the canonical does not",
        ),
        ("def m(self, *, k=1): ...", "def m(self): ...", "the canonical has no parameter k"),
        ("def m(self, *, k=1): ...", "def m(self, **kw): ...", ""),
        ("def m(self): ...", "def m(self, *, k): ...", "the canonical requires the keyword k"),
        ("def m(self): ...", "def m(self, *, k=None, **context): ...", ""),
    ],
)
def test_incompatibility(copy: str, canonical: str, problem: str) -> None:
    assert incompatibility(signature(copy), signature(canonical)) == problem


def test_members_group_properties_aliases_and_statements() -> None:
    tree = ast.parse(
        textwrap.dedent(
            '''
            class Awaitable:
                def __await__(self):
                    yield from ()

            class C:
                """Doc."""
                limit: int = 3
                count += 1

                class Inner:
                    pass

                @property
                def value(self) -> "Awaitable":
                    return self._value

                @value.setter
                def value(self, new):
                    self._value = new

                @staticmethod
                def make(a, b):
                    return a

                def items(self) -> Awaitable:
                    return Awaitable()

                listing = items

                if True:
                    extra = 1
            '''
        )
    )
    node = tree.body[1]
    assert isinstance(node, ast.ClassDef)
    members = {m.name: m for m in class_members(node)}
    assert members["limit"].kind is MemberKind.ATTRIBUTE
    assert members["count"].kind is MemberKind.ATTRIBUTE
    assert members["Inner"].kind is MemberKind.CLASS
    assert members["value"].kind is MemberKind.PROPERTY
    assert members["value"].self_attributes == frozenset({"_value"})
    assert members["value"].returns == "Awaitable"
    make = members["make"].signature
    assert make is not None
    assert [name for name, _ in make.positional] == ["a", "b"]
    assert members["listing"].kind is MemberKind.METHOD
    assert members["listing"].returns == "Awaitable"
    statements = [m for m in members.values() if m.kind is MemberKind.STATEMENT]
    assert len(statements) == 1
    assert awaitable_classes(tree) == frozenset({"Awaitable"})
