"""Compact JSON text: orjson where it can, the standard library where orjson refuses."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from declone.jsontext import compact

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_compact_text_reads_back_as_the_document(document: object) -> None:
    assert json.loads(compact(document)) == document


def test_compact_text_has_no_spaces_and_keeps_non_ascii_characters() -> None:
    document = {"name": "Conexión", "copies": [1, 2], "nested": {"ok": True, "none": None}}
    assert (
        compact(document) == '{"name":"Conexión","copies":[1,2],"nested":{"ok":true,"none":null}}'
    )


def test_what_orjson_refuses_is_written_by_json_with_the_same_meaning() -> None:
    # An undecodable file name under ``surrogateescape`` holds a lone surrogate; orjson
    # refuses it, as it refuses an integer beyond 64 bits.
    document = {"path": "tests/caf\udce9.py", "big": 2**70}
    text = compact(document)
    assert text == '{"path":"tests/caf\udce9.py","big":1180591620717411303424}'
    assert json.loads(text) == document
