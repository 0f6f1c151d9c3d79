"""Mission critical: clients rely on the order of events to render an agent's progress."""

import asyncio

from chatapp import AgentRegistry, AgentRunner, EchoAgent, WebSocketNotifier, validate_event


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


def make_runner(connection, tools=()):
    notifier = WebSocketNotifier()
    notifier.connect("user-7", connection)
    registry = AgentRegistry()
    registry.register("echo", lambda: EchoAgent(tools=tools))
    return AgentRunner(registry, notifier)


def test_sequence_numbers_strictly_increase():
    connection = TestWebSocketConnection()
    asyncio.run(make_runner(connection, tools=("a", "b", "c")).run("echo", "user-7", "task"))
    seqs = [message["seq"] for message in connection.get_messages()]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)


def test_run_without_tools_sends_exactly_three_events():
    connection = TestWebSocketConnection()
    asyncio.run(make_runner(connection).run("echo", "user-7", "hello"))
    types = [message["type"] for message in connection.get_messages()]
    assert types == ["agent_started", "agent_thinking", "agent_completed"]


def test_each_tool_completes_before_the_next_starts():
    connection = TestWebSocketConnection()
    asyncio.run(make_runner(connection, tools=("search", "book")).run("echo", "user-7", "trip"))
    tool_events = [
        (message["type"], message["payload"]["tool"])
        for message in connection.get_messages()
        if message["type"].startswith("tool_")
    ]
    assert tool_events == [
        ("tool_executing", "search"),
        ("tool_completed", "search"),
        ("tool_executing", "book"),
        ("tool_completed", "book"),
    ]


def test_second_run_events_follow_the_first():
    connection = TestWebSocketConnection()
    runner = make_runner(connection, tools=("search",))

    async def two_runs():
        first = await runner.run("echo", "user-7", "one")
        second = await runner.run("echo", "user-7", "two")
        return first, second

    first, second = asyncio.run(two_runs())
    run_ids = [message["run_id"] for message in connection.get_messages()]
    boundary = run_ids.index(second["run_id"])
    assert set(run_ids[:boundary]) == {first["run_id"]}
    assert set(run_ids[boundary:]) == {second["run_id"]}


def test_every_event_is_valid():
    connection = TestWebSocketConnection()
    asyncio.run(make_runner(connection, tools=("x",)).run("echo", "user-7", "check"))
    for message in connection.get_messages():
        validate_event(message)
