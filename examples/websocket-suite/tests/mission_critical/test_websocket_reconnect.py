"""Mission critical: a user who reconnects keeps receiving events on the new connection."""

import asyncio

from chatapp import WebSocketNotifier, make_event


class TestWebSocketConnection:
    """In-memory WebSocket connection that records every message sent to it."""
    def __init__(self):
        self.messages_sent = [ ]
        self.is_connected = True
        self._closed = False
    async def send_json(self, message):
        if (self._closed):
            raise RuntimeError('WebSocket is closed')
        self.messages_sent.append(message)
    async def close(self, code = 1000, reason = 'Normal closure'):
        self._closed = True
        self.is_connected = False
    def get_messages(self):
        return self.messages_sent.copy( )


def test_events_reach_the_new_connection_after_reconnect():
    notifier = WebSocketNotifier()
    old, new = TestWebSocketConnection(), TestWebSocketConnection()
    notifier.connect("u", old)
    asyncio.run(old.close())
    notifier.connect("u", new)
    delivered = asyncio.run(notifier.send_event("u", make_event("agent_thinking", "r1")))
    assert delivered == 1
    assert [m["type"] for m in new.get_messages()] == ["agent_thinking"]


def test_closed_connection_is_dropped_on_next_send():
    notifier = WebSocketNotifier()
    old, new = TestWebSocketConnection(), TestWebSocketConnection()
    notifier.connect("u", old)
    notifier.connect("u", new)
    asyncio.run(old.close())
    asyncio.run(notifier.send_event("u", make_event("agent_started", "r1")))
    assert notifier.connection_count("u") == 1
    assert notifier.dropped == 1


def test_messages_received_before_close_are_kept():
    notifier = WebSocketNotifier()
    connection = TestWebSocketConnection()
    notifier.connect("u", connection)
    asyncio.run(notifier.send_event("u", make_event("agent_started", "r1")))
    asyncio.run(connection.close())
    asyncio.run(notifier.send_event("u", make_event("agent_completed", "r1")))
    assert [m["type"] for m in connection.get_messages()] == ["agent_started"]


def test_user_with_only_closed_connections_is_forgotten():
    notifier = WebSocketNotifier()
    connection = TestWebSocketConnection()
    notifier.connect("u", connection)
    asyncio.run(connection.close())
    assert asyncio.run(notifier.send_event("u", make_event("agent_thinking", "r1"))) == 0
    assert notifier.connection_count("u") == 0
