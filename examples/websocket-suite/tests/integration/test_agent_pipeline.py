"""Integration: registry, runner and notifier together, with a scripted agent."""

import asyncio

from chatapp import AgentRegistry, AgentRunner, WebSocketNotifier


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


def setup_pipeline(agent):
    notifier = WebSocketNotifier()
    registry = AgentRegistry()
    registry.register(agent.name, lambda: agent)
    return AgentRunner(registry, notifier), notifier


def test_agent_is_called_in_plan_tool_answer_order():
    agent = MockAgent(tools=["search", "rank"])
    runner, notifier = setup_pipeline(agent)
    notifier.connect("u1", TestWebSocketConnection())
    asyncio.run(runner.run(agent.name, "u1", "best pizza"))
    assert agent.calls == [
        ("plan", "best pizza"),
        ("call_tool", "search"),
        ("call_tool", "rank"),
        ("answer", "best pizza"),
    ]


def test_answer_is_sent_in_agent_completed():
    agent = MockAgent(answer="Da Michele")
    runner, notifier = setup_pipeline(agent)
    connection = TestWebSocketConnection()
    notifier.connect("u1", connection)
    asyncio.run(runner.run(agent.name, "u1", "best pizza"))
    assert connection.get_messages()[-1]["payload"] == {"answer": "Da Michele"}


def test_tool_results_are_streamed():
    agent = MockAgent(tools=["search"])
    runner, notifier = setup_pipeline(agent)
    connection = TestWebSocketConnection()
    notifier.connect("u1", connection)
    asyncio.run(runner.run(agent.name, "u1", "naples"))
    completed = [m for m in connection.get_messages() if m["type"] == "tool_completed"]
    assert completed[0]["payload"] == {"tool": "search", "result": "search:naples"}


def test_only_the_requesting_user_receives_events():
    agent = MockAgent()
    runner, notifier = setup_pipeline(agent)
    mine, theirs = TestWebSocketConnection(), TestWebSocketConnection()
    notifier.connect("me", mine)
    notifier.connect("them", theirs)
    asyncio.run(runner.run(agent.name, "me", "task"))
    assert mine.get_messages()
    assert theirs.get_messages() == []
