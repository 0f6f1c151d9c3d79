"""Unit tests for the WebSocket connection's text frames."""

import json

import pytest

from chatapp import make_event
from chatapp.frames import MAX_FRAME_BYTES, decode_frame, encode_frame


class TestWebSocketConnection:
    """The frames a connection writes: deterministic, compact, bounded."""

    def test_encoding_is_deterministic(self):
        assert encode_frame({"b": 2, "a": 1}) == encode_frame({"a": 1, "b": 2})

    def test_event_round_trips(self):
        event = make_event("tool_completed", "r", {"tool": "search", "result": "ok"})
        assert decode_frame(encode_frame(event)) == event

    def test_frame_must_be_an_object(self):
        with pytest.raises(ValueError, match="object"):
            decode_frame("[1, 2, 3]")

    def test_oversized_frame_is_refused(self):
        with pytest.raises(ValueError, match="too large"):
            encode_frame({"payload": "x" * MAX_FRAME_BYTES})

    def test_non_ascii_survives(self):
        assert decode_frame(encode_frame({"text": "café ☕"})) == {"text": "café ☕"}


def test_invalid_json_is_an_error():
    with pytest.raises(json.JSONDecodeError):
        decode_frame("{not json")
