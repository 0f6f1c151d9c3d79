"""Integration: the tool_executing / tool_completed events an agent run produces."""

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

    def get_sent_events_by_type(self, event_type):
        return [message for message in self.messages_sent if message.get("type") == event_type]


def run_with_tools(tools):
    connection = TestWebSocketConnection()
    notifier = WebSocketNotifier()
    notifier.connect("u", connection)
    registry = AgentRegistry()
    registry.register("echo", lambda: EchoAgent(tools=tools))
    asyncio.run(AgentRunner(registry, notifier).run("echo", "u", "weather"))
    return connection


def test_one_tool_executing_event_per_tool():
    connection = run_with_tools(["geocode", "forecast"])
    assert len(connection.get_sent_events_by_type("tool_executing")) == 2


def test_tools_are_reported_in_plan_order():
    connection = run_with_tools(["geocode", "forecast", "format"])
    tools = [e["payload"]["tool"] for e in connection.get_sent_events_by_type("tool_executing")]
    assert tools == ["geocode", "forecast", "format"]


def test_tool_completed_carries_the_result():
    connection = run_with_tools(["forecast"])
    (completed,) = connection.get_sent_events_by_type("tool_completed")
    assert completed["payload"] == {"tool": "forecast", "result": "forecast ok"}


def test_no_tool_events_without_tools():
    connection = run_with_tools([])
    assert connection.get_sent_events_by_type("tool_executing") == []
    assert len(connection.get_sent_events_by_type("agent_completed")) == 1


def test_failing_tool_reports_error_instead_of_completion():
    connection = run_with_tools(["geocode", "fail"])
    assert len(connection.get_sent_events_by_type("tool_completed")) == 1
    assert len(connection.get_sent_events_by_type("agent_error")) == 1
