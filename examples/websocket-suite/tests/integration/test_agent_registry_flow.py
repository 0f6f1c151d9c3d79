"""Integration: agents registered by name, created fresh for every run."""

import asyncio

import pytest

from chatapp import AgentRegistry, AgentRunner, UnknownAgentError, WebSocketNotifier


class TestWebSocketConnection :
  """In-memory WebSocket connection that records every message sent to it."""

  def __init__( self ):
    self.messages_sent = []
    self.is_connected = True
    self._closed = False

  async def send_json(
      self,
      message,
  ):
    if self._closed: raise RuntimeError("WebSocket is closed")
    self.messages_sent.append(message)

  async def close(self, code=1000, reason="Normal closure"):
    self._closed = True; self.is_connected = False

  def get_messages(self):
    return (
        self.messages_sent.copy()
    )


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


def test_each_run_gets_a_fresh_agent():
    created = []

    def factory():
        agent = MockAgent(name="fresh")
        created.append(agent)
        return agent

    registry = AgentRegistry()
    registry.register("fresh", factory)
    notifier = WebSocketNotifier()
    notifier.connect("u", TestWebSocketConnection())
    runner = AgentRunner(registry, notifier)
    asyncio.run(runner.run("fresh", "u", "one"))
    asyncio.run(runner.run("fresh", "u", "two"))
    assert len(created) == 2
    assert created[0] is not created[1]
    assert created[1].calls[0] == ("plan", "two")


def test_two_agents_stream_to_the_same_user():
    registry = AgentRegistry()
    registry.register("planner", lambda: MockAgent(name="planner", answer="plan ready"))
    registry.register("writer", lambda: MockAgent(name="writer", answer="draft ready"))
    notifier = WebSocketNotifier()
    connection = TestWebSocketConnection()
    notifier.connect("u", connection)
    runner = AgentRunner(registry, notifier)
    asyncio.run(runner.run("planner", "u", "essay"))
    asyncio.run(runner.run("writer", "u", "essay"))
    answers = [m["payload"]["answer"] for m in connection.get_messages() if m["type"] == "agent_completed"]
    assert answers == ["plan ready", "draft ready"]


def test_unregistered_agent_is_refused():
    runner = AgentRunner(AgentRegistry(), WebSocketNotifier())
    with pytest.raises(UnknownAgentError):
        asyncio.run(runner.run("missing", "u", "task"))
