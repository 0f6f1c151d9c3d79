"""The words a module's strings mention: the names a rewrite must not take away silently."""

from __future__ import annotations

import ast
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from declone.rewrite.bindings import read_module_facts


def _words_char_by_char(text: str) -> Counter[str]:
    """The definition: runs of ``isalnum()`` characters and underscores that are
    identifiers."""
    cleaned = "".join(char if char.isalnum() or char == "_" else " " for char in text)
    return Counter(word for word in cleaned.split() if word.isidentifier())


def _string_words(text: str) -> Counter[str]:
    tree = ast.parse(f"VALUE = {text!r}\n")
    return read_module_facts(tree).uses.string_words


def test_words_of_a_documentation_string() -> None:
    text = "Use FakeConnection (or tests.support:Fake_2) - not 2fast, ünïcode_ok; x.y\tz"
    assert _string_words(text) == Counter(
        {
            "Use": 1,
            "FakeConnection": 1,
            "or": 1,
            "tests": 1,
            "support": 1,
            "Fake_2": 1,
            "not": 1,
            "ünïcode_ok": 1,
            "x": 1,
            "y": 1,
            "z": 1,
        }
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_words_are_the_identifier_runs_character_by_character(text: str) -> None:
    assert _string_words(text) == _words_char_by_char(text)
