"""Integration: events for one user never leak to another."""

import asyncio

from chatapp import AgentRegistry, AgentRunner, EchoAgent, WebSocketNotifier, make_event


class MockWebSocketConnection:
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


def test_events_do_not_leak_between_users():
    notifier = WebSocketNotifier()
    alice, bob = MockWebSocketConnection(), MockWebSocketConnection()
    notifier.connect("alice", alice)
    notifier.connect("bob", bob)
    registry = AgentRegistry()
    registry.register("echo", EchoAgent)
    asyncio.run(AgentRunner(registry, notifier).run("echo", "alice", "private question"))
    assert alice.get_messages()
    assert bob.get_messages() == []


def test_every_tab_of_a_user_receives_the_event():
    notifier = WebSocketNotifier()
    tabs = [MockWebSocketConnection(), MockWebSocketConnection()]
    for tab in tabs:
        notifier.connect("alice", tab)
    asyncio.run(notifier.send_event("alice", make_event("agent_started", "r")))
    assert [len(tab.get_messages()) for tab in tabs] == [1, 1]


def test_disconnected_tab_stops_receiving():
    notifier = WebSocketNotifier()
    kept, gone = MockWebSocketConnection(), MockWebSocketConnection()
    notifier.connect("alice", kept)
    notifier.connect("alice", gone)
    notifier.disconnect("alice", gone)
    asyncio.run(notifier.send_event("alice", make_event("agent_started", "r")))
    assert len(kept.get_messages()) == 1
    assert gone.get_messages() == []


def test_closing_one_user_leaves_the_other_connected():
    notifier = WebSocketNotifier()
    alice, bob = MockWebSocketConnection(), MockWebSocketConnection()
    notifier.connect("alice", alice)
    notifier.connect("bob", bob)
    asyncio.run(notifier.close_all("alice"))
    assert not alice.is_connected
    assert bob.is_connected
    assert notifier.connection_count("bob") == 1
