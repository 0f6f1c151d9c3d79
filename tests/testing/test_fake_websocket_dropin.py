"""Drop-in proof: every copy in examples/websocket-suite and the fake, through the same tests.

Each copy's class is taken from its file by its syntax tree and executed alone in a fresh
namespace (the files themselves import the example application). Every test body then runs
once on the copy and once on :class:`FakeWebSocketConnection`, reading ``get_messages()`` the
way that copy's own tests do, and both must show the same observations, which must also be
the ones the reference copy documents.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from declone.testing.websocket import FakeWebSocketConnection

EXAMPLE_ROOT = Path(__file__).resolve().parents[2] / "examples" / "websocket-suite"
COPY_NAMES = frozenset({"TestWebSocketConnection", "MockWebSocketConnection"})


@dataclass(frozen=True)
class Copy:
    """One live copy of the fake connection class in the example suite."""

    path: str
    name: str
    lineno: int
    source_file: Path
    node: ast.ClassDef

    @property
    def id(self) -> str:
        return f"{self.path}:{self.lineno}:{self.name}"

    def load(self) -> type[Any]:
        """The class, built by executing its definition alone, wherever it is nested."""
        module = ast.Module(body=[self.node], type_ignores=[])
        namespace: dict[str, Any] = {"__name__": f"copy_{Path(self.path).stem}"}
        exec(compile(module, str(self.source_file), "exec"), namespace)
        loaded: type[Any] = namespace[self.name]
        return loaded


def find_copies(tests_root: Path) -> list[Copy]:
    copies = []
    for path in sorted(tests_root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue  # pytest never imports an unparseable helper either
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and node.name in COPY_NAMES
                and any(
                    isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and item.name == "send_json"
                    for item in node.body
                )
            ):
                relative = path.relative_to(tests_root.parent).as_posix()
                copies.append(Copy(relative, node.name, node.lineno, path, node))
    return copies


COPIES = find_copies(EXAMPLE_ROOT / "tests")


def test_every_live_copy_is_found() -> None:
    found = {(copy.path, copy.name) for copy in COPIES}
    assert len(COPIES) == 14, sorted(found)
    assert {
        ("tests/integration/test_notifier_broadcast.py", "TestWebSocketConnection"),
        ("tests/integration/test_tool_events.py", "TestWebSocketConnection"),
        ("tests/integration/test_multi_user_isolation.py", "MockWebSocketConnection"),
        ("tests/unit/test_inline_connection.py", "TestWebSocketConnection"),
        ("tests/integration/test_agent_registry_flow.py", "TestWebSocketConnection"),
    } <= found
    # Not copies: commented out, unparseable, a backup file, a real test class.
    assert not {
        "tests/integration/test_legacy_streaming.py",
        "tests/unit/broken_helpers.py",
        "tests/unit/test_websocket_connection.py",
    } & {path for path, _ in found}


# -- the test bodies -------------------------------------------------------------------------

Connection = Any
Body = Callable[[type[Any], "Reader", ModuleType], Awaitable[Any]]


@dataclass(frozen=True)
class Reader:
    """Reads ``get_messages()`` the way the copy's own tests do: plainly or awaited."""

    awaited: bool

    async def messages(self, connection: Connection) -> list[Any]:
        result = connection.get_messages()
        if self.awaited:
            result = await result
        assert isinstance(result, list)
        return result


async def starts_open_and_empty(make: type[Any], read: Reader, app: ModuleType) -> Any:
    connection = make()
    messages = await read.messages(connection)
    return (connection.messages_sent, connection.is_connected, connection._closed, messages)


