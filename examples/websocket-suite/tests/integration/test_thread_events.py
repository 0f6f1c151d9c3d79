"""Integration: events for a conversation thread, sent through the notifier."""

import asyncio

import pytest

from chatapp import WebSocketNotifier, make_event, validate_event


class TestWebSocketConnection:
    # No docstring here; see the mission-critical suite for the reference copy.

    def __init__(self):
        self.messages_sent = []
        self.is_connected = True
        self._closed = False

    async def send_json(self, message):
        # Sending on a closed socket is a bug in the code under test.
        if self._closed:
            raise RuntimeError("WebSocket is closed")
        self.messages_sent.append(message)

    async def close(self, code=1000, reason="Normal closure"):
        self._closed = True
        self.is_connected = False

    def get_messages(self):
        return self.messages_sent.copy()  # a copy, never the live list


def test_broadcast_reaches_every_user():
    notifier = WebSocketNotifier()
    connections = {user: TestWebSocketConnection() for user in ("ana", "bo", "cy")}
    for user, connection in connections.items():
        notifier.connect(user, connection)
    delivered = asyncio.run(notifier.broadcast(make_event("agent_thinking", "thread-1")))
    assert delivered == 3
    assert all(len(c.get_messages()) == 1 for c in connections.values())


def test_send_to_unknown_user_delivers_nothing():
    notifier = WebSocketNotifier()
    assert asyncio.run(notifier.send_event("ghost", make_event("agent_started", "t"))) == 0


def test_payload_is_copied_into_the_event():
    payload = {"thought": "first draft"}
    event = make_event("agent_thinking", "thread-1", payload)
    payload["thought"] = "changed"
    connection = TestWebSocketConnection()
    asyncio.run(connection.send_json(event))
    assert connection.get_messages()[0]["payload"] == {"thought": "first draft"}


def test_received_events_validate():
    connection = TestWebSocketConnection()
    asyncio.run(connection.send_json(make_event("tool_executing", "thread-2", {"tool": "search"})))
    validate_event(connection.get_messages()[0])


def test_malformed_event_is_rejected():
    with pytest.raises(ValueError, match="missing"):
        validate_event({"type": "agent_started"})
