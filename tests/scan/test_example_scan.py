"""The bundled example's scan result, pinned: every planted variant is found where it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from declone.cli import main


@pytest.fixture(scope="module")
def document(example_repo_module: Path) -> dict:  # type: ignore[type-arg]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["scan", str(example_repo_module), "--json", "--no-cache"]) == 0
    return json.loads(buffer.getvalue())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def example_repo_module() -> Path:
    return Path(__file__).resolve().parents[2] / "examples" / "websocket-suite"


def test_summary(document: dict) -> None:  # type: ignore[type-arg]
    assert document["summary"] == {
        "files": 31,
        "classes": 27,
        "families": 2,
        "live_copies": 18,
        "duplicated_lines": 310,
        "removable_lines": 269,
        "same_name_groups": 0,
        "nested_groups": 0,
        "warning_sources": 12,
        "uncollectable_tests": 0,
        "commented_copies": 1,
        "backup_copies": 1,
        "problems": 1,
    }


def test_websocket_family(document: dict) -> None:  # type: ignore[type-arg]
    family = document["families"][0]
    assert family["name"] == "TestWebSocketConnection"
    assert family["names"] == ["TestWebSocketConnection", "MockWebSocketConnection"]
    assert [v["count"] for v in family["variants"]] == [12, 1, 1]
    members = {m["path"]: m for m in family["members"]}
    assert len(members) == 14
    assert (
        members["tests/integration/test_multi_user_isolation.py"]["name"]
        == "MockWebSocketConnection"
    )
    assert members["tests/integration/test_multi_user_isolation.py"]["compatibility"] == "identical"
    nested = members["tests/unit/test_inline_connection.py"]
    assert nested["in_function"] is True
    assert (
        nested["qualname"]
        == "test_notifier_delivers_through_an_inline_fake.<locals>.TestWebSocketConnection"
    )
    assert members["tests/integration/test_notifier_broadcast.py"]["reason"] == (
        "diverges: get_messages is async here, sync in the dominant variant"
    )
    assert (
        members["tests/integration/test_tool_events.py"]["reason"]
        == "diverges: adds get_sent_events_by_type"
    )
    assert (
        members["tests/integration/test_multi_user_isolation.py"]["reason"]
        == "identical to the dominant variant"
    )
    for reformatted in (
        "tests/mission_critical/test_websocket_reconnect.py",
        "tests/integration/test_agent_registry_flow.py",
        "tests/mission_critical/test_websocket_close_semantics.py",
        "tests/integration/test_thread_events.py",
    ):
        assert members[reformatted]["compatibility"] == "identical", reformatted
    # The real test class of the same name is not a member.
    assert "tests/unit/test_websocket_connection.py" not in members


def test_mock_agent_family(document: dict) -> None:  # type: ignore[type-arg]
    family = document["families"][1]
    assert family["name"] == "MockAgent"
    assert family["copies"] == 4
    assert [v["count"] for v in family["variants"]] == [3, 1]


def test_not_live_copies_are_reported_apart(document: dict) -> None:  # type: ignore[type-arg]
    assert document["commented_copies"] == [
        {
            "name": "TestWebSocketConnection",
            "path": "tests/integration/test_legacy_streaming.py",
            "line": 9,
            "end_line": 27,
        }
    ]
    assert [c["path"] for c in document["backup_copies"]] == [
        "tests/mission_critical/test_websocket_agent_events.py.backup"
    ]
    assert document["problems"] == [
        {
            "path": "tests/unit/broken_helpers.py",
            "line": 12,
            "reason": "syntax error: expected ':'; fix it or exclude the file",
        }
    ]


def test_document_matches_its_published_schema(document: dict) -> None:  # type: ignore[type-arg]
    import jsonschema

    schema_path = (
        Path(__file__).resolve().parents[2] / "src" / "declone" / "schemas" / "scan.schema.json"
    )
    schema = json.loads(schema_path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    broken = {**document, "families": [{**document["families"][0], "copies": 1}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)
