"""Agents, their registry, and the runner that streams an agent's work as events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from chatapp.events import make_event
from chatapp.notifier import WebSocketNotifier


class Agent(Protocol):
    name: str

    async def plan(self, task: str) -> list[str]: ...

    async def call_tool(self, tool: str, task: str) -> str: ...

    async def answer(self, task: str, results: list[str]) -> str: ...


class UnknownAgentError(KeyError):
    """No agent is registered under the requested name."""


class AgentRegistry:
    """Maps agent names to factories; each run gets a fresh agent."""

    def __init__(self) -> None:
        self._factories: dict[str, Callable[[], Agent]] = {}

    def register(self, name: str, factory: Callable[[], Agent]) -> None:
        if name in self._factories:
            raise ValueError(f"agent {name!r} is already registered")
        self._factories[name] = factory

    def create(self, name: str) -> Agent:
        try:
            factory = self._factories[name]
        except KeyError:
            raise UnknownAgentError(name) from None
        return factory()

    def names(self) -> list[str]:
        return sorted(self._factories)


class AgentRunner:
    """Runs one agent on one task and reports each step to the user's connections."""

    def __init__(self, registry: AgentRegistry, notifier: WebSocketNotifier) -> None:
        self.registry = registry
        self.notifier = notifier

    async def run(self, agent_name: str, user_id: str, task: str) -> dict[str, Any]:
        run_id = uuid.uuid4().hex[:12]
        agent = self.registry.create(agent_name)

        async def emit(event_type: str, **payload: Any) -> None:
            await self.notifier.send_event(user_id, make_event(event_type, run_id, payload))

        await emit("agent_started", agent=agent.name, task=task)
        try:
            await emit("agent_thinking", thought=f"planning {task!r}")
            results = []
            for tool in await agent.plan(task):
                await emit("tool_executing", tool=tool)
                result = await agent.call_tool(tool, task)
                results.append(result)
                await emit("tool_completed", tool=tool, result=result)
            answer = await agent.answer(task, results)
        except Exception as error:  # an agent's failure is reported to the user, not raised
            await emit("agent_error", error=str(error))
            return {"run_id": run_id, "status": "error", "error": str(error)}
        await emit("agent_completed", answer=answer)
        return {"run_id": run_id, "status": "completed", "answer": answer}


class EchoAgent:
    """The built-in agent: runs the tools it was configured with, then echoes the task."""

    def __init__(self, name: str = "echo", tools: tuple[str, ...] | list[str] = ()) -> None:
        self.name = name
        self.tools = tuple(tools)

    async def plan(self, task: str) -> list[str]:
        return [tool for tool in self.tools if tool]

    async def call_tool(self, tool: str, task: str) -> str:
        if tool == "fail":
            raise RuntimeError(f"tool {tool!r} failed on {task!r}")
        return f"{tool} ok"

    async def answer(self, task: str, results: list[str]) -> str:
        return " | ".join([task, *results])
