"""Integration: broadcasting to many users from inside one event loop."""

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

    async def get_messages(self):
        return self.messages_sent.copy()


async def connect_users(notifier, users):
    connections = {}
    for user in users:
        connections[user] = TestWebSocketConnection()
        notifier.connect(user, connections[user])
    return connections


def test_broadcast_sends_one_message_to_each_user():
    async def scenario():
        notifier = WebSocketNotifier()
        connections = await connect_users(notifier, ["a", "b", "c"])
        await notifier.broadcast(make_event("agent_started", "r"))
        return [len(await c.get_messages()) for c in connections.values()]

    assert asyncio.run(scenario()) == [1, 1, 1]


def test_broadcast_skips_and_drops_closed_connections():
    async def scenario():
        notifier = WebSocketNotifier()
        connections = await connect_users(notifier, ["a", "b"])
        await connections["a"].close()
        delivered = await notifier.broadcast(make_event("agent_thinking", "r"))
        return delivered, notifier.connection_count("a"), notifier.dropped

    assert asyncio.run(scenario()) == (1, 0, 1)


def test_broadcast_preserves_order_per_user():
    async def scenario():
        notifier = WebSocketNotifier()
        connections = await connect_users(notifier, ["a"])
        for event_type in ("agent_started", "agent_thinking", "agent_completed"):
            await notifier.broadcast(make_event(event_type, "r"))
        return [m["type"] for m in await connections["a"].get_messages()]

    assert asyncio.run(scenario()) == ["agent_started", "agent_thinking", "agent_completed"]


def test_concurrent_broadcasts_deliver_everything():
    async def scenario():
        notifier = WebSocketNotifier()
        connections = await connect_users(notifier, ["a", "b"])
        await asyncio.gather(*(notifier.broadcast(make_event("agent_thinking", f"r{i}")) for i in range(5)))
        counts = [len(await c.get_messages()) for c in connections.values()]
        return sorted(counts)

    assert asyncio.run(scenario()) == [5, 5]
