"""Unit tests for WebSocketNotifier's bookkeeping of connections."""

import asyncio

from chatapp import WebSocketNotifier, make_event


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


def test_connect_counts_connections_per_user(notifier, user_id):
    notifier.connect(user_id, TestWebSocketConnection())
    notifier.connect(user_id, TestWebSocketConnection())
    assert notifier.connection_count(user_id) == 2
    assert notifier.connection_count("someone-else") == 0


def test_disconnect_unknown_connection_is_harmless(notifier, user_id):
    notifier.disconnect(user_id, TestWebSocketConnection())
    assert notifier.connection_count(user_id) == 0


def test_send_event_returns_number_delivered(notifier, user_id):
    notifier.connect(user_id, TestWebSocketConnection())
    notifier.connect(user_id, TestWebSocketConnection())
    assert asyncio.run(notifier.send_event(user_id, make_event("agent_started", "r"))) == 2


def test_dropped_counts_closed_connections(notifier, user_id):
    closed = TestWebSocketConnection()
    asyncio.run(closed.close())
    notifier.connect(user_id, closed)
    notifier.connect(user_id, TestWebSocketConnection())
    asyncio.run(notifier.send_event(user_id, make_event("agent_started", "r")))
    assert notifier.dropped == 1
    assert notifier.connection_count(user_id) == 1


def test_sent_message_is_the_event_itself(notifier, user_id):
    connection = TestWebSocketConnection()
    notifier.connect(user_id, connection)
    event = make_event("agent_completed", "r", {"answer": 42})
    asyncio.run(notifier.send_event(user_id, event))
    assert connection.get_messages() == [event]
