"""Mission critical: what a closed connection must and must not do."""

import asyncio

import pytest

from chatapp import WebSocketNotifier, make_event


class TestWebSocketConnection:
    """Fake WebSocket used by the close-semantics tests.

    Mirrors the server-side connection closely enough for the notifier.
    """

    def __init__(self):
        # Everything the server "sent" to the browser, in order.
        self.messages_sent = []
        self.is_connected = True
        self._closed = False  # set by close()

    async def send_json(self, message):
        """Record ``message``; a closed socket refuses to send, like the real one."""
        if self._closed:
            # The real server raises RuntimeError here too.
            raise RuntimeError("WebSocket is closed")
        self.messages_sent.append(message)

    async def close(self, code=1000, reason="Normal closure"):
        """Close the connection; code and reason are accepted for API parity."""
        self._closed = True
        self.is_connected = False

    def get_messages(self):
        """Return a copy so that callers cannot change the record."""
        return self.messages_sent.copy()


def test_send_after_close_raises():
    connection = TestWebSocketConnection()
    asyncio.run(connection.close())
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(connection.send_json({"type": "agent_thinking"}))


def test_close_marks_connection_disconnected():
    connection = TestWebSocketConnection()
    assert connection.is_connected
    asyncio.run(connection.close(code=1001, reason="Going away"))
    assert not connection.is_connected


def test_closing_twice_is_harmless():
    connection = TestWebSocketConnection()
    asyncio.run(connection.close())
    asyncio.run(connection.close())
    assert not connection.is_connected


def test_get_messages_returns_a_copy():
    connection = TestWebSocketConnection()
    asyncio.run(connection.send_json({"type": "agent_started"}))
    connection.get_messages().clear()
    assert len(connection.get_messages()) == 1


def test_close_all_closes_every_connection_of_the_user():
    notifier = WebSocketNotifier()
    tabs = [TestWebSocketConnection() for _ in range(3)]
    for tab in tabs:
        notifier.connect("u", tab)
    asyncio.run(notifier.close_all("u"))
    assert not any(tab.is_connected for tab in tabs)
    assert asyncio.run(notifier.send_event("u", make_event("agent_started", "r"))) == 0
