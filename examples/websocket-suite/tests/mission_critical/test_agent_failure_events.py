"""Mission critical: a failing agent tells the user, and never claims it completed."""

import asyncio

import pytest

from chatapp import AgentRegistry, AgentRunner, UnknownAgentError, WebSocketNotifier


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

    def __init__(self, name="mock-agent", tools=None, answer="done", fail_on_tool=None):
        self.name = name
        self.tools = list(tools or [])
        self.answer_text = answer
        self.fail_on_tool = fail_on_tool
        self.calls = []

    async def plan(self, task):
        self.calls.append(("plan", task))
        return list(self.tools)

    async def call_tool(self, tool, task):
        self.calls.append(("call_tool", tool))
        if tool == self.fail_on_tool:
            raise RuntimeError(f"tool {tool} failed")
        return f"{tool}:{task}"

    async def answer(self, task, results):
        self.calls.append(("answer", task))
        return self.answer_text


def run_agent(agent):
    connection = TestWebSocketConnection()
    notifier = WebSocketNotifier()
    notifier.connect("user-9", connection)
    registry = AgentRegistry()
    registry.register(agent.name, lambda: agent)
    result = asyncio.run(AgentRunner(registry, notifier).run(agent.name, "user-9", "deploy"))
    return connection, result


def test_failing_tool_ends_with_agent_error():
    connection, result = run_agent(MockAgent(tools=["build", "push"], fail_on_tool="push"))
    messages = connection.get_messages()
    assert messages[-1]["type"] == "agent_error"
    assert "push" in messages[-1]["payload"]["error"]
    assert result["status"] == "error"


def test_no_agent_completed_after_an_error():
    connection, _ = run_agent(MockAgent(tools=["build"], fail_on_tool="build"))
    assert "agent_completed" not in [m["type"] for m in connection.get_messages()]


def test_failing_tool_was_announced_first():
    connection, _ = run_agent(MockAgent(tools=["build", "push"], fail_on_tool="push"))
    executing = [m["payload"]["tool"] for m in connection.get_messages() if m["type"] == "tool_executing"]
    assert executing == ["build", "push"]


def test_agent_without_failures_completes():
    agent = MockAgent(tools=["build"])
    connection, result = run_agent(agent)
    assert result == {"run_id": result["run_id"], "status": "completed", "answer": "done"}
    assert agent.calls == [("plan", "deploy"), ("call_tool", "build"), ("answer", "deploy")]


def test_unknown_agent_raises_and_sends_nothing():
    connection = TestWebSocketConnection()
    notifier = WebSocketNotifier()
    notifier.connect("user-9", connection)
    runner = AgentRunner(AgentRegistry(), notifier)
    with pytest.raises(UnknownAgentError):
        asyncio.run(runner.run("nobody", "user-9", "deploy"))
    assert connection.get_messages() == []
