"""Unit tests for event construction and validation."""

import pytest

from chatapp import EVENT_TYPES, make_event, validate_event


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_known_type_can_be_built(event_type):
    event = make_event(event_type, "run-1")
    assert event["type"] == event_type
    validate_event(event)


def test_unknown_type_is_refused():
    with pytest.raises(ValueError, match="unknown event type"):
        make_event("agent_dancing", "run-1")


def test_sequence_grows():
    first, second = make_event("agent_started", "r"), make_event("agent_started", "r")
    assert second["seq"] > first["seq"]


def test_validate_rejects_unknown_type():
    with pytest.raises(ValueError, match="unknown event type"):
        validate_event({"type": "nope", "run_id": "r", "seq": 1, "payload": {}})


def test_validate_rejects_non_dict_payload():
    with pytest.raises(ValueError, match="payload"):
        validate_event({"type": "agent_started", "run_id": "r", "seq": 1, "payload": []})