async def send_json_records_in_order_as_passed(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    connection = make()
    event = {"type": "agent_started", "payload": {"nested": [1, 2]}}
    for message in (event, "not a dict", {"type": "agent_completed"}):
        await connection.send_json(message)
    return (
        connection.messages_sent,
        await read.messages(connection),
        connection.messages_sent[0] is event,
    )


async def get_messages_returns_a_copy(make: type[Any], read: Reader, app: ModuleType) -> Any:
    connection = make()
    await connection.send_json({"type": "agent_started"})
    first = await read.messages(connection)
    first.clear()
    return (await read.messages(connection), first is connection.messages_sent)


async def close_marks_the_connection_disconnected(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    observed = []
    for args, kwargs in (((), {}), ((1001, "Going away"), {}), ((), {"code": 1011, "reason": "x"})):
        connection = make()
        await connection.close(*args, **kwargs)
        observed.append((connection.is_connected, connection._closed))
    return observed


async def send_after_close_raises_runtime_error(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    connection = make()
    await connection.send_json({"n": 1})
    await connection.close()
    try:
        await connection.send_json({"n": 2})
    except RuntimeError as error:
        outcome = ("RuntimeError", str(error).startswith("WebSocket is closed"))
    else:
        outcome = ("no error", False)
    return outcome, await read.messages(connection)


async def closing_twice_is_harmless(make: type[Any], read: Reader, app: ModuleType) -> Any:
    connection = make()
    await connection.close()
    await connection.close(code=1001)
    return connection.is_connected, connection._closed


async def setting_the_closed_flag_blocks_sends(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    connection = make()
    connection._closed = True
    try:
        await connection.send_json({})
    except RuntimeError:
        return "refused", connection.messages_sent
    return "sent", connection.messages_sent


async def clearing_is_connected_alone_does_not_block_sends(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    connection = make()
    connection.is_connected = False
    await connection.send_json({"type": "late"})
    return await read.messages(connection)


async def concurrent_sends_are_all_recorded_in_issue_order(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    connection = make()
    await asyncio.gather(*(connection.send_json({"n": n}) for n in range(50)))
    return [m["n"] for m in await read.messages(connection)]


async def the_example_notifier_drops_closed_connections(
    make: type[Any], read: Reader, app: ModuleType
) -> Any:
    notifier = app.WebSocketNotifier()
    kept, gone = make(), make()
    notifier.connect("u", kept)
    notifier.connect("u", gone)
    await gone.close()
    delivered = await notifier.send_event("u", app.make_event("agent_thinking", "r1"))
    await notifier.close_all("u")
    return (
        delivered,
        notifier.dropped,
        notifier.connection_count("u"),
        [m["type"] for m in await read.messages(kept)],
        kept.is_connected,
    )


#: Each body with the observation the reference copy gives.
BODIES: list[tuple[Body, Any]] = [
    (starts_open_and_empty, ([], True, False, [])),
    (
        send_json_records_in_order_as_passed,
        (
            [
                {"type": "agent_started", "payload": {"nested": [1, 2]}},
                "not a dict",
                {"type": "agent_completed"},
            ],
            [
                {"type": "agent_started", "payload": {"nested": [1, 2]}},
                "not a dict",
                {"type": "agent_completed"},
            ],
            True,
        ),
    ),
    (get_messages_returns_a_copy, ([{"type": "agent_started"}], False)),
    (close_marks_the_connection_disconnected, [(False, True)] * 3),
    (send_after_close_raises_runtime_error, (("RuntimeError", True), [{"n": 1}])),
    (closing_twice_is_harmless, (False, True)),
    (setting_the_closed_flag_blocks_sends, ("refused", [])),
    (clearing_is_connected_alone_does_not_block_sends, [{"type": "late"}]),
    (concurrent_sends_are_all_recorded_in_issue_order, list(range(50))),
    (the_example_notifier_drops_closed_connections, (1, 1, 0, ["agent_thinking"], False)),
]


@pytest.fixture
def example_app(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The example's own application, the code its copies are there to test."""
    monkeypatch.syspath_prepend(str(EXAMPLE_ROOT))
    return importlib.import_module("chatapp")


@pytest.mark.parametrize("copy", COPIES, ids=lambda copy: copy.id)
@pytest.mark.parametrize(("body", "reference"), BODIES, ids=[body.__name__ for body, _ in BODIES])
def test_fake_behaves_like_the_copy(
    copy: Copy, body: Body, reference: Any, example_app: ModuleType
) -> None:
    copy_class = copy.load()
    read = Reader(awaited=inspect.iscoroutinefunction(copy_class.get_messages))
    from_copy = asyncio.run(_run(body, copy_class, read, example_app))
    from_fake = asyncio.run(_run(body, FakeWebSocketConnection, read, example_app))
    assert from_fake == from_copy
    assert from_copy == reference


async def _run(body: Body, make: type[Any], read: Reader, app: ModuleType) -> Any:
    return await body(make, read, app)


def test_both_call_styles_of_get_messages_are_among_the_copies() -> None:
    styles = {inspect.iscoroutinefunction(copy.load().get_messages) for copy in COPIES}
    assert styles == {True, False}


@pytest.mark.parametrize(
    "copy",
    [copy for copy in COPIES if hasattr(copy.load(), "get_sent_events_by_type")],
    ids=lambda copy: copy.id,
)
def test_fake_filters_by_type_like_the_copy_with_the_extra_method(copy: Copy) -> None:
    async def observe(make: type[Any]) -> Any:
        connection = make()
        for kind in ("tool_executing", "agent_thinking", "tool_executing", "tool_completed"):
            await connection.send_json({"type": kind, "tool": "search"})
        return (
            connection.get_sent_events_by_type("tool_executing"),
            connection.get_sent_events_by_type("agent_error"),
        )

    from_copy = asyncio.run(observe(copy.load()))
    assert asyncio.run(observe(FakeWebSocketConnection)) == from_copy
    assert from_copy == ([{"type": "tool_executing", "tool": "search"}] * 2, [])
