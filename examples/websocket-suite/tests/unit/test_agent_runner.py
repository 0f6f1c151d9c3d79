"""Unit tests for AgentRunner's return value and its calls into the agent."""

import asyncio
import string

from chatapp import AgentRunner, WebSocketNotifier


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


class MockAgent:
    """Agent that follows a fixed plan and records the calls it receives."""

    def __init__(self, name="mock-agent", tools=None, answer="done"):
        self.name = name
        self.tools = list(tools or [])
        self.answer_text = answer
        self.calls = []

    async def plan(self, task):
        self.calls.append(("plan", task))
        return list(self.tools)

    async def call_tool(self, tool, task):
        self.calls.append(("call_tool", tool))
        return f"{tool}:{task}"

    async def answer(self, task, results):
        self.calls.append(("answer", task))
        return self.answer_text


def test_completed_run_returns_the_answer(registry, user_id):
    registry.register("mock-agent", lambda: MockAgent(answer="42"))
    result = asyncio.run(AgentRunner(registry, WebSocketNotifier()).run("mock-agent", user_id, "q"))
    assert result["status"] == "completed"
    assert result["answer"] == "42"


def test_run_id_is_twelve_hex_digits(registry, user_id):
    registry.register("mock-agent", MockAgent)
    result = asyncio.run(AgentRunner(registry, WebSocketNotifier()).run("mock-agent", user_id, "q"))
    assert len(result["run_id"]) == 12
    assert set(result["run_id"]) <= set(string.hexdigits)


def test_runner_works_without_connected_users(registry, user_id):
    agent = MockAgent(tools=["t"])
    registry.register("mock-agent", lambda: agent)
    asyncio.run(AgentRunner(registry, WebSocketNotifier()).run("mock-agent", user_id, "q"))
    assert ("call_tool", "t") in agent.calls


def test_run_streams_seven_events_for_two_tools(registry, notifier, user_id):
    connection = TestWebSocketConnection()
    notifier.connect(user_id, connection)
    registry.register("mock-agent", lambda: MockAgent(tools=["a", "b"]))
    asyncio.run(AgentRunner(registry, notifier).run("mock-agent", user_id, "q"))
    assert len(connection.get_messages()) == 7
