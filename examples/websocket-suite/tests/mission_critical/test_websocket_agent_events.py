"""Mission critical: every agent run streams its whole lifecycle to the user."""

import asyncio

from chatapp import AgentRegistry, AgentRunner, EchoAgent, WebSocketNotifier


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


def run_echo(tools=("search",), task="find flights to Lisbon"):
    connection = TestWebSocketConnection()
    notifier = WebSocketNotifier()
    notifier.connect("user-1", connection)
    registry = AgentRegistry()
    registry.register("echo", lambda: EchoAgent(tools=tools))
    result = asyncio.run(AgentRunner(registry, notifier).run("echo", "user-1", task))
    return connection, result


def event_types(connection):
    return [message["type"] for message in connection.get_messages()]


def test_agent_started_is_the_first_event():
    connection, _ = run_echo()
    assert event_types(connection)[0] == "agent_started"


def test_agent_completed_is_the_last_event():
    connection, result = run_echo()
    assert event_types(connection)[-1] == "agent_completed"
    assert connection.get_messages()[-1]["payload"]["answer"] == result["answer"]


def test_agent_thinking_comes_before_any_tool():
    connection, _ = run_echo(tools=("search", "book"))
    types = event_types(connection)
    assert types.index("agent_thinking") < types.index("tool_executing")


def test_every_tool_is_announced_and_completed():
    connection, _ = run_echo(tools=("search", "compare", "book"))
    types = event_types(connection)
    assert types.count("tool_executing") == 3
    assert types.count("tool_completed") == 3


def test_all_events_share_the_run_id():
    connection, result = run_echo()
    assert {message["run_id"] for message in connection.get_messages()} == {result["run_id"]}


def test_started_event_names_agent_and_task():
    connection, _ = run_echo(task="summarise the thread")
    started = connection.get_messages()[0]
    assert started["payload"] == {"agent": "echo", "task": "summarise the thread"}
