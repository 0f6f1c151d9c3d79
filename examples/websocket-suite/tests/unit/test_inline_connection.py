"""Unit tests that build their fake connection where they need it."""

import asyncio

from chatapp import WebSocketNotifier, make_event


def test_notifier_delivers_through_an_inline_fake():
    class TestWebSocketConnection:
        """In-memory WebSocket connection that records every message sent to it."""

        def __init__(self):
            self.messages_sent = []
            self.is_connected = True
            self._closed = False

        async def send_json(self, message):
            if self._closed:
                raise RuntimeError("WebSocket is closed")
            self.messages_sent.append(message)

        async def close(self, code=1000, reason="Normal closure"):
            self._closed = True
            self.is_connected = False

        def get_messages(self):
            return self.messages_sent.copy()

    notifier = WebSocketNotifier()
    connection = TestWebSocketConnection()
    notifier.connect("u", connection)
    asyncio.run(notifier.send_event("u", make_event("agent_started", "r")))
    asyncio.run(connection.close())
    asyncio.run(notifier.send_event("u", make_event("agent_completed", "r")))
    assert [m["type"] for m in connection.get_messages()] == ["agent_started"]
    assert notifier.dropped == 1


def test_new_notifier_has_no_connections():
    assert WebSocketNotifier().connection_count("u") == 0


def test_broadcast_without_users_delivers_nothing():
    assert asyncio.run(WebSocketNotifier().broadcast(make_event("agent_thinking", "r"))) == 0
